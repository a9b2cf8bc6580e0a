"""A case as values: a plain mapping of vocabulary keys, and what follows from it.

The one place that knows the stored form of a case (:func:`case_values` from the database,
:func:`normalised` from clean input), what changed between two forms (:func:`diff`, the audit
form; :func:`changed`, what an input would change), whether a case has an outcome, its KPI
keys and the year it belongs to.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from procurement.cases.fields import FIELDS, OUTCOME_FIELDS, PERSONAL_FIELDS, PPP_NAMES

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
        "kpis": [{key: getattr(k, key) for key in KPI_KEYS} for k in case.kpis],
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
KPI_KEYS = ("name", "unit", "baseline", "target", "achieved", "lower_is_better")
# the outcome's own columns (the KPIs are rows of their own)
OUTCOME_COLUMNS = tuple(f.name for f in OUTCOME_FIELDS if f.name != "kpis")
PPP_COLUMNS = tuple(n for n in (f.name for f in FIELDS) if n in PPP_NAMES and n != "risks")
_FIELD_NAMES = tuple(f.name for f in FIELDS)
_ORDER = {name: i for i, name in enumerate(_FIELD_NAMES)}
_EMPTY_CONTAINERS = frozenset({list, dict})
# the dates that place a case in a year, most telling first
_YEAR_DATES = ("awarded_on", "tender_published", "contract_start")


_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.,;:]+$")


def organisation_key(name: str) -> str:
    """What makes two spellings of an organisation's name the same organisation: case,
    runs of spaces and trailing punctuation do not count ("city of  Helsinki." is "City of
    Helsinki")."""
    text = unicodedata.normalize("NFC", name).casefold()
    return _TRAILING.sub("", _SPACES.sub(" ", text).strip())


def has_outcome(values: Mapping[str, Any]) -> bool:
    """Whether these values record an outcome (a best-practice flag left off alone does not)."""
    get = values.get
    for name in OUTCOME_COLUMNS:  # a loop: most new cases have none (called for each)
        value = get(name)
        if value is not None and value not in (None, False):
            return True
    return False


def case_year(values: Mapping[str, Any], fallback: int) -> int:
    """The year a case belongs to: of its award, else its publication, else its start."""
    for name in _YEAR_DATES:
        if values.get(name) is not None:
            return int(values[name].year)
    return fallback


def normalised(values: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`case_values` gives for a case stored with these clean values: every field,
    lists for the list fields, no PPP fields without a PPP model, no outcome fields without
    an outcome, and the best-practice flag a yes/no once there is an outcome."""
    out = {name: values.get(name) for name in _FIELD_NAMES}
    out["innovation_approaches"] = list(values.get("innovation_approaches") or [])
    out["documents"] = [
        {"url": d["url"], "title": d.get("title")} for d in values.get("documents") or []
    ]
    out["kpis"] = [{k: kpi.get(k) for k in KPI_KEYS} for kpi in values.get("kpis") or []]
    if values.get("ppp_model") is None:
        for name in PPP_NAMES:
            out[name] = None
        out["risks"] = {}
    else:
        out["risks"] = dict(values.get("risks") or {})
    if has_outcome(values):
        out["best_practice"] = bool(values.get("best_practice"))
    else:
        for name in OUTCOME_COLUMNS:
            out[name] = None
    return out


def _audit_value(value: Any) -> Any:
    """A value as the audit trail compares and records it (empty lists and texts are none)."""
    if value is None or (value.__class__ in _EMPTY_CONTAINERS and not value) or value == "":
        return None
    return value if value.__class__ in PLAIN_TYPES else jsonable(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What changed between two stored forms of a case, as the audit trail records it:
    ``{field: {"old": ..., "new": ...}}`` in vocabulary order, JSON values. A new case is
    the diff from ``{}``."""
    changes: dict[str, Any] = {}
    for name in _FIELD_NAMES:
        old, new = _audit_value(before.get(name)), _audit_value(after.get(name))
        if old != new:
            changes[name] = {"old": old, "new": new}
    return changes


_OUTCOME_ONLY = frozenset(OUTCOME_COLUMNS)


def created(values: Mapping[str, Any]) -> dict[str, Any]:
    """``diff({}, normalised(values))`` computed directly, for a new case (a bulk import
    makes one per case): the same changes, without building the stored form first."""
    outcome = has_outcome(values)
    ppp = values.get("ppp_model") is not None
    # only the fields given (most of a new case's are not), in vocabulary order; a case with
    # an outcome records its best-practice flag even when it is not given
    names = [n for n in values if n in _ORDER]
    if outcome and "best_practice" not in values:
        names.append("best_practice")
    names.sort(key=_ORDER.__getitem__)
    changes: dict[str, Any] = {}
    get = values.get
    for name in names:
        value = get(name)
        if name == "best_practice":
            if not outcome:
                continue
            value = bool(value)
        elif (
            value is None
            or value == ""
            or (not ppp and name in PPP_NAMES)
            or (not outcome and name in _OUTCOME_ONLY)
        ):
            continue  # nothing to record, or a part the case does not have
        elif name == "documents" and value:
            value = [{"url": d["url"], "title": d.get("title")} for d in value]
        elif name == "kpis" and value:
            value = [{k: kpi.get(k) for k in KPI_KEYS} for kpi in value]
        if value.__class__ not in PLAIN_TYPES:  # plain values (text, numbers) are as they are
            value = _audit_value(value)
            if value is None:
                continue
        changes[name] = {"old": None, "new": value}
    return changes


def changed(current: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``new`` (clean values of some fields) that would change the stored case
    ``current``; clearing the PPP model carries no other PPP field (they go with it)."""
    names = diff(normalised(current), normalised({**current, **new}))
    data = {k: new[k] for k in new if k in names}
    if "ppp_model" in data and data["ppp_model"] is None:
        data = {k: v for k, v in data.items() if k == "ppp_model" or k not in PPP_NAMES}
    return data


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
