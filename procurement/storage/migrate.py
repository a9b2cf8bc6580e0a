"""Alembic wrapped for the registry: the migrations ship inside the package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from procurement.core.errors import DatabaseError


def migrations_dir() -> Path:
    """The migrations folder: inside the installed wheel, else the checkout's top-level one."""
    packaged = Path(str(resources.files("procurement"))) / "_migrations"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent.parent / "migrations"
    if checkout.is_dir():
        return checkout
    raise DatabaseError("the registry's migrations are missing: reinstall the procurement package")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    return config


@contextmanager
def migrating(connection: Connection) -> Iterator[None]:
    """One transaction for a migration. On SQLite, a migration that rebuilds a table other
    tables refer to (copy, drop, rename) must run with foreign keys off, as SQLite's
    documentation says; they are checked before the commit instead, and turned on again."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _pragma(connection, "foreign_keys = OFF")  # only outside a transaction
    try:
        with connection.begin():
            yield
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(
                        f"the migration would leave {len(broken)} broken references "
                        f"(first: table {broken[0][0]}); nothing was changed"
                    )
    finally:
        if sqlite:
            _pragma(connection, "foreign_keys = ON")


def _pragma(connection: Connection, setting: str) -> None:
    # On the driver's connection: through SQLAlchemy the statement would first BEGIN.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA {setting}")
    finally:
        cursor.close()


def _run(engine: Engine, action: str, revision: str = "head") -> None:
    config = alembic_config()
    with engine.connect() as connection, migrating(connection):
        config.attributes["connection"] = connection
        if action == "upgrade":
            command.upgrade(config, revision)
        elif action == "downgrade":
            command.downgrade(config, revision)
        else:  # pragma: no cover - programming error
            raise ValueError(action)


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def check(engine: Engine) -> None:
    """Raise DatabaseError when the database is not at the newest revision (or at one this
    version does not know), when the models and the migrations disagree (what ``alembic
    check`` reports as drift), or when the database holds objects this version did not
    create (:func:`procurement.storage.backup.foreign_objects`: triggers, functions, views,
    extra tables or columns, ...)."""
    from alembic.autogenerate import compare_metadata

    from procurement.storage import backup
    from procurement.storage.schema import metadata

    current, head = current_revision(engine), head_revision()
    if current is not None and current not in backup.known_revisions():
        raise DatabaseError(f"the database is at {backup.unknown_revision_message(current)}")
    if current != head:
        raise DatabaseError(
            f"the database is at schema {current or 'none'}, not {head}: "
            "run `procurement db upgrade`"
        )
    with engine.connect() as connection:
        found = backup.foreign_objects(connection)
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    if found:
        raise DatabaseError(backup.foreign_objects_message(found))
    if diffs:
        raise DatabaseError(
            f"schema drift between models and migrations ({len(diffs)} differences, first: "
            f"{diffs[0]!r}); write a migration with `alembic revision --autogenerate`"
        )
