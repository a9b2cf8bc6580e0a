"""The report commands end to end: formats, coverage, escaping, thresholds, templates."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.cases.fields import DEMO_PUBLISHER
from procurement.cases.store import update as store
from procurement.reporting import charts, templates_dir
from procurement.reporting.render import html_environment, markdown_environment
from tests.helpers import SCRIPT_TITLE, assert_ok, build_dataset, case_data, import_sek_rate


def test_compare_html_is_self_contained_with_charts_and_coverage(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    build_dataset(session)
    import_sek_rate(run, tmp_path)
    out = tmp_path / "compare.html"
    result = assert_ok(run("report", "compare", "--by", "city", "--output", str(out)))
    assert result.output == f"wrote {out}\n"
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    # self-contained: no script, no external resource
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "<link" not in html
    assert "@page" in html and "@media print" in html
    assert html.count("<svg ") == 9  # two charts per section, one for speed
    # coverage
    for text in ("Filters", "none (all cases)", "Cases</dt><dd>6", "Data as of", "Generated at"):
        assert text in html
    assert "Exchange rates</dt><dd>ECB euro reference rates" in html
    assert "1 user-added rates take precedence" in html
    assert "Glossary" in html and "(final_value − awarded_value) / awarded_value" in html
    # Riga's two cases are below the threshold: words, not numbers
    riga = html[html.index("Riga (RIX)") : html.index("</tr>", html.index("Riga (RIX)"))]
    assert "insufficient data" in riga
    assert "%" not in riga
    assert "Fictional" not in html


def test_filters_are_reported_and_applied(session: Session, run: Callable[..., Result]) -> None:
    build_dataset(session)
    result = assert_ok(
        run("report", "compare", "--city", "hel", "--year", "2024", "--format", "json")
    )
    report = json.loads(result.output)
    assert report["coverage"]["filters"] == {"city": ["HEL"], "year": [2024]}
    assert report["coverage"]["cases"] == 4
    keys = [g["key"] for g in report["sections"][0]["tables"][0]["groups"]]
    assert keys == ["HEL"]


def test_hostile_case_text_is_escaped_in_html_and_markdown(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    refs = build_dataset(session)
    html = assert_ok(run("report", "case", refs["F"])).output
    assert SCRIPT_TITLE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>markup</b>" not in html
    assert "<script" not in html.lower()

    md = assert_ok(run("report", "case", refs["F"], "--format", "md")).output
    assert "<script" not in md.lower() and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    # Markdown syntax in case text is inert: stars, pipes, underscores escaped
    assert r"\*stars\*" in md
    assert r"\| pipes # and \_underscores\_" in md

    best = tmp_path / "best.md"
    assert_ok(run("report", "best-practice", "--format", "md", "--output", str(best)))
    text = best.read_text()
    assert "<script" not in text.lower()
    assert f"{refs['A']}: " in text and f"{refs['F']}: " in text


def test_markdown_report_writes_svg_charts_beside_it(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    build_dataset(session)
    refused = run("report", "compare", "--format", "md")
    assert refused.exit_code == 2
    assert "give --output FILE.md" in refused.output
    out = tmp_path / "wiki" / "compare.md"
    result = assert_ok(run("report", "compare", "--format", "md", "--output", str(out)))
    written = [Path(line.removeprefix("wrote ")) for line in result.output.splitlines()]
    assert written[0] == out
    svgs = written[1:]
    assert len(svgs) == 9 and all(p.parent == out.parent and p.suffix == ".svg" for p in svgs)
    text = out.read_text()
    for svg in svgs:
        assert f"]({svg.name})" in text
        assert svg.read_text().startswith("<svg ")
    assert "_insufficient data_" in text
    assert "| Cases | 6 |" in text


def test_csv_carries_the_numbers_behind_every_table(
    session: Session, run: Callable[..., Result]
) -> None:
    build_dataset(session)
    result = assert_ok(run("report", "compare", "--by", "city", "--format", "csv"))
    rows = list(csv.DictReader(io.StringIO(result.output)))
    by = {(r["table"], r["group"], r["indicator"]): r for r in rows}
    single = by[("competition", "HEL", "single_bid_rate")]
    assert (single["value"], single["n"], single["status"]) == ("0.25", "4", "calculated")
    rix = by[("speed", "RIX", "time_to_award")]
    assert (rix["value"], rix["n"], rix["status"]) == ("", "2", "insufficient-data")
    assert by[("speed", "HEL", "time_to_award")]["median"] == "30.0"

    ppp = assert_ok(run("report", "ppp", "--format", "csv", "--min-n", "1")).output
    rows = list(csv.DictReader(io.StringIO(ppp)))
    risk = [
        r for r in rows if r["table"] == "risk_allocation" and r["group"] == "construction/dbfo"
    ]
    assert {r["indicator"]: r["value"] for r in risk} == {
        "public_share": "0.5",
        "private_share": "0.5",
        "shared_share": "0.0",
    }


def test_best_practice_pages_and_contacts(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    refs = build_dataset(session)
    report = json.loads(assert_ok(run("report", "best-practice", "--format", "json")).output)
    pages = [c for s in report["sections"] for c in s.get("cases", [])]
    assert [p["reference"] for p in pages] == sorted([refs["A"], refs["F"]])
    page_a = next(p for p in pages if p["reference"] == refs["A"])
    assert "contact_name" not in page_a
    assert page_a["cost_overrun"] == 0.1
    assert page_a["schedule_delay_days"] == 30
    assert page_a["kpis"][0]["attainment"] == 0.8
    assert any("--include-contacts" in n for n in report["notes"])

    html = assert_ok(run("report", "best-practice", "--city", "HEL")).output
    assert "Aino Virtanen" not in html
    for heading in ("Challenge", "Approach", "PPP model", "Outcome", "Lessons learned"):
        assert f"<h3>{heading}</h3>" in html
    assert "Talk to the market early." in html and "Design-build-finance-operate" in html
    with_contacts = assert_ok(
        run("report", "best-practice", "--city", "HEL", "--include-contacts")
    ).output
    assert "Aino Virtanen" in with_contacts and "aino@example.org" in with_contacts


def test_case_report_for_any_case_and_unknown_reference(
    session: Session, run: Callable[..., Result]
) -> None:
    refs = build_dataset(session)
    data = json.loads(assert_ok(run("report", "case", refs["D"], "--format", "json")).output)
    page = data["sections"][0]["cases"][0]
    assert page["reference"] == refs["D"] and page["currency"] == "SEK"
    assert data["coverage"]["cases"] == 1
    missing = run("report", "case", "HEL-1999-999")
    assert missing.exit_code == 2
    assert missing.output == (
        "Error: no case 'HEL-1999-999'; list cases with `procurement case list`\n"
    )


def test_reports_say_prominently_when_data_are_fictional(
    session: Session, run: Callable[..., Result]
) -> None:
    store.add_case(
        session=session,
        data=case_data(),
        user="tester",
        provenance={"source_publisher": DEMO_PUBLISHER, "origin": "imported"},
    )
    session.commit()
    html = assert_ok(run("report", "compare")).output
    banner = '<p class="demo" role="alert"><strong>Fictional illustrative data: 1 of the 1 cases'
    assert banner in html
    assert html.index(banner) < html.index("<h1>")
    report = json.loads(assert_ok(run("report", "ppp", "--format", "json")).output)
    assert report["fictional_data"] is True and report["coverage"]["demo_cases"] == 1
    md = assert_ok(run("report", "case", "HEL-2025-001", "--format", "md")).output
    assert md.startswith("> **Fictional illustrative data: 1 of the 1 cases")
    assert "_Fictional demo case._" in md


def test_empty_registry_reports_render(run: Callable[..., Result]) -> None:
    html = assert_ok(run("report", "compare", "--by", "ppp-model")).output
    assert "No cases match the filters." in html
    assert "<svg" not in html
    ppp = assert_ok(run("report", "ppp")).output
    assert "Nothing to show for these cases." in ppp


def test_output_to_a_folder_is_refused(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("report", "compare", "--output", str(tmp_path))
    assert result.exit_code == 2
    assert "is a directory" in result.output or "is a folder" in result.output


def test_every_template_renders() -> None:
    """Each template in the folder compiles in its environment (warehouse's habit)."""
    folder = templates_dir()
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert {"report.html", "report.md", "report.css", "_case.html", "_case.md"} <= set(names)
    html_env, md_env = html_environment(), markdown_environment()
    for name in names:
        env = md_env if name.endswith(".md") else html_env
        env.get_template(name)
    assert html_env.autoescape is not False
    assert md_env.autoescape is False


def test_charts_are_deterministic_svg_with_text() -> None:
    from procurement.analysis.catalogue import INDICATOR_BY_NAME
    from procurement.analysis.statistics import GroupResult, Stat

    ind = INDICATOR_BY_NAME["single_bid_rate"]
    groups = [
        GroupResult("HEL", "Helsinki (HEL)", 4, {ind.name: Stat(0.25, 4, "calculated")}),
        GroupResult("RIX", "Riga (RIX)", 2, {ind.name: Stat(None, 2, "insufficient-data")}),
    ]
    first = charts.bar_chart("t", groups, ind)
    assert first == charts.bar_chart("t", groups, ind)
    assert first.startswith("<svg ") and "<text" in first
    assert "n=4" in first and "insufficient data (n=2)" in first
    assert "<dc:date>" not in first
    ids = re.findall(r'id="([^"]+)"', first)
    assert ids and all(i.startswith("t-") for i in ids)


@pytest.mark.parametrize("command", ["compare", "ppp", "best-practice", "case"])
def test_every_report_command_has_help_with_an_example(command: str) -> None:
    from click.testing import CliRunner

    from procurement.cli import cli

    result = assert_ok(CliRunner().invoke(cli, ["report", command, "--help"]))
    assert "procurement report" in result.output
