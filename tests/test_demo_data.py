"""The illustrative demo data set: loaded through the library, deterministic and realistic."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.cases import query
from procurement.cases.fields import DEMO_PUBLISHER
from procurement.cases.values import case_to_dict, case_values
from procurement.core import codelists as cl
from procurement.demo.generator import generate_demo_cases
from procurement.demo.loader import load_demo
from procurement.storage.models import AuditEvent, Case

ASSIGNED = ("reference", "ocid", "created_at", "updated_at")


def stored(session: Session, references: list[str]) -> list[Case]:
    by_reference = {c.reference: c for c in query.list_cases(session=session)}
    return [by_reference[r] for r in references]


def content(case: Case) -> dict[str, Any]:
    """The JSON form of a case without what the registry assigns (reference, timestamps)."""
    return {k: v for k, v in case_to_dict(case).items() if k not in ASSIGNED}


def overrun(values: dict[str, Any]) -> Decimal | None:
    final, awarded = values["final_value"], values["awarded_value"]
    if final is None or not awarded:
        return None
    return Decimal((final - awarded) / awarded)


def test_demo_data_set_is_realistic_and_deterministic(session: Session, backend: str) -> None:
    started = time.perf_counter()
    references = load_demo(session=session)
    session.commit()
    seconds = time.perf_counter() - started
    assert seconds < 20, f"loading the demo took {seconds:.1f} s on {backend}"

    loaded = stored(session, references)
    values = [case_values(c) for c in loaded]
    assert 140 <= len(loaded) <= 160
    assert {c.source_publisher for c in loaded} == {DEMO_PUBLISHER}
    assert all(c.description and c.description.endswith("(Illustrative case.)") for c in loaded)
    assert {v["city"] for v in values} == {
        "BER", "CPH", "HEL", "MMA", "OSL", "RIX", "STO", "LED", "TLL", "VNO", "WAW"
    }  # fmt: skip
    years = {c.year for c in loaded}
    assert min(years) == 2008
    assert max(years) == 2026

    # every code of the codelists an analyst groups by appears at least once
    assert {v["procedure"] for v in values} == set(cl.Procedure.values())
    assert {v["sector"] for v in values} == set(cl.Sector.values())
    assert {v["award_criteria"] for v in values} == set(cl.AwardCriteria.values())
    assert {a for v in values for a in v["innovation_approaches"]} == set(
        cl.InnovationApproach.values()
    )
    assert {v["status"] for v in values} == set(cl.Status.values())
    ppp = [v for v in values if v["ppp_model"]]
    assert {v["ppp_model"] for v in ppp} == set(cl.PppModel.values())
    assert {v["payment_mechanism"] for v in ppp} == set(cl.PaymentMechanism.values())
    assert 0.25 <= len(ppp) / len(values) <= 0.30
    assert all(v["risks"] for v in ppp)
    assert all(v["risks"]["change-in-law"] in ("public", "shared") for v in ppp)

    # single-bid rate over the cases with a tender count
    counts = [v["tenders_received"] for v in values if v["tenders_received"] is not None]
    single = sum(1 for n in counts if n == 1) / len(counts)
    assert 0.20 <= single <= 0.40
    assert all(
        v["sme_tenders"] <= v["tenders_received"] for v in values if v["sme_tenders"] is not None
    )

    # cost overruns: PPP lower than traditional delivery, with a tail and some savings
    ppp_overruns = [o for v in ppp if (o := overrun(v)) is not None]
    traditional = [o for v in values if not v["ppp_model"] and (o := overrun(v)) is not None]
    assert len(ppp_overruns) >= 10
    assert statistics.median(ppp_overruns) < statistics.median(traditional)
    assert min(traditional) < 0 < max(traditional)
    assert max(traditional) > Decimal("0.4")

    # a real registry has gaps: completed cases without outcome or without a final value
    completed = [v for v in values if v["status"] == "completed"]
    assert any(v["innovation_achieved"] is None for v in completed)
    assert any(v["final_value"] is None for v in completed)
    assert all(v["completed_on"] is not None for v in completed)
    best = [v for v in values if v["best_practice"]]
    assert 15 <= len(best) <= 20
    assert all(v["best_practice_rationale"] for v in best)

    # amounts in the currency valid at the time; a contract completed after its city joined
    # the euro is in euro throughout (one currency per case)
    for v in values:
        on = max(v["awarded_on"] or v["tender_published"], v["completed_on"] or dt.date.min)
        if v["city"] == "TLL" and on.year < 2011:
            assert v["currency"] == "EEK"
        if v["city"] == "RIX" and on.year < 2014:
            assert v["currency"] == "LVL"
        if v["city"] == "VNO" and on.year < 2015:
            assert v["currency"] == "LTL"
    assert {"EEK", "LVL", "LTL", "RUB", "SEK", "DKK", "NOK", "PLN", "EUR"} <= {
        v["currency"] for v in values
    }
    names = " ".join(f"{v['buyer']} {v['winner']}" for v in values)
    for word in ("Malmö", "Rīga", "Санкт-Петербург", "Kraków"):
        assert word in names
    assert all(v["winner"].endswith("(fictional)") for v in values if v["winner"])
    assert all(v["contact_email"].endswith("@example.org") for v in values if v["contact_email"])

    # recorded step by step, as an officer would: created, then PPP details and outcome
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == loaded[0].id).order_by(AuditEvent.id)
    ).all()
    assert actions[0] == "import"
    users = set(session.scalars(select(AuditEvent.user).distinct()))
    assert users == {"demo"}

    # the same seed again gives the same cases (new references, same content)
    again = stored(session, load_demo(session=session, seed=2026))
    session.commit()
    assert [content(c) for c in again] == [content(c) for c in loaded]
    assert session.scalar(select(func.count(Case.id))) == 2 * len(loaded)


def test_seed_changes_the_data_and_the_generator_is_repeatable() -> None:
    first = generate_demo_cases(seed=7)
    assert [c.data for c in first] == [c.data for c in generate_demo_cases(seed=7)]
    assert [c.outcome for c in first] == [c.outcome for c in generate_demo_cases(seed=7)]
    other = generate_demo_cases(seed=8)
    assert [c.data["title"] for c in first] != [c.data["title"] for c in other]
    for seed in (7, 8):
        demo = generate_demo_cases(seed=seed)
        ppp = {c.ppp["ppp_model"] for c in demo if c.ppp}
        assert ppp == set(cl.PppModel.values())
        assert {c.data["procedure"] for c in demo} == set(cl.Procedure.values())
