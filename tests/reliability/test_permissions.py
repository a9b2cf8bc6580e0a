"""Guarantee 5: per-city permissions on a shared PostgreSQL registry.

The tests create real LOGIN roles with `procurement db grant`, connect as them and show
what each may do. Every role is dropped afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from procurement.cases.store import update as store
from procurement.cli import cli
from procurement.storage.engine import make_engine
from tests.helpers import assert_ok, case_data
from tests.reliability.conftest import RoleFactory

# row-level security is a PostgreSQL feature: these tests run on PostgreSQL only
PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
ADD = ["case", "add", "--no-input", "--quiet"]


def add_args(city: str, title: str, buyer: str = "City buyer") -> list[str]:
    return [
        *ADD,
        "--city", city, "--buyer", buyer, "--title", title, "--category", "services",
        "--sector", "ict", "--procedure", "open", "--status", "planned",
    ]  # fmt: skip


def as_role(url: str, *args: str, user: str = "officer") -> tuple[int, str]:
    """The real CLI connected as another database role."""
    result = CliRunner().invoke(cli, ["--database", url, "--user", user, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output.strip()


def grant(run: Callable[..., Result], roles: RoleFactory, *options: str) -> tuple[str, str]:
    role, password = roles.name("hel" if "--city" in options else "ana")
    result = assert_ok(
        run(
            "db", "grant", *options, "--role", role, "--login",
            env={"PROCUREMENT_ROLE_PASSWORD": password},
        )
    )  # fmt: skip
    assert result.output.startswith(f"Created role {role} (login): ")
    return roles.url(role, password), role


def title_of(db_url: str, reference: str) -> str:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        value = conn.execute(
            text("SELECT title FROM cases WHERE reference = :r"), {"r": reference}
        ).scalar_one()
    engine.dispose()
    return str(value)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_has_no_roles(run: Callable[..., Result]) -> None:
    result = run("db", "grant", "--city", "HEL", "--role", "hel_officers")
    assert result.exit_code == 2
    assert result.output == (
        "Error: per-city permissions need a shared PostgreSQL registry; a SQLite registry is "
        "a single-user file protected by file-system permissions only\n"
    )


@PG_ONLY
def test_officer_changes_only_own_city(
    run: Callable[..., Result], db_url: str, roles: RoleFactory
) -> None:
    hel = assert_ok(run(*add_args("HEL", "Helsinki buses"))).output.strip()
    rix = assert_ok(run(*add_args("RIX", "Riga trams"))).output.strip()
    officer, role = grant(run, roles, "--city", "HEL")

    # reading is allowed across the network
    code, out = as_role(officer, "case", "list", "--format", "json")
    assert code == 0, out
    assert {c["reference"] for c in json.loads(out)} == {hel, rix}

    # another city's case: refused in one clear line, nothing changed
    code, out = as_role(officer, "case", "edit", rix, "--set", "title=Hijacked")
    assert (code, out) == (
        1,
        "Error: permission denied: your database role may change only HEL cases",
    )
    assert title_of(db_url, rix) == "Riga trams"
    code, out = as_role(officer, *add_args("RIX", "Riga by Helsinki"))
    assert (code, out) == (
        1,
        "Error: permission denied: your database role may change only HEL cases",
    )
    code, out = as_role(officer, "case", "remove", rix)
    assert code == 1 and out.startswith("Error: permission denied: your database role may change")

    # its own city: add (with a new organisation), edit, PPP, outcome
    code, new = as_role(officer, *add_args("HEL", "Helsinki heat pumps", buyer="Helen Oy"))
    assert code == 0 and new.startswith("HEL-"), new
    code, out = as_role(officer, "case", "edit", hel, "--set", "title=Helsinki e-buses")
    assert code == 0, out
    assert title_of(db_url, hel) == "Helsinki e-buses"
    code, out = as_role(
        officer, "ppp", "set", new, "--ppp-model", "dbfo", "--risk", "revenue=public"
    )
    assert code == 0, out
    code, out = as_role(officer, "ppp", "set", rix, "--ppp-model", "dbfo")
    assert code == 1 and "may change only HEL cases" in out

    # the audit trail: appended to, never altered or deleted, even for its own city
    engine = make_engine(officer)
    try:
        for statement in (
            "UPDATE audit_events SET \"user\" = 'x' WHERE city_code = 'HEL'",
            "DELETE FROM audit_events WHERE city_code = 'HEL'",
        ):
            with (
                pytest.raises(ProgrammingError, match="permission denied for table audit_events"),
                engine.begin() as conn,
            ):
                conn.execute(text(statement))
        with engine.connect() as conn:
            trail = conn.execute(
                text('SELECT city_code, "user", action FROM audit_events ORDER BY id')
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in trail] == [
        ("HEL", "tester", "create"),
        ("RIX", "tester", "create"),
        # an officer's events carry the login role, stamped by the database (not --user)
        ("HEL", role, "create"),
        ("HEL", role, "update"),
        ("HEL", role, "update"),
    ]


@PG_ONLY
def test_library_notices_rows_hidden_by_a_policy(
    run: Callable[..., Result], db_url: str, roles: RoleFactory
) -> None:
    """An UPDATE that a policy hides changes 0 rows without an error in PostgreSQL; the
    library must not report success."""
    rix = assert_ok(run(*add_args("RIX", "Riga trams"))).output.strip()
    officer, _ = grant(run, roles, "--city", "HEL")
    engine = make_engine(officer)
    try:
        with engine.begin() as conn:  # what PostgreSQL does with a bare UPDATE
            hidden = conn.execute(
                text("UPDATE cases SET title = 'x' WHERE reference = :r"), {"r": rix}
            )
            assert hidden.rowcount == 0
        with Session(engine) as session, pytest.raises((StaleDataError, DBAPIError)):
            store.update_case(
                session=session, reference=rix, data={"title": "Hijacked"}, user="officer"
            )
            session.commit()
        with Session(engine) as session, pytest.raises(DBAPIError, match="row-level security"):
            store.add_case(session=session, data=case_data(city="RIX"), user="officer")
            session.commit()
        with Session(engine) as session:
            case = store.add_case(session=session, data=case_data(city="HEL"), user="officer")
            session.commit()
            assert case.reference.startswith("HEL-")
    finally:
        engine.dispose()
    assert title_of(db_url, rix) == "Riga trams"


@PG_ONLY
def test_analyst_reads_but_cannot_write(
    run: Callable[..., Result], db_url: str, roles: RoleFactory
) -> None:
    hel = assert_ok(run(*add_args("HEL", "Helsinki buses"))).output.strip()
    analyst, _ = grant(run, roles, "--analyst")
    code, out = as_role(analyst, "case", "show", hel, "--format", "json")
    assert code == 0 and json.loads(out)["title"] == "Helsinki buses"
    code, out = as_role(analyst, "city", "list", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 11
    read_only = (
        "Error: permission denied: your database role may only read the registry; ask its "
        "administrator for `procurement db grant --city CODE --role NAME`"
    )
    assert as_role(analyst, "case", "edit", hel, "--set", "title=x") == (1, read_only)
    assert as_role(analyst, *add_args("HEL", "New")) == (1, read_only)
    assert as_role(analyst, "city", "add", "GDN", "--name", "Gdansk", "--country", "PL",
                   "--currency", "PLN") == (1, read_only)  # fmt: skip
    assert title_of(db_url, hel) == "Helsinki buses"


@PG_ONLY
def test_grant_is_idempotent_and_causes_no_drift(
    run: Callable[..., Result], roles: RoleFactory
) -> None:
    role, _ = roles.name("grp")
    first = assert_ok(run("db", "grant", "--city", "HEL", "--role", role))
    assert first.output == f"Created role {role}: may change HEL cases and read all cases.\n"
    again = assert_ok(run("db", "grant", "--city", "HEL", "--role", role))
    assert again.output == f"Role {role}: may change HEL cases and read all cases.\n"
    assert_ok(run("db", "grant", "--city", "RIX", "--role", role))
    assert assert_ok(run("db", "check")).output.startswith("No drift")
    bad = run("db", "grant", "--city", "XXX", "--role", role)
    assert (bad.exit_code, bad.output) == (
        2,
        "Error: unknown city 'XXX'; see `procurement city list`\n",
    )
    bad = run("db", "grant", "--role", role)
    assert bad.exit_code == 2 and "give either --city CODE" in bad.output
    bad = run("db", "grant", "--analyst", "--role", "Robert'); DROP TABLE cases;--")
    assert bad.exit_code == 2 and "is not allowed" in bad.output
    assert_ok(run("db", "revoke", "--role", role))


@PG_ONLY
def test_officer_of_two_cities_and_a_group_role(
    run: Callable[..., Result], db_url: str, roles: RoleFactory
) -> None:
    """A group role carries the policies; a login role that is a member inherits them."""
    group, _ = roles.name("grp")
    member, password = roles.name("mem")
    assert_ok(run("db", "grant", "--city", "HEL", "--role", group))
    assert_ok(run("db", "grant", "--city", "TLL", "--role", group))
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE \"{member}\" LOGIN PASSWORD '{password}'")
        conn.exec_driver_sql(f'GRANT "{group}" TO "{member}"')
    engine.dispose()
    url = roles.url(member, password)
    code, out = as_role(url, *add_args("TLL", "Tallinn lights"))
    assert code == 0 and out.startswith("TLL-"), out
    assert as_role(url, *add_args("RIX", "Riga")) == (
        1,
        "Error: permission denied: your database role may change only HEL and TLL cases",
    )
