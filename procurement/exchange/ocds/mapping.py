"""The registry vocabulary <-> an OCDS 1.1 release, both ways.

:func:`build_release` writes one release from a case's clean values. :class:`ReleaseReader`
reads a (compiled) release from any publisher back into vocabulary values, warning about
everything it has to guess. The two are each other's inverse for the registry's own exports;
the README section "OCDS export and import" documents every choice made here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from procurement.core import codelists as cl
from procurement.core import cpv as cpv_vocabulary
from procurement.exchange.ocds import EXTENSION

# --- codelists ------------------------------------------------------------------------------

# EU procedure -> OCDS procurementMethod; procurementMethodDetails always carries the label.
PROCEDURE_METHOD: dict[str, str | None] = {
    "open": "open",
    "restricted": "selective",
    "competitive-negotiation": "selective",
    "competitive-dialogue": "selective",
    "innovation-partnership": "selective",
    "negotiated-without-publication": "limited",
    "design-contest": "open",
    "pre-commercial": "open",
    "below-threshold": "limited",
    "other": None,
}

# Words publishers write in procurementMethodDetails (English, TED/eForms codes, local names).
PROCEDURE_WORDS: dict[str, str] = {
    "open procedure": "open",
    "avoin menettely": "open",
    "öppet förfarande": "open",
    "offentlig udbud": "open",
    "przetarg nieograniczony": "open",
    "restricted procedure": "restricted",
    "rajoitettu menettely": "restricted",
    "selektivt förfarande": "restricted",
    "begrænset udbud": "restricted",
    "przetarg ograniczony": "restricted",
    "neg-w-call": "competitive-negotiation",
    "negotiated procedure with prior publication": "competitive-negotiation",
    "negotiated with prior publication": "competitive-negotiation",
    "neuvottelumenettely": "competitive-negotiation",
    "förhandlat förfarande med föregående annonsering": "competitive-negotiation",
    "udbud med forhandling": "competitive-negotiation",
    "comp-dial": "competitive-dialogue",
    "kilpailullinen neuvottelumenettely": "competitive-dialogue",
    "konkurrenspräglad dialog": "competitive-dialogue",
    "konkurrencepræget dialog": "competitive-dialogue",
    "dialog konkurencyjny": "competitive-dialogue",
    "innovation": "innovation-partnership",
    "innovaatiokumppanuus": "innovation-partnership",
    "innovationspartnerskap": "innovation-partnership",
    "partnerstwo innowacyjne": "innovation-partnership",
    "neg-wo-call": "negotiated-without-publication",
    "negotiated without publication": "negotiated-without-publication",
    "negotiated procedure without publication": "negotiated-without-publication",
    "suorahankinta": "negotiated-without-publication",
    "direktupphandling": "negotiated-without-publication",
    "suunnittelukilpailu": "design-contest",
    "projekttävling": "design-contest",
    "pcp": "pre-commercial",
    "pre-commercial procurement": "pre-commercial",
    "esikaupallinen hankinta": "pre-commercial",
    "below threshold": "below-threshold",
    "oth-single": "other",
    "oth-mult": "other",
}

AWARD_CRITERIA: dict[str, str] = {
    "price-only": "priceOnly",
    "cost-only": "costOnly",
    "quality-only": "qualityOnly",
    "price-quality": "ratedCriteria",
}
# OCDS codes (1.1 and deprecated 1.0) and common local words -> registry code.
AWARD_CRITERIA_WORDS: dict[str, str] = {
    "priceonly": "price-only",
    "lowestprice": "price-only",
    "price": "price-only",
    "halvinhinta": "price-only",
    "lagstapris": "price-only",
    "lavestepris": "price-only",
    "najnizszacena": "price-only",
    "costonly": "cost-only",
    "lowestcost": "cost-only",
    "cost": "cost-only",
    "qualityonly": "quality-only",
    "quality": "quality-only",
    "ratedcriteria": "price-quality",
    "bestproposal": "price-quality",
    "bestvaluetogovernment": "price-quality",
    "meat": "price-quality",
    "mosteconomicallyadvantageoustender": "price-quality",
    "bestpricequalityratio": "price-quality",
    "kokonaistaloudellinenedullisuus": "price-quality",
    "ekonomisktmestfordelaktigt": "price-quality",
}

TENDER_STATUS = {
    "planned": "planned",
    "tender": "active",
    "awarded": "complete",
    "implementation": "complete",
    "completed": "complete",
    "cancelled": "cancelled",
}
AWARD_STATUS = {
    "planned": "pending",
    "tender": "pending",
    "awarded": "active",
    "implementation": "active",
    "completed": "active",
    "cancelled": "cancelled",
}
CONTRACT_STATUS = {
    "planned": "pending",
    "tender": "pending",
    "awarded": "pending",
    "implementation": "active",
    "completed": "terminated",
    "cancelled": "cancelled",
}
RISK_ALLOCATION = {"public": "publicAuthority", "private": "privateParty", "shared": "undefined"}
RISK_ALLOCATION_BACK = {v: k for k, v in RISK_ALLOCATION.items()}
SHARED_NOTE = "Shared between the public authority and the private party."
SME_SCALES = {"sme", "micro", "small", "medium"}
CLOSED_TENDER_STATUS = {"planning", "planned", "active", "cancelled", "unsuccessful", "complete"}
CLOSED_TENDER_STATUS |= {"withdrawn"}
CLOSED_METHODS = {"open", "selective", "limited", "direct"}
CATEGORIES = {"goods", "works", "services"}

# Stages of a case for release tags of the history (``export --releases``).
STAGE_TAG = {
    "planned": "planning",
    "tender": "tender",
    "awarded": "award",
    "implementation": "contract",
    "completed": "implementation",
    "cancelled": "tenderCancellation",
}
UPDATE_TAG = {
    "planning": "planningUpdate",
    "tender": "tenderUpdate",
    "award": "awardUpdate",
    "contract": "contractUpdate",
    "implementation": "implementationUpdate",
    "tenderCancellation": "tenderUpdate",
}


def kebab_to_camel(code: str) -> str:
    head, *rest = code.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_to_kebab(code: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", code).lower()


def party_id(name: str) -> str:
    """A stable party id from an organisation name (the same in every registry)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].rstrip("-")
    return f"org-{slug or 'unnamed'}"


