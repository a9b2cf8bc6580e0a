"""The mapping of every eForms code the registry uses: the tables the importer reads.

Each table maps an eForms SDK code (its code list named in the comment) to the registry's
vocabulary (:mod:`procurement.core.codelists`). README "Importing eForms notices from TED"
shows the same tables; a code missing here is reported with the notice, never guessed.
"""

from __future__ import annotations

import functools
from importlib import resources

# Notice subtypes (OPP-070, code list notice-subtype) the import reads, and what they are.
COMPETITION_SUBTYPES = frozenset(range(16, 25))  # 16-24: contract notices (competition)
RESULT_SUBTYPES = frozenset(range(29, 38))  # 29-37: contract award notices (result)
MODIFICATION_SUBTYPES = frozenset(range(38, 41))  # 38-40: contract modification notices
HANDLED_SUBTYPES = COMPETITION_SUBTYPES | RESULT_SUBTYPES | MODIFICATION_SUBTYPES
DESIGN_CONTEST_SUBTYPES = frozenset({23, 24, 36, 37})  # cn-desg, can-desg

SUBTYPE_NAMES: dict[range, str] = {
    range(1, 10): "prior information notice",
    range(10, 16): "prior information notice used as a call for competition",
    range(16, 25): "contract notice",
    range(25, 29): "voluntary ex-ante transparency notice",
    range(29, 38): "contract award notice",
    range(38, 41): "contract modification notice",
}


def subtype_name(subtype: int | None) -> str:
    for codes, name in SUBTYPE_NAMES.items():
        if subtype in codes:
            return name
    return "notice of another kind"


# BT-105 procedure type (procurement-procedure-type) -> registry procedure.
PROCEDURE: dict[str, str] = {
    "open": "open",
    "restricted": "restricted",
    "neg-w-call": "competitive-negotiation",
    "comp-dial": "competitive-dialogue",
    "innovation": "innovation-partnership",
    "neg-wo-call": "negotiated-without-publication",
    "oth-single": "other",
    "oth-mult": "other",
    "comp-tend": "other",
    "exp-int-rail": "other",
}

# BT-23 main nature (contract-nature) -> registry category.
CATEGORY: dict[str, str] = {"works": "works", "supplies": "goods", "services": "services"}


# BT-539 award criterion types (award-criterion-type) used by a procedure's lots -> registry
# award criteria: quality with price or cost is the best price-quality ratio.
def award_criteria(types: set[str]) -> str | None:
    known = types & {"price", "cost", "quality"}
    if not known:
        return None
    if "quality" in known:
        return "quality-only" if known == {"quality"} else "price-quality"
    return "cost-only" if "cost" in known else "price-only"


AWARD_CRITERIA_TABLE: dict[str, str] = {
    "price": "price-only",
    "cost (or cost and price)": "cost-only",
    "quality": "quality-only",
    "quality with price or cost": "price-quality",
}

# BT-165 winner size (economic-operator-size) -> registry winner_is_sme.
WINNER_IS_SME: dict[str, bool] = {
    "micro": True,
    "small": True,
    "medium": True,
    "sme": True,
    "large": False,
}

# Innovation approaches, each with the business term and code that gives it.
# BT-776 procurement of innovation (innovative-acquisition):
INNOVATIVE_ACQUISITION: dict[str, str] = {
    "mar-nov": "ppi",
    "proc-innov": "ppi",
    "prod-innov": "ppi",
    "rd-act": "pre-commercial",
}
# BT-06 strategic procurement (strategic-procurement); soc-obj and none give no approach
# (kept with the case):
STRATEGIC_PROCUREMENT: dict[str, str] = {
    "inn-pur": "ppi",
    "env-imp": "sustainability-criteria",
}
# BT-105 procedure type: the innovative procedures.
PROCEDURE_APPROACH: dict[str, str] = {
    "innovation": "ppi",
    "comp-dial": "functional-specification",
}
# BT-63 variants (permission): allowed or required.
VARIANTS_APPROACH: dict[str, str] = {"allowed": "variants-allowed", "required": "variants-allowed"}
# Procedures that make a case innovative by themselves (with --innovative-only).
INNOVATIVE_PROCEDURES = frozenset(
    {"innovation-partnership", "competitive-dialogue", "pre-commercial"}
)

# BT-140 change reason (change-corrig-justification) that cancels the procedure.
CANCELLING_CHANGES = frozenset({"cancel"})

# BT-760 received submission types (received-submission-type) read into the case.
TENDERS = "tenders"
SME_TENDERS = "t-sme"

# The registry's sector from the CPV division (2 first digits) of the main classification
# (BT-262); a code without an entry gives "other". Works of roads, railways and bridges (CPV
# 4522-4524) are transport.
SECTOR_BY_CPV_DIVISION: dict[str, str] = {
    "09": "energy",
    "65": "energy",
    "31": "energy",
    "34": "transport",
    "60": "transport",
    "63": "transport",
    "41": "water",
    "90": "environment",
    "77": "environment",
    "33": "health",
    "85": "health",
    "80": "education",
    "30": "ict",
    "32": "ict",
    "48": "ict",
    "64": "ict",
    "72": "ict",
    "92": "culture",
    "35": "public-safety",
    "45": "buildings",
    "70": "buildings",
    "71": "buildings",
}
SECTOR_BY_CPV_GROUP: dict[str, str] = {
    "4522": "transport",
    "4523": "transport",
    "4524": "transport",
}


def sector(cpv: str | None) -> str:
    if not cpv:
        return "other"
    return SECTOR_BY_CPV_GROUP.get(cpv[:4]) or SECTOR_BY_CPV_DIVISION.get(cpv[:2], "other")


