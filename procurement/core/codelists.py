"""Closed codelists of the registry: kebab-case values, each with a human label.

Every codelist is a :class:`Codelist` (a ``StrEnum``) so a member compares equal to
its stored string and carries ``label`` for prompts, help sheets and reports.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self


class Codelist(StrEnum):
    """A closed codelist: ``value`` is the stored kebab-case code, ``label`` its human name."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def describe(cls) -> str:
        return ", ".join(f"{m.value} ({m.label})" for m in cls)

    @classmethod
    def is_code(cls, value: str) -> bool:
        """Whether ``value`` is exactly one of the codes (as files from the registry write them)."""
        codes = _CODES.get(cls)
        if codes is None:
            codes = _CODES[cls] = frozenset(cls.values())
        return value in codes

    @classmethod
    def parse(cls, raw: Any) -> Self:
        """Return the member for ``raw`` (value or label, case-insensitive) or raise ValueError."""
        text = str(raw).strip()
        lookup = _LOOKUPS.get(cls)
        if lookup is None:
            # labels in the member cities' languages first, so English labels and codes win
            from procurement.core import labels  # the labels file is read on first use

            field = LOCALISED.get(cls.__name__)
            translated = labels.translations(field) if field else {}
            lookup = {text: cls(code) for text, code in translated.items()}
            lookup.update({m.label.lower(): m for m in cls})
            lookup.update({m.value: m for m in cls})
            _LOOKUPS[cls] = lookup
        low = text.lower()
        found = lookup.get(low.replace("_", "-")) or lookup.get(low) or lookup.get(text.casefold())
        if found is None:
            raise ValueError(f"'{text}' is not one of: {', '.join(cls.values())}")
        return found  # type: ignore[return-value]


_LOOKUPS: dict[type[Codelist], dict[str, Codelist]] = {}
# Codelists whose codes have labels in the member cities' languages (core.labels), by the
# field of the vocabulary they belong to.
LOCALISED = {"Category": "category", "Procedure": "procedure"}
_CODES: dict[type[Codelist], frozenset[str]] = {}


class Category(Codelist):
    GOODS = "goods", "Goods"
    SERVICES = "services", "Services"
    WORKS = "works", "Works"


class Sector(Codelist):
    TRANSPORT = "transport", "Transport and mobility"
    ENERGY = "energy", "Energy"
    WATER = "water", "Water and sewerage"
    WASTE = "waste", "Waste management"
    BUILDINGS = "buildings", "Public buildings"
    HEALTH = "health", "Health care"
    SOCIAL_CARE = "social-care", "Social care"
    EDUCATION = "education", "Education"
    ICT = "ict", "ICT and digital services"
    ENVIRONMENT = "environment", "Environment and climate"
    PUBLIC_SAFETY = "public-safety", "Public safety"
    CULTURE = "culture", "Culture and leisure"
    OTHER = "other", "Other"


class Procedure(Codelist):
    OPEN = "open", "Open procedure"
    RESTRICTED = "restricted", "Restricted procedure"
    COMPETITIVE_NEGOTIATION = "competitive-negotiation", "Competitive procedure with negotiation"
    COMPETITIVE_DIALOGUE = "competitive-dialogue", "Competitive dialogue"
    INNOVATION_PARTNERSHIP = "innovation-partnership", "Innovation partnership"
    NEGOTIATED_WITHOUT_PUBLICATION = (
        "negotiated-without-publication",
        "Negotiated procedure without prior publication",
    )
    DESIGN_CONTEST = "design-contest", "Design contest"
    PRE_COMMERCIAL = "pre-commercial", "Pre-commercial procurement (PCP)"
    BELOW_THRESHOLD = "below-threshold", "Below-threshold procedure"
    OTHER = "other", "Other procedure"


class InnovationApproach(Codelist):
    MARKET_DIALOGUE = "market-dialogue", "Preliminary market dialogue"
    FUNCTIONAL_SPECIFICATION = "functional-specification", "Functional or performance specification"
    OUTCOME_BASED_PAYMENT = "outcome-based-payment", "Outcome-based payment"
    LIFE_CYCLE_COSTING = "life-cycle-costing", "Life-cycle costing"
    INNOVATION_AWARD_CRITERIA = "innovation-award-criteria", "Award criteria rewarding innovation"
    VARIANTS_ALLOWED = "variants-allowed", "Variants allowed"
    PRE_COMMERCIAL = "pre-commercial", "Pre-commercial procurement"
    PPI = "ppi", "Public procurement of innovative solutions (PPI)"
    JOINT_CROSS_BORDER = "joint-cross-border", "Joint or cross-border procurement"
    SUSTAINABILITY_CRITERIA = "sustainability-criteria", "Sustainability criteria"


class Status(Codelist):
    PLANNED = "planned", "Planned"
    TENDER = "tender", "Tender under way"
    AWARDED = "awarded", "Awarded"
    IMPLEMENTATION = "implementation", "In implementation"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class AwardCriteria(Codelist):
    PRICE_ONLY = "price-only", "Lowest price only"
    COST_ONLY = "cost-only", "Lowest cost (e.g. life-cycle cost) only"
    QUALITY_ONLY = "quality-only", "Quality only (fixed price)"
    PRICE_QUALITY = "price-quality", "Best price-quality ratio"


