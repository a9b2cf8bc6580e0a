"""Derived indicators, each defined once, computed per group by the database.

Every indicator is a per-case SQL expression (NULL where it does not apply); one aggregate
query per report table counts and averages them per group. Medians and quartiles come from
one numeric column per group, ordered by the database (SQLite has no percentile function).
Amounts are summed per group, currency and date in SQL and converted to euro per sum.

Each result carries ``n`` (the cases it is computed from) and a status: ``calculated``, or
``insufficient-data`` when n is below the threshold (then no value is shown).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Select,
    Subquery,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from procurement import codelists as cl
from procurement.cases import CaseFilter, apply_filter
from procurement.errors import BadInput
from procurement.fx import RateBook
from procurement.models import Case, CaseApproach, City, Kpi, Outcome, PppDetails

DEFAULT_MIN_N = 3
CALCULATED = "calculated"
INSUFFICIENT = "insufficient-data"

Unit = Literal["share", "ratio", "days", "count", "score", "EUR"]
Better = Literal["higher", "lower", "neither"]


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    description: str
    formula: str
    unit: Unit
    better: Better
    quantiles: bool = False
    money: bool = False


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "tenders_per_procedure",
        "Tenders per procedure",
        "Mean number of tenders received per procedure: more tenders, more competition.",
        "mean of tenders_received",
        "count",
        "higher",
        quantiles=True,
    ),
    Indicator(
        "single_bid_rate",
        "Single-bid rate",
        "Share of procedures that received only one tender.",
        "cases with tenders_received = 1 / cases with tenders_received ≥ 1",
        "share",
        "lower",
    ),
    Indicator(
        "sme_win_rate",
        "SME win rate",
        "Share of contracts won by a small or medium-sized enterprise.",
        "cases with winner_is_sme = yes / cases with winner_is_sme recorded",
        "share",
        "higher",
    ),
    Indicator(
        "lowest_price_share",
        "Lowest-price award share",
        "Share of contracts awarded on price alone (no quality or cost criteria).",
        "cases with award_criteria = price-only / cases with award_criteria recorded",
        "share",
        "neither",
    ),
    Indicator(
        "time_to_award",
        "Time to award",
        "Days from publication of the tender to the award decision.",
        "awarded_on − tender_published (days)",
        "days",
        "lower",
        quantiles=True,
    ),
    Indicator(
        "savings_vs_estimate",
        "Savings against estimate",
        "How far the awarded value lies below the estimate (negative: above it).",
        "(estimated_value − awarded_value) / estimated_value",
        "ratio",
        "higher",
        quantiles=True,
    ),
    Indicator(
        "cost_overrun",
        "Cost overrun",
        "How far the final cost exceeds the awarded value (negative: below it).",
        "(final_value − awarded_value) / awarded_value",
        "ratio",
        "lower",
        quantiles=True,
    ),
    Indicator(
        "total_estimated_eur",
        "Total estimated value (EUR)",
        "Sum of estimated values, converted to euro at the rate of each case's date.",
        "Σ estimated_value × EUR rate",
        "EUR",
        "neither",
        money=True,
    ),
    Indicator(
        "total_awarded_eur",
        "Total awarded value (EUR)",
        "Sum of awarded values, converted to euro at the rate of each case's date.",
        "Σ awarded_value × EUR rate",
        "EUR",
        "neither",
        money=True,
    ),
    Indicator(
        "total_final_eur",
        "Total final value (EUR)",
        "Sum of final costs, converted to euro at the rate of each case's date.",
        "Σ final_value × EUR rate",
        "EUR",
        "neither",
        money=True,
    ),
    Indicator(
        "schedule_delay",
        "Schedule delay",
        "Days between the planned contract end and actual completion (negative: early).",
        "completed_on − contract_end_planned (days)",
        "days",
        "lower",
        quantiles=True,
    ),
    Indicator(
        "on_time_share",
        "On-time share",
        "Share of completed cases delivered on or before the planned end.",
        "cases with completed_on ≤ contract_end_planned / cases with both dates",
        "share",
        "higher",
    ),
    Indicator(
        "innovation_achieved_share",
        "Innovation achieved",
        "Share of cases whose outcome says the innovation was achieved (partial counts as not).",
        "cases with innovation_achieved = yes / cases with innovation_achieved recorded",
        "share",
        "higher",
    ),
    Indicator(
        "kpi_attainment",
        "KPI attainment",
        "How far KPIs reached their targets (1 = target met), averaged per case first.",
        "(achieved − baseline) / (target − baseline) when a baseline is given, "
        "else achieved / target; mean over the case's KPIs",
        "ratio",
        "higher",
        quantiles=True,
    ),
    Indicator(
        "satisfaction",
        "Satisfaction",
        "Buyer's satisfaction with the result, 1 (low) to 5 (high).",
        "mean of satisfaction",
        "score",
        "higher",
        quantiles=True,
    ),
)

INDICATOR_BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}

# The sections of `report compare`, each a list of indicator names.
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "competition",
        "Competition",
        ("tenders_per_procedure", "single_bid_rate", "sme_win_rate", "lowest_price_share"),
    ),
    ("speed", "Speed", ("time_to_award",)),
    (
        "money",
        "Money",
        (
            "savings_vs_estimate",
            "cost_overrun",
            "total_estimated_eur",
            "total_awarded_eur",
            "total_final_eur",
        ),
    ),
    ("delivery", "Delivery", ("schedule_delay", "on_time_share")),
    ("innovation", "Innovation", ("innovation_achieved_share", "kpi_attainment", "satisfaction")),
)


@dataclass
class Stat:
    """One indicator for one group."""

    value: float | None
    n: int
    status: str
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    low: float | None = None
    high: float | None = None
    not_convertible: int | None = None

    def as_dict(self, indicator: Indicator) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "n": self.n, "status": self.status}
        if indicator.quantiles:
            data.update(median=self.median, q1=self.q1, q3=self.q3, min=self.low, max=self.high)
        if indicator.money:
            data["not_convertible"] = self.not_convertible
        return data


@dataclass
class GroupResult:
    key: str
    label: str
    cases: int
    stats: dict[str, Stat] = field(default_factory=dict)

    def as_dict(self, names: Sequence[str] | None = None) -> dict[str, Any]:
        shown = list(self.stats) if names is None else [n for n in names if n in self.stats]
        return {
            "key": self.key,
            "label": self.label,
            "cases": self.cases,
            "indicators": {
                name: self.stats[name].as_dict(INDICATOR_BY_NAME[name]) for name in shown
            },
        }


# ------------------------------------------------------------------------------- groupings

NO_APPROACH = "none"
TRADITIONAL = "traditional"
NOT_RECORDED = "not-recorded"
ALL = "all"


@dataclass(frozen=True)
class Grouping:
    name: str
    title: str
    labels: Callable[[Session], dict[str, str]]
    note: str = ""


def _codelist_labels(
    codelist: type[cl.Codelist], **extra: str
) -> Callable[[Session], dict[str, str]]:
    def labels(_session: Session) -> dict[str, str]:
        return {**{m.value: m.label for m in codelist}, **extra}

    return labels


def _city_labels(session: Session) -> dict[str, str]:
    return {
        code: f"{name} ({code})" for code, name in session.execute(select(City.code, City.name))
    }


GROUPINGS: dict[str, Grouping] = {
    "city": Grouping("city", "City", _city_labels),
    "procedure": Grouping("procedure", "Procedure", _codelist_labels(cl.Procedure)),
    "innovation": Grouping(
        "innovation",
        "Innovation approach",
        _codelist_labels(cl.InnovationApproach, **{NO_APPROACH: "No innovation approach recorded"}),
        note="A case with several innovation approaches counts in the group of each of its "
        "approaches, so the groups overlap and their case counts add up to more than the total.",
    ),
    "sector": Grouping("sector", "Sector", _codelist_labels(cl.Sector)),
    "year": Grouping("year", "Year", lambda _s: {}),
    "ppp-model": Grouping(
        "ppp-model",
        "PPP model",
        _codelist_labels(cl.PppModel, **{TRADITIONAL: "Traditional delivery (no PPP)"}),
    ),
    "delivery": Grouping(
        "delivery",
        "Delivery model",
        lambda _s: {"ppp": "Public-private partnership", TRADITIONAL: "Traditional delivery"},
    ),
    "payment-mechanism": Grouping(
        "payment-mechanism",
        "Payment mechanism",
        _codelist_labels(cl.PaymentMechanism, **{NOT_RECORDED: "Not recorded"}),
        note="PPP cases only.",
    ),
    ALL: Grouping(ALL, "All cases", lambda _s: {ALL: "All cases"}),
}
COMPARE_BY = ("city", "procedure", "innovation", "sector", "year", "ppp-model")
SPECIAL_KEYS = (NO_APPROACH, TRADITIONAL, NOT_RECORDED)


def group_subquery(by: str, flt: CaseFilter) -> Subquery:
    """(case_id, key) for every case the filter keeps; a case may sit in several groups."""
    has_ppp = exists().where(PppDetails.case_id == Case.id)
    # An alias, so that the filter's own "has PPP details" subquery still correlates.
    ppp = aliased(PppDetails)
    keys: dict[str, Any] = {
        "city": Case.city_code,
        "procedure": Case.procedure,
        "sector": Case.sector,
        "year": Case.year,
        "innovation": func.coalesce(CaseApproach.approach, NO_APPROACH),
        "ppp-model": func.coalesce(ppp.ppp_model, TRADITIONAL),
        "delivery": case((has_ppp, literal("ppp")), else_=literal(TRADITIONAL)),
        "payment-mechanism": func.coalesce(ppp.payment_mechanism, NOT_RECORDED),
        ALL: literal(ALL),
    }
    if by not in keys:
        raise BadInput(f"cannot group by '{by}': use one of {', '.join(COMPARE_BY)}")
    stmt: Select[Any] = select(Case.id.label("case_id"), keys[by].label("grp_key"))
    if by == "innovation":
        stmt = stmt.outerjoin(CaseApproach, CaseApproach.case_id == Case.id)
    elif by == "ppp-model":
        stmt = stmt.outerjoin(ppp, ppp.case_id == Case.id)
    elif by == "payment-mechanism":
        stmt = stmt.join(ppp, ppp.case_id == Case.id)
    return apply_filter(stmt, flt).subquery("grp")


def _key_text(key: Any) -> str:
    return str(key)


# ---------------------------------------------------------------------- per-case expressions


def _num(column: Any) -> ColumnElement[float]:
    return cast(column, Float)


def days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    """``later − earlier`` in days, portably (SQLite stores dates as text)."""
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Float)
    return cast(later - earlier, Float)


def _share(condition: ColumnElement[bool], applies: ColumnElement[bool]) -> ColumnElement[float]:
    return case((and_(applies, condition), 1.0), (applies, 0.0), else_=None)


def kpi_attainment_subquery() -> Subquery:
    """Mean attainment of each case's KPIs that have a target and an achieved value."""
    baseline, target, achieved = _num(Kpi.baseline), _num(Kpi.target), _num(Kpi.achieved)
    with_baseline = and_(Kpi.baseline.is_not(None), Kpi.target != Kpi.baseline)
    attainment = case(
        (
            and_(Kpi.achieved.is_not(None), with_baseline),
            (achieved - baseline) / (target - baseline),
        ),
        (
            and_(Kpi.achieved.is_not(None), Kpi.baseline.is_(None), Kpi.target != 0),
            achieved / target,
        ),
        else_=None,
    )
    return (
        select(Kpi.case_id.label("case_id"), func.avg(attainment).label("attainment"))
        .where(Kpi.target.is_not(None))
        .group_by(Kpi.case_id)
        .subquery("kpi_case")
    )


