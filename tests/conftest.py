"""Test fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

Each backend is migrated once per session into a template (a SQLite file, a PostgreSQL
template database); every test gets its own copy, so tests never share state and the
CLI under test can open the database by URL like a user would.

PostgreSQL: ``PROCUREMENT_TEST_POSTGRESQL_URL`` (default
``postgresql://procurement:procurement@localhost:5432/postgres``) must name a role that may
create databases. Without a server the PostgreSQL tests are skipped with the reason shown,
unless ``PROCUREMENT_REQUIRE_SERVICES=1`` (set by CI), which turns the skip into a failure.
When the server runs but the role is missing or cannot log in, the reason says how to create
it (``CREATE_ROLE_HINT``).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from procurement.cli import cli
from procurement.storage import migrate
from procurement.storage.engine import make_engine
from tests.helpers import missing_service

PG_URL = os.environ.get(
    "PROCUREMENT_TEST_POSTGRESQL_URL",
    "postgresql://procurement:procurement@localhost:5432/postgres",
)
CREATE_ROLE_HINT = (
    "create it with: sudo -u postgres psql -c "
    "\"CREATE ROLE procurement LOGIN SUPERUSER PASSWORD 'procurement'\" "
    "(or set PROCUREMENT_TEST_POSTGRESQL_URL to a role that may create databases)"
)
# What the server answers when it runs but refuses the role (psycopg gives no SQLSTATE here).
LOGIN_REFUSED = (
    "password authentication failed",
    "authentication failed for user",
    "no pg_hba.conf entry",
    "no password supplied",
    "not permitted to log in",
)
_counter = itertools.count()
_ran: dict[str, int] = {"sqlite": 0, "postgresql": 0}


@pytest.fixture(autouse=True)
def user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own user data folder (drafts of guided entry): never the real one."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("PROCUREMENT_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


class PgServer:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        self.template = f"proc_tpl_{os.getpid()}"

    def url_for(self, name: str) -> str:
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            tpl = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{tpl}'))
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    try:
        server = PgServer(PG_URL)
        with server.admin.connect():
            pass
    except Exception as exc:  # no server here: each PostgreSQL test skips (or fails in CI)
        _pg_reason.append(pg_unavailable_reason(str(exc)))
        yield None
        return
    url = server.create(server.template)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield server
    server.drop(server.template)
    server.admin.dispose()


_pg_reason: list[str] = []


def pg_unavailable_reason(error: str) -> str:
    """Why the PostgreSQL tests cannot run: the server is not there, or it refuses the role."""
    where = PG_URL.split("@")[-1]
    detail = " ".join(error.split("(Background on this error")[0].split())
    if "FATAL:" in detail:
        detail = "FATAL:" + detail.split("FATAL:", 1)[1]
    detail = detail[:200]
    no_role = 'role "' in detail and "does not exist" in detail
    if no_role or any(words in detail for words in LOGIN_REFUSED):
        return (
            f"PostgreSQL runs at {where} but the test role is missing or cannot log in "
            f"({detail}); {CREATE_ROLE_HINT}"
        )
    return f"PostgreSQL not reachable at {where} ({detail})"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh migrated database (member cities loaded), on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "registry.sqlite"
        shutil.copyfile(template, target)
        _ran["sqlite"] += 1
        yield f"sqlite:///{target}"
        return
    server: PgServer | None = request.getfixturevalue("pg_server")
    if server is None:
        missing_service(_pg_reason[0] if _pg_reason else "PostgreSQL not available")
        return
    name = f"proc_t_{os.getpid()}_{next(_counter)}"
    url = server.create(name, template=server.template)
    _ran["postgresql"] += 1
    yield url
    server.drop(name)


@pytest.fixture
def backend(db_url: str) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test's own database; tests commit or roll back as the CLI would."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def run(db_url: str) -> Callable[..., Result]:
    """Run the real CLI against the test database: ``run("case", "list", input=...)``."""

    def invoke(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        user: str = "tester",
    ) -> Result:
        runner = CliRunner()
        full: Sequence[str] = ["--database", db_url, "--user", user, *args]
        return runner.invoke(cli, list(full), input=input, env=env, catch_exceptions=True)

    return invoke


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(
        f"database tests set up: {_ran['sqlite']} on SQLite, {_ran['postgresql']} on PostgreSQL"
    )
    if _pg_reason:
        terminalreporter.write_line(f"PostgreSQL tests skipped: {_pg_reason[0]}")
