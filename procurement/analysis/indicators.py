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
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    Subquery,
    Text,
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

from procurement.analysis.fx import RateBook
from procurement.cases.query import CaseFilter, apply_filter
from procurement.core import codelists as cl
from procurement.core.errors import BadInput
from procurement.storage.engine import read_alongside
from procurement.storage.models import Case, CaseApproach, City, Kpi, Outcome, PppDetails

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


def grouping_key(by: str) -> tuple[ColumnElement[Any], Callable[[Select[Any]], Select[Any]]]:
    """The group key of ``by`` over ``Case``, and what a statement over ``Case`` must join for it.

    Every grouping puts a case at most once in each group (one row per case and group).
    """
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

    def joins(stmt: Select[Any]) -> Select[Any]:
        if by == "innovation":
            return stmt.outerjoin(CaseApproach, CaseApproach.case_id == Case.id)
        if by == "ppp-model":
            return stmt.outerjoin(ppp, ppp.case_id == Case.id)
        if by == "payment-mechanism":
            return stmt.join(ppp, ppp.case_id == Case.id)
        return stmt

    return keys[by], joins


def group_subquery(by: str, flt: CaseFilter) -> Subquery:
    """(case_id, key) for every case the filter keeps; a case may sit in several groups."""
    key, joins = grouping_key(by)
    stmt: Select[Any] = select(Case.id.label("case_id"), key.label("grp_key")).select_from(Case)
    return apply_filter(joins(stmt), flt).subquery("grp")


# Groupings that put every case in exactly one group: the whole is the union of the groups.
PARTITIONS = frozenset({"city", "procedure", "sector", "year", "ppp-model", "delivery", ALL})


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
    """The date whose exchange rate converts a case's amounts (see procurement.analysis.fx)."""
    return type_coerce(
        func.coalesce(
            Case.awarded_on, Case.tender_published, Case.contract_start, func.date(Case.created_at)
        ),
        Date,
    )


# ---------------------------------------------------------------------------- computation
#
# One aggregate query per report table reads every case once: per group, the number of cases
# and, for each indicator, its n and sum (the mean is sum / n, as the database's avg computes
# it). For the indicators with quartiles, the same query returns each group's values as one
# comma-separated text (group_concat / string_agg): reading them is far cheaper than one row
# per case, and the quartiles are then picked from the values in memory. Ratios travel as
# their two amounts and are divided in memory exactly as the database divides them, so no
# digit is lost in the text. Money is summed per group, currency and date (the rate's date);
# each sum is converted once. When the groups cover every case once (a partition), the
# overall figures are put together from the groups' sums, values and money sums.

FloatArray = npt.NDArray[np.float64]


def quartile_positions(n: int) -> list[int]:
    """Positions (0-based, in sorted order) of the values :func:`quartiles_of_sorted` reads."""
    if n == 1:
        return [0]
    m = n - 1
    needed = {0, m}
    for i in (1, 2, 3):
        j = i * m // 4  # below m, so j + 1 is a position too
        needed.update((j, j + 1))
    return sorted(needed)


def quartiles_of_sorted(at: Callable[[int], float], n: int) -> tuple[float, float, float]:
    """``statistics.quantiles(values, n=4, method="inclusive")`` of n sorted values read by
    position with ``at`` (only the positions of :func:`quartile_positions` are read)."""
    if n == 1:
        return at(0), at(0), at(0)
    m = n - 1
    result: list[float] = []
    for i in (1, 2, 3):
        j, delta = divmod(i * m, 4)
        result.append((at(j) * (4 - delta) + at(j + 1) * delta) / 4)
    return result[0], result[1], result[2]


def quantile_summary(values: FloatArray) -> tuple[float, float, float, float, float]:
    """(min, q1, median, q3, max) of unsorted values (at least one), by the inclusive method of
    ``statistics.quantiles``, without sorting them all: only the positions needed are selected."""
    n = int(values.size)
    positions = quartile_positions(n)
    picked = np.partition(values, positions)
    chosen = {p: float(picked[p]) for p in positions}
    q1, median, q3 = quartiles_of_sorted(chosen.__getitem__, n)
    return chosen[0], q1, median, q3, chosen[n - 1]


def _rounded(value: float | None, unit: Unit) -> float | None:
    if value is None:
        return None
    return round(value, 2 if unit == "EUR" else 4)


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _concat(expr: ColumnElement[Any], dialect: str) -> ColumnElement[str]:
    """All non-null values of ``expr`` in the group, as one comma-separated text."""
    if dialect == "sqlite":
        return func.group_concat(expr, literal(","), type_=Text)
    return func.string_agg(cast(expr, Text), literal(","), type_=Text)


