"""Alembic environment: runs on a connection given by the registry, or on the configured URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from procurement.storage.engine import ENV_DATABASE, default_database_url, make_engine
from procurement.storage.schema import metadata

config = context.config
target_metadata = metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(ENV_DATABASE)
    context.configure(
        url=url or default_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get(ENV_DATABASE)
        or default_database_url()
    )
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            run_on(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