class PppModel(Codelist):
    DBFO = "dbfo", "Design-build-finance-operate"
    DBFOM = "dbfom", "Design-build-finance-operate-maintain"
    DB_FM = "db-fm", "Design-build with facility management"
    BOT = "bot", "Build-operate-transfer"
    BOOT = "boot", "Build-own-operate-transfer"
    BOO = "boo", "Build-own-operate"
    BTO = "bto", "Build-transfer-operate"
    ROT = "rot", "Rehabilitate-operate-transfer"
    CONCESSION = "concession", "Concession"
    MANAGEMENT_CONTRACT = "management-contract", "Management contract"
    LEASE = "lease", "Lease"
    INSTITUTIONAL_JV = "institutional-jv", "Institutional PPP (joint venture)"
    ALLIANCE = "alliance", "Alliance contract"
    OTHER = "other", "Other PPP model"


class PaymentMechanism(Codelist):
    AVAILABILITY = "availability", "Availability payments"
    USER_CHARGES = "user-charges", "User charges"
    SHADOW_TOLL = "shadow-toll", "Shadow tolls"
    MIXED = "mixed", "Mixed"


class PppStatus(Codelist):
    ACTIVE = "active", "Active"
    DISTRESSED = "distressed", "Distressed"
    CANCELLED = "cancelled", "Cancelled"
    CONCLUDED = "concluded", "Concluded"


class RiskCategory(Codelist):
    """OCDS for PPPs ``riskCategory`` codelist, kebab-cased."""

    LAND_AVAILABILITY = "land-availability", "Land availability and acquisition risk"
    ENVIRONMENTAL = "environmental", "Environmental risk"
    DESIGN = "design", "Design risks"
    CONSTRUCTION = "construction", "Construction risks"
    COMPLETION = "completion", "Completion and commissioning"
    REVENUE = "revenue", "Revenue risk"
    INFLATION_AND_FX = "inflation-and-fx", "Foreign exchange, inflation and indexation risk"
    AVAILABILITY_AND_QUALITY = "availability-and-quality", "Availability and quality risk"
    OTHER_REVENUE = "other-revenue", "Other revenue risk events"
    FINANCE_AVAILABILITY = "finance-availability", "Availability of finance"
    REFINANCING = "refinancing", "Refinancing risks"
    CHANGE_IN_LAW = "change-in-law", "Changes in law"
    FORCE_MAJEURE = "force-majeure", "Force majeure"
    EARLY_TERMINATION = "early-termination", "Early termination"
    COMPLIANCE = "compliance", "Compliance risks"
    ALL = "all", "All risks"


class RiskAllocation(Codelist):
    PUBLIC = "public", "Public partner"
    PRIVATE = "private", "Private partner"
    SHARED = "shared", "Shared"


class InnovationAchieved(Codelist):
    YES = "yes", "Yes"
    PARTIAL = "partial", "Partially"
    NO = "no", "No"


CURRENCIES: dict[str, str] = {
    "EUR": "Euro",
    "SEK": "Swedish krona",
    "DKK": "Danish krone",
    "NOK": "Norwegian krone",
    "PLN": "Polish złoty",
    "RUB": "Russian rouble",
    "EEK": "Estonian kroon (until 2010)",
    "LVL": "Latvian lats (until 2013)",
    "LTL": "Lithuanian litas (until 2014)",
    "GBP": "Pound sterling",
    "USD": "US dollar",
    "CHF": "Swiss franc",
    "ISK": "Icelandic króna",
}

# Currencies the euro replaced that a member city used: the last day the currency was legal
# tender for new amounts, and its irrevocable rate in units per euro (fixed by the EU Council;
# the same rates as ``procurement.analysis.fx.IRREVOCABLE_RATES``).
REPLACED_BY_EURO: dict[str, tuple[str, str]] = {
    "EEK": ("2010-12-31", "15.6466"),
    "LVL": ("2013-12-31", "0.702804"),
    "LTL": ("2014-12-31", "3.45280"),
}


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 4217 alphabetic codes in use (list one, including funds and the X codes for precious
# metals, SDR and testing).
ISO_4217_CURRENT: frozenset[str] = _codes(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD
    IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
    MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
    VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER
    ZAR ZMW ZWG
    """
)

# ISO 4217 alphabetic codes withdrawn (list three), e.g. the currencies the euro replaced.
ISO_4217_HISTORIC: frozenset[str] = _codes(
    """
    ADF ADP AFA ALK ANG AOK AON AOR ARA ARP ARY ATS AYM AZM BAD BEC BEF BEL BGJ BGK BGL BOP
    BRB BRC BRE BRN BRR BUK BYB BYR CHC CNX CSD CSJ CSK CYP DDM DEM ECS ECV EEK ESA ESB ESP
    FIM FRF GEK GHC GHP GNE GNS GQE GRD GWE GWP HRD HRK IEP ILP ILR ISJ ITL LAJ LSM LTL LTT
    LUC LUF LUL LVL LVR MGF MLF MRO MTL MTP MVQ MXP MZE MZM NIC NLG PEH PEI PES PLZ PTE RHD
    ROK ROL RUR SDD SDG SDP SIT SKK SLL SRG STD SUR TJR TMM TPE TRL UAK UGS UGW USS UYN UYP
    VEB VEF VNC XEU XFO XFU XRE YDD YUD YUM YUN ZAL ZMK ZRN ZRZ ZWC ZWD ZWL ZWN ZWR
    """
)

ISO_4217: frozenset[str] = ISO_4217_CURRENT | ISO_4217_HISTORIC
