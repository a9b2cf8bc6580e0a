"""Derived indicators, each defined once, computed per group by the database.

Every indicator is a per-case SQL expression (NULL where it does not apply); one aggregate
query per report table counts and averages them per group. Medians and quartiles come from
one numeric column per group, ordered by the database (SQLite has no percentile function).
Amounts are summed per group, currency and date in SQL and converted to euro per sum. When
the groups cover every case once (a partition), the overall figures are put together from the
groups' sums, values and money sums.

Each result carries ``n`` (the cases it is computed from) and a status: ``calculated``, or
``insufficient-data`` when n is below the threshold (then no value is shown).

This module is the entry point; the parts live in :mod:`~procurement.analysis.catalogue`
(the indicators and groupings), :mod:`~procurement.analysis.queries` (the SQL),
:mod:`~procurement.analysis.statistics` (means, quartiles, statuses) and
:mod:`~procurement.analysis.money` (euro totals).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from procurement.analysis.catalogue import (
    ALL,
    COMPARE_BY,
    INDICATOR_BY_NAME,
    OVER,
    PARTITIONS,
    SPECIAL_KEYS,
    grouping_of,
)
from procurement.analysis.engine import Scans, in_engine
from procurement.analysis.fx import RateBook
from procurement.analysis.money import euro_totals, money_statement
from procurement.analysis.queries import aggregate
from procurement.analysis.statistics import DEFAULT_MIN_N, GroupResult, finish, merge_partials
from procurement.cases.query import CaseFilter
from procurement.core.errors import BadInput
from procurement.storage.engine import ParallelReader, read_alongside


def compute(
    *,
    session: Session,
    flt: CaseFilter,
    by: str,
    names: Sequence[str],
    rates: RateBook,
    min_n: int = DEFAULT_MIN_N,
    with_cases: bool = False,
) -> list[GroupResult]:
    """The indicators ``names`` for each group of ``by`` among the cases the filter keeps;
    ``with_cases``: each figure also lists the references of its cases (not the euro totals)."""
    groups, _overall = in_engine(
        session, lambda s: _compute_in(s, flt, by, names, rates, min_n, False, with_cases)
    )
    return groups


def compute_with_overall(
    *,
    session: Session,
    flt: CaseFilter,
    by: str,
    names: Sequence[str],
    rates: RateBook,
    min_n: int = DEFAULT_MIN_N,
    with_cases: bool = False,
) -> tuple[list[GroupResult], GroupResult | None]:
    """:func:`compute`, and the same indicators over all the cases the filter keeps (None when
    it keeps none). Read in the same pass when the groups cover every case once."""
    return in_engine(
        session, lambda s: _compute_in(s, flt, by, names, rates, min_n, True, with_cases)
    )


def _compute_in(
    scans: Scans,
    flt: CaseFilter,
    by: str,
    names: Sequence[str],
    rates: RateBook,
    min_n: int,
    overall: bool,
    with_cases: bool,
) -> tuple[list[GroupResult], GroupResult | None]:
    session = scans.session
    if min_n < 1:
        raise BadInput("--min-n must be at least 1")
    unknown = [n for n in names if n not in INDICATOR_BY_NAME]
    if unknown:
        raise BadInput(f"unknown indicator(s): {', '.join(unknown)}")
    grouping = grouping_of(by)
    if grouping is None:
        raise BadInput(f"cannot group by '{by}': use one of {', '.join(COMPARE_BY)}")
    dialect = scans.dialect
    plain = [n for n in names if not INDICATOR_BY_NAME[n].money]
    money = [n for n in names if INDICATOR_BY_NAME[n].money]
    derive = overall and (by in PARTITIONS or by.partition(OVER)[0] in PARTITIONS) and by != ALL

    amounts: ParallelReader | None = None
    if money and not scans.in_duckdb:
        # the amounts are read on a second connection while this one reads the indicators
        amounts = read_alongside(session, money_statement(flt, by, money, dialect))
    try:
        partials = aggregate(scans, flt, by, plain, with_cases=with_cases)
        labels = grouping.labels(session)
        results = {p.key: finish(p, labels.get(p.key, p.key), plain, min_n) for p in partials}
        whole: GroupResult | None = None
        if derive and partials:
            whole = finish(merge_partials(ALL, partials, plain), "All cases", plain, min_n)
        del partials  # every value read: freed before the amounts and any second pass
        if amounts is not None:
            euro_totals(amounts.rows(), money, dialect, rates, min_n, results, whole)
        elif money:  # DuckDB: its one scan uses every core already
            rows = scans.rows(money_statement(flt, by, money, dialect))
            euro_totals(rows, money, dialect, rates, min_n, results, whole)
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
            _, whole = _compute_in(scans, flt, "city", names, rates, min_n, True, with_cases)
    return groups, whole
