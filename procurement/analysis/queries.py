"""The indicators' SQL: the group key of each grouping, each indicator as a per-case expression
(NULL where it does not apply), and the one aggregate query per report table that reads them.

The aggregate query reads every case once: per group, the number of cases and, for each
indicator, its n and sum (the mean is sum / n, as the database's avg computes it). For the
indicators with quartiles, the same query returns each group's values as one comma-separated
text (group_concat / string_agg): reading them is far cheaper than one row per case, and the
quartiles are then picked from the values in memory. Ratios travel as their two amounts and are
divided in memory exactly as the database divides them, so no digit is lost in the text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Date,
    Double,
    Integer,
    Select,
    String,
    Subquery,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased

from procurement.analysis.catalogue import (
    ALL,
    COMPARE_BY,
    DECISION_TOO_LONG,
    DECISION_TOO_SHORT,
    INDICATOR_BY_NAME,
    LEFT_OUT_REASON,
    NO_APPROACH,
    NOT_RECORDED,
    OVER,
    TRADITIONAL,
)
from procurement.analysis.engine import Scans
from procurement.analysis.statistics import (
    FloatArray,
    Partial,
)
from procurement.cases.query import CaseFilter, apply_filter
from procurement.core import codelists as cl
from procurement.core.errors import BadInput
from procurement.storage.models import Case, CaseApproach, Kpi, Outcome, PppDetails

GroupJoins = Callable[[Select[Any]], Select[Any]]

# The outcome joined to the cases, under an alias of its own: the filter's own subqueries over
# ``outcomes`` (--search, --best-practice) must still correlate to the case, not to this join.
# Only outcomes that record what the indicators read (a case without one counts as having
# none, as before): fewer rows to join, and a planner without statistics (DuckDB reading a
# SQLite file) then hashes the outcomes rather than the cases.
CaseOutcome = aliased(
    Outcome,
    select(Outcome.case_id, Outcome.innovation_achieved, Outcome.satisfaction)
    .where(or_(Outcome.innovation_achieved.is_not(None), Outcome.satisfaction.is_not(None)))
    .subquery("case_outcome"),
)

DELIVERED = Case.status == cl.Status.COMPLETED.value
PAST_AWARD = (
    cl.Status.AWARDED.value,
    cl.Status.IMPLEMENTATION.value,
    cl.Status.COMPLETED.value,
)
OUTCOME_INDICATORS = frozenset(
    {"innovation_achieved_share", "satisfaction", "outcome_recorded_share"}
)


def grouping_key(by: str) -> tuple[ColumnElement[Any], GroupJoins]:
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
    base, _, over = by.partition(OVER)
    if over == "year" and base in keys and base not in ("year", ALL):
        # each group over the years: "HEL/2024" (trends)
        keys[by] = cast(keys[base], String) + literal(OVER) + cast(Case.year, String)
        by = base
        key_of_by = keys[f"{base}{OVER}year"]
    elif by not in keys:
        raise BadInput(f"cannot group by '{by}': use one of {', '.join(COMPARE_BY)}")
    else:
        key_of_by = keys[by]

    def joins(stmt: Select[Any]) -> Select[Any]:
        if by == "innovation":
            return stmt.outerjoin(CaseApproach, CaseApproach.case_id == Case.id)
        if by == "ppp-model":
            return stmt.outerjoin(ppp, ppp.case_id == Case.id)
        if by == "payment-mechanism":
            return stmt.join(ppp, ppp.case_id == Case.id)
        return stmt

    return key_of_by, joins


def key_text(key: Any) -> str:
    """A group key as the text that names the group."""
    return str(key)


# ---------------------------------------------------------------------- per-case expressions


def _num(column: Any) -> ColumnElement[float]:
    return cast(column, Double)


def days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    """``later − earlier`` in days, portably (SQLite stores dates as text)."""
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Double)
    return cast(later - earlier, Double)


def _share(condition: ColumnElement[bool], applies: ColumnElement[bool]) -> ColumnElement[float]:
    return case((and_(applies, condition), 1.0), (applies, 0.0), else_=None)


def kpi_attainment_subquery() -> Subquery:
    """Per case with KPIs: the mean attainment of its KPIs that can be scored, and how many
    KPIs it has.

    A KPI is scored from its baseline, target and achieved value: (achieved − baseline) /
    (target − baseline). Its direction is that of the target from the baseline (a target below
    the baseline: lower is better), so 1 means the target is met either way. A KPI that says
    which direction is better (``lower_is_better``) but has no baseline, or a target equal to
    its baseline, is scored against its target alone: achieved / target when higher is better,
    target / achieved when lower is better (emissions 40 t against a target of 50 t: 1.25).
    A KPI without an achieved value or target, or without a baseline and a direction, says
    nothing about its progress: it cannot be scored, and is counted as such, never guessed.
    (:func:`procurement.reporting.case_page` scores one KPI the same way.)"""
    baseline, target, achieved = _num(Kpi.baseline), _num(Kpi.target), _num(Kpi.achieved)
    measured = and_(Kpi.achieved.is_not(None), Kpi.target.is_not(None))
    from_baseline = and_(measured, Kpi.baseline.is_not(None), Kpi.target != Kpi.baseline)
    attainment = case(
        (from_baseline, (achieved - baseline) / (target - baseline)),
        (and_(measured, Kpi.lower_is_better.is_(True), Kpi.achieved > 0), target / achieved),
        (and_(measured, Kpi.lower_is_better.is_(False), Kpi.target > 0), achieved / target),
        else_=None,
    )
    return (
        select(
            Kpi.case_id.label("case_id"),
            func.avg(attainment).label("attainment"),
            func.count().label("kpis"),
        )
        .group_by(Kpi.case_id)
        .subquery("kpi_case")
    )


def left_out_expressions() -> dict[str, ColumnElement[bool]]:
    """Per indicator of delivery: the cases that have its value but are left out (not
    completed), see :data:`LEFT_OUT_REASON`."""
    awd, fin = Case.awarded_value, Case.final_value
    done, planned = Case.completed_on, Case.contract_end_planned
    not_done = Case.status != cl.Status.COMPLETED.value
    dates = and_(done.is_not(None), planned.is_not(None), not_done)
    return {
        "cost_overrun": and_(awd > 0, fin.is_not(None), not_done),
        "schedule_delay": dates,
        "on_time_share": dates,
        "total_final_eur": and_(fin.is_not(None), not_done),
    }


def value_expressions(dialect: str, kpi: Subquery) -> dict[str, ColumnElement[float]]:
    """Each non-money indicator as a per-case SQL value (NULL where it does not apply)."""
    est, awd, fin = Case.estimated_value, Case.awarded_value, Case.final_value
    done, planned = Case.completed_on, Case.contract_end_planned
    both_dates = and_(done.is_not(None), planned.is_not(None), DELIVERED)
    award_dates = and_(Case.awarded_on.is_not(None), Case.tender_published.is_not(None))
    award_days = days_between(Case.awarded_on, Case.tender_published, dialect)
    return {
        "tenders_per_procedure": _num(Case.tenders_received),
        "single_bid_rate": _share(Case.tenders_received == 1, Case.tenders_received >= 1),
        "sme_win_rate": _share(Case.winner_is_sme.is_(True), Case.winner_is_sme.is_not(None)),
        "lowest_price_share": _share(
            Case.award_criteria == cl.AwardCriteria.PRICE_ONLY.value,
            Case.award_criteria.is_not(None),
        ),
        "time_to_award": case((award_dates, award_days), else_=None),
        "savings_vs_estimate": case(
            (and_(est > 0, awd.is_not(None)), (_num(est) - _num(awd)) / _num(est)), else_=None
        ),
        "cost_overrun": case(
            (and_(awd > 0, fin.is_not(None), DELIVERED), (_num(fin) - _num(awd)) / _num(awd)),
            else_=None,
        ),
        "schedule_delay": case((both_dates, days_between(done, planned, dialect)), else_=None),
        "on_time_share": _share(done <= planned, both_dates),
        "innovation_achieved_share": _share(
            CaseOutcome.innovation_achieved == cl.InnovationAchieved.YES.value,
            CaseOutcome.innovation_achieved.is_not(None),
        ),
        "kpi_attainment": _num(kpi.c.attainment),
        "satisfaction": _num(CaseOutcome.satisfaction),
        "no_call_share": _share(
            Case.procedure == cl.Procedure.NEGOTIATED_WITHOUT_PUBLICATION.value,
            Case.procedure.is_not(None),
        ),
        "sme_tender_share": case(
            (
                and_(Case.sme_tenders.is_not(None), Case.tenders_received >= 1),
                _num(Case.sme_tenders),
            ),
            else_=None,
        ),
        "award_data_share": _share(
            and_(awd.is_not(None), Case.awarded_on.is_not(None)),
            Case.status.in_(PAST_AWARD),
        ),
        "outcome_recorded_share": _share(
            or_(
                CaseOutcome.innovation_achieved.is_not(None),
                CaseOutcome.satisfaction.is_not(None),
            ),
            DELIVERED,
        ),
        "final_value_share": _share(fin.is_not(None), DELIVERED),
        "flag_single_bid_non_open": _share(
            Case.tenders_received == 1,
            and_(Case.procedure != cl.Procedure.OPEN.value, Case.tenders_received >= 1),
        ),
        "flag_extreme_decision": _share(
            or_(award_days < DECISION_TOO_SHORT, award_days > DECISION_TOO_LONG),
            award_dates,
        ),
    }


def weight_expressions() -> dict[str, ColumnElement[float]]:
    """The denominators of the indicators that are ratios of sums (NULL where not counted)."""
    return {
        "sme_tender_share": case(
            (
                and_(Case.sme_tenders.is_not(None), Case.tenders_received >= 1),
                _num(Case.tenders_received),
            ),
            else_=None,
        ),
    }


def case_date() -> ColumnElement[dt.date]:
    """The date whose exchange rate converts a case's amounts (see procurement.analysis.fx)."""
    return type_coerce(
        func.coalesce(
            Case.awarded_on, Case.tender_published, Case.contract_start, func.date(Case.created_at)
        ),
        Date,
    )


