"""Human-readable numbers and labels for the HTML and Markdown reports, and Markdown escaping."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from procurement.analysis.catalogue import Indicator
from procurement.analysis.statistics import INSUFFICIENT, Stat
from procurement.core import codelists as cl

INSUFFICIENT_TEXT = "insufficient data"


def label(codelist: type[cl.Codelist], value: str | None, missing: str = "") -> str:
    if value is None:
        return missing
    try:
        return codelist(value).label
    except ValueError:
        return value


def percent(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "0 %"
    return f"{value * 100:.0f} %" if abs(value) >= 0.1 else f"{value * 100:.1f} %"


def eur(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    return f"€{float(value):,.0f}".replace(",", "\u202f")


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
        return f"{value:.0f} days"
    if indicator.unit == "EUR":
        return eur(value)
    return f"{value:.1f}"


def stat_main(stat: Stat, indicator: Indicator) -> str:
    if stat.status == INSUFFICIENT:
        return INSUFFICIENT_TEXT
    return number(stat.value, indicator)


def stat_detail(stat: Stat, indicator: Indicator) -> str:
    """The small print under a value: median and quartiles, n, amounts not convertible."""
    parts: list[str] = []
    if stat.status != INSUFFICIENT and indicator.quantiles and stat.median is not None:
        parts.append(
            f"median {number(stat.median, indicator)} "
            f"({number(stat.q1, indicator)} to {number(stat.q3, indicator)})"
        )
    parts.append(f"n={stat.n}")
    if stat.not_convertible:
        parts.append(f"not convertible: {stat.not_convertible}")
    return " · ".join(parts)


def cell(value: Any, key: str = "") -> str:
    """A plain table cell."""
    if value is None:
        return "–"
    if isinstance(value, float) and key.endswith("_share"):
        return percent(value)
    if isinstance(value, float) and key == "cost_overrun":
        return percent(value)
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
