"""`report compare`: every indicator for each group of a grouping, section by section."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.analysis.catalogue import (
    COMPARE_BY,
    DEFAULT_BANDS,
    GROUPINGS,
    INDICATORS,
    SECTIONS,
)
from procurement.analysis.fx import RateBook
from procurement.analysis.indicators import compute_with_overall
from procurement.analysis.statistics import DEFAULT_MIN_N, GroupResult
from procurement.cases.query import CaseFilter
from procurement.core.errors import BadInput
from procurement.reporting.common import chart_for, coverage, glossary, notes_for
from procurement.reporting.model import IndicatorTable, Report, Section, Table
from procurement.reporting.network import Bands, apply_network_view, band_note
from procurement.storage.models import City

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
    with_cases: bool = False,
    bands: Bands | None = None,
) -> Report:
    """`report compare`: every indicator for each group of ``by``, section by section, with
    the network view (rank and band of each group). ``with_cases``: each figure lists its
    cases (drill-down). ``bands``: the thresholds of the bands (default: the Scoreboard's)."""
    if by not in COMPARE_BY:
        raise BadInput(f"cannot compare by '{by}': use one of {', '.join(COMPARE_BY)}")
    rates = rates or RateBook.from_session(session)
    names = [i.name for i in INDICATORS]
    groups, overall = compute_with_overall(
        session=session,
        flt=flt,
        by=by,
        names=names,
        rates=rates,
        min_n=min_n,
        with_cases=with_cases,
    )
    bands = DEFAULT_BANDS if bands is None else bands
    apply_network_view(groups, overall, names, bands)
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
                with_cases=with_cases,
            )
        ]
        if groups and draw:
            for kind, indicator in COMPARE_CHARTS.get(key, ()):
                blocks.append(chart_for(kind, f"{by}-{indicator}", groups, indicator))
        sections.append(Section(name=key, title=title, blocks=blocks))
    if by == "city":
        sections.append(
            Section(
                name="per_capita", title="Per inhabitant", blocks=[_per_capita(session, groups)]
            )
        )
    notes = notes_for(cov, [overall] if overall else [])  # each case once
    notes.append(band_note(bands))
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


def _per_capita(session: Session, groups: list[GroupResult]) -> Table:
    """Each city's awarded and final euro totals per inhabitant (population of the cities
    table, with its year and source)."""
    people = {
        code: (population, year, source)
        for code, population, year, source in session.execute(
            select(City.code, City.population, City.population_year, City.population_source)
        )
    }
    rows: list[dict[str, Any]] = []
    for g in groups:
        population, year, source = people.get(g.key, (None, None, None))
        row: dict[str, Any] = {"city": g.label, "population": population, "population_year": year}
        for name in ("total_awarded_eur", "total_final_eur"):
            stat = g.stats.get(name)
            total = stat.value if stat is not None else None
            row[f"{name}_per_capita"] = (
                total / population if total is not None and population else None
            )
        row["population_source"] = source
        rows.append(row)
    return Table(
        name="per_capita",
        title="Euro per inhabitant",
        columns=[
            ("city", "City"),
            ("population", "Population"),
            ("population_year", "Year"),
            ("total_awarded_eur_per_capita", "Awarded value per inhabitant (EUR)"),
            ("total_final_eur_per_capita", "Final value per inhabitant (EUR)"),
            ("population_source", "Source"),
        ],
        rows=rows,
        note="The euro totals of the money section divided by the city's population (cities "
        "table); empty where either is missing or too few cases.",
        key_columns=["city"],
    )
