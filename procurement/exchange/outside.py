"""Values that come from another publisher (OCDS releases, eForms notices), made into a case.

Their files describe their procurement in their terms and are often incomplete; the registry's
one validation (:func:`procurement.cases.validate.validate`) decides. Where it refuses a value,
an import from outside does not give up the whole contracting process: an optional value is left
empty, a required code takes its documented default, amounts without a valid currency are left
empty, and the importer warns about each. Only what cannot be mended (a city, a title, a buyer)
refuses the process.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from procurement.cases.fields import PPP_FIELDS, REQUIRED_FIELDS
from procurement.cases.validate import MONEY_FIELDS, validate
from procurement.core.errors import FieldError, ValidationError

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
