"""An OCDS 1.1 release (compiled, from any publisher) -> the registry's vocabulary values.

:class:`ReleaseReader` warns about everything it has to guess. It is the inverse of
:func:`.to_ocds.build_release` for the registry's own exports; the README section "OCDS
export and import" documents every choice made here.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from procurement.cases.validate import MAX_MONEY
from procurement.core import codelists as cl
from procurement.core.errors import FieldError, ValidationError
from procurement.core.limits import MAX_NUMBER_CHARS
from procurement.exchange.ocds import EXTENSION
from procurement.exchange.ocds.codelists import (
    AWARD_CRITERIA_WORDS,
    CATEGORIES,
    CLOSED_TENDER_STATUS,
    PROCEDURE_WORDS,
    RISK_ALLOCATION_BACK,
    SME_SCALES,
    camel_to_kebab,
    cpv_category,
)


def _roles(party: Mapping[str, Any]) -> list[str]:
    """A party's roles (a list of codes; anything else holds none)."""
    roles = party.get("roles")
    return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def seq(value: Any) -> list[dict[str, Any]]:
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if value is None:  # a key left out, the other usual case: no further type test
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _norm(word: str) -> str:
    return " ".join(word.lower().replace("_", "-").split())


def _letters(word: str) -> str:
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", plain)


@functools.lru_cache(maxsize=1024)
def _procedure_named(details: str) -> str | None:
    """The procedure a publisher's procurementMethodDetails name (a code or label, else
    words the OCDS codelists use), or None. Cached: publishers repeat a few phrases, and
    reading one raises and catches an error when it is no code or label."""
    try:
        return cl.Procedure.parse(details).value
    except ValueError:
        return PROCEDURE_WORDS.get(_norm(details)) or None


def _notice_published(tender: Mapping[str, Any]) -> Any:
    """The publication date of the tender's first tender notice that gives one, or None."""
    for document in seq(tender.get("documents")):
        if document.get("documentType") == "tenderNotice" and document.get("datePublished"):
            return document.get("datePublished")
    return None


def _financial_close(*milestones: Any) -> dict[str, Any] | None:
    """The first milestone coded financialClose in the lists of ``milestones``, in order."""
    for listed in milestones:
        for milestone in seq(listed):
            if milestone.get("code") == "financialClose":
                return milestone
    return None


