"""What a report holds, independent of its format: coverage, sections of tables and charts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from procurement.analysis.catalogue import INDICATOR_BY_NAME, Indicator
from procurement.analysis.statistics import GroupResult


@dataclass
class Coverage:
    """What a report covers, shown at its top and carried in every format."""

    filters: dict[str, Any]
    cases: int
    data_as_of: str | None
    generated_at: str
    exchange_rates: str
    demo_cases: int = 0
    min_n: int | None = None
    grouped_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IndicatorTable:
    """Indicators (columns) for groups (rows), plus an optional row for all cases."""

    name: str
    title: str
    group_title: str
    indicators: list[str]
    groups: list[GroupResult]
    overall: GroupResult | None = None
    note: str = ""
    with_cases: bool = False  # drill-down: list each group's cases under the table

    @property
    def indicator_defs(self) -> list[Indicator]:
        return [INDICATOR_BY_NAME[n] for n in self.indicators]

    def cases_of(self, group: GroupResult) -> list[str]:
        """The references of the cases the group's figures in this table rest on."""
        found: set[str] = set()
        for name in self.indicators:
            stat = group.stats.get(name)
            if stat is not None and stat.cases:
                found.update(stat.cases)
        return sorted(found)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "kind": "indicators",
            "grouped_by": self.group_title,
            "groups": [g.as_dict(self.indicators) for g in self.groups],
        }
        if self.overall is not None:
            data["all_cases"] = self.overall.as_dict(self.indicators)
        if self.note:
            data["note"] = self.note
        return data


def figure(value: Any) -> Any:
    """A table's figure as JSON and CSV write it: computed shares and ratios rounded once, to
    4 decimals; everything else as it is."""
    return round(value, 4) if isinstance(value, float) else value


@dataclass
class Table:
    """A plain table: ``columns`` are (key, heading); rows map keys to values."""

    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    note: str = ""
    key_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "kind": "table",
            "columns": [k for k, _ in self.columns],
            "rows": [{k: figure(v) for k, v in row.items()} for row in self.rows],
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass
class Chart:
    name: str
    title: str
    svg: str
    description: str = ""


@dataclass
class CasePage:
    """The one-page summary of a case (best practice and ``report case``)."""

    reference: str
    title: str
    facts: list[tuple[str, str]]
    challenge: str | None
    approach: list[tuple[str, str]]
    ppp: list[tuple[str, str]]
    risks: list[tuple[str, str]]
    outcome: list[tuple[str, str]]
    kpis: list[dict[str, Any]]
    lessons_learned: str | None
    best_practice: bool
    best_practice_rationale: str | None
    contact: list[tuple[str, str]] | None
    documents: list[dict[str, Any]]
    demo: bool
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.data


@dataclass
class Section:
    name: str
    title: str
    intro: str = ""
    blocks: list[IndicatorTable | Table | Chart | CasePage] = field(default_factory=list)


@dataclass
class Report:
    kind: str
    title: str
    slug: str
    coverage: Coverage
    sections: list[Section]
    notes: list[str] = field(default_factory=list)
    glossary: list[Indicator] = field(default_factory=list)

    @property
    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]

    def as_dict(self) -> dict[str, Any]:
        sections = []
        for s in self.sections:
            blocks = [b for b in s.blocks if not isinstance(b, Chart)]
            entry: dict[str, Any] = {"name": s.name, "title": s.title}
            tables = [b.as_dict() for b in blocks if isinstance(b, IndicatorTable | Table)]
            cases = [b.as_dict() for b in blocks if isinstance(b, CasePage)]
            if tables:
                entry["tables"] = tables
            if cases:
                entry["cases"] = cases
            sections.append(entry)
        return {
            "report": self.kind,
            "title": self.title,
            "coverage": self.coverage.as_dict(),
            "fictional_data": self.coverage.demo_cases > 0,
            "notes": self.notes,
            "sections": sections,
            "glossary": [
                {
                    "name": i.name,
                    "label": i.label,
                    "description": i.description,
                    "formula": i.formula,
                    "denominator": i.denominator,
                    "unit": i.unit,
                    "better": i.better,
                }
                for i in self.glossary
            ],
        }
