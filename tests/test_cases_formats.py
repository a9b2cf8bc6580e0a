"""Every CSV, XLSX and JSON the program writes goes through one serialiser per format
(procurement.cases.formats): a case with two documents, formula-like text and a contact
person goes out through each writer and comes back identical; formulas are neutralised in
every file; contacts appear only with --include-contacts."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from procurement.cases.fields import PERSONAL_FIELDS
from procurement.cases.formats import csv_line, neutralise, restore
from tests.helpers import Run, assert_ok, case_data, empty_registry, run_on

TRICKY = case_data(
    title='=HYPERLINK("https://evil.example/","click")',
    description="First line.\n=SUM(A1:A9) on the second line\n@risk on the third",
    documents=[
        {"url": "https://example.org/a.pdf", "title": "Notice A"},
        {"url": "https://example.org/b.pdf", "title": "Notice B"},
    ],
    contact_name="Åsa Berg",
    contact_email="asa@example.org",
    lessons_learned="+5 % energy; -2 % cost",
)
ASSIGNED = {"reference", "ocid", "created_at", "updated_at", "origin"}
# what a spreadsheet runs as a formula (OWASP): = + - @ tab CR and the full-width forms
FORMULA = re.compile(r"^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def assert_no_formula(cells: list[str], where: str) -> None:
    bad = [c for c in cells if FORMULA.match(c) and not NUMBER.match(c)]
    assert not bad, f"{where}: cells a spreadsheet would run: {bad}"


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ASSIGNED}


def add_from_file(run: Run, tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return assert_ok(
        run("case", "add", "--no-input", "--quiet", "--from", str(path))
    ).stdout.strip()


def shown(run: Run, reference: str, *extra: str) -> dict[str, Any]:
    out = assert_ok(run("case", "show", reference, "--format", "json", *extra)).stdout
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.mark.parametrize(
    ("command", "suffix"),
    [
        (("case", "list", "--format", "csv"), "csv"),
        (("case", "list", "--format", "json"), "json"),
        (("export", "--format", "csv"), "csv"),
        (("export", "--format", "json"), "json"),
        (("export", "--format", "xlsx"), "xlsx"),
    ],
    ids=["list-csv", "list-json", "export-csv", "export-json", "export-xlsx"],
)
@pytest.mark.parametrize("contacts", [False, True], ids=["no-contacts", "contacts"])
def test_case_goes_out_and_comes_back_identical(
    run: Run,
    tmp_path: Path,
    sqlite_template: Path,
    command: tuple[str, ...],
    suffix: str,
    contacts: bool,
) -> None:
    reference = add_from_file(run, tmp_path, TRICKY)
    original = shown(run, reference, "--include-contacts")
    path = tmp_path / f"out.{suffix}"
    extra = ("--include-contacts",) if contacts else ()
    if command[0] == "export":
        assert_ok(run(*command, *extra, "-o", str(path)))
    else:
        path.write_text(assert_ok(run(*command, *extra)).stdout, encoding="utf-8")

    # formulas neutralised and contacts present only when asked, in the file itself
    if suffix == "xlsx":
        sheet = openpyxl.load_workbook(path)["Cases"]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        assert_no_formula(cells, " ".join(command))
        text = "\n".join(cells)
    elif suffix == "csv":
        text = path.read_text("utf-8")
        rows = csv_cells(text)
        assert_no_formula([c for row in rows for c in row], " ".join(command))
        header = rows[0]
        assert ("contact_email" in header) is contacts
        documents = rows[1][header.index("documents")]
        assert documents == (
            "https://example.org/a.pdf Notice A\nhttps://example.org/b.pdf Notice B"
        )
    else:
        text = path.read_text("utf-8")
        [record] = json.loads(text)
        assert ("contact_email" in record) is contacts
        assert record["title"] == TRICKY["title"]  # JSON is not a spreadsheet: kept as is
    assert ("asa@example.org" in text) is contacts

    # imported into an empty registry, the same case comes back
    other = empty_registry(tmp_path, sqlite_template)
    assert_ok(run_on(other, "import", str(path)))
    listed = json.loads(
        assert_ok(run_on(other, "case", "list", "--format", "json", "--include-contacts")).stdout
    )
    [copy] = listed
    expected = comparable(original)
    if not contacts:
        expected.update({name: None for name in PERSONAL_FIELDS})
    assert comparable(copy) == expected
    assert copy["documents"] == TRICKY["documents"]


@pytest.mark.parametrize(
    "command",
    [
        ("report", "case", "{ref}", "--format", "csv"),
        ("report", "best-practice", "--format", "csv"),
        ("report", "compare", "--by", "city", "--format", "csv", "--min-n", "1"),
        ("report", "ppp", "--format", "csv", "--min-n", "1"),
    ],
    ids=["report-case", "report-best-practice", "report-compare", "report-ppp"],
)
def test_every_report_csv_neutralises_formulas(
    run: Run, tmp_path: Path, command: tuple[str, ...]
) -> None:
    ppp = {"ppp_model": "dbfo", "risks": {"construction": "private"}}
    reference = add_from_file(run, tmp_path, {**TRICKY, **ppp})
    assert_ok(
        run(
            "outcome", "set", reference, "--satisfaction", "4", "--best-practice",
            "--best-practice-rationale", "=cmd|' /C calc'!A0",
        )
    )  # fmt: skip
    args = [a.replace("{ref}", reference) for a in command]
    out = assert_ok(run(*args)).stdout
    rows = csv_cells(out)
    assert len(rows) > 1
    assert_no_formula([c for row in rows for c in row], " ".join(command))
    assert "asa@example.org" not in out


def test_report_case_csv_contacts_only_when_asked(run: Run, tmp_path: Path) -> None:
    reference = add_from_file(run, tmp_path, TRICKY)
    plain = assert_ok(run("report", "case", reference, "--format", "csv")).stdout
    asked = assert_ok(
        run("report", "case", reference, "--format", "csv", "--include-contacts")
    ).stdout
    assert "asa@example.org" not in plain
    assert "asa@example.org" in asked


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "\uff1dcmd", "''=x", "-5", "plain", ""],
)
def test_neutralise_owasp_starters_and_exact_restore(text: str) -> None:
    written = neutralise(text)
    assert restore(written) == text
    if FORMULA.match(text) and not NUMBER.match(text):
        assert written.startswith("'")


def test_csv_line_quotes_carriage_returns_and_newlines() -> None:
    line = csv_line(["a\rb", "c\nd", 'e"f', "g,h", "plain"])
    assert line == '"a\rb","c\nd","e""f","g,h",plain\n'
    assert csv_cells(line) == [["a\rb", "c\nd", 'e"f', "g,h", "plain"]]
