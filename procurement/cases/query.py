"""Reading cases: one case, filtered lists and counts, the history; what to load with them.

The case filters (:class:`CaseFilter`) are shared by ``case list``, ``export`` and the
reports. Writing is :mod:`procurement.cases.store`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from procurement.core.errors import NotFound
from procurement.storage.models import AuditEvent, Case, Organisation, Outcome, PppDetails


def whole_cases() -> Select[Any]:
    """Cases with everything they hold (buyer, winner, approaches, PPP details and risks,
    outcome, KPIs, documents, city), each kind loaded in one query for all of them."""
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


def get_case(
    *, session: Session, reference: str, include_removed: bool = False, lock: bool = False
) -> Case:
    """The case ``reference`` with everything it holds. ``lock``: for a change, the case's
    row is locked first (PostgreSQL ``FOR UPDATE``; SQLite writers hold the database's write
    lock from their first statement), so that two commands changing the same case, its PPP
    risks or KPIs queue instead of overwriting each other, and the case is read as the
    previous one left it."""
    ref = reference.strip().upper()
    statement = whole_cases().where(Case.reference == ref)
    if lock:
        session.execute(select(Case.id).where(Case.reference == ref).with_for_update())
        statement = statement.execution_options(populate_existing=True)
    case: Case | None = session.scalars(statement).first()
    if case is None or (case.removed_at is not None and not include_removed):
        hint = " (it was removed; restore it with `procurement case remove --undo`)" if case else ""
        raise NotFound(f"no case '{reference}'{hint}; list cases with `procurement case list`")
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
        # the words as typed: % and _ are letters here, not LIKE wildcards
        escaped = flt.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"

        def matches(column: Any) -> Any:
            return func.lower(column).like(pattern, escape="\\")

        lessons = (
            select(Outcome.case_id)
            .where(Outcome.case_id == Case.id, matches(Outcome.lessons_learned))
            .exists()
        )
        stmt = stmt.where(or_(matches(Case.title), matches(Case.description), lessons))
    return stmt


def list_cases(
    *, session: Session, flt: CaseFilter = CaseFilter(), limit: int | None = None, offset: int = 0
) -> list[Case]:
    stmt = apply_filter(whole_cases(), flt).order_by(Case.reference).offset(offset)
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


def organisation_names(*, session: Session, limit: int = 50_000) -> list[str]:
    """The recorded organisations' names (buyers and suppliers), alphabetically: what guided
    entry offers while an officer types a buyer or a supplier."""
    stmt = select(Organisation.name).order_by(Organisation.name).limit(limit)
    return list(session.scalars(stmt))
