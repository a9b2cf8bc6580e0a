"""``procurement ppp set`` and ``procurement outcome set``: exact stored values and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from click.testing import Result

from tests.helpers import add, assert_ok, show

Run = Callable[..., Result]


@pytest.fixture
def reference(run: Run) -> str:
    from tests.helpers import case_data

    return add(run, case_data())


def test_ppp_set_every_field(run: Run, reference: str) -> None:
    result = assert_ok(
        run(
            "ppp", "set", reference,
            "--ppp-model", "DBFO",
            "--payment-mechanism", "availability",
            "--duration-years", "25",
            "--capex", "48 000 000",
            "--private-finance-share", "70%",
            "--psc-value", "52000000.5",
            "--vfm-percent", "-2.5",
            "--financial-close", "2025-09-30",
            "--ppp-status", "active",
            "--risk", "construction=private",
            "--risk", "change-in-law=public",
            "--risk", "revenue=shared",
        )
    )  # fmt: skip
    assert result.output == (
        f"Updated PPP details of {reference}: ppp_model, payment_mechanism, duration_years, "
        "capex, private_finance_share, psc_value, vfm_percent, financial_close, ppp_status, "
        "risks.\n"
    )
    stored = show(run, reference)
    assert {k: stored[k] for k in stored if k in PPP_KEYS} == {
        "ppp_model": "dbfo",
        "payment_mechanism": "availability",
        "duration_years": 25,
        "capex": "48000000",
        "private_finance_share": "70",
        "psc_value": "52000000.5",
        "vfm_percent": "-2.5",
        "financial_close": "2025-09-30",
        "ppp_status": "active",
        "risks": {"change-in-law": "public", "construction": "private", "revenue": "shared"},
    }
    assert json.loads(run("case", "list", "--ppp", "--format", "json").stdout)[0]["reference"] == (
        reference
    )


PPP_KEYS = {
    "ppp_model",
    "payment_mechanism",
    "duration_years",
    "capex",
    "private_finance_share",
    "psc_value",
    "vfm_percent",
    "financial_close",
    "ppp_status",
    "risks",
}


def test_ppp_risks_merge_change_and_clear(run: Run, reference: str) -> None:
    assert_ok(run("ppp", "set", reference, "--ppp-model", "bot", "--risk", "design=private"))
    assert_ok(run("ppp", "set", reference, "--risk", "construction=shared"))
    assert show(run, reference)["risks"] == {"construction": "shared", "design": "private"}
    assert_ok(run("ppp", "set", reference, "--risk", "design=public"))
    assert show(run, reference)["risks"] == {"construction": "shared", "design": "public"}
    assert_ok(run("ppp", "set", reference, "--clear-risks", "--risk", "revenue=private"))
    assert show(run, reference)["risks"] == {"revenue": "private"}
    same = assert_ok(run("ppp", "set", reference, "--risk", "revenue=private"))
    assert same.output == f"No change to {reference}: the values given are the ones stored.\n"


def test_ppp_errors_one_line_exit_2(run: Run, reference: str) -> None:
    cases: dict[tuple[str, ...], str] = {
        ("--risk", "design=private"): (
            "Error: invalid input: ppp_model: is required because risks is given "
            "(PPP details need a PPP model)\n"
        ),
        ("--ppp-model", "dbfo", "--risk", "design=nobody", "--private-finance-share", "120"): (
            "Error: 2 problems: private_finance_share: 120 is out of range; "
            "expected a percentage from 0 to 100; "
            "risks: 'nobody' is not one of: public, private, shared\n"
        ),
        (): (
            "Error: nothing to set: give at least one option, e.g. "
            f"`procurement ppp set {reference} --ppp-model dbfo` (see --help)\n"
        ),
    }
    for args, message in cases.items():
        result = run("ppp", "set", reference, *args)
        assert (result.exit_code, result.output) == (2, message)
    assert show(run, reference)["ppp_model"] is None
    assert json.loads(run("case", "history", reference, "--format", "json").stdout)[0][
        "action"
    ] == ("create")


def test_outcome_set_exact_values(run: Run, reference: str) -> None:
    result = assert_ok(
        run(
            "outcome", "set", reference,
            "--status", "completed",
            "--completed-on", "2026-05-31",
            "--final-value", "1150000.1",
            "--innovation-achieved", "partial",
            "--satisfaction", "4",
            "--lessons-learned", "Talk to the market early — Malmö, Rīga, Kraków agree.",
            "--best-practice",
            "--best-practice-rationale", "First outcome-based bus contract in Санкт-Петербург.",
            "--kpi", "co2-reduction=120:t/yr:0:100",
            "--kpi", "energy-saved=300.5:MWh/yr",
        )
    )  # fmt: skip
    assert result.output == (
        f"Updated outcome of {reference}: status, completed_on, final_value, "
        "innovation_achieved, satisfaction, lessons_learned, best_practice, "
        "best_practice_rationale, kpis.\n"
    )
    stored: dict[str, Any] = show(run, reference)
    assert {k: stored[k] for k in OUTCOME_KEYS} == {
        "status": "completed",
        "completed_on": "2026-05-31",
        "final_value": "1150000.1",
        "innovation_achieved": "partial",
        "satisfaction": 4,
        "lessons_learned": "Talk to the market early — Malmö, Rīga, Kraków agree.",
        "best_practice": True,
        "best_practice_rationale": "First outcome-based bus contract in Санкт-Петербург.",
        "kpis": [
            {
                "name": "co2-reduction",
                "unit": "t/yr",
                "baseline": "0",
                "target": "100",
                "achieved": "120",
                "lower_is_better": None,
            },
            {
                "name": "energy-saved",
                "unit": "MWh/yr",
                "baseline": None,
                "target": None,
                "achieved": stored["kpis"][1]["achieved"],
                "lower_is_better": None,
            },
        ],
    }
    assert Decimal(stored["kpis"][1]["achieved"]) == Decimal("300.5")
    assert_ok(run("outcome", "set", reference, "--clear-kpis", "--no-best-practice"))
    cleared = show(run, reference)
    assert (cleared["kpis"], cleared["best_practice"]) == ([], False)


OUTCOME_KEYS = (
    "status",
    "completed_on",
    "final_value",
    "innovation_achieved",
    "satisfaction",
    "lessons_learned",
    "best_practice",
    "best_practice_rationale",
    "kpis",
)


def test_outcome_kpi_added_and_changed_by_name(run: Run, reference: str) -> None:
    assert_ok(run("outcome", "set", reference, "--kpi", "co2-reduction=100:t/yr"))
    assert_ok(run("outcome", "set", reference, "--kpi", "waste-avoided=12:t"))
    assert_ok(run("outcome", "set", reference, "--kpi", "co2-reduction=120:t/yr"))
    kpis = show(run, reference)["kpis"]
    assert [(k["name"], k["achieved"]) for k in kpis] == [
        ("co2-reduction", "120"),
        ("waste-avoided", "12"),
    ]


def test_outcome_errors_one_line_exit_2(run: Run, reference: str) -> None:
    cases: dict[tuple[str, ...], str] = {
        ("--best-practice",): (
            "Error: invalid input: best_practice_rationale: is required when the case is "
            "flagged as best practice: say why\n"
        ),
        ("--satisfaction", "6", "--kpi", "co2=lots"): (
            "Error: 2 problems: satisfaction: '6' is not a rating; give a whole number "
            "from 1 to 5; kpis: KPI achieved value 'lots' is not a number\n"
        ),
        ("--kpi", "co2"): (
            "Error: invalid input: kpis: 'co2' should be "
            "NAME=ACHIEVED[:UNIT[:BASELINE[:TARGET[:lower|higher]]]]\n"
        ),
        ("--satisfaction", "4", "--completed-on", "2020-01-01"): (
            "Error: invalid input: completed_on: "
            "completion 2020-01-01 is before the contract start 2025-03-01\n"
        ),
    }
    assert_ok(run("case", "edit", reference, "--set", "contract_start=2025-03-01"))
    for args, message in cases.items():
        result = run("outcome", "set", reference, *args)
        assert (result.exit_code, result.output) == (2, message)
    stored = show(run, reference)
    assert (stored["satisfaction"], stored["kpis"], stored["best_practice"]) == (None, [], None)
    missing = run("outcome", "set", "HEL-1999-001", "--satisfaction", "3")
    assert (missing.exit_code, missing.output) == (
        2,
        "Error: no case 'HEL-1999-001'; list cases with `procurement case list`\n",
    )
