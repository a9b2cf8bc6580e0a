"""Commands start fast: asking for help loads none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest
from click.testing import Result

from tests.helpers import all_commands

HEAVY = ("sqlalchemy", "alembic", "jinja2", "matplotlib", "openpyxl", "yaml", "currency_converter")
PROBE = f"""
import json, sys
HEAVY = {HEAVY!r}
from procurement.cli import cli
try:
    cli.main(args=sys.argv[1:] + ["--help"], prog_name="procurement", standalone_mode=False)
except SystemExit:
    pass
print(json.dumps([m for m in HEAVY if m in sys.modules]))
"""


@pytest.mark.parametrize("path", [(), *all_commands()], ids=lambda p: " ".join(p) or "root")
def test_help_loads_no_heavy_module(path: tuple[str, ...]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *path], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert loaded == [], f"`procurement {' '.join(path)} --help` imports {loaded}"


ADD_PROBE = """
import json, sys
from procurement.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="procurement", standalone_mode=False)
except SystemExit:
    pass
print(json.dumps([m for m in ("sqlalchemy.orm", "jinja2", "matplotlib", "openpyxl")
                  if m in sys.modules]))
"""


def test_case_add_writes_without_the_orm(db_url: str, run: Callable[..., Result]) -> None:
    """`case add` writes with SQLAlchemy Core: the ORM (about 100 ms to import and configure)
    is not loaded, and the case is stored all the same."""
    args = [
        "--database", db_url, "case", "add", "--no-input", "--city", "HEL",
        "--buyer", "City of Helsinki", "--title", "School meals", "--category", "services",
        "--sector", "education", "--procedure", "open", "--status", "planned",
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", ADD_PROBE, *args], capture_output=True, text=True, check=True
    )
    *printed, modules = done.stdout.strip().splitlines()
    assert printed and printed[-1].startswith("Added case HEL-"), done.stdout + done.stderr
    assert json.loads(modules) == []
    reference = printed[-1].removeprefix("Added case ").rstrip(".")
    shown = run("case", "show", reference, "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["title"] == "School meals"
