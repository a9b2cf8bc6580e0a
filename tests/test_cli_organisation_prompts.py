"""Guided entry offers the organisations already recorded (issue 12, item 10).

An officer typing a buyer or a supplier gets the recorded spelling of the same
organisation, a list of recorded names that resemble what was typed (to pick one, or keep
the new name), and, on a real terminal, Tab completion from the recorded names. Driven with
CliRunner on both backends and once on a pseudo-terminal with pexpect.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pexpect
from click.testing import CliRunner, Result

from procurement.cli import cli
from tests.helpers import add, assert_ok, case_data, guided_add_on_a_terminal, show

Run = Callable[..., Result]
PROMPT = {"PROCUREMENT_INTERACTIVE": "1"}


def lines(*answers: str) -> str:
    return "\n".join(answers) + "\n"


def buyers(run: Run) -> list[str]:
    listed = json.loads(assert_ok(run("case", "list", "--format", "json")).stdout)
    return sorted({case["buyer"] for case in listed})


def guided(run: Run, buyer_answers: tuple[str, ...]) -> Result:
    """A guided `case add` in Helsinki answering the buyer question with ``buyer_answers``."""
    return run(
        "case", "add",
        input=lines("HEL", *buyer_answers, "Snow ploughs", "goods", "1", "1", "planned", "n", "y"),
        env=PROMPT,
    )  # fmt: skip


def test_same_organisation_typed_differently_is_recorded_under_its_name(run: Run) -> None:
    add(run, case_data(city="HEL", buyer="City of Helsinki"))
    result = assert_ok(guided(run, ("city of  HELSINKI.",)))
    assert "Buyer (Tab completes a recorded name): " in result.output
    assert "  Recorded as 'City of Helsinki' (the same organisation).\n" in result.output
    reference = result.output.splitlines()[-1].removeprefix("Added case ").rstrip(".")
    assert show(run, reference)["buyer"] == "City of Helsinki"
    assert buyers(run) == ["City of Helsinki"]


def test_a_resembling_name_lists_recorded_ones_to_pick_from(run: Run) -> None:
    add(run, case_data(city="HEL", buyer="City of Helsinki"))
    add(run, case_data(city="HEL", buyer="Helsinki Region Transport"))
    add(run, case_data(city="HEL", buyer="City of Espoo"))
    # "Helsinki" is in two recorded names; "9" is not in the list: asked again; 2 picks
    result = assert_ok(guided(run, ("Helsinki", "9", "2")))
    out = result.output
    assert "  Organisations already recorded that resemble 'Helsinki':\n" in out
    assert "    1  City of Helsinki\n    2  Helsinki Region Transport\n" in out
    assert "City of Espoo" not in out.split("resemble 'Helsinki'")[1].split("Title")[0]
    assert "  Not accepted: give a number from 1 to 2." in out
    reference = out.splitlines()[-1].removeprefix("Added case ").rstrip(".")
    assert show(run, reference)["buyer"] == "Helsinki Region Transport"
    assert buyers(run) == ["City of Espoo", "City of Helsinki", "Helsinki Region Transport"]


def test_a_misspelt_name_is_offered_and_enter_keeps_a_new_organisation(run: Run) -> None:
    add(run, case_data(city="HEL", buyer="City of Helsinki"))
    first = assert_ok(guided(run, ("City of Helsinky", "1")))
    assert "    1  City of Helsinki\n" in first.output
    second = assert_ok(guided(run, ("City of Helsingborg", "")))
    assert "    1  City of Helsinki\n" in second.output
    assert buyers(run) == ["City of Helsingborg", "City of Helsinki"]


def test_no_recorded_organisation_asks_plainly(run: Run) -> None:
    result = assert_ok(guided(run, ("Helsingin kaupunki",)))
    assert "Buyer: " in result.output
    assert "Tab completes" not in result.output and "resemble" not in result.output
    assert buyers(run) == ["Helsingin kaupunki"]


def test_tab_completes_a_recorded_name_on_a_real_terminal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def record(url: str) -> None:
        for buyer in ("City of Helsinki", "Helsinki Region Transport"):
            assert_ok(
                CliRunner().invoke(
                    cli,
                    ["--database", url, "--user", "t", "case", "add", "--no-input",
                     "--city", "HEL", "--buyer", buyer, "--title", "Earlier case",
                     "--category", "goods", "--sector", "transport", "--procedure", "open",
                     "--status", "planned"],
                )
            )  # fmt: skip

    url, child = guided_add_on_a_terminal(tmp_path, before=record)
    try:
        child.expect_exact("City (number or code): ")
        child.sendline("HEL")
        child.expect_exact("Buyer (Tab completes a recorded name): ")
        child.send("City of H\t")
        child.expect_exact("City of Helsinki")
        child.sendline("")
        child.expect_exact("Title: ")
        child.sendline("Snow ploughs")
        for answer in ("goods", "transport", "open", "planned"):
            child.expect_exact("(number or code): ")
            child.sendline(answer)
        child.expect_exact("[y/N]: ")
        child.sendline("n")
        child.expect_exact("Store this case? [Y/n]: ")
        child.sendline("y")
        child.expect(r"Added case (HEL-\d{4}-\d{3})\.")
        reference = child.match.group(1)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    shown = CliRunner().invoke(
        cli, ["--database", url, "case", "show", reference, "--format", "json"]
    )
    assert json.loads(assert_ok(shown).stdout)["buyer"] == "City of Helsinki"
