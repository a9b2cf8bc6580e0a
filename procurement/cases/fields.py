"""The one field vocabulary.

Each :class:`Field` has one snake_case name used as the model attribute, the CSV/XLSX
column header, the JSON/YAML key, the ``--set NAME=VALUE`` key and (kebab-cased) the
CLI flag. Validation, prompts, spreadsheet templates and help texts all read this list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from procurement.core import codelists as cl

Kind = Literal[
    "text",
    "longtext",
    "date",
    "money",
    "integer",
    "boolean",
    "code",
    "codes",
    "cpv",
    "currency",
    "country",
    "email",
    "city",
    "organisation",
    "percent",
    "rating",
    "risks",
    "kpis",
    "documents",
]
Group = Literal["case", "ppp", "outcome"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    group: Group
    help: str
    codelist: type[cl.Codelist] | None = None
    required: bool = False
    personal: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def label(self) -> str:
        return LABELS.get(self.name) or self.name.replace("_", " ").capitalize()


FIELDS: tuple[Field, ...] = (
    Field(
        "city",
        "city",
        "case",
        "Member city code, e.g. HEL (see `procurement city list`).",
        required=True,
    ),
    Field(
        "buyer",
        "organisation",
        "case",
        "Contracting authority (organisation name; created on first use).",
        required=True,
    ),
    Field("title", "text", "case", "Short title of the procurement.", required=True),
    Field("description", "longtext", "case", "What was bought and why (the challenge)."),
    Field("category", "code", "case", "Main procurement category.", cl.Category, required=True),
    Field("cpv", "cpv", "case", "Main CPV 2008 code NNNNNNNN-N, e.g. 34144900-7."),
    Field("sector", "code", "case", "Policy sector of the case.", cl.Sector, required=True),
    Field(
        "procedure", "code", "case", "EU procurement procedure used.", cl.Procedure, required=True
    ),
    Field(
        "innovation_approaches",
        "codes",
        "case",
        "Innovation approaches used (several allowed).",
        cl.InnovationApproach,
    ),
    Field("status", "code", "case", "Where the case stands now.", cl.Status, required=True),
    Field(
        "tender_published", "date", "case", "Date the contract notice was published (YYYY-MM-DD)."
    ),
    Field("awarded_on", "date", "case", "Date of the award decision (YYYY-MM-DD)."),
    Field("contract_start", "date", "case", "Contract start date (YYYY-MM-DD)."),
    Field("contract_end_planned", "date", "case", "Planned end of the contract (YYYY-MM-DD)."),
    Field("completed_on", "date", "case", "Actual completion date (YYYY-MM-DD)."),
    Field(
        "currency",
        "currency",
        "case",
        "ISO 4217 currency of all amounts of the case, e.g. EUR, SEK.",
    ),
    Field("estimated_value", "money", "case", "Estimated value before tendering, excluding VAT."),
    Field("awarded_value", "money", "case", "Value of the awarded contract, excluding VAT."),
    Field("final_value", "money", "case", "Final cost after delivery, excluding VAT."),
    Field("award_criteria", "code", "case", "How tenders were compared.", cl.AwardCriteria),
    Field("tenders_received", "integer", "case", "Number of tenders received."),
    Field("sme_tenders", "integer", "case", "Number of tenders from small and medium enterprises."),
    Field("winner", "organisation", "case", "Main supplier that won the contract."),
    Field("winner_is_sme", "boolean", "case", "Is the main supplier an SME? (yes/no)"),
    Field(
        "winner_country", "country", "case", "Main supplier's country (ISO 3166 alpha-2, e.g. FI)."
    ),
    Field(
        "contact_name",
        "text",
        "case",
        "Contact person (personal data: left out of shared exports unless asked).",
        personal=True,
    ),
    Field(
        "contact_email",
        "email",
        "case",
        "Contact e-mail (personal data: left out of shared exports unless asked).",
        personal=True,
    ),
    Field(
        "contact_public",
        "boolean",
        "case",
        "May the contact be published with the case (case pages, the best-practice site, the "
        "OCDS export)? (yes/no; the person must have agreed)",
    ),
    Field(
        "documents",
        "documents",
        "case",
        "Links to documents: one per line, the URL then an optional title.",
    ),
    # PPP details
    Field("ppp_model", "code", "ppp", "PPP model (set it to record PPP details).", cl.PppModel),
    Field(
        "payment_mechanism", "code", "ppp", "How the private partner is paid.", cl.PaymentMechanism
    ),
    Field("duration_years", "integer", "ppp", "Contract duration in years."),
    Field("capex", "money", "ppp", "Capital expenditure, in the case currency."),
    Field("private_finance_share", "percent", "ppp", "Share of private finance, 0-100 %."),
    Field("psc_value", "money", "ppp", "Public sector comparator, in the case currency."),
    Field(
        "vfm_percent",
        "percent",
        "ppp",
        "Value for money claimed at award: saving against the PSC, in % (may be negative).",
    ),
    Field("financial_close", "date", "ppp", "Date of financial close (YYYY-MM-DD)."),
    Field("ppp_status", "code", "ppp", "Status of the PPP contract.", cl.PppStatus),
    Field(
        "risks",
        "risks",
        "ppp",
        "Risk allocation: CATEGORY=public|private|shared, separated by ';'.",
    ),
    # Outcome
    Field(
        "innovation_achieved",
        "code",
        "outcome",
        "Did the procurement deliver the innovation?",
        cl.InnovationAchieved,
    ),
    Field(
        "satisfaction", "rating", "outcome", "Buyer's satisfaction with the result, 1 (low) to 5."
    ),
    Field("lessons_learned", "longtext", "outcome", "What other cities should know."),
    Field("best_practice", "boolean", "outcome", "Share this case as best practice? (yes/no)"),
    Field("best_practice_rationale", "longtext", "outcome", "Why this case is best practice."),
    Field(
        "kpis",
        "kpis",
        "outcome",
        "Key performance indicators: NAME=ACHIEVED[:UNIT[:BASELINE[:TARGET[:lower|higher]]]], "
        "separated by ';' (lower: lower values are better, e.g. emissions).",
    ),
)

LABELS = {
    "cpv": "CPV code",
    "sme_tenders": "SME tenders",
    "winner_is_sme": "Winner is an SME",
    "contact_email": "Contact e-mail",
    "contact_public": "Contact may be published",
    "ppp_model": "PPP model",
    "capex": "Capital expenditure",
    "psc_value": "Public sector comparator",
    "vfm_percent": "Value for money claimed (%)",
    "private_finance_share": "Private finance share (%)",
    "ppp_status": "PPP status",
    "risks": "Risk allocation",
    "kpis": "KPIs",
}

FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
CASE_FIELDS = tuple(f for f in FIELDS if f.group == "case")
PPP_FIELDS = tuple(f for f in FIELDS if f.group == "ppp")
OUTCOME_FIELDS = tuple(f for f in FIELDS if f.group == "outcome")
REQUIRED_FIELDS = tuple(f.name for f in FIELDS if f.required)
PERSONAL_FIELDS = tuple(f.name for f in FIELDS if f.personal)

CASE_NAMES = frozenset(f.name for f in CASE_FIELDS)
PPP_NAMES = frozenset(f.name for f in PPP_FIELDS)
OUTCOME_NAMES = frozenset(f.name for f in OUTCOME_FIELDS)

# Keys a case carries in its JSON form besides the vocabulary: assigned by the registry.
ASSIGNED_KEYS = ("reference", "ocid", "removed", "created_at", "updated_at")
# Keys ignored in data for a new or changed case (the registry assigns them).
ASSIGNED = frozenset({*ASSIGNED_KEYS, "origin"})


def field_comment(field: Field) -> str:
    """One line explaining ``field``: its help, the codelist values, and if it is required."""
    parts = [field.help]
    if field.codelist is not None:
        word = "Any of" if field.kind == "codes" else "One of"
        parts.append(f"{word}: {', '.join(field.codelist.values())}.")
    elif field.kind == "risks":
        parts.append(
            f"Categories: {', '.join(cl.RiskCategory.values())}; "
            f"allocations: {', '.join(cl.RiskAllocation.values())}."
        )
    elif field.kind == "currency":
        parts.append(f"One of: {', '.join(cl.CURRENCIES)}.")
    if field.required:
        parts.append("Required.")
    return " ".join(parts)


# ``source_publisher`` of every case loaded by ``procurement demo``. Reports made from a
# database holding such cases say that the data are fictional and illustrative.
DEMO_PUBLISHER = "Illustrative demo data set (fictional)"
# Every demo description ends with this; a case that comes back through a spreadsheet or the
# JSON form (which carry no provenance) is recognised by it and stays marked as fictional.
DEMO_MARK = "(Illustrative case.)"
