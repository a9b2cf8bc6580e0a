"""Data an officer can trust: amounts read without guessing, city names, filters that refuse
typos, possible dates, currencies of their time, no terminal control characters.

Every refusal goes through the real CLI: exit status 2, one message, nothing stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.cases.validate import validate
from procurement.core import clock
from procurement.core.errors import ValidationError
from tests.helpers import add, assert_ok, case_data, flags, show

Run = Callable[..., Result]
TODAY = dt.date(2026, 6, 15)
HOW = "(a dot before decimals, no thousands separator)"
MEMBERS = (
    "BER (Berlin), CPH (Copenhagen), HEL (Helsinki), LED (St. Petersburg), MMA (Malmö), "
    "OSL (Oslo), RIX (Riga), STO (Stockholm), TLL (Tallinn), VNO (Vilnius), WAW (Warsaw)"
)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Today is 2026-06-15 (noon UTC: the same date in every time zone of the members)."""
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC))
    yield


def refused(result: Result, message: str) -> None:
    """Exit status 2 and exactly ``message`` as the one line printed."""
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n"), result.output


def add_refused(run: Run, message: str, **fields: Any) -> None:
    """`case add` with ``fields`` is refused with ``message`` and stores nothing."""
    refused(run("case", "add", "--no-input", *flags(case_data(**fields))), message)
    assert stored(run) == []


def stored(run: Run) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(
        assert_ok(run("case", "list", "--format", "json")).stdout
    )
    return cases


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def csv_row(**fields: Any) -> dict[str, Any]:
    row = {
        k: v
        for k, v in case_data(**fields).items()
        if k not in ("innovation_approaches", "winner_is_sme") and v is not None
    }
    return row


# 1. Amounts written the continental way


CONVENTIONS = {
    "plain": "1250000.50",
    "spaces": "1 250 000,50",
    "no-break spaces": "1\u00a0250\u00a0000,50",
    "narrow no-break spaces": "1\u202f250\u202f000,50",
    "dots": "1.250.000,50",
    "commas": "1,250,000.50",
    "apostrophes": "1'250'000.50",
}


def test_amounts_in_every_unambiguous_form_are_read_exactly(run: Run) -> None:
    for written in CONVENTIONS.values():
        reference = add(run, case_data(estimated_value=written, awarded_value="1.250,50"))
        case = show(run, reference)
        assert (case["estimated_value"], case["awarded_value"]) == ("1250000.5", "1250.5"), written


def test_amount_cells_written_the_continental_way_import_exactly(run: Run, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        [
            csv_row(title="Dots and a comma", estimated_value="12.500,00", awarded_value="12,5"),
            csv_row(title="Millions", estimated_value="2.500.000,00", awarded_value="2 400 000"),
        ],
    )
    assert_ok(run("import", str(path)))
    values = {c["title"]: (c["estimated_value"], c["awarded_value"]) for c in stored(run)}
    assert values == {"Dots and a comma": ("12500", "12.5"), "Millions": ("2500000", "2400000")}


def test_number_cells_of_a_workbook_are_read_as_they_are(run: Run, tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Cases"
    row = csv_row(estimated_value=None, awarded_value=None)
    sheet.append([*row, "estimated_value", "awarded_value", "final_value"])
    sheet.append([*row.values(), Decimal("1250000"), 1250000.5, None])
    path = tmp_path / "cases.xlsx"
    workbook.save(path)
    assert_ok(run("import", str(path)))
    [case] = stored(run)
    assert (case["estimated_value"], case["awarded_value"]) == ("1250000", "1250000.5")


@pytest.mark.parametrize(
    ("written", "grouped", "dotted"),
    [("1,250", "1250", "1.25"), ("1.250", "1250", "1.25"), ("100,000", "100000", "100")],
)
def test_an_ambiguous_amount_is_refused_naming_both_readings(
    run: Run, written: str, grouped: str, dotted: str
) -> None:
    add_refused(
        run,
        f"invalid input: estimated_value: '{written}' is ambiguous: {grouped} or {dotted}? "
        f"write {grouped} or {dotted} {HOW}",
        estimated_value=written,
    )


def test_separators_that_do_not_group_by_threes_are_refused(run: Run) -> None:
    add_refused(
        run,
        "invalid input: awarded_value: '1.25.000,50' is not a number: thousands separators "
        f"must group the digits by threes, with the same separator throughout; write it as "
        f"1250000.50 {HOW}",
        awarded_value="1.25.000,50",
    )
    add_refused(
        run,
        "invalid input: awarded_value: '1 250.000,50' is not a number: thousands separators "
        f"must group the digits by threes, with the same separator throughout; write it as "
        f"1250000.50 {HOW}",
        awarded_value="1 250.000,50",
    )


def test_an_ambiguous_cell_refuses_the_whole_import(run: Run, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        [csv_row(estimated_value="1250000"), csv_row(estimated_value="1,250")],
    )
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.output == (
        "Error: 1 problem in cases.csv; nothing was imported:\n"
        f"  row 3, estimated_value: '1,250' is ambiguous: 1250 or 1.25? write 1250 or 1.25 {HOW}\n"
    )
    assert stored(run) == []


def _written(amount: Decimal, convention: str) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    groups = f"{int(whole):,}".split(",")
    sep, mark = {
        "plain": ("", "."),
        "spaces": (" ", ","),
        "no-break spaces": ("\u00a0", ","),
        "narrow no-break spaces": ("\u202f", ","),
        "dots": (".", ","),
        "commas": (",", "."),
        "apostrophes": ("'", "."),
    }[convention]
    return f"{sep.join(groups)}{mark}{cents}"


@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2),
    convention=st.sampled_from(sorted(CONVENTIONS)),
)
def test_amounts_read_back_the_same_in_every_convention(amount: Decimal, convention: str) -> None:
    written = _written(amount, convention)
    clean = validate({"estimated_value": written, "currency": "EUR"})
    assert clean["estimated_value"] == amount, written