# ------------------------------------------------------------------------- aggregate query


def _concat(expr: ColumnElement[Any], dialect: str) -> ColumnElement[str]:
    """All non-null values of ``expr`` in the group, as one comma-separated text."""
    if dialect == "sqlite":
        return func.group_concat(expr, literal(","), type_=Text)
    return func.string_agg(cast(expr, Text), literal(","), type_=Text)


def _values(
    expr: ColumnElement[Any], dialect: str, *, whole_numbers: bool = False
) -> ColumnElement[Any]:
    """All non-null numbers of ``expr`` in the group: as text (:func:`_concat`), or in DuckDB
    as a list, which arrives as a NumPy array with every digit."""
    if dialect == "duckdb":
        listed = cast(expr, Integer) if whole_numbers else expr
        return func.list(listed).filter(expr.is_not(None))
    return _concat(expr, dialect)


def _parse(value: str | FloatArray | None) -> FloatArray:
    if isinstance(value, np.ndarray):
        return value
    if not value:
        return np.empty(0, dtype=np.float64)
    return np.fromstring(value, dtype=np.float64, sep=",")


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
    overrun = and_(awd > 0, fin.is_not(None), DELIVERED)

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


def aggregate(
    scans: Scans,
    flt: CaseFilter,
    by: str,
    names: Sequence[str],
    *,
    with_cases: bool = False,
) -> list[Partial]:
    """One pass over the cases: per group, n and sum of each indicator, and quantile values;
    ``with_cases``: also the references of the cases each figure rests on (drill-down)."""
    dialect = scans.dialect
    key, joins = grouping_key(by)
    kpi = kpi_attainment_subquery()
    exprs = value_expressions(dialect, kpi)
    series = _series(dialect, exprs)
    per_case = _per_case_subquery(
        flt, key, joins, kpi, names, exprs, series, dialect, with_cases=with_cases
    )
    query, texts = _group_query(per_case, names, series, dialect, with_cases=with_cases)

    partials: dict[str, Partial] = {}
    if dialect == "postgresql":
        # A server-side cursor for this statement only: one group's texts in memory at a
        # time. (SQLite hands rows over one by one anyway.) Set on the statement, not the
        # connection, which the session's later queries share.
        query = query.execution_options(stream_results=True, yield_per=1)
        # ... planned for reading every row, not for the first ones (a cursor's default)
        scans.session.connection().exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    for row in scans.rows(query):
        partial = _read_group(row, names, texts, series, with_cases=with_cases)
        partials[partial.key] = partial

    kpi_values = "kpi_attainment" in names and INDICATOR_BY_NAME["kpi_attainment"].quantiles
    if kpi_values and dialect != "duckdb":  # (DuckDB's lists carry them already)
        _add_kpi_values(scans, flt, key, joins, kpi, partials)
    return list(partials.values())


