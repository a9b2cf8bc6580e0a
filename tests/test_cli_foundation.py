"""The CLI of the foundation: init, city list, database URLs and their errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from procurement.cli import cli
from tests.helpers import assert_ok


def test_init_twice_then_city_list_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    runner = CliRunner()
    first = assert_ok(runner.invoke(cli, ["--database", url, "init"]))
    assert "Database created" in first.output
    second = assert_ok(runner.invoke(cli, ["--database", url, "init"]))
    assert "up to date" in second.output
    listed = assert_ok(runner.invoke(cli, ["--database", url, "city", "list", "--format", "json"]))
    cities = json.loads(listed.output)
    assert len(cities) == 11
    names = {c["code"]: c["local_name"] for c in cities}
    assert names["LED"] == "Санкт-Петербург"
    assert names["RIX"] == "Rīga"


def test_city_list_formats(run: Callable[..., Result]) -> None:
    csv_out = assert_ok(run("city", "list", "--format", "csv")).output.splitlines()
    assert csv_out[0].startswith("code,name,local_name,country,currency")
    assert len(csv_out) == 12
    table = assert_ok(run("city", "list")).output
    assert "Malmö" in table and "Warszawa" in table


def test_city_add(run: Callable[..., Result]) -> None:
    assert_ok(
        run(
            "city",
            "add",
            "krk",
            "--name",
            "Krakow",
            "--local-name",
            "Kraków",
            "--country",
            "PL",
            "--currency",
            "PLN",
        )
    )
    cities = json.loads(run("city", "list", "--format", "json").output)
    assert {"code": "KRK", "local_name": "Kraków"}.items() <= next(
        c for c in cities if c["code"] == "KRK"
    ).items()
    dup = run("city", "add", "KRK", "--name", "K", "--country", "PL", "--currency", "PLN")
    assert dup.exit_code == 2
    assert dup.output.strip() == "Error: invalid input: code: city KRK is already in the registry"


def test_db_current_and_check(run: Callable[..., Result]) -> None:
    assert "up to date" in assert_ok(run("db", "current")).output
    assert "No drift" in assert_ok(run("db", "check")).output


def test_malformed_url_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(cli, ["--database", "mysql://u:secret@h/db", "city", "list"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "secret" not in result.output
    assert "mysql://u:***@h/db" in result.output


def test_unreachable_server_names_url_with_password_masked() -> None:
    url = "postgresql://officer:topsecret@127.0.0.1:1/registry"
    result = CliRunner().invoke(cli, ["--database", url, "city", "list"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: cannot open database 'postgresql+psycopg://officer:***@127.0.0.1:1/registry'"
    ) or result.output.startswith(
        "Error: cannot open database 'postgresql://officer:***@127.0.0.1:1/registry'"
    )
    assert "topsecret" not in result.output
    assert result.output.count("\n") == 1


def test_uninitialised_database_says_run_init(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()  # a file, but no registry in it
    result = CliRunner().invoke(cli, ["--database", f"sqlite:///{empty}", "city", "list"])
    assert result.exit_code == 1
    assert "run `procurement init` first" in result.output


def test_a_registry_that_does_not_exist_leaves_no_file_behind(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "registry.sqlite"
    for command in (["case", "list"], ["case", "add", "--no-input"], ["report", "compare"]):
        result = CliRunner().invoke(cli, ["--database", f"sqlite:///{missing}", *command])
        assert result.exit_code == 1, command
        assert result.output == (
            f"Error: there is no registry at {missing}: create it with `procurement init`, "
            "or give the right one with --database\n"
        )
    assert not missing.parent.exists()


def test_backup_sqlite(run: Callable[..., Result], db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        # PostgreSQL: a pg_dump archive (restore is tested in tests/reliability/)
        result = assert_ok(run("db", "backup", str(tmp_path / "b.dump")))
        assert result.output.startswith(f"Backup written: {tmp_path / 'b.dump'} (")
        assert (tmp_path / "b.dump").read_bytes()[:5] == b"PGDMP"
        return
    target = tmp_path / "backup.sqlite"
    assert_ok(run("db", "backup", str(target)))
    out = CliRunner().invoke(
        cli, ["--database", f"sqlite:///{target}", "city", "list", "--format", "json"]
    )
    assert len(json.loads(out.output)) == 11
