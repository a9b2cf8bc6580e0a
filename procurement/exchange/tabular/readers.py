"""Read CSV, XLSX and the JSON form into rows of raw cells, within firm limits.

The readers only check the file's shape (size, encoding, headers, number of rows and
columns); the values themselves are checked by the validation layer. Oversized input is
refused with a message naming the limit before it can exhaust memory.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from procurement.cases.formats import REFERENCE, restore
from procurement.cases.validate import is_blank
from procurement.core.errors import BadInput
from procurement.core.limits import MAX_DEPTH, TOO_DEEP, check_regular_file, number_problem
from procurement.exchange.tabular.columns import column_letter, match_headers

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What an import accepts. Each is checked before the content is held in memory."""

    file_bytes: int = 64 * MiB
    xlsx_unpacked_bytes: int = 256 * MiB
    xlsx_members: int = 1_000
    rows: int = 100_000
    columns: int = 200
    line_chars: int = 4 * MiB
    json_depth: int = MAX_DEPTH  # levels of nesting in the JSON form
    xlsx_shared_strings: int = 1_000_000  # distinct texts of a workbook
    xlsx_shared_strings_bytes: int = 128 * MiB  # its shared-strings part, unpacked
    xlsx_shared_string_elements: int = 4_000_000  # XML elements in that part
    xlsx_string_elements: int = 10_000  # XML elements in one text (rich-text runs)


LIMITS = Limits()


@dataclass
class Table:
    """Rows of one file: ``rows`` yields (row number as the user sees it, column -> raw
    cell), read from the file as they are consumed, so memory does not grow with the file.
    A problem with the file's shape further down raises BadInput while iterating.
    ``estimated_rows`` (for a progress bar) may be None when unknown."""

    source: str
    columns: list[str] = field(default_factory=list)
    rows: Iterator[tuple[int, dict[str, Any]]] = field(default_factory=lambda: iter(()))
    estimated_rows: int | None = None


def _size(value: int) -> str:
    if value >= MiB:
        return f"{value / MiB:,.0f} MB"
    return f"{value / 1024:,.0f} KB"


def _check_size(path: Path, limits: Limits) -> None:
    size = check_regular_file(path).st_size
    if size > limits.file_bytes:
        raise BadInput(
            f"{path.name} is {_size(size)}; an import accepts at most {_size(limits.file_bytes)}: "
            "split it into smaller files"
        )


def _too_many_rows(source: str, limits: Limits) -> BadInput:
    return BadInput(
        f"{source} has more than {limits.rows:,} rows of cases; "
        "an import accepts at most that many: split it into smaller files"
    )


def _rows_of_cells(
    source: str,
    cells: Iterator[tuple[int, list[Any]]],
    limits: Limits,
) -> Table:
    """Turn (row number, cells) with row 1 the headers into a :class:`Table`: the header is
    read now, the rows as the table is consumed."""
    table = Table(source=source)
    try:
        _, header = next(cells)
    except StopIteration:
        raise BadInput(f"{source} is empty; start from `procurement template`") from None
    while header and is_blank(header[-1]):
        header.pop()
    if len(header) > limits.columns:
        raise BadInput(
            f"{source} has {len(header)} columns; an import accepts at most {limits.columns}"
        )
    names = match_headers(header, source=source)
    table.columns = [n for n in names if n is not None]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            yield from _cells_to_rows()
        finally:  # close the file now, however the reading ends
            close = getattr(cells, "close", None)
            if close is not None:
                close()

    unnamed = [i for i, name in enumerate(names) if name is None]

    def _cells_to_rows() -> Iterator[tuple[int, dict[str, Any]]]:
        count = 0
        for number, row in cells:
            if all(is_blank(v) for v in row):
                continue
            count += 1
            if count > limits.rows:
                raise _too_many_rows(source, limits)
            # cells under an empty header, or right of the last header, must be empty
            for index in itertools.chain(unnamed, range(len(names), len(row))):
                if index < len(row) and not is_blank(row[index]):
                    raise BadInput(
                        f"{source}: row {number} has a value in column "
                        f"{column_letter(index)}, which has no column name in row 1; "
                        "name the column or clear the cell"
                    )
            yield (
                number,
                {
                    # restore() only where a formula was neutralised (a leading apostrophe)
                    name: restore(value) if value.__class__ is str and value[:1] == "'" else value
                    for name, value in zip(names, row, strict=False)
                    if name is not None
                },
            )

    table.rows = rows()
    return table


