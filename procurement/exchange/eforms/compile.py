"""A procedure's notices compiled into one case: the registry's fields, and the rest kept.

The notices of one procedure (BT-04) are put in one order whatever order they arrived in
(dispatch date, then competition < result < modification, then version and identifier), after
dropping what a later notice supersedes: an older version of the same notice (BT-757), and a
notice a change notice replaces (BT-758; eForms change notices repeat the whole notice, with
the corrections). Each notice then gives the fields it carries, a later one overriding an
earlier one field by field:

- the procedure (title, description, buyer, category, CPV, procedure, estimated value, award
  criteria, innovation) from every notice;
- the tender publication date from the first contract notice (its publication date, else its
  dispatch date), even if a change notice replaced it;
- the result (tenders, winner, award date and value) from award notices and modifications,
  a modification's new value replacing the awarded value.

Lots: one case per procedure. Values are summed over the lots (estimated value, awarded value,
tenders and SME tenders received); the winner is the main supplier (the winning tender of the
highest value); each lot with its own values, results and winners is kept with the case
(``extra["eforms"]["lots"]``), so nothing a lot says is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from procurement.core import cpv as cpv_vocabulary
from procurement.exchange.eforms import codes

TED_NOTICE_URL = "https://ted.europa.eu/en/notice/-/detail/{}"
ORIGIN = {
    "registry": "TED (Tenders Electronic Daily), eForms notices",
    "registryUri": "https://ted.europa.eu/",
}
PUBLISHER = "TED (eForms)"
MAX_TITLE = 500
MAX_NAME = 300  # organisations
MAX_DESCRIPTION = 20_000


@dataclass
class Compiled:
    """One procedure as a case: raw vocabulary values and what the registry keeps beside."""

    procedure_id: str
    values: dict[str, Any]
    extra: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    innovative: bool = False
    buyer: dict[str, Any] = field(default_factory=dict)
    latest: dict[str, Any] = field(default_factory=dict)  # the last notice in order


def kind(content: Mapping[str, Any]) -> str:
    subtype = content.get("subtype")
    if subtype in codes.MODIFICATION_SUBTYPES:
        return "modification"
    if subtype in codes.RESULT_SUBTYPES:
        return "result"
    return "competition"


_RANK = {"competition": 0, "result": 1, "modification": 2}


def _version(content: Mapping[str, Any]) -> tuple[int, str]:
    version = str(content.get("version") or "")
    return (int(version) if version.isdigit() else -1, version)


def order_key(content: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        content.get("issue_date") or "",
        _RANK[kind(content)],
        content.get("issue_time") or "",
        _version(content),
        str(content.get("notice_id") or ""),
    )


def effective(
    contents: Iterable[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The notices that count, in order, and all notices (superseded ones too), in order."""
    latest: dict[str, dict[str, Any]] = {}
    everything: dict[tuple[str, str], dict[str, Any]] = {}
    for content in contents:
        notice_id = str(content["notice_id"])
        everything[(notice_id, str(content.get("version")))] = dict(content)
        if notice_id not in latest or _version(content) > _version(latest[notice_id]):
            latest[notice_id] = dict(content)
    replaced: set[str] = set()
    for content in latest.values():
        change = content.get("change") or {}
        target = str(change.get("notice") or "")
        for notice_id in latest:
            if notice_id != content["notice_id"] and (
                target == notice_id or target.startswith(f"{notice_id}-")
            ):
                replaced.add(notice_id)
    kept = sorted((c for i, c in latest.items() if i not in replaced), key=order_key)
    return kept, sorted(everything.values(), key=order_key)


_PUBLICATION_NUMBER = re.compile(r"^([0-9]{1,8})-((?:19|20)[0-9][0-9])$")  # OPP-010's pattern


def ted_number(value: Any) -> str | None:
    """An OPP-010 publication number as TED's links write it (``00123456-2024`` is
    ``123456-2024``); None if it does not have the SDK's form."""
    found = _PUBLICATION_NUMBER.match(str(value or "").strip())
    return f"{int(found.group(1))}-{found.group(2)}" if found else None


def _pick(texts: Mapping[str, str] | None, language: str | None) -> str | None:
    """English where the notice has it (the network's common language), else the notice's
    own language, else the first."""
    if not texts:
        return None
    for lang in ("ENG", (language or "").upper()):
        if texts.get(lang):
            return texts[lang]
    return next(iter(texts.values()))


