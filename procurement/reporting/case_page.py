"""`report case REF`, and the one-page summary of a case that best-practice reports show too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from procurement.analysis.fx import RateBook
from procurement.cases.fields import DEMO_PUBLISHER
from procurement.cases.query import get_case
from procurement.cases.values import case_to_dict, case_values
from procurement.core import codelists as cl
from procurement.reporting.common import NO_CONTACTS_NOTE, now_text
from procurement.reporting.formatting import eur, label, money, percent
from procurement.reporting.model import CasePage, Coverage, Report, Section
from procurement.storage.models import Case

Facts = list[tuple[str, str]]
AmountText = Callable[..., str]


def _kpi_attainment(kpi: dict[str, Any]) -> float | None:
    """As the reports score a KPI (:func:`procurement.analysis.queries.kpi_attainment_subquery`):
    (achieved − baseline) / (target − baseline); without a baseline, against the target in the
    KPI's direction; None when it cannot be scored."""
    achieved, target, baseline = kpi["achieved"], kpi["target"], kpi["baseline"]
    lower = kpi.get("lower_is_better")
    if achieved is None or target is None:
        return None
    if baseline is not None and target != baseline:
        return float((achieved - baseline) / (target - baseline))
    if lower is True and achieved > 0:
        return float(target / achieved)
    if lower is False and target > 0:
        return float(achieved / target)
    return None


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "not recorded"


def _amount_text(case: Case, currency: str | None, rates: RateBook) -> AmountText:
    """How the page shows an amount of the case: in its currency, and in euro at the rate of
    the case's date (the final value: of the completion date, when there is one)."""
    on = case.awarded_on or case.tender_published or case.contract_start
    if on is None and case.created_at is not None:
        on = case.created_at.date()

    def amount(value: Decimal | None, at: dt.date | None = None) -> str:
        if value is None:
            return "not recorded"
        text = money(value, currency)
        if currency and currency != "EUR":
            converted = rates.to_eur(value, currency, at or on)
            text += f" (≈ {eur(converted)})" if converted is not None else " (not convertible)"
        return text

    return amount


def _facts(case: Case, v: dict[str, Any]) -> Facts:
    return [
        ("City", case.city.name if case.city else v["city"]),
        ("Buyer", v["buyer"] or ""),
        ("Year", str(case.year)),
        ("Status", label(cl.Status, v["status"])),
        ("Sector", label(cl.Sector, v["sector"])),
        ("Category", label(cl.Category, v["category"])),
    ]


def _approach(v: dict[str, Any]) -> Facts:
    return [
        ("Procedure", label(cl.Procedure, v["procedure"])),
        (
            "Innovation approaches",
            ", ".join(label(cl.InnovationApproach, a) for a in v["innovation_approaches"])
            or "none recorded",
        ),
        ("Award criteria", label(cl.AwardCriteria, v["award_criteria"], "not recorded")),
        (
            "Tenders received",
            str(v["tenders_received"] if v["tenders_received"] is not None else "not recorded"),
        ),
        ("Tender published", _date(v["tender_published"])),
        ("Awarded on", _date(v["awarded_on"])),
    ]


def _ppp_facts(v: dict[str, Any], amount: AmountText) -> Facts:
    return [
        ("PPP model", label(cl.PppModel, v["ppp_model"])),
        (
            "Payment mechanism",
            label(cl.PaymentMechanism, v["payment_mechanism"], "not recorded"),
        ),
        ("Duration", f"{v['duration_years']} years" if v["duration_years"] else "not recorded"),
        ("Capital expenditure", amount(v["capex"])),
        (
            "Value for money claimed",
            f"{v['vfm_percent']} %" if v["vfm_percent"] is not None else "not recorded",
        ),
        ("PPP status", label(cl.PppStatus, v["ppp_status"], "not recorded")),
    ]


def _risks(v: dict[str, Any]) -> Facts:
    return [(label(cl.RiskCategory, k), label(cl.RiskAllocation, a)) for k, a in v["risks"].items()]


def _completed(v: dict[str, Any]) -> bool:
    return bool(v["status"] == cl.Status.COMPLETED.value)


def _overrun_of(v: dict[str, Any]) -> float | None:
    if v["final_value"] is not None and v["awarded_value"]:
        return float((v["final_value"] - v["awarded_value"]) / v["awarded_value"])
    return None


def _cost_overrun(v: dict[str, Any]) -> float | None:
    """The cost overrun of a completed contract (before completion the final value is an
    interim figure: see :func:`_interim_overrun`)."""
    return _overrun_of(v) if _completed(v) else None


def _interim_overrun(v: dict[str, Any]) -> float | None:
    return None if _completed(v) else _overrun_of(v)


