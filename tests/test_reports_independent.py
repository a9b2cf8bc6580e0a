"""The new figures of issue 15 recomputed from the raw cases without the product's code.

Seeded cases are recorded through the library; the test then reads the raw rows with plain SQL
and works out every share, Wilson interval, median, order-statistic interval, ratio of sums,
rank, band, drill-down list and left-out count with the standard library only, and compares
them with the JSON the CLI writes (rounded to four places there).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import text
from sqlalchemy.orm import Session

from procurement.cases.store.update import add_case, set_outcome, set_ppp
from tests.helpers import assert_ok, case_data

CITIES = ("HEL", "RIX", "TLL")
PROCEDURES = ("open", "restricted", "negotiated-without-publication", "competitive-dialogue")


def seed_cases(session: Session) -> None:
    rng = random.Random(15)
    for i in range(72):
        city = CITIES[i % 3]
        published = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))
        awarded = published + dt.timedelta(days=rng.choice([5, 10, 30, 45, 60, 90, 200, 400]))
        tenders = rng.choice([0, 1, 1, 2, 3, 4, 6])
        status = rng.choice(["awarded", "implementation", "completed", "completed"])
        data = case_data(
            city=city,
            procedure=rng.choice(PROCEDURES),
            status=status,
            tender_published=published.isoformat(),
            awarded_on=awarded.isoformat(),
            tenders_received=tenders,
            sme_tenders=rng.randint(0, tenders) if rng.random() < 0.8 else None,
            estimated_value=str(rng.randrange(1000, 100000)),
            awarded_value=str(rng.randrange(1000, 100000)),
            contract_start=awarded.isoformat(),
            contract_end_planned=(awarded + dt.timedelta(days=365)).isoformat(),
            innovation_approaches=[],
        )
        ref = add_case(session=session, data=data, user="t").reference
        outcome: dict[str, Any] = {}
        if rng.random() < 0.7:
            outcome["final_value"] = str(rng.randrange(1000, 120000))
            finished = awarded + dt.timedelta(days=365 + rng.randrange(-60, 200))
            outcome["completed_on"] = finished.isoformat()
        if status == "completed" and rng.random() < 0.7:
            outcome["innovation_achieved"] = rng.choice(["yes", "no", "partial"])
        if outcome:
            set_outcome(session=session, reference=ref, data=outcome, user="t")
        if i % 4 == 0:
            set_ppp(
                session=session,
                reference=ref,
                data={
                    "ppp_model": rng.choice(["dbfo", "concession"]),
                    "ppp_status": rng.choice(["active", "distressed", "cancelled", "concluded"]),
                    "private_finance_share": str(rng.randrange(0, 100)),
                },
                user="t",
            )
    session.commit()


def raw_cases(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        text(
            "SELECT c.reference, c.city_code, c.procedure, c.status, c.tender_published, "
            "c.awarded_on, c.tenders_received, c.sme_tenders, c.awarded_value, c.final_value, "
            "c.completed_on, c.contract_end_planned, o.innovation_achieved, o.satisfaction "
            "FROM cases c LEFT JOIN outcomes o ON o.case_id = c.id"
        )
    ).mappings()
    return [dict(r) for r in rows]


def day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ----------------------------------------------------------- the statistics, written anew


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval, from its textbook form (Wilson 1927; Newcombe 1998, method 3)."""
    z = 1.959963984540054
    p = k / n
    a = 2 * n * p + z**2
    b = z * math.sqrt(z**2 + 4 * n * p * (1 - p))
    c = 2 * (n + z**2)
    return (0.0 if k == 0 else (a - b) / c), (1.0 if k == n else (a + b) / c)


def median_interval(values: list[float]) -> tuple[float, float] | None:
    """Order-statistic interval of the median: exact binomial tail with fractions."""
    n = len(values)
    ordered = sorted(values)
    best = None
    for j in range(1, n // 2 + 1):
        tail = sum(Fraction(math.comb(n, i), 2**n) for i in range(j))  # P(B <= j - 1)
        if tail <= Fraction(25, 1000):
            best = j
    if best is None or n < 6:
        return None
    return ordered[best - 1], ordered[n - best]


def close(got: Any, expected: float | None) -> None:
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=6e-5)


