"""References (``CITY-YEAR-NNN``) and OCDS identifiers of cases, handed out by the database.

Works on an ORM session or a Core connection alike (SQLAlchemy Core statements only).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sqlalchemy import update

from procurement.core.errors import FieldError
from procurement.storage.engine import insert_ignoring_duplicates
from procurement.storage.schema import reference_sequences

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

ENV_OCID_PREFIX = "PROCUREMENT_OCID_PREFIX"
DEFAULT_OCID_PREFIX = "ocds-baltmt-"


def ocid_prefix() -> str:
    return os.environ.get(ENV_OCID_PREFIX, DEFAULT_OCID_PREFIX)


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
