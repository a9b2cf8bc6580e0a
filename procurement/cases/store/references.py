"""References (``CITY-YEAR-NNN``) and OCDS identifiers of cases, handed out by the database.

Works on an ORM session or a Core connection alike (SQLAlchemy Core statements only).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, update

from procurement.core.errors import FieldError
from procurement.storage.engine import core_connection, insert_ignoring_duplicates
from procurement.storage.schema import reference_sequences

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

ENV_OCID_PREFIX = "PROCUREMENT_OCID_PREFIX"
DEFAULT_OCID_PREFIX = "ocds-baltmt-"


def ocid_prefix() -> str:
    return os.environ.get(ENV_OCID_PREFIX, DEFAULT_OCID_PREFIX)


_NUMBERED = re.compile(r"^([A-Z]{3})-(\d{4})-(\d{3,})$")


def identity_problems(
    *, city: str, reference: str | None, ocid: str | None, row: int | None
) -> list[FieldError]:
    """Why a new case of ``city`` may not take the given reference or ocid: a reference
    belongs to the city it starts with, and an ocid made of this registry's prefix and a
    reference belongs to that reference's city, so that nobody can take (and so block)
    another city's numbers."""
    problems: list[FieldError] = []
    if reference is not None:
        numbered = _NUMBERED.match(reference)
        if numbered and numbered.group(1) != city:
            problems.append(
                FieldError(
                    "reference",
                    f"{reference} belongs to the numbering of {numbered.group(1)}, not {city}; "
                    "leave reference blank and one is assigned",
                    row,
                )
            )
    prefix = ocid_prefix()
    if ocid is not None and ocid.startswith(prefix):
        numbered = _NUMBERED.match(ocid[len(prefix) :])
        if numbered and numbered.group(1) != city:
            problems.append(
                FieldError(
                    "ocid",
                    f"{ocid} is this registry's identifier of a {numbered.group(1)} case, not "
                    f"a {city} one; leave ocid blank and one is assigned",
                    row,
                )
            )
        elif numbered and reference is not None and ocid[len(prefix) :] != reference:
            problems.append(
                FieldError(
                    "ocid",
                    f"{ocid} is this registry's identifier of another case than {reference}; "
                    "leave ocid blank and one is assigned",
                    row,
                )
            )
    return problems


def reference_taken(reference: str, row: int | None) -> FieldError:
    return FieldError("reference", f"{reference} is already in the registry", row)


_table = reference_sequences
# one statement, built once (SQLAlchemy caches its compiled form)
_INCREMENT = (
    update(_table)
    .where(_table.c.city_code == bindparam("seq_city"), _table.c.year == bindparam("seq_year"))
    .values(last_number=_table.c.last_number + bindparam("seq_count"))
    .returning(_table.c.last_number)
)


def reserve_numbers(*, db: Session | Connection, city: str, year: int, count: int = 1) -> list[int]:
    """Hand out ``count`` sequence numbers for (city, year) in one statement. The counter row
    is locked by the increment, so concurrent writers queue; numbers are never handed out
    twice, even after a removal."""
    connection = core_connection(db)
    params = {"seq_city": city, "seq_year": year, "seq_count": count}
    while True:
        last = connection.execute(_INCREMENT, params).scalar_one_or_none()
        if last is not None:
            return list(range(last - count + 1, last + 1))
        connection.execute(
            insert_ignoring_duplicates(db, _table),
            [{"city_code": city, "year": year, "last_number": 0}],
        )  # the counter row exists now: increment it


def reserve_many(
    *, db: Session | Connection, wanted: Mapping[tuple[str, int], int]
) -> dict[tuple[str, int], list[int]]:
    """:func:`reserve_numbers` for several (city, year) at once: ``wanted`` gives how many
    numbers each needs. On SQLite one statement increments them all (a batch import of
    cases of many cities and years); elsewhere one statement each, as before."""
    groups = {group: count for group, count in wanted.items() if count > 0}
    connection = core_connection(db)
    if connection.dialect.name != "sqlite" or len(groups) < 2:
        return {
            (city, year): reserve_numbers(db=db, city=city, year=year, count=count)
            for (city, year), count in groups.items()
        }
    found: dict[tuple[str, int], list[int]] = {}
    left = groups
    while left:
        whens = " ".join("WHEN city_code = ? AND year = ? THEN ?" for _ in left)
        rows = ", ".join("(?, ?)" for _ in left)
        params: list[object] = [v for (city, year), n in left.items() for v in (city, year, n)]
        params += [v for city, year in left for v in (city, year)]
        result = connection.exec_driver_sql(
            f"UPDATE reference_sequences SET last_number = last_number + CASE {whens} END "
            f"WHERE (city_code, year) IN (VALUES {rows}) "
            "RETURNING city_code, year, last_number",
            tuple(params),
        )
        for city, year, last in result:
            count = left[(city, year)]
            found[(city, year)] = list(range(last - count + 1, last + 1))
        left = {group: count for group, count in left.items() if group not in found}
        if left:  # the counters exist now: increment them
            connection.execute(
                insert_ignoring_duplicates(db, _table),
                [{"city_code": city, "year": year, "last_number": 0} for city, year in left],
            )
    return found
