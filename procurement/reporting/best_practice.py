"""`report best-practice`: a one-page summary of every case flagged as best practice."""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from procurement.analysis.fx import RateBook
from procurement.cases.query import CaseFilter, list_cases
from procurement.reporting.case_page import case_page
from procurement.reporting.common import NO_CONTACTS_NOTE, coverage
from procurement.reporting.model import Report, Section, Table


def build_best_practice(
    *, session: Session, flt: CaseFilter, include_contacts: bool = False
) -> Report:
    """`report best-practice`: a one-page summary of every case flagged as best practice."""
    rates = RateBook.from_session(session)
    scope = dataclasses.replace(flt, best_practice=True)
    cov = coverage(session=session, flt=scope, rates=rates)
    cases = list_cases(session=session, flt=scope)
    pages = [case_page(c, rates=rates, include_contacts=include_contacts) for c in cases]
    index = Table(
        name="best_practice_cases",
        title="Best-practice cases",
        columns=[("reference", "Case"), ("city", "City"), ("year", "Year"), ("title", "Title")],
        rows=[
            {"reference": c.reference, "city": c.city_code, "year": c.year, "title": c.title}
            for c in cases
        ],
    )
    sections = [Section("index", "Cases in this report", blocks=[index])]
    sections += [Section(f"case-{p.reference}", p.title, blocks=[p]) for p in pages]
    notes = [] if include_contacts else [NO_CONTACTS_NOTE]
    return Report(
        kind="best-practice",
        title="Best-practice cases",
        slug="best-practice",
        coverage=cov,
        sections=sections,
        notes=notes,
    )
