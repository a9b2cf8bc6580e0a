"""A new case validated and prepared for writing (:class:`Prepared`), before any database is
involved: :mod:`.create` writes it.

Needs no SQLAlchemy: the OCDS importer's helper process prepares new cases with it and sends
them to the importer (pickled: this is the one class of prepared cases).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from procurement.cases.fields import DEMO_MARK, DEMO_PUBLISHER
from procurement.cases.store.identity import identity_problems
from procurement.cases.values import case_year
from procurement.core.clock import now
from procurement.core.errors import ValidationError
from procurement.core.pickling import by_fields
from procurement.storage.json_columns import JSONText


@by_fields
@dataclass
class Prepared:
    """One validated new case waiting to be written."""

    row: int | None
    values: dict[str, Any]
    year: int
    reference: str | None = None
    ocid: str | None = None
    provenance: Mapping[str, Any] | None = None
    # created(values), when computed beforehand (as JSON text by the OCDS importer's helper)
    changes: dict[str, Any] | JSONText | None = None


def prepare_clean(
    values: dict[str, Any],
    *,
    row: int | None = None,
    reference: str | None = None,
    ocid: str | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> Prepared:
    """:meth:`.create.BulkWriter.prepare` for values
    :func:`~procurement.cases.validate.validate` has just returned (with the registry's cities
    and the required fields), as the OCDS and eForms importers have them. A given reference or
    ocid must belong to the case's city (:func:`.identity.identity_problems`). Needs no
    database (the OCDS importer's helper process uses it too)."""
    problems = identity_problems(city=values["city"], reference=reference, ocid=ocid, row=row)
    if problems:
        raise ValidationError(problems)
    if provenance is None and (values.get("description") or "").endswith(DEMO_MARK):
        provenance = {"source_publisher": DEMO_PUBLISHER}  # demo data stay fictional
    return Prepared(row, values, case_year(values, now().year), reference, ocid, provenance)
