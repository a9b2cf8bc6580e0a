"""The spreadsheet columns and the conventions of their cells.

Columns are ``reference`` then every vocabulary field in :data:`FIELDS` order; headers are
the field names. How cells are written (formulas neutralised, contacts only when asked) is
:mod:`procurement.cases.formats`' job.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from procurement.cases.fields import ASSIGNED_KEYS, FIELD_BY_NAME, FIELDS, Field
from procurement.cases.formats import CASE_COLUMNS, REFERENCE
from procurement.cases.validate import MAX_LIST, MAX_LONGTEXT, MAX_TEXT
from procurement.core.codelists import CURRENCIES
from procurement.core.errors import BadInput

COLUMNS = CASE_COLUMNS  # the entry sheet's columns are the ones cases are written with
# Keys of the JSON form the registry assigns itself; accepted as columns and ignored on
# import (``ocid`` is kept for a case the import creates).
IGNORED_COLUMNS: tuple[str, ...] = tuple(
    k for k in (*ASSIGNED_KEYS, "origin") if k not in (REFERENCE,)
)
KNOWN_COLUMNS = frozenset(COLUMNS) | frozenset(IGNORED_COLUMNS)
REFERENCE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,39}$")


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def match_headers(headers: Sequence[object], *, source: str) -> list[str | None]:
    """Map header cells to column names (case-insensitive, surrounding spaces ignored).

    Returns one name per header cell (``None`` for an empty header cell). Unknown and
    repeated headers are refused, all of them named in one message.
    """
    names: list[str | None] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(headers):
        text = "" if cell is None else str(cell).strip()
        if not text:
            names.append(None)
            continue
        key = text.lower()
        where = f"column {column_letter(index)}"
        if key not in KNOWN_COLUMNS:
            guess = difflib.get_close_matches(
                key.replace(" ", "_").replace("-", "_"), COLUMNS, n=1, cutoff=0.75
            )
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            problems.append(f"unknown column '{text[:60]}' in {where}{hint}")
            names.append(None)
            continue
        if key in seen:
            problems.append(f"column '{key}' appears twice ({seen[key]} and {where})")
        seen[key] = where
        names.append(key)
    if problems:
        raise BadInput(
            f"{source}: {'; '.join(problems)}. Row 1 must hold the column names of "
            "`procurement template` (e.g. reference, city, buyer, title)"
        )
    if not seen:
        raise BadInput(
            f"{source}: row 1 has no column names; start from `procurement template cases.xlsx`"
        )
    return names


FORMATS: dict[str, str] = {
    "text": f"Text, at most {MAX_TEXT} characters.",
    "longtext": f"Text, at most {MAX_LONGTEXT:,} characters; line breaks allowed.",
    "date": "A date: YYYY-MM-DD, e.g. 2025-03-31 (or a date cell).",
    "money": "An amount without VAT in the case currency, e.g. 1250000.50 (or a number cell).",
    "integer": "A whole number, 0 or more.",
    "boolean": "yes or no.",
    "cpv": "CPV 2008 code NNNNNNNN-N, e.g. 34144900-7 (`procurement cpv search WORDS`).",
    "currency": "ISO 4217 code: " + ", ".join(CURRENCIES) + ".",
    "country": "ISO 3166 two-letter code, e.g. FI, SE, PL.",
    "email": "An e-mail address.",
    "city": "City code; see `procurement city list`.",
    "organisation": "Organisation name as written officially; created on first use.",
    "percent": "A percentage, e.g. 35 or 35.5 (the % sign is optional).",
    "rating": "A whole number from 1 (low) to 5 (high).",
    "risks": "CATEGORY=public|private|shared pairs separated by ';', "
    "e.g. construction=private;demand=public. Categories:",
    "kpis": "NAME=ACHIEVED[:UNIT[:BASELINE[:TARGET[:lower|higher]]]] separated by ';', "
    "e.g. co2-reduction=120:t/yr:0:100;energy-saved=850:MWh/yr;co2-emissions=40:t::50:lower "
    "(the last part: lower or higher values are better)",
    "documents": "One link per line: the URL (http or https), a space, then an optional "
    f"title. At most {MAX_LIST}.",
}


def allowed_values(field: Field) -> str:
    """What a cell of ``field`` may hold, for the Help sheet."""
    if field.name == "vfm_percent":
        return "A percentage from -100 to 100 (negative: worse than the comparator)."
    if field.codelist is not None:
        values = "; ".join(f"{m.value} ({m.label})" for m in field.codelist)
        if field.kind == "codes":
            return f"Several codes separated by ';': {values}."
        return f"One of: {values}."
    text = FORMATS[field.kind]
    if field.kind == "risks":
        from procurement.core.codelists import RiskCategory

        return text + " " + ", ".join(RiskCategory.values()) + "."
    return text


def column_help() -> list[tuple[str, str, str, str]]:
    """(column, required, explanation, allowed values) for every column."""
    rows = [
        (
            REFERENCE,
            "no",
            "The case's registry reference, e.g. HEL-2026-007. Leave it blank for a new case "
            "(one is assigned); a reference already in the registry updates that case.",
            "Letters, digits and '-', at most 40 characters.",
        )
    ]
    for field in FIELDS:
        required = "yes" if field.required else "no"
        explanation = field.help
        if field.personal:
            explanation += " Exports leave this column out unless --include-contacts."
        rows.append((field.name, required, explanation, allowed_values(field)))
    return rows


def field_of(column: str) -> Field | None:
    return FIELD_BY_NAME.get(column)
