"""The one serialiser per format: every CSV, XLSX cell and JSON form of a case the program writes.

Listings (``case list``), exports, templates and report tables all write through here, so
they behave the same:

- **Formulas never run** (OWASP "CSV injection"): a text cell a spreadsheet would run as a
  formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or their
  full-width forms) gets a leading apostrophe (:func:`neutralise`); the importer removes
  exactly that apostrophe again (:func:`restore`), so a round trip is exact.
- **Cells keep their lines**: a multi-line value (documents, descriptions) stays multi-line,
  quoted as RFC 4180 says (a cell holding a line break or carriage return is always quoted),
  so a listing imported again gives the same documents back.
- **Contacts only when asked**: the contact person's name and e-mail are personal data; they
  are written only with ``include_contacts=True`` (``--include-contacts``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from procurement.cases.fields import FIELDS, PERSONAL_FIELDS
from procurement.cases.values import case_to_dict, case_values, jsonable

if TYPE_CHECKING:
    from procurement.storage.models import Case

REFERENCE = "reference"
CASE_COLUMNS: tuple[str, ...] = (REFERENCE, *(f.name for f in FIELDS))

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets:
# = + - @ start a formula, a leading tab or carriage return hides one; spreadsheet programs
# also read the full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20) as the ASCII ones.
_STARTERS = "=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20"
_FORMULA_START = re.compile(f"^'*[{_STARTERS}]")
_ESCAPED = re.compile(f"^'+[{_STARTERS}]")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    Text that already starts with apostrophes before such a character gets one more, so
    that :func:`restore` (which removes one) gives back the original exactly. A plain
    negative number such as ``-5`` is not a formula and stays as it is.
    """
    if _FORMULA_START.match(text) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Remove the apostrophe :func:`neutralise` added (and nothing else)."""
    return text[1:] if text[:1] == "'" and _ESCAPED.match(text) else text


def cell_text(name: str, value: Any) -> str:
    """One vocabulary value as cell text (the inverse of the validation parsers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "innovation_approaches":
        return ";".join(value)
    if name == "risks":
        return ";".join(f"{k}={v}" for k, v in value.items())
    if name == "kpis":
        parts = []
        for k in value:
            lower = k.get("lower_is_better")
            fields = [
                jsonable(k["achieved"]),
                k["unit"],
                jsonable(k["baseline"]),
                jsonable(k["target"]),
                None if lower is None else "lower" if lower else "higher",
            ]
            text = ":".join("" if f is None else str(f) for f in fields).rstrip(":")
            parts.append(f"{k['name']}={text}")
        return ";".join(parts)
    if name == "documents":
        return "\n".join(f"{d['url']} {d['title'] or ''}".strip() for d in value)
    return str(jsonable(value))


def plain_text(value: Any) -> str:
    """Any other value (a report figure, a history entry) as cell text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(plain_text(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}={plain_text(v)}" for k, v in value.items())
    return str(jsonable(value))


# CSV -------------------------------------------------------------------------------------


def csv_line(cells: Sequence[str]) -> str:
    """One CSV record (RFC 4180 quoting, any line break or carriage return quoted), ending
    in a newline. Cells are written as given: neutralise them first."""
    return (
        ",".join(
            '"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell
            for cell in cells
        )
        + "\n"
    )


def write_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and rows of values (text or anything :func:`plain_text` writes), every
    cell neutralised; the number of rows written."""
    handle.write(csv_line([neutralise(h) for h in header]))
    count = 0
    for row in rows:
        handle.write(
            csv_line([neutralise(c if c.__class__ is str else plain_text(c)) for c in row])
        )
        count += 1
    return count


# Cases -------------------------------------------------------------------------------------


def case_columns(*, include_contacts: bool) -> list[str]:
    """The columns a case is written with: its reference, then every field in vocabulary
    order; the contact columns only when asked."""
    return [c for c in CASE_COLUMNS if include_contacts or c not in PERSONAL_FIELDS]


def case_cells(case: Case, columns: Sequence[str]) -> list[str]:
    """One stored case as cell text, column by column (not yet neutralised)."""
    values = case_values(case)
    return [case.reference if c == REFERENCE else cell_text(c, values[c]) for c in columns]


def write_cases_csv(handle: IO[str], cases: Iterable[Case], *, include_contacts: bool) -> int:
    """Cases as CSV, the columns of the entry sheet, so the file can be imported again."""
    columns = case_columns(include_contacts=include_contacts)
    return write_csv(handle, columns, (case_cells(case, columns) for case in cases))


def case_record(case: Case, *, include_contacts: bool) -> dict[str, Any]:
    """A case in its stable JSON form (the keys of ``case show --format json``)."""
    return case_to_dict(case, include_contacts=include_contacts)


def write_cases_json(handle: IO[str], cases: Iterable[Case], *, include_contacts: bool) -> int:
    """Cases as a JSON list of :func:`case_record` objects, written as they come (a long
    listing is never held in memory); the number written."""
    count = 0
    handle.write("[")
    for case in cases:
        text = json.dumps(
            case_record(case, include_contacts=include_contacts), indent=2, ensure_ascii=False
        )
        handle.write(("," if count else "") + "\n  " + text.replace("\n", "\n  "))
        count += 1
    handle.write("\n]\n" if count else "]\n")
    return count
