"""Guarantee 7: migrations with data.

What this proves, honestly: downgrading to the first revision and upgrading again loses no
case data (the steps add member cities, indexes and the organisations' name key; the
program's ORM reads only the newest schema, so the older one is read with plain SQL); a
downgrade to base drops every table, so the full round trip keeps data only through a backup
taken first, which is then restored into the re-created schema and compared field by field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from sqlalchemy import text

from procurement.storage.engine import make_engine
from tests.helpers import assert_ok
from tests.reliability.conftest import snapshot
from tests.reliability.filled import fill


def plain_rows(db_url: str) -> list[tuple[object, ...]]:
    """Every case with its buyer's and winner's names, read with SQL any revision has."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [
                tuple(row)
                for row in conn.execute(
                    text(
                        "SELECT c.reference, c.title, c.status, c.estimated_value, b.name, w.name "
                        "FROM cases c JOIN organisations b ON b.id = c.buyer_id "
                        "LEFT JOIN organisations w ON w.id = c.winner_id ORDER BY c.reference"
                    )
                )
            ]
    finally:
        engine.dispose()


def test_newest_step_down_and_up_keeps_everything(run: Callable[..., Result], db_url: str) -> None:
    fill(run)
    state = snapshot(db_url)
    before = plain_rows(db_url)
    assert_ok(run("db", "downgrade", "0001", "--yes"))
    assert plain_rows(db_url) == before  # every case kept at the older schema
    assert_ok(run("db", "upgrade"))
    assert snapshot(db_url) == state
    assert assert_ok(run("db", "check")).output.startswith("No drift")


def test_base_round_trip_through_a_backup(
    run: Callable[..., Result], db_url: str, tmp_path: Path
) -> None:
    fill(run)
    state = snapshot(db_url)
    backup = tmp_path / ("before.sqlite" if db_url.startswith("sqlite") else "before.dump")
    assert_ok(run("db", "backup", str(backup)))
    assert_ok(run("db", "downgrade", "base", "--yes"))
    assert_ok(run("db", "upgrade"))
    assert snapshot(db_url)["cases"] == []  # base drops the tables: the data is gone...
    assert_ok(run("db", "restore", str(backup)))  # ...and comes back from the backup
    assert snapshot(db_url) == state
    assert assert_ok(run("db", "check")).output.startswith("No drift")
