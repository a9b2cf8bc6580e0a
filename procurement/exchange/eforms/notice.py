"""One eForms notice (UBL 2.3 with the eForms extensions) read into plain JSON fields.

Each value is read at the XPath the eForms SDK's field catalogue (``fields/fields.json``)
gives for its business term (named in the comments); what is read is what
``source_records.content`` keeps of the notice. Nothing here knows the registry: the
mapping to a case is :mod:`.compile`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml import etree

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
}
ROOTS = ("ContractNotice", "ContractAwardNotice", "PriorInformationNotice")
UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:"
EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
READING = 1  # the version of this reading, kept in each notice's content
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class NotANotice(Exception):
    """The XML is not an eForms notice, or lacks what identifies one (the message says)."""


_STEP = re.compile(r"\b(cac|cbc|ext|efac|efext|efbc):")


@functools.cache
def _clark(path: str) -> str:
    """``cac:A/cbc:B`` in Clark notation (``{urn:...}A/{urn:...}B``): lxml finds these
    faster than prefixed paths with a namespace map."""
    return _STEP.sub(lambda m: "{" + NS[m.group(1)] + "}", path)


@functools.cache
def _xpath(path: str) -> etree.XPath:
    """The path compiled once (lxml's XPath runs in C: several times faster than ``find``)."""
    return etree.XPath(path, namespaces=NS, smart_strings=False)


def _find(node: etree._Element, path: str) -> etree._Element | None:
    """The first element at ``path`` (the SDK's relative XPath of a field)."""
    found = _xpath(path)(node)
    return found[0] if isinstance(found, list) and found else None  # type: ignore[return-value]


def _findall(node: etree._Element, path: str) -> list[etree._Element]:
    found = _xpath(path)(node)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def _long(text: str | None) -> str | None:
    if text is None:
        return None
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    joined = "\n".join(lines).strip()
    return joined or None


def _text(node: etree._Element, path: str) -> str | None:
    found = _find(node, path)
    return _clean(found.text) if found is not None else None


def _texts(node: etree._Element, path: str) -> list[str]:
    return [t for t in (_clean(e.text) for e in _findall(node, path)) if t]


def _date(node: etree._Element, path: str) -> str | None:
    value = _text(node, path)
    return value[:10] if value and _DATE.match(value) else value


def _multilingual(node: etree._Element, path: str, *, long: bool = False) -> dict[str, str]:
    """A text-multilingual field: language (ISO 639-2/B, upper case) -> text."""
    out: dict[str, str] = {}
    for element in _findall(node, path):
        text = _long(element.text) if long else _clean(element.text)
        if text:
            out.setdefault((element.get("languageID") or "").upper() or "?", text)
    return out


def _amount(node: etree._Element, path: str) -> dict[str, str] | None:
    found = _find(node, path)
    if found is None or not _clean(found.text):
        return None
    return {"amount": _clean(found.text) or "", "currency": (found.get("currencyID") or "").upper()}


def _code(node: etree._Element, path: str) -> str | None:
    return _text(node, path)


def _organization(org: etree._Element) -> tuple[str | None, dict[str, Any]]:
    company = _find(org, "efac:Company")
    if company is None:
        return None, {}
    org_id = _text(company, "cac:PartyIdentification/cbc:ID")  # OPT-200
    names = _multilingual(company, "cac:PartyName/cbc:Name")  # BT-500
    return org_id, {
        "name": names,
        "company_id": _text(company, "cac:PartyLegalEntity/cbc:CompanyID"),  # BT-501
        "city": _text(company, "cac:PostalAddress/cbc:CityName"),  # BT-513
        "nuts": _code(company, "cac:PostalAddress/cbc:CountrySubentityCode"),  # BT-507
        "country": _code(company, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"),  # 514
        "size": _code(company, "efbc:CompanySizeCode"),  # BT-165
    }


def _criteria(lot: etree._Element) -> list[dict[str, Any]]:
    out = []
    path = (
        "cac:TenderingTerms/cac:AwardingTerms/cac:AwardingCriterion/"
        "cac:SubordinateAwardingCriterion"
    )
    for criterion in _findall(lot, path):
        weight = _find(
            criterion,
            "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension/"
            "efac:AwardCriterionParameter/efbc:ParameterNumeric",
        )
        out.append(
            {
                "type": _code(criterion, "cbc:AwardingCriterionTypeCode"),  # BT-539
                "name": _multilingual(criterion, "cbc:Name"),  # BT-734
                "weight": _clean(weight.text) if weight is not None else None,  # BT-541
            }
        )
    return out


def _additional_types(project: etree._Element, list_name: str) -> list[str]:
    return [
        code
        for e in _findall(project, "cac:ProcurementAdditionalType/cbc:ProcurementTypeCode")
        if e.get("listName") == list_name and (code := _clean(e.text))
    ]


def _lot(lot: etree._Element) -> dict[str, Any]:
    project = _find(lot, "cac:ProcurementProject")
    if project is None:
        project = etree.Element("none")
    variants = _code(lot, "cac:TenderingTerms/cbc:VariantConstraintCode")  # BT-63
    return {
        "id": _text(lot, "cbc:ID"),  # BT-137
        "title": _multilingual(project, "cbc:Name"),  # BT-21-Lot
        "description": _multilingual(project, "cbc:Description", long=True),  # BT-24-Lot
        "nature": _code(project, "cbc:ProcurementTypeCode"),  # BT-23-Lot
        "cpv": _code(
            project, "cac:MainCommodityClassification/cbc:ItemClassificationCode"
        ),  # BT-262-Lot
        "estimated_value": _amount(
            project, "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"
        ),  # BT-27-Lot
        "innovative": _additional_types(project, "innovative-acquisition"),  # BT-776
        "strategic": _additional_types(project, "strategic-procurement"),  # BT-06
        "gpp": _additional_types(project, "gpp-criteria"),  # BT-805
        "criteria": _criteria(lot),
        "variants": variants,
        "start": _date(project, "cac:PlannedPeriod/cbc:StartDate"),  # BT-536
        "end": _date(project, "cac:PlannedPeriod/cbc:EndDate"),  # BT-537
    }


def _lots(root: etree._Element) -> list[dict[str, Any]]:
    """The lots (BT-137), not the groups of lots (schemeName LotsGroup, GLO-...)."""
    lots = []
    for lot in _findall(root, "cac:ProcurementProjectLot"):
        ident = _find(lot, "cbc:ID")
        if ident is None:
            continue
        if ident.get("schemeName") == "LotsGroup" or (ident.text or "").strip().startswith("GLO-"):
            continue
        lots.append(_lot(lot))
    return lots


def _result(ext: etree._Element) -> dict[str, Any] | None:
    result = _find(ext, "efac:NoticeResult")
    if result is None:
        return None
    lot_results = []
    for lr in _findall(result, "efac:LotResult"):
        counts: dict[str, str] = {}
        for stat in _findall(lr, "efac:ReceivedSubmissionsStatistics"):
            code = _code(stat, "efbc:StatisticsCode")  # BT-760
            number = _text(stat, "efbc:StatisticsNumeric")  # BT-759
            if code and number is not None:
                counts[code] = number
        lot_results.append(
            {
                "id": _text(lr, "cbc:ID"),
                "lot": _text(lr, "efac:TenderLot/cbc:ID"),  # BT-13713
                "status": _code(lr, "cbc:TenderResultCode"),  # BT-142
                "counts": counts,
                "tenders": _texts(lr, "efac:LotTender/cbc:ID"),  # OPT-320
                "contracts": _texts(lr, "efac:SettledContract/cbc:ID"),  # OPT-315
                "lowest": _amount(lr, "cbc:LowerTenderAmount"),  # BT-710
                "highest": _amount(lr, "cbc:HigherTenderAmount"),  # BT-711
                "framework_max": _amount(
                    lr, "efac:FrameworkAgreementValues/cbc:MaximumValueAmount"
                ),  # BT-709
            }
        )
    tenders = [
        {
            "id": _text(t, "cbc:ID"),  # OPT-321
            "lot": _text(t, "efac:TenderLot/cbc:ID"),  # BT-13714
            "value": _amount(t, "cac:LegalMonetaryTotal/cbc:PayableAmount"),  # BT-720
            "party": _text(t, "efac:TenderingParty/cbc:ID"),  # OPT-310
            "rank": _text(t, "cbc:RankCode"),  # BT-171
            "reference": _text(t, "efac:TenderReference/cbc:ID"),  # BT-3201
        }
        for t in _findall(result, "efac:LotTender")
    ]
    contracts = [
        {
            "id": _text(c, "cbc:ID"),  # OPT-316
            "award_date": _date(c, "cbc:AwardDate"),  # BT-1451
            "issue_date": _date(c, "cbc:IssueDate"),  # BT-145
            "tenders": _texts(c, "efac:LotTender/cbc:ID"),  # BT-3202
            "reference": _text(c, "efac:ContractReference/cbc:ID"),  # BT-150
        }
        for c in _findall(result, "efac:SettledContract")
    ]
    parties = {
        party_id: _texts(p, "efac:Tenderer/cbc:ID")  # OPT-300-Tenderer
        for p in _findall(result, "efac:TenderingParty")
        if (party_id := _text(p, "cbc:ID"))
    }
    return {
        "total": _amount(result, "cbc:TotalAmount"),  # BT-161
        "framework_total": _amount(
            result, "efbc:OverallApproximateFrameworkContractsAmount"
        ),  # BT-1118
        "lot_results": lot_results,
        "tenders": tenders,
        "contracts": contracts,
        "parties": parties,
    }


def read_notice(root: etree._Element) -> dict[str, Any]:
    """The fields of an eForms notice; NotANotice if the XML is not one."""
    qname = etree.QName(root)
    if qname.localname not in ROOTS or not (qname.namespace or "").startswith(UBL_NS):
        raise NotANotice(
            f"the root element is {qname.localname}, not an eForms notice (ContractNotice, "
            "ContractAwardNotice or PriorInformationNotice)"
        )
    ext = _find(root, EXT)
    if ext is None:
        ext = etree.Element("none")
    subtype = _code(ext, "efac:NoticeSubType/cbc:SubTypeCode")  # OPP-070
    buyers = []
    for party in _findall(root, "cac:ContractingParty"):
        buyers.append(
            {
                "org": _text(party, "cac:Party/cac:PartyIdentification/cbc:ID"),  # OPT-300
                "legal_type": next(
                    (
                        _clean(e.text)
                        for e in _findall(party, "cac:ContractingPartyType/cbc:PartyTypeCode")
                        if e.get("listName") == "buyer-legal-type"
                    ),
                    None,
                ),  # BT-11
            }
        )
    organizations: dict[str, Any] = {}
    for org in _findall(ext, "efac:Organizations/efac:Organization"):
        org_id, fields = _organization(org)
        if org_id:
            organizations[org_id] = fields
    project = _find(root, "cac:ProcurementProject")
    if project is None:
        project = etree.Element("none")
    change = _find(ext, "efac:Changes")
    modification = _find(ext, "efac:ContractModification")
    content: dict[str, Any] = {
        "reading": READING,
        "root": qname.localname,
        "sdk": _text(root, "cbc:CustomizationID"),
        "notice_id": _text(root, "cbc:ID[@schemeName='notice-id']")
        or _text(root, "cbc:ID"),  # BT-701
        "version": _text(root, "cbc:VersionID"),  # BT-757
        "procedure_id": _text(root, "cbc:ContractFolderID"),  # BT-04
        "subtype": int(subtype) if subtype and subtype.isdigit() else subtype,
        "notice_type": _code(root, "cbc:NoticeTypeCode"),  # BT-02
        "legal_basis": _code(root, "cbc:RegulatoryDomain"),  # BT-01
        "issue_date": _date(root, "cbc:IssueDate"),  # BT-05(a)
        "issue_time": _text(root, "cbc:IssueTime"),  # BT-05(b)
        "language": _code(root, "cbc:NoticeLanguageCode"),  # BT-702(a)
        "publication_number": _text(
            ext, "efac:Publication/efbc:NoticePublicationID[@schemeName='ojs-notice-id']"
        ),  # OPP-010
        "publication_date": _date(ext, "efac:Publication/efbc:PublicationDate"),  # OPP-012
        "buyers": buyers,
        "organizations": organizations,
        "internal_id": _text(project, "cbc:ID"),  # BT-22
        "title": _multilingual(project, "cbc:Name"),  # BT-21-Procedure
        "description": _multilingual(project, "cbc:Description", long=True),  # BT-24-Procedure
        "nature": _code(project, "cbc:ProcurementTypeCode"),  # BT-23-Procedure
        "cpv": _code(project, "cac:MainCommodityClassification/cbc:ItemClassificationCode"),
        "additional_cpv": _texts(
            project, "cac:AdditionalCommodityClassification/cbc:ItemClassificationCode"
        ),  # BT-263
        "estimated_value": _amount(
            project, "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"
        ),  # BT-27-Procedure
        "procedure_type": _code(root, "cac:TenderingProcess/cbc:ProcedureCode"),  # BT-105
        "lots": _lots(root),
        "award_date": _date(root, "cac:TenderResult/cbc:AwardDate"),  # BT-1451 (older form)
        "result": _result(ext),
        "change": None
        if change is None
        else {
            "notice": _text(change, "efbc:ChangedNoticeIdentifier"),  # BT-758
            "reason": _code(change, "efac:ChangeReason/cbc:ReasonCode"),  # BT-140
            "description": _multilingual(change, "efac:ChangeReason/efbc:ReasonDescription"),
            "sections": _texts(
                change, "efac:Change/efac:ChangedSection/efbc:ChangedSectionIdentifier"
            ),  # BT-13716
        },
        "modification": None
        if modification is None
        else {
            "notice": _text(modification, "efbc:ChangedNoticeIdentifier"),  # BT-1501(n)
            "contract": _text(modification, "efbc:ModifiedContractIdentifier"),  # BT-1501(c)
            "reason": _code(modification, "efac:ChangeReason/cbc:ReasonCode"),  # BT-200
            "description": _multilingual(
                modification, "efac:Change/efbc:ChangeDescription", long=True
            ),  # BT-202
        },
    }
    return content


def check_identity(content: dict[str, Any]) -> None:
    """NotANotice naming what identifies a notice and is missing from ``content``."""
    missing = [
        f"{term} ({what})"
        for term, what, key in (
            ("BT-04", "procedure identifier, cbc:ContractFolderID", "procedure_id"),
            ("BT-701", "notice identifier, cbc:ID", "notice_id"),
            ("BT-757", "notice version, cbc:VersionID", "version"),
            ("OPP-070", "notice subtype, efac:NoticeSubType", "subtype"),
        )
        if not content.get(key)
    ]
    if missing:
        raise NotANotice(f"lacks {', '.join(missing)}; not imported")


__all__ = ["NS", "NotANotice", "check_identity", "read_notice"]
