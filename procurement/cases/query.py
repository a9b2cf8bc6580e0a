"""Library API for cases: create, read, update, list, soft-remove; PPP details and outcomes.

Every function is keyword-only, takes a session and leaves committing to the caller, so
one command's work is one transaction. Every change writes an :class:`AuditEvent`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, selectinload

from procurement.cases.fields import (
    ASSIGNED,
    CASE_NAMES,
    FIELDS,
    OUTCOME_NAMES,
    PPP_NAMES,
    REQUIRED_FIELDS,
)
from procurement.cases.references import case_year, now
from procurement.cases.store import add_new_case, city_codes
from procurement.cases.validate import validate
from procurement.cases.values import case_values, jsonable
from procurement.core.errors import NotFound, ValidationError
from procurement.storage.engine import insert_ignoring_duplicates
from procurement.storage.models import (
    AuditEvent,
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
    """The organisation called ``name``, created on first use (safely when another officer
    creates it at the same moment)."""
    by_name = select(Organisation).where(Organisation.name == name)
    found = session.scalars(by_name).first()
    if found is None:
        session.execute(
            insert_ignoring_duplicates(session, Organisation), [{"name": name, "country": country}]
        )
        return session.scalars(by_name).one()
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


def _dates(case: Case) -> dict[str, Any]:
    return {
        "awarded_on": case.awarded_on,
        "tender_published": case.tender_published,
        "contract_start": case.contract_start,
    }


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for field in FIELDS:
        old, new = jsonable(before.get(field.name)), jsonable(after.get(field.name))
        if old in ([], {}):
            old = None
        if new in ([], {}):
            new = None
        if old != new:
            changes[field.name] = {"old": old, "new": new}
    return changes


def _audit(session: Session, case: Case, user: str, action: str, changes: dict[str, Any]) -> None:
    session.add(
        AuditEvent(
            case_id=case.id,
            city_code=case.city_code,
            at=now(),
            user=user,
            action=action,
            changes=changes,
        )
    )


def _load(session: Session) -> Select[Any]:
    return select(Case).options(
        selectinload(Case.buyer),
        selectinload(Case.winner),
        selectinload(Case.approaches),
        selectinload(Case.ppp).selectinload(PppDetails.risks),
        selectinload(Case.outcome),
        selectinload(Case.kpis),
        selectinload(Case.documents),
        selectinload(Case.city),
    )


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

    Written by :func:`procurement.cases.store.add_new_case`, as the importers write theirs."""
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


def get_case(*, session: Session, reference: str, include_removed: bool = False) -> Case:
    ref = reference.strip().upper()
    case: Case | None = session.scalars(_load(session).where(Case.reference == ref)).first()
    if case is None or (case.removed_at is not None and not include_removed):
        hint = " (it was removed; restore it with `procurement case remove --undo`)" if case else ""
        raise NotFound(f"no case '{reference}'{hint}; list cases with `procurement case list`")
    return case


def update_case(
    *,
    session: Session,
    reference: str,
    data: Mapping[str, Any],
    user: str,
    only: frozenset[str] | None = None,
    row: int | None = None,
) -> tuple[Case, dict[str, Any]]:
    """Change the given fields of a case; returns the case and the changes (empty if none)."""
    case = get_case(session=session, reference=reference)
    if only is not None:
        stray = [k for k in data if k not in only and k not in ASSIGNED]
        if stray:
            from procurement.core.errors import FieldError

            raise ValidationError(
                [FieldError(k, "cannot be set by this command", row) for k in stray]
            )
    before = case_values(case)
    values = validate(
        data,
        current=before,
        cities=city_codes(session),
        require=REQUIRED_FIELDS,
        ignore=ASSIGNED,
        row=row,
    )
    _apply(session, case, values)
    case.year = case_year(_dates(case), case.year)
    after = case_values(case)
    changes = _diff(before, after)
    if changes:
        case.updated_at = now()
        session.flush()
        _audit(session, case, user, "update", changes)
    return case, changes


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
    case = get_case(session=session, reference=reference, include_removed=True)
    if undo:
        if case.removed_at is None:
            raise NotFound(f"case '{case.reference}' is not removed; nothing to restore")
        case.removed_at = None
        _audit(session, case, user, "restore", {"removed": {"old": True, "new": False}})
    else:
        if case.removed_at is not None:
            raise NotFound(f"case '{case.reference}' is already removed; restore it with --undo")
        case.removed_at = now()
        _audit(session, case, user, "remove", {"removed": {"old": False, "new": True}})
    case.updated_at = now()
    session.flush()
    return case


@dataclass(frozen=True)
class CaseFilter:
    """The case filters shared by ``case list``, ``export`` and the reports."""

    city: Sequence[str] = ()
    status: Sequence[str] = ()
    procedure: Sequence[str] = ()
    sector: Sequence[str] = ()
    ppp: bool | None = None
    year: Sequence[int] = ()
    search: str | None = None
    best_practice: bool | None = None
    include_removed: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in {
                "city": list(self.city),
                "status": list(self.status),
                "procedure": list(self.procedure),
                "sector": list(self.sector),
                "ppp": self.ppp,
                "year": list(self.year),
                "search": self.search,
                "best_practice": self.best_practice,
            }.items()
            if v not in (None, [], "")
        }


def apply_filter(stmt: Select[Any], flt: CaseFilter) -> Select[Any]:
    """Restrict a statement over ``Case`` to the filter."""
    if not flt.include_removed:
        stmt = stmt.where(Case.removed_at.is_(None))
    if flt.city:
        stmt = stmt.where(Case.city_code.in_([c.upper() for c in flt.city]))
    if flt.status:
        stmt = stmt.where(Case.status.in_(flt.status))
    if flt.procedure:
        stmt = stmt.where(Case.procedure.in_(flt.procedure))
    if flt.sector:
        stmt = stmt.where(Case.sector.in_(flt.sector))
    if flt.year:
        stmt = stmt.where(Case.year.in_(flt.year))
    if flt.ppp is not None:
        has_ppp = select(PppDetails.case_id).where(PppDetails.case_id == Case.id).exists()
        stmt = stmt.where(has_ppp if flt.ppp else ~has_ppp)
    if flt.best_practice is not None:
        flagged = (
            select(Outcome.case_id)
            .where(Outcome.case_id == Case.id, Outcome.best_practice.is_(True))
            .exists()
        )
        stmt = stmt.where(flagged if flt.best_practice else ~flagged)
    if flt.search:
        pattern = f"%{flt.search.lower()}%"
        lessons = (
            select(Outcome.case_id)
            .where(Outcome.case_id == Case.id, func.lower(Outcome.lessons_learned).like(pattern))
            .exists()
        )
        stmt = stmt.where(
            or_(
                func.lower(Case.title).like(pattern),
                func.lower(Case.description).like(pattern),
                lessons,
            )
        )
    return stmt


def list_cases(
    *, session: Session, flt: CaseFilter = CaseFilter(), limit: int | None = None, offset: int = 0
) -> list[Case]:
    stmt = apply_filter(_load(session), flt).order_by(Case.reference).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count_cases(*, session: Session, flt: CaseFilter = CaseFilter()) -> int:
    # count(*), not count(id): PostgreSQL counts from the index alone (SQLite does either way)
    return int(session.scalar(apply_filter(select(func.count()).select_from(Case), flt)) or 0)


def history(*, session: Session, reference: str) -> list[AuditEvent]:
    case = get_case(session=session, reference=reference, include_removed=True)
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return list(session.scalars(stmt))
