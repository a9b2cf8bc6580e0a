"""The ORM classes of the registry, mapped onto the Core tables of :mod:`.schema`.

Columns, constraints and indexes are declared once, in :mod:`procurement.storage.schema`; the
annotations here give each attribute its Python type, and the relationships join the tables
into one case.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from procurement.storage import schema


class Base(DeclarativeBase):
    metadata = schema.metadata


class City(Base):
    __table__ = schema.cities

    code: Mapped[str]
    name: Mapped[str]
    local_name: Mapped[str]
    country: Mapped[str]
    currency: Mapped[str]
    population: Mapped[int | None]
    population_year: Mapped[int | None]
    population_source: Mapped[str | None]
    member: Mapped[bool]


class Organisation(Base):
    """A buyer (contracting authority) or a supplier."""

    __table__ = schema.organisations

    id: Mapped[int]
    name: Mapped[str]
    name_key: Mapped[str]
    country: Mapped[str | None]
    identifier: Mapped[str | None]


class ReferenceSequence(Base):
    """Last sequence number handed out per city and year: references are never reused."""

    __table__ = schema.reference_sequences

    city_code: Mapped[str]
    year: Mapped[int]
    last_number: Mapped[int]


class Case(Base):
    __table__ = schema.cases

    id: Mapped[int]
    reference: Mapped[str]
    ocid: Mapped[str]
    city_code: Mapped[str]
    buyer_id: Mapped[int]
    title: Mapped[str]
    description: Mapped[str | None]
    category: Mapped[str]
    cpv: Mapped[str | None]
    sector: Mapped[str]
    procedure: Mapped[str]
    status: Mapped[str]
    tender_published: Mapped[dt.date | None]
    awarded_on: Mapped[dt.date | None]
    contract_start: Mapped[dt.date | None]
    contract_end_planned: Mapped[dt.date | None]
    completed_on: Mapped[dt.date | None]
    currency: Mapped[str | None]
    estimated_value: Mapped[Decimal | None]
    awarded_value: Mapped[Decimal | None]
    final_value: Mapped[Decimal | None]
    award_criteria: Mapped[str | None]
    tenders_received: Mapped[int | None]
    sme_tenders: Mapped[int | None]
    winner_id: Mapped[int | None]
    winner_is_sme: Mapped[bool | None]
    winner_country: Mapped[str | None]
    contact_name: Mapped[str | None]
    contact_email: Mapped[str | None]
    contact_public: Mapped[bool | None]
    year: Mapped[int]
    removed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    origin: Mapped[str]
    source_publisher: Mapped[str | None]
    source_uri: Mapped[str | None]
    source_file: Mapped[str | None]
    source_release_date: Mapped[str | None]
    ocds_extra: Mapped[dict[str, Any] | None]

    city: Mapped[City] = relationship()
    buyer: Mapped[Organisation] = relationship(foreign_keys=[schema.cases.c.buyer_id])
    winner: Mapped[Organisation | None] = relationship(foreign_keys=[schema.cases.c.winner_id])
    approaches: Mapped[list[CaseApproach]] = relationship(
        cascade="all, delete-orphan", order_by="CaseApproach.approach"
    )
    ppp: Mapped[PppDetails | None] = relationship(cascade="all, delete-orphan")
    outcome: Mapped[Outcome | None] = relationship(cascade="all, delete-orphan")
    kpis: Mapped[list[Kpi]] = relationship(cascade="all, delete-orphan", order_by="Kpi.position")
    documents: Mapped[list[Document]] = relationship(
        cascade="all, delete-orphan", order_by="Document.position"
    )


class CaseApproach(Base):
    __table__ = schema.case_approaches

    case_id: Mapped[int]
    approach: Mapped[str]


class PppDetails(Base):
    __table__ = schema.ppp_details

    case_id: Mapped[int]
    ppp_model: Mapped[str]
    payment_mechanism: Mapped[str | None]
    duration_years: Mapped[int | None]
    capex: Mapped[Decimal | None]
    private_finance_share: Mapped[Decimal | None]
    psc_value: Mapped[Decimal | None]
    vfm_percent: Mapped[Decimal | None]
    financial_close: Mapped[dt.date | None]
    ppp_status: Mapped[str | None]

    risks: Mapped[list[RiskAllocationRow]] = relationship(
        cascade="all, delete-orphan", order_by="RiskAllocationRow.category"
    )


class RiskAllocationRow(Base):
    __table__ = schema.risk_allocations

    case_id: Mapped[int]
    category: Mapped[str]
    allocation: Mapped[str]


class Outcome(Base):
    __table__ = schema.outcomes

    case_id: Mapped[int]
    innovation_achieved: Mapped[str | None]
    satisfaction: Mapped[int | None]
    lessons_learned: Mapped[str | None]
    best_practice: Mapped[bool]
    best_practice_rationale: Mapped[str | None]


class Kpi(Base):
    __table__ = schema.kpis

    id: Mapped[int]
    case_id: Mapped[int]
    position: Mapped[int]
    name: Mapped[str]
    unit: Mapped[str | None]
    baseline: Mapped[Decimal | None]
    target: Mapped[Decimal | None]
    achieved: Mapped[Decimal | None]
    lower_is_better: Mapped[bool | None]


class Document(Base):
    __table__ = schema.documents

    id: Mapped[int]
    case_id: Mapped[int]
    position: Mapped[int]
    url: Mapped[str]
    title: Mapped[str | None]


class AuditEvent(Base):
    """One change to a case: who, when, what (each field's old and new value)."""

    __table__ = schema.audit_events

    id: Mapped[int]
    case_id: Mapped[int]
    city_code: Mapped[str]
    at: Mapped[dt.datetime]
    user: Mapped[str]
    action: Mapped[str]
    changes: Mapped[dict[str, Any]]


class ExchangeRate(Base):
    """A rate a user added: 1 EUR = ``units_per_eur`` units of ``currency`` on ``rate_date``."""

    __table__ = schema.exchange_rates

    currency: Mapped[str]
    rate_date: Mapped[dt.date]
    units_per_eur: Mapped[Decimal]
    source: Mapped[str | None]
