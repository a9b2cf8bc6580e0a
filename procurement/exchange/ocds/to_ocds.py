"""A case's clean values -> one OCDS 1.1 release (PPP cases follow the OCDS for PPPs profile).

:func:`build_release` is the inverse of :class:`.from_ocds.ReleaseReader` for the registry's
own exports; the README section "OCDS export and import" documents every choice made here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from procurement.core import codelists as cl
from procurement.core import cpv as cpv_vocabulary
from procurement.exchange.ocds import EXTENSION
from procurement.exchange.ocds.codelists import (
    AWARD_CRITERIA,
    AWARD_STATUS,
    CONTRACT_STATUS,
    PROCEDURE_METHOD,
    RISK_ALLOCATION,
    SHARED_NOTE,
    STAGE_TAG,
    TENDER_STATUS,
    UPDATE_TAG,
    kebab_to_camel,
)


def party_id(name: str) -> str:
    """A stable party id from an organisation name (the same in every registry)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].rstrip("-")
    return f"org-{slug or 'unnamed'}"


_MIDNIGHTS: dict[dt.date, str] = {}  # date_time of the days met (cases share their days)


def date_time(value: dt.date | None) -> str | None:
    """A registry date as an OCDS date-time (midnight UTC)."""
    if value is None:
        return None
    if type(value) is dt.date:  # exactly a date (a datetime has its time and zone)
        text = _MIDNIGHTS.get(value)
        if text is None:
            if len(_MIDNIGHTS) >= 100_000:
                _MIDNIGHTS.clear()
            text = _MIDNIGHTS[value] = f"{value.isoformat()}T00:00:00Z"
        return text
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


def money(amount: Decimal | None, currency: str | None) -> dict[str, Any] | None:
    if amount is None or currency is None:
        return None
    return {"amount": _number(amount), "currency": currency}


def _number(value: Decimal | int) -> Decimal | int:
    if isinstance(value, int):
        return value
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return int(normal)
    return normal


_EMPTY: tuple[Any, ...] = (None, [], {}, "")  # what _drop_empty drops (never changed)


def _drop_empty(obj: dict[str, Any]) -> dict[str, Any]:
    # most values are filled (true): only the others are compared with the empty ones; a
    # loop costs less than a comprehension (a call before Python 3.12) for these few keys
    out: dict[str, Any] = {}
    for k, v in obj.items():
        if v or v not in _EMPTY:
            out[k] = v
    return out


@dataclass
class ReleaseView:
    """What :func:`build_release` needs: the case's clean values and the release identity."""

    ocid: str
    reference: str
    release_id: str
    date: str
    tag: list[str]
    values: Mapping[str, Any]
    origin: Mapping[str, Any]
    ids: Mapping[str, str] = field(default_factory=dict)


def build_release(view: ReleaseView, *, include_contacts: bool = False) -> dict[str, Any]:
    """One OCDS 1.1 release (PPP cases following the OCDS for PPPs profile) for a case."""
    v, ids, ref = view.values, view.ids, view.reference
    parties, supplier_ref = _parties(v, ids, include_contacts=include_contacts)
    buyer = parties[0]
    release: dict[str, Any] = {
        "ocid": view.ocid,
        "id": view.release_id,
        "date": view.date,
        "tag": view.tag,
        "initiationType": "tender",
        "parties": parties,
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "tender": _tender(v, ids, ref),
    }
    _add_award_and_contract(release, v, ids, ref, supplier_ref)
    release[EXTENSION] = _extension(view)
    return release


def contact_point(v: Mapping[str, Any]) -> dict[str, Any]:
    """The buyer's contact point of a case (personal data: see ``include_contacts``)."""
    return _drop_empty({"name": v.get("contact_name"), "email": v.get("contact_email")})


