"""Statistics of the indicators per group: means, medians and quartiles, 95 % intervals, and the
status of each figure: ``calculated``, or ``insufficient-data`` when it rests on fewer cases than
the threshold (then no value is shown).

Figures are kept as computed (full precision) and rounded once, where they are written out: JSON
and CSV by :func:`rounded`, HTML and Markdown by the formatting of ``procurement.reporting``.

Intervals (95 %):

- a share: the Wilson score interval of k successes in n (z = 1.959964);
- a median: the distribution-free order-statistic interval: the sorted values at ranks l and u
  (1-based), l the largest rank with P(Binomial(n, ½) < l) ≤ 0.025 and u = n + 1 − l (exact up
  to 1,000 values, the normal approximation above); with fewer than 6 values no such interval
  reaches 95 %, and none is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from procurement.analysis.catalogue import INDICATOR_BY_NAME, LEFT_OUT_REASON, Indicator, Unit

DEFAULT_MIN_N = 3
CALCULATED = "calculated"
INSUFFICIENT = "insufficient-data"

FloatArray = npt.NDArray[np.float64]
Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a share of ``successes`` in ``n`` (None when n = 0)."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


EXACT_RANKS_UP_TO = 1000


def median_ranks(n: int, alpha: float = 0.05) -> tuple[int, int] | None:
    """1-based ranks (l, u) of the sorted values bounding a median's 95 % interval, or None.

    l is the largest rank with P(Binomial(n, ½) < l) ≤ α/2, from the exact binomial up to
    :data:`EXACT_RANKS_UP_TO` values and from its normal approximation above (where the two
    agree to within a rank)."""
    if n < 6:
        return None
    if n > EXACT_RANKS_UP_TO:
        z = NormalDist().inv_cdf(1 - alpha / 2)
        lower = max(1, math.floor((n - z * math.sqrt(n)) / 2))
        return lower, n + 1 - lower
    term = 0.5**n  # P(B = 0), representable for n ≤ 1000
    cumulative = 0.0
    lower = 0
    for k in range(n + 1):
        if cumulative + term > alpha / 2:
            lower = k
            break
        cumulative += term
        term *= (n - k) / (k + 1)
    if lower < 1:
        return None
    return lower, n + 1 - lower


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
    successes: int | None = None  # shares: the cases counted in the numerator
    ci_low: float | None = None  # 95 % interval: of the share, or of the median
    ci_high: float | None = None
    left_out: int | None = None  # cases with a value that the indicator leaves out
    cases: list[str] | None = None  # drill-down: the references the figure rests on
    rank: int | None = None  # network view: 1 = best of the groups with a figure
    ranked: int | None = None  # how many groups were ranked
    band: str | None = None  # network view: green, amber or red

    def as_dict(self, indicator: Indicator) -> dict[str, Any]:
        unit = indicator.unit
        data: dict[str, Any] = {
            "value": rounded(self.value, unit),
            "n": self.n,
            "status": self.status,
        }
        if indicator.quantiles:
            data.update(
                median=rounded(self.median, unit),
                q1=rounded(self.q1, unit),
                q3=rounded(self.q3, unit),
                min=rounded(self.low, unit),
                max=rounded(self.high, unit),
            )
        if (indicator.unit == "share" and not indicator.ratio_of_sums) or indicator.quantiles:
            data["ci95_low"] = rounded(self.ci_low, unit)
            data["ci95_high"] = rounded(self.ci_high, unit)
            data["ci95_of"] = "share" if indicator.unit == "share" else "median"
        if indicator.money:
            data["not_convertible"] = self.not_convertible
        if self.left_out is not None:
            data["left_out"] = self.left_out
            data["left_out_reason"] = LEFT_OUT_REASON.get(indicator.name)
        if self.rank is not None:
            data["rank"] = self.rank
            data["ranked"] = self.ranked
        if self.band is not None:
            data["band"] = self.band
        if self.cases is not None:
            data["cases"] = self.cases
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
    left_out: dict[str, int] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)  # ratios of sums: Σ denominator
    references: dict[str, list[str]] = field(default_factory=dict)  # drill-down


def merge_partials(key: str, partials: Sequence[Partial], names: Sequence[str]) -> Partial:
    """The groups' partials added up. Their values move into the whole (the groups' own
    statistics are computed before): memory holds each value once."""
    whole = Partial(key=key, cases=sum(p.cases for p in partials))
    for name in names:
        whole.counts[name] = sum(p.counts[name] for p in partials)
        whole.sums[name] = sum(p.sums[name] for p in partials)
        if any(name in p.weights for p in partials):
            whole.weights[name] = sum(p.weights.get(name, 0.0) for p in partials)
        if any(name in p.references for p in partials):
            whole.references[name] = sorted(
                {r for p in partials for r in p.references.get(name, [])}
            )
        if any(name in p.left_out for p in partials):
            whole.left_out[name] = sum(p.left_out.get(name, 0) for p in partials)
        arrays = [p.values.pop(name) for p in partials if name in p.values]
        if arrays:
            whole.values[name] = np.concatenate(arrays)
    return whole


def median_interval(values: FloatArray) -> tuple[float, float] | None:
    """The 95 % order-statistic interval of the median of unsorted values (see the module)."""
    ranks = median_ranks(int(values.size))
    if ranks is None:
        return None
    lower, upper = ranks[0] - 1, ranks[1] - 1
    picked = np.partition(values, [lower, upper])
    return float(picked[lower]), float(picked[upper])


def finish(partial: Partial, label: str, names: Sequence[str], min_n: int) -> GroupResult:
    """A group's figures from its partial: means, quartiles, intervals and statuses."""
    result = GroupResult(key=partial.key, label=label, cases=partial.cases)
    for name in names:
        indicator = INDICATOR_BY_NAME[name]
        count = partial.counts[name]
        ok = count >= min_n
        if indicator.ratio_of_sums:
            weight = partial.weights.get(name, 0.0)
            mean = partial.sums[name] / weight if weight else None
        else:
            mean = partial.sums[name] / count if count else None
        stat = Stat(
            value=mean if ok else None,
            n=count,
            status=CALCULATED if ok else INSUFFICIENT,
            left_out=partial.left_out.get(name),
            cases=partial.references.get(name),
        )
        if indicator.unit == "share" and not indicator.ratio_of_sums:
            stat.successes = round(partial.sums[name])
            interval = wilson(stat.successes, count) if ok else None
            if interval is not None:
                stat.ci_low, stat.ci_high = interval
        values = partial.values.get(name)
        if indicator.quantiles and ok and values is not None and values.size:
            stat.low, stat.q1, stat.median, stat.q3, stat.high = quantile_summary(values)
            interval = median_interval(values)
            if interval is not None:
                stat.ci_low, stat.ci_high = interval
        result.stats[name] = stat
    return result
