"""``import --report``: the data-quality summary of the releases read, as the Data Review
Tool gives it (additional fields, codelist values, empty and deprecated fields, formats)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from sqlalchemy.orm import Session

from tests.helpers import assert_ok, closing


def test_import_report_summarises_the_data_quality(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    releases = [
        {
            "ocid": f"ocds-qual01-{i}",
            "id": f"r{i}",
            "date": "2025-01-01T00:00:00Z",
            "tag": ["tender"],
            "initiationType": "tender",
            "buyer": {"name": "City of Riga"},
            "tender": {
                "id": "t",
                "title": "Street lights",
                "description": "",
                "status": "adjudicada",
                "localReference": "RIX-7",  # declared by no extension
                "amendment": {"rationale": "old style"},  # deprecated in OCDS 1.1
                "documents": [{"id": "d", "url": "see the portal"}],
            },
        }
        for i in range(3)
    ]
    path = tmp_path / "portal.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in releases), "utf-8")
    report = tmp_path / "quality.json"
    result = assert_ok(run("import", str(path), "--city", "RIX", "--report", str(report)))
    assert (
        result.output.splitlines()[0]
        == "portal.jsonl: 3 created, 0 updated, 0 unchanged, 0 skipped"
    )
    data = json.loads(report.read_text("utf-8"))
    assert data["releases"] == 3
    assert data["additionalFields"] == [{"path": "tender.localReference", "count": 3}]
    assert {"path": "tender.status", "value": "adjudicada", "count": 3} in data["codelistValues"]
    assert data["emptyFields"] == [{"path": "tender.description", "count": 3}]
    assert data["deprecatedFields"] == [{"path": "tender.amendment", "count": 3}]
    assert data["formatProblems"] == [
        {"path": "tender.documents.url", "format": "uri", "count": 3, "example": "see the portal"}
    ]
    # the same as a page to read; a dry run writes the report too
    page = tmp_path / "quality.html"
    assert_ok(run("import", str(path), "--city", "RIX", "--dry-run", "--report", str(page)))
    text = page.read_text("utf-8")
    assert "<h1>Data quality of portal.jsonl</h1>" in text and "tender.localReference" in text
    # an existing report is never overwritten; a spreadsheet has no such report
    result = run("import", str(path), "--city", "RIX", "--report", str(page))
    assert result.exit_code == 2 and "exists; choose a new file name" in result.output
    sheet = tmp_path / "cases.csv"
    sheet.write_text("reference\n", "utf-8")
    result = run("import", str(sheet), "--report", str(tmp_path / "q2.json"))
    assert result.exit_code == 2 and "--report is for OCDS files, not csv" in result.output