def value_expressions(dialect: str, kpi: Subquery) -> dict[str, ColumnElement[float]]:
    """Each non-money indicator as a per-case SQL value (NULL where it does not apply)."""
    est, awd, fin = Case.estimated_value, Case.awarded_value, Case.final_value
    done, planned = Case.completed_on, Case.contract_end_planned
    both_dates = and_(done.is_not(None), planned.is_not(None))
    return {
        "tenders_per_procedure": _num(Case.tenders_received),
        "single_bid_rate": _share(Case.tenders_received == 1, Case.tenders_received >= 1),
        "sme_win_rate": _share(Case.winner_is_sme.is_(True), Case.winner_is_sme.is_not(None)),
        "lowest_price_share": _share(
            Case.award_criteria == cl.AwardCriteria.PRICE_ONLY.value,
            Case.award_criteria.is_not(None),
        ),
        "time_to_award": case(
            (
                and_(Case.awarded_on.is_not(None), Case.tender_published.is_not(None)),
                days_between(Case.awarded_on, Case.tender_published, dialect),
            ),
            else_=None,
        ),
        "savings_vs_estimate": case(
            (and_(est > 0, awd.is_not(None)), (_num(est) - _num(awd)) / _num(est)), else_=None
        ),
        "cost_overrun": case(
            (and_(awd > 0, fin.is_not(None)), (_num(fin) - _num(awd)) / _num(awd)), else_=None
        ),
        "schedule_delay": case((both_dates, days_between(done, planned, dialect)), else_=None),
        "on_time_share": _share(done <= planned, both_dates),
        "innovation_achieved_share": _share(
            Outcome.innovation_achieved == cl.InnovationAchieved.YES.value,
            Outcome.innovation_achieved.is_not(None),
        ),
        "kpi_attainment": _num(kpi.c.attainment),
        "satisfaction": _num(Outcome.satisfaction),
    }


