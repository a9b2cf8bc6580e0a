"""Issue 15 items 9 and 10: every HTML report on a 390 px phone and a 1366 px laptop in headless
Chromium, and printed on A4.

Headless Chromium will not make its window narrower than 500 px, so each report is loaded into
an iframe of the width under test (a phone's layout viewport: the report's media queries see
the iframe's width) by a test-only page whose script measures the report:
``document.documentElement.scrollWidth`` (no page may be wider than the screen) and the rendered
height of every chart text (legible on the phone). The report itself has no script.
"""

from __future__ import annotations

import html
import json
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.cases.store.update import add_case, set_outcome, set_ppp
from procurement.core import codelists as cl
from tests.helpers import assert_ok, browse, build_dataset, case_data, chromium

FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="report" style="width:%dpx;height:900px;border:0" srcdoc="%s"></iframe>
<script>
document.getElementById("report").addEventListener("load", function () {
  var doc = this.contentDocument, smallest = null;
  doc.querySelectorAll("svg text").forEach(function (t) {
    var box = t.getBoundingClientRect();
    if (box.height > 0 && t.textContent.trim()) {
      smallest = smallest === null ? box.height : Math.min(smallest, box.height);
    }
  });
  var pre = document.createElement("pre");
  pre.id = "probe";
  var first = doc.querySelector(".table-wrap th"), hint = doc.querySelector(".scroll-hint");
  pre.textContent = JSON.stringify({
    scrollWidth: doc.documentElement.scrollWidth,
    firstColumn: first ? getComputedStyle(first).position : null,
    hint: hint ? getComputedStyle(hint).display : null,
    charts: doc.querySelectorAll("svg").length,
    smallestChartText: smallest
  });
  document.body.appendChild(pre);
});
</script></body></html>"""


def measure(page: Path, width: int, tmp_path: Path) -> dict[str, Any]:
    frame = tmp_path / f"frame-{width}-{page.name}"
    frame.write_text(FRAME % (width, html.escape(page.read_text(), quote=True)))
    done = browse(
        frame, tmp_path / "profile-frame", "--window-size=1400,900", "--dump-dom", timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    data: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return data


def print_pdf(page: Path, tmp_path: Path) -> bytes:
    pdf = tmp_path / f"{page.stem}.pdf"
    done = browse(
        page,
        tmp_path / "profile-pdf",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return pdf.read_bytes()


def pdf_pages(page: Path, tmp_path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", print_pdf(page, tmp_path)))


def text_runs(pdf: bytes) -> int:
    """How many text-showing operators the PDF's page contents hold."""
    count = 0
    for found in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", found.end())
        try:
            content = zlib.decompress(pdf[found.end() : end])
        except zlib.error:
            continue
        count += len(re.findall(rb"T[jJ]\b", content))
    return count


def rich_case(session: Session) -> str:
    """A case with everything a summary can show: long texts, a PPP with every risk, KPIs."""
    long_text = " ".join(
        "The city needed to replace an ageing district heating network while cutting "
        "emissions, without a fixed technical solution in mind."
        for _ in range(8)
    )
    ref = add_case(
        session=session,
        data=case_data(
            title="District heating renewal with outcome-based payments and a very long title",
            description=long_text,
            status="completed",
            contract_start="2025-07-01",
            contract_end_planned="2026-06-30",
        ),
        user="t",
    ).reference
    risks = ";".join(
        f"{r.value}={('public', 'private', 'shared')[i % 3]}"
        for i, r in enumerate(cl.RiskCategory)
        if r.value != "all"
    )
    set_ppp(
        session=session,
        reference=ref,
        data={
            "ppp_model": "dbfom",
            "payment_mechanism": "availability",
            "duration_years": 25,
            "capex": "500000000",
            "vfm_percent": "8.5",
            "ppp_status": "active",
            "risks": risks,
        },
        user="t",
    )
    set_outcome(
        session=session,
        reference=ref,
        data={
            "final_value": "1210000",
            "completed_on": "2026-07-15",
            "innovation_achieved": "yes",
            "satisfaction": 4,
            "kpis": ";".join(f"kpi-{i}=5334:MWh/yr:4000:{5000 + i}" for i in range(6)),
            "lessons_learned": long_text,
            "best_practice": True,
            "best_practice_rationale": long_text[:400],
        },
        user="t",
    )
    session.commit()
    return ref


@pytest.mark.chromium
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_report_fits_a_phone_and_a_laptop(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    chromium()
    refs = build_dataset(session)
    rich = rich_case(session)
    pages = {
        "compare-city": ("compare", "--by", "city", "--min-n", "1"),
        "compare-innovation": ("compare", "--by", "innovation", "--min-n", "1"),
        "compare-drill-down": ("compare", "--by", "procedure", "--with-cases"),
        "trends": ("trends", "--by", "city", "--min-n", "1"),
        "ppp": ("ppp", "--min-n", "1"),
        "best-practice": ("best-practice",),
        "case": ("case", rich),
        "case-hostile": ("case", refs["F"]),
    }
    for name, args in pages.items():
        page = tmp_path / f"{name}.html"
        assert_ok(run("report", *args, "--output", str(page)))
        for width in (390, 1366):
            got = measure(page, width, tmp_path)
            assert got["scrollWidth"] <= width, (name, width, got)
            if got["firstColumn"] is not None:
                # a wide table scrolls inside its frame, its first column in view
                assert got["firstColumn"] == "sticky", (name, got)
            if got["hint"] is not None:
                # a table of many columns says on a phone that it scrolls sideways
                assert got["hint"] == ("block" if width == 390 else "none"), (name, got)
            if got["charts"] and width == 390:
                # rendered text box of a 10 px font is about 11.5 px high; 5-7 px is illegible
                assert got["smallestChartText"] >= 10, (name, got)


@pytest.mark.chromium
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_printed_reports_are_compact_and_numbered(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    chromium()
    build_dataset(session)
    rich = rich_case(session)
    case_page = tmp_path / "case.html"
    assert_ok(run("report", "case", rich, "--output", str(case_page)))
    # the one-page summary of a case with every section filled fits on one or two A4 pages
    assert 1 <= pdf_pages(case_page, tmp_path) <= 2
    text = case_page.read_text()
    # pages are numbered by the page's own CSS (the browser's header and footer are off)
    assert re.search(
        r"@page\s*\{[^}]*@bottom-right\s*\{\s*content:\s*\"page \" counter\(page\)", text
    )
    compare = tmp_path / "compare.html"
    assert_ok(run("report", "compare", "--by", "city", "--output", str(compare)))
    # 5 sections of a table and its charts: the charts print beside their tables, not one a page
    assert pdf_pages(compare, tmp_path) <= 8
