"""Guarantee 3 (importers) and 4 (safe output).

Random and adversarial files never cause a traceback or a partial write; oversized input
gets a clear limit error; links other than http(s) are refused; spreadsheet exports
neutralise formulas; contact data stays out of exports unless asked for."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.helpers import assert_ok
from tests.reliability.conftest import count_rows

HEADERS = [
    "city",
    "buyer",
    "title",
    "category",
    "sector",
    "procedure",
    "status",
    "currency",
    "estimated_value",
    "documents",
    "kpis",
    "risks",
    "ppp_model",
    "awarded_on",
    "tender_published",
    "innovation_approaches",
    "tenders_received",
    "sme_tenders",
    "reference",
    "contact_email",
]
GOOD = {
    "city": "HEL",
    "buyer": "B",
    "title": "T",
    "category": "goods",
    "sector": "ict",
    "procedure": "open",
    "status": "planned",
}
NASTY = [
    "",
    " ",
    "=1+1",
    "@SUM(A1)",
    "-",
    "\t=x",
    "javascript:alert(1)",
    "data:text/html,<script>",
    "x" * 600,
    "2025-13-45",
    "1e309",
    "-5",
    "HEL",
    "NULL",
    "'; DROP TABLE cases; --",
    "\u202e",
    "🦆",
    "1,0",
    "yes",
    "market-dialogue;x",
]
cells = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
rows = st.lists(
    st.fixed_dictionaries({}, optional={h: cells for h in HEADERS}), min_size=1, max_size=4
)
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


OUTCOMES: dict[str, int] = {"accepted": 0, "refused": 0}


def check_all_or_nothing(result: Result, before: int, after: int, rows: int) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        OUTCOMES["accepted"] += 1
        assert after - before <= rows
    else:
        assert result.exit_code == 2, result.output  # bad input, described in one message
        assert after == before  # nothing half-written
        assert result.output.startswith("Error: ")
        OUTCOMES["refused"] += 1


def write_csv(path: Path, data: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, HEADERS, restval="", extrasaction="ignore")
        writer.writeheader()
        for row in data:
            writer.writerow({**GOOD, **row})


@SETTINGS
@given(data=rows)
def test_random_csv(run: Callable[..., Result], db_url: str, tmp_path: Path, data: Any) -> None:
    path = tmp_path / "random.csv"
    write_csv(path, data)
    before = count_rows(db_url, "cases")
    result = run("import", str(path))
    check_all_or_nothing(result, before, count_rows(db_url, "cases"), len(data))


@SETTINGS
@given(data=rows)
def test_random_xlsx(run: Callable[..., Result], db_url: str, tmp_path: Path, data: Any) -> None:
    path = tmp_path / "random.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in data:
        merged = {**GOOD, **row}
        # control characters cannot even be stored in a workbook
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", str(merged.get(h, ""))) for h in HEADERS])
    book.save(path)
    before = count_rows(db_url, "cases")
    result = run("import", str(path))
    check_all_or_nothing(result, before, count_rows(db_url, "cases"), len(data))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
json_docs = st.one_of(
    json_values,
    st.lists(st.fixed_dictionaries({}, optional={h: json_values for h in HEADERS}), max_size=3),
)


@SETTINGS
@given(doc=json_docs)
def test_random_json(run: Callable[..., Result], db_url: str, tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "random.json"
    if isinstance(doc, list):
        doc = [{**GOOD, **row} if isinstance(row, dict) else row for row in doc]
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = count_rows(db_url, "cases")
    result = run("import", "--format", "json", str(path))
    check_all_or_nothing(result, before, count_rows(db_url, "cases"), 3)


def test_broken_files(run: Callable[..., Result], db_url: str, tmp_path: Path) -> None:
    samples = {
        "truncated.xlsx": b"PK\x03\x04" + b"\x00" * 50,
        "binary.csv": bytes(range(256)) * 10,
        "latin1.csv": "city,buyer,title\nHEL,Å,Ö\n".encode("latin-1"),
        "bad.json": b'{"cases": [1, 2,',
        "empty.csv": b"",
    }
    for name, content in samples.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = run("import", str(path))
        assert result.exit_code in (0, 2), (name, result.output)
        assert "Traceback" not in result.output and "unexpected failure" not in result.output
    assert count_rows(db_url, "cases") == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_oversized_input_gets_a_limit_error(
    run: Callable[..., Result], db_url: str, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # a sparse file: 65 MB on paper, nothing on disk
        handle.write(b"city,title\n")
        handle.truncate(65 * 1024 * 1024)
    result = run("import", str(huge))
    assert result.exit_code == 2
    assert "an import accepts at most 64 MB" in result.output

    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(5000)) + "\n" + "x," * 4999 + "x\n")
    result = run("import", str(wide))
    assert result.exit_code == 2 and "column" in result.output, result.output

    many = tmp_path / "many.csv"
    with many.open("w") as handle:
        handle.write("city,buyer,title,category,sector,procedure,status\n")
        handle.write("HEL,B,T,goods,ict,open,planned\n" * 100_001)
    result = run("import", str(many))
    assert result.exit_code == 2
    assert "has more than 100,000 rows" in result.output

    bomb = tmp_path / "bomb.xlsx"  # 300 MB of zeros squeezed into a few hundred KB
    with (
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        block = b"\x00" * (1024 * 1024)
        for _ in range(300):
            member.write(block)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    result = run("import", str(bomb))
    assert result.exit_code == 2
    assert "would unpack to 300 MB" in result.output

    long_title = run("case", "add", "--no-input", *flags(title="x" * 10_000))
    assert long_title.exit_code == 2
    assert "title: is 10000 characters long; at most 500 are allowed" in long_title.output
    assert count_rows(db_url, "cases") == 0


def flags(**values: str) -> list[str]:
    merged = {**GOOD, **values}
    out: list[str] = []
    for key, value in merged.items():
        out += [f"--{key.replace('_', '-')}", value]
    return out


def test_links_other_than_http_are_refused(
    run: Callable[..., Result], db_url: str, tmp_path: Path
) -> None:
    for link in (
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "JaVaScRiPt:alert(1)",
        "file:///etc/passwd",
        " javascript:x",
    ):
        result = run("case", "add", "--no-input", *flags(), "--document", f"{link} Notice")
        assert result.exit_code == 2, result.output
        assert "only http:// and https:// links are allowed" in result.output
    reference = assert_ok(run("case", "add", "--no-input", "--quiet", *flags())).output.strip()
    edit = run("case", "edit", reference, "--set", "documents=javascript:alert(1)")
    assert edit.exit_code == 2 and "only http:// and https://" in edit.output
    path = tmp_path / "links.csv"
    write_csv(path, [{"documents": "https://ok.example/a"}, {"documents": "data:text/html,x"}])
    result = run("import", str(path))
    assert result.exit_code == 2 and "only http:// and https://" in result.output
    assert count_rows(db_url, "cases") == 1
    assert count_rows(db_url, "documents") == 0


FORMULAS = {
    "title": '=HYPERLINK("http://evil.example","click")',
    "buyer": "+cmd|'/C calc'!A0",
    "description": "@SUM(1+1)*cmd|' /C calc'!A0",
    "contact_name": "-2+3",
}


def test_exports_neutralise_formulas_and_keep_contacts_out(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    assert_ok(
        run("case", "add", "--no-input", *flags(**FORMULAS), "--contact-email", "anna@example.org")
    )
    csv_text = assert_ok(run("export", "--format", "csv")).output
    row = next(csv.DictReader(io.StringIO(csv_text)))
    assert row["title"] == "'" + FORMULAS["title"]
    assert row["buyer"] == "'" + FORMULAS["buyer"]
    assert row["description"] == "'" + FORMULAS["description"]
    assert "contact_name" not in row and "contact_email" not in row
    assert "anna@example.org" not in csv_text

    with_contacts = next(
        csv.DictReader(
            io.StringIO(assert_ok(run("export", "--format", "csv", "--include-contacts")).output)
        )
    )
    assert with_contacts["contact_email"] == "anna@example.org"
    assert with_contacts["contact_name"] == "'-2+3"

    target = tmp_path / "cases.xlsx"
    assert_ok(run("export", "--format", "xlsx", "--output", str(target)))
    sheet = openpyxl.load_workbook(target).worksheets[0]
    for line in sheet.iter_rows():
        for cell in line:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "@")), cell.value
            assert cell.value != "anna@example.org"

    exported = json.loads(assert_ok(run("export", "--format", "json")).output)
    text = json.dumps(exported)
    assert "anna@example.org" not in text and "contact_email" not in text
    assert (
        "anna@example.org"
        in assert_ok(run("export", "--format", "json", "--include-contacts")).output
    )


ocds_docs = st.fixed_dictionaries(
    {
        "releases": st.lists(
            st.dictionaries(
                st.sampled_from(
                    ["ocid", "id", "date", "tag", "buyer", "tender", "awards", "parties"]
                ),
                json_values,
                max_size=6,
            ),
            max_size=3,
        )
    },
    optional={"uri": json_values, "publisher": json_values, "version": json_values},
)


@SETTINGS
@given(doc=ocds_docs)
def test_random_ocds(run: Callable[..., Result], db_url: str, tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "package.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = count_rows(db_url, "cases")
    result = run("import", "--format", "ocds", "--city", "HEL", "--strict", str(path))
    check_all_or_nothing(result, before, count_rows(db_url, "cases"), len(doc["releases"]))


def test_ocds_export_keeps_contacts_out(run: Callable[..., Result]) -> None:
    assert_ok(
        run(
            "case",
            "add",
            "--no-input",
            *flags(contact_name="Anna Officer"),
            "--contact-email",
            "anna@example.org",
        )
    )
    shared = assert_ok(run("export", "--format", "ocds")).output
    assert "anna@example.org" not in shared and "Anna Officer" not in shared
    assert "anna@example.org" in assert_ok(run("export", "--include-contacts")).output
