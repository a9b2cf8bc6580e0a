"""Charts as SVG text, drawn by matplotlib's SVG backend (imported only when a chart is drawn).

Output is deterministic (fixed hash salt, no date), text stays text (``svg.fonttype = none``),
colours are the Okabe-Ito colour-blind-safe palette and cividis for the heat map. Element ids
are prefixed with the chart name so several charts can sit inline in one HTML page.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from typing import Any

from procurement.analysis.catalogue import Indicator
from procurement.analysis.statistics import INSUFFICIENT, GroupResult

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
GREY = "#999999"
WIDTH_IN = 5.0
RASTER_POINTS = 2000
# Every text in a chart is at least this size (points): drawn 5 inches wide, a chart shown on a
# 390 px phone (about 366 px of chart) keeps its text at about 10 CSS px.
TEXT_PT = 10


def _figure(height: float) -> Any:
    import matplotlib

    matplotlib.use("svg")
    from matplotlib.figure import Figure

    matplotlib.rcParams["font.size"] = TEXT_PT
    return Figure(figsize=(WIDTH_IN, height), layout="constrained")


def _svg(fig: Any, name: str) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"procurement-{name}", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    slug = re.sub(r"[^A-Za-z0-9-]", "-", name)
    text = re.sub(r'id="([^"]+)"', rf'id="{slug}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{slug}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{slug}-\1"', text)
    return text.replace("<svg ", f'<svg role="img" aria-label="{slug}" ', 1)


def wrap(text: str, width: int = 22) -> str:
    """Long tick labels on two or more lines."""
    return textwrap.fill(text, width) if len(text) > width else text


def _style(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=TEXT_PT)


def scaled(value: float, indicator: Indicator) -> float:
    return value * 100 if indicator.unit in ("share", "ratio") else value


def axis_label(indicator: Indicator) -> str:
    unit = {"share": "%", "ratio": "%", "days": "days", "count": "", "score": "1–5", "EUR": "EUR"}
    suffix = unit[indicator.unit]
    return f"{indicator.label} ({suffix})" if suffix else indicator.label


def bar_chart(name: str, groups: Sequence[GroupResult], indicator: Indicator) -> str:
    """Horizontal bars of one indicator per group; each bar labelled with its n."""
    fig = _figure(1.0 + 0.38 * max(len(groups), 1))
    ax = fig.add_subplot()
    labels = [g.label for g in groups][::-1]
    stats = [g.stats[indicator.name] for g in groups][::-1]
    values = [scaled(s.value, indicator) if s.value is not None else 0.0 for s in stats]
    colours = [OKABE_ITO[0] if s.value is not None else GREY for s in stats]
    ax.barh(range(len(labels)), values, color=colours, height=0.6)
    ax.set_yticks(range(len(labels)), [wrap(t) for t in labels])
    # the 95 % interval of each value, as a whisker
    highs = [0.0] * len(stats)
    for i, stat in enumerate(stats):
        if stat.value is not None and stat.ci_low is not None and stat.ci_high is not None:
            low, high = scaled(stat.ci_low, indicator), scaled(stat.ci_high, indicator)
            highs[i] = high
            ax.errorbar(
                values[i],
                i,
                xerr=[[max(values[i] - low, 0.0)], [max(high - values[i], 0.0)]],
                fmt="none",
                ecolor="#000000",
                capsize=3,
                linewidth=1.2,
            )
    top = max([abs(v) for v in values] + highs + [1.0])
    for i, stat in enumerate(stats):
        text = f"n={stat.n}" if stat.status != INSUFFICIENT else f"insufficient data (n={stat.n})"
        ax.text(max(values[i], highs[i], 0) + top * 0.01, i, text, va="center", fontsize=TEXT_PT)
    ax.set_xlim(min(min(values), 0), top * 1.3)
    ax.set_xlabel(axis_label(indicator))
    _style(ax)
    return _svg(fig, name)


def box_chart(name: str, groups: Sequence[GroupResult], indicator: Indicator) -> str:
    """Box plots (quartiles, median, whiskers to min and max) of one indicator per group."""
    fig = _figure(1.0 + 0.42 * max(len(groups), 1))
    ax = fig.add_subplot()
    boxes: list[dict[str, Any]] = []
    positions: list[int] = []
    ordered = list(groups)[::-1]
    for i, group in enumerate(ordered):
        stat = group.stats[indicator.name]
        if stat.median is None or stat.q1 is None or stat.q3 is None:
            ax.text(
                0.01,
                i,
                f"insufficient data (n={stat.n})",
                va="center",
                fontsize=TEXT_PT,
                transform=ax.get_yaxis_transform(),
            )
            continue
        low = stat.low if stat.low is not None else stat.q1
        high = stat.high if stat.high is not None else stat.q3
        boxes.append(
            {
                "med": scaled(stat.median, indicator),
                "q1": scaled(stat.q1, indicator),
                "q3": scaled(stat.q3, indicator),
                "whislo": scaled(low, indicator),
                "whishi": scaled(high, indicator),
                "fliers": [],
                "label": group.label,
            }
        )
        positions.append(i)
    if boxes:
        ax.bxp(
            boxes,
            positions=positions,
            orientation="horizontal",
            widths=0.5,
            patch_artist=True,
            boxprops={"facecolor": OKABE_ITO[4], "edgecolor": "#333333"},
            whiskerprops={"color": GREY},
            capprops={"color": GREY},
            medianprops={"color": OKABE_ITO[3], "linewidth": 2},
        )
        for pos in positions:
            stat = ordered[pos].stats[indicator.name]
            if stat.median is not None and stat.ci_low is not None and stat.ci_high is not None:
                median = scaled(stat.median, indicator)
                ax.errorbar(
                    median,
                    pos,
                    xerr=[
                        [max(median - scaled(stat.ci_low, indicator), 0.0)],
                        [max(scaled(stat.ci_high, indicator) - median, 0.0)],
                    ],
                    fmt="none",
                    ecolor="#000000",
                    capsize=4,
                    linewidth=2.4,
                )
        for pos in positions:
            n = ordered[pos].stats[indicator.name].n
            ax.text(
                1.0,
                pos,
                f" n={n}",
                fontsize=TEXT_PT,
                va="center",
                transform=ax.get_yaxis_transform(),
            )
    ax.set_yticks(range(len(ordered)), [wrap(g.label) for g in ordered])
    ax.set_ylim(-0.7, len(ordered) - 0.3)
    ax.set_xlabel(axis_label(indicator))
    _style(ax)
    return _svg(fig, name)


def heat_map(
    name: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    notes: Sequence[Sequence[str]],
    colour_label: str,
) -> str:
    """A matrix coloured by ``values`` (0-1, None blank), each cell annotated with ``notes``."""
    import numpy as np

    fig = _figure(2.6 + 0.55 * max(len(rows), 1))
    ax = fig.add_subplot()
    data = np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)
    image = ax.imshow(data * 100, cmap="cividis", vmin=0.0, vmax=100.0, aspect="auto")
    ax.set_xticks(range(len(columns)), [wrap(c, 14) for c in columns], rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), [wrap(r) for r in rows])
    for i in range(len(rows)):
        for j in range(len(columns)):
            value = values[i][j]
            colour = "black" if value is not None and value > 0.6 else "white"
            if value is None:
                colour = "#555555"
            ax.text(j, i, notes[i][j], ha="center", va="center", fontsize=TEXT_PT, color=colour)
    fig.colorbar(image, ax=ax, label=colour_label, orientation="horizontal", shrink=0.8)
    ax.tick_params(labelsize=TEXT_PT)
    return _svg(fig, name)


def scatter(
    name: str, points: Sequence[tuple[float, float, str]], x_label: str, y_label: str
) -> str:
    """Points (x, y, category); one colour and marker per category.

    Beyond :data:`RASTER_POINTS` points the markers are drawn as one embedded image (axes and
    text stay vector): thousands of SVG markers would make the page slow to write and to open.
    """
    fig = _figure(3.6)
    rasterized = len(points) > RASTER_POINTS
    ax = fig.add_subplot()
    markers = ("o", "s", "^", "D", "v", "P", "X")
    categories = sorted({c for _, _, c in points})
    for k, category in enumerate(categories):
        xs = [x for x, _, c in points if c == category]
        ys = [y for _, y, c in points if c == category]
        ax.scatter(
            xs,
            ys,
            color=OKABE_ITO[k % len(OKABE_ITO)],
            marker=markers[k % len(markers)],
            label=f"{category} (n={len(xs)})",
            rasterized=rasterized,
        )
    ax.axhline(0, color=GREY, linewidth=0.8)
    ax.axvline(0, color=GREY, linewidth=0.8)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    if categories:
        ax.legend(fontsize=TEXT_PT, frameon=False)
    _style(ax)
    return _svg(fig, name)


def count_bars(name: str, labels: Sequence[str], counts: Sequence[int], x_label: str) -> str:
    """Horizontal bars of counts, each labelled with its number."""
    fig = _figure(1.0 + 0.38 * max(len(labels), 1))
    ax = fig.add_subplot()
    ax.barh(range(len(labels)), list(counts)[::-1], color=OKABE_ITO[2], height=0.6)
    ax.set_yticks(range(len(labels)), [wrap(t) for t in list(labels)[::-1]])
    for i, count in enumerate(list(counts)[::-1]):
        ax.text(count, i, f" {count}", va="center", fontsize=TEXT_PT)
    ax.set_xlim(0, max([*counts, 1]) * 1.2)
    ax.set_xlabel(x_label)
    _style(ax)
    return _svg(fig, name)


def small_multiples(
    name: str,
    series: dict[str, list[tuple[int, float, float | None, float | None]]],
    indicator: Indicator,
) -> str:
    """One small panel per group: (year, value, interval low, interval high) as a line with
    whiskers; every panel on the same axes."""
    columns = 2
    count = max(len(series), 1)
    rows = (count + columns - 1) // columns
    fig = _figure(0.6 + 1.5 * rows)
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    for index, (label, points) in enumerate(sorted(series.items())):
        ax = axes[index // columns][index % columns]
        points = sorted(points)
        years = [p[0] for p in points]
        values = [scaled(p[1], indicator) for p in points]
        ax.plot(years, values, color=OKABE_ITO[0], marker="o", markersize=3)
        for year, value, low, high in points:
            if low is not None and high is not None:
                centre = scaled(value, indicator)
                ax.errorbar(
                    year,
                    centre,
                    yerr=[
                        [max(centre - scaled(low, indicator), 0.0)],
                        [max(scaled(high, indicator) - centre, 0.0)],
                    ],
                    fmt="none",
                    ecolor=GREY,
                    capsize=2,
                )
        ax.set_title(wrap(label, 24), fontsize=TEXT_PT)
        _style(ax)
        ax.xaxis.get_major_locator().set_params(integer=True, nbins=3)
    for index in range(len(series), rows * columns):
        axes[index // columns][index % columns].set_visible(False)
    fig.supylabel(axis_label(indicator), fontsize=TEXT_PT)
    return _svg(fig, name)
