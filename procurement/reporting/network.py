"""The network view of a comparison: each group's rank among the groups with a figure, and a
band (green, amber, red) for the indicators that have thresholds, so that a reader sees at once
where a city stands against the others and against the Single Market Scoreboard's limits.

Ranks and bands read the headline figure (the median for indicators with a spread, else the
value); rank 1 is the best in the indicator's direction, ties share a rank (1, 2, 2, 4);
indicators that are neither better higher nor lower are not ranked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from procurement.analysis.catalogue import DEFAULT_BANDS, INDICATOR_BY_NAME, Indicator
from procurement.analysis.statistics import CALCULATED, GroupResult, Stat
from procurement.core.errors import BadInput

Bands = Mapping[str, tuple[float, float]]
GREEN, AMBER, RED = "green", "amber", "red"


def headline_value(stat: Stat, indicator: Indicator) -> float | None:
    """The figure a table shows first: the median of an indicator with a spread, else the
    value."""
    if stat.status != CALCULATED:
        return None
    if indicator.quantiles and stat.median is not None:
        return stat.median
    return stat.value


def parse_bands(texts: Sequence[str]) -> dict[str, tuple[float, float]]:
    """``NAME=GREEN:AMBER`` options over the defaults (shares as fractions or with %)."""
    bands = dict(DEFAULT_BANDS)
    for text in texts:
        name, _, limits = text.partition("=")
        name = name.strip().replace("-", "_")
        indicator = INDICATOR_BY_NAME.get(name)
        if indicator is None or indicator.better == "neither" or indicator.money:
            raise BadInput(f"--band {text}: '{name}' is not an indicator that can be banded")
        try:
            green, amber = (_limit(p) for p in limits.split(":"))
        except ValueError:
            raise BadInput(
                f"--band {text}: give NAME=GREEN:AMBER, e.g. single_bid_rate=10%:20%"
            ) from None
        if (indicator.better == "lower" and green > amber) or (
            indicator.better == "higher" and green < amber
        ):
            raise BadInput(f"--band {text}: the green limit must be the better one")
        bands[name] = (green, amber)
    return bands


def _limit(text: str) -> float:
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def band_of(value: float, limits: tuple[float, float], indicator: Indicator) -> str:
    green, amber = limits
    if indicator.better == "lower":
        return GREEN if value <= green else AMBER if value <= amber else RED
    return GREEN if value >= green else AMBER if value >= amber else RED


def apply_network_view(
    groups: Sequence[GroupResult],
    overall: GroupResult | None,
    names: Sequence[str],
    bands: Bands,
) -> None:
    """Set each group's rank and band (and the all-cases band) for the indicators ``names``."""
    for name in names:
        indicator = INDICATOR_BY_NAME[name]
        if indicator.money:
            continue
        scored = [
            (value, g)
            for g in groups
            if name in g.stats and (value := headline_value(g.stats[name], indicator)) is not None
        ]
        if indicator.better != "neither" and len(scored) > 1:
            reverse = indicator.better == "higher"
            ordered = sorted(scored, key=lambda pair: pair[0], reverse=reverse)
            for value, g in ordered:
                better = sum(
                    1 for other, _ in ordered if (other > value if reverse else other < value)
                )
                g.stats[name].rank = better + 1
                g.stats[name].ranked = len(ordered)
        limits = bands.get(name)
        if limits is None:
            continue
        for value, g in scored:
            g.stats[name].band = band_of(value, limits, indicator)
        if overall is not None and name in overall.stats:
            whole = headline_value(overall.stats[name], indicator)
            if whole is not None:
                overall.stats[name].band = band_of(whole, limits, indicator)


def band_note(bands: Bands) -> str:
    parts = []
    for name, (green, amber) in bands.items():
        indicator = INDICATOR_BY_NAME[name]
        unit = indicator.unit in ("share", "ratio")

        def show(x: float, unit: bool = unit) -> str:
            return f"{x * 100:g} %" if unit else f"{x:g}"

        if indicator.better == "lower":
            parts.append(
                f"{indicator.label}: green ≤ {show(green)}, amber ≤ {show(amber)}, red above"
            )
        else:
            parts.append(
                f"{indicator.label}: green ≥ {show(green)}, amber ≥ {show(amber)}, red below"
            )
    return (
        "Network view: each figure's rank among the groups (1 = best) and, where thresholds "
        "exist, a band (" + "; ".join(parts) + "; defaults of the EU Single Market Scoreboard, "
        "change them with --band NAME=GREEN:AMBER)."
    )
