"""Guarantee "Backups": a restore loads data, never a schema this version did not make.

A backup is a file anyone with access to the backup store could have changed. One that
claims a schema revision this version does not know, or carries a trigger, function, view,
extra table or column, is refused in one line naming the object, and nothing is restored;
`db check` names the same objects in a live registry.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect

from procurement.cli import cli
from procurement.storage import migrate
from procurement.storage.engine import make_engine
from tests.helpers import assert_ok
from tests.reliability.conftest import RoleFactory, snapshot
from tests.reliability.filled import fill

PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
ADD = [
    "case", "add", "--no-input", "--quiet", "--city", "HEL", "--buyer", "B", "--title",
    "After restore", "--category", "goods", "--sector", "ict", "--procedure", "open",
    "--status", "planned",
]  # fmt: skip

# What a doctored backup may carry, per backend: (SQL run on the source, name in the error).
TRIGGER = {
    "sqlite": [
        "CREATE TRIGGER rewrite_title AFTER INSERT ON cases BEGIN "
        "UPDATE cases SET title = 'Rewritten' WHERE id = NEW.id; END"
    ],
    "postgresql": [
        "CREATE FUNCTION rewrite() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.title := 'Rewritten'; RETURN NEW; END $$",
        "CREATE TRIGGER rewrite_title BEFORE INSERT ON cases "
        "FOR EACH ROW EXECUTE FUNCTION rewrite()",
    ],
}
EXTRAS: dict[str, tuple[list[str], str]] = {
    "view": (["CREATE VIEW contacts AS SELECT contact_email FROM cases"], "view contacts"),
    "table": (["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"], "table notes"),
    "column": (["ALTER TABLE cities ADD COLUMN nickname VARCHAR(20)"], "column cities.nickname"),
}
PG_EXTRAS: dict[str, tuple[list[str], str]] = {
    "function": (
        ["CREATE FUNCTION lower(character varying) RETURNS text LANGUAGE sql AS $$ SELECT '' $$"],
        "function lower(character varying)",
    ),
    "rule": (
        ["CREATE RULE no_removal AS ON UPDATE TO cases DO INSTEAD NOTHING"],
        "rule no_removal on cases",
    ),
    "schema": (["CREATE SCHEMA shadow", "CREATE TABLE shadow.cases (id int)"], "schema shadow"),
    "grant": (["GRANT DELETE ON audit_events TO PUBLIC"], "privilege DELETE on audit_events"),
}


def cli_at(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database", url, "--user", "tester", *args])


def execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def new_database(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> str:
    """An empty database (no tables) on the same backend."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite'}"
    server: Any = request.getfixturevalue("pg_server")
    name = f"proc_foreign_{os.getpid()}_{tmp_path.name[-20:]}".lower().replace("-", "_")
    url = str(server.create(name))
    request.addfinalizer(lambda: server.drop(name))
    return url