# NUTS 3 regions that are a member city and nothing else (NUTS 2021 and 2024 codes); wider
# regions (Uusimaa, Stockholm county, Skåne, Põhja-Eesti, Vilnius county) need the town or a
# --city-map entry.
CITY_BY_NUTS: dict[str, str] = {
    "DE300": "BER",
    "DK011": "CPH",
    "NO011": "OSL",
    "NO081": "OSL",
    "LV006": "RIX",
    "PL911": "WAW",
}

# ISO 3166-1 alpha-3 (eForms country code list) -> alpha-2 (the registry's countries).
_COUNTRIES = """
AFG AF ALA AX ALB AL DZA DZ ASM AS AND AD AGO AO AIA AI ATA AQ ATG AG ARG AR ARM AM ABW AW
AUS AU AUT AT AZE AZ BHS BS BHR BH BGD BD BRB BB BLR BY BEL BE BLZ BZ BEN BJ BMU BM BTN BT
BOL BO BES BQ BIH BA BWA BW BVT BV BRA BR IOT IO BRN BN BGR BG BFA BF BDI BI CPV CV KHM KH
CMR CM CAN CA CYM KY CAF CF TCD TD CHL CL CHN CN CXR CX CCK CC COL CO COM KM COG CG COD CD
COK CK CRI CR CIV CI HRV HR CUB CU CUW CW CYP CY CZE CZ DNK DK DJI DJ DMA DM DOM DO ECU EC
EGY EG SLV SV GNQ GQ ERI ER EST EE SWZ SZ ETH ET FLK FK FRO FO FJI FJ FIN FI FRA FR GUF GF
PYF PF ATF TF GAB GA GMB GM GEO GE DEU DE GHA GH GIB GI GRC GR GRL GL GRD GD GLP GP GUM GU
GTM GT GGY GG GIN GN GNB GW GUY GY HTI HT HMD HM VAT VA HND HN HKG HK HUN HU ISL IS IND IN
IDN ID IRN IR IRQ IQ IRL IE IMN IM ISR IL ITA IT JAM JM JPN JP JEY JE JOR JO KAZ KZ KEN KE
KIR KI PRK KP KOR KR KWT KW KGZ KG LAO LA LVA LV LBN LB LSO LS LBR LR LBY LY LIE LI LTU LT
LUX LU MAC MO MDG MG MWI MW MYS MY MDV MV MLI ML MLT MT MHL MH MTQ MQ MRT MR MUS MU MYT YT
MEX MX FSM FM MDA MD MCO MC MNG MN MNE ME MSR MS MAR MA MOZ MZ MMR MM NAM NA NRU NR NPL NP
NLD NL NCL NC NZL NZ NIC NI NER NE NGA NG NIU NU NFK NF MKD MK MNP MP NOR NO OMN OM PAK PK
PLW PW PSE PS PAN PA PNG PG PRY PY PER PE PHL PH PCN PN POL PL PRT PT PRI PR QAT QA REU RE
ROU RO RUS RU RWA RW BLM BL SHN SH KNA KN LCA LC MAF MF SPM PM VCT VC WSM WS SMR SM STP ST
SAU SA SEN SN SRB RS SYC SC SLE SL SGP SG SXM SX SVK SK SVN SI SLB SB SOM SO ZAF ZA SGS GS
SSD SS ESP ES LKA LK SDN SD SUR SR SJM SJ SWE SE CHE CH SYR SY TWN TW TJK TJ TZA TZ THA TH
TLS TL TGO TG TKL TK TON TO TTO TT TUN TN TUR TR TKM TM TCA TC TUV TV UGA UG UKR UA ARE AE
GBR GB USA US UMI UM URY UY UZB UZ VUT VU VEN VE VNM VN VGB VG VIR VI WLF WF ESH EH YEM YE
ZMB ZM ZWE ZW XKX XK
"""
_PAIRS = _COUNTRIES.split()
COUNTRY_ALPHA2: dict[str, str] = dict(zip(_PAIRS[::2], _PAIRS[1::2], strict=True))
# the eForms country code list's own codes for places without an ISO code of their own
COUNTRY_ALPHA2.update({"1A0": "XK"})


def country(code: str | None) -> str | None:
    """An eForms (alpha-3) country code as alpha-2; None if unknown."""
    if not code:
        return None
    code = code.strip().upper()
    if len(code) == 2 and code.isalpha():
        return code
    return COUNTRY_ALPHA2.get(code)


# The SDK's code lists shipped in ``codelists/`` (with their attribution).
SDK_CODELISTS = (
    "award-criterion-type",
    "buyer-legal-type",
    "contract-nature",
    "innovative-acquisition",
    "notice-type",
    "procurement-procedure-type",
    "received-submission-type",
    "strategic-procurement",
    "winner-selection-status",
)


@functools.cache
def sdk_labels(name: str, lang: str = "eng") -> dict[str, str]:
    """The codes of the SDK code list ``name`` with their labels in ``lang`` (ISO 639-2/B, as
    the SDK names its columns: eng, fin, swe, dan, deu, est, lav, lit, pol); the English label
    where that language has none."""
    from lxml import etree

    text = (
        resources.files("procurement.exchange.eforms").joinpath(f"codelists/{name}.gc").read_bytes()
    )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(text, parser)
    labels: dict[str, str] = {}
    for row in root.iter("Row"):
        values = {v.get("ColumnRef"): (v.findtext("SimpleValue") or "") for v in row.iter("Value")}
        code = values.get("code")
        if code:
            labels[code] = values.get(f"{lang}_label") or values.get("eng_label") or code
    return labels


def known(name: str, code: str) -> bool:
    """Whether ``code`` is in the SDK code list ``name``."""
    return code in sdk_labels(name)
