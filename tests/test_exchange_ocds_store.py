"""The release store: every release kept, each case compiled from all releases of its ocid
by the OCDS merge rules (checked against ocdsmerge / ``ocdskit compile``), whatever the order
of arrival; importing anything twice changes nothing; a folder is imported in one command."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from ocdsmerge import Merger
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.exchange.ocds.compile import Received, in_merge_order
from procurement.exchange.ocds.merge import compile_releases, exact_decimals
from procurement.storage.models import Case
from procurement.storage.schema import audit_events, source_records
from tests.helpers import OCDS_SCHEMAS, assert_ok, closing, empty_registry, run_on

DATA = Path(__file__).parent / "data" / "ocds-merge"
OCID = "ocds-b5fd17-0a1b2c3d"
REFERENCE_SCHEMA = OCDS_SCHEMAS / "ppp-profile" / "release-schema.json"
# what an officer or analyst sees of a case (not when or from which file it was imported)
SHOWN = [
    "ocid",
    "buyer",
    "title",
    "description",
    "category",
    "cpv",
    "procedure",
    "status",
    "tender_published",
    "awarded_on",
    "contract_start",
    "contract_end_planned",
    "currency",
    "estimated_value",
    "awarded_value",
    "final_value",
    "award_criteria",
    "tenders_received",
    "winner",
    "winner_is_sme",
    "winner_country",
    "documents",
]


def reference_merger() -> Merger:
    return Merger(schema=str(REFERENCE_SCHEMA))


def releases_of(*names: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in names:
        doc = json.loads((DATA / name).read_text("utf-8"))
        out += doc.get("releases", [doc])
    return out


def ocdskit_compile(*names: str) -> dict[str, Any]:
    """``ocdskit compile --package`` of the files (the reference), as a record package."""
    ocdskit = shutil.which("ocdskit", path=str(Path(sys.executable).parent))
    assert ocdskit is not None
    stdin = "\n".join(json.dumps(json.loads((DATA / n).read_text("utf-8"))) for n in names)
    done = subprocess.run(
        [ocdskit, "compile", "--schema", str(REFERENCE_SCHEMA), "--package"],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    package: dict[str, Any] = json.loads(done.stdout)
    return package


def shown(run: Callable[..., Result], ocid: str) -> dict[str, Any]:
    listed = json.loads(assert_ok(run("case", "list", "--format", "json", "--limit", "0")).output)
    (case,) = [c for c in listed if c["ocid"] == ocid]
    return {k: case[k] for k in SHOWN}


def stored_compiled(session: Session, ocid: str) -> dict[str, Any]:
    """The compiled release of the stored releases of ``ocid``, as the importer compiles it."""
    session.expire_all()
    rows = session.execute(
        select(source_records.c.content)
        .where(source_records.c.ocid == ocid)
        .order_by(source_records.c.id)
    ).scalars()
    ordered = in_merge_order([Received(body=exact_decimals(body)) for body in rows])
    return compile_releases(r.body for r in ordered)


def audit_count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(audit_events)) or 0)


def store_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(source_records)) or 0)


# --- the merge rules against ocdsmerge, without a database --------------------------------------


EDGE_CASES: list[list[dict[str, Any]]] = [
    releases_of("tender.json", "award.json", "update.json"),
    [
        {
            "ocid": "o",
            "id": "1",
            "date": "2024-01-01T00:00:00Z",
            "tag": ["tender"],
            "awards": [{"id": "a", "value": {"amount": 1, "currency": "EUR"}}],
            "tender": {
                "title": "x",
                "documents": [{"url": "u"}],
                "items": [{"id": 1, "quantity": 1}],
                "submissionMethod": ["electronicSubmission"],
            },
            "parties": [{"id": "p", "additionalIdentifiers": [{"scheme": "A", "id": "1"}]}],
        },
        {
            "ocid": "o",
            "id": "2",
            "date": "2024-02-01T00:00:00Z",
            "tag": ["award"],
            "awards": [],  # changes nothing
            "buyer": {},  # changes nothing
            "tender": {
                "title": None,  # removes the title
                "documents": [{"url": "v"}],  # no id: added beside the first
                "items": [{"id": "1", "unit": {"name": "u"}}],  # "1" is not 1
                "submissionMethod": ["written"],  # a list of strings: replaced whole
            },
            "parties": [{"id": "p", "additionalIdentifiers": [{"scheme": "B", "id": "2"}]}],
        },
    ],
    # one release: empty objects and arrays leave nothing, a null leaves an empty object
    [{"ocid": "e", "id": "1", "date": "2024-01-01T00:00:00Z", "a": {"b": {}}, "q": [{"x": {}}]}],
    [{"ocid": "e", "id": "1", "date": "2024-01-01T00:00:00Z", "l": [{"x": None}, {"id": None}]}],
    [{"ocid": "e", "id": "1", "date": "2024-01-01T00:00:00Z", "tender": {"items": []}}],
    [  # one release repeating an award id: its two objects merge
        {
            "ocid": "e",
            "id": "1",
            "date": "2024-01-01T00:00:00Z",
            "awards": [{"id": "a", "title": "x"}, {"id": "a", "description": "y"}],
        }
    ],
    [  # same date: the order given decides
        {"ocid": "s", "id": "a", "date": "2024-05-02T00:00:00Z", "buyer": {"name": "Met Office"}},
        {"ocid": "s", "id": "b", "date": "2024-05-02T00:00:00Z", "buyer": {"name": "MET OFFICE"}},
    ],
]


@pytest.mark.parametrize("releases", EDGE_CASES)
@pytest.mark.filterwarnings("ignore::ocdsmerge.exceptions.DuplicateIdValueWarning")
def test_compiled_release_is_ocdsmerge_s(releases: list[dict[str, Any]]) -> None:
    for given in (releases, list(reversed(releases))):
        expected = reference_merger().create_compiled_release(copy.deepcopy(given))
        ordered = in_merge_order([Received(body=r) for r in given])
        if len({r["date"] for r in given}) == len(given):  # distinct dates: order of arrival
            assert compile_releases(r.body for r in ordered) == expected  # does not matter
        else:
            assert compile_releases(given) == expected


def test_an_empty_array_or_object_erases_nothing_and_null_removes() -> None:
    compiled = compile_releases(EDGE_CASES[1])
    assert compiled["awards"] == [{"id": "a", "value": {"amount": 1, "currency": "EUR"}}]
    assert "title" not in compiled["tender"]
    assert compiled["tender"]["documents"] == [{"url": "u"}, {"url": "v"}]
    assert compiled["parties"][0]["additionalIdentifiers"] == [{"scheme": "B", "id": "2"}]
    assert (compiled["id"], compiled["tag"]) == ("o-2024-02-01T00:00:00Z", ["compiled"])


# --- imports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "order",
    [("tender.json", "award.json", "update.json"), ("update.json", "award.json", "tender.json")],
    ids=["in-date-order", "newest-first"],
)
def test_files_merge_whatever_the_order_as_ocdskit_compile(
    session: Session,
    run: Callable[..., Result],
    tmp_path: Path,
    sqlite_template: Path,
    order: tuple[str, ...],
) -> None:
    run = closing(session, run)
    for name in order:
        assert_ok(run("import", str(DATA / name), "--city", "CPH"))
    case = shown(run, OCID)
    # nothing of the tender is wiped by the award, nothing of the award by the later update
    assert case["buyer"] == "Example Borough Council"
    assert case["title"] == "Smart street lighting with outcome-based maintenance"
    assert (case["estimated_value"], case["cpv"], case["procedure"]) == (
        "2400000",
        "45316110-9",
        "competitive-dialogue",
    )
    assert (case["tenders_received"], case["awarded_value"], case["winner"]) == (
        5,
        "2150000.75",
        "Bright Streets Ltd",
    )
    assert case["description"] is None  # the update's null removed it
    # the case's source is its newest release, whichever file came last
    session.expire_all()
    imported = session.scalars(select(Case).where(Case.ocid == OCID)).one()
    assert (imported.source_file, imported.source_release_date) == (
        "update.json",
        "2025-07-01T10:00:00Z",
    )
    # the compiled release is the one ocdskit compiles from the same files
    reference = ocdskit_compile(*order)
    (record,) = reference["records"]
    assert stored_compiled(session, OCID) == record["compiledRelease"]
    # and the case is the one an import of ocdskit's compiled release gives
    compiled_file = tmp_path / "compiled.json"
    compiled_file.write_text(json.dumps(reference), "utf-8")
    other = empty_registry(tmp_path, sqlite_template)
    assert_ok(run_on(other, "import", str(compiled_file), "--city", "CPH"))
    assert shown(lambda *a: run_on(other, *a), OCID) == case
    # the export names the buyer (no "Unknown buyer")
    exported = json.loads(assert_ok(run("export", "--format", "ocds", "-o", "-")).output)
    (release,) = exported["releases"]
    assert release["buyer"]["name"] == "Example Borough Council"
    assert [a["id"] for a in release["awards"]] == ["CF-2025-0042-A1"]


def test_importing_anything_twice_changes_nothing(
    session: Session, run: Callable[..., Result]
) -> None:
    run = closing(session, run)
    for name in ("tender.json", "award.json", "same-date-1.json", "same-date-2.json"):
        assert_ok(run("import", str(DATA / name), "--city", "CPH"))
    events, stored = audit_count(session), store_count(session)
    assert stored == 4
    before = shown(run, "ocds-mo0001-2024-77")
    # same date: the release received last wins (the registry's organisation keeps the
    # spelling it first knew, matching names regardless of case)
    assert stored_compiled(session, "ocds-mo0001-2024-77")["buyer"]["name"] == "MET OFFICE"
    assert before["buyer"].casefold() == "met office"
    for name in ("same-date-1.json", "same-date-2.json", "tender.json", "award.json"):
        result = assert_ok(run("import", str(DATA / name), "--city", "CPH"))
        assert (
            result.output.splitlines()[0] == f"{name}: 0 created, 0 updated, 1 unchanged, 0 skipped"
        )
        assert (audit_count(session), store_count(session)) == (events, stored)
        assert "warning" not in result.output
    result = assert_ok(run("import", str(DATA), "--city", "CPH"))
    # the folder brings update.json, new: one case updated, the other unchanged
    assert (
        result.output.splitlines()[0] == "ocds-merge/: 0 created, 1 updated, 1 unchanged, 0 skipped"
    )
    events, stored = audit_count(session), store_count(session)
    result = assert_ok(run("import", str(DATA), "--city", "CPH"))
    assert (
        result.output.splitlines()[0] == "ocds-merge/: 0 created, 0 updated, 2 unchanged, 0 skipped"
    )
    assert (audit_count(session), store_count(session)) == (events, stored)
    assert shown(run, "ocds-mo0001-2024-77")["buyer"] == before["buyer"]


def test_a_folder_is_imported_in_one_command_and_every_release_kept(
    session: Session, run: Callable[..., Result]
) -> None:
    run = closing(session, run)
    result = assert_ok(run("import", str(DATA), "--city", "CPH"))
    assert (
        result.output.splitlines()[0] == "ocds-merge/: 2 created, 0 updated, 0 unchanged, 0 skipped"
    )
    session.expire_all()
    rows = session.execute(
        select(
            source_records.c.kind,
            source_records.c.ocid,
            source_records.c.city_code,
            source_records.c.record_id,
            source_records.c.record_date,
            source_records.c.source_file,
            source_records.c.source_position,
            source_records.c.publisher,
            source_records.c.package_uri,
            source_records.c.extensions,
            source_records.c.content,
        ).order_by(source_records.c.record_id)
    ).all()
    assert [(r.record_id, r.source_file, r.source_position) for r in rows] == [
        ("77-tender", "same-date-1.json", None),
        ("77-tender-amendment", "same-date-2.json", None),
        (f"{OCID}-award-1", "award.json", "releases[0]"),
        (f"{OCID}-tender-1", "tender.json", "releases[0]"),
        (f"{OCID}-update-1", "update.json", "releases[0]"),
    ]
    award = rows[2]
    assert (award.kind, award.ocid, award.city_code) == ("ocds-release", OCID, "CPH")
    assert award.record_date == "2025-06-20T14:00:00+01:00"
    assert award.publisher == "Example Contracts Portal"
    assert award.package_uri == "https://portal.example.org/ocds/packages/award.json"
    assert award.extensions == [
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
        "master/extension.json"
    ]
    # kept as published (the empty contracts array and the document without an id included)
    assert award.content == releases_of("award.json")[0]
    cases = {c.ocid: c for c in session.scalars(select(Case))}
    assert cases[OCID].source_file == "update.json"  # the newest release's file
    assert cases[OCID].source_release_date == "2025-07-01T10:00:00Z"
