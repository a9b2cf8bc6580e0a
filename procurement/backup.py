"""Backups: SQLite's online backup API copies a consistent snapshot while others write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from procurement.errors import BadInput


def backup_sqlite(*, engine: Engine, target: Path) -> int:
    """Copy the SQLite database behind ``engine`` to ``target``; returns its size in bytes."""
    if engine.dialect.name != "sqlite":
        raise BadInput("backup of a PostgreSQL registry: use `pg_dump --format=custom -f FILE URL`")
    if target.exists():
        raise BadInput(f"{target} exists already; choose a new file name")
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
