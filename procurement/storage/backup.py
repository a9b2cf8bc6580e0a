"""Backups and restores of the whole registry.

SQLite: the online backup API copies a consistent snapshot while others keep writing, and
restores by copying the other way. PostgreSQL: the server's own ``pg_dump --format=custom``
and ``pg_restore --single-transaction`` (the PostgreSQL client tools must be installed).
Both are all or nothing: a backup is written to ``FILE.partial`` and renamed when complete,
a restore is one transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from procurement.core.errors import BadInput, DatabaseError


@dataclass(frozen=True)
class RestoreResult:
    cases: int
    revision: str | None


def backup_sqlite(*, engine: Engine, target: Path) -> int:
    """Copy the SQLite database behind ``engine`` to ``target``; returns its size in bytes."""
    if engine.dialect.name != "sqlite":
        raise BadInput("backup of a PostgreSQL registry: use `pg_dump --format=custom -f FILE URL`")
    _refuse_existing(target)
    partial = target.with_name(target.name + ".partial")
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        raw.close()
    partial.replace(target)
    return target.stat().st_size


def backup(*, engine: Engine, target: Path) -> int:
    """Back up the registry to ``target`` (SQLite file or pg_dump archive); returns its size."""
    if engine.dialect.name == "sqlite":
        return backup_sqlite(engine=engine, target=target)
    _refuse_existing(target)
    partial = target.with_name(target.name + ".partial")
    try:
        _pg_tool(engine, "pg_dump", "--format=custom", "--no-owner", f"--file={partial}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def restore(*, engine: Engine, source: Path, force: bool = False) -> RestoreResult:
    """Replace the registry behind ``engine`` by the backup ``source``.

    Refuses to overwrite a registry that holds cases unless ``force``.
    """
    if not source.is_file():
        raise BadInput(f"{source}: no such backup file")
    held = registry_cases(engine)
    if held and not force:
        raise BadInput(
            f"the target registry holds {held} case{'s' if held != 1 else ''}; restoring would "
            "replace them: give --force, or restore into a new database with --database"
        )
    if engine.dialect.name == "sqlite":
        _restore_sqlite(engine, source)
    else:
        _restore_postgresql(engine, source, clean=_has_tables(engine))
    engine.dispose()
    from procurement.storage import migrate

    return RestoreResult(
        cases=registry_cases(engine) or 0, revision=migrate.current_revision(engine)
    )


def registry_cases(engine: Engine) -> int | None:
    """Number of cases (removed ones too) in the registry, None when it has no tables."""
    if not inspect(engine).has_table("cases"):
        return None
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


def _refuse_existing(target: Path) -> None:
    if target.exists():
        raise BadInput(f"{target} exists already; choose a new file name")


def _restore_sqlite(engine: Engine, source: Path) -> None:
    try:
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BadInput(f"{source} cannot be opened as a SQLite backup: {exc}") from None
    try:
        try:
            check = backup_file.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in backup_file.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{source} is not a registry backup ({exc})") from None
        if check is None or check[0] != "ok":
            raise BadInput(f"{source} is damaged (integrity check: {check}); use another backup")
        if not {"alembic_version", "cases"} <= tables:
            raise BadInput(f"{source} is not a registry backup (no registry tables in it)")
        engine.dispose()
        raw = engine.raw_connection()
        try:
            dest = raw.driver_connection
            assert isinstance(dest, sqlite3.Connection)
            backup_file.backup(dest)
        finally:
            raw.close()
    finally:
        backup_file.close()


def _restore_postgresql(engine: Engine, source: Path, *, clean: bool) -> None:
    listing = _pg_tool(engine, "pg_restore", "--list", str(source), with_database=False)
    if re.search(r" TABLE \S+ cases ", listing) is None:
        raise BadInput(f"{source} is not a registry backup made by `procurement db backup`")
    options = ["--no-owner", "--single-transaction", "--exit-on-error"]
    if clean:
        options += ["--clean", "--if-exists"]
    _pg_tool(engine, "pg_restore", *options, str(source))


def _pg_tool(engine: Engine, tool: str, *args: str, with_database: bool = True) -> str:
    """Run a PostgreSQL client tool against the engine's database; returns its output."""
    program = shutil.which(tool)
    if program is None:
        raise DatabaseError(
            f"{tool} is not installed: install the PostgreSQL client tools "
            "(e.g. `apt install postgresql-client`) to back up or restore a PostgreSQL registry"
        )
    url = engine.url
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [program, *args]
    if with_database:
        command.append(f"--dbname={dsn}")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit status {done.returncode}"
        if tool == "pg_restore" and "--list" in args:
            raise BadInput(f"{args[-1]} is not a registry backup ({reason})")
        raise DatabaseError(f"{tool} failed: {reason}; nothing was changed")
    return done.stdout
