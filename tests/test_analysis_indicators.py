"""Indicators computed by the reports, checked against values worked out by hand.

The data set (``build_dataset`` in tests/helpers.py, shared with the report tests) is built
through the library (add_case, set_ppp, set_outcome); each expected value is derived in its
comments. Both backends run the same assertions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from tests.helpers import assert_ok, build_dataset, import_sek_rate


def report_json(run: Callable[..., Result], *args: str) -> dict[str, Any]:
    result = assert_ok(run("report", *args, "--format", "json"))
    data: dict[str, Any] = json.loads(result.output)
    return data


def indicators_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Group key -> indicator name -> result, merged over the report's sections."""
    merged: dict[str, dict[str, Any]] = {}
    for section in report["sections"]:
        for table in section.get("tables", []):
            if table["kind"] != "indicators":
                continue
            groups = [*table["groups"], *([table["all_cases"]] if "all_cases" in table else [])]
            for group in groups:
                merged.setdefault(group["key"], {}).update(group["indicators"])
    return merged


def check(result: dict[str, Any], value: float | None, n: int, **quartiles: float) -> None:
    assert result["n"] == n
    if value is None:
        assert result["status"] == "insufficient-data"
        assert result["value"] is None
        return
    assert result["status"] == "calculated"
    assert result["value"] == pytest.approx(value, abs=1e-4)
    for name, expected in quartiles.items():
        assert result[name] == pytest.approx(expected, abs=1e-4), name