def _parse(text: str | None) -> FloatArray:
    if not text:
        return np.empty(0, dtype=np.float64)
    return np.fromstring(text, dtype=np.float64, sep=",")


def _first(parts: list[FloatArray]) -> FloatArray:
    return parts[0]


def _savings(parts: list[FloatArray]) -> FloatArray:
    """(estimated − awarded) / estimated, as the database computes it in floating point."""
    estimated, awarded = parts
    return (estimated - awarded) / estimated


def _overrun(parts: list[FloatArray]) -> FloatArray:
    """(final − awarded) / awarded, as the database computes it in floating point."""
    final, awarded = parts
    return (final - awarded) / awarded


@dataclass(frozen=True)
class _Series:
    """How one indicator's per-case values travel as texts: its parts and how to combine them.

    No parts: the indicator's own per-case value travels (its text is exact: whole numbers)."""

    parts: tuple[Any, ...]  # SQL expressions
    combine: Callable[[list[FloatArray]], FloatArray]


def _series(dialect: str, exprs: dict[str, ColumnElement[float]]) -> dict[str, _Series]:
    """The quantile indicators read as texts (KPI attainment, a mean per case, is read as is)."""
    est, awd, fin = Case.estimated_value, Case.awarded_value, Case.final_value
    savings = and_(est > 0, awd.is_not(None))
    overrun = and_(awd > 0, fin.is_not(None))

    def when(condition: ColumnElement[bool], column: Any) -> ColumnElement[Any]:
        return case((condition, column), else_=None)

    return {
        "tenders_per_procedure": _Series((), _first),
        "time_to_award": _Series((), _first),  # whole days
        "schedule_delay": _Series((), _first),
        "satisfaction": _Series((), _first),
        # value_expressions: (est − awd) / est and (fin − awd) / awd, in floating point
        "savings_vs_estimate": _Series((when(savings, est), when(savings, awd)), _savings),
        "cost_overrun": _Series((when(overrun, fin), when(overrun, awd)), _overrun),
    }


@dataclass
class _Partial:
    """What the aggregate query gives for one group, before statuses and rounding."""

    key: str
    cases: int
    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)
    values: dict[str, FloatArray] = field(default_factory=dict)


def _merge(key: str, partials: Sequence[_Partial], names: Sequence[str]) -> _Partial:
    """The groups' partials added up. Their values move into the whole (the groups' own
    statistics are computed before): memory holds each value once."""
    whole = _Partial(key=key, cases=sum(p.cases for p in partials))
    for name in names:
        whole.counts[name] = sum(p.counts[name] for p in partials)
        whole.sums[name] = sum(p.sums[name] for p in partials)
        arrays = [p.values.pop(name) for p in partials if name in p.values]
        if arrays:
            whole.values[name] = np.concatenate(arrays)
    return whole


def _aggregate(
    session: Session, flt: CaseFilter, by: str, names: Sequence[str], dialect: str
) -> list[_Partial]:
    """One pass over the cases: per group, n and sum of each indicator, and quantile values."""
    key, joins = grouping_key(by)
    kpi = kpi_attainment_subquery()
    exprs = value_expressions(dialect, kpi)
    series = _series(dialect, exprs)
    needs_outcome = any(n in ("innovation_achieved_share", "satisfaction") for n in names)
    needs_kpi = "kpi_attainment" in names

    inner: list[Any] = [key.label("grp_key")]
    for name in names:
        inner.append(exprs[name].label(name))
        if INDICATOR_BY_NAME[name].quantiles and name in series:
            for i, part in enumerate(series[name].parts):
                inner.append(part.label(f"{name}__{i}"))
    stmt: Select[Any] = joins(select(*inner).select_from(Case))
    if needs_outcome:
        stmt = stmt.outerjoin(Outcome, Outcome.case_id == Case.id)
    if needs_kpi:
        stmt = stmt.outerjoin(kpi, kpi.c.case_id == Case.id)
    stmt = apply_filter(stmt, flt)
    if dialect == "sqlite":
        # A subquery with a LIMIT is not merged into the outer query, so each per-case
        # expression is evaluated once (not once per aggregate) and the table is read in
        # storage order; -1 means no limit.
        stmt = stmt.limit(-1)
    per_case = stmt.subquery("per_case")

    columns: list[Any] = [per_case.c.grp_key, func.count()]
    texts: list[tuple[str, int]] = []
    for name in names:
        columns += [func.count(per_case.c[name]), func.sum(per_case.c[name])]
    for name in names:
        if INDICATOR_BY_NAME[name].quantiles and name in series:
            if not series[name].parts:
                columns.append(_concat(per_case.c[name], dialect))
                texts.append((name, 0))
            for i in range(len(series[name].parts)):
                columns.append(_concat(per_case.c[f"{name}__{i}"], dialect))
                texts.append((name, i))
    query = select(*columns).group_by(per_case.c.grp_key)

    partials: dict[str, _Partial] = {}
    connection = session.connection()
    if dialect != "sqlite":
        # A server-side cursor for this statement only: one group's texts in memory at a
        # time. (SQLite hands rows over one by one anyway.) Set on the statement, not the
        # connection, which the session's later queries share.
        query = query.execution_options(stream_results=True, yield_per=1)
        # ... planned for reading every row, not for the first ones (a cursor's default)
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    for row in connection.execute(query):
        partial = _Partial(key=_key_text(row[0]), cases=int(row[1]))
        for i, name in enumerate(names):
            partial.counts[name] = int(row[2 + 2 * i])
            total = row[3 + 2 * i]
            partial.sums[name] = float(total) if total is not None else 0.0
        offset = 2 + 2 * len(names)
        parts: dict[str, list[FloatArray]] = defaultdict(list)
        for j, (name, _i) in enumerate(texts):
            parts[name].append(_parse(row[offset + j]))
        for name, arrays in parts.items():
            partial.values[name] = series[name].combine(arrays)
        partials[partial.key] = partial

    if needs_kpi and INDICATOR_BY_NAME["kpi_attainment"].quantiles:
        # Few cases have KPIs: their per-case means come as numbers, one row per case.
        kpi_stmt: Select[Any] = joins(
            select(key.label("grp_key"), _num(kpi.c.attainment))
            .select_from(Case)
            .join(kpi, kpi.c.case_id == Case.id)
        ).where(kpi.c.attainment.is_not(None))
        collected: dict[str, list[float]] = defaultdict(list)
        for grp_key, value in connection.execute(apply_filter(kpi_stmt, flt)):
            collected[_key_text(grp_key)].append(float(value))
        for partial in partials.values():
            partial.values["kpi_attainment"] = np.array(
                collected.get(partial.key, ()), dtype=np.float64
            )
    return list(partials.values())


