"""New cases written in batches (the importers) and one at a time (``case add``, the library)
store the same, and their audit event records exactly what was stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from procurement.cases import query
from procurement.cases.store import update as store
from procurement.cases.store.create import BulkWriter
from procurement.cases.values import case_to_dict, case_values, diff
from procurement.core.errors import ValidationError
from procurement.storage.models import Case, Organisation
from tests.helpers import case_data

RICH = case_data(
    city="MMA",
    buyer="Malmö stad",
    winner="Kraków Tram Works Sp. z o.o.",
    documents=[{"url": "https://example.org/notice", "title": "Notice"}],
    ppp_model="dbfom",
    payment_mechanism="availability",
    capex="48000000",
    private_finance_share="70",
    risks={"construction": "private", "revenue": "public"},
    satisfaction=4,
    innovation_achieved="partial",
    kpis=[
        {"name": "co2-reduction", "unit": "t/yr", "baseline": 0, "target": 150, "achieved": "120.5"}
    ],
    lessons_learned="Talk to the market early.",
    currency="SEK",
)
PLAIN = case_data(city="RIX", buyer="Rīgas pašvaldība")


def comparable(case: Case) -> dict[str, Any]:
    data = case_to_dict(case)
    for key in ("reference", "ocid", "created_at", "updated_at"):
        data.pop(key)
    return data


@pytest.mark.parametrize("data", [RICH, PLAIN], ids=["rich", "plain"])
def test_bulk_equals_one_by_one(session: Session, data: dict[str, Any]) -> None:
    one = store.add_case(session=session, data=data, user="anna")
    writer = BulkWriter(db=session, user="anna")
    [reference] = writer.write([writer.prepare(data, row=2)])
    session.commit()
    session.expire_all()
    bulk = query.get_case(session=session, reference=reference)
    single = query.get_case(session=session, reference=one.reference)
    assert reference == one.reference[:-3] + "002"
    assert comparable(bulk) == comparable(single)
    [bulk_event] = query.history(session=session, reference=reference)
    [single_event] = query.history(session=session, reference=one.reference)
    assert bulk_event.changes == single_event.changes
    assert bulk_event.action == single_event.action == "create"
    # the audit event of a new case is every stored field, from nothing
    assert bulk_event.changes == diff({}, case_values(bulk))


def test_known_supplier_gets_the_country_given(session: Session) -> None:
    first = store.add_case(
        session=session, data=case_data(winner="Nordic Buses Oy", winner_country=None), user="anna"
    )
    assert first.winner is not None and first.winner.country is None
    writer = BulkWriter(db=session, user="anna")
    data = case_data(winner="Nordic Buses Oy", winner_country="FI")
    [reference, _] = writer.write([writer.prepare(data), writer.prepare(data)])
    session.commit()
    session.expire_all()
    again = query.get_case(session=session, reference=reference)
    assert again.winner is not None and again.winner.id == first.winner_id
    assert again.winner.country == "FI"
    count = session.scalar(select(func.count()).select_from(Organisation))
    assert count == 2  # the buyer and the one supplier: no duplicate created


def test_bulk_skips_references_taken_by_imported_cases(session: Session) -> None:
    store.add_case(session=session, data=PLAIN, user="a", reference="RIX-2025-001")
    writer = BulkWriter(db=session, user="a")
    refs = writer.write([writer.prepare(PLAIN), writer.prepare(PLAIN)])
    assert refs == ["RIX-2025-002", "RIX-2025-003"]


def test_bulk_refuses_a_reference_in_use(session: Session) -> None:
    store.add_case(session=session, data=PLAIN, user="a", reference="RIX-2025-001")
    writer = BulkWriter(db=session, user="a")
    with pytest.raises(ValidationError) as err:
        writer.write([writer.prepare(PLAIN, row=5, reference="RIX-2025-001")])
    assert str(err.value.errors[0]) == "row 5, reference: RIX-2025-001 is already in the registry"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # planner statistics
def test_a_long_import_keeps_the_planner_statistics_current(session: Session) -> None:
    """PostgreSQL plans each batch's lookups (by reference, by name) from statistics; taken
    when the tables were empty, they made the planner scan a whole index for each batch, so
    a 100,000-case import slowed down as it went (3.5x slower). The writer refreshes them
    as the import grows, inside its transaction."""
    writer = BulkWriter(db=session, user="anna")
    estimated: list[float] = []
    for start in range(0, 1500, 500):
        batch = [writer.prepare(case_data(title=f"Case {i}")) for i in range(start, start + 500)]
        writer.write(batch)
        estimated.append(
            session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'cases'"))
        )
    assert estimated == [500, 1000, 1000]  # refreshed each time the import has doubled


def test_a_new_cases_audit_event_is_the_diff_from_nothing() -> None:
    """values.created (the bulk writer's shortcut) records exactly diff({}, normalised(v))
    for every demo case, with and without PPP details and outcome."""
    from procurement.cases.validate import validate
    from procurement.cases.values import created, normalised
    from procurement.demo.generator import generate_demo_cases

    checked = 0
    for demo in generate_demo_cases():
        for parts in (
            demo.data,
            {**demo.data, **(demo.ppp or {})},
            {**demo.data, **(demo.ppp or {}), **(demo.outcome or {})},
            {**demo.data, "satisfaction": 4},  # an outcome without the best-practice flag
        ):
            clean = validate(parts)
            assert created(clean) == diff({}, normalised(clean))
            assert list(created(clean)) == list(diff({}, normalised(clean)))  # field order
            checked += 1
    assert checked > 300
