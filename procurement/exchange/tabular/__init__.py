"""Cases in and out of the registry as spreadsheets (CSV, XLSX) and the JSON form.

The columns are ``reference`` then every vocabulary field; the cells hold what
:mod:`procurement.cases.formats` writes and the validation layer reads. An export
imported into an empty registry gives the same cases back.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from procurement.cases.formats import case_columns, write_cases_csv, write_cases_json, write_csv
from procurement.cases.query import CaseFilter, count_cases, list_cases
from procurement.core.errors import BadInput
from procurement.exchange.tabular.columns import COLUMNS
from procurement.exchange.tabular.importer import ImportRejected, import_cases, import_table
from procurement.exchange.tabular.readers import LIMITS, Limits, looks_like_case_json, read_table
from procurement.exchange.tabular.writers import write_workbook, xlsx_rows
from procurement.storage.models import Case

__all__ = [
    "COLUMNS",
    "LIMITS",
    "ImportRejected",
    "Limits",
    "export_cases",
    "import_cases",
    "import_table",
    "looks_like_case_json",
    "read_table",
    "write_template",
]

PAGE = 500
Progress = Callable[[int, int], None]


def _cases(
    session: Session, flt: CaseFilter, total: int, progress: Progress | None
) -> Iterator[Case]:
    """The filtered cases page by page, each page let go of once written."""
    done = 0
    while True:
        page = list_cases(session=session, flt=flt, limit=PAGE, offset=done)
        for case in page:
            yield case
            done += 1
            if progress is not None:
                progress(done, total)
        for case in page:
            session.expunge(case)
        if len(page) < PAGE:
            return


def export_cases(
    *,
    session: Session,
    flt: CaseFilter,
    fmt: str,
    target: Path | None,
    include_contacts: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write the cases ``flt`` selects as ``fmt`` ("csv", "xlsx" or "json") to ``target``
    (``None``: standard output; not for XLSX). Contact columns only with
    ``include_contacts``. Returns the number of cases written."""
    columns = case_columns(include_contacts=include_contacts)
    total = count_cases(session=session, flt=flt)
    cases = _cases(session, flt, total, progress)
    if fmt == "xlsx":
        if target is None:
            raise BadInput("XLSX needs a file: add --output cases.xlsx")
        counter = [0]
        write_workbook(path=target, columns=columns, rows=xlsx_rows(cases, columns, counter))
        return counter[0]
    if fmt not in ("csv", "json"):
        raise BadInput(f"unknown export format '{fmt}'; use csv, xlsx or json")
    write = write_cases_csv if fmt == "csv" else write_cases_json
    if target is None:
        return write(sys.stdout, cases, include_contacts=include_contacts)
    with target.open("w", encoding="utf-8", newline="") as handle:
        return write(handle, cases, include_contacts=include_contacts)


def write_template(*, path: Path, fmt: str, cities: Sequence[tuple[str, str]] = ()) -> None:
    """Write an empty entry sheet: every column; for XLSX also drop-down lists, the help
    of each column and a Help sheet. ``cities`` (code, name) fill the city drop-down."""
    if fmt == "xlsx":
        write_workbook(path=path, columns=COLUMNS, rows=[], cities=cities)
        return
    if fmt != "csv":
        raise BadInput(f"a template is .xlsx or .csv, not .{fmt}")
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(handle, COLUMNS, [])
