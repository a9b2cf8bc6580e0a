"""Build the reports' content from the database: aggregates by SQL, case pages from cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from procurement.analysis.fx import RateBook
from procurement.analysis.indicators import (
    CALCULATED,
    COMPARE_BY,
    DEFAULT_MIN_N,
    GROUPINGS,
    INDICATOR_BY_NAME,
    INDICATORS,
    INSUFFICIENT,
    SECTIONS,
    GroupResult,
    compute,
    compute_with_overall,
    kpi_attainment_subquery,
    value_expressions,
)
from procurement.cases.fields import DEMO_PUBLISHER
from procurement.cases.query import CaseFilter, apply_filter, get_case, list_cases
from procurement.cases.values import case_to_dict, case_values
from procurement.core import codelists as cl
from procurement.core.errors import BadInput
from procurement.reporting import charts
from procurement.reporting.formatting import eur, label, money, percent
from procurement.reporting.model import (
    CasePage,
    Chart,
    Coverage,
    IndicatorTable,
    Report,
    Section,
    Table,
)
from procurement.storage.models import Case, Outcome, PppDetails, RiskAllocationRow

DEMO_NOTE = (
    "Fictional illustrative data: {n} of the {total} cases in this report come from the demo "
    "data set (`procurement demo`). They describe no real procurement; do not cite them."
)


def now_text() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def coverage(
    *,
    session: Session,
    flt: CaseFilter,
    rates: RateBook,
    min_n: int | None = None,
    by: str | None = None,
) -> Coverage:
    demo_case = case((Case.source_publisher == DEMO_PUBLISHER, 1), else_=None)
    stmt: Any = select(func.count(Case.id), func.max(Case.updated_at), func.count(demo_case))
    total, latest, demo = session.execute(apply_filter(stmt, flt)).one()  # one pass
    as_of = latest if isinstance(latest, dt.datetime) else None
    if as_of is None and latest is not None:
        as_of = dt.datetime.fromisoformat(str(latest))
    return Coverage(
        filters=flt.describe(),
        cases=int(total or 0),
        data_as_of=as_of.replace(microsecond=0).isoformat() if as_of else None,
        generated_at=now_text(),
        exchange_rates=rates.describe(),
        demo_cases=int(demo or 0),
        min_n=min_n,
        grouped_by=by,
    )


def _notes(cov: Coverage, groups: Sequence[GroupResult]) -> list[str]:
    notes: list[str] = []
    missing = sum(
        g.stats[n].not_convertible or 0
        for g in groups
        for n in g.stats
        if INDICATOR_BY_NAME[n].money
    )
    if missing:
        notes.append(
            f"Not convertible to EUR: {missing} amounts have no exchange rate for their currency "
            "on the case's date; they are left out of the euro totals and counted in each "
            "total's 'not convertible' figure. Add rates with: procurement rates import FILE.csv"
        )
    if cov.min_n:
        notes.append(
            f"A figure computed from fewer than {cov.min_n} cases is shown as 'insufficient "
            "data' (change the threshold with --min-n)."
        )
    return notes


def _chart_for(kind: str, name: str, groups: list[GroupResult], indicator: str) -> Chart:
    ind = INDICATOR_BY_NAME[indicator]
    if kind == "bar":
        svg = charts.bar_chart(name, groups, ind)
        text = f"{ind.label} per group; each bar shows its n."
    else:
        svg = charts.box_chart(name, groups, ind)
        text = (
            f"Distribution of {ind.label.lower()}: box from first to third quartile, "
            "line at the median, whiskers to min and max."
        )
    return Chart(name=name, title=ind.label, svg=svg, description=text)


COMPARE_CHARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "competition": (("bar", "single_bid_rate"), ("box", "tenders_per_procedure")),
    "speed": (("box", "time_to_award"),),
    "money": (("box", "savings_vs_estimate"), ("box", "cost_overrun")),
    "delivery": (("box", "schedule_delay"), ("bar", "on_time_share")),
    "innovation": (("bar", "innovation_achieved_share"), ("box", "kpi_attainment")),
}


def build_compare(
    *,
    session: Session,
    flt: CaseFilter,
    by: str = "city",
    min_n: int = DEFAULT_MIN_N,
    rates: RateBook | None = None,
    draw: bool = True,
) -> Report:
    """`report compare`: every indicator for each group of ``by``, section by section."""
    if by not in COMPARE_BY:
        raise BadInput(f"cannot compare by '{by}': use one of {', '.join(COMPARE_BY)}")
    rates = rates or RateBook.from_session(session)
    names = [i.name for i in INDICATORS]
    groups, overall = compute_with_overall(
        session=session, flt=flt, by=by, names=names, rates=rates, min_n=min_n
    )
    grouping = GROUPINGS[by]
    cov = coverage(session=session, flt=flt, rates=rates, min_n=min_n, by=by)
    sections: list[Section] = []
    for key, title, section_names in SECTIONS:
        blocks: list[Any] = [
            IndicatorTable(
                name=key,
                title=f"{title} by {grouping.title.lower()}",
                group_title=grouping.title,
                indicators=list(section_names),
                groups=groups,
                overall=overall,
                note=grouping.note,
            )
        ]
        if groups and draw:
            for kind, indicator in COMPARE_CHARTS[key]:
                blocks.append(_chart_for(kind, f"{by}-{indicator}", groups, indicator))
        sections.append(Section(name=key, title=title, blocks=blocks))
    notes = _notes(cov, [overall] if overall else [])  # each case once
    if grouping.note:
        notes.insert(0, grouping.note)
    return Report(
        kind="compare",
        title=f"Comparison by {grouping.title.lower()}",
        slug=f"compare-{by}",
        coverage=cov,
        sections=sections,
        notes=notes,
        glossary=list(INDICATORS),
    )


# ------------------------------------------------------------------------------------- PPP

PPP_INDICATORS = [
    "cost_overrun",
    "schedule_delay",
    "on_time_share",
    "innovation_achieved_share",
    "total_awarded_eur",
]


def _risk_matrix(
    session: Session, flt: CaseFilter, min_n: int, draw: bool
) -> tuple[Table, Chart | None]:
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
            row[f"{side}_share"] = round(alloc.get(side, 0) / n, 4) if ok else None
        rows.append(row)
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
            if r is None:
                values[-1].append(None)
                notes[-1].append("")
            elif r["status"] != CALCULATED:
                values[-1].append(None)
                notes[-1].append(f"({r['n']})")
            else:
                values[-1].append(r["private_share"])
                notes[-1].append(f"{round(r['private_share'] * 100)}%\nn={r['n']}")
    svg = charts.heat_map(
        "risk-heat-map",
        [label(cl.RiskCategory, c) for c in categories],
        models,
        values,
        notes,
        "private share",
    )
    chart = Chart(
        name="risk-heat-map",
        title="Risk allocation heat map",
        svg=svg,
        description="Colour and figure: share of the cases of a PPP model (column, by code) "
        "that allocate the risk to the private partner, with n. Blank cells with (n): too few "
        "cases. The table below gives the public, private and shared shares.",
    )
    return table, chart


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
            Outcome.innovation_achieved,
        )
        .select_from(Case)
        .join(ppp, ppp.case_id == Case.id)
        .outerjoin(Outcome, Outcome.case_id == Case.id)
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
                "cost_overrun": round(float(over), 4) if over is not None else None,
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
        "comparator claimed at award).",
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

    def table(name: str, title: str, by: str, names: list[str], scope: CaseFilter) -> Any:
        groups = compute(session=session, flt=scope, by=by, names=names, rates=rates, min_n=min_n)
        grouping = GROUPINGS[by]
        return groups, IndicatorTable(
            name=name,
            title=title,
            group_title=grouping.title,
            indicators=names,
            groups=groups,
            note=grouping.note,
        )

    delivery_groups, delivery = table(
        "ppp_vs_traditional",
        "PPP against traditional delivery",
        "delivery",
        ["cost_overrun", "schedule_delay", "on_time_share"],
        flt,
    )
    blocks: list[Any] = [delivery]
    if delivery_groups and draw:
        blocks.append(_chart_for("box", "delivery-cost_overrun", delivery_groups, "cost_overrun"))
        blocks.append(
            _chart_for("box", "delivery-schedule_delay", delivery_groups, "schedule_delay")
        )
    sections = [Section("delivery", "PPP against traditional delivery", blocks=blocks)]

    model_groups, by_model = table(
        "by_ppp_model", "By PPP model", "ppp-model", PPP_INDICATORS, ppp_only
    )
    blocks = [by_model]
    if model_groups and draw:
        blocks.append(_chart_for("box", "model-cost_overrun", model_groups, "cost_overrun"))
    sections.append(Section("ppp_model", "By PPP model", blocks=blocks))

    _, by_payment = table(
        "by_payment_mechanism",
        "By payment mechanism",
        "payment-mechanism",
        PPP_INDICATORS,
        ppp_only,
    )
    sections.append(Section("payment", "By payment mechanism", blocks=[by_payment]))

    risk_table, risk_chart = _risk_matrix(session, ppp_only, min_n, draw)
    sections.append(
        Section(
            "risks",
            "Risk allocation",
            blocks=[b for b in (risk_chart, risk_table) if b is not None],
        )
    )
    vfm_table, vfm_chart = _vfm(session, ppp_only, dialect, draw)
    sections.append(
        Section(
            "value_for_money",
            "Value for money: claimed and delivered",
            blocks=[b for b in (vfm_chart, vfm_table) if b is not None],
        )
    )
    status_table, status_chart = _status(session, ppp_only, draw)
    sections.append(
        Section(
            "status",
            "Status distribution",
            blocks=[b for b in (status_chart, status_table) if b is not None],
        )
    )
    used = sorted({"cost_overrun", "schedule_delay", "on_time_share", *PPP_INDICATORS})
    return Report(
        kind="ppp",
        title="Public-private partnerships",
        slug="ppp",
        coverage=cov,
        sections=sections,
        notes=_notes(cov, delivery_groups),  # each case once
        glossary=[i for i in INDICATORS if i.name in used],
    )


# ------------------------------------------------------------------------------ case pages


def _kpi_attainment(kpi: dict[str, Any]) -> float | None:
    achieved, target, baseline = kpi["achieved"], kpi["target"], kpi["baseline"]
    if achieved is None or target is None:
        return None
    if baseline is not None and target != baseline:
        return round(float((achieved - baseline) / (target - baseline)), 4)
    if baseline is None and target != 0:
        return round(float(achieved / target), 4)
    return None


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "not recorded"


def case_page(case: Case, *, rates: RateBook, include_contacts: bool) -> CasePage:
    """The one-page summary of a case."""
    v = case_values(case)
    currency = v["currency"]
    on = case.awarded_on or case.tender_published or case.contract_start
    if on is None and case.created_at is not None:
        on = case.created_at.date()

    def amount(value: Decimal | None) -> str:
        if value is None:
            return "not recorded"
        text = money(value, currency)
        if currency and currency != "EUR":
            converted = rates.to_eur(value, currency, on)
            text += f" (≈ {eur(converted)})" if converted is not None else " (not convertible)"
        return text

    facts = [
        ("City", case.city.name if case.city else v["city"]),
        ("Buyer", v["buyer"] or ""),
        ("Year", str(case.year)),
        ("Status", label(cl.Status, v["status"])),
        ("Sector", label(cl.Sector, v["sector"])),
        ("Category", label(cl.Category, v["category"])),
    ]
    approach = [
        ("Procedure", label(cl.Procedure, v["procedure"])),
        (
            "Innovation approaches",
            ", ".join(label(cl.InnovationApproach, a) for a in v["innovation_approaches"])
            or "none recorded",
        ),
        ("Award criteria", label(cl.AwardCriteria, v["award_criteria"], "not recorded")),
        (
            "Tenders received",
            str(v["tenders_received"] if v["tenders_received"] is not None else "not recorded"),
        ),
        ("Tender published", _date(v["tender_published"])),
        ("Awarded on", _date(v["awarded_on"])),
    ]
    ppp: list[tuple[str, str]] = []
    risks: list[tuple[str, str]] = []
    if case.ppp is not None:
        ppp = [
            ("PPP model", label(cl.PppModel, v["ppp_model"])),
            (
                "Payment mechanism",
                label(cl.PaymentMechanism, v["payment_mechanism"], "not recorded"),
            ),
            ("Duration", f"{v['duration_years']} years" if v["duration_years"] else "not recorded"),
            ("Capital expenditure", amount(v["capex"])),
            (
                "Value for money claimed",
                f"{v['vfm_percent']} %" if v["vfm_percent"] is not None else "not recorded",
            ),
            ("PPP status", label(cl.PppStatus, v["ppp_status"], "not recorded")),
        ]
        risks = [
            (label(cl.RiskCategory, k), label(cl.RiskAllocation, a)) for k, a in v["risks"].items()
        ]
    overrun = None
    if v["final_value"] is not None and v["awarded_value"]:
        overrun = float((v["final_value"] - v["awarded_value"]) / v["awarded_value"])
    delay = None
    if v["completed_on"] and v["contract_end_planned"]:
        delay = (v["completed_on"] - v["contract_end_planned"]).days
    outcome = [
        ("Estimated value", amount(v["estimated_value"])),
        ("Awarded value", amount(v["awarded_value"])),
        ("Final value", amount(v["final_value"])),
        ("Cost overrun", percent(overrun) if overrun is not None else "not known"),
        ("Planned end", _date(v["contract_end_planned"])),
        ("Completed on", _date(v["completed_on"])),
        ("Schedule delay", f"{delay} days" if delay is not None else "not known"),
        (
            "Innovation achieved",
            label(cl.InnovationAchieved, v["innovation_achieved"], "not recorded"),
        ),
        (
            "Satisfaction",
            f"{v['satisfaction']} of 5" if v["satisfaction"] is not None else "not recorded",
        ),
    ]
    kpis = []
    for k in v["kpis"]:
        attainment = _kpi_attainment(k)
        kpis.append(
            {
                "name": k["name"],
                "unit": k["unit"] or "",
                "baseline": k["baseline"],
                "target": k["target"],
                "achieved": k["achieved"],
                "attainment": attainment,
            }
        )
    contact = None
    if include_contacts:
        contact = [
            ("Name", v["contact_name"] or "not recorded"),
            ("E-mail", v["contact_email"] or "not recorded"),
        ]
    data = case_to_dict(case, include_contacts=include_contacts)
    data["cost_overrun"] = round(overrun, 4) if overrun is not None else None
    data["schedule_delay_days"] = delay
    for k, shown in zip(data["kpis"], kpis, strict=True):
        k["attainment"] = shown["attainment"]
    data["fictional"] = case.source_publisher == DEMO_PUBLISHER
    return CasePage(
        reference=case.reference,
        title=case.title,
        facts=facts,
        challenge=v["description"],
        approach=approach,
        ppp=ppp,
        risks=risks,
        outcome=outcome,
        kpis=kpis,
        lessons_learned=v["lessons_learned"],
        best_practice=bool(v["best_practice"]),
        best_practice_rationale=v["best_practice_rationale"],
        contact=contact,
        documents=v["documents"],
        demo=case.source_publisher == DEMO_PUBLISHER,
        data=data,
    )


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
    notes = [] if include_contacts else [_no_contacts_note()]
    return Report(
        kind="best-practice",
        title="Best-practice cases",
        slug="best-practice",
        coverage=cov,
        sections=sections,
        notes=notes,
    )


def _no_contacts_note() -> str:
    return "Contact details are left out (personal data); add --include-contacts to show them."


def build_case(*, session: Session, reference: str, include_contacts: bool = False) -> Report:
    """`report case REF`: the one-page summary of any case."""
    found = get_case(session=session, reference=reference)
    rates = RateBook.from_session(session)
    page = case_page(found, rates=rates, include_contacts=include_contacts)
    updated = found.updated_at
    cov = Coverage(
        filters={"reference": found.reference},
        cases=1,
        data_as_of=updated.replace(microsecond=0).isoformat() if updated else None,
        generated_at=now_text(),
        exchange_rates=rates.describe(),
        demo_cases=1 if page.demo else 0,
    )
    return Report(
        kind="case",
        title=f"{found.reference}: {found.title}",
        slug=f"case-{found.reference}",
        coverage=cov,
        sections=[Section(f"case-{found.reference}", found.title, blocks=[page])],
        notes=[] if include_contacts else [_no_contacts_note()],
    )
