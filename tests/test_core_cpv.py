"""CPV word search ranks whole words before starts of words before parts of words, and says
how many codes matched (issue: `cpv search bus` listed "Tea bushes" first)."""

from __future__ import annotations

from click.testing import CliRunner

from procurement.cli import cli
from procurement.core.cpv import search


def test_whole_words_rank_before_prefixes_and_substrings() -> None:
    found = [label for _, label in search("bus")]
    assert "Electric buses" in found[:15]
    first_other = min(
        found.index(label) for label in ("Tea bushes", "Business forms") if label in found
    )
    assert found.index("Electric buses") < first_other
    assert all("bus" in label.casefold() for label in found)


def test_every_word_must_match_and_codes_by_prefix() -> None:
    assert [code for code, _ in search("electric bus")][:1] == ["34144910-0"]
    assert all(code.startswith("3414") for code, _ in search("3414"))
    assert search("no-such-word-xyz") == []


def test_cli_says_how_many_matched() -> None:
    result = CliRunner().invoke(cli, ["cpv", "search", "bus", "--limit", "5"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 6  # header and five codes
    total = len(search("bus"))
    assert f"5 of {total} matching codes shown; add words to narrow down" in result.stderr
