"""Where a case stands against the network: the medians of every case of the registry (each
member city, removed cases left out) with the same procedure, and the indicators of a list.

As in the reports, cost overrun and schedule delay count for completed contracts only (before
completion the final value is an interim figure)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.core import codelists as cl
from procurement.publishing.model import Summary
from procurement.reporting.formatting import percent
from procurement.storage.models import Case

COMPLETED = cl.Status.COMPLETED.value
# indicator key, label, unit, whether a lower value is better
MEASURES: tuple[tuple[str, str, str, bool], ...] = (
    ("cost_overrun", "Cost overrun", "share", True),
    ("delay_days", "Schedule delay", "days", True),
    ("tenders", "Tenders received", "count", False),
)


def shown(value: float | None, unit: str) -> str:
    """A figure as the site writes it."""
    if value is None:
        return "not known"
    if unit == "share":
        return percent(value)
    if unit == "days":
        return f"{value:.0f} days"
    return f"{value:g}"


@dataclass(frozen=True)
class Median:
    value: float | None
    n: int

    def text(self, unit: str, min_n: int) -> str:
        if self.n < min_n or self.value is None:
            return f"insufficient data (n={self.n})"
        return shown(self.value, unit)


def median_of(values: Iterable[float | int | None]) -> Median:
    found = [float(v) for v in values if v is not None]
    return Median(statistics.median(found) if found else None, len(found))


@dataclass
class NetworkFigures:
    """Per procedure: each measure's values over the whole registry."""

    values: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    _medians: dict[tuple[str, str], Median] = field(default_factory=dict)

    def median(self, procedure: str, measure: str) -> Median:
        key = (procedure, measure)
        if key not in self._medians:
            found = self.values.get(procedure, {}).get(measure, [])
            self._medians[key] = Median(statistics.median(found) if found else None, len(found))
        return self._medians[key]


def network_figures(session: Session) -> NetworkFigures:
    """Every case's cost overrun, delay and tenders, per procedure, read in one pass."""
    stmt = select(
        Case.procedure,
        Case.status,
        Case.awarded_value,
        Case.final_value,
        Case.completed_on,
        Case.contract_end_planned,
        Case.tenders_received,
    ).where(Case.removed_at.is_(None))
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    rows = session.execute(stmt)
    for procedure, status, awarded, final, completed, planned_end, tenders in rows:
        bucket = values[procedure]
        done = status == COMPLETED  # before completion the final value is an interim figure
        if done and final is not None and awarded:
            bucket["cost_overrun"].append(float((final - awarded) / awarded))
        if done and completed is not None and planned_end is not None:
            bucket["delay_days"].append(float((completed - planned_end).days))
        if tenders is not None:
            bucket["tenders"].append(float(tenders))
    return NetworkFigures({k: dict(v) for k, v in values.items()})


def comparison(summary: Summary, network: NetworkFigures, min_n: int) -> list[dict[str, Any]]:
    """The rows of a case page's "against the network" table."""
    rows: list[dict[str, Any]] = []
    for key, label, unit, lower_better in MEASURES:
        own = getattr(summary, key)
        median = network.median(summary.procedure, key)
        if own is None:
            verdict = "–"
        elif median.n < min_n or median.value is None:
            verdict = "too few cases"
        elif own == median.value:
            verdict = "at the median"
        else:
            above = own > median.value
            better = above != lower_better
            verdict = ("above" if above else "below") + (" (better)" if better else " (worse)")
        rows.append(
            {
                "label": label,
                "case": shown(own, unit),
                "median": median.text(unit, min_n),
                "n": median.n,
                "verdict": verdict,
            }
        )
    return rows


def indicators(cases: Sequence[Summary], min_n: int) -> list[dict[str, Any]]:
    """The indicators of a list of published cases: each measure's median and n."""
    rows = []
    for key, label, unit, _ in MEASURES:
        median = median_of(getattr(c, key) for c in cases)
        rows.append({"label": label, "median": median.text(unit, min_n), "n": median.n})
    return rows
