"""A case as a plain mapping of vocabulary keys: the JSON, YAML, CSV and audit form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from procurement.cases.fields import FIELDS, PERSONAL_FIELDS

if TYPE_CHECKING:
    from procurement.storage.models import Case


def case_values(case: Case) -> dict[str, Any]:
    """Every vocabulary field of ``case`` as clean Python values (the validation layer's form)."""
    ppp, outcome = case.ppp, case.outcome
    values: dict[str, Any] = {
        "city": case.city_code,
        "buyer": case.buyer.name if case.buyer else None,
        "winner": case.winner.name if case.winner else None,
        "innovation_approaches": [a.approach for a in case.approaches],
        "documents": [{"url": d.url, "title": d.title} for d in case.documents],
        "kpis": [
            {
                "name": k.name,
                "unit": k.unit,
                "baseline": k.baseline,
                "target": k.target,
                "achieved": k.achieved,
            }
            for k in case.kpis
        ],
        "risks": {r.category: r.allocation for r in ppp.risks} if ppp else {},
    }
    for field in FIELDS:
        if field.name in values:
            continue
        if field.group == "case":
            values[field.name] = getattr(case, field.name)
        elif field.group == "ppp":
            values[field.name] = getattr(ppp, field.name) if ppp else None
        else:
            values[field.name] = getattr(outcome, field.name) if outcome else None
    if outcome is None:
        values["best_practice"] = None
    return values


PLAIN_TYPES = frozenset({str, int, bool, float})  # JSON as they are


def jsonable(value: Any) -> Any:
    """Dates as ISO text, numbers as exact decimal text without trailing zeros (1100000.5),
    lists and mappings recursively."""
    if value is None or type(value) in PLAIN_TYPES:
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def case_to_dict(case: Case, *, include_contacts: bool = True) -> dict[str, Any]:
    """The stable JSON form of a case: assigned keys, then every vocabulary field in order."""
    values = case_values(case)
    result: dict[str, Any] = {
        "reference": case.reference,
        "ocid": case.ocid,
    }
    for field in FIELDS:
        if field.name in PERSONAL_FIELDS and not include_contacts:
            continue
        result[field.name] = jsonable(values[field.name])
    result["removed"] = case.removed_at is not None
    result["origin"] = case.origin
    result["created_at"] = jsonable(case.created_at)
    result["updated_at"] = jsonable(case.updated_at)
    return result


def cell_text(name: str, value: Any) -> str:
    """One vocabulary value as spreadsheet cell text (the inverse of the validation parsers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "innovation_approaches":
        return ";".join(value)
    if name == "risks":
        return ";".join(f"{k}={v}" for k, v in value.items())
    if name == "kpis":
        parts = []
        for k in value:
            fields = [
                jsonable(k["achieved"]),
                k["unit"],
                jsonable(k["baseline"]),
                jsonable(k["target"]),
            ]
            text = ":".join("" if f is None else str(f) for f in fields).rstrip(":")
            parts.append(f"{k['name']}={text}")
        return ";".join(parts)
    if name == "documents":
        return "\n".join(f"{d['url']} {d['title'] or ''}".strip() for d in value)
    return str(jsonable(value))
