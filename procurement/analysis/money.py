"""Euro totals of the amounts: summed exactly per group, currency and date (the rate's date) in
SQL, then each sum converted to euro once with the rates of :mod:`procurement.analysis.fx`.
What has no rate is counted as not convertible.

The estimated and awarded values convert at the rate of the case's date (the award date, else
...: :func:`~procurement.analysis.queries.case_date`); the final value, paid at completion, at
the rate of the completion date (else the case's date). Final values count for completed
contracts only; those of contracts not completed are interim figures, left out and counted."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import BigInteger, Integer, Select, case, cast, func, literal, select, union_all

from procurement.analysis.fx import RateBook
from procurement.analysis.queries import (
    DELIVERED,
    case_date,
    grouping_key,
    key_text,
    left_out_expressions,
)
from procurement.analysis.statistics import CALCULATED, INSUFFICIENT, GroupResult, Stat, rounded
from procurement.cases.query import CaseFilter, apply_filter
from procurement.storage.models import Case

MONEY_COLUMNS: dict[str, Any] = {
    "total_estimated_eur": Case.estimated_value,
    "total_awarded_eur": Case.awarded_value,
    "total_final_eur": case((DELIVERED, Case.final_value), else_=None),
}
FINAL = "total_final_eur"
# where amounts are read as floating point (a SQLite file, read by SQLite or by DuckDB)
FLOAT_AMOUNTS = ("sqlite", "duckdb")


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def money_statement(flt: CaseFilter, by: str, names: Sequence[str], dialect: str) -> Any:
    """Amounts summed exactly per group, currency and date (euro amounts need no date): the
    estimated and awarded values by the case's date, the final values by the completion date
    (one statement, the two parts one after the other)."""
    key, joins = grouping_key(by)
    award_day = case((Case.currency == "EUR", None), else_=case_date())
    completion = func.coalesce(Case.completed_on, case_date())
    final_day = case((Case.currency == "EUR", None), else_=completion)
    parts: list[Select[Any]] = []
    for final_part, day in ((False, award_day), (True, final_day)):
        mine = [n for n in names if (n == FINAL) == final_part]
        if not mine:
            continue
        columns: list[Any] = [key.label("grp_key"), Case.currency, day.label("day")]
        for name in names:
            if name not in mine:
                columns += [literal(None, Integer), literal(0, Integer)]
                continue
            column = MONEY_COLUMNS[name]
            if dialect in FLOAT_AMOUNTS:
                # SQLite stores amounts as floating point; summing whole cents as integers
                # keeps every cent (amounts have two decimals) however many are added.
                total: Any = func.sum(cast(func.round(column * 100), BigInteger))
            else:
                total = func.sum(column)
            columns += [total, func.count(column)]
        if final_part:
            left_out = left_out_expressions()[FINAL]
            columns.append(func.count(case((left_out, 1), else_=None)))
        else:
            columns.append(literal(0, Integer))
        stmt: Select[Any] = joins(select(*columns).select_from(Case)).where(
            Case.currency.is_not(None)
        )
        parts.append(apply_filter(stmt, flt).group_by(key, Case.currency, day))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def euro_totals(
    rows: Iterable[Any],
    names: Sequence[str],
    dialect: str,
    rates: RateBook,
    min_n: int,
    results: dict[str, GroupResult],
    whole: GroupResult | None,
) -> None:
    """Euro totals from the rows of :func:`money_statement`: each sum converted once; what
    has no rate is counted as not convertible.

    ``whole``, when given, gets the totals over all groups: the converted sums of every group
    added up. Each rate is looked up once per currency and date; the conversions and the
    additions are done on arrays (a large registry gives one row per group, currency and day).
    """
    width = len(names)
    columns = list(zip(*rows, strict=False)) or [() for _ in range(4 + 2 * width)]
    group_of: dict[str, int] = {}
    groups = np.fromiter(
        (group_of.setdefault(key_text(k), len(group_of)) for k in columns[0]),
        dtype=np.intp,
        count=len(columns[0]),
    )
    pair_of: dict[tuple[str, Any], int] = {}
    pairs = np.fromiter(
        (pair_of.setdefault(p, len(pair_of)) for p in zip(columns[1], columns[2], strict=True)),
        dtype=np.intp,
        count=len(columns[0]),
    )
    # units of each (currency, date) per euro; NaN: no rate (not convertible)
    units = (
        np.array(
            [_units(rates, currency, _as_date(on)) for currency, on in pair_of],
            dtype=np.float64,
        )[pairs]
        if pair_of
        else np.empty(0, dtype=np.float64)
    )
    convertible = ~np.isnan(units)
    scale = 0.01 if dialect in FLOAT_AMOUNTS else 1.0  # whole cents, or the amounts
    size = len(group_of)
    left_out = np.bincount(groups, weights=_numbers(columns[3 + 2 * width]), minlength=size)

    targets: list[tuple[GroupResult, Any]] = [
        (results[key], index) for key, index in group_of.items() if key in results
    ]
    if whole is not None:
        targets.append((whole, None))
    order = np.argsort(groups, kind="stable")  # each group's rows together
    bounds = np.searchsorted(groups[order], np.arange(size + 1))
    per_indicator = []
    for i in range(width):
        amounts = _numbers(columns[3 + 2 * i]) * scale
        counts = _numbers(columns[4 + 2 * i])
        # the converted sums, each group's together (its total: math.fsum of its slice)
        euro = np.where(convertible, amounts / np.where(convertible, units, 1.0), 0.0)[order]
        per_indicator.append(
            (
                euro,
                np.bincount(groups, weights=np.where(convertible, counts, 0), minlength=size),
                np.bincount(groups, weights=np.where(convertible, 0, counts), minlength=size),
            )
        )
    for result in [*results.values(), *([whole] if whole is not None else [])]:
        for name in names:
            result.stats[name] = Stat(value=None, n=0, status=INSUFFICIENT, not_convertible=0)
            if name == FINAL:
                result.stats[name].left_out = 0
    for result, index in targets:
        for i, name in enumerate(names):
            euro, ns, missing = per_indicator[i]
            pick = slice(None) if index is None else index
            total = math.fsum(euro if index is None else euro[bounds[index] : bounds[index + 1]])
            n, not_convertible = int(np.sum(ns[pick])), int(np.sum(missing[pick]))
            ok = n >= min_n
            result.stats[name] = Stat(
                value=rounded(total, "EUR") if ok else None,
                n=n,
                status=CALCULATED if ok else INSUFFICIENT,
                not_convertible=not_convertible,
            )
            if name == FINAL:
                result.stats[name].left_out = int(np.sum(left_out[pick]))


def _units(rates: RateBook, currency: str, on: dt.date | None) -> float:
    units = rates.units_per_eur(currency, on)
    return math.nan if units is None else float(units)


def _numbers(column: Sequence[Any]) -> npt.NDArray[np.float64]:
    """A column of sums or counts as floats (NULL, the sum of no amounts, as 0)."""
    return np.fromiter(
        (0.0 if v is None else float(v) for v in column), dtype=np.float64, count=len(column)
    )