def _finish(partial: _Partial, label: str, names: Sequence[str], min_n: int) -> GroupResult:
    result = GroupResult(key=partial.key, label=label, cases=partial.cases)
    for name in names:
        indicator = INDICATOR_BY_NAME[name]
        count = partial.counts[name]
        ok = count >= min_n
        stat = Stat(
            value=_rounded(partial.sums[name] / count, indicator.unit) if ok else None,
            n=count,
            status=CALCULATED if ok else INSUFFICIENT,
        )
        values = partial.values.get(name)
        if indicator.quantiles and ok and values is not None and values.size:
            low, q1, median, q3, high = quantile_summary(values)
            unit = indicator.unit
            stat.q1, stat.median, stat.q3 = (
                _rounded(q1, unit),
                _rounded(median, unit),
                _rounded(q3, unit),
            )
            stat.low, stat.high = _rounded(low, unit), _rounded(high, unit)
        result.stats[name] = stat
    return result


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
    groups, _overall = _compute(session, flt, by, names, rates, min_n, overall=False)
    return groups


def compute_with_overall(
    *,
    session: Session,
    flt: CaseFilter,
    by: str,
    names: Sequence[str],
    rates: RateBook,
    min_n: int = DEFAULT_MIN_N,
) -> tuple[list[GroupResult], GroupResult | None]:
    """:func:`compute`, and the same indicators over all the cases the filter keeps (None when
    it keeps none). Read in the same pass when the groups cover every case once."""
    return _compute(session, flt, by, names, rates, min_n, overall=True)


def _compute(
    session: Session,
    flt: CaseFilter,
    by: str,
    names: Sequence[str],
    rates: RateBook,
    min_n: int,
    *,
    overall: bool,
) -> tuple[list[GroupResult], GroupResult | None]:
    if min_n < 1:
        raise BadInput("--min-n must be at least 1")
    unknown = [n for n in names if n not in INDICATOR_BY_NAME]
    if unknown:
        raise BadInput(f"unknown indicator(s): {', '.join(unknown)}")
    grouping = GROUPINGS.get(by)
    if grouping is None:
        raise BadInput(f"cannot group by '{by}': use one of {', '.join(COMPARE_BY)}")
    dialect = session.get_bind().dialect.name
    plain = [n for n in names if not INDICATOR_BY_NAME[n].money]
    money = [n for n in names if INDICATOR_BY_NAME[n].money]
    derive = overall and by in PARTITIONS and by != ALL

    # the amounts are read on a second connection while this one reads the indicators
    amounts = read_alongside(session, _money_statement(flt, by, money, dialect)) if money else None
    try:
        partials = _aggregate(session, flt, by, plain, dialect)
        labels = grouping.labels(session)
        results = {p.key: _finish(p, labels.get(p.key, p.key), plain, min_n) for p in partials}
        whole: GroupResult | None = None
        if derive and partials:
            whole = _finish(_merge(ALL, partials, plain), "All cases", plain, min_n)
        del partials  # every value read: freed before the amounts and any second pass
        if amounts is not None:
            _money(amounts.rows(), money, dialect, rates, min_n, results, whole)
    finally:
        if amounts is not None:
            amounts.close()

    special = {k: i for i, k in enumerate(SPECIAL_KEYS)}

    def order(r: GroupResult) -> tuple[int, str]:
        return (special.get(r.key, -1), r.key)

    groups = sorted(results.values(), key=order)
    if overall and not derive:
        if by == ALL:
            whole = groups[0] if groups else None
        else:
            # A case may be in several groups: the all-cases row needs a pass of its own. It is
            # read as the sum of a partition (by city), so that no single group holds every
            # value at once (memory), and comes out the same as a pass over all cases.
            _, whole = _compute(session, flt, "city", names, rates, min_n, overall=True)
    return groups, whole


