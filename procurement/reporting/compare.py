"""`report compare`: every indicator for each group of a grouping, section by section."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from procurement.analysis.catalogue import COMPARE_BY, GROUPINGS, INDICATORS, SECTIONS
from procurement.analysis.fx import RateBook
from procurement.analysis.indicators import compute_with_overall
from procurement.analysis.statistics import DEFAULT_MIN_N
from procurement.cases.query import CaseFilter
from procurement.core.errors import BadInput
from procurement.reporting.common import chart_for, coverage, glossary, notes_for
from procurement.reporting.model import IndicatorTable, Report, Section

COMPARE_CHARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "competition": (("bar", "single_bid_rate"), ("box", "tenders_per_procedure")),
    "speed": (("box", "time_to_award"),),
    "money": (("box", "savings_vs_estimate"), ("box", "cost_overrun")),
    "delivery": (("box", "schedule_delay"), ("bar", "on_time_share")),
    "innovation": (("bar", "innovation_achieved_share"), ("box", "kpi_attainment")),
}


def build_compare(
    *,
    session: Session,
    flt: CaseFilter,
    by: str = "city",
    min_n: int = DEFAULT_MIN_N,
    rates: RateBook | None = None,
    draw: bool = True,
) -> Report:
    """`report compare`: every indicator for each group of ``by``, section by section."""
    if by not in COMPARE_BY:
        raise BadInput(f"cannot compare by '{by}': use one of {', '.join(COMPARE_BY)}")
    rates = rates or RateBook.from_session(session)
    names = [i.name for i in INDICATORS]
    groups, overall = compute_with_overall(
        session=session, flt=flt, by=by, names=names, rates=rates, min_n=min_n
    )
    grouping = GROUPINGS[by]
    cov = coverage(session=session, flt=flt, rates=rates, min_n=min_n, by=by)
    sections: list[Section] = []
    for key, title, section_names in SECTIONS:
        blocks: list[Any] = [
            IndicatorTable(
                name=key,
                title=f"{title} by {grouping.title.lower()}",
                group_title=grouping.title,
                indicators=list(section_names),
                groups=groups,
                overall=overall,
                note=grouping.note,
            )
        ]
        if groups and draw:
            for kind, indicator in COMPARE_CHARTS[key]:
                blocks.append(chart_for(kind, f"{by}-{indicator}", groups, indicator))
        sections.append(Section(name=key, title=title, blocks=blocks))
    notes = notes_for(cov, [overall] if overall else [])  # each case once
    if grouping.note:
        notes.insert(0, grouping.note)
    return Report(
        kind="compare",
        title=f"Comparison by {grouping.title.lower()}",
        slug=f"compare-{by}",
        coverage=cov,
        sections=sections,
        notes=notes,
        glossary=glossary(names),
    )
