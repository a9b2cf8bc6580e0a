"""Member cities of the registry."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.cases.validate import (
    Invalid,
    parse_country,
    parse_currency,
    parse_integer,
    parse_text,
)
from procurement.core.errors import FieldError, ValidationError
from procurement.storage.models import City


def list_cities(*, session: Session) -> list[City]:
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
    raise Invalid("is required")
