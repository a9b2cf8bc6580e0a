"""`report ppp`: PPP against traditional delivery, by model and payment mechanism, the
allocation of risks, value for money claimed and delivered, and the contracts' status."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from procurement.analysis.catalogue import GROUPINGS
from procurement.analysis.fx import RateBook
from procurement.analysis.indicators import compute
from procurement.analysis.queries import (
    CaseOutcome,
    case_date,
    kpi_attainment_subquery,
    value_expressions,
)
from procurement.analysis.statistics import (
    CALCULATED,
    DEFAULT_MIN_N,
    INSUFFICIENT,
    GroupResult,
    wilson,
)
from procurement.cases.query import CaseFilter, apply_filter
from procurement.core import codelists as cl
from procurement.reporting import charts
from procurement.reporting.common import chart_for, coverage, glossary, notes_for
from procurement.reporting.formatting import label
from procurement.reporting.model import Chart, IndicatorTable, Report, Section, Table
from procurement.storage.models import Case, PppDetails, RiskAllocationRow

DELIVERY_INDICATORS = ["cost_overrun", "schedule_delay", "on_time_share"]
PPP_INDICATORS = [
    "cost_overrun",
    "schedule_delay",
    "on_time_share",
    "innovation_achieved_share",
    "total_awarded_eur",
]


def build_ppp(
    *,
    session: Session,
    flt: CaseFilter,
    min_n: int = DEFAULT_MIN_N,
    rates: RateBook | None = None,
    draw: bool = True,
) -> Report:
    """`report ppp`: PPP against traditional delivery, by model and payment, risks, VfM."""
    rates = rates or RateBook.from_session(session)
    dialect = session.get_bind().dialect.name
    ppp_only = dataclasses.replace(flt, ppp=True)
    cov = coverage(session=session, flt=flt, rates=rates, min_n=min_n)
    tables = _Tables(session=session, rates=rates, min_n=min_n, draw=draw)
    delivery_groups, delivery = _delivery_section(tables, flt)
    sections = [
        delivery,
        _model_section(tables, ppp_only),
        _payment_section(tables, ppp_only),
        _section("risks", "Risk allocation", *_risk_matrix(session, ppp_only, min_n, draw)),
        _section(
            "value_for_money",
            "Value for money: claimed and delivered",
            *_vfm(session, ppp_only, dialect, draw),
        ),
        _section("status", "Status distribution", *_status(session, ppp_only, draw)),
        Section(
            "ppp_health",
            "Cancelled, distressed and privately financed",
            blocks=[_health(session, ppp_only, min_n)],
        ),
        Section(
            "capex",
            "Capital expenditure by year, sector and city",
            blocks=_capex(session, ppp_only, rates, draw),
        ),
    ]
    return Report(
        kind="ppp",
        title="Public-private partnerships",
        slug="ppp",
        coverage=cov,
        sections=sections,
        notes=notes_for(cov, delivery_groups),  # each case once
        glossary=glossary({*DELIVERY_INDICATORS, *PPP_INDICATORS}),
    )


def _section(name: str, title: str, table: Table, chart: Chart | None) -> Section:
    """A section of a table, under its chart when there is one."""
    return Section(name, title, blocks=[b for b in (chart, table) if b is not None])


# ------------------------------------------------------------------------ indicator tables


@dataclass(frozen=True)
class _Tables:
    """Reads the report's tables of indicators per group."""

    session: Session
    rates: RateBook
    min_n: int
    draw: bool

    def table(
        self, name: str, title: str, by: str, names: list[str], scope: CaseFilter
    ) -> tuple[list[GroupResult], IndicatorTable]:
        groups = compute(
            session=self.session,
            flt=scope,
            by=by,
            names=names,
            rates=self.rates,
            min_n=self.min_n,
        )
        grouping = GROUPINGS[by]
        return groups, IndicatorTable(
            name=name,
            title=title,
            group_title=grouping.title,
            indicators=names,
            groups=groups,
            note=grouping.note,
        )


def _delivery_section(tables: _Tables, flt: CaseFilter) -> tuple[list[GroupResult], Section]:
    groups, table = tables.table(
        "ppp_vs_traditional",
        "PPP against traditional delivery",
        "delivery",
        DELIVERY_INDICATORS,
        flt,
    )
    blocks: list[Any] = [table]
    if groups and tables.draw:
        blocks.append(chart_for("box", "delivery-cost_overrun", groups, "cost_overrun"))
        blocks.append(chart_for("box", "delivery-schedule_delay", groups, "schedule_delay"))
    return groups, Section("delivery", "PPP against traditional delivery", blocks=blocks)