# 4. City names


def test_cities_are_known_by_code_english_and_local_name(run: Run, tmp_path: Path) -> None:
    for typed, code in [
        ("Riga", "RIX"),
        ("Rīga", "RIX"),
        ("RIGA", "RIX"),
        ("rix", "RIX"),
        ("Copenhagen", "CPH"),
        ("København", "CPH"),
        ("Санкт-Петербург", "LED"),
        ("Saint Petersburg", "LED"),
        ("Helsingfors", "HEL"),
        ("malmo", "MMA"),
        ("Warszawa", "WAW"),
    ]:
        reference = add(run, case_data(city=typed))
        assert reference.startswith(f"{code}-2025-"), (typed, reference)
    path = write_csv(tmp_path / "cases.csv", [csv_row(city="københavn", title="From a sheet")])
    assert_ok(run("import", str(path)))
    assert {c["city"] for c in stored(run) if c["title"] == "From a sheet"} == {"CPH"}

    def listed(*filters: str) -> set[str]:
        cases = json.loads(assert_ok(run("case", "list", "--format", "json", *filters)).stdout)
        return {c["city"] for c in cases}

    assert listed("--city", "Rīga") == {"RIX"}
    assert listed("--city", "riga", "--city", "Copenhagen") == {"RIX", "CPH"}
    assert listed("--city", "st. petersburg") == {"LED"}


def test_an_unknown_city_is_refused(run: Run) -> None:
    add_refused(
        run,
        "invalid input: city: unknown city 'ATLANTIS'; known: BER, CPH, HEL, LED, MMA, OSL, "
        "RIX, STO, TLL, VNO, WAW, or a member city's name (add one with `procurement city add`)",
        city="Atlantis",
    )


# 5. Filters refuse what no case could match


def test_a_typo_in_a_filter_is_an_error_not_an_empty_result(run: Run, tmp_path: Path) -> None:
    add(run, case_data())
    city = f"--city: unknown city 'RIG'; give a code or a name of: {MEMBERS}"
    refused(run("case", "list", "--city", "RIG"), city)
    out = tmp_path / "cases.csv"
    refused(run("export", "--format", "csv", "-o", str(out), "--city", "RIG"), city)
    assert not out.exists() and not out.with_name("cases.csv.partial").exists()
    report = tmp_path / "compare.json"
    refused(
        run("report", "compare", "--format", "json", "--output", str(report), "--city", "RIG"),
        city,
    )
    assert not report.exists()
    refused(
        run("case", "list", "--status", "finished"),
        "--status: 'finished' is not one of: planned, tender, awarded, implementation, "
        "completed, cancelled",
    )
    refused(
        run("export", "--format", "json", "--procedure", "opne"),
        "--procedure: 'opne' is not one of: open, restricted, competitive-negotiation, "
        "competitive-dialogue, innovation-partnership, negotiated-without-publication, "
        "design-contest, pre-commercial, below-threshold, other",
    )
    refused(
        run("report", "compare", "--format", "json", "--sector", "transprot"),
        "--sector: 'transprot' is not one of: transport, energy, water, waste, buildings, "
        "health, social-care, education, ict, environment, public-safety, culture, other",
    )
    # codes and labels in any case still filter
    found = run(
        "case", "list", "--format", "json", "--city", "hel", "--status", "Awarded",
        "--procedure", "COMPETITIVE-DIALOGUE", "--sector", "Transport and mobility",
    )  # fmt: skip
    assert len(json.loads(assert_ok(found).stdout)) == 1


