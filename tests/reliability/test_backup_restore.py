"""Guarantee 6: backup while others write, restore into a new database, same registry."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from procurement.cli import cli
from procurement.storage import migrate
from tests.helpers import assert_ok
from tests.reliability.conftest import ROOT, snapshot, subprocess_env
from tests.reliability.filled import fill


def new_database(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> str:
    """An empty database (no tables) on the same backend."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite'}"
    server: Any = request.getfixturevalue("pg_server")
    name = f"proc_restore_{os.getpid()}_{tmp_path.name[-20:]}".lower().replace("-", "_")
    url = str(server.create(name))
    request.addfinalizer(lambda: server.drop(name))
    return url


def cli_at(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database", url, "--user", "tester", *args])


def test_backup_while_writing_then_restore(
    run: Callable[..., Result], db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    fill(run)
    before = snapshot(db_url)
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.workers", "bulk_add", db_url, "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        cwd=ROOT,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "writing\n"  # another process is writing now
    target = tmp_path / ("backup.sqlite" if db_url.startswith("sqlite") else "backup.dump")
    backed_up = run("db", "backup", str(target))
    out, err = writer.communicate(timeout=300)
    assert out.endswith("committed\n"), err
    assert_ok(backed_up)
    after = snapshot(db_url)
    assert len(after["cases"]) == len(before["cases"]) + 200

    restored_url = new_database(request, db_url, tmp_path)
    result = assert_ok(cli_at(restored_url, "db", "restore", str(target)))
    restored = snapshot(restored_url)
    # a consistent snapshot: the registry either before or after the other's transaction
    assert restored in (before, after)
    assert result.output.startswith(f"Restored {target} into ")
    head = migrate.head_revision()
    assert f": {len(restored['cases'])} cases, schema {head}." in result.output
    # the restored registry works: cases can be added and references continue
    added = assert_ok(
        cli_at(
            restored_url,
            "case",
            "add",
            "--no-input",
            "--quiet",
            "--city",
            "HEL",
            "--buyer",
            "B",
            "--title",
            "After restore",
            "--category",
            "goods",
            "--sector",
            "ict",
            "--procedure",
            "open",
            "--status",
            "planned",
        )
    )
    assert added.output.strip() not in {c["reference"] for c in after["cases"]}


def test_restore_refuses_a_registry_with_cases(
    run: Callable[..., Result], db_url: str, tmp_path: Path
) -> None:
    fill(run)
    target = tmp_path / ("backup.sqlite" if db_url.startswith("sqlite") else "backup.dump")
    assert_ok(run("db", "backup", str(target)))
    state = snapshot(db_url)
    refused = run("db", "restore", str(target))
    assert (refused.exit_code, refused.output) == (
        2,
        "Error: the target registry holds 4 cases; restoring would replace them: give --force, "
        "or restore into a new database with --database\n",
    )
    assert_ok(run("case", "edit", state["cases"][0]["reference"], "--set", "title=Changed"))
    assert_ok(run("db", "restore", "--force", str(target)))
    assert snapshot(db_url) == state  # the change after the backup is gone again
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all" * 100)
    bad = run("db", "restore", "--force", str(junk))
    assert bad.exit_code == 2 and "not a" in bad.output and "backup" in bad.output
    assert "Traceback" not in bad.output
    assert snapshot(db_url) == state
