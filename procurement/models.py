"""SQLAlchemy 2 models of the registry.

Codelist columns are strings checked against the codelist by the database
(``CHECK ... IN (...)``), so a value can never be stored that the vocabulary does not know.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from procurement import codelists as cl

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Reusable column types
intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
Money = Annotated[Decimal | None, mapped_column(Numeric(18, 2))]
Percent = Annotated[Decimal | None, mapped_column(Numeric(7, 2))]
Code = Annotated[str | None, mapped_column(String(40))]
OptDate = Annotated[dt.date | None, mapped_column(Date)]
Timestamp = Annotated[dt.datetime, mapped_column(DateTime(timezone=True))]


def in_codelist(column: str, codelist: type[cl.Codelist], name: str) -> CheckConstraint:
    values = ", ".join(f"'{v}'" for v in codelist.values())
    return CheckConstraint(f"{column} IS NULL OR {column} IN ({values})", name=name)


def non_negative(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IS NULL OR {column} >= 0", name=f"{column}_non_negative")


class City(Base):
    __tablename__ = "cities"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    local_name: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    population_source: Mapped[str | None] = mapped_column(String(300))
    member: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("length(code) = 3", name="code_length"),
        non_negative("population"),
    )


class Organisation(Base):
    """A buyer (contracting authority) or a supplier."""

    __tablename__ = "organisations"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(300), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    identifier: Mapped[str | None] = mapped_column(String(100))


class ReferenceSequence(Base):
    """Last sequence number handed out per city and year: references are never reused."""

    __tablename__ = "reference_sequences"

    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[intpk]
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    ocid: Mapped[str] = mapped_column(String(200), unique=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("cities.code"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    cpv: Mapped[str | None] = mapped_column(String(10))
    sector: Mapped[str] = mapped_column(String(40))
    procedure: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(40), index=True)
    tender_published: Mapped[OptDate]
    awarded_on: Mapped[OptDate]
    contract_start: Mapped[OptDate]
    contract_end_planned: Mapped[OptDate]
    completed_on: Mapped[OptDate]
    currency: Mapped[str | None] = mapped_column(String(3))
    estimated_value: Mapped[Money]
    awarded_value: Mapped[Money]
    final_value: Mapped[Money]
    award_criteria: Mapped[Code]
    tenders_received: Mapped[int | None] = mapped_column(Integer)
    sme_tenders: Mapped[int | None] = mapped_column(Integer)
    winner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    winner_is_sme: Mapped[bool | None] = mapped_column(Boolean)
    winner_country: Mapped[str | None] = mapped_column(String(2))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    # Year the case belongs to in reports: year of award, else publication, else creation.
    year: Mapped[int] = mapped_column(Integer, index=True)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    updated_at: Mapped[Timestamp] = mapped_column(server_default=func.now())
    # Provenance of cases imported from another registry or an OCDS publisher.
    origin: Mapped[str] = mapped_column(String(20), default="local", server_default="local")
    source_publisher: Mapped[str | None] = mapped_column(String(300))
    source_uri: Mapped[str | None] = mapped_column(String(1000))
    source_file: Mapped[str | None] = mapped_column(String(1000))
    source_release_date: Mapped[str | None] = mapped_column(String(40))
    # OCDS fields the registry does not model, kept so that a re-export keeps them.
    ocds_extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    city: Mapped[City] = relationship()
    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id])
    winner: Mapped[Organisation | None] = relationship(foreign_keys=[winner_id])
    approaches: Mapped[list[CaseApproach]] = relationship(
        cascade="all, delete-orphan", order_by="CaseApproach.approach"
    )
    ppp: Mapped[PppDetails | None] = relationship(cascade="all, delete-orphan")
    outcome: Mapped[Outcome | None] = relationship(cascade="all, delete-orphan")
    kpis: Mapped[list[Kpi]] = relationship(cascade="all, delete-orphan", order_by="Kpi.position")
    documents: Mapped[list[Document]] = relationship(
        cascade="all, delete-orphan", order_by="Document.position"
    )

    __table_args__ = (
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
        # `case list --city HEL` in reference order, and counts, over live cases only
        Index(
            "ix_cases_live_city_reference",
            "city_code",
            "reference",
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )


class CaseApproach(Base):
    __tablename__ = "case_approaches"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    approach: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    __table_args__ = (in_codelist("approach", cl.InnovationApproach, "approach_codelist"),)


class PppDetails(Base):
    __tablename__ = "ppp_details"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    ppp_model: Mapped[str] = mapped_column(String(40), index=True)
    payment_mechanism: Mapped[Code]
    duration_years: Mapped[int | None] = mapped_column(Integer)
    capex: Mapped[Money]
    private_finance_share: Mapped[Percent]
    psc_value: Mapped[Money]
    vfm_percent: Mapped[Percent]
    financial_close: Mapped[OptDate]
    ppp_status: Mapped[Code]

    risks: Mapped[list[RiskAllocationRow]] = relationship(
        cascade="all, delete-orphan", order_by="RiskAllocationRow.category"
    )

    __table_args__ = (
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


class RiskAllocationRow(Base):
    __tablename__ = "risk_allocations"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("ppp_details.case_id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    allocation: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        in_codelist("category", cl.RiskCategory, "category_codelist"),
        in_codelist("allocation", cl.RiskAllocation, "allocation_codelist"),
    )


class Outcome(Base):
    __tablename__ = "outcomes"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    innovation_achieved: Mapped[Code]
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    lessons_learned: Mapped[str | None] = mapped_column(Text)
    best_practice: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    best_practice_rationale: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        in_codelist("innovation_achieved", cl.InnovationAchieved, "innovation_achieved_codelist"),
        CheckConstraint(
            "satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 5)",
            name="satisfaction_range",
        ),
    )


class Kpi(Base):
    __tablename__ = "kpis"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(40))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    target: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    achieved: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))

    __table_args__ = (UniqueConstraint("case_id", "name", name="uq_kpis_case_id_name"),)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_scheme"),
    )


class AuditEvent(Base):
    """One change to a case: who, when, what (each field's old and new value)."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    city_code: Mapped[str] = mapped_column(String(3))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    user: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint(
            "action IN ('create', 'update', 'remove', 'restore', 'import')",
            name="action_codelist",
        ),
    )


class ExchangeRate(Base):
    """A rate a user added: 1 EUR = ``units_per_eur`` units of ``currency`` on ``rate_date``."""

    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    units_per_eur: Mapped[Decimal] = mapped_column(Numeric(20, 8))
    source: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (CheckConstraint("units_per_eur > 0", name="units_per_eur_positive"),)