# CSV -------------------------------------------------------------------------------------


def _delimiter(first_line: str) -> str:
    """The delimiter of the header line: ``,``, or ``;`` as Excel writes in many European
    locales, or a tab."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _lines(handle: IO[str], source: str, limits: Limits) -> Iterator[str]:
    number = 0
    while True:
        line = handle.readline(limits.line_chars + 1)
        if not line:
            return
        number += 1
        if len(line) > limits.line_chars:
            raise BadInput(
                f"{source}: line {number} is longer than {limits.line_chars:,} characters; "
                "this is not a spreadsheet of cases"
            )
        yield line


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


def read_csv(path: Path, limits: Limits = LIMITS) -> Table:
    """Read a UTF-8 CSV (with or without BOM; ``,``, ``;`` or tab separated)."""
    _check_size(path, limits)
    source = path.name
    handle = path.open(encoding="utf-8-sig", newline="")
    number = 0

    def guarded(cells: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from cells
        except UnicodeDecodeError:
            raise BadInput(
                f"{source} is not UTF-8 text; in Excel save it as "
                "'CSV UTF-8 (Comma delimited)', or import the .xlsx file itself"
            ) from None
        except csv.Error as exc:
            raise BadInput(f"{source}: row {number + 1} cannot be read as CSV: {exc}") from None
        finally:
            handle.close()

    def cells() -> Iterator[tuple[int, list[Any]]]:
        nonlocal number
        lines = _lines(handle, source, limits)
        first = next(lines, "")
        reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
        for number, row in enumerate(reader, start=1):  # noqa: UP028 (row for errors)
            yield number, row

    try:
        table = _rows_of_cells(source, guarded(cells()), limits)
    except BaseException:
        handle.close()
        raise
    table.estimated_rows = max(_count_lines(path) - 1, 0)
    return table


# XLSX ------------------------------------------------------------------------------------


def check_zip(path: Path, limits: Limits = LIMITS) -> None:
    """Refuse an XLSX (a ZIP archive) that is not one, or would unpack to too much."""
    source = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_members(source, members, limits)
            _check_shared_strings(archive, source, limits)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BadInput(
            f"{source} is not an XLSX file (it is not a ZIP archive); save it from your "
            "spreadsheet program as 'Excel Workbook (.xlsx)', or import it as CSV"
        ) from None


def _check_members(source: str, members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(members) > limits.xlsx_members:
        raise BadInput(
            f"{source} holds {len(members):,} parts; an XLSX import accepts at most "
            f"{limits.xlsx_members:,}: this is not a normal spreadsheet"
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.xlsx_unpacked_bytes:
        raise BadInput(
            f"{source} would unpack to {_size(unpacked)}, more than the "
            f"{_size(limits.xlsx_unpacked_bytes)} an import accepts: this is not a normal "
            "spreadsheet (split it into smaller files)"
        )


_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
_CONTENT_TYPES = "[Content_Types].xml"
_MAX_CONTENT_TYPES = 4 * MiB


class _Refuse(Exception):
    """Stops the XML scan of a part: ``message`` says why the workbook is refused."""


def _parts_of_type(archive: zipfile.ZipFile, content_type: str) -> set[str]:
    """The parts of ``[Content_Types].xml`` of ``content_type`` (as openpyxl finds them),
    and the usual name of the shared strings."""
    names = {"xl/sharedStrings.xml"}
    try:
        info = archive.getinfo(_CONTENT_TYPES)
    except KeyError:
        return names
    if info.file_size > _MAX_CONTENT_TYPES:
        raise _Refuse(f"its {_CONTENT_TYPES} part is over {_size(_MAX_CONTENT_TYPES)}")

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(" ")[2] == "Override" and attrs.get("ContentType") == content_type:
            names.add(attrs.get("PartName", "").lstrip("/"))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        parser.Parse(archive.read(info), True)
    except expat.ExpatError as exc:
        raise _Refuse(f"its {_CONTENT_TYPES} part is not well-formed XML ({exc})") from None
    return names


def _count_shared_strings(stream: IO[bytes], limits: Limits) -> None:
    """Scan a shared-strings part without building it: refuse more texts or XML elements
    than ``limits`` allow (openpyxl holds every text, and every element of one text)."""
    depth = 0
    strings = 0
    elements = 0
    text_depth = 0  # the depth of the outermost open text (<si>), 0 outside
    in_text = 0  # elements of that text

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, strings, elements, text_depth, in_text
        depth += 1
        elements += 1
        if elements > limits.xlsx_shared_string_elements:
            raise _Refuse(
                f"its shared strings hold more than {limits.xlsx_shared_string_elements:,} "
                "XML elements"
            )
        if text_depth:
            in_text += 1
            if in_text > limits.xlsx_string_elements:
                raise _Refuse(
                    f"a text of its shared strings holds more than "
                    f"{limits.xlsx_string_elements:,} XML elements"
                )
        elif name.rpartition(" ")[2] == "si":
            text_depth, in_text = depth, 0
        if name.rpartition(" ")[2] == "si":
            strings += 1
            if strings > limits.xlsx_shared_strings:
                raise _Refuse(
                    f"it holds more than {limits.xlsx_shared_strings:,} shared strings "
                    "(distinct texts), the most an import accepts"
                )

    def end(name: str) -> None:
        nonlocal depth, text_depth
        if depth == text_depth:
            text_depth = 0
        depth -= 1

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.ParseFile(stream)
    except expat.ExpatError as exc:
        raise _Refuse(f"its shared strings are not well-formed XML ({exc})") from None


def _check_shared_strings(archive: zipfile.ZipFile, source: str, limits: Limits) -> None:
    """Refuse, before openpyxl loads them all, shared strings (the workbook's texts) that
    are too many or too large: a small file can hold millions of empty texts."""
    try:
        for name in sorted(_parts_of_type(archive, _SHARED_STRINGS_TYPE)):
            try:
                info = archive.getinfo(name)
            except KeyError:
                continue
            if info.file_size > limits.xlsx_shared_strings_bytes:
                raise _Refuse(
                    f"its shared strings would unpack to {_size(info.file_size)}, more than "
                    f"{_size(limits.xlsx_shared_strings_bytes)}"
                )
            try:
                stream = archive.open(info)
            except (RuntimeError, NotImplementedError):  # encrypted: openpyxl says so
                continue
            with stream:
                _count_shared_strings(stream, limits)
    except _Refuse as exc:
        raise BadInput(
            f"{source} cannot be imported: {exc}; this is not a normal spreadsheet "
            "(split it into smaller files)"
        ) from None


def _sheet(workbook: Any) -> Any:
    for name in workbook.sheetnames:
        if name.strip().lower() == "cases":
            return workbook[name]
    return workbook.worksheets[0]


def _xlsx_value(cell: Any) -> Any:
    """The value as the sheet shows it: a number formatted as a percentage (stored as
    0.35, shown as 35%) is the percentage 35."""
    value = cell.value
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and "%" in (cell.number_format or "")
    ):
        return Decimal(repr(value)) * 100
    return value


def _xlsx_problem(source: str, exc: Exception) -> BadInput:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return BadInput(
        f"{source} cannot be read as an XLSX workbook ({first}); open it in your "
        "spreadsheet program and save it again as .xlsx"
    )


def read_xlsx(path: Path, limits: Limits = LIMITS) -> Table:
    """Read the "Cases" sheet (else the first sheet) of an XLSX workbook."""
    _check_size(path, limits)
    check_zip(path, limits)
    import openpyxl

    source = path.name
    try:
        with warnings.catch_warnings():
            # Files saved by Excel carry extensions openpyxl warns about; they do not matter.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign file: openpyxl raises many kinds
        raise _xlsx_problem(source, exc) from None

    def cells() -> Iterator[tuple[int, list[Any]]]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows = _sheet(workbook).iter_rows(max_col=limits.columns + 1)
                for n, r in enumerate(rows, start=1):
                    yield n, [_xlsx_value(c) for c in r]
        except BadInput:
            raise
        except Exception as exc:
            raise _xlsx_problem(source, exc) from None
        finally:
            workbook.close()

    try:
        table = _rows_of_cells(source, cells(), limits)
    except BaseException:
        workbook.close()
        raise
    try:
        table.estimated_rows = max(int(_sheet(workbook).max_row or 1) - 1, 0)
    except Exception:
        table.estimated_rows = None
    return table


# JSON ------------------------------------------------------------------------------------


def _json_items(handle: IO[bytes], source: str, limits: Limits) -> Iterator[Any]:
    import ijson

    if handle.read(3) != b"\xef\xbb\xbf":
        handle.seek(0)
    while True:
        start = handle.read(1)
        if not start:
            raise BadInput(f"{source} is empty")
        if not start.isspace():
            break
    if start != b"[":
        raise BadInput(
            f"{source} is not a list of cases: the JSON form is [{{...}}, {{...}}], "
            "as `procurement export --format json` writes it"
        )
    handle.seek(handle.tell() - 1)
    # The items are built from the parser's events here, not by ijson.items: nesting and
    # numbers are checked before anything deeper is built (ijson.items would build a path
    # for every level of a 30,000-deep file first).
    depth = 0
    item: Any = None
    for event, value in ijson.basic_parse(handle):
        if event in _OPENS:
            depth += 1
            if depth > limits.json_depth:
                raise BadInput(
                    f"{source} is JSON {TOO_DEEP}; the JSON form of cases is a list of "
                    "objects (export it with `procurement export --format json`)"
                )
        elif event in _CLOSES:
            depth -= 1
        elif event == "number" and value.__class__ is Decimal:
            problem = number_problem(value)
            if problem is not None:
                raise BadInput(f"{source}: {problem}; nothing was imported")
        if item is not None:
            item.event(event, value)
            if depth == 1:
                yield item.value
                item = None
        elif depth == 2 and event in _OPENS:
            item = ijson.ObjectBuilder()
            item.event(event, value)
        elif depth == 1 and event not in _OPENS:
            yield value  # a bare value in the list (reported by the caller)


_OPENS = frozenset(("start_map", "start_array"))
_CLOSES = frozenset(("end_map", "end_array"))


_LIST_START = re.compile(rb"^\s*\[\s*[\]{]")
_OCDS_ONLY = re.compile(
    rb'"(releases|records|compiledRelease|tag|initiationType|parties|tender)"\s*:'
)


def looks_like_case_json(path: Path) -> bool:
    """True if ``path`` starts like the registry's JSON form (a list of cases) and its first
    bytes hold none of the keys only OCDS has (releases, tag, tender, parties...)."""
    check_regular_file(path)  # a FIFO or a device: refused before it can hang
    with path.open("rb") as handle:
        head = handle.read(64 * 1024).removeprefix(b"\xef\xbb\xbf")
    return _LIST_START.match(head) is not None and _OCDS_ONLY.search(head) is None


def read_json(path: Path, limits: Limits = LIMITS) -> Table:
    """Read the JSON form: a list of objects with the vocabulary keys (UTF-8)."""
    import ijson

    _check_size(path, limits)
    source = path.name
    handle = path.open("rb")

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        try:
            for number, item in enumerate(_json_items(handle, source, limits), start=1):
                if number > limits.rows:
                    raise _too_many_rows(source, limits)
                if not isinstance(item, dict):
                    raise BadInput(
                        f"{source}: item {number} is not an object of field names and values"
                    )
                if len(item) > limits.columns:
                    raise BadInput(
                        f"{source}: item {number} has {len(item)} keys; an import accepts at "
                        f"most {limits.columns}"
                    )
                yield number, {str(k): v for k, v in item.items()}
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise BadInput(
                f"{source} is not valid JSON (after item {number}): {text}; "
                "export the JSON form with `procurement export --format json`"
            ) from None
        except RecursionError:
            raise BadInput(f"{source}: JSON nested too deeply") from None
        finally:
            handle.close()

    table = Table(source=source, rows=rows())
    with path.open("rb") as counting:  # every case has a title: a cheap estimate for progress
        table.estimated_rows = sum(
            b.count(b'"title"') for b in iter(lambda: counting.read(1 << 20), b"")
        )
    return table


# Writing the references back ------------------------------------------------------------


def _reference_index(header: list[Any], source: str) -> int:
    """The column of ``reference`` in a header row; a new column after the last name if the
    sheet has none (the header row gets the name)."""
    while header and is_blank(header[-1]):
        header.pop()
    names = match_headers(header, source=source)
    if REFERENCE in names:
        return names.index(REFERENCE)
    header.append(REFERENCE)
    return len(header) - 1


def _write_back_csv(path: Path, target: Path, references: Mapping[int, str]) -> None:
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = _delimiter(first)
    ending = "\r\n" if first.endswith("\r") or "\n" not in text else "\n"
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise BadInput(f"{path.name} is empty")
    header = list(rows[0])
    index = _reference_index(header, path.name)
    with target.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=ending)
        writer.writerow(header)
        for number, row in enumerate(rows[1:], start=2):
            if number in references:
                row = row + [""] * (index + 1 - len(row))
                row[index] = references[number]
            writer.writerow(row)


def _write_back_xlsx(path: Path, target: Path, references: Mapping[int, str]) -> None:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    try:
        sheet = _sheet(workbook)
        header = [c.value for c in sheet[1]]
        index = _reference_index(header, path.name)
        if sheet.cell(row=1, column=index + 1).value is None:
            sheet.cell(row=1, column=index + 1, value=REFERENCE)
        for number, reference in references.items():
            sheet.cell(row=number, column=index + 1, value=reference)
        workbook.save(target)
    finally:
        workbook.close()


def write_back(*, path: Path, fmt: str, target: Path, references: Mapping[int, str]) -> None:
    """Write a copy of the sheet ``path`` (``fmt`` "csv" or "xlsx") to ``target`` with
    ``references`` (row number as the import reports it -> reference) in its reference
    column, added after the last column if the sheet has none. Every other cell is copied
    as it is; ``path`` itself is never changed."""
    if fmt == "csv":
        _write_back_csv(path, target, references)
    elif fmt == "xlsx":
        _write_back_xlsx(path, target, references)
    else:
        raise BadInput(f"references can be written back to CSV and XLSX sheets, not {fmt}")


def read_table(*, path: Path, fmt: str, limits: Limits = LIMITS) -> Table:
    """Read ``path`` as ``fmt`` ("csv", "xlsx" or "json")."""
    if fmt == "csv":
        return read_csv(path, limits)
    if fmt == "xlsx":
        return read_xlsx(path, limits)
    if fmt == "json":
        return read_json(path, limits)
    raise BadInput(f"unknown table format '{fmt}'; use csv, xlsx or json")
