"""Changes to stored cases: fields, PPP details, outcome, removal and restore.

Through the ORM (a case with its child rows); each change is validated by
:mod:`procurement.cases.validate`, compared by :func:`procurement.cases.values.diff` and
recorded by :mod:`.audit`. Functions are keyword-only, take a session and leave committing
to the caller, so one command's work is one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.cases.fields import (
    ASSIGNED,
    CASE_NAMES,
    OUTCOME_NAMES,
    PPP_NAMES,
    REQUIRED_FIELDS,
)
from procurement.cases.query import get_case
from procurement.cases.store import audit
from procurement.cases.store.create import add_new_case, city_codes
from procurement.cases.validate import is_blank, validate
from procurement.cases.values import case_values, case_year, diff, organisation_key
from procurement.core.clock import now
from procurement.core.errors import FieldError, NotFound, ValidationError
from procurement.storage.engine import insert_ignoring_duplicates
from procurement.storage.models import (
    Case,
    CaseApproach,
    Document,
    Kpi,
    Organisation,
    Outcome,
    PppDetails,
    RiskAllocationRow,
)


def _organisation(session: Session, name: str, country: str | None = None) -> Organisation:
    """The organisation called ``name`` however it is spelled (:func:`organisation_key`),
    created on first use (safely when another officer creates it at the same moment)."""
    key = organisation_key(name)
    by_key = select(Organisation).where(Organisation.name_key == key)
    found = session.scalars(by_key).first()
    if found is None:
        session.execute(
            insert_ignoring_duplicates(session, Organisation),
            [{"name": name, "name_key": key, "country": country}],
        )
        return session.scalars(by_key).one()
    if country and not found.country:
        found.country = country
    return found


def _apply(session: Session, case: Case, values: Mapping[str, Any]) -> None:
    """Write clean vocabulary values onto ``case`` and its PPP details and outcome."""
    for name, value in values.items():
        if name == "city":
            case.city_code = value
        elif name == "buyer":
            case.buyer = _organisation(session, value)
        elif name == "winner":
            case.winner = _organisation(session, value) if value else None
        elif name == "innovation_approaches":
            case.approaches = [CaseApproach(approach=a) for a in value]
        elif name == "documents":
            case.documents = [
                Document(url=d["url"], title=d["title"], position=i) for i, d in enumerate(value)
            ]
        elif name in CASE_NAMES:
            setattr(case, name, value)
    if case.winner is not None and values.get("winner_country"):
        case.winner.country = case.winner.country or values["winner_country"]

    ppp_values = {k: v for k, v in values.items() if k in PPP_NAMES}
    if ppp_values:
        if ppp_values.get("ppp_model", "keep") is None:
            case.ppp = None  # clearing the model removes the PPP details
        else:
            if case.ppp is None:
                case.ppp = PppDetails()
            for name, value in ppp_values.items():
                if name == "risks":
                    case.ppp.risks = [
                        RiskAllocationRow(category=k, allocation=v) for k, v in value.items()
                    ]
                else:
                    setattr(case.ppp, name, value)

    if "kpis" in values:
        if case.kpis and sa_inspect(case).persistent:
            # delete the old rows first: (case_id, name) is unique
            case.kpis.clear()
            session.flush()
        case.kpis = [Kpi(position=i, **k) for i, k in enumerate(values["kpis"])]
    outcome_values = {k: v for k, v in values.items() if k in OUTCOME_NAMES and k != "kpis"}
    if case.outcome is None and any(v not in (None, False) for v in outcome_values.values()):
        case.outcome = Outcome(best_practice=False)
    if case.outcome is not None:
        for name, value in outcome_values.items():
            if name == "best_practice":
                case.outcome.best_practice = bool(value)
            else:
                setattr(case.outcome, name, value)


def add_case(
    *,
    session: Session,
    data: Mapping[str, Any],
    user: str,
    row: int | None = None,
    provenance: Mapping[str, Any] | None = None,
    reference: str | None = None,
    ocid: str | None = None,
) -> Case:
    """Validate ``data`` (vocabulary keys) and store a new case with an assigned reference.

    Written by :func:`.create.add_new_case`, as the importers write theirs."""
    stored = add_new_case(
        db=session,
        data=data,
        user=user,
        row=row,
        provenance=provenance,
        reference=reference,
        ocid=ocid,
    )
    return get_case(session=session, reference=stored)


def validate_change(
    *, session: Session, before: Mapping[str, Any], data: Mapping[str, Any], row: int | None
) -> dict[str, Any]:
    """``data`` (some fields, raw) validated as a change of the stored case ``before``: the
    whole case must stay valid (required fields, cross-field rules)."""
    return validate(
        data,
        current=before,
        cities=city_codes(session),
        require=REQUIRED_FIELDS,
        ignore=ASSIGNED,
        row=row,
    )


def update_case(
    *,
    session: Session,
    reference: str,
    data: Mapping[str, Any],
    user: str,
    only: frozenset[str] | None = None,
    row: int | None = None,
) -> tuple[Case, dict[str, Any]]:
    """Change the given fields of a case; returns the case and the changes (empty if none).

    The city and the reference are the identity of a case: a ``data`` that changes either is
    refused (:class:`IdentityError`); giving the values the case has is fine."""
    case = get_case(session=session, reference=reference, lock=True)
    if only is not None:
        stray = [k for k in data if k not in only and k not in ASSIGNED]
        if stray:
            raise ValidationError(
                [FieldError(k, "cannot be set by this command", row) for k in stray]
            )
    before = case_values(case)
    identity = _identity_change(case, data, row)
    try:
        values = validate_change(session=session, before=before, data=data, row=row)
    except ValidationError as exc:
        if not identity:
            raise
        said = {e.field for e in identity}
        raise ValidationError(
            [*identity, *(e for e in exc.errors if e.field not in said)]
        ) from None
    if identity:
        raise ValidationError(identity)
    _apply(session, case, values)
    after = case_values(case)
    case.year = case_year(after, case.year)
    changes = diff(before, after)
    if changes:
        case.updated_at = now()
        session.flush()
        _record(session, case, user, "update", changes)
    return case, changes


@dataclass(frozen=True)
class IdentityError(FieldError):
    """A change to the identity of a case (city, reference): "city cannot be changed: ..."."""

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field} {self.message}"


def _same(given: Any, stored: str) -> bool:
    """A raw city or reference names the stored one (as the city parser reads it: trimmed,
    upper case)."""
    return not is_blank(given) and str(given).strip().upper() == stored.upper()


def _identity_change(case: Case, data: Mapping[str, Any], row: int | None) -> list[FieldError]:
    """A city or reference in ``data`` other than the case's own: refused, never silently
    ignored (a blank city is left to the validation: it is required)."""
    problems: list[FieldError] = []
    city = data.get("city")
    if "city" in data and not is_blank(city) and not _same(city, case.city_code):
        if case.reference.upper().startswith(f"{case.city_code}-"):
            why = f"it is part of the reference {case.reference}"
        else:
            why = f"it is part of the identity of case {case.reference}"
        problems.append(
            IdentityError(
                "city",
                f"cannot be changed: {why}; remove the case and add it again in the other city",
                row,
            )
        )
    if "reference" in data and not _same(data["reference"], case.reference):
        problems.append(
            IdentityError(
                "reference", "cannot be changed: references are assigned and never reused", row
            )
        )
    return problems


def set_ppp(
    *, session: Session, reference: str, data: Mapping[str, Any], user: str
) -> tuple[Case, dict[str, Any]]:
    return update_case(session=session, reference=reference, data=data, user=user, only=PPP_NAMES)


def set_outcome(
    *, session: Session, reference: str, data: Mapping[str, Any], user: str
) -> tuple[Case, dict[str, Any]]:
    allowed = OUTCOME_NAMES | {"final_value", "completed_on", "status"}
    return update_case(
        session=session, reference=reference, data=data, user=user, only=frozenset(allowed)
    )


def remove_case(*, session: Session, reference: str, user: str, undo: bool = False) -> Case:
    """Soft-remove a case (it stays in the database and its reference is never reused)."""
    case = get_case(session=session, reference=reference, include_removed=True, lock=True)
    if undo:
        if case.removed_at is None:
            raise NotFound(f"case '{case.reference}' is not removed; nothing to restore")
        case.removed_at = None
        _record(session, case, user, "restore", {"removed": {"old": True, "new": False}})
    else:
        if case.removed_at is not None:
            raise NotFound(f"case '{case.reference}' is already removed; restore it with --undo")
        case.removed_at = now()
        _record(session, case, user, "remove", {"removed": {"old": False, "new": True}})
    case.updated_at = now()
    session.flush()
    return case


def _record(session: Session, case: Case, user: str, action: str, changes: dict[str, Any]) -> None:
    audit.record(
        db=session, case_id=case.id, city=case.city_code, user=user, action=action, changes=changes
    )
