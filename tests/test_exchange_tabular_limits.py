"""Imports refuse oversized or hostile files with a clear one-line message, exit status 2,
and nothing added; XLSX exports refuse what a spreadsheet cell cannot hold."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from procurement.exchange.tabular import COLUMNS
from procurement.storage.engine import make_engine
from procurement.storage.schema import cases
from tests.helpers import assert_ok

Run = Callable[..., Result]
HEADER = "city,buyer,title,category,sector,procedure,status\n"
GOOD = "HEL,Helsingin kaupunki,{title},goods,transport,open,planned\n"


def refused(result: Result) -> str:
    """The one-line message of a refused import."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")
    assert result.output.count("\n") == 1, result.output
    return result.output.removeprefix("Error: ").rstrip("\n")


def nothing_added(run: Run) -> None:
    assert json.loads(assert_ok(run("case", "list", "--format", "json")).output) == []


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300 KB file named .xlsx whose one worksheet unpacks to 300 MB of zeros."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        chunk = b"\0" * (1 << 20)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(chunk)
    assert path.stat().st_size < 2 << 20
    return path


def test_a_zip_bomb_named_xlsx_is_refused_before_opening(run: Run, zip_bomb: Path) -> None:
    message = refused(run("import", str(zip_bomb)))
    assert message == (
        "bomb.xlsx would unpack to 300 MB, more than the 256 MB an import accepts: this is "
        "not a normal spreadsheet (split it into smaller files)"
    )
    nothing_added(run)


def test_a_file_that_is_not_xlsx_is_refused(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    path.write_text(HEADER, encoding="utf-8")
    assert refused(run("import", str(path))) == (
        "cases.xlsx is not an XLSX file (it is not a ZIP archive); save it from your "
        "spreadsheet program as 'Excel Workbook (.xlsx)', or import it as CSV"
    )


def test_an_oversized_file_is_refused_unread(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # sparse: costs no disk and no time
        handle.truncate(65 * 1024 * 1024)
    assert refused(run("import", str(path))) == (
        "huge.csv is 65 MB; an import accepts at most 64 MB: split it into smaller files"
    )


def test_more_than_100000_rows_are_refused(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("title\n" + "x\n" * 100_001, encoding="utf-8")
    assert refused(run("import", str(path))) == (
        "rows.csv has more than 100,000 rows of cases; an import accepts at most that many: "
        "split it into smaller files"
    )
    nothing_added(run)


def test_more_than_200_columns_are_refused(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(201)) + "\n", encoding="utf-8")
    assert refused(run("import", str(path))) == (
        "wide.csv has 201 columns; an import accepts at most 200"
    )


def test_cell_text_is_limited_by_the_validation_layer(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(HEADER + GOOD.format(title="t" * 501), encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.output == (
        "Error: 1 problem in long.csv; nothing was imported:\n"
        "  row 2, title: is 501 characters long; at most 500 are allowed\n"
    )
    huge = tmp_path / "huge-cell.csv"
    huge.write_text(HEADER + GOOD.format(title="t" * 200_000), encoding="utf-8")
    assert refused(run("import", str(huge))) == (
        "huge-cell.csv: row 2 cannot be read as CSV: field larger than field limit (131072)"
    )
    nothing_added(run)


def test_a_csv_that_is_not_utf8_is_refused(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + GOOD.format(title="Malmö")).encode("latin-1"))
    assert refused(run("import", str(path))) == (
        "latin1.csv is not UTF-8 text; in Excel save it as "
        "'CSV UTF-8 (Comma delimited)', or import the .xlsx file itself"
    )


def test_a_value_in_an_unnamed_column_is_refused(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "stray.csv"
    path.write_text("title,,city\nx,oops,HEL\n", encoding="utf-8")
    assert refused(run("import", str(path))) == (
        "stray.csv: row 2 has a value in column B, which has no column name in row 1; "
        "name the column or clear the cell"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"title": "x"}',
            "is not a list of cases: the JSON form is [{...}, {...}], as "
            "`procurement export --format json` writes it",
        ),
        ("[1, 2]", ": item 1 is not an object of field names and values"),
        ('[{"title": "x"', "is not valid JSON (after item 0): "),
        ("", "is empty"),
    ],
)
def test_json_that_is_not_the_json_form_is_refused(
    run: Run, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "cases.json"
    path.write_text(content, encoding="utf-8")
    assert refused(run("import", str(path), "--format", "json")).startswith(
        "cases.json " + message if not message.startswith(":") else "cases.json" + message
    )


def test_xlsx_export_refuses_text_a_cell_cannot_hold(run: Run, tmp_path: Path, db_url: str) -> None:
    """A control character that an older version stored (input refuses them now) makes
    the XLSX export refuse, never write a broken workbook."""
    path = tmp_path / "in.csv"
    path.write_text(HEADER + GOOD.format(title="bell"), encoding="utf-8")
    assert_ok(run("import", str(path)))
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(cases.update().values(title="bell\x07"))
    engine.dispose()
    out = tmp_path / "out.xlsx"
    result = run("export", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 1
    assert result.output.startswith("Error: case HEL-")
    assert result.output.endswith(
        ": title contains a control character that XLSX cannot hold; export it as CSV or "
        "JSON, or edit the case\n"
    )
    # nothing half-written: neither the file nor a temporary one beside it
    assert not [p.name for p in tmp_path.iterdir() if "out.xlsx" in p.name]


def test_header_names_cover_the_vocabulary() -> None:
    assert COLUMNS[0] == "reference" and len(COLUMNS) == len(set(COLUMNS)) < 200
