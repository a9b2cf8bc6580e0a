"""What an import makes of a publisher's values: made-up defaults are marked and not
published as the publisher's, any ISO 4217 currency is stored, and the mapping follows the
meaning of the OCDS fields (final value, publication date, procedure words, statuses)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from sqlalchemy.orm import Session

from tests.helpers import assert_ok, closing

DATA = Path(__file__).parent / "data" / "ocds"


def write(tmp_path: Path, name: str, releases: list[dict[str, Any]]) -> Path:
    path = tmp_path / name
    package = {
        "uri": f"https://portal.example/{name}",
        "version": "1.1",
        "publishedDate": "2025-01-01T00:00:00Z",
        "publisher": {"name": "Example portal"},
        "releases": releases,
    }
    path.write_text(json.dumps(package), "utf-8")
    return path


def case_of(run: Callable[..., Result], ocid: str) -> dict[str, Any]:
    listed = json.loads(assert_ok(run("case", "list", "--format", "json", "--limit", "0")).output)
    (case,) = [c for c in listed if c["ocid"] == ocid]
    return dict(case)


def exported(run: Callable[..., Result], *extra: str) -> dict[str, dict[str, Any]]:
    package = json.loads(
        assert_ok(run("export", "--format", "ocds", "--validate", *extra, "-o", "-")).output
    )
    return {r["ocid"]: r for r in package["releases"]}


def test_made_up_values_are_marked_and_not_published(
    session: Session, run: Callable[..., Result]
) -> None:
    run = closing(session, run)
    assert_ok(run("import", str(DATA / "messy-releases.jsonl"), "--city", "TLL"))
    releases = exported(run)
    # no buyer, no title, no category, no method in the publisher's release: the registry
    # needs values (and says so), the export does not pass them off as the publisher's
    ferry = releases["ocds-x1y2z3-TLL-0004"]
    assert case_of(run, "ocds-x1y2z3-TLL-0004")["buyer"] == "Unknown buyer"
    assert "buyer" not in ferry
    assert all(p.get("name") != "Unknown buyer" for p in ferry.get("parties", []))
    assert "mainProcurementCategory" not in ferry["tender"]
    assert "procurementMethodDetails" not in ferry["tender"]
    assert ferry["baltmet"]["defaults"] == ["buyer", "category", "procedure"]
    no_tender = releases["ocds-x1y2z3-TLL-0003"]
    assert case_of(run, "ocds-x1y2z3-TLL-0003")["title"].startswith("Contracting process ocds-")
    assert "title" not in no_tender.get("tender", {})
    assert "title" in no_tender["baltmet"]["defaults"]
    # the compiled history too
    history = json.loads(
        assert_ok(run("export", "--format", "ocds", "--releases", "--validate", "-o", "-")).output
    )
    assert not [r for r in history["releases"] if r.get("buyer", {}).get("name") == "Unknown buyer"]
    # a value an officer sets is the registry's own again: published
    reference = case_of(run, "ocds-x1y2z3-TLL-0004")["reference"]
    assert_ok(run("case", "edit", reference, "--set", "buyer=Tallinn Port Authority"))
    ferry = exported(run)["ocds-x1y2z3-TLL-0004"]
    assert ferry["buyer"]["name"] == "Tallinn Port Authority"
    assert ferry["baltmet"]["defaults"] == ["category", "procedure"]


def test_amounts_in_any_iso_4217_currency_are_kept(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    releases = []
    for i, currency in enumerate(("MXN", "PYG", "AMD", "CAD")):
        releases.append(
            {
                "ocid": f"ocds-cur001-{i}",
                "id": f"r{i}",
                "date": "2024-03-01T00:00:00Z",
                "tag": ["award"],
                "buyer": {"name": "Municipio"},
                "tender": {
                    "id": f"t{i}",
                    "title": f"Works {currency}",
                    "mainProcurementCategory": "works",
                    "procurementMethod": "open",
                    "status": "complete",
                    "value": {"amount": 1500000, "currency": currency},
                },
                "awards": [
                    {
                        "id": "a",
                        "status": "active",
                        "date": "2024-03-01T00:00:00Z",
                        "value": {"amount": 1400000, "currency": currency},
                    }
                ],
            }
        )
    result = assert_ok(run("import", str(write(tmp_path, "cur.json", releases)), "--city", "RIX"))
    assert "amounts left empty" not in result.output
    for i, currency in enumerate(("MXN", "PYG", "AMD", "CAD")):
        case = case_of(run, f"ocds-cur001-{i}")
        assert (case["currency"], case["estimated_value"], case["awarded_value"]) == (
            currency,
            "1500000",
            "1400000",
        )
    # reports count what has no euro rate as not convertible instead of dropping it
    report = json.loads(
        assert_ok(run("report", "compare", "--by", "city", "--format", "json")).output
    )
    assert '"not_convertible": ' in json.dumps(report)
    # and a code that is not ISO 4217 is still refused (the amounts are left empty)
    releases[0]["ocid"], releases[0]["tender"]["value"]["currency"] = "ocds-cur001-x", "XYZ"
    releases[0]["awards"][0]["value"]["currency"] = "XYZ"
    result = assert_ok(
        run("import", str(write(tmp_path, "bad.json", releases[:1])), "--city", "RIX")
    )
    assert "'XYZ' is not an ISO 4217 currency code" in result.output


def contract_release(contract_status: str, paid: list[int]) -> dict[str, Any]:
    return {
        "ocid": f"ocds-map001-{contract_status}",
        "id": "r1",
        "date": "2025-05-01T00:00:00Z",
        "tag": ["implementation"],
        "buyer": {"name": "City of Riga"},
        "tender": {
            "id": "t",
            "title": "Tram depot",
            "mainProcurementCategory": "works",
            "status": "complete",
            "procurementMethod": "selective",
            "procurementMethodDetails": "Negotiated Procedure with Preliminary Announcement",
            "datePublished": "2024-01-10T00:00:00Z",
            "tenderPeriod": {"startDate": "2024-03-01T00:00:00Z"},
        },
        "awards": [
            {
                "id": "a1",
                "status": "active",
                "date": "2024-02-20T00:00:00Z",
                "value": {"amount": 1000000, "currency": "EUR"},
                "suppliers": [{"id": "LV-1", "name": "Depot Builders"}],
            }
        ],
        "parties": [
            {
                "id": "LV-1",
                "name": "Depot Builders",
                "roles": ["supplier"],
                "identifier": {"scheme": "LV-RE", "id": "40003000000"},
                "address": {"streetAddress": "Brivibas 1", "locality": "Riga", "country": "LV"},
            }
        ],
        "contracts": [
            {
                "id": "c1",
                "awardID": "a1",
                "status": contract_status,
                "value": {"amount": 1000000, "currency": "EUR"},
                "implementation": {
                    "transactions": [
                        {
                            "id": f"p{i}",
                            "date": "2025-01-01T00:00:00Z",
                            "value": {"amount": amount, "currency": "EUR"},
                        }
                        for i, amount in enumerate(paid)
                    ]
                },
            }
        ],
    }


def test_the_mapping_follows_the_meaning_of_ocds_fields(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    active = contract_release("active", [100000])
    done = contract_release("terminated", [400000, 650000])
    unsuccessful = {
        "ocid": "ocds-map001-unsuccessful",
        "id": "r1",
        "date": "2025-05-01T00:00:00Z",
        "tag": ["tenderUpdate"],
        "buyer": {"name": "City of Riga"},
        "tender": {"id": "t", "title": "Ferry", "status": "unsuccessful"},
    }
    path = write(tmp_path, "map.json", [active, done, unsuccessful])
    result = assert_ok(run("import", str(path), "--city", "RIX"))
    assert "before publication" not in result.output
    interim = case_of(run, active["ocid"])
    # an interim payment of an active contract is not its final value
    assert interim["final_value"] is None and interim["status"] == "implementation"
    # the publication date is tender.datePublished, before the award: the award is kept
    assert (interim["tender_published"], interim["awarded_on"]) == ("2024-01-10", "2024-02-20")
    assert interim["procedure"] == "competitive-negotiation"
    finished = case_of(run, done["ocid"])
    assert (finished["status"], finished["final_value"]) == ("completed", "1050000")
    ended = case_of(run, unsuccessful["ocid"])
    assert ended["status"] != "cancelled"
    # the supplier's identifier and address travel on
    release = exported(run)[active["ocid"]]
    (supplier,) = [p for p in release["parties"] if p["id"] == "LV-1"]
    assert supplier["identifier"] == {"scheme": "LV-RE", "id": "40003000000"}
    assert supplier["address"]["streetAddress"] == "Brivibas 1"
    assert exported(run)[unsuccessful["ocid"]]["tender"]["status"] == "unsuccessful"


def test_a_contract_without_its_award_references_the_award_exported(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    release = contract_release("active", [])
    release["ocid"] = "ocds-map001-no-award"
    del release["awards"]
    assert_ok(run("import", str(write(tmp_path, "no-award.json", [release])), "--city", "RIX"))
    exported_release = exported(run)["ocds-map001-no-award"]
    award_ids = {a["id"] for a in exported_release.get("awards", [])}
    assert {c["awardID"] for c in exported_release["contracts"]} <= award_ids
