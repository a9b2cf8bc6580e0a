"""Reference numbers handed out for many (city, year) at once (a batch import): the same
numbers as one (city, year) at a time, never twice, counters created when first needed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.cases.store.references import reserve_many, reserve_numbers
from procurement.storage.schema import reference_sequences


def counters(session: Session) -> dict[tuple[str, int], int]:
    t = reference_sequences.c
    return {(c, y): n for c, y, n in session.execute(select(t.city_code, t.year, t.last_number))}


def test_many_at_once_as_one_at_a_time(session: Session) -> None:
    wanted = {("HEL", 2024): 3, ("RIX", 2024): 1, ("HEL", 2025): 2, ("TLL", 2019): 0}
    assert reserve_numbers(db=session, city="HEL", year=2024, count=4) == [1, 2, 3, 4]
    first = reserve_many(db=session, wanted=wanted)
    # HEL 2024 goes on after the four numbers given; the others' counters are new
    assert first == {("HEL", 2024): [5, 6, 7], ("RIX", 2024): [1], ("HEL", 2025): [1, 2]}
    again = reserve_many(db=session, wanted=wanted)
    assert again == {("HEL", 2024): [8, 9, 10], ("RIX", 2024): [2], ("HEL", 2025): [3, 4]}
    assert reserve_numbers(db=session, city="RIX", year=2024) == [3]
    assert counters(session) == {("HEL", 2024): 10, ("RIX", 2024): 3, ("HEL", 2025): 4}
    session.rollback()
