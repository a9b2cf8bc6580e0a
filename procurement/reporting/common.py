"""What the reports share: the coverage at their top, their notes, charts and glossary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from procurement.analysis.catalogue import (
    INDICATOR_BY_NAME,
    INDICATORS,
    LEFT_OUT_REASON,
    Indicator,
)
from procurement.analysis.engine import scanned
from procurement.analysis.fx import RateBook
from procurement.analysis.statistics import GroupResult
from procurement.cases.fields import DEMO_PUBLISHER
from procurement.cases.query import CaseFilter, apply_filter
from procurement.reporting import charts
from procurement.reporting.model import Chart, Coverage
from procurement.storage.models import Case

NO_CONTACTS_NOTE = (
    "Contact details are left out (personal data); add --include-contacts to show them."
)


def now_text() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def coverage(
    *,
    session: Session,
    flt: CaseFilter,
    rates: RateBook,
    min_n: int | None = None,
    by: str | None = None,
) -> Coverage:
    """What a report over the cases the filter keeps covers; read in one pass."""
    demo_case = case((Case.source_publisher == DEMO_PUBLISHER, 1), else_=None)
    stmt: Any = select(func.count(Case.id), func.max(Case.updated_at), func.count(demo_case))
    [(total, latest, demo)] = scanned(session, apply_filter(stmt, flt))  # one pass
    as_of = latest if isinstance(latest, dt.datetime) else None
    if as_of is None and latest is not None:
        as_of = dt.datetime.fromisoformat(str(latest))
    return Coverage(
        filters=flt.describe(),
        cases=int(total or 0),
        data_as_of=as_of.replace(microsecond=0).isoformat() if as_of else None,
        generated_at=now_text(),
        exchange_rates=rates.describe(),
        demo_cases=int(demo or 0),
        min_n=min_n,
        grouped_by=by,
    )


def notes_for(cov: Coverage, groups: Sequence[GroupResult]) -> list[str]:
    """The notes under a report of indicators computed for ``groups`` (each case once)."""
    notes: list[str] = []
    missing = sum(
        g.stats[n].not_convertible or 0
        for g in groups
        for n in g.stats
        if INDICATOR_BY_NAME[n].money
    )
    if missing:
        notes.append(
            f"Not convertible to EUR: {missing} amounts have no exchange rate for their currency "
            "on the case's date; they are left out of the euro totals and counted in each "
            "total's 'not convertible' figure. Add rates with: procurement rates import FILE.csv"
        )
    for name, reason in LEFT_OUT_REASON.items():
        left = sum(g.stats[name].left_out or 0 for g in groups if name in g.stats)
        if left:
            ind = INDICATOR_BY_NAME[name]
            notes.append(
                f"{ind.label}: {left} cases left out: {reason}. It compares delivered "
                "(completed) contracts only."
                if name != "kpi_attainment"
                else f"{ind.label}: {left} {reason}; they are counted, not scored."
            )
    if cov.min_n:
        notes.append(
            f"A figure computed from fewer than {cov.min_n} cases is shown as 'insufficient "
            "data' (change the threshold with --min-n)."
        )
    return notes


def chart_for(kind: str, name: str, groups: list[GroupResult], indicator: str) -> Chart:
    """A ``bar`` chart of an indicator's value per group, or a ``box`` chart of its spread."""
    ind = INDICATOR_BY_NAME[indicator]
    if kind == "bar":
        svg = charts.bar_chart(name, groups, ind)
        text = (
            f"{ind.label} per group; each bar shows its n; the black whisker is the 95 % "
            "interval (Wilson for a share)."
        )
    else:
        svg = charts.box_chart(name, groups, ind)
        text = (
            f"Distribution of {ind.label.lower()}: box from first to third quartile, "
            "line at the median, thin whiskers to min and max; the thick black whisker is the "
            "95 % interval of the median (order statistics; none below 6 cases)."
        )
    return Chart(name=name, title=ind.label, svg=svg, description=text)


def glossary(names: Collection[str]) -> list[Indicator]:
    """The definitions of the indicators ``names``, in the catalogue's order."""
    return [i for i in INDICATORS if i.name in names]
