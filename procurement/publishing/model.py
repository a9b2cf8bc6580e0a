"""What a site is built with, and what its lists show of each published case."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from procurement.cases.query import CaseFilter

DEFAULT_BASE_URL = "https://registry.example.invalid/best-practice/"
DEFAULT_TITLE = "Baltic Metropolises: innovative procurement best practice"
PAGE_SIZE = 100  # cases per page of a list
MIN_N = 3  # fewest cases a median is shown for

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def slug(text: str) -> str:
    """``text`` as a safe file name part (references and codes are already safe)."""
    cleaned = _UNSAFE.sub("_", text)
    return cleaned.lstrip(".") or "_"


@dataclass(frozen=True)
class SiteOptions:
    """How to build the site: which cases (the report filters; best practice unless
    ``all_cases``), contacts or not, the address it will be published at, its title."""

    flt: CaseFilter = field(default_factory=CaseFilter)
    all_cases: bool = False
    include_contacts: bool = False
    base_url: str = DEFAULT_BASE_URL
    title: str = DEFAULT_TITLE
    min_n: int = MIN_N

    @property
    def scope(self) -> CaseFilter:
        """The filter of the published cases."""
        if self.all_cases:
            return self.flt
        from dataclasses import replace

        return replace(self.flt, best_practice=True)

    @property
    def base(self) -> str:
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"


@dataclass(frozen=True)
class Summary:
    """A published case as the lists, facets, search index and feed show it."""

    reference: str
    title: str
    city: str
    city_name: str
    year: int
    sector: str
    procedure: str
    approaches: tuple[str, ...]
    ppp_model: str | None
    status: str
    updated_at: dt.datetime
    demo: bool
    best_practice: bool
    rationale: str | None
    cost_overrun: float | None
    delay_days: int | None
    tenders: int | None

    @property
    def path(self) -> str:
        """The case page, relative to the site's root."""
        return f"cases/{slug(self.reference)}.html"

    @property
    def as_of(self) -> str:
        return stamp(self.updated_at)


def stamp(value: dt.datetime) -> str:
    """A time as the site shows it: UTC, to the second (SQLite keeps no time zone)."""
    utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return utc.replace(microsecond=0).isoformat().replace("+00:00", "Z")
