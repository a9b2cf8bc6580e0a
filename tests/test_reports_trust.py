"""Issue 15, "Reports analysts can trust": each numbered defect, as an analyst would check it.

Every test builds its cases through the library, runs the real CLI and reads the report the
way an analyst would: the JSON's figures, the HTML's text, the files on disk.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.cases.store.update import add_case, set_outcome, set_ppp
from tests.helpers import assert_ok, build_dataset, case_data

README = Path(__file__).resolve().parent.parent / "README.md"


def report_json(run: Callable[..., Result], *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(assert_ok(run("report", *args, "--format", "json")).output)
    return data


def indicator_tables(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        t["name"]: t
        for s in report["sections"]
        for t in s.get("tables", [])
        if t["kind"] == "indicators"
    }


def group(table: dict[str, Any], key: str) -> dict[str, Any]:
    if key == "all":
        found: dict[str, Any] = table["all_cases"]["indicators"]
        return found
    chosen: dict[str, Any] = next(g for g in table["groups"] if g["key"] == key)["indicators"]
    return chosen


def add(session: Session, **fields: Any) -> str:
    return add_case(session=session, data=case_data(**fields), user="t").reference


# ------------------------------------------------------------------------------ 1. --search


@pytest.mark.parametrize("fmt", ["json", "csv", "html", "md"])
def test_search_filters_compare_and_ppp_reports(
    session: Session, run: Callable[..., Result], tmp_path: Path, fmt: str
) -> None:
    refs = build_dataset(session)
    # "Talk to the market early." is A's lesson learned; the search also reads titles.
    for command in (("compare", "--by", "city"), ("ppp",)):
        out = tmp_path / f"{command[0]}.{fmt}"
        result = run("report", *command, "--search", "market early", "--format", fmt, "-o", out)
        assert_ok(result)
        text = out.read_text()
        if fmt == "json":
            report = json.loads(text)
            assert report["coverage"]["cases"] == 1
            assert report["coverage"]["filters"]["search"] == "market early"
        elif fmt == "html":
            assert "Cases</dt><dd>1</dd>" in text
    assert refs["A"]


# ------------------------------------------------------- 2. delivered contracts only, counted


def test_cost_overrun_and_delay_compare_completed_contracts_only(
    session: Session, run: Callable[..., Result]
) -> None:
    # A PPP in implementation (ends 2044) with an interim "final" value far below its award:
    # counted, it would make PPPs look cheap.
    for i in range(3):
        ref = add(
            session, status="completed", awarded_value="1000", contract_end_planned="2025-12-31"
        )
        set_outcome(
            session=session,
            reference=ref,
            data={"final_value": str(1100 + 10 * i), "completed_on": f"2026-01-{10 + i}"},
            user="t",
        )
        set_ppp(session=session, reference=ref, data={"ppp_model": "dbfo"}, user="t")
    running = add(
        session, status="implementation", awarded_value="1000", contract_end_planned="2044-06-30"
    )
    set_outcome(
        session=session,
        reference=running,
        data={"final_value": "500", "completed_on": "2026-02-01"},
        user="t",
    )
    set_ppp(session=session, reference=running, data={"ppp_model": "dbfo"}, user="t")
    session.commit()

    report = report_json(run, "ppp")
    ppp = group(indicator_tables(report)["ppp_vs_traditional"], "ppp")
    # 0.10, 0.11, 0.12: the running contract's −50 % is left out, and counted
    assert ppp["cost_overrun"]["n"] == 3
    assert ppp["cost_overrun"]["value"] == pytest.approx(0.11)
    assert ppp["cost_overrun"]["left_out"] == 1
    assert ppp["schedule_delay"]["n"] == 3 and ppp["schedule_delay"]["left_out"] == 1
    notes = " ".join(report["notes"])
    assert "Cost overrun: 1 cases left out" in notes and "not completed" in notes
    html = assert_ok(run("report", "ppp")).output
    assert "1 left out" in html

    page = report_json(run, "case", running)["sections"][0]["cases"][0]
    assert page["cost_overrun"] is None and page["cost_overrun_interim"] == -0.5
    html = assert_ok(run("report", "case", running)).output
    assert "interim: contract not completed" in html


# -------------------------------------------------------------------------- 3. KPI direction


def test_kpi_attainment_follows_direction_and_counts_unscored(
    session: Session, run: Callable[..., Result]
) -> None:
    refs = []
    kpis = [
        # lower is better: 100 t down to a target of 50; 40 t achieved: beyond the target
        "emissions=40:t:100:50",
        # higher is better: 0 up to 100; 80 achieved
        "users=80:k:0:100",
        # target equal to the baseline: cannot be scored
        "uptime=99:%:99:99",
        # no baseline: the direction is unknown: cannot be scored
        "noise=40:dB::50",
    ]
    for text in kpis:
        ref = add(session, status="completed")
        set_outcome(session=session, reference=ref, data={"kpis": text}, user="t")
        refs.append(ref)
    session.commit()
    table = indicator_tables(report_json(run, "compare", "--min-n", "1"))["innovation"]
    kpi = group(table, "all")["kpi_attainment"]
    # (40 − 100) / (50 − 100) = 1.2 and (80 − 0) / (100 − 0) = 0.8
    assert kpi["n"] == 2
    assert kpi["value"] == pytest.approx(1.0)
    assert kpi["max"] == pytest.approx(1.2)
    assert kpi["left_out"] == 2  # shown, not silently dropped
    page = report_json(run, "case", refs[0])["sections"][0]["cases"][0]
    assert page["kpis"][0]["attainment"] == 1.2
    html = assert_ok(run("report", "case", refs[2])).output
    assert "cannot be scored" in html
    report = report_json(run, "compare", "--min-n", "1")
    assert any("KPI attainment: 2 cases whose KPIs cannot be scored" in n for n in report["notes"])


# --------------------------------------------------------- 4. final amounts at completion rate


def test_final_amount_converts_at_the_completion_dates_rate(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text(
        "currency,date,units_per_eur,source\n"
        "SEK,2024-04-01,10,Test bank\n"
        "SEK,2025-03-03,12,Test bank\n"
    )
    assert_ok(run("rates", "import", str(rates)))
    ref = add(
        session,
        currency="SEK",
        status="completed",
        tender_published="2024-03-01",
        awarded_on="2024-04-02",
        estimated_value="12000",
        awarded_value="12000",
    )
    set_outcome(
        session=session,
        reference=ref,
        data={"final_value": "12000", "completed_on": "2025-03-04"},
        user="t",
    )
    session.commit()
    table = indicator_tables(report_json(run, "compare", "--min-n", "1"))["money"]
    got = group(table, "HEL")
    assert got["total_awarded_eur"]["value"] == 1200  # 12,000 SEK at 10 per euro (award)
    assert got["total_final_eur"]["value"] == 1000  # 12,000 SEK at 12 per euro (completion)
    html = assert_ok(run("report", "case", ref)).output
    assert "12\u202f000 SEK (≈ €1\u202f200)" in html
    assert "12\u202f000 SEK (≈ €1\u202f000)" in html


# ----------------------------------------------------------------------- 5. one denominator


def readme_indicator_rows() -> dict[str, str]:
    text = README.read_text()
    start = text.index("| indicator | formula | denominator (n) | section |")
    rows: dict[str, str] = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[2]
    return rows


def test_each_indicator_has_one_denominator_in_readme_glossary_and_json(
    session: Session, run: Callable[..., Result]
) -> None:
    build_dataset(session)
    report = report_json(run, "compare", "--min-n", "1")
    glossary = {g["name"]: g for g in report["glossary"]}
    readme = readme_indicator_rows()
    assert set(readme) == set(glossary)
    for name, entry in glossary.items():
        assert entry["denominator"], name
        assert readme[name] == entry["denominator"].replace("|", "\\|"), name
    html = assert_ok(run("report", "compare")).output
    assert "n counts: cases with tenders_received ≥ 1" in html
    # The single-bid rate's n is what its denominator says: HEL has 4 cases with ≥ 1 tender;
    # a procedure nobody bid on is not in it, but it is in tenders per procedure.
    zero = add(session, tenders_received=0, sme_tenders=None)
    session.commit()
    table = indicator_tables(report_json(run, "compare", "--min-n", "1"))["competition"]
    hel = group(table, "HEL")
    assert zero and hel["single_bid_rate"]["n"] == 4 and hel["tenders_per_procedure"]["n"] == 5


# -------------------------------------------------------------------------- 6. round once


def test_a_figure_reads_the_same_on_every_page(
    session: Session, run: Callable[..., Result]
) -> None:
    # (988,451 − 1,000,000) / 1,000,000 = −0.011549: −1.2 % rounded once; −0.0115 first
    # rounded to four places, then to one, gives −1.1 %.
    ref = add(session, status="completed", awarded_value="1000000")
    set_outcome(session=session, reference=ref, data={"final_value": "988451"}, user="t")
    set_ppp(
        session=session, reference=ref, data={"ppp_model": "dbfo", "vfm_percent": "5"}, user="t"
    )
    session.commit()
    case_html = assert_ok(run("report", "case", ref)).output
    ppp_html = assert_ok(run("report", "ppp", "--min-n", "1")).output
    assert "<dt>Cost overrun</dt><dd>-1.2 %</dd>" in case_html
    vfm = ppp_html[ppp_html.index("Value for money claimed at award against") :]
    assert "<td>-1.2 %</td>" in vfm and "-1.1 %" not in vfm
    # JSON keeps the stored value to four places, rounded from the full value once
    page = report_json(run, "case", ref)["sections"][0]["cases"][0]
    assert page["cost_overrun"] == -0.0115


# ------------------------------------------------------------------------ 7. risk heat map


def test_risk_heat_map_tells_shared_from_public_and_names_models(
    session: Session, run: Callable[..., Result]
) -> None:
    for risks in ("construction=shared", "construction=public"):
        ref = add(session)
        set_ppp(session=session, reference=ref, data={"ppp_model": "bto", "risks": risks}, user="t")
    session.commit()
    html = assert_ok(run("report", "ppp", "--min-n", "1")).output
    svg = html[html.index('aria-label="risk-heat-map"') :]
    svg = svg[: svg.index("</svg>")]
    texts = re.findall(r">([^<>]+)</text>", svg)
    # long names are wrapped on several lines, each a text of its own
    assert "Build-transfer-operate" in "".join(t.strip() for t in texts)
    assert not any(t.strip() == "bto" for t in texts)
    # one case shares the risk, one puts it on the public side: half-way between public (0)
    # and shared (50) -> 25; drawn as the public share alone it would read 0.
    assert "25" in [t.strip() for t in texts]
    table = assert_ok(run("report", "ppp", "--min-n", "1", "--format", "json")).output
    rows = next(
        t
        for s in json.loads(table)["sections"]
        for t in s.get("tables", [])
        if t["name"] == "risk_allocation"
    )["rows"]
    assert rows[0]["shared_share"] == 0.5 and rows[0]["public_share"] == 0.5
    assert "Build-transfer-operate" in html[html.index("Risk allocation by PPP model") :]


# -------------------------------------------------------------------- 8. file permissions


def test_report_files_get_the_permissions_the_umask_gives(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    build_dataset(session)
    previous = os.umask(0o022)
    try:
        for fmt in ("html", "json", "csv", "md"):
            out = tmp_path / f"compare.{fmt}"
            assert_ok(run("report", "compare", "--format", fmt, "--output", str(out)))
            assert stat.S_IMODE(out.stat().st_mode) == 0o644, fmt
        svgs = list(tmp_path.glob("compare-*.svg"))
        assert svgs and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in svgs)
    finally:
        os.umask(previous)


# ------------------------------------------------------------- 11. median first, readable


def test_median_first_money_shortened_kpis_as_entered(
    session: Session, run: Callable[..., Result]
) -> None:
    refs = build_dataset(session)
    html = assert_ok(run("report", "compare", "--by", "city")).output
    speed = html[html.index('<section id="speed">') :]
    hel = speed[speed.index("Helsinki (HEL)") :]
    hel = hel[: hel.index("</tr>")]
    # time to award in HEL: 60 10 30 30 days: median 30 first, the mean 32.5 beside it
    cell = re.search(r'<span class="value">(median 30 days)</span><span class="detail">(.*?)<', hel)
    assert cell, hel
    assert cell.group(2).startswith("mean 33 days")
    big = add(session, awarded_value="469387000", estimated_value="500000000")
    set_outcome(session=session, reference=big, data={"kpis": "visits=5334:k:4000:5000"}, user="t")
    session.commit()
    html = assert_ok(run("report", "compare", "--by", "city")).output
    # HEL awarded in euro: 469,387,000 + 800 + 2,000 + 600 (D's SEK has no rate here)
    assert "€469.4 M" in html
    assert "469\u202f390" not in html and "469 390" not in html
    page = assert_ok(run("report", "case", big)).output
    assert ">5334<" in page and ">4000<" in page and "5334.0000" not in page
    assert refs


# ---------------------------------------------------------------- CSV carries the intervals


def test_csv_and_json_carry_intervals(session: Session, run: Callable[..., Result]) -> None:
    build_dataset(session)
    rows = list(
        csv.DictReader(io.StringIO(assert_ok(run("report", "compare", "--format", "csv")).output))
    )
    single = next(r for r in rows if r["group"] == "HEL" and r["indicator"] == "single_bid_rate")
    # Wilson, 1 of 4: centre (0.25 + 1.9208/4) / (1 + 3.8415/4), etc.
    assert float(single["ci95_low"]) == pytest.approx(0.0456, abs=1e-4)
    assert float(single["ci95_high"]) == pytest.approx(0.6994, abs=1e-4)
    assert single["ci95_of"] == "share"