def _model_section(tables: _Tables, ppp_only: CaseFilter) -> Section:
    groups, table = tables.table(
        "by_ppp_model", "By PPP model", "ppp-model", PPP_INDICATORS, ppp_only
    )
    blocks: list[Any] = [table]
    if groups and tables.draw:
        blocks.append(chart_for("box", "model-cost_overrun", groups, "cost_overrun"))
    return Section("ppp_model", "By PPP model", blocks=blocks)


def _payment_section(tables: _Tables, ppp_only: CaseFilter) -> Section:
    _, table = tables.table(
        "by_payment_mechanism",
        "By payment mechanism",
        "payment-mechanism",
        PPP_INDICATORS,
        ppp_only,
    )
    return Section("payment", "By payment mechanism", blocks=[table])


# --------------------------------------------------------------------------- risk allocation


def _risk_matrix(
    session: Session, flt: CaseFilter, min_n: int, draw: bool
) -> tuple[Table, Chart | None]:
    rows = _risk_rows(session, flt, min_n)
    table = Table(
        name="risk_allocation",
        title="Risk allocation by PPP model",
        columns=[
            ("risk_category", "Risk category"),
            ("ppp_model", "PPP model"),
            ("n", "n"),
            ("public_share", "Public"),
            ("private_share", "Private"),
            ("shared_share", "Shared"),
        ],
        rows=rows,
        note="Share of the cases of each PPP model that put the risk on the public partner, "
        "the private partner or share it.",
        key_columns=["risk_category", "ppp_model"],
    )
    if not rows or not draw:
        return table, None
    return table, _risk_heat_map(rows)


def _risk_rows(session: Session, flt: CaseFilter, min_n: int) -> list[dict[str, Any]]:
    """Per risk category and PPP model: n and the share of each allocation."""
    ppp = aliased(PppDetails)  # the filter's own PPP subquery must still correlate
    stmt: Any = (
        select(
            ppp.ppp_model,
            RiskAllocationRow.category,
            RiskAllocationRow.allocation,
            func.count(),
        )
        .select_from(Case)
        .join(ppp, ppp.case_id == Case.id)
        .join(RiskAllocationRow, RiskAllocationRow.case_id == Case.id)
        .group_by(ppp.ppp_model, RiskAllocationRow.category, RiskAllocationRow.allocation)
    )
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for model, category, allocation, n in session.execute(apply_filter(stmt, flt)):
        counts[(category, model)][allocation] += int(n)
    rows: list[dict[str, Any]] = []
    for (category, model), alloc in sorted(counts.items()):
        n = sum(alloc.values())
        ok = n >= min_n
        row: dict[str, Any] = {
            "risk_category": category,
            "ppp_model": model,
            "n": n,
            "status": CALCULATED if ok else INSUFFICIENT,
        }
        for side in cl.RiskAllocation.values():
            row[f"{side}_share"] = alloc.get(side, 0) / n if ok else None
        rows.append(row)
    return rows


def risk_position(row: dict[str, Any]) -> float:
    """Where a risk sits, 0 (always public) to 1 (always private): the private share plus half
    the shared share, so a risk always shared sits in the middle, like one split evenly."""
    return float(row["private_share"]) + 0.5 * float(row["shared_share"])


def _risk_heat_map(rows: list[dict[str, Any]]) -> Chart:
    """Where each risk category (row) sits for each PPP model (column), public to private."""
    categories = sorted({r["risk_category"] for r in rows})
    models = sorted({r["ppp_model"] for r in rows})
    by_cell = {(r["risk_category"], r["ppp_model"]): r for r in rows}
    values: list[list[float | None]] = []
    notes: list[list[str]] = []
    for category in categories:
        values.append([])
        notes.append([])
        for model in models:
            r = by_cell.get((category, model))
            if r is None or r["status"] != CALCULATED:
                values[-1].append(None)
                notes[-1].append("")
            else:
                position = risk_position(r)
                values[-1].append(position)
                notes[-1].append(str(round(position * 100)))
    svg = charts.heat_map(
        "risk-heat-map",
        [label(cl.RiskCategory, c) for c in categories],
        [label(cl.PppModel, m) for m in models],
        values,
        notes,
        "public (0) – shared (50) – private (100)",
    )
    return Chart(
        name="risk-heat-map",
        title="Risk allocation heat map",
        svg=svg,
        description="Colour and figure: where the risk sits for the cases of a PPP model "
        "(column), from public (0) through shared (50) to private (100): the private share "
        "plus half the shared share, so a risk always shared sits at 50, like one split evenly. "
        "Blank: too few cases. The table below gives the public, shared and private shares "
        "and n.",
    )


