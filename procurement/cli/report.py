"""`procurement report`: comparison reports, PPP analysis, best-practice and case summaries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from procurement.cli.context import AppContext, pass_app
from procurement.cli.filters import case_filter_options
from procurement.cli.output import include_contacts_option

if TYPE_CHECKING:
    from procurement.cases.query import CaseFilter
    from procurement.reporting.model import Report

F = TypeVar("F", bound=Callable[..., Any])
CHART_FORMATS = ("html", "md")  # csv and json carry the numbers only
BY_CHOICES = ("city", "procedure", "innovation", "sector", "year", "ppp-model")


def output_options(func: F) -> F:
    """``--format html|md|csv|json`` and ``--output FILE``."""
    func = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to FILE instead of standard output (Markdown: charts go beside it).",
    )(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["html", "md", "csv", "json"]),
        default="html",
        show_default=True,
        help="html: one self-contained page; md: Markdown for wikis (needs --output); "
        "csv/json: the numbers behind every table.",
    )(func)


def with_cases_option(func: F) -> F:
    return click.option(
        "--with-cases",
        is_flag=True,
        help="Drill-down: each figure lists the references of the cases it rests on "
        "(JSON/CSV: a 'cases' list; HTML: linked references under each table).",
    )(func)


def min_n_option(func: F) -> F:
    return click.option(
        "--min-n",
        type=click.IntRange(min=1),
        default=3,
        show_default=True,
        help="Fewest cases a figure is computed from; smaller groups show 'insufficient data'.",
    )(func)


def _emit(report: Report, fmt: str, output: Path | None) -> None:
    from procurement.reporting import write_report

    text, files = write_report(report, fmt, output)
    if text is not None:
        click.echo(text, nl=False)
    for path in files:
        click.echo(f"wrote {path}", err=True)


@click.group()
def report() -> None:
    """Reports for analysts: compare outcomes, PPP models, best practice.

    \b
    Examples:
      procurement report compare --by city --output compare.html
      procurement report compare --by procedure --year 2025 --format json
      procurement report trends --by city --output trends.html
      procurement report ppp --format md --output ppp.md
      procurement report best-practice --city HEL --output best.html
      procurement report case HEL-2025-001 --format md
    """


@report.command()
@click.option(
    "--by",
    type=click.Choice(BY_CHOICES),
    default="city",
    show_default=True,
    help="Group the cases by this field.",
)
@click.option(
    "--over",
    type=click.Choice(["year"]),
    help="Each group over the years (the same as `report trends --by ...`).",
)
@click.option(
    "--band",
    "bands",
    multiple=True,
    metavar="NAME=GREEN:AMBER",
    help="Thresholds of an indicator's bands, e.g. single_bid_rate=10%:20% (repeatable; "
    "defaults: the Single Market Scoreboard's for single_bid_rate and no_call_share).",
)
@case_filter_options
@with_cases_option
@min_n_option
@output_options
@pass_app
def compare(
    app: AppContext,
    by: str,
    over: str | None,
    bands: tuple[str, ...],
    flt: CaseFilter,
    with_cases: bool,
    min_n: int,
    fmt: str,
    output: Path | None,
) -> None:
    """Compare competition, speed, money, delivery, innovation, red flags and the
    completeness of the data across groups of cases, with each group's rank and band.

    With --by innovation a case with several approaches counts in each approach's group.

    \b
    Examples:
      procurement report compare --by city --output compare.html
      procurement report compare --by year --sector transport --format csv
      procurement report compare --by city --over year --output trends.html
      procurement report compare --by city --with-cases --format json
    """
    from procurement.reporting import build_compare, build_trends
    from procurement.reporting.network import parse_bands

    parsed = parse_bands(bands)
    with app.read_session() as session:
        if over == "year":
            built = build_trends(
                session=session,
                flt=flt,
                by=by,
                min_n=min_n,
                draw=fmt in CHART_FORMATS,
                with_cases=with_cases,
            )
        else:
            built = build_compare(
                session=session,
                flt=flt,
                by=by,
                min_n=min_n,
                draw=fmt in CHART_FORMATS,
                with_cases=with_cases,
                bands=parsed,
            )
    _emit(built, fmt, output)


@report.command()
@click.option(
    "--by",
    type=click.Choice([b for b in BY_CHOICES if b != "year"]),
    default="city",
    show_default=True,
    help="Follow each group of this field over the years.",
)
@case_filter_options
@with_cases_option
@min_n_option
@output_options
@pass_app
def trends(
    app: AppContext,
    by: str,
    flt: CaseFilter,
    with_cases: bool,
    min_n: int,
    fmt: str,
    output: Path | None,
) -> None:
    """Each indicator per city (or other group) over the years: small multiples and figures.

    \b
    Examples:
      procurement report trends --output trends.html
      procurement report trends --by procedure --format csv
    """
    from procurement.reporting import build_trends

    with app.read_session() as session:
        built = build_trends(
            session=session,
            flt=flt,
            by=by,
            min_n=min_n,
            draw=fmt in CHART_FORMATS,
            with_cases=with_cases,
        )
    _emit(built, fmt, output)


@report.command()
@case_filter_options
@min_n_option
@output_options
@pass_app
def ppp(app: AppContext, flt: CaseFilter, min_n: int, fmt: str, output: Path | None) -> None:
    """PPP against traditional delivery; by model and payment; risk allocation; value for money.

    \b
    Examples:
      procurement report ppp --output ppp.html
      procurement report ppp --sector transport --format json
    """
    from procurement.reporting import build_ppp

    with app.read_session() as session:
        built = build_ppp(session=session, flt=flt, min_n=min_n, draw=fmt in CHART_FORMATS)
    _emit(built, fmt, output)


@report.command("best-practice")
@case_filter_options
@include_contacts_option
@output_options
@pass_app
def best_practice(
    app: AppContext, flt: CaseFilter, include_contacts: bool, fmt: str, output: Path | None
) -> None:
    """One-page summaries of the cases flagged as best practice.

    \b
    Examples:
      procurement report best-practice --output best-practice.html
      procurement report best-practice --city RIX --format md --output rix.md
    """
    from procurement.reporting import build_best_practice

    with app.read_session() as session:
        built = build_best_practice(session=session, flt=flt, include_contacts=include_contacts)
    _emit(built, fmt, output)


@report.command("case")
@click.argument("reference")
@include_contacts_option
@output_options
@pass_app
def case_(
    app: AppContext, reference: str, include_contacts: bool, fmt: str, output: Path | None
) -> None:
    """The one-page summary of one case (challenge, approach, PPP, outcome, lessons).

    \b
    Examples:
      procurement report case HEL-2025-001 --output HEL-2025-001.html
      procurement report case HEL-2025-001 --format md
    """
    from procurement.reporting import build_case

    with app.read_session() as session:
        built = build_case(session=session, reference=reference, include_contacts=include_contacts)
    _emit(built, fmt, output)
