"""Guided ``case add``: wrong answers are asked again, the case is stored as answered.

Driven through CliRunner input (``PROCUREMENT_INTERACTIVE=1`` stands in for a terminal) on
both backends, and once through a real pseudo-terminal with pexpect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner, Result

from procurement.cases.fields import CASE_FIELDS
from procurement.cli import cli
from tests.helpers import assert_ok, guided_add_on_a_terminal, show

Run = Callable[..., Result]
PROMPT = {"PROCUREMENT_INTERACTIVE": "1"}


def lines(*answers: str) -> str:
    return "\n".join(answers) + "\n"


def test_guided_add_reasks_wrong_answers_and_stores(run: Run) -> None:
    result = assert_ok(
        run(
            "case",
            "add",
            input=lines(
                "Atlantis",  # not a city: asked again
                "5",  # MMA from the menu
                "Malmö stad",
                "Rīga — Санкт-Петербург — Kraków",
                "9",  # no such number: asked again
                "services",
                "1",
                "Innovation partnership",  # a label is accepted too
                "finished",  # not a status: asked again
                "planned",
                "n",  # no optional details
                "y",  # store
            ),
            env=PROMPT,
        )
    )
    out = result.output
    assert "City (number or code): Atlantis\n  Not accepted: unknown city 'Atlantis'" in out
    assert "   5  MMA  Malmö\n" in out
    assert "   2  services  Services\n" in out
    assert (
        "Category (number or code): 9\n"
        "  Not accepted: the list has no number 9. Please try again.\n"
        "Category (number or code): services\n"
    ) in out
    assert "  Not accepted: 'finished' is not one of: planned, tender" in out
    assert "  Title                    Rīga — Санкт-Петербург — Kraków\n" in out
    reference = out.splitlines()[-1].removeprefix("Added case ").rstrip(".")
    stored = show(run, reference)
    assert reference.startswith("MMA-")
    assert {k: stored[k] for k in ("city", "buyer", "title", "category", "procedure")} == {
        "city": "MMA",
        "buyer": "Malmö stad",
        "title": "Rīga — Санкт-Петербург — Kraków",
        "category": "services",
        "procedure": "innovation-partnership",
    }
    assert stored["sector"] == "transport"
    assert stored["status"] == "planned"


def test_guided_optional_details_cpv_search_and_change_before_storing(run: Run) -> None:
    answers = {f.name: "" for f in CASE_FIELDS if not f.required}
    answers.update(
        description="Trams for Kraków",
        cpv="electric vehicles\n1",  # words: search labels, pick the best match
        innovation_approaches="1, ppi",
        tender_published="31.02.2025\n2025-02-01",  # not a date: asked again
        estimated_value="1 200 000",  # needs a currency: asked after the optional round
        winner_country="NO",
        winner_is_sme="maybe\nno",
    )
    result = assert_ok(
        run(
            "case", "add",
            "--city", "WAW", "--buyer", "Miasto Stołeczne Warszawa", "--title", "Tram",
            "--category", "goods", "--sector", "transport", "--procedure", "open",
            "--status", "tender",
            input=lines(
                "y",
                *answers.values(),
                "EUR",  # the currency the estimated value needs
                "n",  # do not store yet
                "title",
                "Tramwaje dla Krakowa",
                "y",
            ),
            env=PROMPT,
        )
    )  # fmt: skip
    out = result.output
    assert "   1  34144900-7  Electric vehicles\n" in out  # the whole-word match first
    assert "  Not accepted: '31.02.2025' is not a date" in out
    assert "  Not accepted: 'maybe' is not yes or no. Please try again.\n" in out
    assert (
        "  Not accepted: is required because estimated_value is given; e.g. --currency EUR" in out
    )
    assert out.count("Summary of the case") == 2
    stored = show(run, "WAW-2025-001")
    assert stored["title"] == "Tramwaje dla Krakowa"
    assert stored["buyer"] == "Miasto Stołeczne Warszawa"
    assert stored["cpv"] == "34144900-7"
    assert stored["innovation_approaches"] == ["market-dialogue", "ppi"]
    assert stored["tender_published"] == "2025-02-01"
    assert (stored["estimated_value"], stored["currency"]) == ("1200000", "EUR")
    assert (stored["winner_country"], stored["winner_is_sme"]) == ("NO", False)


def test_guided_add_given_values_are_checked_and_declining_stores_nothing(run: Run) -> None:
    """Declining opens the field menu; leaving there (end of input) stores nothing and keeps
    the answers as a draft."""
    result = run(
        "case", "add", "--city", "hel", "--category", "food",
        input=lines("B", "T", "goods", "transport", "open", "planned", "n", "n", ""),
        env=PROMPT,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "  Not accepted: 'food' is not one of: goods, services, works\n" in result.output
    assert result.output.endswith(
        "Nothing stored. Draft kept; run `procurement case add --resume` to continue.\n"
    )
    assert json.loads(run("case", "list", "--format", "json").stdout) == []


def test_real_terminal_with_pexpect(tmp_path: Path) -> None:
    url, child = guided_add_on_a_terminal(tmp_path)
    try:
        child.expect_exact("City (number or code): ")
        child.sendline("Atlantis")
        child.expect_exact("Not accepted: unknown city 'Atlantis'")
        child.expect_exact("City (number or code): ")
        child.sendline("RIX")
        child.expect_exact("Buyer: ")
        child.sendline("Rīgas dome")
        child.expect_exact("Title: ")
        child.sendline("Санкт-Петербург and Malmö visit Kraków")
        for answer in ("works", "water", "competitive-dialogue", "awarded"):
            child.expect_exact("(number or code): ")
            child.sendline(answer)
        child.expect_exact("[y/N]: ")
        child.sendline("n")
        child.expect_exact("Store this case? [Y/n]: ")
        child.sendline("y")
        child.expect(r"Added case (RIX-\d{4}-\d{3})\.")
        reference = child.match.group(1)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    shown = CliRunner().invoke(
        cli, ["--database", url, "case", "show", reference, "--format", "json"]
    )
    stored = json.loads(assert_ok(shown).stdout)
    assert (stored["city"], stored["buyer"], stored["title"]) == (
        "RIX",
        "Rīgas dome",
        "Санкт-Петербург and Malmö visit Kraków",
    )
    assert (stored["category"], stored["sector"], stored["status"]) == ("works", "water", "awarded")


@pytest.mark.parametrize("typed", ["Riga", "rīga", "RIX"])
def test_guided_city_by_name_or_code(run: Run, typed: str) -> None:
    result = assert_ok(
        run(
            "case", "add",
            input=lines(typed, "Rīgas dome", "Lights", "goods", "1", "1", "planned", "n", "y"),
            env=PROMPT,
        )
    )  # fmt: skip
    assert result.output.endswith("Added case RIX-2026-001.\n")
