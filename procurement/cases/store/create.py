"""New cases, one or many: the one validation, then set-based inserts with SQLAlchemy Core
(one statement per table for a whole batch) instead of an ORM object graph per case.

``procurement case add`` (:func:`add_new_case`), :func:`.update.add_case` and every importer
write new cases here, so the rows, the references and the audit events are the same whichever
way a case comes in. Works on a Core connection or an ORM session; it imports no ORM. A
validated case waiting to be written is a :class:`.prepared.Prepared` (which needs no
database; named here too).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, bindparam, func, select, text

from procurement.cases.fields import ASSIGNED, CASE_NAMES, REQUIRED_FIELDS
from procurement.cases.store.audit import event_row
from procurement.cases.store.prepared import Prepared as Prepared
from procurement.cases.store.prepared import prepare_clean as prepare_clean
from procurement.cases.store.references import ocid_prefix, reference_taken, reserve_many
from procurement.cases.validate import validate
from procurement.cases.values import (
    OUTCOME_COLUMNS,
    PPP_COLUMNS,
    created,
    has_outcome,
    organisation_key,
)
from procurement.core.clock import now
from procurement.core.errors import ValidationError
from procurement.storage.bulk import insert_rows
from procurement.storage.engine import dialect_name, insert_ignoring_duplicates
from procurement.storage.schema import (
    audit_events,
    case_approaches,
    cases,
    cities,
    documents,
    kpis,
    organisations,
    outcomes,
    ppp_details,
    risk_allocations,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

CHUNK = 500
SQLITE_IMPORT_CACHE_KB = 8_192  # SQLite's page cache during a batch import (default 2 MB)
# Case columns written from the vocabulary as they are (city, buyer, winner and the lists
# are mapped separately).
DIRECT = tuple(
    n
    for n in CASE_NAMES
    if n not in ("city", "buyer", "winner", "innovation_approaches", "documents")
)


def city_codes(db: Session | Connection) -> set[str]:
    """The codes of the cities in the registry."""
    return set(db.scalars(select(cities.c.code)))


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BulkWriter:
    """Validate new cases one by one (:meth:`prepare`), write them in batches (:meth:`write`).

    The writer never commits: it works inside the caller's transaction.
    """

    def __init__(self, *, db: Session | Connection, user: str, many: bool = True) -> None:
        self.db = db
        self.user = user
        self.cities = city_codes(db)
        self.dialect = dialect_name(db)
        self._many = many
        self._written = 0
        self._analyzed = 250  # first ANALYZE after 500 cases
        if many and self.dialect == "sqlite":
            # A batch import inserts into a dozen indexes (cases, audit events, stored
            # releases) at scattered places: with SQLite's default 2 MB of cache their pages
            # are written out and read back again and again (a tenth of the import's time).
            db.execute(text(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KB}"))
        if many and self.dialect == "postgresql":
            # The tables grow inside this one transaction, unseen by the planner's statistics:
            # keep the per-batch lookups (reference, ocid, names) on their indexes.
            db.execute(text("SET LOCAL enable_seqscan = off"))
        self._org_ids: dict[str, int] = {}  # by organisation_key
        self._keys: dict[str, str] = {}  # name as typed -> organisation_key
        self._org_country: dict[str, str | None] = {}

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
        return prepare_clean(values, row=row, reference=reference, ocid=ocid, provenance=provenance)

    # references --------------------------------------------------------------------------

    def taken(self, references: Sequence[str]) -> set[str]:
        """Which of ``references`` the registry already holds, as a reference or as the
        ocid made from it (an imported case may hold one): neither can be handed out."""
        taken: set[str] = set()
        prefix = ocid_prefix()
        for chunk in _chunks(references):
            taken.update(
                self.db.scalars(select(cases.c.reference).where(cases.c.reference.in_(chunk)))
            )
            ocids = [prefix + r for r in chunk]
            taken.update(
                ocid[len(prefix) :]
                for ocid in self.db.scalars(select(cases.c.ocid).where(cases.c.ocid.in_(ocids)))
            )
        return taken

    def _assign_references(self, batch: Sequence[Prepared]) -> None:
        given = [p.reference for p in batch if p.reference is not None]
        clash = self.taken(given)
        if clash:
            raise ValidationError(
                [reference_taken(p.reference, p.row) for p in batch if p.reference in clash]
            )
        grouped: dict[tuple[str, int], list[Prepared]] = defaultdict(list)
        for p in batch:
            if p.reference is None:
                grouped[(p.values["city"], p.year)].append(p)
        wanting = dict(grouped)
        while wanting:
            numbers = reserve_many(
                db=self.db, wanted={group: len(items) for group, items in wanting.items()}
            )
            candidates = {
                (city, year): [f"{city}-{year}-{n:03d}" for n in found]
                for (city, year), found in numbers.items()
            }
            # e.g. imported cases holding such numbers, or given to a case of this batch
            taken = self.taken([c for group in candidates.values() for c in group]) | set(given)
            short: dict[tuple[str, int], list[Prepared]] = {}
            for group, items in wanting.items():
                free = [c for c in candidates[group] if c not in taken]
                for p, ref in zip(items, free, strict=False):
                    p.reference = ref
                if len(free) < len(items):
                    short[group] = items[len(free) :]
            wanting = short

    # organisations -----------------------------------------------------------------------

    def _key(self, name: str) -> str:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = organisation_key(name)
        return key

    def _organisations(self, batch: Sequence[Prepared]) -> None:
        """Find or create the buyers and winners of a batch, matched on
        :func:`~procurement.cases.values.organisation_key` ("City of  Helsinki." is the
        organisation "City of Helsinki"); the first spelling recorded is kept."""
        wanted: dict[str, tuple[str, str | None]] = {}  # key -> (name, country) if new
        for p in batch:
            for name in (p.values.get("buyer"), p.values.get("winner")):
                if name and self._key(name) not in self._org_ids:
                    wanted.setdefault(self._key(name), (name, None))
            winner, country = p.values.get("winner"), p.values.get("winner_country")
            if winner and country and self._key(winner) in wanted:
                name, known = wanted[self._key(winner)]
                wanted[self._key(winner)] = (name, known or country)
        if wanted:
            keys = list(wanted)
            self._look_up(keys)
            missing = [k for k in keys if k not in self._org_ids]
            if missing:
                # One statement for all new organisations; a name another officer created a
                # moment ago is skipped by the database (no savepoint: on PostgreSQL more than
                # 64 subtransactions in one transaction slow every later query).
                self.db.execute(
                    insert_ignoring_duplicates(self.db, organisations),
                    [
                        {"name": wanted[k][0], "name_key": k, "country": wanted[k][1]}
                        for k in missing
                    ],
                )
                self._look_up(missing)
        # A known supplier recorded without a country gets the winner_country given.
        countries: dict[str, str] = {}
        for p in batch:
            winner, country = p.values.get("winner"), p.values.get("winner_country")
            if not (winner and country):
                continue
            key = self._key(winner)
            if self._org_country.get(key, "") is None:
                countries.setdefault(key, country)
                self._org_country[key] = country
        if countries:
            org = organisations.c
            self.db.execute(
                organisations.update()
                .where(org.name_key == bindparam("org_key"), org.country.is_(None))
                .values(country=bindparam("org_country")),
                [{"org_key": k, "org_country": c} for k, c in countries.items()],
            )

    def _look_up(self, keys: Sequence[str]) -> None:
        org = organisations.c
        for chunk in _chunks(keys):
            for org_id, key, country in self.db.execute(
                select(org.id, org.name_key, org.country).where(org.name_key.in_(chunk))
            ):
                self._org_ids[key] = org_id
                self._org_country[key] = country

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
        known, countries = dict(self._org_ids), dict(self._org_country)
        try:
            written = self._write(batch, action, columns)
        except BaseException:
            # organisations inserted or changed here are rolled back with the batch
            self._org_ids, self._org_country = known, countries
            raise
        self._written += len(written)
        if self._many and self.dialect == "postgresql" and self._written >= self._analyzed * 2:
            # The tables grow inside this one transaction: statistics taken when they were
            # small make the planner scan a whole index for each batch's lookups (by
            # reference, by name), so an import slows down as it goes. Refreshed each time
            # the import has doubled (a few times; ANALYZE reads a sample and sees this
            # transaction's rows; a role that does not own the tables gets a warning only).
            self.db.execute(text("ANALYZE cases, organisations"))
            self._analyzed = self._written
        return written

    def _write(
        self,
        batch: Sequence[Prepared],
        action: str,
        columns: Callable[[Prepared, dt.datetime], Mapping[str, Any]] | None,
    ) -> list[str]:
        self._assign_references(batch)
        self._organisations(batch)
        stamp = now()
        case_rows = [self._case_row(p, stamp, columns) for p in batch]
        ids = self._insert_cases(case_rows)
        children: dict[Table, list[dict[str, Any]]] = {
            table: [] for table in (case_approaches, ppp_details, risk_allocations, outcomes)
        }
        children.update({kpis: [], documents: [], audit_events: []})
        for case_id, p, row in zip(ids, batch, case_rows, strict=True):
            _add_children(children, case_id, p.values)
            children[audit_events].append(
                event_row(
                    case_id=case_id,
                    city=row["city_code"],
                    user=self.user,
                    action=action,
                    changes=created(p.values) if p.changes is None else p.changes,
                    at=stamp,
                )
            )
        for table, rows in children.items():
            if rows:
                self._insert(table, rows)
        return [r["reference"] for r in case_rows]

    def _case_row(
        self,
        p: Prepared,
        stamp: dt.datetime,
        columns: Callable[[Prepared, dt.datetime], Mapping[str, Any]] | None,
    ) -> dict[str, Any]:
        """The ``cases`` row of a prepared case whose reference is assigned."""
        v = p.values
        assert p.reference is not None
        row: dict[str, Any] = {name: v.get(name) for name in DIRECT}
        row.update(
            reference=p.reference,
            ocid=p.ocid or f"{ocid_prefix()}{p.reference}",
            city_code=v["city"],
            buyer_id=self._org_ids[self._key(v["buyer"])],
            winner_id=self._org_ids[self._key(v["winner"])] if v.get("winner") else None,
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
        return row

    def _insert(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """INSERT ``rows`` (each with the same keys) into ``table``, as one executemany."""
        insert_rows(self.db, table, rows)

    def _insert_cases(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert the case rows (Core, no ORM objects); their ids, in the order given."""
        if self.dialect != "sqlite":
            # one multi-row INSERT ... RETURNING per batch, ids sorted as the rows were given
            result = self.db.execute(
                cases.insert().returning(cases.c.id, sort_by_parameter_order=True), rows
            )
            return [r[0] for r in result]
        # SQLite cannot promise the order of ids returned by a multi-row insert (SQLAlchemy
        # would send one statement a row): insert them all, then read the new ids in order.
        # The writer holds SQLite's one write lock, so the rows after the largest id before
        # are this batch's, each given the next id: checked against the references, else
        # each id is looked up by reference.
        before = self.db.execute(select(func.max(cases.c.id))).scalar() or 0
        self._insert(cases, rows)
        references = [r["reference"] for r in rows]
        after = self.db.execute(
            select(cases.c.id, cases.c.reference).where(cases.c.id > before).order_by(cases.c.id)
        ).all()
        if [reference for _, reference in after] == references:
            return [case_id for case_id, _ in after]
        ids: dict[str, int] = {}
        for chunk in _chunks(references):
            query = select(cases.c.reference, cases.c.id).where(cases.c.reference.in_(chunk))
            ids.update((reference, case_id) for reference, case_id in self.db.execute(query))
        return [ids[r] for r in references]


