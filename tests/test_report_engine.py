"""Reports on a SQLite file run in DuckDB (procurement/analysis/engine.py): the same figures as
the database computes itself, from the same state of the registry.

Every report kind and grouping is produced twice from one seeded registry, once with
``PROCUREMENT_REPORT_ENGINE=database`` and once in DuckDB, and must agree: the JSON to the
digit, and the unrounded statistics to twelve significant digits (a single-precision float
anywhere, as DuckDB's FLOAT is, would show at the seventh).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from procurement.analysis.catalogue import COMPARE_BY, INDICATORS
from procurement.analysis.engine import ENGINE_VARIABLE, Scans
from procurement.analysis.fx import RateBook
from procurement.analysis.indicators import compute_with_overall
from procurement.analysis.statistics import GroupResult
from procurement.cases.query import CaseFilter
from procurement.cases.store.update import add_case, set_outcome
from procurement.storage.engine import read_only
from procurement.storage.models import Case
from tests.helpers import assert_ok, case_data
from tests.test_reports_independent import seed_cases

# the engine concerns a registry in a SQLite file (PostgreSQL always computes for itself)
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

DATABASE = {ENGINE_VARIABLE: "database"}
DUCKDB = {ENGINE_VARIABLE: "duckdb"}


def seed(session: Session) -> None:
    """The independent test's 72 cases, and outcomes with satisfaction and KPIs."""
    seed_cases(session)
    rng = random.Random(7)
    refs = session.scalars(select(Case.reference).where(Case.status == "completed")).all()
    for ref in refs[::2]:
        set_outcome(
            session=session,
            reference=ref,
            data={
                "satisfaction": rng.randint(1, 5),
                "kpis": (
                    f"emissions={rng.randint(20, 90)}:t:100:50;users={rng.randint(1, 99)}:k:0:100"
                ),
            },
            user="t",
        )
    session.commit()


def without_time(text: str) -> Any:
    report = json.loads(text)
    for part in ("meta", "coverage"):
        report.get(part, {}).pop("generated_at", None)
    return report


def both(run: Callable[..., Result], *args: str) -> tuple[Any, Any]:
    in_database = run(*args, env=DATABASE)
    in_duckdb = run(*args, env=DUCKDB)
    assert_ok(in_database)
    assert_ok(in_duckdb)
    return without_time(in_database.output), without_time(in_duckdb.output)


@pytest.mark.parametrize("by", COMPARE_BY)
def test_compare_is_the_same_in_duckdb_for_every_grouping(
    session: Session, run: Callable[..., Result], by: str
) -> None:
    seed(session)
    database, duckdb = both(
        run, "report", "compare", "--by", by, "--min-n", "1", "--format", "json"
    )
    assert database == duckdb
    assert json.dumps(duckdb).count('"status": "calculated"') > 20  # figures, not empty tables


@pytest.mark.parametrize(
    "args",
    [
        ("report", "compare", "--by", "city", "--over", "year", "--format", "json"),
        ("report", "trends", "--by", "city", "--format", "json"),
        ("report", "ppp", "--format", "json", "--min-n", "1"),
        ("report", "compare", "--search", "case", "--city", "HEL", "--format", "json"),
        ("report", "compare", "--by", "procedure", "--with-cases", "--format", "json"),
        ("report", "compare", "--by", "city", "--format", "csv"),
    ],
    ids=["over-year", "trends", "ppp", "search-city", "with-cases", "csv"],
)
def test_every_report_kind_is_the_same_in_duckdb(
    session: Session, run: Callable[..., Result], args: tuple[str, ...]
) -> None:
    seed(session)
    if "csv" in args:
        assert run(*args, env=DATABASE).output == run(*args, env=DUCKDB).output
        return
    database, duckdb = both(run, *args)
    assert database == duckdb


def by_city(session: Session, names: list[str]) -> tuple[list[GroupResult], GroupResult | None]:
    """The indicators by city and over all cases, as the reports compute them (n ≥ 1)."""
    return compute_with_overall(
        session=session,
        flt=CaseFilter(),
        by="city",
        names=names,
        rates=RateBook.from_session(session),
        min_n=1,
    )


def figures(engine: Engine, choice: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv(ENGINE_VARIABLE, choice)
    with Session(read_only(engine)) as reading:
        scans = Scans.for_session(reading)
        assert scans.in_duckdb == (choice == "duckdb")
        groups, whole = by_city(reading, [i.name for i in INDICATORS])
    assert whole is not None
    return {g.key: g.stats for g in [*groups, whole]}


def test_unrounded_statistics_agree_to_twelve_digits(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(session)
    database = figures(engine, "database", monkeypatch)
    duckdb = figures(engine, "duckdb", monkeypatch)
    assert database.keys() == duckdb.keys()
    compared = 0
    for key, stats in database.items():
        for name, stat in stats.items():
            other = duckdb[key][name]
            assert (stat.n, stat.status, stat.left_out) == (other.n, other.status, other.left_out)
            for field in ("value", "median", "q1", "q3", "low", "high", "ci_low", "ci_high"):
                mine, theirs = getattr(stat, field), getattr(other, field)
                assert (mine is None) == (theirs is None), (key, name, field)
                if mine is not None:
                    assert math.isclose(mine, theirs, rel_tol=1e-12, abs_tol=1e-12), (
                        key,
                        name,
                        field,
                        mine,
                        theirs,
                    )
                    compared += 1
    assert compared > 300


def test_a_change_committed_meanwhile_is_not_mixed_into_a_report(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's session reads one state; a case added by someone else after it began
    is not counted, although DuckDB, reading the file afresh, would see it."""
    seed(session)
    monkeypatch.setenv(ENGINE_VARIABLE, "auto")
    with Session(read_only(engine)) as reading:
        before = reading.scalar(select(func.count()).select_from(Case))  # the read begins
        scans = Scans.for_session(reading)
        assert scans.in_duckdb
        with Session(engine) as writer:  # another officer records a case
            add_case(session=writer, data=case_data(city="HEL"), user="other")
            writer.commit()
        groups, whole = by_city(reading, ["tenders_per_procedure"])
        assert whole is not None and whole.cases == before
        assert sum(g.cases for g in groups) == before
        assert not scans.in_duckdb  # it noticed, and read in the database instead
    with Session(read_only(engine)) as later:  # a new report sees the new case, in DuckDB again
        assert Scans.for_session(later).in_duckdb
        _, whole = by_city(later, ["tenders_per_procedure"])
        assert whole is not None and whole.cases == before + 1


def test_an_unknown_engine_is_refused_in_one_line(run: Callable[..., Result]) -> None:
    result = run("report", "compare", "--format", "json", env={ENGINE_VARIABLE: "fast"})
    assert result.exit_code != 0
    assert "PROCUREMENT_REPORT_ENGINE='fast': use one of auto, database, duckdb" in result.output
    assert "Traceback" not in result.output
