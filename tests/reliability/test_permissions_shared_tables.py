"""Guarantee "Who may do what": the tables all cities share.

Organisations are shared by every city's cases: an officer may not change one that another
city's case uses (filling in a missing country, as recording a case does, excepted). Audit
events get their user and time from the database when an officer adds them, can never be
changed or deleted by officers, and a malformed event (written by hand, or before these
rules) never breaks `case history` or `export --releases`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from procurement.cli import cli
from procurement.storage.engine import make_engine
from tests.helpers import add, assert_ok, case_data, flags
from tests.reliability.conftest import RoleFactory

PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def as_role(url: str, *args: str, user: str = "anna") -> Result:
    """The real CLI connected as another database role."""
    return CliRunner().invoke(cli, ["--database", url, "--user", user, *args])


def officer_of(run: Callable[..., Result], roles: RoleFactory, city: str) -> tuple[str, str]:
    role, password = roles.name(city.lower())
    assert_ok(
        run(
            "db", "grant", "--city", city, "--role", role, "--login",
            env={"PROCUREMENT_ROLE_PASSWORD": password},
        )
    )  # fmt: skip
    return roles.url(role, password), role


def execute(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def organisation(db_url: str, name_key: str) -> tuple[object, ...]:
    rows = execute(
        db_url, "SELECT name, country FROM organisations WHERE name_key = :k", k=name_key
    )
    assert len(rows) == 1, rows
    return rows[0]


@PG_ONLY
def test_officer_cannot_change_an_organisation_another_city_uses(
    run: Callable[..., Result], db_url: str, roles: RoleFactory
) -> None:
    add(run, case_data(city="RIX", buyer="Riga City Council", winner="Baltic Buses"))
    add(run, case_data(city="RIX", buyer="Riga Water", winner="Shared Supplier"))
    execute(db_url, "UPDATE organisations SET country = NULL WHERE name = 'Shared Supplier'")
    officer, _ = officer_of(run, roles, "HEL")

    for statement in (
        "UPDATE organisations SET name = 'Hijacked', name_key = 'hijacked'"
        " WHERE name = 'Riga City Council'",
        "UPDATE organisations SET identifier = 'X-1' WHERE name = 'Baltic Buses'",
        "UPDATE organisations SET country = 'SE' WHERE name = 'Baltic Buses'",  # was FI
    ):
        with pytest.raises(DBAPIError, match="is used by cases of other cities"):
            execute(officer, statement)
    assert organisation(db_url, "riga city council") == ("Riga City Council", None)
    assert organisation(db_url, "baltic buses") == ("Baltic Buses", "FI")

    # recording a HEL case with the shared supplier fills in its missing country
    data = case_data(city="HEL", buyer="Helen Oy", winner="Shared Supplier", winner_country="EE")
    result = as_role(officer, "case", "add", "--no-input", "--quiet", *flags(data))
    assert result.exit_code == 0, result.output
    assert organisation(db_url, "shared supplier") == ("Shared Supplier", "EE")
    # an organisation only HEL's cases use is HEL's to correct
    execute(officer, "UPDATE organisations SET name = 'Helen Ltd' WHERE name = 'Helen Oy'")
    assert organisation(db_url, "helen oy") == ("Helen Ltd", None)
    # the owner may change anything
    execute(db_url, "UPDATE organisations SET identifier = 'LV1' WHERE name = 'Riga Water'")


@PG_ONLY
def test_the_database_stamps_officers_audit_events(
    run: Callable[..., Result], db_url: str, roles: RoleFactory
) -> None:
    officer, role = officer_of(run, roles, "HEL")
    result = as_role(officer, "case", "add", "--no-input", "--quiet", *flags(case_data()))
    assert result.exit_code == 0, result.output
    reference = result.output.strip()
    mine = add(run, case_data(title="Added by the owner"))

    # an officer's claims about who and when are replaced by the login role and now()
    started = execute(db_url, "SELECT now()")[0][0]
    assert isinstance(started, dt.datetime)
    (stamped,) = execute(
        officer,
        'INSERT INTO audit_events (case_id, city_code, at, "user", action, changes)'
        " SELECT id, city_code, '2000-01-01T00:00:00Z', 'mallory', 'update', '{}'"
        ' FROM cases WHERE reference = :r RETURNING "user", at',
        r=reference,
    )
    assert stamped[0] == role
    assert isinstance(stamped[1], dt.datetime) and stamped[1] >= started
    # the changes must be a JSON object; events are never changed or deleted by officers
    with pytest.raises(DBAPIError, match="changes must be a JSON object"):
        execute(
            officer,
            'INSERT INTO audit_events (case_id, city_code, at, "user", action, changes)'
            " SELECT id, city_code, now(), 'x', 'update', '[1, 2]' FROM cases"
            " WHERE reference = :r",
            r=reference,
        )
    for statement in (
        "UPDATE audit_events SET at = now() - interval '1 year'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ):
        with pytest.raises(DBAPIError, match="permission denied"):
            execute(officer, statement)

    # what `case history` shows: the officer's login role; the owner's --user name
    history = json.loads(assert_ok(run("case", "history", reference, "--format", "json")).output)
    assert [(e["user"], e["action"]) for e in history] == [(role, "update"), (role, "create")]
    history = json.loads(assert_ok(run("case", "history", mine, "--format", "json")).output)
    assert [(e["user"], e["action"]) for e in history] == [("tester", "create")]


MALFORMED = {
    # stored text of `changes`: only SQLite (a file anyone can edit) can hold invalid JSON
    "sqlite": ["[1, 2]", '"text"', "not json at all", '{"title": 5}', '{"title": null}'],
    "postgresql": ["[1, 2]", '"text"', '{"title": 5}', '{"title": null}'],
}


def test_readers_survive_a_malformed_audit_event(
    run: Callable[..., Result], db_url: str, backend: str, tmp_path: Path
) -> None:
    reference = add(run, case_data())
    other = add(run, case_data(city="RIX", title="Riga trams"))
    assert_ok(run("case", "edit", reference, "--set", "title=Electric buses, phase 2"))
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            if backend == "postgresql":  # events written before migration 0006's guard
                conn.exec_driver_sql(
                    "ALTER TABLE audit_events DISABLE TRIGGER procurement_audit_guard"
                )
            for n, changes in enumerate(MALFORMED[backend]):
                conn.execute(
                    text(
                        'INSERT INTO audit_events (case_id, city_code, at, "user", action, changes)'
                        " SELECT id, city_code, :at, 'someone', 'update', :changes"
                        " FROM cases WHERE reference = :r"
                    ),
                    {
                        "at": dt.datetime(2027, 1, 1, 12, n, tzinfo=dt.UTC),
                        "changes": changes,
                        "r": reference,
                    },
                )
            if backend == "postgresql":
                conn.exec_driver_sql(
                    "ALTER TABLE audit_events ENABLE TRIGGER procurement_audit_guard"
                )
    finally:
        engine.dispose()

    table = assert_ok(run("case", "history", reference)).output
    assert table.count("unreadable event") == len(MALFORMED[backend]), table
    assert "→ Electric buses, phase 2" in table
    events = json.loads(assert_ok(run("case", "history", reference, "--format", "json")).output)
    assert sum(1 for e in events if e.get("unreadable")) == len(MALFORMED[backend])
    assert [e["action"] for e in events if not e.get("unreadable")] == ["update", "create"]

    # the OCDS history export skips what it cannot read and keeps the rest, for every case
    target = tmp_path / "releases.json"
    assert_ok(run("export", "--format", "ocds", "--releases", "--output", str(target)))
    package = json.loads(target.read_text(encoding="utf-8"))
    titles = [r["tender"]["title"] for r in package["releases"]]
    assert titles.count("Electric buses with outcome-based maintenance") == 1
    assert titles.count("Electric buses, phase 2") == 1
    assert "Riga trams" in titles and other
