"""References (``CITY-YEAR-NNN``) and OCDS identifiers of cases, handed out by the database.

Works on an ORM session or a Core connection alike (SQLAlchemy Core statements only). Which
ones a new case may take is :mod:`.identity` (no database), its names given here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, update

from procurement.cases.store.identity import DEFAULT_OCID_PREFIX as DEFAULT_OCID_PREFIX
from procurement.cases.store.identity import ENV_OCID_PREFIX as ENV_OCID_PREFIX
from procurement.cases.store.identity import identity_problems as identity_problems
from procurement.cases.store.identity import ocid_prefix as ocid_prefix
from procurement.core.errors import FieldError
from procurement.storage.engine import core_connection, insert_ignoring_duplicates
from procurement.storage.schema import reference_sequences

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session


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
