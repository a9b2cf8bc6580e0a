"""The code mappings between the registry's codelists and OCDS codes (both ways).

Registry code -> OCDS code tables are used by :mod:`.to_ocds`; the word lists publishers
write (OCDS codes, deprecated codes, TED/eForms codes, local names) -> registry code are
used by :mod:`.from_ocds`.
"""

from __future__ import annotations

import re

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
    "negotiated procedure with preliminary announcement": "competitive-negotiation",
    "negotiated procedure with prior call for competition": "competitive-negotiation",
    "negotiated procedure with publication": "competitive-negotiation",
    "competitive procedure with negotiation": "competitive-negotiation",
    "negotiated procedure without preliminary announcement": "negotiated-without-publication",
    "negotiated procedure without prior publication": "negotiated-without-publication",
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


def cpv_category(code: str) -> str:
    """The main category implied by a CPV code: division 45 works, 03-44 and 48 goods."""
    division = int(code[:2])
    if division == 45:
        return "works"
    if division <= 44 or division == 48:
        return "goods"
    return "services"
