"""The site's HTML pages, rendered from ``reports/templates/site/`` with Jinja2 autoescape
(every text of a case is escaped; nothing from the registry is ever marked safe).

Every page links relatively (``root`` is ``""`` at the top and ``"../"`` one folder down), so
the site works from disk and from any web server. A page carries no build time: its "data as
of" is the latest change of the cases it shows, so an unchanged registry gives unchanged pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from procurement.core import codelists as cl
from procurement.publishing.model import PAGE_SIZE, Summary, slug
from procurement.reporting.formatting import label, percent
from procurement.reporting.render import templates_dir

STATIC = ("site.css", "search.js")


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir() / "site"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["percent"] = percent
    env.globals["sector_label"] = lambda code: label(cl.Sector, code)
    return env


def static_file(name: str) -> bytes:
    return (templates_dir() / "site" / name).read_bytes()


@dataclass(frozen=True)
class Facet:
    """A way to group the cases: each value gets its pre-rendered page (filtering without
    JavaScript)."""

    key: str
    title: str
    values_of: Callable[[Summary], list[str]]
    label_of: Callable[[str, dict[str, str]], str]
    on_home: bool = True

    def path(self, value: str, page: int = 1) -> str:
        suffix = "" if page == 1 else f"-{page}"
        return f"{self.key}/{slug(value)}{suffix}.html"


def _codelist_label(codelist: type[cl.Codelist]) -> Callable[[str, dict[str, str]], str]:
    return lambda value, _names: label(codelist, value)


FACETS: tuple[Facet, ...] = (
    Facet("city", "City", lambda s: [s.city], lambda v, names: names.get(v, v)),
    Facet("sector", "Sector", lambda s: [s.sector], _codelist_label(cl.Sector)),
    Facet(
        "approach",
        "Innovation approach",
        lambda s: list(s.approaches),
        _codelist_label(cl.InnovationApproach),
    ),
    Facet(
        "ppp-model",
        "PPP model",
        lambda s: [s.ppp_model] if s.ppp_model else [],
        _codelist_label(cl.PppModel),
    ),
    Facet("procedure", "Procedure", lambda s: [s.procedure], _codelist_label(cl.Procedure), False),
    Facet("year", "Year", lambda s: [str(s.year)], lambda v, _names: v, False),
)
FACET_BY_KEY = {f.key: f for f in FACETS}


def ordered(cases: Sequence[Summary]) -> list[Summary]:
    """List order: newest year first, then by reference."""
    return sorted(cases, key=lambda s: (-s.year, s.reference))


def grouped(cases: Sequence[Summary], facet: Facet) -> dict[str, list[Summary]]:
    groups: dict[str, list[Summary]] = {}
    for case in cases:
        for value in facet.values_of(case):
            groups.setdefault(value, []).append(case)
    return groups


def facet_values(
    facet: Facet, groups: dict[str, list[Summary]], names: dict[str, str], root: str
) -> list[dict[str, Any]]:
    """Each value of a facet with its label, count and page, in label order (years newest
    first)."""
    values = [
        {
            "value": value,
            "label": facet.label_of(value, names),
            "count": len(cases),
            "href": root + facet.path(value),
        }
        for value, cases in groups.items()
    ]
    if facet.key == "year":
        return sorted(values, key=lambda v: v["value"], reverse=True)
    return sorted(values, key=lambda v: (str(v["label"]).casefold(), v["value"]))


def pagination(paths: Sequence[str], number: int, here: str) -> dict[str, Any]:
    """The links between the pages of one list, relative to the page ``here``."""

    def href(path: str) -> str:
        return path.rsplit("/", 1)[-1] if "/" in here else path

    return {
        "number": number,
        "count": len(paths),
        "previous": href(paths[number - 2]) if number > 1 else None,
        "next": href(paths[number]) if number < len(paths) else None,
        "links": [(i + 1, href(p)) for i, p in enumerate(paths)],
    }


def pages_of(cases: Sequence[Summary]) -> list[list[Summary]]:
    return [list(cases[i : i + PAGE_SIZE]) for i in range(0, len(cases), PAGE_SIZE)] or [[]]