def _transactions(contract: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The contract's payments (implementation.transactions)."""
    return seq(obj(contract.get("implementation")).get("transactions"))


def _contract_of(award: Mapping[str, Any], contracts: list[dict[str, Any]]) -> dict[str, Any]:
    """The first contract naming ``award`` (when there is one), else the first contract."""
    if award:
        award_id = award.get("id")
        for contract in contracts:
            if contract.get("awardID") == award_id:
                return contract
    return contracts[0] if contracts else {}


@dataclass
class Mapped:
    """A release read back: vocabulary values and what the exporter needs to rebuild it."""

    values: dict[str, Any]
    ids: dict[str, str]
    reference: str | None
    ext_city: str | None
    origin: dict[str, Any] | None
    buyer_keys: list[str]
    # registry fields filled in because the publisher gave no usable value: field -> value
    defaults: dict[str, Any] = field(default_factory=dict)


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
        self.defaults: dict[str, Any] = {}  # values made up here, not the publisher's
        self.ids: dict[str, str] = {}
        self.currency: str | None = None

    # helpers
    def _party(self, ref: Mapping[str, Any]) -> dict[str, Any]:
        found = self.parties.get(str(ref.get("id"))) if "id" in ref else None
        return found or {}

    def _name(self, ref: Mapping[str, Any]) -> str | None:
        return text(ref.get("name")) or text(self._party(ref).get("name"))

    def _date(self, value: Any, where: str) -> dt.date | None:
        raw = value.strip() if value.__class__ is str else text(value)  # text(), for a str
        if not raw:
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
        if amount.__class__ is Decimal:  # a JSON number, the usual case
            number: Decimal = amount  # what Decimal(str(amount)) would give: the same number
        else:
            written = amount.strip() if isinstance(amount, str) else amount
            if isinstance(written, str) and len(written) > MAX_NUMBER_CHARS:
                self.warn(f"{where}.amount", f"'{written[:40]}…' is not a number; left aside")
                return None
            try:
                number = Decimal(str(written))
            except (InvalidOperation, ValueError):
                self.warn(f"{where}.amount", f"'{str(amount)[:40]}' is not a number; left aside")
                return None
        if not number.is_finite():
            self.warn(f"{where}.amount", "not a finite number; left aside")
            return None
        if abs(number) >= MAX_MONEY:  # compared by exponent: no arithmetic on it first
            raise ValidationError(
                [
                    FieldError(
                        f"{where}.amount",
                        f"{str(number)[:40]} is beyond 10^15, more than any procurement; "
                        "the release is skipped",
                    )
                ]
            )
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
        award = active_awards[0] if active_awards else awards[0] if awards else {}
        contracts = seq(r.get("contracts"))
        contract = _contract_of(award, contracts)
        ext = obj(r.get(EXTENSION))
        for key, section in (("tender", tender), ("award", award), ("contract", contract)):
            if "id" in section:
                self.ids[key] = str(section["id"])
        if "award" not in self.ids and text(contract.get("awardID")):
            # a contract without its award in the data: the award the registry writes for
            # it is the one the contract names, never a made-up one it does not reference
            self.ids["award"] = str(contract["awardID"])

        self._buyer(tender)
        self._title(r, tender, award, contract)
        description = text(tender.get("description"))
        if description:
            v["description"] = description
        self._cpv_and_category(tender)
        v["procedure"] = self._procedure(tender)
        if self._procedure_guessed:
            self.defaults["procedure"] = v["procedure"]
        v["status"] = self._status(tender, awards, contracts)
        self._amounts(tender, award, active_awards or ([award] if award else []), contract)
        self._dates(tender, award, contract)
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
            defaults=dict(self.defaults),
        )

    def _amounts(
        self,
        tender: Mapping[str, Any],
        award: Mapping[str, Any],
        awarded_from: list[dict[str, Any]],
        contract: Mapping[str, Any],
    ) -> None:
        """The case currency, then the estimated, awarded (``awarded_from``'s total, else
        the contract's) and final values in it."""
        v = self.values
        # currency: the award's, else the tender's, else the contract's, else a transaction's
        # (the transactions are read only when needed: most releases name it in the award)
        transactions: list[dict[str, Any]] | None = None
        for source in (award.get("value"), tender.get("value"), contract.get("value")):
            currency = text(obj(source).get("currency"))
            if currency:
                self.currency = currency.upper()
                break
        else:
            transactions = _transactions(contract)
            for t in transactions:
                currency = text(obj(t.get("value") or t.get("amount")).get("currency"))
                if currency:
                    self.currency = currency.upper()
                    break
        if self.currency:
            v["currency"] = self.currency
        estimated = self._amount(tender.get("value"), "tender.value")
        if estimated is not None:
            v["estimated_value"] = estimated
        awarded = self._awarded_value(awarded_from)
        if awarded is None and contract:
            awarded = self._amount(contract.get("value"), "contracts.value")
        if awarded is not None:
            v["awarded_value"] = awarded
        # only a completed (terminated) contract's payments add up to its final value; an
        # active contract's are interim payments (kept in the OCDS data)
        if text(contract.get("status")) == "terminated":
            self._final_value(_transactions(contract) if transactions is None else transactions)

    def _dates(
        self, tender: Mapping[str, Any], award: Mapping[str, Any], contract: Mapping[str, Any]
    ) -> None:
        """Tender publication, award, contract period and completion dates."""
        v = self.values
        # the publication date: tender.datePublished, else the tender notice's publication
        # date, else the start of the tender period (often later than the publication)
        published, where = tender.get("datePublished"), "tender.datePublished"
        if not text(published):
            notice = _notice_published(tender)
            if notice and text(notice):
                published, where = notice, "tender.documents.datePublished"
            else:
                published = obj(tender.get("tenderPeriod")).get("startDate")
                where = "tender.tenderPeriod.startDate"
        v["tender_published"] = self._date(published, where)
        v["awarded_on"] = self._date(award.get("date"), "awards.date")
        period = (
            obj(contract.get("period"))
            or obj(award.get("contractPeriod"))
            or obj(tender.get("contractPeriod"))
        )
        v["contract_start"] = self._date(period.get("startDate"), "contracts.period.startDate")
        v["contract_end_planned"] = self._date(period.get("endDate"), "contracts.period.endDate")
        completion = None
        for milestone in seq(obj(contract.get("implementation")).get("milestones")):
            if "completion" in (milestone.get("code"), milestone.get("id")):
                completion = milestone
                break
        if completion:
            self.ids["completion"] = str(completion.get("id"))
            v["completed_on"] = self._date(
                completion.get("dateMet"), "implementation.milestones.dateMet"
            )

    def _buyer(self, tender: Mapping[str, Any]) -> None:
        for cand in self._buyer_candidates(tender):
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
        self.values["buyer"] = self.defaults["buyer"] = "Unknown buyer"
        self.warn("buyer", "no buyer or procuring entity named; recorded as 'Unknown buyer'")

    def _buyer_candidates(self, tender: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Who may be the buyer, in turn: the buyer, the parties in the buyer role, the
        procuring entity, the parties in that role (one at a time: most releases name the
        buyer, and the parties' roles need not be read)."""
        yield obj(self.r.get("buyer"))
        yield from (p for p in self.parties.values() if "buyer" in _roles(p))
        yield obj(tender.get("procuringEntity"))
        yield from (p for p in self.parties.values() if "procuringEntity" in _roles(p))

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
            self.defaults["title"] = title[:497] + "..." if len(title) > 500 else title
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
        self.values["category"] = self.defaults["category"] = guess

    _procedure_guessed = False

    def _procedure(self, tender: Mapping[str, Any]) -> str:
        """The procedure from the publisher's words; 'other' for none recognised (marked
        as a default)."""
        self._procedure_guessed = True
        details = text(tender.get("procurementMethodDetails"))
        method = text(tender.get("procurementMethod"))
        if details:
            named = _procedure_named(details)
            if named is not None:
                self._procedure_guessed = False
                return named
        field_name = "tender.procurementMethod"
        if method == "open":
            self._procedure_guessed = False
            return "open"
        if method in ("limited", "direct"):
            self._procedure_guessed = False
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
        if tstatus in ("cancelled", "withdrawn"):
            return "cancelled"
        if "terminated" in cstatuses:
            return "completed"
        if "active" in cstatuses:
            return "implementation"
        if contracts and cstatuses == {"cancelled"}:
            return "cancelled"
        astatuses = {text(a.get("status")) for a in awards}  # needed from here on only
        if "active" in astatuses or "pending" in cstatuses:
            return "awarded"
        if awards and astatuses <= {"cancelled", "unsuccessful"}:
            return "cancelled"
        if tstatus == "unsuccessful":  # ended without an award: not a cancellation
            self.warn(
                "tender.status",
                "'unsuccessful' (no award) has no registry status of its own; recorded as "
                "'tender' (the original is kept)",
            )
            self.defaults["status"] = "tender"
            return "tender"
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
        self.defaults["status"] = guess
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

    def _bid_statistics(self) -> dict[str | None, Any]:
        """The bid statistics by measure (none without a bids section, the usual case)."""
        if not self.r.get("bids"):
            return {}
        return {
            text(s.get("measure")): s.get("value")
            for s in seq(obj(self.r.get("bids")).get("statistics"))
        }

    def _tenderers(self, tender: Mapping[str, Any], ext: Mapping[str, Any]) -> None:
        # the bid statistics are read only when the tender and the extension do not say
        count = tender.get("numberOfTenderers")
        if count is None:
            tenderers = seq(tender.get("tenderers"))
            count = len(tenderers) if tenderers else self._bid_statistics().get("bids")
        if count is not None:
            self.values["tenders_received"] = count
        sme = ext["smeTenders"] if "smeTenders" in ext else self._bid_statistics().get("smeBids")
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
        if (
            ratio is not None  # the usual case, before the slower type tests
            and isinstance(ratio, int | Decimal)
            and not isinstance(ratio, bool)
            and 0 <= ratio <= 1
        ):
            v["private_finance_share"] = Decimal(100) - Decimal(ratio) * 100
        close = _financial_close(
            contract.get("milestones"),
            obj(r.get("planning")).get("milestones"),
            obj(r.get("tender")).get("milestones"),
        )
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
        if not outcome:  # most publishers' releases: no outcome to read
            return
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
            kpis = outcome.get("kpis")
            v["kpis"] = (
                [
                    {("lower_is_better" if k == "lowerIsBetter" else k): x for k, x in kpi.items()}
                    if isinstance(kpi, dict)
                    else kpi
                    for kpi in kpis
                ]
                if isinstance(kpis, list)
                else kpis
            )