def _schedule_delay(v: dict[str, Any]) -> int | None:
    if v["completed_on"] and v["contract_end_planned"] and _completed(v):
        days: int = (v["completed_on"] - v["contract_end_planned"]).days
        return days
    return None


def _overrun_text(v: dict[str, Any], overrun: float | None) -> str:
    if overrun is not None:
        return percent(overrun)
    interim = _interim_overrun(v)
    if interim is not None:
        return f"{percent(interim)} so far (interim: contract not completed)"
    return "not known"


def _outcome(
    v: dict[str, Any], amount: AmountText, overrun: float | None, delay: int | None
) -> Facts:
    return [
        ("Estimated value", amount(v["estimated_value"])),
        ("Awarded value", amount(v["awarded_value"])),
        (
            "Final value" if _completed(v) else "Final value (interim: not completed)",
            amount(v["final_value"], v["completed_on"]),
        ),
        ("Cost overrun", _overrun_text(v, overrun)),
        ("Planned end", _date(v["contract_end_planned"])),
        ("Completed on", _date(v["completed_on"])),
        ("Schedule delay", f"{delay} days" if delay is not None else "not known"),
        (
            "Innovation achieved",
            label(cl.InnovationAchieved, v["innovation_achieved"], "not recorded"),
        ),
        (
            "Satisfaction",
            f"{v['satisfaction']} of 5" if v["satisfaction"] is not None else "not recorded",
        ),
    ]


def _kpis(v: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": k["name"],
            "unit": k["unit"] or "",
            "baseline": k["baseline"],
            "target": k["target"],
            "achieved": k["achieved"],
            "attainment": _kpi_attainment(k),
        }
        for k in v["kpis"]
    ]


def _contact(v: dict[str, Any]) -> Facts:
    return [
        ("Name", v["contact_name"] or "not recorded"),
        ("E-mail", v["contact_email"] or "not recorded"),
    ]


def _page_data(
    case: Case,
    *,
    include_contacts: bool,
    overrun: float | None,
    delay: int | None,
    kpis: list[dict[str, Any]],
) -> dict[str, Any]:
    """The case's data as the JSON of the page carries it, with the derived figures."""
    data = case_to_dict(case, include_contacts=include_contacts or bool(case.contact_public))
    data["cost_overrun"] = round(overrun, 4) if overrun is not None else None
    interim = _interim_overrun(case_values(case))
    data["cost_overrun_interim"] = round(interim, 4) if interim is not None else None
    data["schedule_delay_days"] = delay
    for k, shown in zip(data["kpis"], kpis, strict=True):
        k["attainment"] = None if shown["attainment"] is None else round(shown["attainment"], 4)
    data["fictional"] = case.source_publisher == DEMO_PUBLISHER
    return data


def case_page(case: Case, *, rates: RateBook, include_contacts: bool) -> CasePage:
    """The one-page summary of a case."""
    v = case_values(case)
    amount = _amount_text(case, v["currency"], rates)
    overrun = _cost_overrun(v)
    delay = _schedule_delay(v)
    kpis = _kpis(v)
    has_ppp = case.ppp is not None
    return CasePage(
        reference=case.reference,
        title=case.title,
        facts=_facts(case, v),
        challenge=v["description"],
        approach=_approach(v),
        ppp=_ppp_facts(v, amount) if has_ppp else [],
        risks=_risks(v) if has_ppp else [],
        outcome=_outcome(v, amount, overrun, delay),
        kpis=kpis,
        lessons_learned=v["lessons_learned"],
        best_practice=bool(v["best_practice"]),
        best_practice_rationale=v["best_practice_rationale"],
        contact=_contact(v) if include_contacts or v["contact_public"] else None,
        documents=v["documents"],
        demo=case.source_publisher == DEMO_PUBLISHER,
        data=_page_data(
            case, include_contacts=include_contacts, overrun=overrun, delay=delay, kpis=kpis
        ),
    )


def build_case(*, session: Session, reference: str, include_contacts: bool = False) -> Report:
    """`report case REF`: the one-page summary of any case."""
    found = get_case(session=session, reference=reference)
    rates = RateBook.from_session(session)
    page = case_page(found, rates=rates, include_contacts=include_contacts)
    updated = found.updated_at
    cov = Coverage(
        filters={"reference": found.reference},
        cases=1,
        data_as_of=updated.replace(microsecond=0).isoformat() if updated else None,
        generated_at=now_text(),
        exchange_rates=rates.describe(),
        demo_cases=1 if page.demo else 0,
    )
    return Report(
        kind="case",
        title=f"{found.reference}: {found.title}",
        slug=f"case-{found.reference}",
        coverage=cov,
        sections=[Section(f"case-{found.reference}", found.title, blocks=[page])],
        notes=[] if include_contacts else [NO_CONTACTS_NOTE],
    )
