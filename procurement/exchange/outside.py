"""Values that come from another publisher (OCDS releases, eForms notices), made into a case.

Their files describe their procurement in their terms and are often incomplete; the registry's
one validation (:func:`procurement.cases.validate.validate`) decides. Where it refuses a value,
an import from outside does not give up the whole contracting process: an optional value is left
empty, a required code takes its documented default, amounts without a valid currency are left
empty, and the importer warns about each. Only what cannot be mended (a city, a title, a buyer)
refuses the process.

Both such importers also share how a city is given (``--city``, a ``--city-map`` CSV) and how an
import ends (``--strict``, an input that held nothing); and how the cases are written
(:mod:`.writing`). Nothing here needs the database (the OCDS importer's helper process, which
never opens it, mends values with it).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procurement.cases.cities import city_code, fold
from procurement.cases.fields import PPP_FIELDS, REQUIRED_FIELDS
from procurement.cases.validate import MONEY_FIELDS, validate
from procurement.core.errors import BadInput, FieldError, ProcurementError, ValidationError
from procurement.exchange.summary import ImportSummary

if TYPE_CHECKING:
    from sqlalchemy.exc import SQLAlchemyError

# The documented default of each required code that another publisher may leave out.
DEFAULTS = {"sector": "other", "procedure": "other", "category": "services"}
MAX_PASSES = 10  # each pass mends what the previous one refused


def validated_from_outside(
    values: dict[str, Any],
    *,
    cities: Collection[str],
    warn: Callable[[str, str], None],
    defaults: dict[str, Any] | None = None,
    what: str = "record",
) -> dict[str, Any]:
    """Clean ``values`` (changed in place as mended). ``warn(field, message)`` is told of each
    value left empty or defaulted; ``defaults`` records the defaults used. Raises
    ValidationError naming what cannot be mended (``what``: release, notice)."""
    used = {} if defaults is None else defaults
    for _ in range(MAX_PASSES):
        try:
            return validate(values, cities=cities, require=REQUIRED_FIELDS)
        except ValidationError as exc:
            errors = exc.errors
        fatal: list[FieldError] = []
        for error in errors:
            name = error.field
            if name in DEFAULTS and values.get(name) != DEFAULTS[name]:
                warn(name, f"{error.message}; '{DEFAULTS[name]}' used")
                values[name] = used[name] = DEFAULTS[name]
            elif name in REQUIRED_FIELDS:
                fatal.append(error)
            elif name in values and values[name] is not None:
                warn(name, f"{error.message}; left empty")
                values.pop(name)
            elif name == "currency":
                for money in MONEY_FIELDS:
                    values.pop(money, None)
                warn("currency", f"{error.message}; amounts left empty")
            elif name == "best_practice_rationale":
                values.pop("best_practice", None)
                warn(name, f"{error.message}; best-practice flag left empty")
            elif name == "ppp_model":
                for f in PPP_FIELDS:
                    values.pop(f.name, None)
                warn(name, f"{error.message}; PPP details left empty")
            else:
                fatal.append(error)
        if fatal:
            raise ValidationError(fatal)
    raise ValidationError([FieldError(what, "could not be mapped to a valid case")])


def import_city(city: str, cities: Collection[str]) -> str:
    """The member city ``--city`` names: its code, English or local name."""
    code = city_code(city) or city.strip().upper()
    if code not in cities:
        raise BadInput(f"unknown city '{city}' for --city; known: {', '.join(sorted(cities))}")
    return code


def read_city_map(
    path: Path,
    cities: Collection[str],
    *,
    key: Callable[[str], str],
    headers: Collection[str],
    columns: str,
) -> dict[str, str]:
    """``KEY,CITY`` rows of a ``--city-map`` CSV (UTF-8; a first row whose key is one of
    ``headers`` is a header): ``key(KEY)`` to the city code (CITY: its code, English or local
    name). ``columns`` names the two columns in messages."""
    mapping: dict[str, str] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                if not row or not "".join(row).strip():
                    continue
                if number == 1 and fold(row[0]) in headers:
                    continue
                if len(row) < 2:
                    raise BadInput(f"{path.name}, line {number}: expected {columns}")
                code = city_code(row[1]) or row[1].strip().upper()
                if code not in cities:
                    raise BadInput(
                        f"{path.name}, line {number}: unknown city '{row[1].strip()}'; known: "
                        f"{', '.join(sorted(cities))}"
                    )
                mapping[key(row[0])] = code
    except UnicodeDecodeError:
        raise BadInput(f"{path.name} is not UTF-8 text; save the city map as UTF-8 CSV") from None
    except OSError as exc:
        raise BadInput(f"{path.name} cannot be read ({exc.strerror or exc})") from None
    return mapping


def finished(summary: ImportSummary, bad: list[str], *, strict: bool, empty: str) -> ImportSummary:
    """The summary of an import from outside once everything was read: with ``strict`` the
    first bad record refuses it all; an input that held nothing at all is refused (``empty``
    says what it should have held)."""
    summary.refused = len(bad)
    if strict and bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise BadInput(f"{bad[0]}{more}; nothing was imported (--strict)")
    if not (summary.created or summary.updated or summary.unchanged or summary.skipped):
        raise BadInput(f"{summary.source} holds no {empty}; nothing was imported")
    return summary


def refusal(exc: ProcurementError | SQLAlchemyError) -> str:
    """Why one contracting process was refused (:data:`.writing.REFUSALS`), in one line."""
    if isinstance(exc, ValidationError):
        return "; ".join(str(e) for e in exc.errors)
    if isinstance(exc, ProcurementError):
        return str(exc)
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    return f"the database refused it: {first}"
