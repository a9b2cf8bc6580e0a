"""Guarantee 2: an import killed with SIGKILL half-way leaves the registry as it was
(integrity check passes, counts unchanged); running it again completes it."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from sqlalchemy import text

from procurement.storage.engine import make_engine
from tests.helpers import assert_ok
from tests.reliability.conftest import CLI_CODE, ROOT, count_rows, snapshot, subprocess_env

TABLES = ("cases", "audit_events", "organisations", "reference_sequences", "case_approaches")
ROWS = 20_000


def counts(db_url: str) -> dict[str, int]:
    return {table: count_rows(db_url, table) for table in TABLES}


def integrity_ok(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def writing_started(db_url: str, pid: int) -> bool:
    """PostgreSQL: the importer's transaction holds a transaction id, i.e. it has written
    rows. SQLite: the importer holds the write lock (its one transaction has begun)."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'transactionid' AND a.datname = current_database()"
                    " AND a.pid <> pg_backend_pid()"
                )
            ).scalar_one()
        return bool(found)
    finally:
        engine.dispose()


def kill_when_writing(process: subprocess.Popen[str], db_url: str, extra: float) -> None:
    deadline = time.monotonic() + 120
    while not writing_started(db_url, process.pid):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(extra)
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)  # drains and closes the pipes
    assert process.returncode == -signal.SIGKILL


def big_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "city",
                "buyer",
                "title",
                "category",
                "sector",
                "procedure",
                "status",
                "innovation_approaches",
                "currency",
                "estimated_value",
            ]
        )
        for n in range(rows):
            writer.writerow(
                [
                    "HEL",
                    f"Buyer {n % 50}",
                    f"Imported case {n}",
                    "goods",
                    "transport",
                    "open",
                    "planned",
                    "market-dialogue;ppi",
                    "EUR",
                    f"{1000 + n}",
                ]
            )
    return path


def test_import_killed_half_way_changes_nothing(
    run: Callable[..., Result], db_url: str, tmp_path: Path
) -> None:
    assert_ok(
        run(
            "case",
            "add",
            "--no-input",
            "--city",
            "RIX",
            "--buyer",
            "Riga",
            "--title",
            "Before",
            "--category",
            "works",
            "--sector",
            "water",
            "--procedure",
            "open",
            "--status",
            "planned",
        )
    )
    before, state = counts(db_url), snapshot(db_url)
    source = big_csv(tmp_path / "cases.csv", ROWS)
    command = [sys.executable, "-c", CLI_CODE, "--database", db_url, "import", str(source)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        cwd=ROOT,
    )
    kill_when_writing(process, db_url, extra=0.4)

    integrity_ok(db_url)
    assert counts(db_url) == before
    assert snapshot(db_url) == state

    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{source.name}: {ROWS} created, 0 updated")
    assert count_rows(db_url, "cases") == before["cases"] + ROWS
    integrity_ok(db_url)


def test_bulk_write_killed_after_rows_were_written(db_url: str) -> None:
    """The library, one transaction, killed once 20 cases are flushed to the database."""
    before = counts(db_url)
    command = [sys.executable, "-m", "tests.reliability.workers", "bulk_add", db_url, "300"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "writing\n"
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    integrity_ok(db_url)
    assert counts(db_url) == before
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.stdout.endswith("committed\n"), done.stderr
    assert count_rows(db_url, "cases") == before["cases"] + 300
    integrity_ok(db_url)
