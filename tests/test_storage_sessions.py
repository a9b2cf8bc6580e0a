"""Readers and writers: listings do not wait for an officer who is writing; searches fold case
in every alphabet."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result
from sqlalchemy import text

from procurement.storage.engine import make_engine
from tests.helpers import assert_ok


def add(run: Callable[..., Result], title: str, city: str = "LED") -> None:
    assert_ok(
        run(
            "case",
            "add",
            "--no-input",
            "--city",
            city,
            "--buyer",
            "Комитет",
            "--title",
            title,
            "--category",
            "works",
            "--sector",
            "transport",
            "--procedure",
            "open",
            "--status",
            "planned",
        )
    )


def test_search_folds_case_beyond_ascii(run: Callable[..., Result]) -> None:
    add(run, "Трамвай Санкт-Петербург")
    add(run, "Ielu apgaismojums RĪGA", city="RIX")
    found = json.loads(
        assert_ok(run("case", "list", "--search", "санкт", "--format", "json")).output
    )
    assert [c["title"] for c in found] == ["Трамвай Санкт-Петербург"]
    found = json.loads(
        assert_ok(run("case", "list", "--search", "rīga", "--format", "json")).output
    )
    assert [c["title"] for c in found] == ["Ielu apgaismojums RĪGA"]


def test_listing_and_reports_do_not_wait_for_a_writer(
    run: Callable[..., Result], db_url: str
) -> None:
    add(run, "Tram depot")
    other = make_engine(db_url)
    try:
        with other.connect() as conn:  # an officer's transaction holds the write lock
            conn.execute(text("UPDATE cases SET title = 'Tram depot (draft)'"))
            env = {"PROCUREMENT_SQLITE_BUSY_TIMEOUT_MS": "200"}
            listed = assert_ok(run("case", "list", "--format", "json", env=env))
            assert json.loads(listed.output)[0]["title"] == "Tram depot"
            report = assert_ok(
                run("report", "compare", "--by", "city", "--format", "json", env=env)
            )
            assert json.loads(report.output)
            conn.rollback()
    finally:
        other.dispose()


def test_a_read_session_sees_one_state_of_the_registry(
    db_url: str, run: Callable[..., Result]
) -> None:
    """Every statement of a report sees the same data, even when an officer commits a case
    between two of them (PostgreSQL: REPEATABLE READ; SQLite: one read transaction)."""
    from sqlalchemy.orm import Session

    from procurement.storage.engine import read_only

    add(run, "Before")
    engine = make_engine(db_url)
    count = text("SELECT count(*) FROM cases")
    try:
        with Session(read_only(engine)) as session, session.begin():
            before = session.scalar(count)
            add(run, "Committed while the report reads")  # another connection, committed
            during = session.scalar(count)
        with Session(read_only(engine)) as session, session.begin():
            after = session.scalar(count)
    finally:
        engine.dispose()
    assert (before, during, after) == (1, 1, 2)


def test_a_read_alongside_sees_the_sessions_data(db_url: str, run: Callable[..., Result]) -> None:
    """The second connection a report reads its amounts on sees the report's data, not a
    case committed after the report began (PostgreSQL: the exported snapshot; SQLite: the
    statement falls back to the report's own connection)."""
    from sqlalchemy.orm import Session

    from procurement.storage.engine import read_alongside, read_only

    add(run, "Before")
    engine = make_engine(db_url)
    count = text("SELECT count(*) FROM cases")
    try:
        with Session(read_only(engine)) as session, session.begin():
            before = session.scalar(count)
            add(run, "Committed while the report reads")
            rows = list(read_alongside(session, count).rows())
            unchanged = list(read_alongside(session, text("SELECT 7")).rows())
    finally:
        engine.dispose()
    assert before == 1
    assert [tuple(r) for r in rows] == [(1,)]
    assert [tuple(r) for r in unchanged] == [(7,)]
