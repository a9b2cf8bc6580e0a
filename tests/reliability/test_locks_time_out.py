"""Guarantee "Many officers at once": nobody can stall the others.

An officer's role may change its city's cases, so PostgreSQL lets it run
`LOCK TABLE cases IN ACCESS EXCLUSIVE MODE` from psql and keep the transaction open. Every
connection of the program waits at most PROCUREMENT_LOCK_TIMEOUT seconds for a lock, then the
command ends with the one-line "busy, try again" message; nothing is saved.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import pytest
from click.testing import Result
from sqlalchemy import text

from procurement.storage.engine import make_engine
from tests.helpers import assert_ok
from tests.reliability.conftest import RoleFactory, cli_process, count_rows

PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
BUSY = (
    "Error: the database stayed busy with other officers' changes: tried once and nothing "
    "was saved; run the command again in a moment\n"
)
ADD = [
    "case", "add", "--no-input", "--quiet", "--city", "RIX", "--buyer", "Riga buyer",
    "--title", "Riga trams", "--category", "goods", "--sector", "transport",
    "--procedure", "open", "--status", "planned",
]  # fmt: skip


def officer(run: Callable[..., Result], roles: RoleFactory) -> str:
    role, password = roles.name("hel")
    assert_ok(
        run(
            "db", "grant", "--city", "HEL", "--role", role, "--login",
            env={"PROCUREMENT_ROLE_PASSWORD": password},
        )
    )  # fmt: skip
    return roles.url(role, password)


def timed(db_url: str, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    try:
        done = cli_process(db_url, *args, env=env)
    except subprocess.TimeoutExpired:  # cli_process gives up after 120 s
        pytest.fail(f"`{' '.join(args)}` waited for the lock for over 120 s")
    return done, time.monotonic() - started


@PG_ONLY
def test_a_locked_table_ends_other_commands_with_busy(
    run: Callable[..., Result], db_url: str, roles: RoleFactory
) -> None:
    url = officer(run, roles)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE"))  # held: not committed
            for args in (ADD, ["case", "list"]):
                done, waited = timed(db_url, *args, PROCUREMENT_LOCK_TIMEOUT="1")
                assert (done.returncode, done.stdout, done.stderr) == (1, "", BUSY), done
                assert waited < 30, waited
            conn.rollback()
    finally:
        engine.dispose()
    assert count_rows(db_url, "cases") == 0
    done, _ = timed(db_url, *ADD)
    assert done.returncode == 0 and done.stdout.startswith("RIX-"), done


@PG_ONLY
def test_program_connections_have_lock_and_statement_timeouts(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def settings() -> tuple[str, str]:
        engine = make_engine(db_url)
        try:
            with engine.connect() as conn:
                lock = conn.exec_driver_sql("SHOW lock_timeout").scalar_one()
                statement = conn.exec_driver_sql("SHOW statement_timeout").scalar_one()
                return str(lock), str(statement)
        finally:
            engine.dispose()

    assert settings() == ("5s", "10min")
    monkeypatch.setenv("PROCUREMENT_LOCK_TIMEOUT", "0.5")
    monkeypatch.setenv("PROCUREMENT_STATEMENT_TIMEOUT", "0")
    assert settings() == ("500ms", "0")
    monkeypatch.setenv("PROCUREMENT_LOCK_TIMEOUT", "soon")
    from procurement.core.errors import BadInput

    with pytest.raises(BadInput, match="PROCUREMENT_LOCK_TIMEOUT='soon': give a number"):
        make_engine(db_url)


@PG_ONLY
def test_officers_get_no_privilege_they_do_not_need(
    run: Callable[..., Result], db_url: str, roles: RoleFactory
) -> None:
    """No TRUNCATE, TRIGGER or REFERENCES anywhere, no DELETE of cases or audit events, no
    writes to cities, exchange rates or the schema revision; no CREATE in the schema."""
    url = officer(run, roles)
    role = url.split("//", 1)[1].split(":", 1)[0]
    owner = make_engine(db_url)
    try:
        with owner.connect() as conn:
            granted = {
                (str(table), str(privilege))
                for table, privilege in conn.execute(
                    text(
                        "SELECT table_name, privilege_type"
                        " FROM information_schema.role_table_grants WHERE grantee = :r"
                    ),
                    {"r": role},
                )
            }
    finally:
        owner.dispose()
    writes = {(t, p) for t, p in granted if p != "SELECT"}
    assert writes == {
        ("cases", "INSERT"), ("cases", "UPDATE"),
        ("reference_sequences", "INSERT"), ("reference_sequences", "UPDATE"),
        ("audit_events", "INSERT"),
        ("organisations", "INSERT"), ("organisations", "UPDATE"),
        ("source_records", "INSERT"),  # the release store: append only, own city
        *{
            (t, p)
            for t in ("case_approaches", "ppp_details", "risk_allocations", "outcomes",
                      "kpis", "documents")
            for p in ("INSERT", "UPDATE", "DELETE")
        },
    }  # fmt: skip
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            may_create = conn.execute(
                text("SELECT has_schema_privilege(current_schema(), 'CREATE')")
            ).scalar_one()
    finally:
        engine.dispose()
    assert may_create is False