def _per_case_subquery(
    flt: CaseFilter,
    key: ColumnElement[Any],
    joins: GroupJoins,
    kpi: Subquery,
    names: Sequence[str],
    exprs: dict[str, ColumnElement[float]],
    series: dict[str, _Series],
    dialect: str,
    *,
    with_cases: bool = False,
) -> Subquery:
    """One row per case and group: the group key, each indicator's value and the parts of
    the values that travel as texts."""
    inner: list[Any] = [key.label("grp_key")]
    if with_cases:
        inner.append(Case.reference.label("reference"))
    weights = weight_expressions()
    left_out: dict[str, ColumnElement[bool]] = {
        **left_out_expressions(),
        "kpi_attainment": and_(kpi.c.kpis > 0, kpi.c.attainment.is_(None)),
    }
    for name in names:
        inner.append(exprs[name].label(name))
        if name in weights:
            inner.append(weights[name].label(f"{name}__weight"))
        if name in left_out:
            inner.append(case((left_out[name], 1), else_=None).label(f"{name}__left_out"))
        if INDICATOR_BY_NAME[name].quantiles and name in series:
            for i, part in enumerate(series[name].parts):
                inner.append(part.label(f"{name}__{i}"))
    stmt: Select[Any] = joins(select(*inner).select_from(Case))
    if any(n in OUTCOME_INDICATORS for n in names):
        stmt = stmt.outerjoin(CaseOutcome, CaseOutcome.case_id == Case.id)
    if "kpi_attainment" in names:
        stmt = stmt.outerjoin(kpi, kpi.c.case_id == Case.id)
    stmt = apply_filter(stmt, flt)
    if dialect == "sqlite":
        # A subquery with a LIMIT is not merged into the outer query, so each per-case
        # expression is evaluated once (not once per aggregate) and the table is read in
        # storage order; -1 means no limit.
        stmt = stmt.limit(-1)
    return stmt.subquery("per_case")