def test_compare_by_city_matches_hand_computed_values(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    build_dataset(session)
    import_sek_rate(run, tmp_path)
    report = report_json(run, "compare", "--by", "city")
    assert report["coverage"]["cases"] == 6
    assert report["coverage"]["grouped_by"] == "city"
    assert report["fictional_data"] is False
    got = indicators_of(report)
    assert set(got) == {"HEL", "RIX", "all"}
    hel, rix, every = got["HEL"], got["RIX"], got["all"]

    # Tenders per procedure. HEL: 1, 3, 2, 5 -> mean 11/4 = 2.75; sorted 1 2 3 5:
    # median (2+3)/2 = 2.5; q1 at position 0.75: 1 + 0.75 × 1 = 1.75; q3 at 2.25: 3 + 0.25 × 2 = 3.5
    check(hel["tenders_per_procedure"], 2.75, 4, median=2.5, q1=1.75, q3=3.5, min=1, max=5)
    # All six: 1 3 2 5 1 4 -> 16/6 = 2.6667; sorted 1 1 2 3 4 5: median 2.5,
    # q1 at 1.25: 1 + 0.25 × 1 = 1.25; q3 at 3.75: 3 + 0.75 × 1 = 3.75
    check(every["tenders_per_procedure"], 16 / 6, 6, median=2.5, q1=1.25, q3=3.75)
    # Single-bid rate. HEL: only A had one tender -> 1/4; all: A and E -> 2/6
    check(hel["single_bid_rate"], 0.25, 4)
    check(every["single_bid_rate"], 2 / 6, 6)
    # SME win rate. HEL: A, C of A B C D -> 2/4; all: E has none recorded -> A C F of 5 = 0.6
    check(hel["sme_win_rate"], 0.5, 4)
    check(every["sme_win_rate"], 0.6, 5)
    # Lowest-price award share. HEL: A, C price-only of 4 -> 0.5; all: A C F of 5 -> 0.6
    check(hel["lowest_price_share"], 0.5, 4)
    check(every["lowest_price_share"], 0.6, 5)
    # Time to award. HEL: 60 10 30 30 -> 130/4 = 32.5; sorted 10 30 30 60: median 30,
    # q1 10 + 0.75 × 20 = 25, q3 30 + 0.25 × 30 = 37.5
    check(hel["time_to_award"], 32.5, 4, median=30, q1=25, q3=37.5)
    # Savings against estimate. HEL: A 0.2, B 0, C (500−600)/500 = −0.2, D (10000−9000)/10000
    # = 0.1 -> 0.1/4 = 0.025; sorted −0.2 0 0.1 0.2: median 0.05, q1 −0.2 + 0.75 × 0.2 = −0.05,
    # q3 0.1 + 0.25 × 0.1 = 0.125
    check(hel["savings_vs_estimate"], 0.025, 4, median=0.05, q1=-0.05, q3=0.125)
    # All: plus E (1e6 − 9e5)/1e6 = 0.1 and F 0 -> 0.2/6
    check(every["savings_vs_estimate"], 0.2 / 6, 6)
    # Cost overrun, completed contracts only. HEL: A (880−800)/800 = 0.1, B (1800−2000)/2000
    # = −0.1; C's final value (awarded, not completed) is an interim figure: left out, counted.
    check(hel["cost_overrun"], None, 2)
    assert hel["cost_overrun"]["left_out"] == 1
    # Schedule delay. HEL has only A (+30) and B (−10): n = 2 < 3 -> insufficient data.
    check(hel["schedule_delay"], None, 2)
    check(hel["on_time_share"], None, 2)
    # All: +30, −10, +10 -> 30/3 = 10; sorted −10 10 30: median 10, q1 0, q3 20.
    check(every["schedule_delay"], 10, 3, median=10, q1=0, q3=20)
    # On time: only B of A B F -> 1/3
    check(every["on_time_share"], 1 / 3, 3)
    # Innovation achieved: A yes, B partial, F no -> 1/3 (partial is not achieved)
    check(every["innovation_achieved_share"], 1 / 3, 3)
    # KPI attainment per case: A (60 − 100) / (50 − 100) = 0.8 (lower is better: the target
    # lies below the baseline); F: co2 (100 − 0) / (100 − 0) = 1.0, energy-saved has no
    # baseline (direction unknown: not scored) -> 1.0; B's only KPI has no baseline: B is
    # counted as left out, not scored. n = 2 < 3.
    check(every["kpi_attainment"], None, 2)
    assert every["kpi_attainment"]["left_out"] == 1
    # Satisfaction: 4 3 5 -> 4; median 4, q1 3.5, q3 4.5
    check(every["satisfaction"], 4, 3, median=4, q1=3.5, q3=4.5)
    # Totals in EUR. HEL estimated: 1000 + 2000 + 500 + 10000 SEK / 10 = 4500;
    # awarded: 800 + 2000 + 600 + 900 = 4300; final (completed only): 880 + 1800, n = 2
    check(hel["total_estimated_eur"], 4500, 4)
    check(hel["total_awarded_eur"], 4300, 4)
    check(hel["total_final_eur"], None, 2)
    assert hel["total_final_eur"]["left_out"] == 1
    assert hel["total_estimated_eur"]["not_convertible"] == 0
    # All: + F 300; E's RUB amounts are not convertible and counted as such.
    check(every["total_estimated_eur"], 4800, 5)
    assert every["total_estimated_eur"]["not_convertible"] == 1
    check(every["total_awarded_eur"], 4600, 5)
    # Riga has two cases: every figure is below the threshold of 3.
    for name, result in rix.items():
        assert result["status"] == "insufficient-data", name
        assert result["value"] is None, name
    assert rix["total_estimated_eur"]["not_convertible"] == 1
    assert any("Not convertible to EUR: " in note for note in report["notes"])


def test_compare_by_innovation_counts_a_case_in_each_approach(
    session: Session, run: Callable[..., Result]
) -> None:
    build_dataset(session)
    report = report_json(run, "compare", "--by", "innovation", "--min-n", "1")
    table = report["sections"][0]["tables"][0]
    cases_by_key = {g["key"]: g["cases"] for g in table["groups"]}
    # A B F use market-dialogue; B also life-cycle-costing; D functional-specification;
    # C and E none: 3 + 1 + 1 + 2 = 7 memberships for 6 cases.
    assert cases_by_key == {
        "market-dialogue": 3,
        "life-cycle-costing": 1,
        "functional-specification": 1,
        "none": 2,
    }
    assert table["all_cases"]["cases"] == 6
    assert any("counts in the group of each" in note for note in report["notes"])
    got = indicators_of(report)
    # market-dialogue: A 60, B 10, F 10 days -> 80/3
    check(got["market-dialogue"]["time_to_award"], 80 / 3, 3)


def test_ppp_report_matches_hand_computed_values(
    session: Session, run: Callable[..., Result]
) -> None:
    build_dataset(session)
    report = report_json(run, "ppp", "--min-n", "1")
    got = indicators_of(report)
    # PPP cases A C D: cost overrun A 0.1 (C is not completed: left out; D has no final value)
    check(got["ppp"]["cost_overrun"], 0.1, 1)
    assert got["ppp"]["cost_overrun"]["left_out"] == 1
    # Traditional B E F: only B has one: −0.1; delay B −10, F +10 -> 0
    check(got["traditional"]["cost_overrun"], -0.1, 1)
    check(got["traditional"]["schedule_delay"], 0, 2)
    check(got["ppp"]["schedule_delay"], 30, 1)
    tables = {
        t["name"]: t
        for s in report["sections"]
        for t in s.get("tables", [])
        if t["kind"] == "table"
    }
    risks = {(r["risk_category"], r["ppp_model"]): r for r in tables["risk_allocation"]["rows"]}
    # dbfo construction: A private, C public -> 1/2 each; concession construction: D private
    assert risks[("construction", "dbfo")] == {
        "risk_category": "construction",
        "ppp_model": "dbfo",
        "n": 2,
        "status": "calculated",
        "public_share": 0.5,
        "private_share": 0.5,
        "shared_share": 0.0,
    }
    assert risks[("construction", "concession")]["private_share"] == 1.0
    assert risks[("design", "dbfo")]["n"] == 1
    vfm = tables["value_for_money"]["rows"]
    assert [(r["vfm_percent"], r["cost_overrun"], r["innovation_achieved"]) for r in vfm] == [
        (10.0, 0.1, "yes"),
        (-5.0, None, None),  # C is not completed: its final value is an interim figure
    ]
    status = {(r["ppp_status"], r["case_status"]): r["cases"] for r in tables["status"]["rows"]}
    assert status == {("active", "awarded"): 2, ("concluded", "completed"): 1}
    # By payment mechanism: availability (A, C) and user-charges (D)
    assert got["availability"]["total_awarded_eur"]["value"] == pytest.approx(1400)
    # At the default threshold the same groups are insufficient
    default = indicators_of(report_json(run, "ppp"))
    assert default["ppp"]["cost_overrun"]["status"] == "insufficient-data"


def test_min_n_must_be_positive(session: Session, run: Callable[..., Result]) -> None:
    result = run("report", "compare", "--min-n", "0", "--format", "json")
    assert result.exit_code == 2
    assert "--min-n" in result.output


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 101])
def test_quartiles_are_those_of_statistics_quantiles(n: int) -> None:
    """The quartiles picked by position equal statistics.quantiles(method="inclusive")
    to the last bit, for odd and even counts, ties and negative values."""
    import random
    import statistics

    import numpy as np

    from procurement.analysis.statistics import quantile_summary

    rng = random.Random(n)
    for values in (
        [rng.uniform(-1e6, 1e6) for _ in range(n)],
        [float(rng.randint(-3, 3)) for _ in range(n)],  # many ties
        [rng.lognormvariate(10, 2) / 3 for _ in range(n)],
    ):
        low, q1, median, q3, high = quantile_summary(np.array(values))
        assert (low, high) == (min(values), max(values))
        if n == 1:
            assert q1 == median == q3 == values[0]
        else:
            assert [q1, median, q3] == statistics.quantiles(values, n=4, method="inclusive")


