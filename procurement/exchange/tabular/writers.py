"""Write cases as CSV, XLSX or the JSON form, and the empty entry sheet (the template).

The XLSX workbook (template and export alike) has a "Cases" sheet (the columns, a frozen
header row, drop-down lists for codelists, the help of a column shown when a cell is
selected), a "Help" sheet explaining every column and a hidden "Lists" sheet holding the
drop-down values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from procurement.cases.fields import FIELD_BY_NAME, Field
from procurement.cases.formats import REFERENCE, cell_text, neutralise
from procurement.cases.values import case_values
from procurement.core.codelists import CURRENCIES
from procurement.core.errors import ProcurementError
from procurement.exchange.tabular.columns import column_help, column_letter, field_of

XLSX_CELL_CHARS = 32_767  # the most a spreadsheet cell holds
VALIDATION_ROWS = 100_001  # drop-downs and help reach this row of the Cases sheet
DATE_FORMAT = "yyyy-mm-dd"
WIDTHS = {
    "longtext": 50,
    "text": 40,
    "organisation": 36,
    "documents": 50,
    "kpis": 40,
    "risks": 40,
    "codes": 36,
    "email": 28,
}

Progress = Callable[[int, int], None]


class CellTooLong(ProcurementError):
    pass


# Cell values -----------------------------------------------------------------------------


def _exact_float(value: Decimal) -> float | None:
    """``value`` as a float when that float reads back as exactly the same amount."""
    number = float(value)
    return number if Decimal(repr(number)) == value else None


def xlsx_value(field: Field, value: Any) -> Any:
    """A typed spreadsheet value: numbers and dates as such (so sums and filters work),
    everything else as the cell text with formulas neutralised."""
    if value is None or value == [] or value == {}:
        return None
    if field.kind == "date" and isinstance(value, dt.date):
        return value
    if field.kind in ("integer", "rating") and isinstance(value, int):
        return value
    if field.kind in ("money", "percent") and isinstance(value, Decimal):
        number = _exact_float(value)
        if number is not None:
            return number
    return neutralise(cell_text(field.name, value))


# XLSX ------------------------------------------------------------------------------------


def _lists(cities: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Drop-down values per column."""
    lists: dict[str, list[str]] = {}
    if cities:
        lists["city"] = [code for code, _ in cities]
    for name, field in FIELD_BY_NAME.items():
        if field.kind == "code" and field.codelist is not None:
            lists[name] = field.codelist.values()
        elif field.kind == "currency":
            lists[name] = list(CURRENCIES)
    return lists


def _column_width(column: str) -> float:
    field = field_of(column)
    if field is None:
        return 16
    return WIDTHS.get(field.kind, max(14, len(column) + 4))


