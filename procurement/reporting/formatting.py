"""Human-readable numbers and labels for the HTML and Markdown reports, and Markdown escaping."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from procurement.analysis.catalogue import Indicator
from procurement.analysis.statistics import INSUFFICIENT, Stat
from procurement.core import codelists as cl
from procurement.core import labels

INSUFFICIENT_TEXT = "insufficient data"


def label(codelist: type[cl.Codelist], value: str | None, missing: str = "") -> str:
    """A code's label, in the language of ``--lang`` where the eForms code lists have one."""
    if value is None:
        return missing
    try:
        english = codelist(value).label
    except ValueError:
        return value
    field = cl.LOCALISED.get(codelist.__name__)
    return labels.label(field, value, english) if field else english


def _round(value: float | Decimal, places: int) -> Decimal:
    """``value`` rounded once, half away from zero, from its shortest exact text (so that the
    same stored figure reads the same on every page)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(value: float | Decimal | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "0 %"
    hundred = (value if isinstance(value, Decimal) else Decimal(repr(float(value)))) * 100
    places = 0 if abs(hundred) >= 10 else 1
    text = str(_round(hundred, places))
    return f"{'0' if text in ('-0', '-0.0') else text} %"


def eur(value: Decimal | float | None) -> str:
    """Euro, shortened: €469.4 M, €1.2 bn, €12 300."""
    if value is None:
        return "–"
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    for size, suffix in ((Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "M")):
        if abs(amount) >= size:
            return f"€{_round(amount / size, 1)} {suffix}"
    return f"€{_round(amount, 0):,}".replace(",", "\u202f")


def entered(value: Decimal | float | None) -> str:
    """A number as it was entered: no trailing zeros of the stored scale (5334, not 5334.0000)."""
    if value is None:
        return "–"
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    text = format(number.normalize(), "f")
    return text


def money(value: Decimal, currency: str | None) -> str:
    text = f"{value:,.2f}".replace(",", "\u202f")
    if text.endswith(".00"):
        text = text[:-3]
    return f"{text} {currency or ''}".strip()


def number(value: float | None, indicator: Indicator) -> str:
    """One value of an indicator in its unit."""
    if value is None:
        return "–"
    if indicator.unit in ("share", "ratio"):
        return percent(value)
    if indicator.unit == "days":
        return f"{_round(value, 0)} days"
    if indicator.unit == "EUR":
        return eur(value)
    return str(_round(value, 1))


def headline(indicator: Indicator) -> str:
    """Which figure a table shows first: the median for indicators with a spread (skewed days,
    ratios and counts), the value (share, mean or total) otherwise."""
    return "median" if indicator.quantiles else "value"


def stat_main(stat: Stat, indicator: Indicator) -> str:
    if stat.status == INSUFFICIENT:
        return INSUFFICIENT_TEXT
    if headline(indicator) == "median" and stat.median is not None:
        return f"median {number(stat.median, indicator)}"
    return number(stat.value, indicator)


def interval(stat: Stat, indicator: Indicator) -> str:
    """The 95 % interval, as "95 % CI 29–77 %"."""
    if stat.ci_low is None or stat.ci_high is None:
        return ""
    low, high = number(stat.ci_low, indicator), number(stat.ci_high, indicator)
    return f"95 % CI {low} to {high}"


def stat_detail(stat: Stat, indicator: Indicator) -> str:
    """The small print under a value: mean and quartiles, the 95 % interval, n, what was left
    out, amounts not convertible."""
    parts: list[str] = []
    if stat.status != INSUFFICIENT and indicator.quantiles and stat.median is not None:
        parts.append(
            f"mean {number(stat.value, indicator)} · "
            f"q1–q3 {number(stat.q1, indicator)} to {number(stat.q3, indicator)}"
        )
    if stat.status != INSUFFICIENT and interval(stat, indicator):
        parts.append(interval(stat, indicator))
    parts.append(f"n={stat.n}")
    if stat.left_out:
        parts.append(f"{stat.left_out} left out (see notes)")
    if stat.not_convertible:
        parts.append(f"not convertible: {stat.not_convertible}")
    return " · ".join(parts)


CODE_COLUMNS: dict[str, type[cl.Codelist]] = {
    "ppp_model": cl.PppModel,
    "risk_category": cl.RiskCategory,
    "ppp_status": cl.PppStatus,
    "case_status": cl.Status,
    "innovation_achieved": cl.InnovationAchieved,
}


def cell(value: Any, key: str = "") -> str:
    """A plain table cell: shares and ratios as percentages, codes as their names, numbers
    as entered."""
    if value is None:
        return "–"
    if isinstance(value, float) and (
        key.endswith("_share") or key == "cost_overrun" or "_ci95_" in key
    ):
        return percent(value)
    if key in CODE_COLUMNS and isinstance(value, str):
        return label(CODE_COLUMNS[key], value)
    if key.endswith("_eur") and isinstance(value, float | int | Decimal):
        return eur(value)
    if key.endswith("_per_capita") and isinstance(value, float):
        return f"€{_round(value, 2)}"
    if key == "population" and isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if key.endswith("_mean") and isinstance(value, float):
        return str(_round(value, 1))
    if isinstance(value, Decimal):
        return entered(value)
    return str(value)


_MD_INLINE = re.compile(r"([\\`*_\[\]|{}])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+\.)")


def md(value: Any) -> str:
    """Text made inert in Markdown: HTML and Markdown syntax escaped, one line."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(r"\1\\\2", text)


def md_block(value: Any) -> str:
    """Multi-line text made inert in Markdown; paragraphs kept."""
    if value is None:
        return ""
    paragraphs = [p for p in re.split(r"\n\s*\n", str(value)) if p.strip()]
    return "\n\n".join(md(p) for p in paragraphs)