def case_date() -> ColumnElement[dt.date]:
    """The date whose exchange rate converts a case's amounts (see procurement.fx)."""
    return type_coerce(
        func.coalesce(
            Case.awarded_on, Case.tender_published, Case.contract_start, func.date(Case.created_at)
        ),
        Date,
    )


# ---------------------------------------------------------------------------- computation


def _quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def _rounded(value: float | None, unit: Unit) -> float | None:
    if value is None:
        return None
    return round(value, 2 if unit == "EUR" else 4)


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def compute(
    *,
    session: Session,
    flt: CaseFilter,
    by: str,
    names: Sequence[str],
    rates: RateBook,
    min_n: int = DEFAULT_MIN_N,
) -> list[GroupResult]:
    """The indicators ``names`` for each group of ``by`` among the cases the filter keeps."""
    if min_n < 1:
        raise BadInput("--min-n must be at least 1")
    unknown = [n for n in names if n not in INDICATOR_BY_NAME]
    if unknown:
        raise BadInput(f"unknown indicator(s): {', '.join(unknown)}")
    grouping = GROUPINGS.get(by)
    if grouping is None:
        raise BadInput(f"cannot group by '{by}': use one of {', '.join(COMPARE_BY)}")
    dialect = session.get_bind().dialect.name
    grp = group_subquery(by, flt)
    kpi = kpi_attainment_subquery()
    exprs = value_expressions(dialect, kpi)
    plain = [n for n in names if not INDICATOR_BY_NAME[n].money]
    money = [n for n in names if INDICATOR_BY_NAME[n].money]

    per_case = (
        select(grp.c.grp_key, grp.c.case_id, *[exprs[n].label(n) for n in plain])
        .select_from(grp)
        .join(Case, Case.id == grp.c.case_id)
        .outerjoin(Outcome, Outcome.case_id == Case.id)
        .outerjoin(kpi, kpi.c.case_id == Case.id)
        .subquery("per_case")
    )
    columns: list[Any] = [per_case.c.grp_key, func.count(func.distinct(per_case.c.case_id))]
    for name in plain:
        columns += [func.count(per_case.c[name]), func.avg(per_case.c[name])]
    rows = session.execute(select(*columns).group_by(per_case.c.grp_key)).all()

    labels = grouping.labels(session)
    results: dict[str, GroupResult] = {}
    for row in rows:
        key = _key_text(row[0])
        result = GroupResult(key=key, label=labels.get(key, key), cases=int(row[1]))
        for i, name in enumerate(plain):
            count, mean = int(row[2 + 2 * i]), row[3 + 2 * i]
            ok = count >= min_n
            result.stats[name] = Stat(
                value=_rounded(float(mean), INDICATOR_BY_NAME[name].unit)
                if ok and mean is not None
                else None,
                n=count,
                status=CALCULATED if ok else INSUFFICIENT,
            )
        results[key] = result

    for name in plain:
        indicator = INDICATOR_BY_NAME[name]
        if not indicator.quantiles:
            continue
        col = per_case.c[name]
        values: dict[str, list[float]] = defaultdict(list)
        stmt = (
            select(per_case.c.grp_key, col)
            .where(col.is_not(None))
            .order_by(per_case.c.grp_key, col)
        )
        for key, value in session.execute(stmt):
            values[_key_text(key)].append(float(value))
        for key, series in values.items():
            stat = results[key].stats[name]
            if stat.status == CALCULATED:
                q1, median, q3 = _quartiles(series)
                unit = indicator.unit
                stat.q1, stat.median, stat.q3 = (
                    _rounded(q1, unit),
                    _rounded(median, unit),
                    _rounded(q3, unit),
                )
                stat.low, stat.high = _rounded(series[0], unit), _rounded(series[-1], unit)

    if money:
        _money(session, grp, money, rates, min_n, results)

    special = {k: i for i, k in enumerate(SPECIAL_KEYS)}

    def order(r: GroupResult) -> tuple[int, str]:
        return (special.get(r.key, -1), r.key)

    return sorted(results.values(), key=order)


