"""`procurement demo`: load the illustrative data set, then write every report."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from procurement.analysis.catalogue import COMPARE_BY
from procurement.cases.fields import DEMO_PUBLISHER
from procurement.cases.query import CaseFilter
from procurement.core.errors import BadInput, ProcurementError
from procurement.reporting.best_practice import build_best_practice
from procurement.reporting.case_page import build_case
from procurement.reporting.compare import build_compare
from procurement.reporting.model import Report
from procurement.reporting.ppp import build_ppp
from procurement.reporting.render import write_report
from procurement.storage.models import Case, Outcome


def load_demo_data(*, session: Session, user: str, seed: int = 2026) -> tuple[int, bool]:
    """Load the demo cases unless present; returns (demo cases, whether loaded now).

    Refuses a registry that holds other cases: demo data must never mix with real data.
    """
    real = session.scalar(
        select(func.count(Case.id)).where(
            or_(Case.source_publisher.is_(None), Case.source_publisher != DEMO_PUBLISHER)
        )
    )
    if real:
        raise BadInput(
            f"this registry already holds {real} real (non-demo) cases: load the demo into a "
            "database of its own, e.g. procurement --database sqlite:///demo.sqlite demo"
        )
    present = session.scalar(
        select(func.count(Case.id)).where(Case.source_publisher == DEMO_PUBLISHER)
    )
    if present:
        return int(present), False
    try:
        from procurement.demo.loader import load_demo
    except ImportError:
        raise ProcurementError(
            "the demo data set is missing from this installation: reinstall procurement"
        ) from None
    references = load_demo(session=session, user=user, seed=seed)
    session.flush()
    return len(references), True


def _sample_case(session: Session) -> str | None:
    """A best-practice case if there is one, else the first case."""
    stmt = (
        select(Case.reference)
        .outerjoin(Outcome, Outcome.case_id == Case.id)
        .where(Case.removed_at.is_(None))
        .order_by(Outcome.best_practice.is_(True).desc(), Case.reference)
        .limit(1)
    )
    return session.scalar(stmt)


def write_demo_reports(*, session: Session, output_dir: Path) -> list[Path]:
    """Every report, in the formats the demo shows, into ``output_dir``; returns the files."""
    flt = CaseFilter()
    written: list[Path] = []

    def write(report: Report, fmt: str, name: str) -> None:
        _, files = write_report(report, fmt, output_dir / name)
        written.extend(files)

    for by in COMPARE_BY:
        report = build_compare(session=session, flt=flt, by=by)
        write(report, "html", f"compare-{by}.html")
        write(report, "json", f"compare-{by}.json")
        if by == "city":
            write(report, "md", f"compare-{by}.md")
    ppp = build_ppp(session=session, flt=flt)
    write(ppp, "html", "ppp.html")
    write(ppp, "md", "ppp.md")
    best = build_best_practice(session=session, flt=flt)
    write(best, "html", "best-practice.html")
    write(best, "md", "best-practice.md")
    reference = _sample_case(session)
    if reference is not None:
        case_report = build_case(session=session, reference=reference)
        write(case_report, "html", f"case-{reference}.html")
    return written
