"""Euro totals of the amounts: summed exactly per group, currency and date (the rate's date) in
SQL, then each sum converted to euro once with the rates of :mod:`procurement.analysis.fx`.
What has no rate is counted as not convertible.

The estimated and awarded values convert at the rate of the case's date (the award date, else
...: :func:`~procurement.analysis.queries.case_date`); the final value, paid at completion, at
the rate of the completion date (else the case's date). Final values count for completed
contracts only; those of contracts not completed are interim figures, left out and counted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, case, cast, func, literal, select, union_all

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

_WHOLE = "\0whole"  # key of the totals over all groups (no group key looks like it)
MONEY_COLUMNS: dict[str, Any] = {
    "total_estimated_eur": Case.estimated_value,
    "total_awarded_eur": Case.awarded_value,
    "total_final_eur": case((DELIVERED, Case.final_value), else_=None),
}
FINAL = "total_final_eur"


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
            if dialect == "sqlite":
                # SQLite stores amounts as floating point; summing whole cents as integers
                # keeps every cent (amounts have two decimals) however many are added.
                total: Any = func.sum(cast(func.round(column * 100), Integer))
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
    left_out: dict[str, int] = defaultdict(int)  # final values of contracts not completed

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
        group, currency, on = key_text(row[0]), row[1], _as_date(row[2])
        left_out[group] += int(row[3 + 2 * width])
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
                value=rounded(float(total), "EUR") if ok else None,
                n=n,
                status=CALCULATED if ok else INSUFFICIENT,
                not_convertible=missing,
            )
            if name == FINAL:
                whole_left = sum(left_out.values())
                result.stats[name].left_out = whole_left if group == _WHOLE else left_out[group]