# 7. Impossible dates


def test_dates_outside_the_possible_range_are_refused(run: Run) -> None:
    add_refused(
        run,
        "invalid input: awarded_on: 9999-12-31 is in the future (today is 2026-06-15)",
        awarded_on="9999-12-31",
    )
    add_refused(
        run,
        "invalid input: awarded_on: 1899-01-01 is before 1990-01-01; the registry records "
        "cases from 1990 on",
        tender_published=None,
        awarded_on="1899-01-01",
    )
    add_refused(
        run,
        "invalid input: completed_on: 2026-06-16 is in the future (today is 2026-06-15)",
        status="completed",
        completed_on="2026-06-16",
    )
    add_refused(
        run,
        "invalid input: contract_end_planned: 2076-06-16 is more than 50 years ahead "
        "(latest 2076-06-15); check the year",
        contract_start="2025-07-01",
        contract_end_planned="2076-06-16",
    )
    add_refused(
        run,
        "invalid input: tender_published: 2026-07-01 is in the future (today is 2026-06-15); "
        "only a planned case may carry the planned publication date",
        status="tender",
        tender_published="2026-07-01",
        awarded_on=None,
    )
    # what is possible is accepted: the limits themselves, a planned publication date
    reference = add(
        run,
        case_data(
            status="planned",
            tender_published="2026-09-01",
            awarded_on=None,
            contract_start="2027-01-01",
            contract_end_planned="2076-06-15",
        ),
    )
    assert show(run, reference)["tender_published"] == "2026-09-01"
    assert add(run, case_data(tender_published="1990-01-01", awarded_on="2026-06-15"))


def test_dates_out_of_order_are_refused(run: Run) -> None:
    add_refused(
        run,
        "invalid input: completed_on: completion 2025-01-01 is before the award date 2025-06-15",
        status="completed",
        completed_on="2025-01-01",
    )
    add_refused(
        run,
        "invalid input: contract_end_planned: planned end 2025-01-01 is before the contract "
        "start 2025-07-01",
        contract_start="2025-07-01",
        contract_end_planned="2025-01-01",
    )
    reference = add(run, case_data())
    refused(
        run("outcome", "set", reference, "--status", "completed", "--completed-on", "2025-03-01"),
        "invalid input: completed_on: completion 2025-03-01 is before the award date 2025-06-15",
    )
    assert show(run, reference)["completed_on"] is None


# 8. Currencies that no longer existed


def test_amounts_in_a_currency_the_euro_replaced_are_refused_after_the_changeover(
    run: Run,
) -> None:
    add_refused(
        run,
        "invalid input: currency: EEK was replaced by the euro after 2010-12-31, but "
        "estimated_value is dated 2011-03-01: give the amounts in EUR, converted at the "
        "irrevocable rate of 15.6466 EEK per euro",
        city="TLL",
        currency="EEK",
        tender_published="2010-11-01",
        awarded_on="2011-03-01",
    )
    add_refused(
        run,
        "invalid input: currency: LTL was replaced by the euro after 2014-12-31, but "
        "estimated_value is dated 2015-01-02: give the amounts in EUR, converted at the "
        "irrevocable rate of 3.45280 LTL per euro",
        city="VNO",
        currency="LTL",
        tender_published="2015-01-02",
        awarded_on=None,
        awarded_value=None,
    )
    # before the changeover the amounts are fine; the final cost is dated by the completion
    reference = add(
        run,
        case_data(
            city="RIX", currency="LVL", tender_published="2012-02-01", awarded_on="2012-06-01"
        ),
    )
    late = ["--status", "completed", "--completed-on", "2014-03-31", "--final-value", "1150000"]
    refused(
        run("outcome", "set", reference, *late),
        "invalid input: currency: LVL was replaced by the euro after 2013-12-31, but "
        "final_value is dated 2014-03-31: give the amounts in EUR, converted at the "
        "irrevocable rate of 0.702804 LVL per euro",
    )
    assert show(run, reference)["final_value"] is None
    assert_ok(
        run(
            "outcome", "set", reference, "--status", "completed",
            "--completed-on", "2013-12-31", "--final-value", "1150000",
        )
    )  # fmt: skip
    assert show(run, reference)["final_value"] == "1150000"


