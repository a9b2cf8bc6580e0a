"""Which reference (``CITY-YEAR-NNN``) and OCDS identifier a new case may take: the rules,
without the database (:mod:`.references` hands the numbers out).

Needs no SQLAlchemy: the OCDS importer's helper process checks the references publishers
give with it.
"""

from __future__ import annotations

import os
import re

from procurement.core.errors import FieldError

ENV_OCID_PREFIX = "PROCUREMENT_OCID_PREFIX"
DEFAULT_OCID_PREFIX = "ocds-baltmt-"


def ocid_prefix() -> str:
    return os.environ.get(ENV_OCID_PREFIX, DEFAULT_OCID_PREFIX)


_NUMBERED = re.compile(r"^([A-Z]{3})-(\d{4})-(\d{3,})$")


def identity_problems(
    *, city: str, reference: str | None, ocid: str | None, row: int | None
) -> list[FieldError]:
    """Why a new case of ``city`` may not take the given reference or ocid: a reference
    belongs to the city it starts with, and an ocid made of this registry's prefix and a
    reference belongs to that reference's city, so that nobody can take (and so block)
    another city's numbers."""
    problems: list[FieldError] = []
    if reference is not None:
        numbered = _NUMBERED.match(reference)
        if numbered and numbered.group(1) != city:
            problems.append(
                FieldError(
                    "reference",
                    f"{reference} belongs to the numbering of {numbered.group(1)}, not {city}; "
                    "leave reference blank and one is assigned",
                    row,
                )
            )
    prefix = ocid_prefix()
    if ocid is not None and ocid.startswith(prefix):
        numbered = _NUMBERED.match(ocid[len(prefix) :])
        if numbered and numbered.group(1) != city:
            problems.append(
                FieldError(
                    "ocid",
                    f"{ocid} is this registry's identifier of a {numbered.group(1)} case, not "
                    f"a {city} one; leave ocid blank and one is assigned",
                    row,
                )
            )
        elif numbered and reference is not None and ocid[len(prefix) :] != reference:
            problems.append(
                FieldError(
                    "ocid",
                    f"{ocid} is this registry's identifier of another case than {reference}; "
                    "leave ocid blank and one is assigned",
                    row,
                )
            )
    return problems
