"""A KPI says whether lower is better (issue 15, item 3).

The issue's own example: emissions with a target of 50 t and 40 t achieved must not score as a
miss. With a baseline the direction is that of the target from it; a KPI may also say it
(``...:lower`` / ``lower_is_better`` / OCDS ``lowerIsBetter``) and is then scored against its
target without a baseline. A direction that contradicts the numbers is refused; the direction
survives CSV and OCDS round trips.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.cases.store.update import add_case, set_outcome
from tests.helpers import assert_ok, case_data, empty_registry, run_on

Run = Callable[..., Result]


def report_json(run: Run, *args: str) -> dict[str, Any]:
    return json.loads(assert_ok(run("report", *args, "--format", "json")).output)


def new_case(session: Session, kpis: str) -> str:
    case = add_case(session=session, data=case_data(status="completed"), user="t")
    set_outcome(session=session, reference=case.reference, data={"kpis": kpis}, user="t")
    return case.reference


def attainment(run: Run, reference: str) -> list[Any]:
    page = report_json(run, "case", reference)["sections"][0]["cases"][0]
    return [(k["name"], k["lower_is_better"], k["attainment"]) for k in page["kpis"]]


def test_the_issues_example_scores_as_a_hit(session: Session, run: Run) -> None:
    reference = new_case(
        session,
        "co2-emissions=40:t::50:lower;charging-points=80:units::100:higher;noise=40:dB::50",
    )
    session.commit()
    assert attainment(run, reference) == [
        ("co2-emissions", True, 1.25),  # 50 / 40: beyond the target
        ("charging-points", False, 0.8),  # 80 / 100
        ("noise", None, None),  # no baseline, no direction: cannot be scored
    ]
    compare = report_json(run, "compare", "--min-n", "1")
    [table] = [
        t
        for section in compare["sections"]
        for t in section.get("tables", [])
        if t["kind"] == "indicators" and t["name"] == "innovation"
    ]
    figure = table["all_cases"]["indicators"]["kpi_attainment"]
    # one case: the mean of its scorable KPIs, (1.25 + 0.8) / 2; noise is not scored
    assert figure["value"] == pytest.approx(1.025)
    assert figure["n"] == 1


def test_a_direction_that_contradicts_the_numbers_is_refused(run: Run) -> None:
    reference = assert_ok(
        run("case", "add", "--no-input", "--quiet", "--city", "HEL", "--buyer", "B",
            "--title", "T", "--category", "goods", "--sector", "energy", "--procedure", "open",
            "--status", "completed")
    ).output.strip()  # fmt: skip
    wrong = run("outcome", "set", reference, "--kpi", "co2=40:t:100:50:higher")
    assert wrong.exit_code == 2
    assert "KPI 'co2': higher is better, but its target 50 is below its baseline 100" in (
        wrong.output
    )
    word = run("outcome", "set", reference, "--kpi", "co2=40:t::50:sideways")
    assert word.exit_code == 2 and "'sideways' is not a direction" in word.output
    assert "Traceback" not in wrong.output + word.output
    shown = json.loads(assert_ok(run("case", "show", reference, "--format", "json")).stdout)
    assert shown["kpis"] == []
    assert_ok(run("outcome", "set", reference, "--kpi", "co2=40:t:100:50:lower"))
    shown = json.loads(assert_ok(run("case", "show", reference, "--format", "json")).stdout)
    assert shown["kpis"][0]["lower_is_better"] is True


def test_the_direction_survives_csv_and_ocds_round_trips(
    session: Session, run: Run, tmp_path: Path, sqlite_template: Path
) -> None:
    new_case(session, "co2-emissions=40:t::50:lower;users=80:k:0:100")
    session.commit()
    sheet, package = tmp_path / "cases.csv", tmp_path / "cases.json"
    assert_ok(run("export", "--format", "csv", "-o", str(sheet)))
    assert "co2-emissions=40:t::50:lower;users=80:k:0:100" in sheet.read_text(encoding="utf-8")
    assert_ok(run("export", "--format", "ocds", "--validate", "-o", str(package)))
    kpis = json.loads(package.read_text())["releases"][0]["baltmet"]["outcome"]["kpis"]
    assert [k.get("lowerIsBetter") for k in kpis] == [True, None]
    for source, name in ((sheet, "from-csv.sqlite"), (package, "from-ocds.sqlite")):
        other = empty_registry(tmp_path, sqlite_template, name)
        assert_ok(run_on(other, "import", str(source)))
        [case] = json.loads(assert_ok(run_on(other, "case", "list", "--format", "json")).stdout)
        shown = json.loads(
            assert_ok(run_on(other, "case", "show", case["reference"], "--format", "json")).stdout
        )
        assert [(k["name"], k["lower_is_better"]) for k in shown["kpis"]] == [
            ("co2-emissions", True),
            ("users", None),
        ], name