_WHOLE = "\0whole"  # key of the totals over all groups (no group key looks like it)
MONEY_COLUMNS = {
    "total_estimated_eur": Case.estimated_value,
    "total_awarded_eur": Case.awarded_value,
    "total_final_eur": Case.final_value,
}


def _money_statement(flt: CaseFilter, by: str, names: Sequence[str], dialect: str) -> Select[Any]:
    """Amounts summed exactly per group, currency and date (euro amounts need no date)."""
    key, joins = grouping_key(by)
    day = case((Case.currency == "EUR", None), else_=case_date()).label("day")
    columns: list[Any] = [key.label("grp_key"), Case.currency, day]
    for name in names:
        column = MONEY_COLUMNS[name]
        if dialect == "sqlite":
            # SQLite stores amounts as floating point; summing whole cents as integers keeps
            # every cent (amounts have two decimals) however many amounts are added.
            total: Any = func.sum(cast(func.round(column * 100), Integer))
        else:
            total = func.sum(column)
        columns += [total, func.count(column)]
    stmt: Select[Any] = joins(select(*columns).select_from(Case)).where(Case.currency.is_not(None))
    return apply_filter(stmt, flt).group_by(key, Case.currency, day)


def _money(
    rows: Iterable[Any],
    names: Sequence[str],
    dialect: str,
    rates: RateBook,
    min_n: int,
    results: dict[str, GroupResult],
    whole: GroupResult | None,
) -> None:
    """Euro totals from the rows of :func:`_money_statement`: each sum converted once; what
    has no rate is counted as not convertible.

    ``whole``, when given, gets the totals over all groups: the sums of each currency and
    date added up across the groups, then converted.
    """
    cents = Decimal("0.01")
    width = len(names)
    # (group, indicator) -> [euro total, n converted, n not convertible]
    totals: dict[tuple[str, int], list[Any]] = defaultdict(lambda: [Decimal(0), 0, 0])
    units_of: dict[tuple[str, dt.date | None], Decimal | None] = {}
    # (currency, date) -> [sum, count] per indicator, for the whole
    across: dict[tuple[str, dt.date | None], list[list[Any]]] = {}

    def add(group: str, currency: str, on: dt.date | None, i: int, amount: Decimal, n: int) -> None:
        if (currency, on) in units_of:
            units = units_of[(currency, on)]
        else:
            units = units_of[(currency, on)] = rates.units_per_eur(currency, on)
        acc = totals[(group, i)]
        if units is None:
            acc[2] += n
        else:
            acc[0] += amount if currency == "EUR" else amount / units  # as RateBook.to_eur
            acc[1] += n

    for row in rows:
        group, currency, on = _key_text(row[0]), row[1], _as_date(row[2])
        for i in range(width):
            count = int(row[4 + 2 * i])
            if not count:
                continue
            value = row[3 + 2 * i]
            amount = Decimal(int(value)) * cents if dialect == "sqlite" else Decimal(value)
            add(group, currency, on, i, amount, count)
            if whole is not None:
                pair = across.setdefault((currency, on), [[Decimal(0), 0] for _ in names])
                pair[i][0] += amount
                pair[i][1] += count
    for (currency, on), pairs in across.items():
        for i, (amount, count) in enumerate(pairs):
            if count:
                add(_WHOLE, currency, on, i, amount, count)

    targets = dict(results)
    if whole is not None:
        targets[_WHOLE] = whole
    for group, result in targets.items():
        for i, name in enumerate(names):
            total, n, missing = totals.get((group, i), [Decimal(0), 0, 0])
            ok = n >= min_n
            result.stats[name] = Stat(
                value=_rounded(float(total), "EUR") if ok else None,
                n=n,
                status=CALCULATED if ok else INSUFFICIENT,
                not_convertible=missing,
            )
