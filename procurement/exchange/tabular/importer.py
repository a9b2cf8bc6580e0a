"""Load rows of a spreadsheet or of the JSON form into the registry: all or nothing.

Every row goes through the one writer, :mod:`procurement.cases.store` (new cases in batches
by :class:`~procurement.cases.store.create.BulkWriter`, changes by
:func:`~procurement.cases.store.update.update_case`), so through the one validation layer, inside
a savepoint. Problems of every row are collected; if there is any, the savepoint is rolled
back and one :class:`ImportRejected` lists them all.

A row without a reference that looks like a live case of its city (same ocid, or same buyer,
title and tender or award date) or like another row of the file is a probable duplicate and
refused unless ``allow_duplicates`` (:class:`_Duplicates`: a few set-based queries per batch).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from procurement.cases.fields import OUTCOME_NAMES, PPP_NAMES
from procurement.cases.formats import REFERENCE
from procurement.cases.query import get_case
from procurement.cases.store.update import update_case, validate_change
from procurement.cases.validate import is_empty
from procurement.cases.values import case_values, changed, organisation_key
from procurement.core.errors import FieldError, ValidationError
from procurement.core.memory import batched_collection, end_of_batch
from procurement.exchange.summary import ImportSummary
from procurement.exchange.tabular.columns import COLUMNS, IGNORED_COLUMNS, REFERENCE_PATTERN
from procurement.exchange.tabular.readers import LIMITS, Limits, Table, read_table
from procurement.storage.models import Case, Organisation, Outcome, PppDetails

if TYPE_CHECKING:
    from procurement.cases.store.create import Prepared

SHOWN_PROBLEMS = 100
BATCH = 500
_ORDER = {name: i for i, name in enumerate(("row-number", *COLUMNS))}

Progress = Callable[[int, int], None]


class ImportRejected(ValidationError):
    """Every problem of every row of one file; the first line of the message counts them."""

    def __init__(self, errors: list[FieldError], source: str) -> None:
        self.source = source
        super().__init__(errors)

    def summary(self) -> str:
        count = len(self.errors)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in {self.source}; nothing was imported:"]
        lines += [f"  {e}" for e in self.errors[:SHOWN_PROBLEMS]]
        if count > SHOWN_PROBLEMS:
            lines.append(f"  ... and {count - SHOWN_PROBLEMS} more; fix these first")
        return "\n".join(lines)


@dataclass(frozen=True)
class Known:
    """What the registry holds for a reference the file names."""

    removed: bool
    has_outcome: bool
    has_ppp: bool


@dataclass(frozen=True)
class DuplicateRow(FieldError):
    """A row that is probably a case already there: "row 3: probably HEL-2026-004 (...)"."""

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class Owner:
    """The case that holds an ocid the file names."""

    reference: str
    city: str
    removed: bool


def _known(session: Session, references: Sequence[str]) -> dict[str, Known]:
    found: dict[str, Known] = {}
    for start in range(0, len(references), 500):
        chunk = references[start : start + 500]
        stmt = (
            select(Case.reference, Case.removed_at, Outcome.case_id, PppDetails.case_id)
            .outerjoin(Outcome, Outcome.case_id == Case.id)
            .outerjoin(PppDetails, PppDetails.case_id == Case.id)
            .where(Case.reference.in_(chunk))
        )
        for reference, removed_at, outcome_id, ppp_id in session.execute(stmt):
            found[reference] = Known(
                removed_at is not None, outcome_id is not None, ppp_id is not None
            )
    return found


def _reference(value: Any, row: int) -> tuple[str | None, FieldError | None]:
    if is_empty(value):
        return None, None
    text = str(value).strip().upper()
    if not REFERENCE_PATTERN.match(text):
        return None, FieldError(
            REFERENCE,
            f"'{str(value)[:60]}' is not a reference; use letters, digits and '-' "
            "(e.g. HEL-2026-007), or leave it blank to get a new one",
            row,
        )
    return text, None


def _ocid(value: Any, row: int) -> tuple[str | None, FieldError | None]:
    if is_empty(value):
        return None, None
    if not isinstance(value, str) or len(value.strip()) > 200:
        return None, FieldError("ocid", "should be text of at most 200 characters", row)
    return value.strip(), None


def _drop_untouched_group(
    data: dict[str, Any], names: frozenset[str], exists: bool
) -> dict[str, Any]:
    """Leave out a group (outcome, PPP) the case does not have and the row leaves blank,
    so that blank cells do not create an empty outcome."""
    if exists or not all(is_empty(data.get(n)) for n in names):
        return data
    return {k: v for k, v in data.items() if k not in names}


def _batches(rows: Iterable[tuple[int, dict[str, Any]]], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _ocid_owners(session: Session, ocids: Sequence[str]) -> dict[str, Owner]:
    owners: dict[str, Owner] = {}
    for start in range(0, len(ocids), 500):
        chunk = ocids[start : start + 500]
        stmt = select(Case.ocid, Case.reference, Case.city_code, Case.removed_at).where(
            Case.ocid.in_(chunk)
        )
        for ocid, reference, city, removed_at in session.execute(stmt):
            owners[ocid] = Owner(reference, city, removed_at is not None)
    return owners


# Probable duplicates --------------------------------------------------------------------

ALLOW_HINT = "or use --allow-duplicates"


def _same_dates(
    tender: dt.date | None, award: dt.date | None, other_tender: Any, other_award: Any
) -> str | None:
    """What two cases of the same buyer and title share: None if no date."""
    same_tender = tender is not None and tender == other_tender
    same_award = award is not None and award == other_award
    if same_tender and same_award:
        return "buyer, title, tender and award dates"
    if same_award:
        return "buyer, title and award date"
    if same_tender:
        return "buyer, title and tender date"
    return None


class _Duplicates:
    """Finds rows without a reference that are probably a case already there: a live case of
    the same city (same ocid, or same buyer, title and tender or award date), or another row
    of the file. Buyers and titles are compared as organisation names are matched
    (:func:`~procurement.cases.values.organisation_key`: case, runs of spaces and trailing
    punctuation do not count). Each batch costs a few set-based queries, none when no row
    lacks a reference; the file's rows are remembered by the hash of their compared values
    and their dates.

    The cases this import creates from rows without a reference are compared in memory, so
    the registry is searched among the cases that were there before (``before``: the highest
    case id then) until a row that gives a new case's reference is written."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.before: int = session.scalar(select(func.max(Case.id))) or 0
        self.everything = False  # search every case, not only those there before
        # the first row without a reference with these compared values and this tender
        # date, award date, or both, by hash: found at once (no pair of rows is compared),
        # and a 100,000-row file is not held twice in memory
        self.rows: dict[int, int] = {}
        self.ocids: dict[str, int] = {}
        self.flagged: set[int] = set()
        self._buyers: dict[str, str] = {}  # buyer -> its key: few buyers, many rows

    def _key(self, values: Mapping[str, Any]) -> tuple[str, str, str]:
        buyer = values["buyer"]
        same = self._buyers.get(buyer)
        if same is None:
            same = self._buyers[buyer] = organisation_key(buyer)
        return values["city"], same, organisation_key(values["title"])

    _BOTH = "buyer, title, tender and award dates"
    _AWARD = "buyer, title and award date"
    _TENDER = "buyer, title and tender date"

    def _earlier(
        self, key: tuple[str, str, str], tender: dt.date | None, award: dt.date | None
    ) -> tuple[int, str] | None:
        """The first earlier row like this one, and what they share (None: no such row)."""
        for what, date in (
            (self._BOTH, (tender, award)),
            (self._AWARD, award),
            (self._TENDER, tender),
        ):
            if date is None or (what == self._BOTH and None in (tender, award)):
                continue
            row = self.rows.get(hash((key, what, date)))
            if row is not None:
                return row, what
        return None

    def _remember(
        self, key: tuple[str, str, str], tender: dt.date | None, award: dt.date | None, row: int
    ) -> None:
        for what, date in (
            (self._BOTH, (tender, award)),
            (self._AWARD, award),
            (self._TENDER, tender),
        ):
            if date is not None and not (what == self._BOTH and None in (tender, award)):
                self.rows.setdefault(hash((key, what, date)), row)

    def owned(self, row: int, owner: Owner) -> DuplicateRow:
        """A row without a reference naming the ocid of a live case of its city."""
        self.flagged.add(row)
        return DuplicateRow(
            REFERENCE,
            f"probably {owner.reference} (same ocid); give its reference to update it, "
            + ALLOW_HINT,
            row,
        )

    def check(self, batch: Sequence[Prepared]) -> list[FieldError]:
        """The probable duplicates among the new cases of one batch (before they are written)."""
        plain = [p for p in batch if p.reference is None]
        everything = self.everything
        if len(plain) < len(batch):  # written with the reference given: search them hereafter
            self.everything = True
        if not plain and not self.rows:
            return []  # every row names its case: nothing to compare
        found: list[FieldError] = []

        def flag(row: int, message: str) -> None:
            if row not in self.flagged:
                self.flagged.add(row)
                found.append(DuplicateRow(REFERENCE, message, row))

        keys: dict[int | None, tuple[str, str, str]] = {}
        for p in plain:  # against the rows before it
            key = keys[p.row] = self._key(p.values)
            tender, award = p.values.get("tender_published"), p.values.get("awarded_on")
            if p.ocid is not None:
                first = self.ocids.setdefault(p.ocid, p.row or 0)
                if first != p.row:
                    flag(
                        p.row or 0,
                        f"probably the same case as row {first} (same ocid); "
                        f"give each case once, {ALLOW_HINT}",
                    )
            earlier = self._earlier(key, tender, award)
            if earlier is not None:
                row, what = earlier
                flag(
                    p.row or 0,
                    f"probably the same case as row {row} (same {what}); "
                    f"give each case once, {ALLOW_HINT}",
                )
            self._remember(key, tender, award, p.row or 0)
        if self.rows:  # rows that give a new case's reference, against the rows without one
            for p in batch:
                if p.reference is None:
                    continue
                tender, award = p.values.get("tender_published"), p.values.get("awarded_on")
                earlier = self._earlier(self._key(p.values), tender, award)
                if earlier is not None:
                    row, what = earlier
                    flag(
                        row,
                        f"probably the same case as row {p.row}, {p.reference} "
                        f"(same {what}); give each case once, {ALLOW_HINT}",
                    )
        rest = [p for p in plain if p.row not in self.flagged]
        if rest and (everything or self.before):
            for p, reference, what in self._in_registry(rest, keys, everything):
                flag(
                    p.row or 0,
                    f"probably {reference} (same {what}); give its reference to "
                    f"update it, {ALLOW_HINT}",
                )
        return found

    def _in_registry(
        self,
        plain: Sequence[Prepared],
        keys: Mapping[int | None, tuple[str, str, str]],
        everything: bool,
    ) -> Iterator[tuple[Prepared, str, str]]:
        """(row, reference, what is the same) for rows like a live case of the registry: for the
        whole batch, one query for the buyers (by name key) and one for their cases on the
        rows' dates (the buyer's index)."""
        names: set[str] = set()
        tenders: set[dt.date] = set()
        awards: set[dt.date] = set()
        for p in plain:
            tender, award = p.values.get("tender_published"), p.values.get("awarded_on")
            if tender is None and award is None:
                continue
            names.add(keys[p.row][1])
            if tender is not None:
                tenders.add(tender)
            if award is not None:
                awards.add(award)
        if not names:
            return
        self.session.flush()
        connection = self.session.connection()  # plain rows, no ORM loading
        by_key = select(Organisation.id, Organisation.name_key).where(
            Organisation.name_key.in_(sorted(names))
        )
        buyers: dict[int, str] = {org_id: key for org_id, key in connection.execute(by_key)}
        if not buyers:
            return
        dates = []
        if tenders:
            dates.append(Case.tender_published.in_(sorted(tenders)))
        if awards:
            dates.append(Case.awarded_on.in_(sorted(awards)))
        stmt = select(
            Case.reference,
            Case.city_code,
            Case.buyer_id,
            Case.title,
            Case.tender_published,
            Case.awarded_on,
        ).where(Case.buyer_id.in_(sorted(buyers)), Case.removed_at.is_(None), or_(*dates))
        if not everything:
            stmt = stmt.where(Case.id <= self.before)
        cases: dict[tuple[str, str, str], list[tuple[str, Any, Any]]] = {}
        for reference, city, buyer_id, title, tender, award in connection.execute(stmt):
            key = (city, buyers[buyer_id], organisation_key(title))
            cases.setdefault(key, []).append((reference, tender, award))
        if not cases:
            return
        for p in plain:
            tender, award = p.values.get("tender_published"), p.values.get("awarded_on")
            for reference, other_tender, other_award in sorted(cases.get(keys[p.row], ())):
                what = _same_dates(tender, award, other_tender, other_award)
                if what is not None:
                    yield p, reference, what
                    break


