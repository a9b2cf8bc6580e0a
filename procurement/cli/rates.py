"""`procurement rates`: exchange rates you add, which take precedence over the ECB's."""

from __future__ import annotations

from pathlib import Path

import click

from procurement.cli.context import AppContext, pass_app
from procurement.cli.output import emit, format_option


@click.group()
def rates() -> None:
    """Your own exchange rates (1 EUR = N units), used before the ECB reference rates.

    \b
    Examples:
      procurement rates import my-rates.csv
      procurement rates list --currency RUB
    """


@rates.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def import_(app: AppContext, file: Path) -> None:
    """Add rates from a CSV file with the columns currency,date,units_per_eur[,source].

    A rate for a currency and date already stored is replaced. Nothing is stored when a
    row is wrong: every problem is listed with its row number.

    \b
    Example file:
      currency,date,units_per_eur,source
      RUB,2023-05-02,88.40,Central Bank of Russia
    Example:
      procurement rates import my-rates.csv
    """
    from procurement.analysis.fx import import_rates

    added, replaced = app.run_in_transaction(
        lambda session: import_rates(session=session, path=file)
    )
    click.echo(f"{added} rates added, {replaced} replaced from {file}")


@rates.command("list")
@click.option("--currency", metavar="CODE", help="Only rates of this currency, e.g. RUB.")
@format_option()
@pass_app
def list_(app: AppContext, currency: str | None, fmt: str) -> None:
    """List the rates you added (the ECB rates are built in and not listed).

    \b
    Example:
      procurement rates list --currency RUB --format csv
    """
    from procurement.analysis.fx import list_rates

    with app.read_session() as session:
        rows = list_rates(session=session, currency=currency)
    emit(rows, fmt, ["currency", "date", "units_per_eur", "source"], title="Exchange rates")
