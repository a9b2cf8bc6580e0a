"""Guarantee 1: officers writing at the same time. Every write lands, references stay
unique, and a busy database never shows the user a driver error: the transaction is
retried with backoff a bounded number of times, then one clear line says so."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from click.testing import Result
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from procurement.core.errors import DatabaseError
from procurement.storage import retry
from procurement.storage.engine import make_engine, run_in_transaction
from tests.helpers import assert_ok
from tests.reliability.conftest import ROOT, count_rows, subprocess_env

WORKERS = 8
CASES_EACH = 3


def test_eight_officers_at_once(run: Callable[..., Result], db_url: str) -> None:
    shared = assert_ok(
        run(
            "case",
            "add",
            "--no-input",
            "--quiet",
            "--city",
            "HEL",
            "--buyer",
            "Buyer 0",
            "--title",
            "Shared case",
            "--category",
            "works",
            "--sector",
            "water",
            "--procedure",
            "open",
            "--status",
            "planned",
        )
    ).output.strip()
    start_at = time.time() + 3.0  # every worker has imported everything by then
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reliability.workers",
                "officer",
                db_url,
                str(w),
                str(start_at),
                shared,
                str(CASES_EACH),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_env(),
            cwd=ROOT,
        )
        for w in range(WORKERS)
    ]
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        assert "Traceback" not in err
        reports.append(json.loads(out))

    for report in reports:
        for label, code, output in report["results"]:
            assert code == 0, (report["worker"], label, output)
            assert "locked" not in output and "serializ" not in output
    references = [r for report in reports for r in report["references"]]
    assert len(set(references)) == WORKERS * CASES_EACH  # unique
    assert count_rows(db_url, "cases") == WORKERS * CASES_EACH + 1  # every add landed
    listed = json.loads(assert_ok(run("case", "list", "--format", "json")).output)
    titles = {c["reference"]: c["title"] for c in listed}
    for report in reports:
        for n, reference in enumerate(report["references"]):
            assert titles[reference] == f"Case {report['worker']}.{n} edited"  # every edit
    history = json.loads(assert_ok(run("case", "history", shared, "--format", "json")).output)
    edits = [e for e in history if e["action"] == "update"]
    assert len(edits) == WORKERS  # every edit of the shared case is in the audit trail
    # each city's numbers run without gaps or duplicates
    for city in ("HEL", "RIX", "TLL"):
        numbers = sorted(int(r.rsplit("-", 1)[1]) for r in [*references, shared] if city in r)
        assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_lock_is_retried_until_free(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCUREMENT_SQLITE_BUSY_TIMEOUT_MS", "20")
    engine = make_engine(db_url)
    holder = sqlite3.connect(
        db_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")  # another officer's long write
    threading.Timer(0.3, holder.rollback).start()
    tries: list[int] = []

    def work(session: Session) -> None:
        tries.append(1)
        session.execute(text("UPDATE cities SET population = 1 WHERE code = 'HEL'"))

    try:
        run_in_transaction(engine=engine, fn=work, attempts=30)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT population FROM cities WHERE code='HEL'")).scalar() == 1
            )
    finally:
        engine.dispose()
        holder.close()
    assert len(tries) > 1  # it was refused first, then retried and landed


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_lock_that_stays_is_one_clear_line(
    run: Callable[..., Result], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROCUREMENT_SQLITE_BUSY_TIMEOUT_MS", "20")
    holder = sqlite3.connect(
        db_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")
    try:
        engine = make_engine(db_url)
        with pytest.raises(DatabaseError, match=r"tried 3 times over \d+\.\d s"):
            run_in_transaction(
                engine=engine, fn=lambda s: s.execute(text("DELETE FROM kpis")), attempts=3
            )
        engine.dispose()
        added = run(
            "city", "add", "GDN", "--name", "Gdansk", "--country", "PL", "--currency", "PLN"
        )
    finally:
        holder.rollback()
        holder.close()
    assert added.exit_code == 1
    assert added.output.startswith(
        "Error: the database stayed busy with other officers' changes: tried 5 times over "
    )
    assert added.output.endswith(" s and nothing was saved; run the command again in a moment\n")
    assert "locked" not in added.output
    assert count_rows(db_url, "cities") == 11


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_deadlock_is_retried(db_url: str) -> None:
    """Two transactions lock two rows in opposite order: PostgreSQL kills one
    (deadlock_detected); it runs again and both land."""
    engines = [make_engine(db_url), make_engine(db_url)]
    barrier = threading.Barrier(2)
    tries = [0, 0]
    errors: list[BaseException] = []

    def worker(i: int, engine: Engine) -> None:
        first, second = ("HEL", "RIX") if i == 0 else ("RIX", "HEL")

        def work(session: Session) -> None:
            tries[i] += 1
            session.execute(
                text("UPDATE cities SET population = coalesce(population, 0) + 1 WHERE code = :c"),
                {"c": first},
            )
            if tries[i] == 1:
                barrier.wait(timeout=10)
            session.execute(
                text("UPDATE cities SET population = coalesce(population, 0) + 1 WHERE code = :c"),
                {"c": second},
            )

        try:
            run_in_transaction(engine=engine, fn=work)
        except BaseException as exc:  # reported below
            errors.append(exc)

    with engines[0].begin() as conn:
        conn.execute(text("UPDATE cities SET population = 0 WHERE code IN ('HEL', 'RIX')"))
    threads = [threading.Thread(target=worker, args=(i, e)) for i, e in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        assert sorted(tries) == [1, 2]  # one of them was the deadlock victim and ran again
        with engines[0].connect() as conn:
            populations = conn.execute(
                text("SELECT population FROM cities WHERE code IN ('HEL', 'RIX')")
            ).scalars()
            assert list(populations) == [2, 2]  # both transactions landed, once each
    finally:
        for e in engines:
            e.dispose()


def test_which_errors_are_retried(tmp_path: Path) -> None:
    assert retry.is_retryable(psycopg.errors.SerializationFailure("could not serialize"))
    assert retry.is_retryable(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert not retry.is_retryable(psycopg.errors.UniqueViolation("duplicate key"))
    locked = OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))
    assert retry.is_retryable(locked)
    missing = OperationalError("x", {}, sqlite3.OperationalError("no such table: cases"))
    assert not retry.is_retryable(missing)
    calls: list[float] = []
    with pytest.raises(DatabaseError, match="tried 4 times"):
        retry.retrying(lambda: (_ for _ in ()).throw(locked), attempts=4, sleep=calls.append)
    assert len(calls) == 3 and all(0 <= c <= retry.MAX_DELAY for c in calls)
    with pytest.raises(ValueError, match="x"):  # other errors pass through at once
        retry.retrying(lambda: (_ for _ in ()).throw(ValueError("x")), sleep=calls.append)
    assert len(calls) == 3
