"""``procurement case``: add by flags and files, show, list, history, remove, and their errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from procurement.cases.fields import FIELDS, PERSONAL_FIELDS
from tests.helpers import add, assert_ok, case_data, show

Run = Callable[..., Result]
NAMES = {
    "buyer": "Malmö stad, Gatukontoret",
    "title": "Rīga and Санкт-Петербург learn from Kraków",
    "description": "Line one: Malmö\nLine two: Санкт-Петербург",
    "contact_name": "Åsa Łukasiewicz-Jõgi",
}
REQUIRED_FLAGS = [
    "--city", "MMA",
    "--buyer", NAMES["buyer"],
    "--title", NAMES["title"],
    "--category", "services",
    "--sector", "transport",
    "--procedure", "competitive-dialogue",
    "--status", "planned",
]  # fmt: skip


def test_add_by_flags_every_kind_of_field(run: Run) -> None:
    result = assert_ok(
        run(
            "case", "add", "--no-input", *REQUIRED_FLAGS,
            "--description", NAMES["description"],
            "--contact-name", NAMES["contact_name"],
            "--cpv", "34144900-7",
            "--innovation-approach", "ppi",
            "--innovation-approach", "market-dialogue",
            "--tender-published", "2024-03-01",
            "--awarded-on", "2024-09-30",
            "--currency", "SEK",
            "--estimated-value", "12 500 000,50",
            "--tenders-received", "3",
            "--winner-is-sme",
            "--winner-country", "se",
            "--document", "https://example.org/notice.pdf Contract notice – Malmö",
            "--document", "https://example.org/award.pdf",
            "--ppp-model", "dbfo",
            "--risk", "construction=private",
            "--risk", "change-in-law=public",
            "--kpi", "co2-reduction=120:t/yr:0:100",
        )
    )  # fmt: skip
    assert result.output == "Added case MMA-2024-001.\n"
    stored = show(run, "MMA-2024-001")
    for key, value in NAMES.items():
        assert stored[key] == value
    assert stored["innovation_approaches"] == ["market-dialogue", "ppi"]
    assert stored["estimated_value"] == "12500000.5"
    assert stored["currency"] == "SEK"
    assert stored["winner_is_sme"] is True
    assert stored["winner_country"] == "SE"
    assert stored["documents"] == [
        {"url": "https://example.org/notice.pdf", "title": "Contract notice – Malmö"},
        {"url": "https://example.org/award.pdf", "title": None},
    ]
    assert stored["risks"] == {"change-in-law": "public", "construction": "private"}
    assert stored["kpis"] == [
        {
            "name": "co2-reduction",
            "unit": "t/yr",
            "baseline": "0",
            "target": "100",
            "achieved": "120",
            "lower_is_better": None,
        }
    ]
    assigned = ["removed", "origin", "created_at", "updated_at"]
    assert list(stored) == ["reference", "ocid", *(f.name for f in FIELDS), *assigned]


def test_add_no_input_lists_every_problem_and_writes_nothing(run: Run) -> None:
    result = run(
        "case", "add", "--no-input",
        "--city", "HEL", "--buyer", "B", "--title", "T", "--sector", "transport",
        "--procedure", "open", "--category", "food", "--estimated-value", "abc",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output == (
        "Error: 3 problems: category: 'food' is not one of: goods, services, works; "
        "estimated_value: 'abc' is not a number; "
        "status: is required (Where the case stands now.)\n"
    )
    assert json.loads(assert_ok(run("case", "list", "--format", "json")).stdout) == []


def test_add_without_terminal_never_prompts(run: Run) -> None:
    result = run("case", "add", "--title", "Only a title", input="HEL\n")
    assert result.exit_code == 2
    assert result.output.startswith("Error: 6 problems: ")
    assert "\n" not in result.output.rstrip("\n")


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_add_from_file_keeps_names_and_flags_override(
    run: Run, tmp_path: Path, suffix: str
) -> None:
    data = case_data(city="RIX", **NAMES, winner_country="NO", winner_is_sme="no")
    data["kpis"] = [{"name": "energy-saved", "achieved": "300", "unit": "MWh/yr"}]
    path = tmp_path / f"case{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = assert_ok(
        run("case", "add", "--from", str(path), "--no-input", "--status", "implementation")
    )
    assert result.output == "Added case RIX-2025-001.\n"
    stored = show(run, "RIX-2025-001")
    for key, value in NAMES.items():
        assert stored[key] == value
    assert stored["status"] == "implementation"  # the flag wins over the file
    assert stored["winner_country"] == "NO"  # Norway, not false
    assert stored["winner_is_sme"] is False
    assert stored["kpis"][0]["achieved"] == "300"


def test_show_json_feeds_add_from(run: Run, tmp_path: Path) -> None:
    first = add(run, case_data(**NAMES))
    exported = show(run, first)
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    second = assert_ok(run("case", "add", "--from", str(path), "--quiet")).output.strip()
    assert second == "HEL-2025-002"
    copy = show(run, second)
    different = {k for k in exported if exported[k] != copy[k]}
    assert different == {"reference", "ocid", "created_at", "updated_at"}


def test_add_from_bad_files_is_one_line(run: Run, tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("title: [unclosed\n", encoding="utf-8")
    result = run("case", "add", "--from", str(bad_yaml), "--no-input")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {bad_yaml} is not valid YAML at line 2")
    many = tmp_path / "many.json"
    many.write_text("[{}, {}]", encoding="utf-8")
    result = run("case", "add", "--from", str(many), "--no-input")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {many} should hold one case as field: value pairs "
        "(for many cases use `procurement import`)\n"
    )
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("title: Malmö\n".encode("latin-1"))
    result = run("case", "add", "--from", str(latin), "--no-input")
    assert result.exit_code == 2
    assert result.output == f"Error: {latin} is not UTF-8 text; save it as UTF-8 and try again\n"


def test_show_text_plain_when_piped(run: Run) -> None:
    reference = add(run, case_data(**NAMES, contact_email="asa@example.org"))
    text = assert_ok(run("case", "show", reference)).output
    assert text.startswith(f"{reference}  {NAMES['title']}\n")
    assert "\x1b[" not in text
    assert "  Procedure              Competitive dialogue (competitive-dialogue)\n" in text
    assert "  Awarded value          1,100,000.50 EUR\n" in text
    assert "asa@example.org" not in text  # personal data only when asked
    shown = assert_ok(run("case", "show", reference, "--include-contacts")).output
    assert "asa@example.org" in shown
    as_json = show(run, reference)  # with --include-contacts
    assert as_json["contact_email"] == "asa@example.org"
    plain = json.loads(assert_ok(run("case", "show", reference, "--format", "json")).stdout)
    assert "contact_email" not in plain


def test_show_ocds(run: Run) -> None:
    reference = add(run, case_data())
    release = json.loads(assert_ok(run("case", "show", reference, "--format", "ocds")).stdout)
    assert release["ocid"].endswith(reference)


def _three_cases(run: Run) -> tuple[str, str, str]:
    hel = add(run, case_data(title="Electric buses for Helsinki"))
    rix = add(
        run,
        case_data(
            city="RIX",
            title="Rīga district heating PPP",
            sector="energy",
            procedure="competitive-dialogue",
            status="implementation",
            ppp_model="dbfo",
            awarded_on="2024-05-01",
            tender_published="2024-01-10",
        ),
    )
    led = add(
        run,
        case_data(
            city="LED",
            title="Санкт-Петербург smart street lighting",
            sector="environment",
            procedure="open",
            status="planned",
            tender_published=None,
            awarded_on=None,
        ),
    )
    return hel, rix, led


def test_list_filters_and_formats(run: Run) -> None:
    hel, rix, led = _three_cases(run)
    assert (hel, rix) == ("HEL-2025-001", "RIX-2024-001")

    def refs(*args: str) -> list[str]:
        out = assert_ok(run("case", "list", "--format", "json", *args)).stdout
        return [c["reference"] for c in json.loads(out)]

    assert refs() == [hel, led, rix]
    assert refs("--city", "rix") == [rix]
    assert refs("--status", "planned") == [led]
    assert refs("--procedure", "competitive-dialogue") == [hel, rix]
    assert refs("--sector", "energy", "--sector", "environment") == [led, rix]
    assert refs("--ppp") == [rix]
    assert refs("--no-ppp") == [hel, led]
    assert refs("--year", "2024") == [rix]
    assert refs("--search", "HEATING") == [rix]

    listed = json.loads(
        assert_ok(
            run("case", "list", "--format", "json", "--city", "LED", "--include-contacts")
        ).stdout
    )
    assert listed == [show(run, led)]

    csv_lines = assert_ok(run("case", "list", "--format", "csv")).stdout.splitlines()
    # the entry sheet's columns, contacts left out, so a listing can be imported again
    assert csv_lines[0] == ",".join(
        ["reference", *(f.name for f in FIELDS if f.name not in PERSONAL_FIELDS)]
    )
    assert len(csv_lines) == 4
    assert csv_lines[1].startswith(f"{hel},HEL,")

    table = assert_ok(run("case", "list")).stdout.splitlines()
    assert table[0].split() == [
        "reference", "city", "year", "status", "procedure", "title", "value", "ppp_model"
    ]  # fmt: skip
    assert table[3].startswith(f"{rix}  RIX   2024  implementation  competitive-dialogue")
    assert table[3].rstrip().endswith("1,100,000 EUR  dbfo")

    limited = assert_ok(run("case", "list", "--limit", "1"))
    assert len(limited.stdout.splitlines()) == 2
    assert limited.stderr == "Showing 1 of 3 cases; use --limit 0 to see all.\n"
    assert refs("--limit", "2") == [hel, led]

    empty = assert_ok(run("case", "list", "--city", "WAW"))
    assert empty.stdout == ""
    assert empty.stderr == "No case matches; try fewer filters.\n"
    bad = run("case", "list", "--status", "finished")
    assert bad.exit_code == 2


def test_edit_with_set_and_history_newest_first(run: Run) -> None:
    reference = add(run, case_data(status="tender", awarded_on=None))
    result = assert_ok(
        run(
            "case", "edit", reference,
            "--set", "status=awarded",
            "--set", "awarded_on=2025-07-01",
            "--set", "buyer=Kraków Miasto",
        )
    )  # fmt: skip
    assert result.output == f"Updated {reference}: buyer, status, awarded_on.\n"
    again = assert_ok(run("case", "edit", reference, "--set", "status=awarded"))
    assert again.output == f"No change to {reference}: the values given are the ones stored.\n"
    assert_ok(run("case", "edit", reference, "--set", "description="))
    assert show(run, reference)["description"] is None
    assert show(run, reference)["buyer"] == "Kraków Miasto"

    events = json.loads(assert_ok(run("case", "history", reference, "--format", "json")).stdout)
    assert [e["action"] for e in events] == ["update", "update", "create"]
    assert events[0]["changes"] == {
        "description": {"old": "Replace diesel buses on two lines.", "new": None}
    }
    assert events[1]["changes"]["status"] == {"old": "tender", "new": "awarded"}
    assert events[2]["user"] == "tester"
    table = assert_ok(run("case", "history", reference)).stdout.splitlines()
    assert table[0].split() == ["at", "user", "action", "changes"]
    assert "description: Replace diesel buses on two lines. → –" in table[1]
    assert table[3].endswith("tester  create  20 fields set")


def test_edit_errors_are_one_line_exit_2(run: Run) -> None:
    reference = add(run, case_data())
    cases = {
        ("--set", "status=finished"): (
            "Error: invalid input: status: 'finished' is not one of: "
            "planned, tender, awarded, implementation, completed, cancelled\n"
        ),
        ("--set", "colour=red"): (
            "Error: --set: 'colour' is not a field (field names: `procurement case add --help`, "
            "e.g. --set estimated_value=5)\n"
        ),
        ("--set", "status"): (
            "Error: --set 'status' should be FIELD=VALUE, e.g. --set status=awarded\n"
        ),
        ("--set", "awarded_on=2024-01-01"): (
            "Error: invalid input: awarded_on: "
            "award date 2024-01-01 is before the tender publication 2025-02-01\n"
        ),
        (): (
            "Error: no terminal to open an editor in; give the changes with --set, "
            f"e.g. `procurement case edit {reference} --set status=awarded`\n"
        ),
    }
    for args, message in cases.items():
        result = run("case", "edit", reference, *args)
        assert (result.exit_code, result.output) == (2, message)
    missing = run("case", "edit", "HEL-1999-999", "--set", "status=planned")
    assert (missing.exit_code, missing.output) == (
        2,
        "Error: no case 'HEL-1999-999'; list cases with `procurement case list`\n",
    )
    assert show(run, reference)["status"] == "awarded"


def test_remove_and_undo(run: Run) -> None:
    reference = add(run, case_data())
    result = assert_ok(run("case", "remove", reference))
    assert result.output == (
        f"Removed case {reference}. Restore it with `procurement case remove {reference} --undo`.\n"
    )
    assert json.loads(run("case", "list", "--format", "json").stdout) == []
    listed = json.loads(run("case", "list", "--format", "json", "--include-removed").stdout)
    assert [c["removed"] for c in listed] == [True]
    again = run("case", "remove", reference)
    assert (again.exit_code, again.output) == (
        2,
        f"Error: case '{reference}' is already removed; restore it with --undo\n",
    )
    assert run("case", "show", reference).output.startswith(f"{reference}  Electric")
    assert " (removed)\n" in run("case", "show", reference).output
    assert assert_ok(run("case", "remove", reference, "--undo")).output == (
        f"Restored case {reference}.\n"
    )
    assert [c["reference"] for c in json.loads(run("case", "list", "--format", "json").stdout)] == [
        reference
    ]
    actions = [
        e["action"]
        for e in json.loads(run("case", "history", reference, "--format", "json").stdout)
    ]
    assert actions == ["restore", "remove", "create"]


def test_remove_asks_on_a_terminal(run: Run) -> None:
    reference = add(run, case_data())
    env = {"PROCUREMENT_INTERACTIVE": "1"}
    kept = assert_ok(run("case", "remove", reference, input="n\n", env=env))
    assert kept.output.endswith("It can be restored with --undo. [y/N]: n\nNothing removed.\n")
    assert show(run, reference)["removed"] is False
    assert_ok(run("case", "remove", reference, input="y\n", env=env))
    assert show(run, reference)["removed"] is True
    assert_ok(run("case", "remove", reference, "--undo", env=env))
    assert_ok(run("case", "remove", reference, "--yes", env=env))
    assert show(run, reference)["removed"] is True


@pytest.mark.parametrize(
    "command",
    [
        ("case", "add"),
        ("case", "edit"),
        ("case", "show"),
        ("case", "list"),
        ("case", "history"),
        ("case", "remove"),
        ("ppp", "set"),
        ("outcome", "set"),
        ("case",),
        ("ppp",),
        ("outcome",),
    ],
)
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    from click.testing import CliRunner

    from procurement.cli import cli

    result = assert_ok(CliRunner().invoke(cli, [*command, "--help"]))
    assert "Example:" in result.output
    assert "procurement " + " ".join(command) in result.output


def test_add_help_has_a_flag_for_every_field() -> None:
    from click.testing import CliRunner

    from procurement.cli import cli

    text = CliRunner().invoke(cli, ["case", "add", "--help"], terminal_width=200).output
    for field in FIELDS:
        assert field.flag in text, field.name
    for flag in ("--innovation-approach", "--risk", "--kpi", "--document", "--from"):
        assert flag in text
