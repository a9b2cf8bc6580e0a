"""Member cities of the registry, and how a typed city name becomes its code.

This module is imported by the validation layer, so it loads nothing heavy at import time
(the ORM and the validators are imported inside the functions that need them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from procurement.core.errors import FieldError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from procurement.storage.models import City

# The names an officer may type for each member city besides its code: the English name and
# the local name (as the menus show them), and common variants. The database holds the name
# and local name of every city (also of cities added later); this constant lets the
# validation layer, which sees only the city codes, accept the members' names.
MEMBER_CITY_NAMES: dict[str, tuple[str, ...]] = {
    "BER": ("Berlin",),
    "CPH": ("København", "Copenhagen"),
    "HEL": ("Helsinki", "Helsingfors"),
    "MMA": ("Malmö",),
    "OSL": ("Oslo",),
    "RIX": ("Rīga", "Riga"),
    "STO": ("Stockholm",),
    "LED": ("Санкт-Петербург", "Saint Petersburg", "St. Petersburg"),
    "TLL": ("Tallinn",),
    "VNO": ("Vilnius",),
    "WAW": ("Warszawa", "Warsaw"),
}

# Letters that NFKD does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "đ": "d"})
_PUNCTUATION = re.compile(r"[\s.\-\u2010-\u2015'’]+")


def fold(text: str) -> str:
    """``text`` for matching names: no diacritics (NFKD, combining marks dropped), case-folded,
    dots, hyphens and runs of spaces as one space ("St. Petersburg" = "st petersburg")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _PUNCTUATION.sub(" ", bare.casefold()).strip()


def _alias_table(names: Mapping[str, Iterable[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, aliases in (*MEMBER_CITY_NAMES.items(), *names.items()):
        table.update({fold(alias): code for alias in aliases if alias})
    for code in (*MEMBER_CITY_NAMES, *names):
        table[fold(code)] = code  # a code always means its own city
    return table


_MEMBER_ALIASES = _alias_table({})


def city_code(text: str, names: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The code of the city ``text`` names: its code, English name or local name, ignoring
    case and diacritics. ``names`` adds code -> names (e.g. from the cities table) to the
    member cities' names. None when no city has that name."""
    table = _alias_table(names) if names else _MEMBER_ALIASES
    return table.get(fold(text))


def list_cities(*, session: Session) -> list[City]:
    from sqlalchemy import select

    from procurement.storage.models import City

    return list(session.scalars(select(City).order_by(City.code)))


def city_to_dict(city: City) -> dict[str, Any]:
    return {
        "code": city.code,
        "name": city.name,
        "local_name": city.local_name,
        "country": city.country,
        "currency": city.currency,
        "population": city.population,
        "population_year": city.population_year,
        "population_source": city.population_source,
        "member": city.member,
    }


def add_city(
    *,
    session: Session,
    code: str,
    name: str,
    country: str,
    currency: str,
    local_name: str | None = None,
    population: Any = None,
    population_year: Any = None,
    population_source: str | None = None,
) -> City:
    """Add a city (e.g. a new member): CODE is the UN/LOCODE location part, three letters."""
    from procurement.cases.validate import (
        Invalid,
        parse_country,
        parse_currency,
        parse_integer,
        parse_text,
    )
    from procurement.storage.models import City

    errors: list[FieldError] = []
    clean: dict[str, Any] = {}

    def check(field: str, fn: Any, value: Any) -> None:
        try:
            clean[field] = fn(value)
        except Invalid as exc:
            errors.append(FieldError(field, str(exc)))

    code = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z2-9]{3}", code):
        errors.append(FieldError("code", f"'{code}' is not a three-letter UN/LOCODE location code"))
    elif session.get(City, code) is not None:
        errors.append(FieldError("code", f"city {code} is already in the registry"))
    check("name", lambda v: parse_text(v, 100) or _missing(), name)
    check("local_name", lambda v: parse_text(v, 100), local_name or name)
    check("country", parse_country, country)
    check("currency", parse_currency, currency)
    if population not in (None, ""):
        check("population", lambda v: parse_integer(v, 0, 100_000_000), population)
    if population_year not in (None, ""):
        check("population_year", lambda v: parse_integer(v, 1800, 2100), population_year)
    if population_source:
        check("population_source", lambda v: parse_text(v, 300), population_source)
    if errors:
        raise ValidationError(errors)
    city = City(code=code, member=True, **clean)
    session.add(city)
    session.flush()
    return city


def _missing() -> str:
    from procurement.cases.validate import Invalid

    raise Invalid("is required")
