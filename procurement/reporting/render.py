"""Reports written as HTML, Markdown, CSV or JSON.

HTML: one self-contained file (inline CSS, inline SVG charts, no script, no external request).
Markdown: for wikis; charts are SVG files written beside the ``.md`` file. CSV: the numbers
behind every table in one long table. JSON: the report's content with each indicator's value,
n and status.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from procurement.analysis.catalogue import INDICATOR_BY_NAME
from procurement.analysis.statistics import GroupResult
from procurement.cases.formats import write_csv
from procurement.core.errors import BadInput, ProcurementError
from procurement.core.files import atomic_path
from procurement.reporting import formatting
from procurement.reporting.model import CasePage, Chart, IndicatorTable, Report, Table, figure

FORMATS = ("html", "md", "csv", "json")


def templates_dir() -> Path:
    """The report templates: inside the installed wheel, else the checkout's ``reports/``."""
    packaged = Path(str(resources.files("procurement"))) / "_reports" / "templates"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent.parent / "reports" / "templates"
    if checkout.is_dir():
        return checkout
    raise ProcurementError("the report templates are missing: reinstall the procurement package")


def _common(env: Environment) -> Environment:
    env.filters.update(
        stat_main=formatting.stat_main,
        stat_detail=formatting.stat_detail,
        cell=formatting.cell,
        percent=formatting.percent,
        number=formatting.number,
    )
    env.globals.update(
        is_table=lambda b: isinstance(b, Table),
        is_indicators=lambda b: isinstance(b, IndicatorTable),
        is_chart=lambda b: isinstance(b, Chart),
        is_case=lambda b: isinstance(b, CasePage),
        demo_note=demo_note,
        table_cells=table_cells,
        indicator=INDICATOR_BY_NAME.__getitem__,
    )
    return env


def html_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["svg"] = lambda chart: Markup(chart.svg)  # drawn by us, text escaped by matplotlib
    return _common(env)


def markdown_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=formatting.md, md_block=formatting.md_block)
    return _common(env)


def demo_note(report: Report) -> str:
    cov = report.coverage
    return (
        f"Fictional illustrative data: {cov.demo_cases} of the {cov.cases} cases in this report "
        "come from the demo data set (procurement demo). They describe no real procurement."
    )


def table_cells(table: Table) -> list[list[str | None]]:
    """Each row's cell texts in column order; None for a share with insufficient data.

    Formatted here rather than cell by cell in the template: a table may have thousands of rows.
    """
    keys = [key for key, _ in table.columns]
    shares = [key.endswith("_share") for key in keys]
    rows: list[list[str | None]] = []
    for row in table.rows:
        insufficient = row.get("status") == "insufficient-data"
        rows.append(
            [
                None if insufficient and share else formatting.cell(row.get(key), key)
                for key, share in zip(keys, shares, strict=True)
            ]
        )
    return rows


def rows_of(table: IndicatorTable) -> list[GroupResult]:
    return [*table.groups, *([table.overall] if table.overall else [])]


def render_html(report: Report) -> str:
    template = html_environment().get_template("report.html")
    return template.render(report=report, rows_of=rows_of)


def chart_file_name(stem: str, chart: Chart) -> str:
    return f"{stem}-{chart.name}.svg"


def render_markdown(report: Report, *, stem: str) -> str:
    template = markdown_environment().get_template("report.md")
    return template.render(
        report=report, rows_of=rows_of, chart_file=lambda c: chart_file_name(stem, c)
    )


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = (
    "table",
    "group",
    "label",
    "indicator",
    "value",
    "n",
    "status",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "ci95_low",
    "ci95_high",
    "ci95_of",
    "left_out",
    "left_out_reason",
    "not_convertible",
    "cases",
)


def _csv_rows(report: Report) -> Iterator[dict[str, Any]]:
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, IndicatorTable):
                for group in rows_of(block):
                    for name, values in group.as_dict(block.indicators)["indicators"].items():
                        if isinstance(values.get("cases"), list):
                            values = {**values, "cases": ";".join(values["cases"])}
                        yield {
                            "table": block.name,
                            "group": group.key,
                            "label": group.label,
                            "indicator": name,
                            **values,
                        }
            elif isinstance(block, Table):
                keys = [k for k, _ in block.columns]
                id_keys = block.key_columns or keys[:1]
                for row in block.rows:
                    row_key = "/".join(str(row.get(k)) for k in id_keys)
                    for key in keys:
                        if key in id_keys or key in ("n", "status"):
                            continue
                        yield {
                            "table": block.name,
                            "group": row_key,
                            "indicator": key,
                            "value": figure(row.get(key)),
                            "n": row.get("n"),
                            "status": row.get("status"),
                        }
            elif isinstance(block, CasePage):
                for key, item in block.data.items():
                    if isinstance(item, list | dict):
                        item = json.dumps(item, ensure_ascii=False)
                    yield {
                        "table": "case",
                        "group": block.reference,
                        "indicator": key,
                        "value": item,
                    }


def render_csv(report: Report) -> str:
    """The numbers behind every table, one figure a row; written by the one CSV writer
    (:func:`procurement.cases.formats.write_csv`: formulas neutralised in every cell)."""
    buffer = io.StringIO()
    write_csv(buffer, CSV_COLUMNS, ([row.get(c) for c in CSV_COLUMNS] for row in _csv_rows(report)))
    return buffer.getvalue()


def _write_atomic(path: Path, text: str) -> None:
    """Write a report file whole or not at all, with the permissions any new file gets
    (not owner-only: a wiki, web server or colleague reads it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="")


def render(report: Report, fmt: str, *, stem: str = "report") -> str:
    if fmt == "html":
        return render_html(report)
    if fmt == "md":
        return render_markdown(report, stem=stem)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "json":
        return render_json(report)
    raise BadInput(f"unknown report format '{fmt}': use one of {', '.join(FORMATS)}")


def write_report(report: Report, fmt: str, output: Path | None) -> tuple[str | None, list[Path]]:
    """Render ``report``; return (text for standard output, or None) and the files written.

    Markdown reports with charts need ``output``: their charts go beside it as SVG files.
    """
    if fmt == "md" and report.charts and output is None:
        raise BadInput(
            "a Markdown report writes its charts as SVG files beside the .md file: "
            "give --output FILE.md"
        )
    if output is not None and output.is_dir():
        raise BadInput(
            f"--output {output} is a folder: give a file name, e.g. {output}/report.{fmt}"
        )
    stem = output.stem if output is not None else report.slug
    text = render(report, fmt, stem=stem)
    if output is None:
        return text, []
    written: list[Path] = []
    if fmt == "md":
        for chart in report.charts:
            path = output.parent / chart_file_name(stem, chart)
            _write_atomic(path, chart.svg + "\n")
            written.append(path)
    _write_atomic(output, text)
    written.insert(0, output)
    return None, written