MONEY_COLUMNS = {
    "total_estimated_eur": Case.estimated_value,
    "total_awarded_eur": Case.awarded_value,
    "total_final_eur": Case.final_value,
}


def _money(
    session: Session,
    grp: Subquery,
    names: Sequence[str],
    rates: RateBook,
    min_n: int,
    results: dict[str, GroupResult],
) -> None:
    """Sum amounts per group, currency and date in SQL; convert each sum to euro."""
    day = case_date().label("day")
    columns: list[Any] = [grp.c.grp_key, Case.currency, day]
    for name in names:
        columns += [func.sum(MONEY_COLUMNS[name]), func.count(MONEY_COLUMNS[name])]
    stmt = (
        select(*columns)
        .select_from(grp)
        .join(Case, Case.id == grp.c.case_id)
        .where(Case.currency.is_not(None))
        .group_by(grp.c.grp_key, Case.currency, day)
    )
    totals: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [Decimal(0), 0, 0])
    for row in session.execute(stmt):
        key, currency, on = _key_text(row[0]), row[1], _as_date(row[2])
        for i, name in enumerate(names):
            amount, count = row[3 + 2 * i], int(row[4 + 2 * i])
            if not count:
                continue
            acc = totals[(key, name)]
            eur = rates.to_eur(Decimal(amount), currency, on)
            if eur is None:
                acc[2] += count
            else:
                acc[0] += eur
                acc[1] += count
    for key, result in results.items():
        for name in names:
            total, n, missing = totals.get((key, name), [Decimal(0), 0, 0])
            ok = n >= min_n
            result.stats[name] = Stat(
                value=_rounded(float(total), "EUR") if ok else None,
                n=n,
                status=CALCULATED if ok else INSUFFICIENT,
                not_convertible=missing,
            )
