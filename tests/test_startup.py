"""Commands start fast: asking for help loads none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.test_help import all_commands

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
