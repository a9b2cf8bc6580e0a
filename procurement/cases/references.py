"""References (``CITY-YEAR-NNN``) and OCDS identifiers of cases, handed out by the database.

Works on an ORM session or a Core connection alike (SQLAlchemy Core statements only).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from procurement.core.errors import FieldError
from procurement.storage.engine import insert_ignoring_duplicates
from procurement.storage.schema import cases, reference_sequences

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

ENV_OCID_PREFIX = "PROCUREMENT_OCID_PREFIX"
DEFAULT_OCID_PREFIX = "ocds-baltmt-"


def ocid_prefix() -> str:
    return os.environ.get(ENV_OCID_PREFIX, DEFAULT_OCID_PREFIX)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def case_year(values: Mapping[str, Any], fallback: int) -> int:
    """The year a case belongs to: of its award, else its publication, else its start."""
    for name in ("awarded_on", "tender_published", "contract_start"):
        if values.get(name) is not None:
            return int(values[name].year)
    return fallback


def reference_taken(reference: str, row: int | None) -> FieldError:
    return FieldError("reference", f"{reference} is already in the registry", row)


def reserve_numbers(*, db: Session | Connection, city: str, year: int, count: int = 1) -> list[int]:
    """Hand out ``count`` sequence numbers for (city, year) in one statement. The counter row
    is locked by the increment, so concurrent writers queue; numbers are never handed out
    twice, even after a removal."""
    table = reference_sequences
    while True:
        stmt = (
            update(table)
            .where(table.c.city_code == city, table.c.year == year)
            .values(last_number=table.c.last_number + count)
            .returning(table.c.last_number)
        )
        last = db.execute(stmt).scalar_one_or_none()
        if last is not None:
            return list(range(last - count + 1, last + 1))
        db.execute(
            insert_ignoring_duplicates(db, table),
            [{"city_code": city, "year": year, "last_number": 0}],
        )  # the counter row exists now: increment it


def next_reference(*, db: Session | Connection, city: str, year: int) -> str:
    """Assign ``CITY-YEAR-NNN``, skipping numbers held by imported cases."""
    while True:
        [number] = reserve_numbers(db=db, city=city, year=year)
        reference = f"{city}-{year}-{number:03d}"
        if db.scalar(select(cases.c.id).where(cases.c.reference == reference)) is None:
            return reference
