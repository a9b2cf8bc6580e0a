"""``import FILE`` of OCDS from several publishers' styles, messy data included."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.cases.query import get_case, history
from procurement.cases.store.update import add_case, update_case
from procurement.exchange.ocds.detect import looks_like_ocds, sniff_encoding
from procurement.exchange.ocds.merge import merge_releases
from procurement.exchange.ocds.reader import FileReader
from procurement.exchange.ocds.spill import Spill
from procurement.storage.models import Case
from tests.helpers import (
    add_varied_cases,
    assert_ok,
    assert_valid_package,
    case_data,
    closing,
    empty_registry,
    reading_run,
    run_on,
)

DATA = Path(__file__).parent / "data" / "ocds"


def cases_by_ocid(session: Session) -> dict[str, Case]:
    session.expire_all()
    return {c.ocid: c for c in session.scalars(select(Case))}


def lines(result: Result) -> list[str]:
    return result.output.splitlines()


def test_round_trip_into_an_empty_registry(
    session: Session, run: Callable[..., Result], tmp_path: Path, sqlite_template: Path
) -> None:
    run = closing(session, run)

    source = empty_registry(tmp_path, sqlite_template, "source.sqlite")
    from procurement.storage.engine import make_engine

    engine = make_engine(source)
    with Session(engine) as other:
        add_varied_cases(other)
    engine.dispose()
    first = tmp_path / "first.json"
    assert_ok(run_on(source, "export", "--format", "ocds", "-o", str(first)))
    result = assert_ok(run("import", str(first)))
    assert lines(result)[0] == "first.json: 11 created, 0 updated, 0 unchanged, 0 skipped"
    again = tmp_path / "again.json"
    assert_ok(run("export", "--format", "ocds", "--validate", "-o", str(again)))
    a, b = json.loads(first.read_text()), json.loads(again.read_text())
    assert_valid_package(b)
    assert a.pop("publishedDate") != "" and b.pop("publishedDate") != ""
    assert a == b
    imported = cases_by_ocid(session)
    case = next(c for c in imported.values() if c.ppp is not None)
    assert case.origin == "imported"
    assert case.source_file == "first.json"
    assert case.source_publisher is not None and case.source_publisher.startswith("Unnamed")
    assert case.reference == case.ocid.removeprefix("ocds-baltmt-")  # registry reference kept
    assert case.ppp is not None
    assert case.ppp.private_finance_share == Decimal("70.00")
    assert {r.category: r.allocation for r in case.ppp.risks}["force-majeure"] == "shared"
    # the same file again changes nothing
    result = assert_ok(run("import", str(first)))
    assert lines(result)[0] == "first.json: 0 created, 0 updated, 11 unchanged, 0 skipped"


def test_release_package_merged_by_ocid_with_city_map(
    session: Session, run: Callable[..., Result]
) -> None:
    run = closing(session, run)
    result = assert_ok(
        run(
            "import",
            str(DATA / "portal-release-package.json"),
            "--city-map",
            str(DATA / "city-map.csv"),
        )
    )
    assert lines(result) == [
        "portal-release-package.json: 1 created, 0 updated, 0 unchanged, 0 skipped"
    ]
    case = cases_by_ocid(session)["ocds-b5fd17-0a1b2c3d"]
    assert case.city_code == "CPH"  # buyer identifier GB-GOR-PB1234 in the city map
    assert case.reference.startswith("CPH-2025-")
    assert (case.title, case.procedure, case.status) == (
        "Smart street lighting with outcome-based maintenance",
        "competitive-dialogue",
        "awarded",
    )
    assert (case.currency, case.estimated_value, case.awarded_value) == (
        "GBP",
        Decimal("2400000.00"),
        Decimal("2150000.75"),
    )
    assert case.cpv == "45316110-9"
    assert case.category == "works"
    assert case.award_criteria == "price-quality"
    assert case.tenders_received == 5
    assert case.winner is not None and case.winner.name == "Bright Streets Ltd"
    assert case.winner_is_sme is True and case.winner_country == "GB"
    assert str(case.tender_published) == "2025-02-03"
    assert str(case.contract_start) == "2025-09-01"
    assert case.contact_email == "procurement@example.org"
    assert case.sector == "other"  # default: OCDS has no sector
    assert case.source_publisher == "Example Contracts Portal"
    assert case.source_uri == "https://portal.example.org/ocds/packages/2025-06.json"
    assert case.source_release_date == "2025-06-20T14:00:00+01:00"
    assert [d.url for d in case.documents] == ["https://portal.example.org/notice/CF-2025-0042"]

    # re-export keeps the publisher's fields the registry does not model (but no contacts)
    from procurement.exchange.ocds.exporter import compiled_release

    release = compiled_release(case)
    assert release["id"] == "ocds-b5fd17-0a1b2c3d-award-1"
    assert release["tender"]["tenderPeriod"]["endDate"] == "2025-03-14T12:00:00+01:00"
    assert release["tender"]["items"][0]["quantity"] == 4000
    assert release["tender"]["documents"][0]["documentType"] == "tenderNotice"
    assert release["awards"][0]["contractPeriod"]["endDate"] == "2032-08-31T00:00:00Z"
    buyer = next(p for p in release["parties"] if "buyer" in p["roles"])
    assert buyer["identifier"]["scheme"] == "GB-GOR"
    assert "contactPoint" not in buyer
    assert release["language"] == "en"


def test_record_package_with_local_words(session: Session, run: Callable[..., Result]) -> None:
    run = closing(session, run)
    result = assert_ok(run("import", str(DATA / "record-package.json"), "--city", "VNO"))
    out = lines(result)
    assert out[0] == "record-package.json: 1 created, 0 updated, 0 unchanged, 0 skipped"
    where = (
        "warning: record-package.json, records[0], compiledRelease, ocid ocds-03ad3f-2025-1187, "
        "release ocds-03ad3f-2025-1187-compiled"
    )
    assert (
        f"{where}, tender.status: 'adjudicada' is not in the OCDS tenderStatus codelist; "
        "status derived from the rest of the release (the original is kept)"
    ) in out
    assert (
        f"{where}, tender.procurementMethod: 'abierto' is not in the OCDS method codelist; "
        "procedure 'other' (the original is kept)"
    ) in out
    assert any(line.startswith(f"{where}, tender.mainProcurementCategory: 'obras'") for line in out)
    case = cases_by_ocid(session)["ocds-03ad3f-2025-1187"]
    assert (case.procedure, case.status, case.category, case.award_criteria) == (
        "other",
        "implementation",
        "services",
        None,
    )
    from procurement.exchange.ocds.exporter import compiled_release

    release = compiled_release(case)
    # exported OCDS stays valid: the local words travel in the extension, not in the codelists
    assert release["tender"]["status"] == "complete"
    assert {"path": "tender.status", "value": "adjudicada"} in release["baltmet"]["rejected"]
    assert release["tender"]["awardCriteria"] == "menor precio"  # an open codelist: kept
    assert release["planning"]["budget"]["description"] == "Presupuesto municipal"


def test_messy_json_lines(session: Session, run: Callable[..., Result]) -> None:
    run = closing(session, run)
    result = assert_ok(run("import", str(DATA / "messy-releases.jsonl"), "--city", "TLL"))
    out = lines(result)
    assert out[0] == "messy-releases.jsonl: 4 created, 0 updated, 0 unchanged, 2 skipped"
    # every warning names the file, the line, the ocid, the release and the field
    w = "warning: messy-releases.jsonl, line"
    for expected in (
        f"{w} 1, ocid ocds-x1y2z3-TLL-0001, release TLL-0001-01, tag: a string ('tender') "
        "instead of a list; read as a list",
        f"{w} 2, ocid TLL-0002, release TLL-0002-01, ocid: 'TLL-0002' has no OCDS prefix "
        "(ocds-xxxxxx-); kept as it is",
        f"{w} 2, ocid TLL-0002, release TLL-0002-01, tender.procurementMethod: 'selective' "
        "without a recognised procurementMethodDetails; procedure 'other' (the original is kept)",
        f"{w} 3, ocid ocds-x1y2z3-TLL-0001, release TLL-0001-02, tender.value.currency: EUR "
        "differs from the case currency SEK; the amount is kept in the OCDS data only",
        f"{w} 4, ocid ocds-x1y2z3-TLL-0003, release TLL-0003-01, date: missing; merged before "
        "the dated releases of its ocid",
        f"{w} 4, ocid ocds-x1y2z3-TLL-0003, release TLL-0003-01, tender: missing (a release "
        "without a tender section)",
        f"{w} 5, ocid ocds-x1y2z3-TLL-0004, release TLL-0004-01, buyer: no buyer or procuring "
        "entity named; recorded as 'Unknown buyer'",
        "skipped messy-releases.jsonl, line 6: not valid JSON (Expecting value: line 1 column 1 "
        "(char 0))",
        "skipped messy-releases.jsonl, line 7, release TLL-0005-01: no ocid",
    ):
        assert expected in out, expected
    cases = cases_by_ocid(session)
    robots = cases["ocds-x1y2z3-TLL-0001"]  # two releases merged, newest wins
    assert (robots.status, robots.tenders_received, robots.currency) == ("awarded", 3, "SEK")
    assert robots.awarded_value == Decimal("760000.00") and robots.estimated_value is None
    assert cases["TLL-0002"].procedure == "other"
    no_tender = cases["ocds-x1y2z3-TLL-0003"]
    assert (no_tender.status, no_tender.title) == (
        "implementation",
        "Contracting process ocds-x1y2z3-TLL-0003",
    )
    assert cases["ocds-x1y2z3-TLL-0004"].buyer.name == "Unknown buyer"

    # --strict: one bad line refuses the whole file and writes nothing
    result = run("import", str(DATA / "messy-releases.jsonl"), "--city", "RIX", "--strict")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: messy-releases.jsonl, line 6: not valid JSON (Expecting value: line 1 column 1 "
        "(char 0)) (and 1 more); nothing was imported (--strict)"
    )
    assert len(cases_by_ocid(session)) == 4


def test_ocds_1_0_ppp_profile_and_latin1(session: Session, run: Callable[..., Result]) -> None:
    run = closing(session, run)
    assert_ok(run("import", str(DATA / "ocds-1.0-package.json"), "--city", "WAW"))
    old = cases_by_ocid(session)["ocds-pl0000-2016-17"]
    assert (old.buyer.name, old.award_criteria, old.procedure, old.cpv) == (
        "Miasto Stołeczne Warszawa",
        "price-quality",
        "open",
        "34144910-0",
    )
    assert old.contact_name == "Jan Kowalski"

    result = assert_ok(run("import", str(DATA / "ppp-profile-release.json"), "--city", "HEL"))
    assert (
        "warning: ppp-profile-release.json, ocid ocds-pppex1-2024-hospital, release "
        "hospital-contract-2, ppp_model: PPP data without a PPP model; recorded as 'other'"
    ) in lines(result)
    hospital = cases_by_ocid(session)["ocds-pppex1-2024-hospital"]
    assert hospital.ppp is not None
    assert hospital.ppp.ppp_model == "other"
    assert hospital.ppp.private_finance_share == Decimal("75.00")
    assert str(hospital.ppp.financial_close) == "2024-11-28"
    assert {r.category: r.allocation for r in hospital.ppp.risks} == {
        "change-in-law": "public",
        "construction": "private",
    }
    from procurement.exchange.ocds.exporter import compiled_release

    release = compiled_release(hospital)
    risks = {r["id"]: r for r in release["contracts"][0]["riskAllocation"]}
    assert risks["r3"]["category"] == "demandRisk"  # unknown category kept in the OCDS data
    assert risks["r1"]["description"] == "Cost overruns"
    assert release["contracts"][0]["financeSummary"]["projectIRR"] == 0.071
    assert release["parties"][1]["shareholders"][0]["shareholding"] == 0.6

    result = assert_ok(run("import", str(DATA / "latin1-package.json"), "--city", "MMA"))
    assert (
        "warning: latin1-package.json is not UTF-8 (byte 0xF6 at offset 157); read as "
        "Windows-1252: check accented names, or convert the file to UTF-8"
    ) in lines(result)
    green = cases_by_ocid(session)["ocds-se0000-MMA-2023-31"]
    assert green.title == "Gröna tak på förskolor"
    assert green.award_criteria == "price-only"  # "lägsta pris"
    assert green.source_publisher == "Malmö stad, upphandlingsavdelningen"
    result = run("import", str(DATA / "latin1-package.json"), "--city", "MMA", "--strict")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: latin1-package.json is not UTF-8 (byte 0xF6 at offset 157); refused (--strict)"
    )


def test_bad_files_and_options(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    result = run("import", str(DATA / "truncated.json"), "--city", "HEL")
    assert result.exit_code == 2
    assert result.output.startswith("Error: truncated.json is not valid JSON (")
    assert result.output.strip().endswith("nothing was imported. Check that the file is complete")
    result = run("import", str(DATA / "portal-release-package.json"))
    assert result.exit_code == 2  # nothing could be imported: a failure, with the reasons
    assert lines(result)[-2:] == [
        "skipped portal-release-package.json, release ocds-b5fd17-0a1b2c3d-award-1 (ocid "
        "ocds-b5fd17-0a1b2c3d): no city for this case: give --city CODE, or --city-map with the "
        "buyer (buyer identifiers: PB1234, GB-GOR-PB1234)",
        "Error: nothing was imported from portal-release-package.json: every record was "
        "skipped (the reasons are listed above); fix them and import again",
    ]
    result = run("import", str(DATA / "portal-release-package.json"), "--city", "XXX")
    assert result.exit_code == 2 and "unknown city 'XXX' for --city" in result.output
    bad_map = tmp_path / "map.csv"
    bad_map.write_text("GB-GOR-PB1234,ZZZ\n", "utf-8")
    result = run("import", str(DATA / "portal-release-package.json"), "--city-map", str(bad_map))
    assert result.exit_code == 2 and "map.csv, line 1: unknown city 'ZZZ'" in result.output
    result = assert_ok(
        run("import", str(DATA / "portal-release-package.json"), "--city", "HEL", "--dry-run")
    )
    assert lines(result)[0] == (
        "portal-release-package.json: 1 would be created, 0 would be updated, 0 unchanged, "
        "0 skipped"
    )
    assert cases_by_ocid(session) == {}


def test_newer_release_updates_with_an_audit_event(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    package = json.loads((DATA / "portal-release-package.json").read_text("utf-8"))
    first = tmp_path / "june.json"
    first.write_text(json.dumps(package), "utf-8")
    assert_ok(run("import", str(first), "--city", "CPH"))
    package["releases"].append(
        {
            "ocid": "ocds-b5fd17-0a1b2c3d",
            "id": "ocds-b5fd17-0a1b2c3d-contract-1",
            "date": "2025-09-02T10:00:00Z",
            "tag": ["contract"],
            "contracts": [
                {
                    "id": "CF-2025-0042-C1",
                    "awardID": "CF-2025-0042-A1",
                    "status": "active",
                    "dateSigned": "2025-08-29T00:00:00Z",
                }
            ],
        }
    )
    later = tmp_path / "september.json"
    later.write_text(json.dumps(package), "utf-8")
    result = assert_ok(run("import", str(later), "--city", "CPH"))
    assert lines(result)[0] == "september.json: 0 created, 1 updated, 0 unchanged, 0 skipped"
    case = cases_by_ocid(session)["ocds-b5fd17-0a1b2c3d"]
    assert case.status == "implementation"
    assert case.source_release_date == "2025-09-02T10:00:00Z"
    events = history(session=session, reference=case.reference)
    assert events[0].action == "update"
    assert events[0].changes["status"] == {"old": "awarded", "new": "implementation"}
    # the older file does not undo the newer release
    result = assert_ok(run("import", str(first), "--city", "CPH"))
    assert lines(result)[0] == "june.json: 0 created, 0 updated, 1 unchanged, 0 skipped"
    # a local edit, then the export uses the registry's values with a new release id
    update_case(session=session, reference=case.reference, data={"title": "New title"}, user="t")
    session.commit()
    from procurement.exchange.ocds.exporter import compiled_release

    release = compiled_release(get_case(session=session, reference=case.reference))
    assert release["tender"]["title"] == "New title"
    assert release["id"] != "ocds-b5fd17-0a1b2c3d-contract-1"
    assert release["contracts"][0]["dateSigned"] == "2025-08-29T00:00:00Z"


def test_local_case_reference_taken(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    """An extension reference already used here is not reused: a new one is assigned."""
    local = add_case(session=session, data=case_data(), user="t")
    session.commit()
    exported = tmp_path / "mine.json"
    assert_ok(run("export", "--format", "ocds", "-o", str(exported)))
    package = json.loads(exported.read_text("utf-8"))
    package["releases"][0]["ocid"] = "ocds-other1-X-1"
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(package), "utf-8")
    assert_ok(run("import", str(copy)))
    imported = cases_by_ocid(session)["ocds-other1-X-1"]
    assert imported.reference != local.reference
    assert imported.reference.startswith("HEL-2025-")


# --- without a database -----------------------------------------------------------------------


def test_merge_rules() -> None:
    releases = [
        {
            "ocid": "o",
            "tender": {"title": "A", "description": "old", "items": [{"id": "1", "quantity": 1}]},
            "parties": [{"id": "p1", "name": "X", "additionalIdentifiers": [{"id": "a"}]}],
            "tag": ["tender"],
        },
        {
            "ocid": "o",
            "tender": {"description": None, "items": [{"id": "2", "quantity": 2}]},
            "parties": [{"id": "p1", "roles": ["buyer"], "additionalIdentifiers": [{"id": "b"}]}],
            "tag": ["tenderUpdate"],
        },
    ]
    compiled = merge_releases(releases)
    assert compiled["tender"] == {
        "title": "A",
        "items": [{"id": "1", "quantity": 1}, {"id": "2", "quantity": 2}],
    }
    assert compiled["parties"] == [
        {"id": "p1", "name": "X", "additionalIdentifiers": [{"id": "b"}], "roles": ["buyer"]}
    ]
    assert compiled["tag"] == ["compiled"]


def test_detection() -> None:
    assert looks_like_ocds(DATA / "portal-release-package.json")
    assert looks_like_ocds(DATA / "messy-releases.jsonl")
    assert not looks_like_ocds(DATA / "city-map.csv")
    assert sniff_encoding(DATA / "portal-release-package.json").problem is None
    assert sniff_encoding(DATA / "latin1-package.json").name == "cp1252"


def test_reading_a_big_package_keeps_memory_flat(tmp_path: Path) -> None:
    """About 8 MB of releases are streamed to the spill file, not held in memory."""
    path = tmp_path / "big.json"
    body = {
        "tender": {"id": "t", "title": "x" * 200, "description": "y" * 1500},
        "tag": ["tender"],
        "date": "2025-01-01T00:00:00Z",
    }
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"uri": "https://x.example/p", "version": "1.1", "releases": [')
        for i in range(4000):
            release = {"ocid": f"ocds-aaaaaa-{i % 1500}", "id": str(i), **body}
            handle.write(("," if i else "") + json.dumps(release))
        handle.write('], "publisher": {"name": "Late metadata"}}')
    assert path.stat().st_size > 7_000_000
    run = reading_run(path, cities=set(), user="t")
    spill = Spill(tmp_path / "spill.sqlite")
    tracemalloc.start()
    FileReader(run, spill).read(sniff_encoding(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 3_000_000, peak
    assert len(list(spill.ocids())) == 1500
    assert len(spill.rows("ocds-aaaaaa-7")) == 3
    assert spill.packages[0].publisher == "Late metadata"
    spill.close()


def test_the_city_may_be_named_as_on_every_other_path(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    """`--city Rīga` and a city map naming "Copenhagen" work as the codes do (issue 12: the
    code, the English and the local name, on every input path and every --city)."""
    run = closing(session, run)
    result = assert_ok(run("import", str(DATA / "portal-release-package.json"), "--city", "Rīga"))
    assert lines(result)[0].startswith("portal-release-package.json: 1 created")
    city_map = tmp_path / "map.csv"
    city_map.write_text("buyer_identifier,city\nGB-GOR-PB1234,Copenhagen\n", "utf-8")
    other = tmp_path / "other.json"
    other.write_text(
        (DATA / "portal-release-package.json")
        .read_text(encoding="utf-8")
        .replace("ocds-b5fd17-0a1b2c3d", "ocds-b5fd17-0a1b2c3e"),
        encoding="utf-8",
    )
    assert_ok(run("import", str(other), "--city-map", str(city_map)))
    listed = json.loads(assert_ok(run("case", "list", "--format", "json")).stdout)
    assert sorted(c["city"] for c in listed) == ["CPH", "RIX"]


def test_item_ids_that_are_arrays_or_objects(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    """Not valid OCDS, but met: an item id that is an array or an object. Two releases of
    one ocid are merged (items with equal ids are one item), with warnings, no traceback."""
    run = closing(session, run)
    base = {
        "ocid": "ocds-x1y2z3-TLL-0100",
        "buyer": {"name": "Tallinna Linnavalitsus"},
        "tender": {"title": "Bridge repair", "status": "active"},
    }
    first = {
        **base,
        "id": "r1",
        "date": "2025-01-01T00:00:00Z",
        "tag": ["award"],
        "awards": [
            {"id": ["a", 1], "status": "pending"},
            {"id": {"x": "y"}, "status": "pending"},
        ],
    }
    second = {
        **base,
        "id": "r2",
        "date": "2025-02-01T00:00:00Z",
        "tag": ["awardUpdate"],
        "awards": [{"id": ["a", 1], "status": "active"}],
    }
    path = tmp_path / "odd-ids.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (first, second)), encoding="utf-8")
    result = assert_ok(run("import", str(path), "--city", "TLL"))
    out = lines(result)
    assert out[0] == "odd-ids.jsonl: 1 created, 0 updated, 0 unchanged, 0 skipped", out
    assert any("awards" in line and "not valid OCDS" in line for line in out), out
    merged = merge_releases([first, second])
    assert merged["awards"] == [
        {"id": ["a", 1], "status": "active"},
        {"id": {"x": "y"}, "status": "pending"},
    ]
