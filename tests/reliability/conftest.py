"""Fixtures of the reliability suite: the real CLI in separate processes, registry
snapshots for comparisons, and throw-away PostgreSQL login roles."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from procurement.storage.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]
CLI_CODE = "import sys; from procurement.cli import main; sys.argv[0] = 'procurement'; main()"
_roles = itertools.count()


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PROCUREMENT_DEBUG", None)
    env.update(extra)
    return env


def cli_process(
    db_url: str, *args: str, user: str = "tester", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI code in a new Python process, as a user's shell would."""
    return subprocess.run(
        [sys.executable, "-c", CLI_CODE, "--database", db_url, "--user", user, *args],
        capture_output=True,
        text=True,
        env=subprocess_env(**(env or {})),
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def snapshot(db_url: str) -> dict[str, Any]:
    """What a user would compare: the city list and every case's JSON form (with contacts)."""
    from sqlalchemy.orm import Session

    from procurement.cases.cities import city_to_dict, list_cities
    from procurement.cases.query import CaseFilter, list_cases
    from procurement.cases.values import case_to_dict

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            cities = [city_to_dict(c) for c in list_cities(session=session)]
            cases = [
                case_to_dict(c, include_contacts=True)
                for c in list_cases(session=session, flt=CaseFilter(include_removed=True))
            ]
    finally:
        engine.dispose()
    return {"cities": cities, "cases": cases}


def count_rows(db_url: str, table: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


class RoleFactory:
    """Unique LOGIN role names with passwords; every role is dropped after the test."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.names: list[str] = []

    def name(self, label: str) -> tuple[str, str]:
        role = f"t_{label}_{os.getpid()}_{next(_roles)}"
        self.names.append(role)
        return role, f"pw-{role}-secret"

    def url(self, role: str, password: str) -> str:
        from sqlalchemy.engine import make_url

        return (
            make_url(self.db_url)
            .set(username=role, password=password)
            .render_as_string(hide_password=False)
        )

    def drop_all(self) -> None:
        engine = make_engine(self.db_url)
        try:
            with engine.begin() as conn:
                for role in self.names:
                    found = conn.execute(
                        text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
                    ).first()
                    if found:
                        conn.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE usename = :r"
                            ),
                            {"r": role},
                        )
                        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                        conn.exec_driver_sql(f'DROP ROLE "{role}"')
        finally:
            engine.dispose()


@pytest.fixture
def roles(db_url: str) -> Iterator[RoleFactory]:
    factory = RoleFactory(db_url)
    yield factory
    if db_url.startswith("postgresql"):
        factory.drop_all()


@pytest.fixture
def cli_proc(db_url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def invoke(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return cli_process(db_url, *args, **kwargs)

    return invoke
