"""Statistics of the indicators per group: means, medians and quartiles, and the status of each
figure: ``calculated``, or ``insufficient-data`` when it rests on fewer cases than the threshold
(then no value is shown)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from procurement.analysis.catalogue import INDICATOR_BY_NAME, Indicator, Unit

DEFAULT_MIN_N = 3
CALCULATED = "calculated"
INSUFFICIENT = "insufficient-data"

FloatArray = npt.NDArray[np.float64]


@dataclass
class Stat:
    """One indicator for one group."""

    value: float | None
    n: int
    status: str
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    low: float | None = None
    high: float | None = None
    not_convertible: int | None = None

    def as_dict(self, indicator: Indicator) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "n": self.n, "status": self.status}
        if indicator.quantiles:
            data.update(median=self.median, q1=self.q1, q3=self.q3, min=self.low, max=self.high)
        if indicator.money:
            data["not_convertible"] = self.not_convertible
        return data


@dataclass
class GroupResult:
    key: str
    label: str
    cases: int
    stats: dict[str, Stat] = field(default_factory=dict)

    def as_dict(self, names: Sequence[str] | None = None) -> dict[str, Any]:
        shown = list(self.stats) if names is None else [n for n in names if n in self.stats]
        return {
            "key": self.key,
            "label": self.label,
            "cases": self.cases,
            "indicators": {
                name: self.stats[name].as_dict(INDICATOR_BY_NAME[name]) for name in shown
            },
        }


def quartile_positions(n: int) -> list[int]:
    """Positions (0-based, in sorted order) of the values :func:`quartiles_of_sorted` reads."""
    if n == 1:
        return [0]
    m = n - 1
    needed = {0, m}
    for i in (1, 2, 3):
        j = i * m // 4  # below m, so j + 1 is a position too
        needed.update((j, j + 1))
    return sorted(needed)


def quartiles_of_sorted(at: Callable[[int], float], n: int) -> tuple[float, float, float]:
    """``statistics.quantiles(values, n=4, method="inclusive")`` of n sorted values read by
    position with ``at`` (only the positions of :func:`quartile_positions` are read)."""
    if n == 1:
        return at(0), at(0), at(0)
    m = n - 1
    result: list[float] = []
    for i in (1, 2, 3):
        j, delta = divmod(i * m, 4)
        result.append((at(j) * (4 - delta) + at(j + 1) * delta) / 4)
    return result[0], result[1], result[2]


def quantile_summary(values: FloatArray) -> tuple[float, float, float, float, float]:
    """(min, q1, median, q3, max) of unsorted values (at least one), by the inclusive method of
    ``statistics.quantiles``, without sorting them all: only the positions needed are selected."""
    n = int(values.size)
    positions = quartile_positions(n)
    picked = np.partition(values, positions)
    chosen = {p: float(picked[p]) for p in positions}
    q1, median, q3 = quartiles_of_sorted(chosen.__getitem__, n)
    return chosen[0], q1, median, q3, chosen[n - 1]


def rounded(value: float | None, unit: Unit) -> float | None:
    if value is None:
        return None
    return round(value, 2 if unit == "EUR" else 4)


@dataclass
class Partial:
    """What the aggregate query gives for one group, before statuses and rounding."""

    key: str
    cases: int
    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)
    values: dict[str, FloatArray] = field(default_factory=dict)


def merge_partials(key: str, partials: Sequence[Partial], names: Sequence[str]) -> Partial:
    """The groups' partials added up. Their values move into the whole (the groups' own
    statistics are computed before): memory holds each value once."""
    whole = Partial(key=key, cases=sum(p.cases for p in partials))
    for name in names:
        whole.counts[name] = sum(p.counts[name] for p in partials)
        whole.sums[name] = sum(p.sums[name] for p in partials)
        arrays = [p.values.pop(name) for p in partials if name in p.values]
        if arrays:
            whole.values[name] = np.concatenate(arrays)
    return whole


def finish(partial: Partial, label: str, names: Sequence[str], min_n: int) -> GroupResult:
    """A group's figures from its partial: means, quartiles and statuses, rounded."""
    result = GroupResult(key=partial.key, label=label, cases=partial.cases)
    for name in names:
        indicator = INDICATOR_BY_NAME[name]
        count = partial.counts[name]
        ok = count >= min_n
        stat = Stat(
            value=rounded(partial.sums[name] / count, indicator.unit) if ok else None,
            n=count,
            status=CALCULATED if ok else INSUFFICIENT,
        )
        values = partial.values.get(name)
        if indicator.quantiles and ok and values is not None and values.size:
            low, q1, median, q3, high = quantile_summary(values)
            unit = indicator.unit
            stat.q1, stat.median, stat.q3 = (
                rounded(q1, unit),
                rounded(median, unit),
                rounded(q3, unit),
            )
            stat.low, stat.high = rounded(low, unit), rounded(high, unit)
        result.stats[name] = stat
    return result
