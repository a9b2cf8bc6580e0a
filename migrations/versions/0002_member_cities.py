"""load the 11 member cities of the Baltic Metropolises network

Population figures are rounded to the nearest thousand, with the reference year and the
national statistics office that publishes them; they describe the city (municipality),
not the metropolitan area. Check the source before citing a figure.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

cities = sa.table(
    "cities",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("local_name", sa.String),
    sa.column("country", sa.String),
    sa.column("currency", sa.String),
    sa.column("population", sa.Integer),
    sa.column("population_year", sa.Integer),
    sa.column("population_source", sa.String),
    sa.column("member", sa.Boolean),
)

# code, English name, local name, country, currency, population, year, source
MEMBER_CITIES = [
    (
        "BER",
        "Berlin",
        "Berlin",
        "DE",
        "EUR",
        3_755_000,
        2022,
        "Amt für Statistik Berlin-Brandenburg",
    ),
    ("CPH", "Copenhagen", "København", "DK", "DKK", 654_000, 2023, "Statistics Denmark"),
    ("HEL", "Helsinki", "Helsinki", "FI", "EUR", 664_000, 2023, "Statistics Finland"),
    ("MMA", "Malmö", "Malmö", "SE", "SEK", 357_000, 2022, "Statistics Sweden (SCB)"),
    ("OSL", "Oslo", "Oslo", "NO", "NOK", 709_000, 2023, "Statistics Norway (SSB)"),
    ("RIX", "Riga", "Rīga", "LV", "EUR", 605_000, 2023, "Official Statistics of Latvia (CSP)"),
    ("STO", "Stockholm", "Stockholm", "SE", "SEK", 985_000, 2022, "Statistics Sweden (SCB)"),
    (
        "LED",
        "St. Petersburg",
        "Санкт-Петербург",
        "RU",
        "RUB",
        5_600_000,
        2023,
        "Federal State Statistics Service (Rosstat)",
    ),
    ("TLL", "Tallinn", "Tallinn", "EE", "EUR", 454_000, 2023, "Statistics Estonia"),
    ("VNO", "Vilnius", "Vilnius", "LT", "EUR", 592_000, 2023, "State Data Agency of Lithuania"),
    ("WAW", "Warsaw", "Warszawa", "PL", "PLN", 1_862_000, 2022, "Statistics Poland (GUS)"),
]


def upgrade() -> None:
    existing = {row[0] for row in op.get_bind().execute(sa.select(cities.c.code))}
    op.bulk_insert(
        cities,
        [
            {
                "code": code,
                "name": name,
                "local_name": local,
                "country": country,
                "currency": currency,
                "population": population,
                "population_year": year,
                "population_source": source,
                "member": True,
            }
            for code, name, local, country, currency, population, year, source in MEMBER_CITIES
            if code not in existing
        ],
    )


def downgrade() -> None:
    codes = [c[0] for c in MEMBER_CITIES]
    bind = op.get_bind()
    used = sa.text("SELECT DISTINCT city_code FROM cases")
    in_use = {row[0] for row in bind.execute(used)}
    op.execute(cities.delete().where(cities.c.code.in_([c for c in codes if c not in in_use])))
