"""``procurement city``: the member cities."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from procurement.cli.context import AppContext, pass_app
from procurement.cli.output import emit, format_option

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from procurement.storage.models import City


@click.group()
def city() -> None:
    """List the member cities and add new ones.

    \b
    Example:
      procurement city list
      procurement city add GDN --name Gdańsk --country PL --currency PLN
    """


@city.command("list")
@format_option()
@pass_app
def list_(app: AppContext, fmt: str) -> None:
    """List the cities with their codes, countries and currencies.

    \b
    Example:
      procurement city list --format json
    """
    from procurement.cases.cities import city_to_dict, list_cities

    with app.read_session() as session:
        rows = [city_to_dict(c) for c in list_cities(session=session)]
    emit(
        rows,
        fmt,
        ["code", "name", "local_name", "country", "currency", "population", "population_year"]
        if fmt == "table"
        else None,
    )


@city.command()
@click.argument("code")
@click.option("--name", required=True, help="English name, e.g. Gdansk.")
@click.option("--local-name", help="Name in the local language, e.g. Gdańsk.")
@click.option("--country", required=True, help="ISO 3166 two-letter country code, e.g. PL.")
@click.option("--currency", required=True, help="ISO 4217 currency of its cases, e.g. PLN.")
@click.option("--population", help="Number of inhabitants.")
@click.option("--population-year", help="Year of the population figure.")
@click.option("--population-source", help="Who published the population figure.")
@pass_app
def add(
    app: AppContext,
    code: str,
    name: str,
    local_name: str | None,
    country: str,
    currency: str,
    population: str | None,
    population_year: str | None,
    population_source: str | None,
) -> None:
    """Add a city. CODE is the three-letter UN/LOCODE location code (GDN for Gdańsk).

    \b
    Example:
      procurement city add GDN --name Gdansk --local-name Gdańsk --country PL --currency PLN
    """
    from procurement.cases.cities import add_city

    def work(session: Session) -> City:
        return add_city(
            session=session,
            code=code,
            name=name,
            local_name=local_name,
            country=country,
            currency=currency,
            population=population,
            population_year=population_year,
            population_source=population_source,
        )

    added = app.run_in_transaction(work)
    click.echo(f"Added city {added.code} ({added.local_name}).")