# --------------------------------------------------------------------------- value for money


def _vfm(session: Session, flt: CaseFilter, dialect: str, draw: bool) -> tuple[Table, Chart | None]:
    ppp = aliased(PppDetails)  # the filter's own PPP subquery must still correlate
    overrun = value_expressions(dialect, kpi_attainment_subquery())["cost_overrun"]
    stmt: Any = (
        select(
            Case.reference,
            Case.title,
            ppp.ppp_model,
            ppp.vfm_percent,
            overrun,
            CaseOutcome.innovation_achieved,
        )
        .select_from(Case)
        .join(ppp, ppp.case_id == Case.id)
        .outerjoin(CaseOutcome, CaseOutcome.case_id == Case.id)
        .where(ppp.vfm_percent.is_not(None))
        .order_by(Case.reference)
    )
    rows = []
    points: list[tuple[float, float, str]] = []
    for ref, title, model, vfm, over, achieved in session.execute(apply_filter(stmt, flt)):
        rows.append(
            {
                "reference": ref,
                "title": title,
                "ppp_model": model,
                "vfm_percent": float(vfm),
                "cost_overrun": float(over) if over is not None else None,
                "innovation_achieved": achieved,
            }
        )
        if over is not None:
            points.append(
                (
                    float(vfm),
                    float(over) * 100,
                    label(cl.InnovationAchieved, achieved, "not recorded"),
                )
            )
    table = Table(
        name="value_for_money",
        title="Value for money claimed at award against delivered outcome",
        columns=[
            ("reference", "Case"),
            ("title", "Title"),
            ("ppp_model", "PPP model"),
            ("vfm_percent", "VfM claimed (%)"),
            ("cost_overrun", "Cost overrun"),
            ("innovation_achieved", "Innovation achieved"),
        ],
        rows=rows,
        note="PPP cases with a value-for-money figure (saving against the public sector "
        "comparator claimed at award). Cost overrun: completed contracts only.",
    )
    if not points or not draw:
        return table, None
    svg = charts.scatter(
        "vfm-scatter",
        points,
        "Value for money claimed at award (%)",
        "Cost overrun after delivery (%)",
    )
    return table, Chart(
        name="vfm-scatter",
        title="Value for money claimed against cost overrun",
        svg=svg,
        description="One point per PPP case; marker by whether the innovation was achieved.",
    )


# ---------------------------------------------------------------------------------- status


def _status(session: Session, flt: CaseFilter, draw: bool) -> tuple[Table, Chart | None]:
    ppp = aliased(PppDetails)  # the filter's own PPP subquery must still correlate
    stmt: Any = (
        select(ppp.ppp_status, Case.status, func.count())
        .select_from(Case)
        .join(ppp, ppp.case_id == Case.id)
        .group_by(ppp.ppp_status, Case.status)
    )
    counts: dict[str, int] = defaultdict(int)
    rows = []
    for recorded, status, n in session.execute(apply_filter(stmt, flt)):
        ppp_status = recorded or "not-recorded"
        rows.append({"ppp_status": ppp_status, "case_status": status, "cases": int(n)})
        counts[ppp_status] += int(n)
    rows.sort(key=lambda r: (r["ppp_status"], r["case_status"]))
    table = Table(
        name="status",
        title="Status of the PPP contracts",
        columns=[("ppp_status", "PPP status"), ("case_status", "Case status"), ("cases", "Cases")],
        rows=rows,
        key_columns=["ppp_status", "case_status"],
    )
    if not counts or not draw:
        return table, None
    order = [*cl.PppStatus.values(), "not-recorded"]
    keys = [k for k in order if k in counts]
    svg = charts.count_bars(
        "ppp-status",
        [label(cl.PppStatus, k, "Not recorded") for k in keys],
        [counts[k] for k in keys],
        "PPP cases",
    )
    return table, Chart(name="ppp-status", title="PPP contracts by status", svg=svg)


# ------------------------------------------------------------- World Bank PPI style views