def test_compare_by_procedure_groups_of_one_and_even_counts(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    build_dataset(session)
    import_sek_rate(run, tmp_path)
    got = indicators_of(report_json(run, "compare", "--by", "procedure", "--min-n", "1"))
    # restricted: E alone. A group of one: every quartile is its value.
    check(got["restricted"]["tenders_per_procedure"], 1, 1, median=1, q1=1, q3=1, min=1, max=1)
    check(got["restricted"]["time_to_award"], 30, 1, median=30, q1=30, q3=30, min=30, max=30)
    check(got["restricted"]["savings_vs_estimate"], 0.1, 1, median=0.1, q1=0.1, q3=0.1)
    # E's RUB amounts (2023, after the ECB stopped RUB) are not convertible: n 0, counted.
    estimated = got["restricted"]["total_estimated_eur"]
    assert (estimated["n"], estimated["not_convertible"], estimated["value"]) == (0, 1, None)
    # open: A C D F, an even count. Tenders 1 2 5 4 -> 12/4 = 3; sorted 1 2 4 5 (m = 3):
    # q1 at 0.75: 1 + 0.75 × 1 = 1.75; median at 1.5: 2 + 0.5 × 2 = 3; q3 at 2.25: 4 + 0.25 = 4.25
    check(got["open"]["tenders_per_procedure"], 3, 4, median=3, q1=1.75, q3=4.25, min=1, max=5)
    # Savings A 0.2, C −0.2, D 0.1, F 0 -> 0.1/4; sorted −0.2 0 0.1 0.2: q1 −0.2 + 0.75 × 0.2
    # = −0.05, median 0.05, q3 0.1 + 0.25 × 0.1 = 0.125
    check(got["open"]["savings_vs_estimate"], 0.025, 4, median=0.05, q1=-0.05, q3=0.125, max=0.2)
    # Estimated in EUR: A 1000 + C 500 + D 10000 SEK at 10 + F 300 = 2800
    check(got["open"]["total_estimated_eur"], 2800, 4)
    assert got["open"]["total_estimated_eur"]["not_convertible"] == 0
    # competitive-dialogue: B alone, tenders 3
    check(got["competitive-dialogue"]["tenders_per_procedure"], 3, 1, median=3, min=3, max=3)


def test_all_cases_row_is_the_same_whatever_the_grouping(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    """The 'all cases' row is put together from the groups when they cover every case once
    (city, procedure, ...) and computed on its own for innovation approaches (overlapping)."""
    build_dataset(session)
    import_sek_rate(run, tmp_path)

    def all_cases(by: str) -> list[dict[str, Any]]:
        report = report_json(run, "compare", "--by", by, "--min-n", "1")
        return [
            t["all_cases"]
            for s in report["sections"]
            for t in s["tables"]
            if t["kind"] == "indicators"
        ]

    reference = all_cases("innovation")
    # Spot checks of the reference against hand-computed values (see the city test)
    merged = {k: v for row in reference for k, v in row["indicators"].items()}
    check(merged["tenders_per_procedure"], 16 / 6, 6, median=2.5, q1=1.25, q3=3.75)
    check(merged["total_estimated_eur"], 4800, 5)
    assert merged["total_estimated_eur"]["not_convertible"] == 1
    for by in ("city", "procedure", "sector", "year", "ppp-model"):
        assert all_cases(by) == reference, by
