"""The registry's tables, declared with SQLAlchemy Core (no ORM).

The ORM classes in :mod:`procurement.storage.models` are mapped onto these tables. Writing new cases
(:mod:`procurement.cases.store`) needs only these tables, so ``procurement case add`` does not pay
for importing and configuring the ORM.

Codelist columns are strings checked against the codelist by the database
(``CHECK ... IN (...)``), so a value can never be stored that the vocabulary does not know.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from procurement.core import codelists as cl

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def money(name: str) -> Column[object]:
    return Column(name, Numeric(18, 2))


def percent(name: str) -> Column[object]:
    return Column(name, Numeric(7, 2))


def code(name: str) -> Column[object]:
    return Column(name, String(40))


def timestamp(name: str) -> Column[object]:
    """When a row was created or changed (the database's clock by default)."""
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


def in_codelist(column: str, codelist: type[cl.Codelist], name: str) -> CheckConstraint:
    values = ", ".join(f"'{v}'" for v in codelist.values())
    return CheckConstraint(f"{column} IS NULL OR {column} IN ({values})", name=name)


def non_negative(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IS NULL OR {column} >= 0", name=f"{column}_non_negative")


def case_id(target: str = "cases.id", *, primary_key: bool = False) -> Column[int]:
    """The case a row belongs to (deleted with it); indexed when not the primary key."""
    return Column(
        "case_id",
        ForeignKey(target, ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
        index=not primary_key,
    )


cities = Table(
    "cities",
    metadata,
    Column("code", String(3), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("local_name", String(100), nullable=False),
    Column("country", String(2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("population", Integer),
    Column("population_year", Integer),
    Column("population_source", String(300)),
    Column("member", Boolean, nullable=False, default=True),
    CheckConstraint("length(code) = 3", name="code_length"),
    non_negative("population"),
)

# A buyer (contracting authority) or a supplier.
organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False, unique=True),
    # the name without case, runs of spaces and trailing punctuation: one organisation
    # however its name is typed (procurement.cases.values.organisation_key)
    Column("name_key", String(300), nullable=False, unique=True),
    Column("country", String(2)),
    Column("identifier", String(100)),
)

# Last sequence number handed out per city and year: references are never reused.
reference_sequences = Table(
    "reference_sequences",
    metadata,
    Column("city_code", ForeignKey("cities.code"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_number", Integer, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(40), nullable=False, unique=True),
    Column("ocid", String(200), nullable=False, unique=True),
    Column("city_code", ForeignKey("cities.code"), nullable=False, index=True),
    Column("buyer_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("description", Text),
    Column("category", String(40), nullable=False),
    Column("cpv", String(10)),
    Column("sector", String(40), nullable=False),
    Column("procedure", String(40), nullable=False, index=True),
    Column("status", String(40), nullable=False, index=True),
    Column("tender_published", Date),
    Column("awarded_on", Date),
    Column("contract_start", Date),
    Column("contract_end_planned", Date),
    Column("completed_on", Date),
    Column("currency", String(3)),
    money("estimated_value"),
    money("awarded_value"),
    money("final_value"),
    code("award_criteria"),
    Column("tenders_received", Integer),
    Column("sme_tenders", Integer),
    Column("winner_id", ForeignKey("organisations.id")),
    Column("winner_is_sme", Boolean),
    Column("winner_country", String(2)),
    Column("contact_name", String(200)),
    Column("contact_email", String(320)),
    # the contact person agreed to be named where the case is published (None: not asked)
    Column("contact_public", Boolean),
    # Year the case belongs to in reports: year of award, else publication, else creation.
    Column("year", Integer, nullable=False, index=True),
    Column("removed_at", DateTime(timezone=True)),
    timestamp("created_at"),
    timestamp("updated_at"),
    # Provenance of cases imported from another registry or an OCDS publisher.
    Column("origin", String(20), nullable=False, default="local", server_default="local"),
    Column("source_publisher", String(300)),
    Column("source_uri", String(1000)),
    Column("source_file", String(1000)),
    Column("source_release_date", String(40)),
    # OCDS fields the registry does not model, kept so that a re-export keeps them.
    Column("ocds_extra", JSON),
    in_codelist("category", cl.Category, "category_codelist"),
    in_codelist("sector", cl.Sector, "sector_codelist"),
    in_codelist("procedure", cl.Procedure, "procedure_codelist"),
    in_codelist("status", cl.Status, "status_codelist"),
    in_codelist("award_criteria", cl.AwardCriteria, "award_criteria_codelist"),
    CheckConstraint("origin IN ('local', 'imported')", name="origin_codelist"),
    non_negative("estimated_value"),
    non_negative("awarded_value"),
    non_negative("final_value"),
    non_negative("tenders_received"),
    non_negative("sme_tenders"),
    CheckConstraint(
        "sme_tenders IS NULL OR tenders_received IS NULL OR sme_tenders <= tenders_received",
        name="sme_tenders_le_tenders",
    ),
    CheckConstraint(
        "currency IS NOT NULL OR (estimated_value IS NULL AND awarded_value IS NULL"
        " AND final_value IS NULL)",
        name="value_needs_currency",
    ),
    Index("ix_cases_city_year", "city_code", "year"),
    # `case list --city HEL` in reference order, and counts of live cases, read from the
    # index alone on both databases (removed_at is checked in the index, no table lookup).
    Index("ix_cases_city_reference_removed", "city_code", "reference", "removed_at"),
)

case_approaches = Table(
    "case_approaches",
    metadata,
    case_id(primary_key=True),
    Column("approach", String(40), primary_key=True, index=True),
    in_codelist("approach", cl.InnovationApproach, "approach_codelist"),
)

ppp_details = Table(
    "ppp_details",
    metadata,
    case_id(primary_key=True),
    Column("ppp_model", String(40), nullable=False, index=True),
    code("payment_mechanism"),
    Column("duration_years", Integer),
    money("capex"),
    percent("private_finance_share"),
    money("psc_value"),
    percent("vfm_percent"),
    Column("financial_close", Date),
    code("ppp_status"),
    in_codelist("ppp_model", cl.PppModel, "ppp_model_codelist"),
    in_codelist("payment_mechanism", cl.PaymentMechanism, "payment_mechanism_codelist"),
    in_codelist("ppp_status", cl.PppStatus, "ppp_status_codelist"),
    non_negative("duration_years"),
    non_negative("capex"),
    non_negative("psc_value"),
    CheckConstraint(
        "private_finance_share IS NULL OR"
        " (private_finance_share >= 0 AND private_finance_share <= 100)",
        name="private_finance_share_range",
    ),
    CheckConstraint(
        "vfm_percent IS NULL OR (vfm_percent >= -100 AND vfm_percent <= 100)",
        name="vfm_percent_range",
    ),
)

risk_allocations = Table(
    "risk_allocations",
    metadata,
    case_id("ppp_details.case_id", primary_key=True),
    Column("category", String(40), primary_key=True),
    Column("allocation", String(10), nullable=False),
    in_codelist("category", cl.RiskCategory, "category_codelist"),
    in_codelist("allocation", cl.RiskAllocation, "allocation_codelist"),
)

outcomes = Table(
    "outcomes",
    metadata,
    case_id(primary_key=True),
    code("innovation_achieved"),
    Column("satisfaction", Integer),
    Column("lessons_learned", Text),
    Column("best_practice", Boolean, nullable=False, default=False, index=True),
    Column("best_practice_rationale", Text),
    in_codelist("innovation_achieved", cl.InnovationAchieved, "innovation_achieved_codelist"),
    CheckConstraint(
        "satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 5)",
        name="satisfaction_range",
    ),
)

kpis = Table(
    "kpis",
    metadata,
    Column("id", Integer, primary_key=True),
    case_id(),
    Column("position", Integer, nullable=False, default=0),
    Column("name", String(100), nullable=False),
    Column("unit", String(40)),
    Column("baseline", Numeric(20, 4)),
    Column("target", Numeric(20, 4)),
    Column("achieved", Numeric(20, 4)),
    # lower values are better (emissions, costs); None: the direction is that of the target
    # from the baseline, or unknown
    Column("lower_is_better", Boolean),
    UniqueConstraint("case_id", "name", name="uq_kpis_case_id_name"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    case_id(),
    Column("position", Integer, nullable=False, default=0),
    Column("url", String(2000), nullable=False),
    Column("title", String(500)),
    CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_scheme"),
)

# One change to a case: who, when, what (each field's old and new value).
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    case_id(),
    Column("city_code", String(3), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(200), nullable=False),
    Column("action", String(20), nullable=False),
    Column("changes", JSON, nullable=False),
    CheckConstraint(
        "action IN ('create', 'update', 'remove', 'restore', 'import')",
        name="action_codelist",
    ),
)

# A rate a user added: 1 EUR = ``units_per_eur`` units of ``currency`` on ``rate_date``.
exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("rate_date", Date, primary_key=True),
    Column("units_per_eur", Numeric(20, 8), nullable=False),
    Column("source", String(300)),
    CheckConstraint("units_per_eur > 0", name="units_per_eur_positive"),
)

# Every record an import received from outside, as it was published (a release store, as
# Kingfisher keeps one): an OCDS release, or an eForms notice (its fields as read). A case
# imported from outside is compiled from all records of its contracting process (``ocid``), in
# whatever order they arrived; the same record received twice is stored once (``content_hash``).
source_records = Table(
    "source_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    # The contracting process: the OCDS ocid (for an eForms notice, the ocid its procedure
    # identifier BT-04 maps to) and the member city whose case it feeds.
    Column("ocid", String(200), nullable=False, index=True),
    Column("city_code", ForeignKey("cities.code"), nullable=False),
    # The record's own identity and date as the publisher wrote them: the release id and date,
    # or the notice identifier with its version (BT-701, BT-757) and dispatch date.
    Column("record_id", String(200), nullable=False),
    Column("record_date", String(40)),
    Column("content_hash", String(64), nullable=False),
    Column("content", JSON, nullable=False),
    # Provenance: the file, the position in it (line of JSON Lines, index in a package,
    # member of an archive), the publisher, the package's URI and the extensions it declared.
    Column("source_file", String(1000)),
    Column("source_position", String(100)),
    Column("publisher", String(300)),
    Column("package_uri", String(1000)),
    Column("extensions", JSON),
    timestamp("imported_at"),
    CheckConstraint("kind IN ('ocds-release', 'eforms-notice')", name="kind_codelist"),
    UniqueConstraint("kind", "ocid", "record_id", "content_hash", name="uq_source_records_record"),
)