def _health(session: Session, flt: CaseFilter, min_n: int) -> Table:
    """Per PPP model: the share cancelled, distressed (with 95 % intervals) and the mean
    private finance share, as the World Bank PPI database reports them."""
    ppp = aliased(PppDetails)
    stmt: Any = (
        select(ppp.ppp_model, ppp.ppp_status, ppp.private_finance_share)
        .select_from(Case)
        .join(ppp, ppp.case_id == Case.id)
    )
    per_model: dict[str, list[tuple[str | None, float | None]]] = defaultdict(list)
    for model, status, private in session.execute(apply_filter(stmt, flt)):
        per_model[model].append((status, float(private) if private is not None else None))
    rows: list[dict[str, Any]] = []
    for model, items in sorted(per_model.items()):
        known = [st for st, _ in items if st is not None]
        n = len(known)
        ok = n >= min_n
        row: dict[str, Any] = {
            "ppp_model": model,
            "n": n,
            "status": CALCULATED if ok else INSUFFICIENT,
        }
        for side in (cl.PppStatus.CANCELLED.value, cl.PppStatus.DISTRESSED.value):
            k = sum(1 for st in known if st == side)
            interval = wilson(k, n) if ok else None
            row[f"{side}_share"] = k / n if ok else None
            row[f"{side}_ci95_low"] = interval[0] if interval else None
            row[f"{side}_ci95_high"] = interval[1] if interval else None
        private = [p for _, p in items if p is not None]
        row["private_finance_cases"] = len(private)
        row["private_finance_mean"] = sum(private) / len(private) if len(private) >= min_n else None
        rows.append(row)
    return Table(
        name="ppp_health",
        title="Cancelled and distressed PPPs, and private finance, by PPP model",
        columns=[
            ("ppp_model", "PPP model"),
            ("n", "n (PPP status recorded)"),
            ("cancelled_share", "Cancelled"),
            ("cancelled_ci95_low", "95 % CI from"),
            ("cancelled_ci95_high", "to"),
            ("distressed_share", "Distressed"),
            ("distressed_ci95_low", "95 % CI from"),
            ("distressed_ci95_high", "to"),
            ("private_finance_cases", "n (private finance recorded)"),
            ("private_finance_mean", "Private finance share (mean %)"),
        ],
        rows=rows,
        note="Shares of the PPPs of each model whose PPP status is recorded; 95 % Wilson "
        "intervals. Private finance share: the mean of the recorded percentages.",
        key_columns=["ppp_model"],
    )


def _capex(session: Session, flt: CaseFilter, rates: RateBook, draw: bool) -> list[Any]:
    """Capital expenditure of the PPPs in euro per year, sector and city: each amount
    converted at the rate of its financial close, else of the case's date."""
    ppp = aliased(PppDetails)
    day = func.coalesce(ppp.financial_close, case_date())
    stmt: Any = (
        select(Case.year, Case.sector, Case.city_code, Case.currency, ppp.capex, day)
        .select_from(Case)
        .join(ppp, ppp.case_id == Case.id)
        .where(ppp.capex.is_not(None), Case.currency.is_not(None))
    )
    totals: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [Decimal(0), 0, 0])
    for year, sector, city, currency, capex, on in session.execute(apply_filter(stmt, flt)):
        when = on if isinstance(on, dt.date) or on is None else dt.date.fromisoformat(str(on)[:10])
        euro = rates.to_eur(Decimal(capex), currency, when)
        for dimension, key in (("year", str(year)), ("sector", sector), ("city", city)):
            acc = totals[(dimension, key)]
            if euro is None:
                acc[2] += 1
            else:
                acc[0] += euro
                acc[1] += 1
    rows = [
        {
            "dimension": dimension,
            "group": key,
            "n": n,
            "capex_eur": round(float(total), 2),
            "not_convertible": missing,
        }
        for (dimension, key), (total, n, missing) in sorted(totals.items())
    ]
    table = Table(
        name="capex",
        title="Capital expenditure of the PPPs (EUR)",
        columns=[
            ("dimension", "By"),
            ("group", "Group"),
            ("n", "n"),
            ("capex_eur", "Capital expenditure (EUR)"),
            ("not_convertible", "Not convertible"),
        ],
        rows=rows,
        note="Capital expenditure converted to euro at the rate of the financial close, else "
        "of the case's date; amounts without a rate are counted as not convertible.",
        key_columns=["dimension", "group"],
    )
    blocks: list[Any] = []
    years = [r for r in rows if r["dimension"] == "year"]
    if years and draw:
        svg = charts.count_bars(
            "ppp-capex-year",
            [r["group"] for r in years],
            [round(r["capex_eur"] / 1e6) for r in years],
            "Capital expenditure (EUR million)",
        )
        blocks.append(
            Chart(
                name="ppp-capex-year",
                title="Capital expenditure by year",
                svg=svg,
                description="PPP capital expenditure per case year, EUR million.",
            )
        )
    blocks.append(table)
    return blocks