def write_workbook(
    *,
    path: Path,
    columns: Sequence[str],
    rows: Iterable[list[Any]],
    cities: Sequence[tuple[str, str]] = (),
) -> None:
    """Write the Cases / Help / Lists workbook with ``rows`` (typed values) as the data."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Cases")
    help_sheet = workbook.create_sheet("Help")
    lists_sheet = workbook.create_sheet("Lists")
    lists_sheet.sheet_state = "hidden"
    lists = _lists(cities)
    _write_lists(lists_sheet, lists)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns):
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = _column_width(column)
        sheet.data_validations.append(_column_validation(column, letter, lists))
    sheet.append([_header_cell(sheet, column) for column in columns])
    try:
        for row in rows:
            sheet.append([_data_cell(sheet, value) for value in row])
    except BaseException:
        _discard(workbook)
        raise
    _write_help(help_sheet, columns, cities)
    workbook.save(path)


def _write_lists(lists_sheet: Any, lists: dict[str, list[str]]) -> None:
    """One column per drop-down list, its name in row 1."""
    longest = max(len(v) for v in lists.values())
    lists_sheet.append(list(lists))
    for i in range(longest):
        lists_sheet.append([values[i] if i < len(values) else None for values in lists.values()])


def _column_validation(column: str, letter: str, lists: dict[str, list[str]]) -> Any:
    """The drop-down (codelists, yes/no) or the input message of a column of the Cases sheet."""
    from openpyxl.worksheet.datavalidation import DataValidation

    helps = {c: (required, text) for c, required, text, _ in column_help()}
    required, text = helps.get(column, ("no", ""))
    title = column[:32]
    validation = DataValidation(
        showInputMessage=True,
        promptTitle=title,
        prompt=(("Required. " if required == "yes" else "") + text)[:255],
        allow_blank=True,
    )
    field = field_of(column)
    if column in lists:
        list_column = column_letter(list(lists).index(column))
        validation.type = "list"
        validation.formula1 = f"Lists!${list_column}$2:${list_column}${len(lists[column]) + 1}"
    elif field is not None and field.kind == "boolean":
        validation.type = "list"
        validation.formula1 = '"yes,no"'
    if validation.type == "list":
        validation.showErrorMessage = True
        validation.errorStyle = "warning"
        validation.errorTitle = title
        validation.error = "Not in the list; see the Help sheet for the allowed values."
    validation.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
    return validation


def _header_cell(sheet: Any, title: str) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    cell = WriteOnlyCell(sheet, value=title)
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="DDEBF7")
    return cell


def _data_cell(sheet: Any, value: Any) -> Any:
    """A value of the Cases sheet: dates as date cells, everything else as it is."""
    if not isinstance(value, dt.date):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=dt.datetime.combine(value, dt.time()))
    cell.number_format = DATE_FORMAT
    return cell


def _write_help(help_sheet: Any, columns: Sequence[str], cities: Sequence[tuple[str, str]]) -> None:
    """The Help sheet: what each column holds, the conventions, the cities."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (26, 10, 60, 70), strict=True):
        help_sheet.column_dimensions[letter].width = width
    help_sheet.freeze_panes = "A2"
    titles = ("Column", "Required", "Explanation", "Allowed values and format")
    help_sheet.append([_header_cell(help_sheet, title) for title in titles])
    for values in column_help():
        if values[0] not in columns:
            continue
        cells = []
        for value in values:
            cell = WriteOnlyCell(help_sheet, value=value)
            cell.alignment = wrap
            cells.append(cell)
        help_sheet.append(cells)
    help_sheet.append([])
    for note in NOTES:
        help_sheet.append([note])
    if cities:
        help_sheet.append(["Cities: " + ", ".join(f"{c} ({n})" for c, n in cities)])


def _discard(workbook: Any) -> None:
    """Close the half-written sheets of a write-only workbook and remove their temporary
    files (openpyxl has no public way to abandon a workbook)."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        try:
            sheet.close()
        finally:
            writer.cleanup()


NOTES = (
    "One case per row of the Cases sheet; row 1 holds the column names: do not change them.",
    "Leave reference blank for a new case. A row whose reference is in the registry updates "
    "that case: its blank cells clear the field.",
    "Load the sheet with `procurement import FILE --dry-run` (checks only), then without "
    "--dry-run. If any row is wrong, every problem is listed and nothing is added.",
    "Lists (innovation_approaches, risks, kpis) separate items with ';'; documents put one "
    "link per line.",
    "Text that starts with = + - or @ is written with a leading apostrophe so that the "
    "spreadsheet does not run it as a formula; the import removes that apostrophe again.",
)


# Export ----------------------------------------------------------------------------------


def _check_cell(reference: str, column: str, text: str) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if len(text) > XLSX_CELL_CHARS:
        raise CellTooLong(
            f"case {reference}: {column} is {len(text):,} characters long, more than a "
            f"spreadsheet cell holds ({XLSX_CELL_CHARS:,}); export it as CSV or JSON"
        )
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise CellTooLong(
            f"case {reference}: {column} contains a control character that XLSX cannot hold; "
            "export it as CSV or JSON, or edit the case"
        )


def xlsx_rows(
    cases: Iterable[Any], columns: Sequence[str], counter: list[int]
) -> Iterator[list[Any]]:
    for case in cases:
        values = case_values(case)
        row: list[Any] = []
        for column in columns:
            if column == REFERENCE:
                value: Any = neutralise(case.reference)
            else:
                value = xlsx_value(FIELD_BY_NAME[column], values[column])
            if isinstance(value, str):
                _check_cell(case.reference, column, value)
            row.append(value)
        counter[0] += 1
        yield row
