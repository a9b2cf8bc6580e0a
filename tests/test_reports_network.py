"""Issue 15, what analysts compare cities with: the network view (all-cities value, rank,
bands), drill-down to the cases, trends over the years, per-inhabitant amounts."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.helpers import assert_ok, build_dataset


def tables(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for s in report["sections"] for t in s.get("tables", [])}


def test_network_view_ranks_and_bands_each_city(
    session: Session, run: Callable[..., Result]
) -> None:
    build_dataset(session)
    report = json.loads(
        assert_ok(run("report", "compare", "--min-n", "1", "--format", "json")).output
    )
    competition = tables(report)["competition"]
    by_key = {g["key"]: g["indicators"]["single_bid_rate"] for g in competition["groups"]}
    # HEL 1 of 4 = 25 %, RIX 1 of 2 = 50 %: HEL ranks first; both above 20 %: red
    assert (by_key["HEL"]["rank"], by_key["RIX"]["rank"]) == (1, 2)
    assert by_key["HEL"]["band"] == "red" and by_key["RIX"]["band"] == "red"
    assert competition["all_cases"]["indicators"]["single_bid_rate"]["band"] == "red"
    assert any("Single Market Scoreboard" in n and "green ≤ 10 %" in n for n in report["notes"])
    # thresholds are configurable
    wider = json.loads(
        assert_ok(
            run(
                "report",
                "compare",
                "--min-n",
                "1",
                "--format",
                "json",
                "--band",
                "single_bid_rate=30%:60%",
            )
        ).output
    )
    groups = tables(wider)["competition"]["groups"]
    bands = {g["key"]: g["indicators"]["single_bid_rate"]["band"] for g in groups}
    assert bands == {"HEL": "green", "RIX": "amber"}
    html = assert_ok(run("report", "compare", "--min-n", "1")).output
    assert '<span class="band band-red">red</span>' in html and "rank 1 of 2" in html
    bad = run("report", "compare", "--band", "single_bid_rate=high")
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1
    assert "NAME=GREEN:AMBER" in bad.output


def test_drill_down_lists_the_cases_behind_each_figure(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    refs = build_dataset(session)
    data = json.loads(
        assert_ok(
            run("report", "compare", "--min-n", "1", "--with-cases", "--format", "json")
        ).output
    )
    hel = next(g for g in tables(data)["speed"]["groups"] if g["key"] == "HEL")
    assert hel["indicators"]["time_to_award"]["cases"] == sorted(
        refs[k] for k in ("A", "B", "C", "D")
    )
    delivery = next(g for g in tables(data)["delivery"]["groups"] if g["key"] == "HEL")
    # only A and B are completed with both dates
    assert delivery["indicators"]["schedule_delay"]["cases"] == sorted([refs["A"], refs["B"]])
    rows = list(
        csv.DictReader(
            io.StringIO(
                assert_ok(
                    run("report", "compare", "--min-n", "1", "--with-cases", "--format", "csv")
                ).output
            )
        )
    )
    row = next(r for r in rows if r["group"] == "RIX" and r["indicator"] == "single_bid_rate")
    assert row["cases"] == ";".join(sorted([refs["E"], refs["F"]]))
    without = json.loads(assert_ok(run("report", "compare", "--format", "json")).output)
    assert "cases" not in tables(without)["speed"]["groups"][0]["indicators"]["time_to_award"]
    html = assert_ok(run("report", "compare", "--with-cases")).output
    assert f'<a href="case-{refs["A"]}.html">{refs["A"]}</a>' in html


def test_trends_follow_each_city_over_the_years(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    build_dataset(session)
    years: dict[str, int] = dict(session.execute(text("SELECT reference, year FROM cases")).all())
    data = json.loads(assert_ok(run("report", "trends", "--min-n", "1", "--format", "json")).output)
    keys = {g["key"] for g in tables(data)["competition"]["groups"]}
    assert keys == {f"{ref[:3]}/{year}" for ref, year in years.items()}
    same = json.loads(
        assert_ok(
            run("report", "compare", "--over", "year", "--min-n", "1", "--format", "json")
        ).output
    )
    assert tables(same)["competition"]["groups"] == tables(data)["competition"]["groups"]
    out = tmp_path / "trends.html"
    assert_ok(run("report", "trends", "--output", str(out)))
    page = out.read_text()
    assert "Trends by city over the years" in page
    assert len(re.findall(r"<svg ", page)) >= 5
    assert "Helsinki (HEL) 2024" in page
    refused = run("report", "trends", "--by", "year")
    assert refused.exit_code == 2


def test_per_inhabitant_amounts_use_the_cities_population(
    session: Session, run: Callable[..., Result]
) -> None:
    build_dataset(session)
    population = session.execute(text("SELECT population FROM cities WHERE code = 'HEL'")).scalar()
    data = json.loads(
        assert_ok(run("report", "compare", "--min-n", "1", "--format", "json")).output
    )
    row = next(r for r in tables(data)["per_capita"]["rows"] if r["city"] == "Helsinki (HEL)")
    awarded = next(g for g in tables(data)["money"]["groups"] if g["key"] == "HEL")["indicators"][
        "total_awarded_eur"
    ]["value"]
    assert row["population"] == population
    assert row["total_awarded_eur_per_capita"] == round(awarded / population, 4)