_Plan = tuple[int, str | None, str | None, dict[str, Any]]  # row, reference, ocid, cells


class _TableImport:
    """The state of one :func:`import_table`: the problems found so far, where each reference
    was first given, the writer of new cases and the search for probable duplicates. Each
    batch of rows is planned (:meth:`_plan`), split into new cases and changes of known ones
    (:meth:`_sort_out`), and its new cases written while no problem has been found
    (:meth:`_write`)."""

    def __init__(
        self,
        session: Session,
        user: str,
        summary: ImportSummary,
        *,
        dry_run: bool,
        allow_duplicates: bool,
    ) -> None:
        from procurement.cases.store.create import BulkWriter

        self.session = session
        self.user = user
        self.summary = summary
        self.dry_run = dry_run
        self.errors: list[FieldError] = []
        self.first_row: dict[str, int] = {}
        self.writer = BulkWriter(db=session, user=user)
        self.duplicates = None if allow_duplicates else _Duplicates(session)
        self.ignored = frozenset(IGNORED_COLUMNS)

    def batch(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        """Check one batch of rows, apply the changes, and write its new cases unless a
        problem has been found (in this batch or before)."""
        fresh_cases = self._sort_out(self._plan(batch))
        if self.duplicates is not None:
            self.errors.extend(self.duplicates.check(fresh_cases))
        if not self.errors:
            self._write(fresh_cases)

    def _plan(self, batch: list[tuple[int, dict[str, Any]]]) -> list[_Plan]:
        """Each row's reference and ocid (checked) and its other cells; a reference given on
        an earlier row too is a problem."""
        errors = self.errors
        first_row = self.first_row
        ignored = self.ignored
        plans: list[_Plan] = []
        for row, cells in batch:
            data = {k: v for k, v in cells.items() if k not in ignored}
            reference, problem = _reference(data.pop(REFERENCE, None), row)
            ocid, ocid_problem = _ocid(cells.get("ocid"), row)
            for p in (problem, ocid_problem):
                if p is not None:
                    errors.append(p)
            if reference is not None:
                if reference in first_row:
                    errors.append(
                        FieldError(
                            REFERENCE,
                            f"{reference} is also on row {first_row[reference]}; "
                            "each case may appear once in a file",
                            row,
                        )
                    )
                first_row.setdefault(reference, row)
            plans.append((row, reference, ocid, data))
        return plans

    def _sort_out(self, plans: list[_Plan]) -> list[Prepared]:
        """Update the known cases the rows name; the new cases, prepared to be written."""
        session = self.session
        errors = self.errors
        writer = self.writer
        known = _known(session, [r for _, r, _, _ in plans if r is not None])
        owners = _ocid_owners(session, [o for _, _, o, _ in plans if o is not None])
        fresh_cases: list[Prepared] = []
        for row, reference, ocid, data in plans:
            try:
                if reference is None or reference not in known:
                    if ocid is not None and ocid in owners:
                        errors.append(self._taken(row, reference, ocid, data, owners[ocid]))
                        ocid = None
                    fresh = {  # is_empty, with the usual case (text) inline
                        k: v
                        for k, v in data.items()
                        if ((v and not v.isspace()) if v.__class__ is str else not is_empty(v))
                    }
                    fresh_cases.append(
                        writer.prepare(fresh, row=row, reference=reference, ocid=ocid)
                    )
                else:
                    _import_row(
                        session, self.summary, known, self.user, row, reference, data, errors
                    )
            except ValidationError as exc:
                errors.extend(
                    e if e.row is not None else FieldError(e.field, e.message, row)
                    for e in exc.errors
                )
        return fresh_cases

    def _taken(
        self, row: int, reference: str | None, ocid: str, data: dict[str, Any], owner: Owner
    ) -> FieldError:
        """The problem of a new case naming the ocid of a case already there: a probable
        duplicate if it is a live case of the row's city and the row gives no reference."""
        if (
            self.duplicates is not None
            and reference is None
            and not owner.removed
            and owner.city == str(data.get("city") or "").strip().upper()
        ):
            return self.duplicates.owned(row, owner)
        return FieldError("ocid", f"{ocid} belongs to case {owner.reference} already", row)

    def _write(self, fresh_cases: list[Prepared]) -> None:
        """Write the new cases of one batch, recording each row's reference."""
        assigned = [p.reference is None for p in fresh_cases]
        try:
            created = self.writer.write(fresh_cases)
        except ValidationError as exc:
            self.errors.extend(exc.errors)
        else:
            dry_run = self.dry_run
            self.summary.created.extend(created)
            self.summary.rows.extend(
                (p.row or 0, None if dry_run and new else reference, "created")
                for p, reference, new in zip(fresh_cases, created, assigned, strict=True)
            )

    def reject(self, source: str) -> None:
        """Raise :class:`ImportRejected` with every problem found, in row order, if any."""
        errors = self.errors
        if errors:
            errors.sort(key=lambda e: (e.row or 0, _ORDER.get(e.field, len(_ORDER))))
            raise ImportRejected(errors, source)


def import_table(
    *,
    session: Session,
    table: Table,
    user: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    allow_duplicates: bool = False,
) -> ImportSummary:
    """Add or update one case per row of ``table``; all rows or none.

    Rows are read and checked in batches as the file is read, so memory does not grow with
    the file. New cases are written in bulk (:class:`~.create.BulkWriter` of the store) while no
    problem has been found; after the first problem the rest is only checked, and at the
    end every problem is reported and everything written is rolled back.

    Rows without a reference that are probably cases already there (see
    :class:`_Duplicates`) are problems too, unless ``allow_duplicates``. ``summary.rows``
    gives each row's reference (None for a new case in a dry run) and what was done.
    """
    summary = ImportSummary(source=table.source, dry_run=dry_run)
    run = _TableImport(session, user, summary, dry_run=dry_run, allow_duplicates=allow_duplicates)
    estimated = table.estimated_rows or 0
    done = 0
    savepoint = session.begin_nested()
    try:
        with batched_collection():
            for batch in _batches(table.rows, BATCH):
                run.batch(batch)
                end_of_batch()
                done += len(batch)
                if progress is not None:
                    progress(done, max(estimated, done))
        run.reject(table.source)
    except BaseException:
        # the database may have rolled everything back already (a full disk): report that
        with contextlib.suppress(SQLAlchemyError):
            savepoint.rollback()
        raise
    finally:
        close = getattr(table.rows, "close", None)
        if close is not None:  # the file is closed even when reading stopped early
            close()
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return summary


def _import_row(
    session: Session,
    summary: ImportSummary,
    known: Mapping[str, Known],
    user: str,
    row: int,
    reference: str,
    data: dict[str, Any],
    errors: list[FieldError],
) -> None:
    """Update the case ``reference`` (in the registry) from one row."""
    state = known[reference]
    if state.removed:
        errors.append(
            FieldError(
                REFERENCE,
                f"case {reference} was removed; restore it first with "
                f"`procurement case remove {reference} --undo`, or leave reference blank",
                row,
            )
        )
        return
    data = _drop_untouched_group(data, OUTCOME_NAMES, state.has_outcome)
    data = _drop_untouched_group(data, PPP_NAMES, state.has_ppp)
    changed = _changed(session, reference, data, row)
    if changed:
        _, changes = update_case(
            session=session, reference=reference, data=changed, user=user, row=row
        )
    action = "updated" if changed and changes else "unchanged"
    (summary.updated if action == "updated" else summary.unchanged).append(reference)
    summary.rows.append((row, reference, action))


def _changed(session: Session, reference: str, data: dict[str, Any], row: int) -> dict[str, Any]:
    """The cells of ``data`` whose values differ from the case's: only these are written,
    so an unchanged row rewrites nothing (and its audit trail stays quiet)."""
    before = case_values(get_case(session=session, reference=reference))
    clean = validate_change(session=session, before=before, data=data, row=row)
    return {k: data[k] for k in changed(before, clean)}


def import_cases(
    *,
    session: Session,
    path: Path,
    fmt: str,
    user: str,
    dry_run: bool = False,
    progress: Progress | None = None,
    limits: Limits = LIMITS,
    allow_duplicates: bool = False,
) -> ImportSummary:
    """Load cases from a CSV, XLSX or JSON file (``fmt``: "csv", "xlsx" or "json").

    A row whose ``reference`` is in the registry updates that case; a row with another
    reference creates the case keeping it; a row without one gets a new reference. If any
    row is wrong, :class:`ImportRejected` lists every problem (row numbers as the
    spreadsheet shows them: the header is row 1) and nothing is written. ``dry_run``
    checks everything and writes nothing. ``progress(done, total)`` is called per row.
    Rows without a reference that are probably cases already there, or other rows of the file,
    are refused unless ``allow_duplicates``.
    """
    table = read_table(path=path, fmt=fmt, limits=limits)
    return import_table(
        session=session,
        table=table,
        user=user,
        dry_run=dry_run,
        progress=progress,
        allow_duplicates=allow_duplicates,
    )
