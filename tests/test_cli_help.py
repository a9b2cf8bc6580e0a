"""Every command explains itself: --help works and shows an example."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from procurement.cli import COMMANDS, cli
from tests.helpers import all_commands


def test_root_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.output


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p))
def test_command_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`procurement {' '.join(path)} --help` has no example"
    assert "procurement " in result.output.split("Example", 1)[1]
