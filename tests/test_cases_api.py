"""The library API: cases are validated, stored, changed with an audit trail and found again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.cases import query
from procurement.cases.store import update as store
from procurement.core.errors import NotFound, ValidationError
from procurement.storage.models import AuditEvent, Case
from tests.helpers import case_data


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def test_add_case_assigns_reference_and_ocid(session: Session) -> None:
    case = store.add_case(session=session, data=case_data(), user="anna")
    session.commit()
    assert case.reference == "HEL-2025-001"
    assert case.ocid == "ocds-baltmt-HEL-2025-001"
    second = store.add_case(session=session, data=case_data(), user="anna")
    assert second.reference == "HEL-2025-002"
    assert case.awarded_value == Decimal("1100000.50")
    assert [a.approach for a in case.approaches] == ["market-dialogue", "outcome-based-payment"]


def test_references_are_never_reused_after_removal(session: Session) -> None:
    first = store.add_case(session=session, data=case_data(), user="anna")
    store.remove_case(session=session, reference=first.reference, user="anna")
    again = store.add_case(session=session, data=case_data(), user="anna")
    assert again.reference == "HEL-2025-002"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"city": "KRK"}, "city"),
        ({"cpv": "99999999-9"}, "cpv"),
        ({"estimated_value": "-5"}, "estimated_value"),
        ({"awarded_on": "2025-01-01"}, "awarded_on"),
        ({"currency": None}, "currency"),
        ({"sme_tenders": 9}, "sme_tenders"),
    ],
)
def test_bad_case_is_refused_naming_the_field(
    session: Session, override: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        store.add_case(session=session, data=case_data(**override), user="anna")
    assert err.value.fields == [field]
    session.rollback()
    assert count(session) == 0


def test_satisfaction_of_seven_is_refused_and_nothing_written(session: Session) -> None:
    case = store.add_case(session=session, data=case_data(), user="anna")
    session.commit()
    with pytest.raises(ValidationError) as err:
        store.set_outcome(
            session=session, reference=case.reference, data={"satisfaction": "7"}, user="anna"
        )
    assert err.value.fields == ["satisfaction"]
    assert "1 to 5" in str(err.value)
    session.rollback()
    assert query.get_case(session=session, reference=case.reference).outcome is None


def test_all_problems_of_one_input_reported_together(session: Session) -> None:
    data = case_data(city="XXX", cpv="1", estimated_value="-1", title=None)
    with pytest.raises(ValidationError) as err:
        store.add_case(session=session, data=data, user="anna")
    assert sorted(err.value.fields) == ["city", "cpv", "estimated_value", "title"]


def test_update_writes_audit_event_with_old_and_new(session: Session) -> None:
    case = store.add_case(session=session, data=case_data(), user="anna")
    _, changes = store.update_case(
        session=session,
        reference=case.reference,
        data={"status": "implementation", "final_value": "1200000"},
        user="boris",
    )
    session.commit()
    assert changes == {
        "status": {"old": "awarded", "new": "implementation"},
        "final_value": {"old": None, "new": "1200000"},
    }
    events = query.history(session=session, reference=case.reference)
    assert [e.action for e in events] == ["update", "create"]
    assert events[0].user == "boris"
    assert events[1].changes["title"] == {"old": None, "new": case.title}


def test_unchanged_update_writes_no_event(session: Session) -> None:
    case = store.add_case(session=session, data=case_data(), user="anna")
    store.update_case(
        session=session, reference=case.reference, data={"status": "awarded"}, user="anna"
    )
    n = session.scalar(select(func.count()).select_from(AuditEvent))
    assert n == 1


def test_ppp_and_outcome(session: Session) -> None:
    case = store.add_case(session=session, data=case_data(), user="anna")
    store.set_ppp(
        session=session,
        reference=case.reference,
        user="anna",
        data={
            "ppp_model": "dbfom",
            "private_finance_share": "70",
            "risks": "construction=private;revenue=public",
        },
    )
    with pytest.raises(ValidationError) as err:
        store.set_ppp(
            session=session, reference=case.reference, user="anna", data={"risks": "revenue=nobody"}
        )
    assert err.value.fields == ["risks"]
    store.set_outcome(
        session=session,
        reference=case.reference,
        user="anna",
        data={
            "satisfaction": 4,
            "kpis": "co2-reduction=120:t/yr:0:150",
            "best_practice": "yes",
            "best_practice_rationale": "Cut CO2.",
        },
    )
    session.commit()
    stored = query.get_case(session=session, reference=case.reference)
    assert stored.ppp is not None and stored.ppp.ppp_model == "dbfom"
    assert {r.category: r.allocation for r in stored.ppp.risks} == {
        "construction": "private",
        "revenue": "public",
    }
    assert stored.outcome is not None and stored.outcome.satisfaction == 4
    assert stored.kpis[0].target == Decimal("150")


def test_ppp_field_without_model_is_refused(session: Session) -> None:
    case = store.add_case(session=session, data=case_data(), user="anna")
    with pytest.raises(ValidationError) as err:
        store.set_ppp(session=session, reference=case.reference, user="anna", data={"capex": "100"})
    assert err.value.fields == ["ppp_model"]


def test_set_ppp_refuses_case_fields(session: Session) -> None:
    case = store.add_case(session=session, data=case_data(), user="anna")
    with pytest.raises(ValidationError) as err:
        store.set_ppp(session=session, reference=case.reference, user="anna", data={"title": "x"})
    assert err.value.fields == ["title"]


def test_list_filters_and_search(session: Session) -> None:
    store.add_case(session=session, data=case_data(), user="a")
    store.add_case(
        session=session,
        data=case_data(city="RIX", title="Smart lighting Rīga", procedure="open"),
        user="a",
    )
    removed = store.add_case(session=session, data=case_data(city="RIX"), user="a")
    store.remove_case(session=session, reference=removed.reference, user="a")
    session.commit()
    flt = query.CaseFilter(city=["RIX"])
    assert [c.title for c in query.list_cases(session=session, flt=flt)] == ["Smart lighting Rīga"]
    found = query.list_cases(session=session, flt=query.CaseFilter(search="LIGHTING"))
    assert len(found) == 1
    assert query.count_cases(session=session, flt=query.CaseFilter(procedure=["open"])) == 1
    with pytest.raises(NotFound):
        query.get_case(session=session, reference=removed.reference)
    store.remove_case(session=session, reference=removed.reference, user="a", undo=True)
    assert query.get_case(session=session, reference=removed.reference).removed_at is None


def test_database_enforces_ranges(session: Session) -> None:
    """The database itself refuses out-of-range values written past the library."""
    from sqlalchemy.exc import IntegrityError

    from procurement.storage.models import Outcome

    case = store.add_case(session=session, data=case_data(), user="a")
    session.commit()
    session.add(Outcome(case_id=case.id, satisfaction=7, best_practice=False))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    case = query.get_case(session=session, reference=case.reference)
    case.tenders_received = -1
    with pytest.raises(IntegrityError):
        session.commit()