def report(run: Callable[..., Result], *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(assert_ok(run("report", *args, "--format", "json")).output)
    return data


def figures(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = defaultdict(dict)
    for section in data["sections"]:
        for table in section.get("tables", []):
            if table["kind"] != "indicators":
                continue
            for g in [*table["groups"], *([table["all_cases"]] if "all_cases" in table else [])]:
                merged[g["key"]].update(g["indicators"])
    return merged


def test_new_figures_match_an_independent_recomputation(
    session: Session, run: Callable[..., Result]
) -> None:
    seed_cases(session)
    cases = raw_cases(session)
    got = figures(report(run, "compare", "--by", "city", "--min-n", "1", "--with-cases"))

    for city in (*CITIES, "all"):
        mine = [c for c in cases if city in ("all", c["city_code"])]
        checks: dict[str, tuple[list[dict[str, Any]], Callable[[dict[str, Any]], bool]]] = {
            "single_bid_rate": (
                [c for c in mine if (c["tenders_received"] or 0) >= 1],
                lambda c: c["tenders_received"] == 1,
            ),
            "no_call_share": (
                [c for c in mine if c["procedure"]],
                lambda c: c["procedure"] == "negotiated-without-publication",
            ),
            "flag_single_bid_non_open": (
                [c for c in mine if c["procedure"] != "open" and (c["tenders_received"] or 0) >= 1],
                lambda c: c["tenders_received"] == 1,
            ),
            "flag_extreme_decision": (
                [c for c in mine if c["awarded_on"] and c["tender_published"]],
                lambda c: (
                    not 15
                    <= (day(c["awarded_on"]) - day(c["tender_published"])).days  # type: ignore[operator]
                    <= 365
                ),
            ),
            "award_data_share": (
                [c for c in mine if c["status"] in ("awarded", "implementation", "completed")],
                lambda c: c["awarded_on"] is not None and c["awarded_value"] is not None,
            ),
            "outcome_recorded_share": (
                [c for c in mine if c["status"] == "completed"],
                lambda c: c["innovation_achieved"] is not None or c["satisfaction"] is not None,
            ),
            "final_value_share": (
                [c for c in mine if c["status"] == "completed"],
                lambda c: c["final_value"] is not None,
            ),
            "on_time_share": (
                [
                    c
                    for c in mine
                    if c["status"] == "completed"
                    and c["completed_on"]
                    and c["contract_end_planned"]
                ],
                lambda c: day(c["completed_on"]) <= day(c["contract_end_planned"]),  # type: ignore[operator]
            ),
        }
        for name, (base, hit) in checks.items():
            figure = got[city][name]
            k = sum(1 for c in base if hit(c))
            assert figure["n"] == len(base), (city, name)
            close(figure["value"], k / len(base) if base else None)
            low, high = wilson(k, len(base))
            close(figure["ci95_low"], low)
            close(figure["ci95_high"], high)
            if city != "all":
                assert figure["cases"] == sorted(c["reference"] for c in base), (city, name)

        # SME share of tenders: a ratio of sums, not a mean of per-case shares
        sme = [c for c in mine if c["sme_tenders"] is not None and c["tenders_received"] >= 1]
        close(
            got[city]["sme_tender_share"]["value"],
            sum(c["sme_tenders"] for c in sme) / sum(c["tenders_received"] for c in sme),
        )
        assert got[city]["sme_tender_share"]["n"] == len(sme)

        # Time to award: the median first, its order-statistic interval
        days = [
            float((day(c["awarded_on"]) - day(c["tender_published"])).days)  # type: ignore[operator]
            for c in mine
            if c["awarded_on"] and c["tender_published"]
        ]
        close(got[city]["time_to_award"]["median"], statistics.median(days))
        interval = median_interval(days)
        assert interval is not None
        close(got[city]["time_to_award"]["ci95_low"], interval[0])
        close(got[city]["time_to_award"]["ci95_high"], interval[1])

        # Cost overrun: completed contracts only; the others with a final value are counted
        completed = [
            (float(c["final_value"]) - float(c["awarded_value"])) / float(c["awarded_value"])
            for c in mine
            if c["status"] == "completed" and c["final_value"] is not None
        ]
        interim = [c for c in mine if c["status"] != "completed" and c["final_value"] is not None]
        overrun = got[city]["cost_overrun"]
        assert overrun["n"] == len(completed) and overrun["left_out"] == len(interim)
        close(overrun["median"], statistics.median(completed))
        close(overrun["value"], statistics.fmean(completed))
        interval = median_interval(completed)
        close(overrun["ci95_low"], interval[0] if interval else None)
        close(overrun["ci95_high"], interval[1] if interval else None)

    # Network view: rank 1 is the lowest single-bid rate; bands at 10 % and 20 %
    rates = {city: got[city]["single_bid_rate"]["value"] for city in CITIES}
    for city, value in rates.items():
        expected_rank = 1 + sum(1 for other in rates.values() if other < value)
        assert got[city]["single_bid_rate"]["rank"] == expected_rank
        assert got[city]["single_bid_rate"]["ranked"] == 3
        band = "green" if value <= 0.10 else "amber" if value <= 0.20 else "red"
        assert got[city]["single_bid_rate"]["band"] == band

    # Trends: each city in each year, the same definitions
    trends = figures(report(run, "trends", "--by", "city", "--min-n", "1"))
    per_year: dict[str, list[dict[str, Any]]] = defaultdict(list)
    years = {row[0]: row[1] for row in session.execute(text("SELECT reference, year FROM cases"))}
    for c in cases:
        per_year[f"{c['city_code']}/{years[c['reference']]}"].append(c)
    assert per_year
    for key, members in per_year.items():
        base = [c for c in members if (c["tenders_received"] or 0) >= 1]
        figure = trends[key]["single_bid_rate"]
        assert figure["n"] == len(base), key
        if base:
            close(figure["value"], sum(1 for c in base if c["tenders_received"] == 1) / len(base))


def test_ppp_views_match_an_independent_recomputation(
    session: Session, run: Callable[..., Result]
) -> None:
    seed_cases(session)
    rows = session.execute(
        text("SELECT ppp_model, ppp_status, private_finance_share FROM ppp_details")
    ).all()
    data = report(run, "ppp", "--min-n", "1")
    health = next(
        t for s in data["sections"] for t in s.get("tables", []) if t["name"] == "ppp_health"
    )
    for row in health["rows"]:
        model = [r for r in rows if r[0] == row["ppp_model"]]
        n = sum(1 for r in model if r[1] is not None)
        assert row["n"] == n
        for side in ("cancelled", "distressed"):
            k = sum(1 for r in model if r[1] == side)
            close(row[f"{side}_share"], k / n)
            close(row[f"{side}_ci95_low"], wilson(k, n)[0])
            close(row[f"{side}_ci95_high"], wilson(k, n)[1])
        private = [float(r[2]) for r in model if r[2] is not None]
        close(row["private_finance_mean"], statistics.fmean(private))