def test_rates_import_refuses_codes_that_are_not_iso_4217(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("currency,date,units_per_eur\nSEK,2024-01-02,11.5\nXYZ,2024-01-02,3\n")
    refused(
        run("rates", "import", str(path)),
        "invalid input: row 3, currency: 'XYZ' is not an ISO 4217 currency code "
        "(e.g. SEK, RUB, USD)",
    )
    assert assert_ok(run("rates", "list", "--format", "json")).stdout.strip() == "[]"
    path.write_text("currency,date,units_per_eur\nDEM,1998-01-02,1.9\nUAH,2024-01-02,42\n")
    assert assert_ok(run("rates", "import", str(path))).output.startswith("2 rates added")


# 9. Terminal control characters


def test_control_characters_are_refused_in_every_text_field(run: Run, tmp_path: Path) -> None:
    add_refused(
        run,
        "invalid input: title: contains U+001B (escape), a terminal control character, at "
        "position 1; remove it",
        title="\x1b[2J\x1b[31mElectric buses",
    )
    add_refused(
        run,
        "invalid input: buyer: contains U+202E (right-to-left override), a bidirectional text "
        "control that makes text show in another order, at position 9; remove it",
        buyer="City of \u202eikisleH",
    )
    add_refused(
        run,
        "invalid input: winner: contains U+2066 (left-to-right isolate), a bidirectional text "
        "control that makes text show in another order, at position 1; remove it",
        winner="\u2066Nordic Bus Oy\u2069",
    )
    add_refused(
        run,
        "invalid input: title: contains U+000A (line feed), allowed only in multi-line fields "
        "(description, lessons_learned, best_practice_rationale), at position 9; remove it",
        title="Electric\nbuses",
    )
    add_refused(
        run,
        "invalid input: description: contains U+009B (control character), a terminal control "
        "character, at position 5; remove it",
        description="Red \x9b31m text",
    )
    add_refused(
        run,
        "invalid input: documents: title of document 1 contains U+0007 (control character), "
        "a terminal control character, at position 7; remove it",
        documents="https://example.org/a Notice\x07",
    )
    # line breaks and tabs where text has lines
    reference = add(
        run,
        case_data(
            description="Line one\n\tindented line two",
            documents="https://example.org/a\tContract notice\nhttps://example.org/b",
        ),
    )
    case = show(run, reference)
    assert case["description"] == "Line one\n\tindented line two"
    assert case["documents"] == [
        {"url": "https://example.org/a", "title": "Contract notice"},
        {"url": "https://example.org/b", "title": None},
    ]
    refused(
        run("case", "edit", reference, "--set", "title=Bus\x1b]0;owned\x07"),
        "invalid input: title: contains U+001B (escape), a terminal control character, at "
        "position 4; remove it",
    )
    refused(
        run("outcome", "set", reference, "--lessons-learned", "ok\x00"),
        "invalid input: lessons_learned: contains U+0000 (null), a terminal control "
        "character, at position 3; remove it",
    )
    assert show(run, reference)["title"] == case_data()["title"]

    path = write_csv(tmp_path / "cases.csv", [csv_row(title="Fine"), csv_row(buyer="A\x1bB")])
    result = run("import", str(path))
    assert result.exit_code == 2 and "\x1b" not in result.output
    assert result.output == (
        "Error: 1 problem in cases.csv; nothing was imported:\n"
        "  row 3, buyer: contains U+001B (escape), a terminal control character, at position "
        "2; remove it\n"
    )
    assert [c["title"] for c in stored(run)] == [case["title"]]


def test_refused_values_are_never_echoed_raw(run: Run) -> None:
    result = run("case", "add", "--no-input", *flags(case_data(status="\x1b[31mdone")))
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\\x1b[31mdone" in result.output
    assert stored(run) == []


def test_validation_reports_control_characters_in_any_mapping() -> None:
    with pytest.raises(ValidationError) as caught:
        validate({"kpis": [{"name": "co2", "unit": "t\x1b", "achieved": "1"}]})
    assert caught.value.errors[0].message.startswith("contains U+001B (escape)")


def test_a_huge_exponent_in_a_count_is_refused_at_once(run: Run) -> None:
    """`tenders_received: 1e999999` made a million-digit integer (about 50 s of CPU)."""
    result = run("case", "add", "--no-input", *flags(case_data(tenders_received="1e999999")))
    assert result.exit_code == 2
    assert "tenders_received: 1e999999 is out of range; expected 0 to 1000000" in result.output
