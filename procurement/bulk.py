"""Many new cases at once: the same validation as :func:`procurement.cases.add_case`, written
with set-based inserts (one statement per table for a whole batch) instead of one ORM object
graph per case. Used by the importers; the result in the database, the references and the
audit events are the same as adding the cases one by one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from procurement.cases import (
    ASSIGNED,
    CASE_NAMES,
    OUTCOME_NAMES,
    PPP_NAMES,
    _case_year,
    _ref_taken,
    city_codes,
    now,
    ocid_prefix,
    reserve_numbers,
)
from procurement.db import insert_ignoring_duplicates
from procurement.errors import ValidationError
from procurement.models import (
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
from procurement.serialize import jsonable
from procurement.validation import validate
from procurement.vocabulary import FIELDS, REQUIRED_FIELDS

CHUNK = 500
# Case columns written from the vocabulary as they are (city, buyer, winner and the lists
# are mapped separately).
DIRECT = tuple(
    n
    for n in CASE_NAMES
    if n not in ("city", "buyer", "winner", "innovation_approaches", "documents")
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
OUTCOME_COLUMNS = tuple(n for n in OUTCOME_NAMES if n != "kpis")
PPP_COLUMNS = tuple(n for n in PPP_NAMES if n != "risks")


@dataclass
class Prepared:
    """One validated new case waiting to be written."""

    row: int | None
    values: dict[str, Any]
    year: int
    reference: str | None = None
    ocid: str | None = None
    provenance: Mapping[str, Any] | None = None


def _created(values: Mapping[str, Any], has_outcome: bool) -> dict[str, Any]:
    """The audit changes of a new case (as :func:`procurement.cases._diff` from nothing)."""
    changes: dict[str, Any] = {}
    for name in FIELD_NAMES:
        value = values.get(name)
        if name == "best_practice":
            value = bool(value) if has_outcome else None
        if value is None or value == [] or value == {}:
            continue
        changes[name] = {"old": None, "new": jsonable(value)}
    return changes


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BulkWriter:
    """Validate new cases one by one (:meth:`prepare`), write them in batches (:meth:`write`).

    The writer never commits: it works inside the caller's transaction.
    """

    def __init__(self, *, session: Session, user: str) -> None:
        self.session = session
        self.user = user
        self.cities = city_codes(session)
        if session.get_bind().dialect.name == "postgresql":
            # The tables grow inside this one transaction, unseen by the planner's statistics:
            # keep the per-batch lookups (reference, ocid, names) on their indexes.
            session.execute(text("SET LOCAL enable_seqscan = off"))
        self._org_ids: dict[str, int] = {}

    def prepare(
        self,
        data: Mapping[str, Any],
        *,
        row: int | None = None,
        reference: str | None = None,
        ocid: str | None = None,
        provenance: Mapping[str, Any] | None = None,
    ) -> Prepared:
        """Validate one new case exactly as :func:`add_case` does (raises ValidationError)."""
        values = validate(
            data, cities=self.cities, require=REQUIRED_FIELDS, ignore=ASSIGNED, row=row
        )
        return Prepared(row, values, _case_year(values, now().year), reference, ocid, provenance)

    # references --------------------------------------------------------------------------

    def taken(self, references: Sequence[str]) -> set[str]:
        """Which of ``references`` the registry already holds."""
        taken: set[str] = set()
        for chunk in _chunks(references):
            taken.update(
                self.session.scalars(select(Case.reference).where(Case.reference.in_(chunk)))
            )
        return taken

    def _assign_references(self, batch: Sequence[Prepared]) -> None:
        given = [p.reference for p in batch if p.reference is not None]
        clash = self.taken(given)
        if clash:
            raise ValidationError(
                [_ref_taken(p.reference, p.row) for p in batch if p.reference in clash]
            )
        wanting: dict[tuple[str, int], list[Prepared]] = defaultdict(list)
        for p in batch:
            if p.reference is None:
                wanting[(p.values["city"], p.year)].append(p)
        for (city, year), items in wanting.items():
            pending = list(items)
            while pending:
                numbers = reserve_numbers(
                    session=self.session, city=city, year=year, count=len(pending)
                )
                candidates = [f"{city}-{year}-{n:03d}" for n in numbers]
                # e.g. imported cases holding such numbers, or given to a case of this batch
                taken = self.taken(candidates) | set(given)
                free = [c for c in candidates if c not in taken]
                for p, ref in zip(pending, free, strict=False):
                    p.reference = ref
                pending = pending[len(free) :]

    # organisations -----------------------------------------------------------------------

    def _organisations(self, batch: Sequence[Prepared]) -> None:
        wanted: dict[str, str | None] = {}
        for p in batch:
            for name in (p.values.get("buyer"), p.values.get("winner")):
                if name and name not in self._org_ids:
                    wanted.setdefault(name, None)
            winner = p.values.get("winner")
            if winner and winner in wanted and p.values.get("winner_country"):
                wanted[winner] = p.values["winner_country"]
        if not wanted:
            return
        names = list(wanted)
        for chunk in _chunks(names):
            for org_id, name in self.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.name.in_(chunk))
            ):
                self._org_ids[name] = org_id
        missing = [n for n in names if n not in self._org_ids]
        if not missing:
            return
        # One statement for all new organisations; a name another officer created a moment
        # ago is skipped by the database (no savepoint: on PostgreSQL more than 64
        # subtransactions in one transaction slow every later query).
        self.session.execute(
            insert_ignoring_duplicates(self.session, Organisation),
            [{"name": n, "country": wanted[n]} for n in missing],
        )
        for chunk in _chunks(missing):
            for org_id, name in self.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.name.in_(chunk))
            ):
                self._org_ids[name] = org_id

    # writing -----------------------------------------------------------------------------

    def write(
        self,
        batch: Sequence[Prepared],
        *,
        action: str = "create",
        columns: Callable[[Prepared, dt.datetime], Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """Insert the prepared cases with their details and audit events; their references.

        ``columns(prepared, stamp)``, called once the case's reference is assigned, returns
        more Case columns for it (e.g. what depends on the reference); ``stamp`` is the
        cases' ``created_at`` and ``updated_at``.
        """
        if not batch:
            return []
        known = dict(self._org_ids)
        try:
            return self._write(batch, action, columns)
        except BaseException:
            self._org_ids = known  # organisations inserted here are rolled back with the batch
            raise

    def _write(
        self,
        batch: Sequence[Prepared],
        action: str,
        columns: Callable[[Prepared, dt.datetime], Mapping[str, Any]] | None,
    ) -> list[str]:
        self._assign_references(batch)
        self._organisations(batch)
        stamp = now()
        case_rows: list[dict[str, Any]] = []
        for p in batch:
            v = p.values
            assert p.reference is not None
            row: dict[str, Any] = {name: v.get(name) for name in DIRECT}
            row.update(
                reference=p.reference,
                ocid=p.ocid or f"{ocid_prefix()}{p.reference}",
                city_code=v["city"],
                buyer_id=self._org_ids[v["buyer"]],
                winner_id=self._org_ids[v["winner"]] if v.get("winner") else None,
                year=p.year,
                created_at=stamp,
                updated_at=stamp,
                origin="local",
                source_publisher=None,
                source_uri=None,
                source_file=None,
                source_release_date=None,
                ocds_extra=None,
                removed_at=None,
            )
            row.update(p.provenance or {})
            if columns is not None:
                row.update(columns(p, stamp))
            case_rows.append(row)
        cases = Case.__table__
        assert isinstance(cases, Table)
        result = self.session.execute(  # Core inserts: no ORM objects, one statement a batch
            cases.insert().returning(cases.c.id, sort_by_parameter_order=True), case_rows
        )
        ids = [r[0] for r in result]

        approaches: list[dict[str, Any]] = []
        ppps: list[dict[str, Any]] = []
        risks: list[dict[str, Any]] = []
        outcomes: list[dict[str, Any]] = []
        kpis: list[dict[str, Any]] = []
        documents: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for case_id, p, row in zip(ids, batch, case_rows, strict=True):
            v = p.values
            approaches += [
                {"case_id": case_id, "approach": a} for a in v.get("innovation_approaches") or []
            ]
            documents += [
                {"case_id": case_id, "position": i, **d}
                for i, d in enumerate(v.get("documents") or [])
            ]
            kpis += [
                {"case_id": case_id, "position": i, **k} for i, k in enumerate(v.get("kpis") or [])
            ]
            if v.get("ppp_model"):
                ppps.append({"case_id": case_id, **{n: v.get(n) for n in PPP_COLUMNS}})
                risks += [
                    {"case_id": case_id, "category": c, "allocation": a}
                    for c, a in (v.get("risks") or {}).items()
                ]
            has_outcome = any(v.get(n) not in (None, False) for n in OUTCOME_COLUMNS)
            if has_outcome:
                outcome = {n: v.get(n) for n in OUTCOME_COLUMNS}
                outcome["best_practice"] = bool(outcome.get("best_practice"))
                outcomes.append({"case_id": case_id, **outcome})
            audits.append(
                {
                    "case_id": case_id,
                    "city_code": row["city_code"],
                    "at": stamp,
                    "user": self.user,
                    "action": action,
                    "changes": _created(v, has_outcome),
                }
            )
        for table, rows in (
            (CaseApproach.__table__, approaches),
            (PppDetails.__table__, ppps),
            (RiskAllocationRow.__table__, risks),
            (Outcome.__table__, outcomes),
            (Kpi.__table__, kpis),
            (Document.__table__, documents),
            (AuditEvent.__table__, audits),
        ):
            if rows:
                assert isinstance(table, Table)
                self.session.execute(table.insert(), rows)
        return [r["reference"] for r in case_rows]
