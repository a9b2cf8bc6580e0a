"""Load rows of a spreadsheet or of the JSON form into the registry: all or nothing.

Every row goes through the one writer, :mod:`procurement.cases.store` (new cases in batches
by :class:`~procurement.cases.store.create.BulkWriter`, changes by
:func:`~procurement.cases.store.update.update_case`), so through the one validation layer, inside
a savepoint. Problems of every row are collected; if there is any, the savepoint is rolled
back and one :class:`ImportRejected` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.cases.fields import ASSIGNED, OUTCOME_NAMES, PPP_NAMES, REQUIRED_FIELDS
from procurement.cases.query import get_case
from procurement.cases.store.create import city_codes
from procurement.cases.store.update import update_case
from procurement.cases.validate import is_empty, validate
from procurement.cases.values import case_values, changed
from procurement.core.errors import FieldError, ValidationError
from procurement.exchange.summary import ImportSummary
from procurement.exchange.tabular.columns import (
    COLUMNS,
    IGNORED_COLUMNS,
    REFERENCE,
    REFERENCE_PATTERN,
)
from procurement.exchange.tabular.readers import LIMITS, Limits, Table, read_table
from procurement.storage.models import Case, Outcome, PppDetails

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


def _ocid_owners(session: Session, ocids: Sequence[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for start in range(0, len(ocids), 500):
        chunk = ocids[start : start + 500]
        owners.update(
            {
                o: r
                for o, r in session.execute(
                    select(Case.ocid, Case.reference).where(Case.ocid.in_(chunk))
                )
            }
        )
    return owners


def import_table(
    *,
    session: Session,
    table: Table,
    user: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Add or update one case per row of ``table``; all rows or none.

    Rows are read and checked in batches as the file is read, so memory does not grow with
    the file. New cases are written in bulk (:class:`~.create.BulkWriter` of the store) while no
    problem has been found; after the first problem the rest is only checked, and at the
    end every problem is reported and everything written is rolled back.
    """
    from procurement.cases.store.create import BulkWriter, Prepared

    summary = ImportSummary(source=table.source, dry_run=dry_run)
    errors: list[FieldError] = []
    first_row: dict[str, int] = {}
    writer = BulkWriter(db=session, user=user)
    estimated = table.estimated_rows or 0
    done = 0
    ignored = frozenset(IGNORED_COLUMNS)
    savepoint = session.begin_nested()
    try:
        for batch in _batches(table.rows, BATCH):
            plans: list[tuple[int, str | None, str | None, dict[str, Any]]] = []
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
            known = _known(session, [r for _, r, _, _ in plans if r is not None])
            owners = _ocid_owners(session, [o for _, _, o, _ in plans if o is not None])
            fresh_cases: list[Prepared] = []
            for row, reference, ocid, data in plans:
                try:
                    if reference is None or reference not in known:
                        if ocid is not None and ocid in owners:
                            errors.append(
                                FieldError(
                                    "ocid", f"{ocid} belongs to case {owners[ocid]} already", row
                                )
                            )
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
                        _import_row(session, summary, known, user, row, reference, data, errors)
                except ValidationError as exc:
                    errors.extend(
                        e if e.row is not None else FieldError(e.field, e.message, row)
                        for e in exc.errors
                    )
            if not errors:
                try:
                    summary.created.extend(writer.write(fresh_cases))
                except ValidationError as exc:
                    errors.extend(exc.errors)
            done += len(batch)
            if progress is not None:
                progress(done, max(estimated, done))
        if errors:
            errors.sort(key=lambda e: (e.row or 0, _ORDER.get(e.field, len(_ORDER))))
            raise ImportRejected(errors, table.source)
    except BaseException:
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
    (summary.updated if changed and changes else summary.unchanged).append(reference)


def _changed(session: Session, reference: str, data: dict[str, Any], row: int) -> dict[str, Any]:
    """The cells of ``data`` whose values differ from the case's: only these are written,
    so an unchanged row rewrites nothing (and its audit trail stays quiet)."""
    case = get_case(session=session, reference=reference)
    before = case_values(case)
    clean = validate(
        data,
        current=before,
        cities=city_codes(session),
        require=REQUIRED_FIELDS,
        ignore=ASSIGNED,
        row=row,
    )
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
) -> ImportSummary:
    """Load cases from a CSV, XLSX or JSON file (``fmt``: "csv", "xlsx" or "json").

    A row whose ``reference`` is in the registry updates that case; a row with another
    reference creates the case keeping it; a row without one gets a new reference. If any
    row is wrong, :class:`ImportRejected` lists every problem (row numbers as the
    spreadsheet shows them: the header is row 1) and nothing is written. ``dry_run``
    checks everything and writes nothing. ``progress(done, total)`` is called per row.
    """
    table = read_table(path=path, fmt=fmt, limits=limits)
    return import_table(session=session, table=table, user=user, dry_run=dry_run, progress=progress)
