"""Spreadsheet imports and probable duplicates, the per-row plan and ``--write-back``, through
the real CLI on SQLite and PostgreSQL (the ``run`` fixture).

A row without a reference that looks like a live case of its city (same ocid, or same buyer,
title and tender or award date, compared without case, extra spaces and trailing punctuation)
or like another row of the file is refused unless ``--allow-duplicates``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import Result
from sqlalchemy import Engine, event

from procurement.exchange.tabular import COLUMNS
from tests.helpers import assert_ok

Run = Callable[..., Result]
CITIES = ("HEL", "RIX", "STO", "TLL", "VNO")
DUPLICATE_HINT = "give its reference to update it, or use --allow-duplicates"


def sheet_rows(count: int = 20, start: int = 0) -> list[dict[str, str]]:
    """``count`` different cases as an officer types them, without references."""
    rows = []
    for n in range(start, start + count):
        city = CITIES[n % len(CITIES)]
        day = dt.date(2020, 1, 1) + dt.timedelta(days=n)
        rows.append(
            {
                "city": city,
                "buyer": f"City of {city}, Procurement Unit",
                "title": f"=Heat pumps, lot {n}",  # text a spreadsheet would run: kept as text
                "category": "goods",
                "sector": "energy",
                "procedure": "open",
                "status": "awarded",
                "tender_published": day.isoformat(),
                "awarded_on": (day + dt.timedelta(days=60)).isoformat(),
                "currency": "EUR",
                "awarded_value": str(1000 + n),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], columns: Any = COLUMNS) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def write_xlsx(run: Run, path: Path, rows: list[dict[str, str]]) -> Path:
    """The real template, filled as a spreadsheet user would: dates as date cells."""
    assert_ok(run("template", str(path)))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Cases"]
    headers = [c.value for c in sheet[1]]
    for row in rows:
        values: list[Any] = []
        for header in headers:
            value: Any = row.get(str(header)) or None
            if header in ("tender_published", "awarded_on") and value:
                value = dt.date.fromisoformat(value)
            values.append(value)
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed as '=Heat pumps: Excel keeps it as text
                cell.quotePrefix = True
    workbook.save(path)
    return path


def listed(run: Run) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(
        assert_ok(run("case", "list", "--format", "json")).output
    )
    return cases


def refused(result: Result, source: str, count: int) -> list[str]:
    """The problem lines of an import refused with ``count`` problems."""
    assert result.exit_code == 2, result.output
    noun = "problem" if count == 1 else "problems"
    lines = result.output.splitlines()
    assert lines[0] == f"Error: {count} {noun} in {source}; nothing was imported:"
    assert "Traceback" not in result.output
    return [line.strip() for line in lines[1:]]


@pytest.fixture
def filled(run: Run, tmp_path: Path) -> Path:
    return write_xlsx(run, tmp_path / "filled.xlsx", sheet_rows())


def test_importing_the_same_sheet_twice_is_refused(run: Run, filled: Path) -> None:
    first = assert_ok(run("import", str(filled)))
    assert (
        first.output.splitlines()[0] == "filled.xlsx: 20 created, 0 updated, 0 unchanged, 0 skipped"
    )
    before = listed(run)
    assert len(before) == 20
    by_title = {c["title"]: c["reference"] for c in before}

    problems = refused(run("import", str(filled)), "filled.xlsx", 20)
    assert problems[0] == (
        f"row 2: probably {by_title['=Heat pumps, lot 0']} (same buyer, title, tender and award "
        f"dates); {DUPLICATE_HINT}"
    )
    assert all(p.startswith(f"row {n + 2}: probably ") for n, p in enumerate(problems))
    assert listed(run) == before  # nothing stored, nothing changed

    again = assert_ok(run("import", str(filled), "--allow-duplicates"))
    assert (
        again.output.splitlines()[0] == "filled.xlsx: 20 created, 0 updated, 0 unchanged, 0 skipped"
    )
    assert len(listed(run)) == 40


def test_buyer_and_title_are_compared_loosely_and_one_date_is_enough(
    run: Run, tmp_path: Path
) -> None:
    [stored] = sheet_rows(1)
    assert_ok(run("import", str(write_csv(tmp_path / "first.csv", [stored]))))
    [case] = listed(run)

    award_only = dict(
        stored,
        buyer="  city of hel,   PROCUREMENT unit. ",
        title="=HEAT PUMPS,  lot 0 .",
        tender_published="",
    )
    tender_only = dict(stored, awarded_on="2026-01-01")
    path = write_csv(tmp_path / "again.csv", [award_only, tender_only])
    assert refused(run("import", str(path)), "again.csv", 2) == [
        f"row 2: probably {case['reference']} (same buyer, title and award date); "
        + DUPLICATE_HINT,
        f"row 3: probably {case['reference']} (same buyer, title and tender date); "
        + DUPLICATE_HINT,
    ]
    assert listed(run) == [case]

    # Not duplicates: another city, other dates, no date at all, another title.
    others = [
        dict(stored, city="RIX"),
        dict(stored, tender_published="2024-01-01", awarded_on="2024-02-01"),
        dict(stored, tender_published="", awarded_on="", status="planned"),
        dict(stored, title="Heat pumps, lot 1"),
    ]
    result = assert_ok(run("import", str(write_csv(tmp_path / "others.csv", others))))
    assert result.output.startswith("others.csv: 4 created,")
    assert len(listed(run)) == 5


def test_a_removed_case_is_not_a_duplicate(run: Run, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "one.csv", sheet_rows(1))
    assert_ok(run("import", str(path)))
    [case] = listed(run)
    assert_ok(run("case", "remove", case["reference"], "--yes"))
    result = assert_ok(run("import", str(path)))
    assert result.output.startswith("one.csv: 1 created,")


def test_rows_of_one_file_that_repeat_each_other_are_refused(run: Run, tmp_path: Path) -> None:
    rows = sheet_rows(3)
    rows.append(dict(rows[0], buyer=rows[0]["buyer"].upper() + "."))  # row 5 repeats row 2
    rows.append(dict(rows[1], awarded_on=""))  # row 6 repeats row 3 (same tender date)
    path = write_csv(tmp_path / "twice.csv", rows)
    assert refused(run("import", str(path)), "twice.csv", 2) == [
        "row 5: probably the same case as row 2 (same buyer, title, tender and award dates); "
        "give each case once, or use --allow-duplicates",
        "row 6: probably the same case as row 3 (same buyer, title and tender date); "
        "give each case once, or use --allow-duplicates",
    ]
    assert listed(run) == []
    assert "5 created" in assert_ok(run("import", str(path), "--allow-duplicates")).output


def test_a_row_like_a_row_that_gives_a_new_reference_is_refused(run: Run, tmp_path: Path) -> None:
    [row] = sheet_rows(1)
    rows = [row, dict(row, reference="HEL-2025-777")]
    path = write_csv(tmp_path / "mixed.csv", rows)
    assert refused(run("import", str(path)), "mixed.csv", 1) == [
        "row 2: probably the same case as row 3, HEL-2025-777 (same buyer, title, tender and "
        "award dates); give each case once, or use --allow-duplicates"
    ]
    assert listed(run) == []


def test_same_ocid_of_a_live_case_is_a_probable_duplicate(run: Run, tmp_path: Path) -> None:
    [row] = sheet_rows(1)
    assert_ok(run("import", str(write_csv(tmp_path / "a.csv", [row]))))
    [case] = listed(run)
    copy = dict(row, title="Another title", ocid=case["ocid"], tender_published="", awarded_on="")
    columns = [*COLUMNS, "ocid"]
    path = write_csv(tmp_path / "ocid.csv", [copy], columns)
    assert refused(run("import", str(path)), "ocid.csv", 1) == [
        f"row 2: probably {case['reference']} (same ocid); {DUPLICATE_HINT}"
    ]
    # An ocid is unique: allowed duplicates still cannot take it.
    assert refused(run("import", str(path), "--allow-duplicates"), "ocid.csv", 1) == [
        f"row 2, ocid: {case['ocid']} belongs to case {case['reference']} already"
    ]
    assert listed(run) == [case]


def test_rows_with_a_reference_update_and_are_never_duplicates(run: Run, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", sheet_rows(2))
    assert_ok(run("import", str(path)))
    references = {c["title"]: c["reference"] for c in listed(run)}
    rows = [dict(r, reference=references[r["title"]]) for r in sheet_rows(2)]
    rows[1]["status"] = "completed"
    result = assert_ok(run("import", str(write_csv(tmp_path / "b.csv", rows))))
    first, second = (r["reference"] for r in rows)
    assert result.output.splitlines() == [
        "b.csv: 0 created, 1 updated, 1 unchanged, 0 skipped",
        f"  row 2: {first} unchanged",
        f"  row 3: {second} updated",
    ]


def test_dry_run_shows_the_plan_of_every_row(run: Run, tmp_path: Path) -> None:
    assert_ok(run("import", str(write_csv(tmp_path / "a.csv", sheet_rows(1)))))
    [case] = listed(run)
    rows = [dict(sheet_rows(1)[0], reference=case["reference"], status="completed")]
    rows += sheet_rows(1, start=1)
    rows.append(dict(sheet_rows(1, start=2)[0], reference="STO-2020-001"))
    result = assert_ok(run("import", str(write_csv(tmp_path / "b.csv", rows)), "--dry-run"))
    assert result.output.splitlines() == [
        "b.csv: 2 would be created, 1 would be updated, 0 unchanged, 0 skipped",
        f"  row 2: {case['reference']} would be updated",
        "  row 3: new case would be created",
        "  row 4: STO-2020-001 would be created",
        "Dry run: nothing was written.",
    ]
    assert listed(run) == [case]


def test_large_imports_list_rows_only_when_verbose(run: Run, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "many.csv", sheet_rows(51))
    result = assert_ok(run("import", str(path), "--dry-run"))
    assert result.output.splitlines() == [
        "many.csv: 51 would be created, 0 would be updated, 0 unchanged, 0 skipped",
        "(51 rows: add --verbose to list each row's reference)",
        "Dry run: nothing was written.",
    ]
    result = assert_ok(run("import", str(path), "-v"))
    lines = result.output.splitlines()
    assert lines[0] == "many.csv: 51 created, 0 updated, 0 unchanged, 0 skipped"
    references = {c["title"]: c["reference"] for c in listed(run)}
    assert lines[1:] == [
        f"  row {n + 2}: {references[f'=Heat pumps, lot {n}']} created" for n in range(51)
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_write_back_fills_in_the_references(run: Run, tmp_path: Path, kind: str) -> None:
    rows = sheet_rows(20)
    rows[3]["reference"] = "tll-2020-001"  # given: kept (as the registry writes it)
    path = tmp_path / f"cases.{kind}"
    if kind == "csv":
        write_csv(path, rows)
    else:
        write_xlsx(run, path, rows)
    original = path.read_bytes()
    copy = tmp_path / f"cases-with-references.{kind}"
    result = assert_ok(run("import", str(path), "--write-back", str(copy)))
    assert (
        result.output.splitlines()[0]
        == f"{path.name}: 20 created, 0 updated, 0 unchanged, 0 skipped"
    )
    assert result.output.splitlines()[-1] == (
        f"Wrote {copy}: {path.name} with the references of the registry."
    )
    assert path.read_bytes() == original  # the officer's file is never changed
    references = {c["title"]: c["reference"] for c in listed(run)}
    assert references["=Heat pumps, lot 3"] == "TLL-2020-001"

    if kind == "csv":
        with copy.open(encoding="utf-8", newline="") as handle:
            written = list(csv.DictReader(handle))
        assert list(written[0]) == list(COLUMNS)
    else:
        workbook = openpyxl.load_workbook(copy)
        assert workbook.sheetnames == openpyxl.load_workbook(path).sheetnames  # Help kept
        sheet = workbook["Cases"]
        header = [c.value for c in sheet[1]]
        written = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet[2:21]]
        assert sheet.data_validations.dataValidation  # the drop-down lists are kept
    assert [(w["title"], w["reference"]) for w in written] == [
        (r["title"], references[r["title"]]) for r in rows
    ]

    # The copy and the registry are in step: importing the copy changes nothing.
    again = assert_ok(run("import", str(copy)))
    assert again.output.splitlines()[0] == (
        f"{copy.name}: 0 created, 0 updated, 20 unchanged, 0 skipped"
    )


def test_write_back_adds_a_reference_column_to_a_sheet_without_one(
    run: Run, tmp_path: Path
) -> None:
    columns = [c for c in COLUMNS if c != "reference"]
    path = tmp_path / "plain.csv"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + write_csv(tmp_path / "x.csv", sheet_rows(2), columns).read_bytes().replace(b",", b";")
    )
    copy = tmp_path / "copy.csv"
    assert_ok(run("import", str(path), "--write-back", str(copy)))
    references = {c["title"]: c["reference"] for c in listed(run)}
    first, second = (references[f"=Heat pumps; lot {n}"] for n in (0, 1))
    text = copy.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # as the input: BOM and semicolons
    lines = text.decode("utf-8-sig").splitlines()
    assert lines[0] == ";".join([*columns, "reference"])
    assert lines[1].endswith(f";{first}") and lines[2].endswith(f";{second}")


def test_write_back_is_refused_before_anything_is_imported(run: Run, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", sheet_rows(2))
    exists = tmp_path / "exists.csv"
    exists.write_text("keep me", encoding="utf-8")
    cases_json = tmp_path / "cases.json"
    cases_json.write_text("[]", encoding="utf-8")
    for args, message in [
        (
            (str(path), "--write-back", str(exists)),
            f"Error: --write-back {exists} exists; choose a new file name",
        ),
        (
            (str(path), "--write-back", str(path)),
            f"Error: --write-back {path} is the file being imported; choose a new file name",
        ),
        (
            (str(path), "--write-back", str(tmp_path / "new.xlsx")),
            "Error: --write-back new.xlsx: give a .csv file, the same format as cases.csv",
        ),
        (
            (str(path), "--dry-run", "--write-back", str(tmp_path / "new.csv")),
            "Error: --write-back needs a real import: leave out --dry-run",
        ),
        (
            (str(cases_json), "--write-back", str(tmp_path / "new.json")),
            "Error: --write-back works for CSV and XLSX sheets, not json",
        ),
    ]:
        result = run("import", *args)
        assert result.exit_code == 2, result.output
        assert result.output == message + "\n"
    assert exists.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "new.csv").exists()
    assert listed(run) == []


def test_write_back_is_not_written_when_the_import_is_refused(run: Run, tmp_path: Path) -> None:
    rows = sheet_rows(2)
    rows[1]["status"] = "finished"
    copy = tmp_path / "copy.csv"
    result = run("import", str(write_csv(tmp_path / "bad.csv", rows)), "--write-back", str(copy))
    assert refused(result, "bad.csv", 1)[0].startswith("row 3, status: 'finished'")
    assert not copy.exists()
    assert listed(run) == []


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """The SQL statements every engine runs while the test runs (the CLI makes its own)."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    yield seen
    event.remove(Engine, "before_cursor_execute", count)


def test_duplicates_are_found_by_batch_not_by_row(
    run: Run, tmp_path: Path, statements: list[str]
) -> None:
    """Checking 1,200 rows against the registry takes about as many queries as 120 rows."""
    small = write_csv(tmp_path / "small.csv", sheet_rows(120))
    large = write_csv(tmp_path / "large.csv", sheet_rows(1200))
    assert_ok(run("import", str(large)))
    counts = []
    for path, rows in ((small, 120), (large, 1200)):
        statements.clear()
        refused(run("import", str(path)), path.name, rows)
        counts.append(len(statements))
    assert counts[1] - counts[0] < 30, counts
    assert len(listed(run)) == 1200