def _parties(
    v: Mapping[str, Any], ids: Mapping[str, str], *, include_contacts: bool
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The parties (the buyer first, then the winner unless it is the buyer too) and the
    award's reference to the winner (None without one)."""
    buyer_name = v["buyer"]
    buyer_id = ids.get("buyer") or party_id(buyer_name)
    buyer: dict[str, Any] = {"id": buyer_id, "name": buyer_name, "roles": ["buyer"]}
    if include_contacts or v.get("contact_public"):
        contact = contact_point(v)
        if contact:
            buyer["contactPoint"] = contact
    parties = [buyer]
    if not v.get("winner"):
        return parties, None
    supplier_id = ids.get("supplier") or party_id(v["winner"])
    supplier_ref = {"id": supplier_id, "name": v["winner"]}
    if supplier_id == buyer_id:
        buyer["roles"].append("supplier")
        supplier: dict[str, Any] = buyer
    else:
        supplier = {"id": supplier_id, "name": v["winner"], "roles": ["supplier"]}
        parties.append(supplier)
    if v.get("winner_country"):
        supplier["address"] = {"country": v["winner_country"]}
    if v.get("winner_is_sme") is not None:
        supplier["details"] = {"scale": "sme" if v["winner_is_sme"] else "large"}
    return parties, supplier_ref


def _tender(v: Mapping[str, Any], ids: Mapping[str, str], ref: str) -> dict[str, Any]:
    procedure = v["procedure"]
    tender: dict[str, Any] = {
        "id": ids.get("tender") or f"{ref}-tender",
        "title": v["title"],
        "description": v.get("description"),
        "status": TENDER_STATUS[v["status"]],
        "value": money(v.get("estimated_value"), v.get("currency")),
        "procurementMethod": PROCEDURE_METHOD[procedure],
        "procurementMethodDetails": _procedure_label(procedure),
        "mainProcurementCategory": v["category"],
        "awardCriteria": AWARD_CRITERIA.get(v.get("award_criteria") or ""),
        "tenderPeriod": _drop_empty({"startDate": date_time(v.get("tender_published"))}),
        "numberOfTenderers": v.get("tenders_received"),
    }
    if v.get("cpv"):
        code = v["cpv"]
        tender["items"] = [
            {
                "id": ids.get("item") or "1",
                "classification": {
                    "scheme": "CPV",
                    "id": code[:8],
                    "description": cpv_vocabulary.label(code),
                },
            }
        ]
    documents: list[dict[str, Any]] = []  # (a loop: most cases have none)
    for i, doc in enumerate(v.get("documents") or [], start=1):
        documents.append(
            _drop_empty(
                {
                    "id": ids.get(f"doc:{doc['url']}") or f"doc-{i}",
                    "title": doc.get("title"),
                    "url": doc["url"],
                }
            )
        )
    tender["documents"] = documents
    return _drop_empty(tender)


_PROCEDURE_LABELS = {m.value: m.label for m in cl.Procedure}


def _procedure_label(procedure: str) -> str:
    """``cl.Procedure(procedure).label`` (looked up without the enum's call for a code)."""
    label = _PROCEDURE_LABELS.get(procedure) if type(procedure) is str else None
    return cl.Procedure(procedure).label if label is None else label


def _add_award_and_contract(
    release: dict[str, Any],
    v: Mapping[str, Any],
    ids: Mapping[str, str],
    ref: str,
    supplier_ref: dict[str, Any] | None,
) -> None:
    """An award once the case is awarded or holds award or contract data; a contract once
    it is in implementation or holds contract data (every PPP case does)."""
    status = v["status"]
    ppp = v.get("ppp_model") is not None
    get = v.get  # (conditions written out: a generator for any() costs more than them)
    contract_data = (
        ppp
        or get("contract_start") is not None
        or get("contract_end_planned") is not None
        or get("completed_on") is not None
        or get("final_value") is not None
    )
    award_data = (
        get("awarded_on") is not None
        or get("awarded_value") is not None
        or get("winner") is not None
        or get("winner_is_sme") is not None
        or get("winner_country") is not None
    )
    award_stage = status in ("awarded", "implementation", "completed")
    if not (award_stage or award_data or contract_data):
        return
    award_id = ids.get("award") or f"{ref}-award-1"
    award: dict[str, Any] = {
        "id": award_id,
        "status": AWARD_STATUS[status],
        "date": date_time(v.get("awarded_on")),
        "value": money(v.get("awarded_value"), v.get("currency")),
        "suppliers": [supplier_ref] if supplier_ref else [],
    }
    if ppp and v.get("psc_value") is not None:
        award["evaluationIndicators"] = {
            "netPresentValueDetails": _vfm_text(v.get("psc_value"), v.get("vfm_percent"), v)
        }
    release["awards"] = [_drop_empty(award)]
    if status in ("implementation", "completed") or contract_data:
        risks: Mapping[str, str] = v.get("risks") or {}
        release["contracts"] = [_contract(v, ids, ref, award_id, risks)]


def _vfm_text(psc: Decimal | None, vfm: Decimal | None, v: Mapping[str, Any]) -> str:
    text = (
        f"Public sector comparator (net present cost of conventional public delivery): "
        f"{_number(psc) if psc is not None else '?'} {v.get('currency') or ''}".rstrip()
        + "."
    )
    if vfm is not None:
        text += f" Value for money claimed for the PPP option against it: {_number(vfm)} %."
    return text


def _contract(
    v: Mapping[str, Any], ids: Mapping[str, str], ref: str, award_id: str, risks: Mapping[str, str]
) -> dict[str, Any]:
    currency = v.get("currency")
    status = v["status"]
    contract: dict[str, Any] = {
        "id": ids.get("contract") or f"{ref}-contract-1",
        "awardID": award_id,
        "status": CONTRACT_STATUS[status],
        "period": _drop_empty(
            {
                "startDate": date_time(v.get("contract_start")),
                "endDate": date_time(v.get("contract_end_planned")),
            }
        ),
        "value": money(v.get("awarded_value"), currency),
    }
    contract["implementation"] = _implementation(v, ids)
    if v.get("financial_close") is not None:
        contract["milestones"] = [
            {
                "id": ids.get("financialClose") or "financial-close",
                "title": "Financial close",
                "type": "financing",
                "code": "financialClose",
                "status": "met",
                "dateMet": date_time(v["financial_close"]),
            }
        ]
    if risks:
        contract["riskAllocation"] = [
            _drop_empty(
                {
                    "id": ids.get(f"risk:{category}") or kebab_to_camel(category),
                    "category": kebab_to_camel(category),
                    "allocation": RISK_ALLOCATION[allocation],
                    "notes": SHARED_NOTE if allocation == "shared" else None,
                }
            )
            for category, allocation in risks.items()
        ]
    share = v.get("private_finance_share")
    if share is not None:
        contract["financeSummary"] = {
            "subsidyRatio": _number((Decimal(100) - share) / Decimal(100)),
            "subsidyRatioDetails": (
                "Public funding as a share of the capital expenditure: 100 % minus the "
                f"private finance share of {_number(share)} % recorded in the registry."
            ),
        }
    return _drop_empty(contract)


def _implementation(v: Mapping[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    """The contract's implementation: the final value as one transaction, the completion
    as a milestone."""
    currency = v.get("currency")
    implementation: dict[str, Any] = {}
    if v.get("final_value") is not None and currency:
        implementation["transactions"] = [
            _drop_empty(
                {
                    "id": ids.get("finalValue") or "final-value",
                    "date": date_time(v.get("completed_on")),
                    "value": money(v["final_value"], currency),
                }
            )
        ]
    if v.get("completed_on") is not None:
        implementation["milestones"] = [
            {
                "id": ids.get("completion") or "completion",
                "title": "Completion",
                "type": "delivery",
                "code": "completion",
                "status": "met",
                "dateMet": date_time(v["completed_on"]),
            }
        ]
    return implementation


def _extension(view: ReleaseView) -> dict[str, Any]:
    v = view.values
    currency = v.get("currency")
    ext: dict[str, Any] = {
        "reference": view.reference,
        "city": v["city"],
        "origin": dict(view.origin),
        "sector": v["sector"],
        "innovationApproaches": list(v.get("innovation_approaches") or []),
        "smeTenders": v.get("sme_tenders"),
    }
    if v.get("ppp_model") is not None:
        ext["ppp"] = _drop_empty(
            {
                "model": v["ppp_model"],
                "paymentMechanism": v.get("payment_mechanism"),
                "durationYears": v.get("duration_years"),
                "capex": money(v.get("capex"), currency),
                "pscValue": money(v.get("psc_value"), currency),
                "vfmPercent": _number(v["vfm_percent"])
                if v.get("vfm_percent") is not None
                else None,
                "status": v.get("ppp_status"),
            }
        )
    kpis: list[dict[str, Any]] = []  # (a loop: most cases have none)
    for k in v.get("kpis") or []:
        kpis.append(
            _drop_empty(
                {
                    "name": k["name"],
                    "unit": k.get("unit"),
                    "baseline": _maybe_number(k.get("baseline")),
                    "target": _maybe_number(k.get("target")),
                    "achieved": _maybe_number(k.get("achieved")),
                    "lowerIsBetter": k.get("lower_is_better"),
                }
            )
        )
    outcome = _drop_empty(
        {
            "innovationAchieved": v.get("innovation_achieved"),
            "satisfaction": v.get("satisfaction"),
            "lessonsLearned": v.get("lessons_learned"),
            "bestPractice": v.get("best_practice"),
            "bestPracticeRationale": v.get("best_practice_rationale"),
            "kpis": kpis,
        }
    )
    if outcome:
        ext["outcome"] = outcome
    return _drop_empty(ext)


def _maybe_number(value: Any) -> Any:
    return _number(value) if isinstance(value, Decimal | int) else value


def history_tag(status: str, previous: str | None) -> list[str]:
    """The release tag of one step of a case's history."""
    tag = STAGE_TAG[status]
    if previous is not None and STAGE_TAG.get(previous) == tag:
        return [UPDATE_TAG[tag]]
    return [tag]
