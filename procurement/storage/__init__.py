"""Storage: the tables, the ORM classes over them, engines and transactions, migrations, backup,
per-city permissions and retries. Imports only ``core``."""