def date_time(value: dt.date | None) -> str | None:
    """A registry date as an OCDS date-time (midnight UTC)."""
    if value is None:
        return None
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


def _drop_empty(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v not in (None, [], {}, "")}


def cpv_category(code: str) -> str:
    """The main category implied by a CPV code: division 45 works, 03-44 and 48 goods."""
    division = int(code[:2])
    if division == 45:
        return "works"
    if division <= 44 or division == 48:
        return "goods"
    return "services"


# --- registry -> OCDS -----------------------------------------------------------------------


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
    status = v["status"]
    currency = v.get("currency")

    buyer_name = v["buyer"]
    buyer_id = ids.get("buyer") or party_id(buyer_name)
    buyer: dict[str, Any] = {"id": buyer_id, "name": buyer_name, "roles": ["buyer"]}
    if include_contacts:
        contact = _drop_empty({"name": v.get("contact_name"), "email": v.get("contact_email")})
        if contact:
            buyer["contactPoint"] = contact
    parties = [buyer]
    supplier_ref: dict[str, Any] | None = None
    if v.get("winner"):
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

    procedure = v["procedure"]
    tender: dict[str, Any] = {
        "id": ids.get("tender") or f"{ref}-tender",
        "title": v["title"],
        "description": v.get("description"),
        "status": TENDER_STATUS[status],
        "value": money(v.get("estimated_value"), currency),
        "procurementMethod": PROCEDURE_METHOD[procedure],
        "procurementMethodDetails": cl.Procedure(procedure).label,
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
    documents = []
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

    release: dict[str, Any] = {
        "ocid": view.ocid,
        "id": view.release_id,
        "date": view.date,
        "tag": view.tag,
        "initiationType": "tender",
        "parties": parties,
        "buyer": {"id": buyer_id, "name": buyer_name},
        "tender": _drop_empty(tender),
    }

    ppp = v.get("ppp_model") is not None
    risks: Mapping[str, str] = v.get("risks") or {}
    contract_data = ppp or any(
        v.get(k) is not None
        for k in ("contract_start", "contract_end_planned", "completed_on", "final_value")
    )
    award_data = any(
        v.get(k) is not None
        for k in ("awarded_on", "awarded_value", "winner", "winner_is_sme", "winner_country")
    )
    award_stage = status in ("awarded", "implementation", "completed")
    if award_stage or award_data or contract_data:
        award_id = ids.get("award") or f"{ref}-award-1"
        award: dict[str, Any] = {
            "id": award_id,
            "status": AWARD_STATUS[status],
            "date": date_time(v.get("awarded_on")),
            "value": money(v.get("awarded_value"), currency),
            "suppliers": [supplier_ref] if supplier_ref else [],
        }
        if ppp and v.get("psc_value") is not None:
            award["evaluationIndicators"] = {
                "netPresentValueDetails": _vfm_text(v.get("psc_value"), v.get("vfm_percent"), v)
            }
        release["awards"] = [_drop_empty(award)]
        if status in ("implementation", "completed") or contract_data:
            release["contracts"] = [_contract(v, ids, ref, award_id, risks)]
    release[EXTENSION] = _extension(view)
    return release


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
    contract["implementation"] = implementation
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
    kpis = [
        _drop_empty(
            {
                "name": k["name"],
                "unit": k.get("unit"),
                "baseline": _maybe_number(k.get("baseline")),
                "target": _maybe_number(k.get("target")),
                "achieved": _maybe_number(k.get("achieved")),
            }
        )
        for k in v.get("kpis") or []
    ]
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


# --- OCDS -> registry -----------------------------------------------------------------------


def _roles(party: Mapping[str, Any]) -> list[str]:
    """A party's roles (a list of codes; anything else holds none)."""
    roles = party.get("roles")
    return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def seq(value: Any) -> list[dict[str, Any]]:
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _norm(word: str) -> str:
    return " ".join(word.lower().replace("_", "-").split())


def _letters(word: str) -> str:
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", plain)


@dataclass
class Mapped:
    """A release read back: vocabulary values and what the exporter needs to rebuild it."""

    values: dict[str, Any]
    ids: dict[str, str]
    reference: str | None
    ext_city: str | None
    origin: dict[str, Any] | None
    buyer_keys: list[str]


class ReleaseReader:
    """Read one compiled release into vocabulary values; ``warn(field, message)`` is called
    for every guess, default or value left aside."""

    def __init__(
        self, release: Mapping[str, Any], warn: Callable[[str, str], None], tags: list[str]
    ) -> None:
        self.r = release
        self.warn = warn
        self.tags = tags
        self.parties = {str(p.get("id")): p for p in seq(release.get("parties")) if "id" in p}
        self.values: dict[str, Any] = {}
        self.ids: dict[str, str] = {}
        self.currency: str | None = None

    # helpers
    def _party(self, ref: Mapping[str, Any]) -> dict[str, Any]:
        found = self.parties.get(str(ref.get("id"))) if "id" in ref else None
        return found or {}

    def _name(self, ref: Mapping[str, Any]) -> str | None:
        return text(ref.get("name")) or text(self._party(ref).get("name"))

    def _date(self, value: Any, where: str) -> dt.date | None:
        raw = text(value)
        if raw is None:
            return None
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError:
            self.warn(where, f"'{raw[:40]}' is not a date; left aside")
            return None

    def _amount(self, value_obj: Any, where: str) -> Decimal | None:
        value = obj(value_obj)
        amount = value.get("amount")
        if amount is None:
            return None
        try:
            number = Decimal(str(amount).strip())
        except InvalidOperation:
            self.warn(f"{where}.amount", f"'{str(amount)[:40]}' is not a number; left aside")
            return None
        if not number.is_finite():
            self.warn(f"{where}.amount", "not a finite number; left aside")
            return None
        currency = text(value.get("currency"))
        if currency is None:
            if self.currency is None:
                self.warn(f"{where}.currency", "missing; the amount is left aside")
                return None
            self.warn(f"{where}.currency", f"missing; assumed {self.currency}")
            return number
        if currency.upper() != self.currency:
            self.warn(
                f"{where}.currency",
                f"{currency} differs from the case currency {self.currency}; "
                "the amount is kept in the OCDS data only",
            )
            return None
        return number

    def read(self) -> Mapped:
        r, v = self.r, self.values
        tender = obj(r.get("tender"))
        if not tender:
            self.warn("tender", "missing (a release without a tender section)")
        awards = seq(r.get("awards"))
        active_awards = [a for a in awards if a.get("status") in (None, "active")]
        award = (active_awards or awards or [{}])[0]
        contracts = seq(r.get("contracts"))
        contract = next(
            (c for c in contracts if award and c.get("awardID") == award.get("id")),
            contracts[0] if contracts else {},
        )
        ext = obj(r.get(EXTENSION))
        if "id" in tender:
            self.ids["tender"] = str(tender["id"])
        if "id" in award:
            self.ids["award"] = str(award["id"])
        if "id" in contract:
            self.ids["contract"] = str(contract["id"])

        self._buyer(tender)
        self._title(r, tender, award, contract)
        description = text(tender.get("description"))
        if description:
            v["description"] = description
        self._cpv_and_category(tender)
        v["procedure"] = self._procedure(tender)
        v["status"] = self._status(tender, awards, contracts)

        # currency: the award's, else the tender's, else the contract's, else a transaction's
        transactions = seq(obj(contract.get("implementation")).get("transactions"))
        for source in (
            award.get("value"),
            tender.get("value"),
            contract.get("value"),
            *(t.get("value") or t.get("amount") for t in transactions),
        ):
            currency = text(obj(source).get("currency"))
            if currency:
                self.currency = currency.upper()
                break
        if self.currency:
            v["currency"] = self.currency
        estimated = self._amount(tender.get("value"), "tender.value")
        if estimated is not None:
            v["estimated_value"] = estimated
        awarded = self._awarded_value(active_awards or ([award] if award else []))
        if awarded is None and contract:
            awarded = self._amount(contract.get("value"), "contracts.value")
        if awarded is not None:
            v["awarded_value"] = awarded
        self._final_value(transactions)

        v["tender_published"] = self._date(
            obj(tender.get("tenderPeriod")).get("startDate") or tender.get("datePublished"),
            "tender.tenderPeriod.startDate",
        )
        v["awarded_on"] = self._date(award.get("date"), "awards.date")
        period = (
            obj(contract.get("period"))
            or obj(award.get("contractPeriod"))
            or obj(tender.get("contractPeriod"))
        )
        v["contract_start"] = self._date(period.get("startDate"), "contracts.period.startDate")
        v["contract_end_planned"] = self._date(period.get("endDate"), "contracts.period.endDate")
        completion = next(
            (
                m
                for m in seq(obj(contract.get("implementation")).get("milestones"))
                if "completion" in (m.get("code"), m.get("id"))
            ),
            None,
        )
        if completion:
            self.ids["completion"] = str(completion.get("id"))
            v["completed_on"] = self._date(
                completion.get("dateMet"), "implementation.milestones.dateMet"
            )

        self._award_criteria(tender)
        self._tenderers(tender, ext)
        self._winner(award)
        self._documents(tender)
        self._ppp(r, contract, award, ext)
        self._extension(ext)
        return Mapped(
            values={k: val for k, val in v.items() if val is not None},
            ids=self.ids,
            reference=text(ext.get("reference")),
            ext_city=text(ext.get("city")),
            origin=obj(ext.get("origin")) or None,
            buyer_keys=self._buyer_keys(),
        )

    def _buyer(self, tender: Mapping[str, Any]) -> None:
        ref = obj(self.r.get("buyer"))
        candidates = [ref]
        candidates += [p for p in self.parties.values() if "buyer" in _roles(p)]
        candidates += [obj(tender.get("procuringEntity"))]
        candidates += [p for p in self.parties.values() if "procuringEntity" in _roles(p)]
        for cand in candidates:
            name = self._name(cand)
            if name:
                self.values["buyer"] = name[:300]
                self._buyer_ref = cand
                if "id" in cand:
                    self.ids["buyer"] = str(cand["id"])
                party = self._party(cand) or cand
                contact = obj(party.get("contactPoint"))
                if text(contact.get("name")):
                    self.values["contact_name"] = text(contact.get("name"))
                if text(contact.get("email")):
                    self.values["contact_email"] = text(contact.get("email"))
                return
        self._buyer_ref = {}
        self.values["buyer"] = "Unknown buyer"
        self.warn("buyer", "no buyer or procuring entity named; recorded as 'Unknown buyer'")

    def _buyer_keys(self) -> list[str]:
        ref = getattr(self, "_buyer_ref", {})
        party = self._party(ref) or ref
        keys: list[str] = []
        for ident in [obj(party.get("identifier")), *seq(party.get("additionalIdentifiers"))]:
            ident_id = text(ident.get("id"))
            if ident_id:
                keys.append(ident_id)
                scheme = text(ident.get("scheme"))
                if scheme:
                    keys.append(f"{scheme}-{ident_id}")
        if text(ref.get("id")):
            keys.append(str(ref["id"]))
        return list(dict.fromkeys(keys))

    def _title(
        self,
        r: Mapping[str, Any],
        tender: Mapping[str, Any],
        award: Mapping[str, Any],
        contract: Mapping[str, Any],
    ) -> None:
        title = (
            text(tender.get("title"))
            or text(obj(obj(r.get("planning")).get("project")).get("title"))
            or text(award.get("title"))
            or text(contract.get("title"))
        )
        if title is None:
            description = text(tender.get("description"))
            title = description[:120] if description else f"Contracting process {r.get('ocid')}"
            self.warn("tender.title", f"missing; the case is titled '{title}'")
        if len(title) > 500:
            self.warn("tender.title", "longer than 500 characters; shortened in the registry")
            title = title[:497] + "..."
        self.values["title"] = title

    def _cpv_and_category(self, tender: Mapping[str, Any]) -> None:
        for item in seq(tender.get("items")):
            classification = obj(item.get("classification"))
            scheme = (text(classification.get("scheme")) or "").upper()
            code = text(classification.get("id"))
            if scheme.startswith("CPV") and code:
                self.values["cpv"] = code.replace(" ", "")
                if "id" in item:
                    self.ids["item"] = str(item["id"])
                break
        category = text(tender.get("mainProcurementCategory"))
        if category in CATEGORIES:
            self.values["category"] = category
            return
        if category == "consultingServices":
            self.values["category"] = "services"
            return
        guess = "services"
        cpv = self.values.get("cpv", "")
        if re.match(r"^\d{2}", cpv):
            guess = cpv_category(cpv)
            why = f"derived from the CPV code {cpv}"
        else:
            why = "the default"
        if category is None:
            self.warn("tender.mainProcurementCategory", f"missing; category '{guess}' ({why})")
        else:
            self.warn(
                "tender.mainProcurementCategory",
                f"'{category}' is not in the OCDS procurementCategory codelist; category "
                f"'{guess}' ({why})",
            )
        self.values["category"] = guess

    def _procedure(self, tender: Mapping[str, Any]) -> str:
        details = text(tender.get("procurementMethodDetails"))
        method = text(tender.get("procurementMethod"))
        if details:
            try:
                return cl.Procedure.parse(details).value
            except ValueError:
                pass
            found = PROCEDURE_WORDS.get(_norm(details))
            if found:
                return found
        field_name = "tender.procurementMethod"
        if method == "open":
            return "open"
        if method in ("limited", "direct"):
            return "negotiated-without-publication"
        if method == "selective":
            self.warn(
                field_name,
                "'selective' without a recognised procurementMethodDetails"
                + (f" ('{details}')" if details else "")
                + "; procedure 'other' (the original is kept)",
            )
            return "other"
        if method is None:
            if tender:
                self.warn(field_name, "missing; procedure 'other'")
            return "other"
        self.warn(
            field_name,
            f"'{method}' is not in the OCDS method codelist; procedure 'other' "
            "(the original is kept)",
        )
        return "other"

    def _status(
        self,
        tender: Mapping[str, Any],
        awards: list[dict[str, Any]],
        contracts: list[dict[str, Any]],
    ) -> str:
        tstatus = text(tender.get("status"))
        if tstatus is not None and tstatus not in CLOSED_TENDER_STATUS:
            self.warn(
                "tender.status",
                f"'{tstatus}' is not in the OCDS tenderStatus codelist; status derived from "
                "the rest of the release (the original is kept)",
            )
            tstatus = None
        cstatuses = {text(c.get("status")) for c in contracts}
        astatuses = {text(a.get("status")) for a in awards}
        if tstatus in ("cancelled", "unsuccessful", "withdrawn"):
            return "cancelled"
        if "terminated" in cstatuses:
            return "completed"
        if "active" in cstatuses:
            return "implementation"
        if contracts and cstatuses == {"cancelled"}:
            return "cancelled"
        if "active" in astatuses or "pending" in cstatuses:
            return "awarded"
        if awards and astatuses <= {"cancelled", "unsuccessful"}:
            return "cancelled"
        if tstatus == "active":
            return "tender"
        if tstatus in ("planning", "planned"):
            return "planned"
        if tstatus == "complete":
            return "awarded"
        for tag, status in (
            ("contractTermination", "completed"),
            ("implementation", "implementation"),
            ("implementationUpdate", "implementation"),
            ("contract", "implementation"),
            ("contractUpdate", "implementation"),
            ("contractAmendment", "implementation"),
            ("tenderCancellation", "cancelled"),
            ("awardCancellation", "cancelled"),
            ("award", "awarded"),
            ("awardUpdate", "awarded"),
            ("tender", "tender"),
            ("tenderUpdate", "tender"),
            ("tenderAmendment", "tender"),
            ("planning", "planned"),
            ("planningUpdate", "planned"),
        ):
            if tag in self.tags:
                return status
        guess = "awarded" if awards or contracts else "tender" if tender else "planned"
        self.warn("status", f"no tender, award or contract status; status '{guess}'")
        return guess

    def _awarded_value(self, awards: list[dict[str, Any]]) -> Decimal | None:
        total: Decimal | None = None
        for i, award in enumerate(awards):
            amount = self._amount(award.get("value"), f"awards[{i}].value")
            if amount is not None:
                total = amount if total is None else total + amount
        return total

    def _final_value(self, transactions: list[dict[str, Any]]) -> None:
        if not transactions:
            return
        total = Decimal(0)
        for i, tr in enumerate(transactions):
            amount = self._amount(
                tr.get("value") or tr.get("amount"), f"implementation.transactions[{i}].value"
            )
            if amount is None:
                return
            total += amount
        if len(transactions) == 1 and "id" in transactions[0]:
            self.ids["finalValue"] = str(transactions[0]["id"])
        self.values["final_value"] = total

    def _award_criteria(self, tender: Mapping[str, Any]) -> None:
        raw = text(tender.get("awardCriteria"))
        if raw is None:
            return
        found = AWARD_CRITERIA_WORDS.get(_letters(raw))
        if found is None:
            self.warn(
                "tender.awardCriteria",
                f"'{raw}' is not a known award criterion; left empty (the original is kept)",
            )
            return
        self.values["award_criteria"] = found

    def _tenderers(self, tender: Mapping[str, Any], ext: Mapping[str, Any]) -> None:
        stats = {
            text(s.get("measure")): s.get("value")
            for s in seq(obj(self.r.get("bids")).get("statistics"))
        }
        count = tender.get("numberOfTenderers")
        if count is None and seq(tender.get("tenderers")):
            count = len(seq(tender.get("tenderers")))
        if count is None:
            count = stats.get("bids")
        if count is not None:
            self.values["tenders_received"] = count
        sme = ext.get("smeTenders", stats.get("smeBids"))
        if sme is not None:
            self.values["sme_tenders"] = sme

    def _winner(self, award: Mapping[str, Any]) -> None:
        suppliers = seq(award.get("suppliers"))
        if not suppliers:
            return
        ref = suppliers[0]
        name = self._name(ref)
        if not name:
            return
        self.values["winner"] = name[:300]
        if "id" in ref:
            self.ids["supplier"] = str(ref["id"])
        party = self._party(ref) or ref
        address = obj(party.get("address"))
        country = text(address.get("country")) or text(address.get("countryName"))
        if country and len(country) == 2:
            self.values["winner_country"] = country.upper()
        scale = text(obj(party.get("details")).get("scale"))
        if scale:
            if scale.lower() in SME_SCALES:
                self.values["winner_is_sme"] = True
            elif scale.lower() == "large":
                self.values["winner_is_sme"] = False

    def _documents(self, tender: Mapping[str, Any]) -> None:
        docs = []
        for doc in seq(tender.get("documents")):
            url = text(doc.get("url"))
            if url and re.match(r"^https?://\S+$", url, re.IGNORECASE) and len(url) <= 2000:
                title = text(doc.get("title"))
                docs.append({"url": url, "title": title[:500] if title else None})
                if "id" in doc:
                    self.ids[f"doc:{url}"] = str(doc["id"])
        if docs:
            self.values["documents"] = docs[:100]

    def _ppp(
        self,
        r: Mapping[str, Any],
        contract: Mapping[str, Any],
        award: Mapping[str, Any],
        ext: Mapping[str, Any],
    ) -> None:
        v = self.values
        risks: dict[str, str] = {}
        for i, risk in enumerate(seq(contract.get("riskAllocation"))):
            category = text(risk.get("category"))
            allocation = text(risk.get("allocation"))
            code = camel_to_kebab(category) if category else None
            if code not in cl.RiskCategory.values():
                self.warn(
                    f"contracts.riskAllocation[{i}].category",
                    f"'{category}' is not in the riskCategory codelist; kept in the OCDS data only",
                )
                continue
            assert code is not None
            if allocation not in RISK_ALLOCATION_BACK:
                self.warn(
                    f"contracts.riskAllocation[{i}].allocation",
                    f"'{allocation}' is not in the riskAllocation codelist; kept in the OCDS "
                    "data only",
                )
                continue
            if code not in risks:
                risks[code] = RISK_ALLOCATION_BACK[allocation]
                if "id" in risk:
                    self.ids[f"risk:{code}"] = str(risk["id"])
        if risks:
            v["risks"] = risks
        ratio = obj(contract.get("financeSummary")).get("subsidyRatio")
        if isinstance(ratio, int | Decimal) and not isinstance(ratio, bool) and 0 <= ratio <= 1:
            v["private_finance_share"] = Decimal(100) - Decimal(ratio) * 100
        milestones = [
            *seq(contract.get("milestones")),
            *seq(obj(r.get("planning")).get("milestones")),
            *seq(obj(r.get("tender")).get("milestones")),
        ]
        close = next((m for m in milestones if m.get("code") == "financialClose"), None)
        if close is not None:
            v["financial_close"] = self._date(close.get("dateMet"), "milestones.dateMet")
            if v["financial_close"] is not None and "id" in close:
                self.ids["financialClose"] = str(close["id"])
        ppp = obj(ext.get("ppp"))
        if ppp:
            v["ppp_model"] = ppp.get("model")
            v["payment_mechanism"] = ppp.get("paymentMechanism")
            v["duration_years"] = ppp.get("durationYears")
            v["ppp_status"] = ppp.get("status")
            if ppp.get("vfmPercent") is not None:
                v["vfm_percent"] = ppp.get("vfmPercent")
            for key, name in (("capex", "capex"), ("pscValue", "psc_value")):
                if ppp.get(key) is not None:
                    amount = self._amount(ppp.get(key), f"{EXTENSION}.ppp.{key}")
                    if amount is not None:
                        v[name] = amount
        elif risks or v.get("private_finance_share") is not None or v.get("financial_close"):
            v["ppp_model"] = "other"
            self.warn("ppp_model", "PPP data without a PPP model; recorded as 'other'")

    def _extension(self, ext: Mapping[str, Any]) -> None:
        v = self.values
        v["sector"] = ext.get("sector") or "other"
        if ext.get("innovationApproaches"):
            v["innovation_approaches"] = ext.get("innovationApproaches")
        outcome = obj(ext.get("outcome"))
        for key, name in (
            ("innovationAchieved", "innovation_achieved"),
            ("satisfaction", "satisfaction"),
            ("lessonsLearned", "lessons_learned"),
            ("bestPractice", "best_practice"),
            ("bestPracticeRationale", "best_practice_rationale"),
        ):
            if outcome.get(key) is not None:
                v[name] = outcome[key]
        if outcome.get("kpis"):
            v["kpis"] = outcome.get("kpis")