def _group_query(
    per_case: Subquery,
    names: Sequence[str],
    series: dict[str, _Series],
    dialect: str,
    *,
    with_cases: bool = False,
) -> tuple[Select[Any], list[tuple[str, int]]]:
    """Per group: the number of cases, n and sum of each indicator, then the texts of the
    quantile values; and which (indicator, part) each of those texts is."""
    columns: list[Any] = [per_case.c.grp_key, func.count()]
    texts: list[tuple[str, int]] = []
    for name in names:
        columns += [func.count(per_case.c[name]), func.sum(per_case.c[name])]
    for name in names:
        if name in LEFT_OUT_REASON:
            columns.append(func.count(per_case.c[f"{name}__left_out"]))
    for name in names:
        if INDICATOR_BY_NAME[name].ratio_of_sums:
            columns.append(func.sum(per_case.c[f"{name}__weight"]))
    if with_cases:
        for name in names:
            counted = case((per_case.c[name].is_not(None), per_case.c.reference), else_=None)
            columns.append(_concat(counted, dialect))
    for name in names:
        if dialect == "duckdb" and name == "kpi_attainment" and INDICATOR_BY_NAME[name].quantiles:
            columns.append(_values(per_case.c[name], dialect))  # exact: no query of its own
            texts.append((name, -1))
        if INDICATOR_BY_NAME[name].quantiles and name in series:
            if dialect == "duckdb":
                # every digit travels: the value itself, whole numbers as 4-byte integers
                whole_numbers = not series[name].parts
                columns.append(_values(per_case.c[name], dialect, whole_numbers=whole_numbers))
                texts.append((name, -1))
                continue
            if not series[name].parts:
                columns.append(_values(per_case.c[name], dialect))
                texts.append((name, 0))
            for i in range(len(series[name].parts)):
                columns.append(_values(per_case.c[f"{name}__{i}"], dialect))
                texts.append((name, i))
    return select(*columns).group_by(per_case.c.grp_key), texts


def _read_group(
    row: Sequence[Any],
    names: Sequence[str],
    texts: Sequence[tuple[str, int]],
    series: dict[str, _Series],
    *,
    with_cases: bool = False,
) -> Partial:
    """One row of :func:`_group_query` as the group's partial."""
    partial = Partial(key=key_text(row[0]), cases=int(row[1]))
    for i, name in enumerate(names):
        partial.counts[name] = int(row[2 + 2 * i])
        total = row[3 + 2 * i]
        partial.sums[name] = float(total) if total is not None else 0.0
    offset = 2 + 2 * len(names)
    for name in names:
        if name in LEFT_OUT_REASON:
            partial.left_out[name] = int(row[offset])
            offset += 1
    for name in names:
        if INDICATOR_BY_NAME[name].ratio_of_sums:
            partial.weights[name] = float(row[offset] or 0)
            offset += 1
    if with_cases:
        for name in names:
            text = row[offset]
            partial.references[name] = sorted(text.split(",")) if text else []
            offset += 1
    parts: dict[str, list[FloatArray]] = defaultdict(list)
    for j, (name, i) in enumerate(texts):
        if i < 0:  # the values themselves
            partial.values[name] = _parse(row[offset + j])
        else:
            parts[name].append(_parse(row[offset + j]))
    for name, arrays in parts.items():
        partial.values[name] = series[name].combine(arrays)
    return partial


def _add_kpi_values(
    scans: Scans,
    flt: CaseFilter,
    key: ColumnElement[Any],
    joins: GroupJoins,
    kpi: Subquery,
    partials: dict[str, Partial],
) -> None:
    """Few cases have KPIs: their per-case means come as numbers, one row per case."""
    kpi_stmt: Select[Any] = joins(
        select(key.label("grp_key"), _num(kpi.c.attainment))
        .select_from(Case)
        .join(kpi, kpi.c.case_id == Case.id)
    ).where(kpi.c.attainment.is_not(None))
    collected: dict[str, list[float]] = defaultdict(list)
    for grp_key, value in scans.rows(apply_filter(kpi_stmt, flt)):
        collected[key_text(grp_key)].append(float(value))
    for partial in partials.values():
        partial.values["kpi_attainment"] = np.array(
            collected.get(partial.key, ()), dtype=np.float64
        )
