"""Guarantee 7: migrations with data.

What this proves, honestly: downgrading the newest step and upgrading again loses no case
data (that step only adds member cities); a downgrade to base drops every table, so the
full round trip keeps data only through a backup taken first, which is then restored into
the re-created schema and compared field by field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.helpers import assert_ok
from tests.reliability.conftest import snapshot
from tests.reliability.filled import fill


def test_newest_step_down_and_up_keeps_everything(run: Callable[..., Result], db_url: str) -> None:
    fill(run)
    state = snapshot(db_url)
    assert_ok(run("db", "downgrade", "0001", "--yes"))
    assert snapshot(db_url)["cases"] == state["cases"]  # every case kept at the older schema
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