def add_new_case(
    *,
    db: Session | Connection,
    data: Mapping[str, Any],
    user: str,
    row: int | None = None,
    provenance: Mapping[str, Any] | None = None,
    reference: str | None = None,
    ocid: str | None = None,
) -> str:
    """Validate ``data`` (vocabulary keys) and store it as a new case; the reference assigned.

    ``procurement case add`` calls this on a Core connection; :func:`.query.add_case`
    is the same on an ORM session, returning the stored case.
    """
    writer = BulkWriter(db=db, user=user, many=False)
    prepared = writer.prepare(data, row=row, reference=reference, ocid=ocid, provenance=provenance)
    [stored] = writer.write([prepared], action="import" if provenance else "create")
    return stored


def _add_children(
    children: dict[Table, list[dict[str, Any]]], case_id: int, v: Mapping[str, Any]
) -> None:
    """Add the child rows of one new case (approaches, documents, KPIs, PPP details and
    risks, outcome) to the batch's rows per table."""
    children[case_approaches] += [
        {"case_id": case_id, "approach": a} for a in v.get("innovation_approaches") or []
    ]
    children[documents] += [
        {"case_id": case_id, "position": i, **d} for i, d in enumerate(v.get("documents") or [])
    ]
    children[kpis] += [
        {"case_id": case_id, "position": i, **k} for i, k in enumerate(v.get("kpis") or [])
    ]
    if v.get("ppp_model"):
        children[ppp_details].append({"case_id": case_id, **{n: v.get(n) for n in PPP_COLUMNS}})
        children[risk_allocations] += [
            {"case_id": case_id, "category": c, "allocation": a}
            for c, a in (v.get("risks") or {}).items()
        ]
    if has_outcome(v):
        outcome = {n: v.get(n) for n in OUTCOME_COLUMNS}
        outcome["best_practice"] = bool(outcome.get("best_practice"))
        children[outcomes].append({"case_id": case_id, **outcome})