def tables(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return list(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def backup_of(run: Callable[..., Result], db_url: str, tmp_path: Path, name: str) -> Path:
    target = tmp_path / (f"{name}.sqlite" if db_url.startswith("sqlite") else f"{name}.dump")
    assert_ok(run("db", "backup", str(target)))
    return target


def doctored(run: Callable[..., Result], db_url: str, tmp_path: Path, *statements: str) -> Path:
    """A backup of the test registry with ``statements`` run on it."""
    if db_url.startswith("sqlite"):  # a SQLite backup is a database file: change it directly
        target = backup_of(run, db_url, tmp_path, "doctored")
        with sqlite3.connect(target) as conn:
            for statement in statements:
                conn.execute(statement)
        conn.close()
        return target
    execute(db_url, *statements)  # PostgreSQL: change the registry, then back it up
    return backup_of(run, db_url, tmp_path, "doctored")


def refused(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    assert result.output.startswith("Error: ") and "nothing was restored" in result.output
    for word in words:
        assert word in result.output, result.output


def test_restore_refuses_a_schema_revision_it_does_not_know(
    run: Callable[..., Result], db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    fill(run)
    source = doctored(run, db_url, tmp_path, "UPDATE alembic_version SET version_num = '0099'")
    target = new_database(request, db_url, tmp_path)
    refused(
        cli_at(target, "db", "restore", str(source)),
        "is at schema 0099, which this version of procurement does not know",
    )
    assert tables(target) == []  # nothing restored
    # over a registry with cases, with --force: it stays as it was
    assert_ok(cli_at(target, "init"))
    assert_ok(cli_at(target, *ADD))
    before = snapshot(target)
    refused(cli_at(target, "db", "restore", "--force", str(source)), "0099")
    assert snapshot(target) == before
    # a database at an unknown schema is neither upgraded nor reported as fine
    if not db_url.startswith("sqlite"):
        for command in (("db", "upgrade"), ("db", "check"), ("init",)):
            result = run(*command)
            assert result.exit_code == 1, result.output
            assert result.output == (
                "Error: the database is at schema 0099, which this version of procurement "
                f"does not know (its newest is {migrate.head_revision()}): use the version of "
                "procurement that made it\n"
            )


def test_restore_refuses_a_trigger_and_check_names_it(
    run: Callable[..., Result],
    db_url: str,
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    fill(run)
    clean = backup_of(run, db_url, tmp_path, "clean")
    source = doctored(run, db_url, tmp_path, *TRIGGER[backend])
    if backend == "postgresql":  # the live registry holds the trigger: db check says so
        check = run("db", "check")
        assert check.exit_code == 1
        assert check.output.startswith(
            "Error: schema drift: the database holds trigger rewrite_title on cases, "
            "function rewrite()"
        ), check.output
    target = new_database(request, db_url, tmp_path)
    refused(cli_at(target, "db", "restore", str(source)), "trigger rewrite_title on cases")
    assert tables(target) == []
    # the clean backup restores, and new cases keep their titles
    assert_ok(cli_at(target, "db", "restore", str(clean)))
    assert assert_ok(cli_at(target, "db", "check")).output.startswith("No drift")
    reference = assert_ok(cli_at(target, *ADD)).output.strip()
    shown = assert_ok(cli_at(target, "case", "show", reference, "--format", "json")).output
    assert '"title": "After restore"' in shown


@pytest.mark.parametrize("kind", sorted(EXTRAS))
def test_check_and_restore_name_extra_objects(
    run: Callable[..., Result],
    db_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    kind: str,
) -> None:
    statements, name = EXTRAS[kind]
    fill(run)
    source = doctored(run, db_url, tmp_path, *statements)
    target = new_database(request, db_url, tmp_path)
    refused(cli_at(target, "db", "restore", str(source)), name)
    assert tables(target) == []
    if db_url.startswith("sqlite"):
        execute(db_url, *statements)
    check = run("db", "check")
    assert check.exit_code == 1 and name in check.output, check.output


@PG_ONLY
@pytest.mark.parametrize("kind", sorted(PG_EXTRAS))
def test_check_and_restore_name_extra_postgresql_objects(
    run: Callable[..., Result],
    db_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    kind: str,
) -> None:
    statements, name = PG_EXTRAS[kind]
    fill(run)
    source = doctored(run, db_url, tmp_path, *statements)
    check = run("db", "check")
    assert check.exit_code == 1 and name in check.output, check.output
    target = new_database(request, db_url, tmp_path)
    refused(cli_at(target, "db", "restore", str(source)), name)
    assert tables(target) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_check_names_triggers_and_views(run: Callable[..., Result], db_url: str) -> None:
    assert assert_ok(run("db", "check")).output.startswith("No drift")
    execute(db_url, *TRIGGER["sqlite"])
    check = run("db", "check")
    assert check.exit_code == 1
    assert "the database holds trigger rewrite_title on cases, which" in check.output


@PG_ONLY
def test_what_db_grant_creates_is_expected_and_restores(
    run: Callable[..., Result],
    db_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    roles: RoleFactory,
) -> None:
    """Policies, privileges and the organisation guard of `db grant` are no drift, a backup
    with them restores; a policy or guard changed by hand is named."""
    fill(run)
    officer, _ = roles.name("hel")
    analyst, _ = roles.name("ana")
    assert_ok(run("db", "grant", "--city", "HEL", "--role", officer))
    assert_ok(run("db", "grant", "--city", "TLL", "--role", officer))
    assert_ok(run("db", "grant", "--analyst", "--role", analyst))
    assert assert_ok(run("db", "check")).output.startswith("No drift")
    source = backup_of(run, db_url, tmp_path, "granted")
    target = new_database(request, db_url, tmp_path)
    assert_ok(cli_at(target, "db", "restore", str(source)))
    assert assert_ok(cli_at(target, "db", "check")).output.startswith("No drift")

    widened = f"officer HEL {officer}"
    execute(
        target,
        f'ALTER POLICY "{widened}" ON cases USING (true) WITH CHECK (true)',
    )
    check = cli_at(target, "db", "check")
    assert check.exit_code == 1 and f"policy '{widened}' on cases" in check.output
    execute(
        db_url,
        "CREATE OR REPLACE FUNCTION procurement_organisation_guard() RETURNS trigger "
        "LANGUAGE plpgsql SET search_path = pg_catalog AS $$ BEGIN RETURN NEW; END $$",
    )
    check = run("db", "check")
    assert check.exit_code == 1
    assert "function procurement_organisation_guard()" in check.output
    execute(db_url, "ALTER TABLE audit_events DISABLE TRIGGER procurement_audit_guard")
    check = run("db", "check")
    assert "trigger procurement_audit_guard on audit_events turned off" in check.output