def _short(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


@cache
def _cpv_codes() -> dict[str, str]:
    return {code[:8]: code for code in cpv_vocabulary.labels()}


def cpv_code(code: str | None) -> str | None:
    """An eForms CPV code (8 digits, without the check digit) as the registry writes it."""
    if not code:
        return None
    return _cpv_codes().get(code.strip()[:8])


def _decimal(amount: Mapping[str, Any] | None) -> tuple[Decimal, str] | None:
    if not amount:
        return None
    try:
        value = Decimal(str(amount.get("amount")))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return value, str(amount.get("currency") or "")


def _sum(amounts: list[tuple[Decimal, str] | None]) -> tuple[Decimal, str] | None:
    """The sum of amounts in one currency; None if any is missing or currencies differ."""
    if not amounts or any(a is None for a in amounts):
        return None
    currencies = {a[1] for a in amounts if a is not None}
    if len(currencies) != 1:
        return None
    return sum((a[0] for a in amounts if a is not None), Decimal(0)), currencies.pop()


def _int(text: Any) -> int | None:
    try:
        return int(Decimal(str(text)))
    except (InvalidOperation, ValueError):
        return None


def _organisation(content: Mapping[str, Any], org_id: str | None) -> dict[str, Any]:
    org = (content.get("organizations") or {}).get(org_id or "") or {}
    return {
        "id": org_id,
        "name": _pick(org.get("name"), content.get("language")),
        "company_id": org.get("company_id"),
        "city": org.get("city"),
        "nuts": org.get("nuts"),
        "country": org.get("country"),
        "size": org.get("size"),
    }


def buyer_of(content: Mapping[str, Any]) -> dict[str, Any]:
    """The (first) buyer of a notice with its legal type and address."""
    buyers = content.get("buyers") or []
    if not buyers:
        return {}
    first = buyers[0]
    buyer = _organisation(content, first.get("org"))
    buyer.pop("size", None)
    buyer["legal_type"] = first.get("legal_type")
    if len(buyers) > 1:
        buyer["joint"] = [_organisation(content, b.get("org"))["name"] for b in buyers[1:]]
    return buyer


@dataclass
class _Result:
    values: dict[str, Any]
    lots: dict[str, dict[str, Any]]
    amounts: list[dict[str, Any]]


def _winning_tenders(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    tenders = {t["id"]: t for t in result.get("tenders") or [] if t.get("id")}
    chosen: list[str] = []
    for contract in result.get("contracts") or []:
        chosen += [t for t in contract.get("tenders") or [] if t not in chosen]
    if not chosen:
        for lot_result in result.get("lot_results") or []:
            if lot_result.get("status") == "selec-w":
                refs = [t for t in lot_result.get("tenders") or [] if t in tenders]
                ranked = [t for t in refs if tenders[t].get("rank") in ("1", None)]
                chosen += [t for t in ranked if t not in chosen]
    return [tenders[t] for t in chosen if t in tenders]


def _result(content: Mapping[str, Any]) -> _Result | None:
    """What an award notice or a modification says of the result."""
    result = content.get("result")
    if not result:
        if content.get("award_date") and kind(content) != "competition":
            return _Result({"awarded_on": content["award_date"]}, {}, [])
        return None
    values: dict[str, Any] = {}
    lots: dict[str, dict[str, Any]] = {}
    parties = result.get("parties") or {}
    winners = _winning_tenders(result)
    contracts_of: dict[str, dict[str, Any]] = {}
    for contract in result.get("contracts") or []:
        for tender in contract.get("tenders") or []:
            contracts_of.setdefault(tender, contract)

    def winner_org(tender: Mapping[str, Any]) -> dict[str, Any]:
        members = parties.get(tender.get("party") or "") or []
        return _organisation(content, members[0] if members else None)

    for lot_result in result.get("lot_results") or []:
        lot_id = lot_result.get("lot") or lot_result.get("id") or "?"
        counts = lot_result.get("counts") or {}
        lots[lot_id] = {
            "status": lot_result.get("status"),
            "tenders_received": _int(counts.get(codes.TENDERS))
            if codes.TENDERS in counts
            else None,
            "sme_tenders": _int(counts.get(codes.SME_TENDERS))
            if codes.SME_TENDERS in counts
            else None,
            "submissions": dict(counts),
            "lowest_tender": lot_result.get("lowest"),
            "highest_tender": lot_result.get("highest"),
            "framework_maximum": lot_result.get("framework_max"),
            "winners": [],
        }
    for tender in winners:
        org = winner_org(tender)
        contract = contracts_of.get(tender.get("id") or "") or {}
        lot = lots.setdefault(tender.get("lot") or "?", {"winners": []})
        lot["winners"].append(
            {
                "tender": tender.get("id"),
                "name": org.get("name"),
                "size": org.get("size"),
                "country": org.get("country"),
                "value": tender.get("value"),
                "contract": contract.get("reference") or contract.get("id"),
                "award_date": contract.get("award_date"),
                "contract_date": contract.get("issue_date"),
            }
        )
    counted = [lot for lot in lots.values() if lot.get("tenders_received") is not None]
    if counted:
        values["tenders_received"] = sum(lot["tenders_received"] for lot in counted)
        smes = [lot.get("sme_tenders") for lot in counted]
        if all(s is not None for s in smes):
            values["sme_tenders"] = sum(s for s in smes if s is not None)
    if any(lot.get("status") == "selec-w" for lot in lots.values()) or winners:
        values["status"] = "awarded"
    elif lots and all(lot.get("status") == "clos-nw" for lot in lots.values()):
        values["status"] = "cancelled"
    amounts: list[dict[str, Any]] = []
    if winners:
        main = max(winners, key=lambda t: (_decimal(t.get("value")) or (Decimal(-1), ""))[0])
        org = winner_org(main)
        if org.get("name"):
            values["winner"] = _short(org["name"], MAX_NAME)
            size = org.get("size")
            if size in codes.WINNER_IS_SME:
                values["winner_is_sme"] = codes.WINNER_IS_SME[size]
            country = codes.country(org.get("country"))
            if country:
                values["winner_country"] = country
        total = _sum([_decimal(t.get("value")) for t in winners])
        if total is not None:
            values["awarded_value"] = total
        dates = sorted(
            d
            for t in winners
            if (d := (contracts_of.get(t.get("id") or "") or {}).get("award_date"))
        )
        if dates:
            values["awarded_on"] = dates[0]
    if "awarded_value" not in values and values.get("status") == "awarded":
        total = _decimal(result.get("total"))
        if total is not None:
            values["awarded_value"] = total
            amounts.append({"field": "awarded_value", "source": "BT-161 notice value"})
    if (
        "awarded_on" not in values
        and content.get("award_date")
        and values.get("status") == "awarded"
    ):
        values["awarded_on"] = content["award_date"]
    return _Result(values, lots, amounts)


def _innovation(
    content: Mapping[str, Any], where: str, warnings: list[str]
) -> list[dict[str, str]]:
    """The innovation approaches a notice declares, each with its source."""
    found: list[dict[str, str]] = []

    def add(approach: str, source: str) -> None:
        found.append({"approach": approach, "source": f"{source}, {where}"})

    procedure = content.get("procedure_type")
    if procedure in codes.PROCEDURE_APPROACH:
        add(codes.PROCEDURE_APPROACH[procedure], f"BT-105 procedure type {procedure}")
    for lot in content.get("lots") or []:
        lot_id = lot.get("id") or "?"
        for code in lot.get("innovative") or []:
            if code in codes.INNOVATIVE_ACQUISITION:
                add(codes.INNOVATIVE_ACQUISITION[code], f"BT-776 {code} ({lot_id})")
            else:
                warnings.append(f"{where}: BT-776 code '{code}' ({lot_id}) is not known; kept")
        for code in lot.get("strategic") or []:
            if code in codes.STRATEGIC_PROCUREMENT:
                add(codes.STRATEGIC_PROCUREMENT[code], f"BT-06 {code} ({lot_id})")
            elif not codes.known("strategic-procurement", code):
                warnings.append(f"{where}: BT-06 code '{code}' ({lot_id}) is not known; kept")
        variants = lot.get("variants")
        if variants in codes.VARIANTS_APPROACH:
            add(codes.VARIANTS_APPROACH[variants], f"BT-63 variants {variants} ({lot_id})")
        for code in lot.get("gpp") or []:
            if code != "none":
                add(
                    "sustainability-criteria",
                    f"BT-805 green procurement criteria {code} ({lot_id})",
                )
    return found


def is_innovative(content_list: Iterable[Mapping[str, Any]]) -> bool:
    """Procurement of innovation: BT-776 (any code), BT-06 innovative purchase, or an
    innovation partnership or competitive dialogue (BT-105)."""
    for content in content_list:
        if content.get("procedure_type") in ("innovation", "comp-dial"):
            return True
        for lot in content.get("lots") or []:
            if lot.get("innovative") or "inn-pur" in (lot.get("strategic") or []):
                return True
    return False


def _described(content: Mapping[str, Any]) -> str:
    return f"notice {content.get('notice_id')} version {content.get('version')}"


def _lot_entry(lot: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    """What the case keeps of a lot as a contract notice describes it."""
    return {
        "title": _pick(lot.get("title"), language),
        "cpv": lot.get("cpv"),
        "nature": lot.get("nature"),
        "estimated_value": lot.get("estimated_value"),
        "innovative_acquisition": lot.get("innovative") or [],
        "strategic_procurement": lot.get("strategic") or [],
        "green_procurement": lot.get("gpp") or [],
        "award_criteria": [
            {
                "type": c.get("type"),
                "name": _pick(c.get("name"), language),
                "weight": c.get("weight"),
            }
            for c in lot.get("criteria") or []
        ],
        "variants": lot.get("variants"),
        "start": lot.get("start"),
        "end": lot.get("end"),
    }


@dataclass
class _State:
    """The case as the notices build it up, one notice after the other."""

    values: dict[str, Any] = field(default_factory=dict)
    money: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    lots: dict[str, dict[str, Any]] = field(default_factory=dict)
    innovation: list[dict[str, str]] = field(default_factory=list)
    buyer: dict[str, Any] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    modifications: list[dict[str, Any]] = field(default_factory=list)
    amounts: list[dict[str, Any]] = field(default_factory=list)
    codes: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    warnings: list[str] = field(default_factory=list)


def _procedure(state: _State, content: Mapping[str, Any], where: str) -> None:
    """What a notice says of the procedure: title, description, category, CPV, procedure,
    estimated value, award criteria, dates and lots."""
    values, language = state.values, content.get("language")
    state.buyer = buyer_of(content) or state.buyer
    notice_lots = content.get("lots") or []
    title = _pick(content.get("title"), language)
    if not title and len(notice_lots) == 1:
        title = _pick(notice_lots[0].get("title"), language)
    if title:
        values["title"] = _short(title, MAX_TITLE)
    description = _pick(content.get("description"), language)
    if description:
        values["description"] = _short(description, MAX_DESCRIPTION)
    nature = content.get("nature") or next(
        (lot["nature"] for lot in notice_lots if lot.get("nature")), None
    )
    if nature in codes.CATEGORY:
        values["category"] = codes.CATEGORY[nature]
    raw_cpv = content.get("cpv") or next(
        (lot["cpv"] for lot in notice_lots if lot.get("cpv")), None
    )
    if raw_cpv:
        cpv = cpv_code(raw_cpv)
        if cpv:
            values["cpv"] = cpv
        else:
            state.warnings.append(f"{where}: CPV '{raw_cpv}' is not in CPV 2008; left empty")
    procedure = content.get("procedure_type")
    if content.get("subtype") in codes.DESIGN_CONTEST_SUBTYPES:
        values["procedure"] = "design-contest"
    elif procedure in codes.PROCEDURE:
        values["procedure"] = codes.PROCEDURE[procedure]
    elif procedure:
        state.warnings.append(
            f"{where}: BT-105 procedure type '{procedure}' is not known; 'other' used"
        )
        values["procedure"] = "other"
    for key in ("procedure_type", "nature", "legal_basis", "notice_type", "internal_id"):
        if content.get(key):
            state.codes[key] = content[key]
    estimated = _decimal(content.get("estimated_value")) or _sum(
        [_decimal(lot.get("estimated_value")) for lot in notice_lots]
    )
    if estimated is not None:
        state.money["estimated_value"] = estimated
    criteria = {
        c["type"] for lot in notice_lots for c in lot.get("criteria") or [] if c.get("type")
    }
    mapped = codes.award_criteria(criteria)
    if mapped:
        values["award_criteria"] = mapped
    starts = sorted(lot["start"] for lot in notice_lots if lot.get("start"))
    ends = sorted(lot["end"] for lot in notice_lots if lot.get("end"))
    if starts:
        values["contract_start"] = starts[0]
    if ends:
        values["contract_end_planned"] = ends[-1]
    for lot in notice_lots:
        lot_id = lot.get("id") or "?"
        state.lots.setdefault(lot_id, {"id": lot_id}).update(_lot_entry(lot, language))


def _outcome(state: _State, content: Mapping[str, Any], where: str) -> None:
    """What a notice says of the result, a change or a modification."""
    result = _result(content)
    if result is not None:
        for name, value in result.values.items():
            if isinstance(value, tuple):
                state.money[name] = value
            elif name == "status":
                state.status = value
            else:
                state.values[name] = value
        for lot_id, lot_result in result.lots.items():
            state.lots.setdefault(lot_id, {"id": lot_id})["result"] = lot_result
        state.amounts += result.amounts
    change = content.get("change")
    if change:
        state.changes.append({**change, "by": where})
        if change.get("reason") in codes.CANCELLING_CHANGES:
            state.status = "cancelled"
    modification = content.get("modification")
    if modification:
        state.modifications.append({**modification, "by": where})
        if state.status != "cancelled":
            state.status = "implementation"


def _amounts(state: _State) -> None:
    """One currency per case: the estimated value's, else the awarded value's; an amount in
    another currency is kept beside the case."""
    currency = next(
        (state.money[n][1] for n in ("estimated_value", "awarded_value") if n in state.money), None
    )
    for name, (amount, cur) in state.money.items():
        if cur == currency:
            state.values[name] = amount
        else:
            state.amounts.append({"field": name, "amount": format(amount, "f"), "currency": cur})
            state.warnings.append(
                f"{name} {amount} {cur} is not in the case's currency {currency}; kept with the "
                "case, not in the field"
            )
    if currency and any(n in state.values for n in ("estimated_value", "awarded_value")):
        state.values["currency"] = currency


def _documents(everything: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A link to each notice on TED that has a publication number (OPP-010)."""
    return [
        {
            "url": TED_NOTICE_URL.format(number),
            "title": _short(
                f"TED {number}: {codes.subtype_name(c.get('subtype'))} "
                f"{c.get('notice_id')}-{c.get('version')}",
                MAX_TITLE,
            ),
        }
        for c in everything
        if (number := ted_number(c.get("publication_number")))
    ]


def _unique(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def compile_procedure(contents: Iterable[Mapping[str, Any]]) -> Compiled:
    """The case of one procedure from all its notices (any order gives the same case)."""
    kept, everything = effective(contents)
    state = _State()
    for content in kept:
        where = _described(content)
        _procedure(state, content, where)
        state.innovation += _innovation(content, where, state.warnings)
        _outcome(state, content, where)
    values = state.values
    values["status"] = state.status or "tender"
    competition = [c for c in everything if kind(c) == "competition"]
    first = min(
        ((c.get("publication_date") or c.get("issue_date") or "") for c in competition), default=""
    )
    if first:
        values["tender_published"] = first
    if state.buyer.get("name"):
        values["buyer"] = _short(state.buyer["name"], MAX_NAME)
    values["sector"] = codes.sector(values.get("cpv"))
    _amounts(state)
    approaches = _unique(item["approach"] for item in state.innovation)
    if approaches:
        values["innovation_approaches"] = approaches
    documents = _documents(everything)
    if documents:
        values["documents"] = documents
    kept_ids = {(c["notice_id"], c.get("version")) for c in kept}
    latest = kept[-1] if kept else {}
    extra = {
        "procedure_id": latest.get("procedure_id"),
        "notices": [
            {
                "id": c.get("notice_id"),
                "version": c.get("version"),
                "subtype": c.get("subtype"),
                "kind": kind(c),
                "date": c.get("issue_date"),
                "publication_number": c.get("publication_number"),
                "superseded": (c["notice_id"], c.get("version")) not in kept_ids,
            }
            for c in everything
        ],
        "buyer": state.buyer,
        "codes": state.codes,
        "innovative": is_innovative(kept),
        "innovation": _unique(state.innovation),
        "lots": [state.lots[k] for k in sorted(state.lots)],
        "changes": state.changes,
        "modifications": state.modifications,
        "amounts": state.amounts,
        "additional_cpv": sorted({c for n in kept for c in n.get("additional_cpv") or []}),
    }
    return Compiled(
        procedure_id=str(latest.get("procedure_id") or ""),
        values=values,
        extra=extra,
        warnings=state.warnings,
        innovative=bool(extra["innovative"]),
        buyer=state.buyer,
        latest=dict(latest),
    )


__all__ = ["Compiled", "compile_procedure", "cpv_code", "effective", "kind"]
