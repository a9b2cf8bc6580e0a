"""Euro totals of the amounts: summed exactly per group, currency and date (the rate's date) in
SQL, then each sum converted to euro once with the rates of :mod:`procurement.analysis.fx`.
What has no rate is counted as not convertible."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, case, cast, func, select

from procurement.analysis.fx import RateBook
from procurement.analysis.queries import case_date, grouping_key, key_text
from procurement.analysis.statistics import CALCULATED, INSUFFICIENT, GroupResult, Stat, rounded
from procurement.cases.query import CaseFilter, apply_filter
from procurement.storage.models import Case

_WHOLE = "\0whole"  # key of the totals over all groups (no group key looks like it)
MONEY_COLUMNS = {
    "total_estimated_eur": Case.estimated_value,
    "total_awarded_eur": Case.awarded_value,
    "total_final_eur": Case.final_value,
}


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def money_statement(flt: CaseFilter, by: str, names: Sequence[str], dialect: str) -> Select[Any]:
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
