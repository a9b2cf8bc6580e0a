"""`report trends` (and `report compare --over year`): each indicator per group (city by
default) over the years, as small multiples and as the figures behind them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from procurement.analysis.catalogue import COMPARE_BY, GROUPINGS, INDICATORS, OVER, SECTIONS
from procurement.analysis.fx import RateBook
from procurement.analysis.indicators import compute
from procurement.analysis.statistics import DEFAULT_MIN_N, GroupResult
from procurement.cases.query import CaseFilter
from procurement.core.errors import BadInput
from procurement.reporting import charts
from procurement.reporting.common import coverage, glossary, notes_for
from procurement.reporting.model import Chart, IndicatorTable, Report, Section

# the indicator of each section drawn over the years
TREND_CHARTS: dict[str, tuple[str, ...]] = {
    "competition": ("single_bid_rate", "tenders_per_procedure"),
    "speed": ("time_to_award",),
    "money": ("cost_overrun",),
    "delivery": ("schedule_delay",),
    "innovation": ("innovation_achieved_share",),
    "red_flags": ("flag_single_bid_non_open",),
    "completeness": ("final_value_share",),
}


def split_key(key: str) -> tuple[str, int | None]:
    """``HEL/2024`` as (``HEL``, 2024)."""
    base, _, year = key.rpartition(OVER)
    try:
        return base, int(year)
    except ValueError:
        return key, None


def build_trends(
    *,
    session: Session,
    flt: CaseFilter,
    by: str = "city",
    min_n: int = DEFAULT_MIN_N,
    rates: RateBook | None = None,
    draw: bool = True,
    with_cases: bool = False,
) -> Report:
    """Every indicator for each group of ``by`` in each year, section by section."""
    if by not in COMPARE_BY or by == "year":
        choices = ", ".join(b for b in COMPARE_BY if b != "year")
        raise BadInput(f"cannot follow '{by}' over the years: use one of {choices}")
    rates = rates or RateBook.from_session(session)
    names = [i.name for i in INDICATORS]
    groups = compute(
        session=session,
        flt=flt,
        by=f"{by}{OVER}year",
        names=names,
        rates=rates,
        min_n=min_n,
        with_cases=with_cases,
    )
    grouping = GROUPINGS[by]
    labels = grouping.labels(session)
    for g in groups:
        base, year = split_key(g.key)
        g.label = f"{labels.get(base, base)} {year}"
    groups.sort(key=lambda g: split_key(g.key))
    cov = coverage(session=session, flt=flt, rates=rates, min_n=min_n, by=f"{by} over year")
    sections: list[Section] = []
    for key, title, section_names in SECTIONS:
        blocks: list[Any] = []
        if groups and draw:
            for indicator in TREND_CHARTS.get(key, ()):
                blocks.append(_chart(by, indicator, groups, labels))
        blocks.append(
            IndicatorTable(
                name=key,
                title=f"{title} by {grouping.title.lower()} and year",
                group_title=f"{grouping.title} and year",
                indicators=list(section_names),
                groups=groups,
                note=grouping.note,
            )
        )
        sections.append(Section(name=key, title=title, blocks=blocks))
    notes = notes_for(cov, groups) if by in ("city", "procedure", "sector", "ppp-model") else []
    return Report(
        kind="trends",
        title=f"Trends by {grouping.title.lower()} over the years",
        slug=f"trends-{by}",
        coverage=cov,
        sections=sections,
        notes=notes,
        glossary=glossary(names),
    )


def _chart(by: str, name: str, groups: list[GroupResult], labels: dict[str, str]) -> Chart:
    from procurement.analysis.catalogue import INDICATOR_BY_NAME

    indicator = INDICATOR_BY_NAME[name]
    series: dict[str, list[tuple[int, float, float | None, float | None]]] = {}
    for g in groups:
        base, year = split_key(g.key)
        stat = g.stats[name]
        value = stat.median if indicator.quantiles else stat.value
        if year is None or value is None:
            continue
        series.setdefault(labels.get(base, base), []).append(
            (year, value, stat.ci_low, stat.ci_high)
        )
    svg = charts.small_multiples(f"trend-{by}-{name}", series, indicator)
    headline = "median" if indicator.quantiles else "value"
    return Chart(
        name=f"trend-{by}-{name}",
        title=f"{indicator.label} over the years",
        svg=svg,
        description=f"One panel per group: the {headline} each year with its 95 % interval as a "
        "whisker; years with too few cases are left out.",
    )
