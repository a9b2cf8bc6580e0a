"""``procurement import`` of eForms notices from TED: the SDK's example notices, procedures
built from several notices in any order, innovation, provenance and hostile XML."""

from __future__ import annotations

import json
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from procurement.cases.store.update import add_case
from procurement.exchange.eforms.sources import NoticeRefused, parse_xml
from procurement.storage.models import AuditEvent, Case
from procurement.storage.schema import source_records
from tests.helpers import assert_ok, assert_valid_package, case_data, empty_registry, run_on

NOTICES = Path(__file__).parent / "data" / "eforms"
PREFIX = "ocds-baltmt-"
FRA = "e3cdabf1-e057-47a5-9210-b1f6fc757228"  # cn_24_FRA_comments + can_24_FRA_comments
MINIMAL = "4805c409-5939-4be9-8abd-837f7a5fee23"  # cn_24_minimal + change-cn_24_void
MAXIMAL_CN = "aff2863e-b4cc-4e91-baba-b3b85f709117"
MAXIMAL_CAN = "2d2d24a2-df84-449e-8695-fb66ef504a5a"
MODIF = "8e8b5cf4-595b-4562-85b0-7c79922cb330"

Run = Callable[..., Result]


def lines(result: Result) -> list[str]:
    return result.output.splitlines()


def copy(tmp_path: Path, *names: str, folder: str = "in") -> Path:
    target = tmp_path / folder
    target.mkdir(exist_ok=True)
    for name in names:
        shutil.copyfile(NOTICES / name, target / name)
    return target


def derived(
    tmp_path: Path, name: str, new_name: str, replace: dict[str, str], folder: str = "in"
) -> Path:
    """A notice made from an example by replacing text in it."""
    text = (NOTICES / name).read_text("utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    target = tmp_path / folder
    target.mkdir(exist_ok=True)
    (target / new_name).write_text(text, "utf-8")
    return target / new_name


PUBLICATION = (
    "<efext:EformsExtension>"
    '<efac:Publication><efbc:NoticePublicationID schemeName="ojs-notice-id">{}'
    "</efbc:NoticePublicationID><efbc:PublicationDate>2019-05-14+02:00</efbc:PublicationDate>"
    "</efac:Publication>"
)


def case_of(engine: Engine, procedure: str) -> Case:
    with Session(engine) as session:
        case = session.scalars(select(Case).where(Case.ocid == PREFIX + procedure)).one()
        session.expunge_all()
        return case


def shown(run: Run, engine: Engine, procedure: str) -> dict[str, Any]:
    reference = case_of(engine, procedure).reference
    data: dict[str, Any] = json.loads(
        assert_ok(run("case", "show", reference, "--format", "json")).output
    )
    return data


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("reference", "created_at", "updated_at")}


# every example notice -------------------------------------------------------------------


def test_every_example_notice_imports_and_again_changes_nothing(
    run: Run, engine: Engine, tmp_path: Path
) -> None:
    result = assert_ok(run("import", str(NOTICES), "--city", "HEL"))
    out = lines(result)
    assert out[0] == "eforms/: 12 created, 0 updated, 0 unchanged, 3 skipped"
    assert "Traceback" not in result.output
    assert (
        "skipped eforms/INVALID_can_24_empty.xml: lacks BT-04 (procedure identifier, "
        "cbc:ContractFolderID), BT-701 (notice identifier, cbc:ID), BT-757 (notice version, "
        "cbc:VersionID); not imported"
    ) in out
    assert any(
        line.startswith("skipped eforms/pin-only_24.xml: a prior information notice (subtype 4)")
        for line in out
    )
    assert any(
        line.startswith(
            "skipped eforms/veat_24.xml: a voluntary ex-ante transparency notice (subtype 25)"
        )
        for line in out
    )
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(source_records))
        events = connection.scalar(select(func.count()).select_from(AuditEvent))
    assert stored == 14
    assert events == 12

    again = assert_ok(run("import", str(NOTICES), "--city", "HEL"))
    assert lines(again)[0] == "eforms/: 0 created, 0 updated, 12 unchanged, 3 skipped"
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(source_records)) == 14
        assert connection.scalar(select(func.count()).select_from(AuditEvent)) == 12


def test_strict_refuses_everything_for_one_bad_notice(run: Run, engine: Engine) -> None:
    result = run("import", str(NOTICES), "--city", "HEL", "--strict")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: eforms/INVALID_can_24_empty.xml: lacks BT-04 (procedure identifier, "
        "cbc:ContractFolderID), BT-701 (notice identifier, cbc:ID), BT-757 (notice version, "
        "cbc:VersionID); not imported; nothing was imported (--strict)"
    )
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Case.__table__)) == 0
        assert connection.scalar(select(func.count()).select_from(source_records)) == 0


def test_json_summary_for_scripts(run: Run) -> None:
    result = assert_ok(run("import", str(NOTICES / "cn_24_open.xml"), "--city", "HEL", "--json"))
    data = json.loads(result.output)
    assert data["source"] == "cn_24_open.xml"
    assert [c.split(" ")[1] for c in data["created"]] == [
        "(ocds-baltmt-31f258b6-5eb2-4875-8997-affa3cdce27c)"
    ]
    assert (data["updated"], data["unchanged"], data["skipped"]) == ([], [], [])


def test_dry_run_writes_nothing(run: Run, engine: Engine) -> None:
    result = assert_ok(run("import", str(NOTICES), "--city", "HEL", "--dry-run"))
    assert (
        lines(result)[0]
        == "eforms/: 12 would be created, 0 would be updated, 0 unchanged, 3 skipped"
    )
    assert lines(result)[-1] == "Dry run: nothing was written."
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Case.__table__)) == 0


# a procedure from several notices ----------------------------------------------------------

FRA_FIELDS = {
    "city": "HEL",
    "buyer": "Rouen Habitat",
    "title": "Service d'entretien de remise en état et de nettoyage des espaces verts",
    "category": "services",
    "cpv": "77310000-6",
    "sector": "environment",
    "procedure": "open",
    "status": "awarded",
    "tender_published": "2019-05-10",
    "awarded_on": "2019-09-02",
    "contract_start": "2019-09-01",
    "contract_end_planned": "2020-12-31",
    "currency": "EUR",
    "awarded_value": "121914",
    "award_criteria": "price-quality",
    "tenders_received": 5,
    "sme_tenders": 5,
    "winner": "Espaces Verts Lemire",
    "winner_is_sme": True,
    "winner_country": "FR",
    "origin": "imported",
}


def test_contract_notice_then_award_notice_in_both_orders(
    run: Run, engine: Engine, tmp_path: Path, sqlite_template: Path
) -> None:
    assert_ok(run("import", str(NOTICES / "cn_24_FRA_comments.xml"), "--city", "HEL"))
    tender = shown(run, engine, FRA)
    assert tender["status"] == "tender"
    assert tender["tender_published"] == "2019-05-10"
    assert tender["awarded_on"] is None
    result = assert_ok(run("import", str(NOTICES / "can_24_FRA_comments.xml"), "--city", "HEL"))
    assert (
        lines(result)[0] == "can_24_FRA_comments.xml: 0 created, 1 updated, 0 unchanged, 0 skipped"
    )
    first = shown(run, engine, FRA)
    assert {k: first[k] for k in FRA_FIELDS} == FRA_FIELDS

    other = empty_registry(tmp_path, sqlite_template)
    assert_ok(run_on(other, "import", str(NOTICES / "can_24_FRA_comments.xml"), "--city", "HEL"))
    assert_ok(run_on(other, "import", str(NOTICES / "cn_24_FRA_comments.xml"), "--city", "HEL"))
    reference = json.loads(run_on(other, "case", "list", "--format", "json").output)[0]["reference"]
    second = json.loads(run_on(other, "case", "show", reference, "--format", "json").output)
    assert comparable(second) == comparable(first)


def test_a_multi_lot_award_sums_the_lots_and_keeps_each(run: Run, engine: Engine) -> None:
    assert_ok(run("import", str(NOTICES / "can_24_FRA_comments.xml"), "--city", "HEL"))
    case = case_of(engine, FRA)
    # two lots: 95,414 + 26,500 awarded, 3 + 2 tenders
    assert str(case.awarded_value) in ("121914", "121914.00")
    assert case.tenders_received == 5
    lots = case.ocds_extra["eforms"]["lots"]
    assert [lot["id"] for lot in lots] == ["LOT-0001", "LOT-0002"]
    assert [lot["result"]["tenders_received"] for lot in lots] == [3, 2]
    assert [w["name"] for lot in lots for w in lot["result"]["winners"]] == [
        "Espaces Verts Lemire",
        "ID Verde SASU",
    ]
    assert lots[0]["result"]["winners"][0]["value"] == {"amount": "95414", "currency": "EUR"}
    assert lots[1]["award_criteria"][0] == {"type": "price", "name": "Prix", "weight": "60"}


def test_a_change_notice_cancels_and_supersedes_the_contract_notice(
    run: Run, engine: Engine
) -> None:
    assert_ok(run("import", str(NOTICES / "cn_24_minimal.xml"), "--city", "HEL"))
    assert shown(run, engine, MINIMAL)["status"] == "tender"
    result = assert_ok(run("import", str(NOTICES / "change-cn_24_void.xml"), "--city", "HEL"))
    assert lines(result)[0] == "change-cn_24_void.xml: 0 created, 1 updated, 0 unchanged, 0 skipped"
    data = shown(run, engine, MINIMAL)
    assert data["status"] == "cancelled"
    assert data["tender_published"] == "2019-11-21"  # the original notice's
    extra = case_of(engine, MINIMAL).ocds_extra["eforms"]
    assert [(n["id"], n["superseded"]) for n in extra["notices"]] == [
        ("f42be27e-09cf-4f0e-a745-63ec689631e6", True),
        ("1d192942-a4a3-4833-8775-ca38f7ec09ca", False),
    ]
    assert extra["changes"][0]["reason"] == "cancel"
    history = json.loads(
        assert_ok(run("case", "history", data["reference"], "--format", "json")).output
    )
    assert history[0]["changes"]["status"] == {"old": "tender", "new": "cancelled"}


def test_a_later_version_supersedes_an_earlier_one_in_any_order(
    run: Run, engine: Engine, tmp_path: Path
) -> None:
    newer = derived(
        tmp_path,
        "cn_24_minimal.xml",
        "cn_v2.xml",
        {
            "<cbc:VersionID>01</cbc:VersionID>": "<cbc:VersionID>02</cbc:VersionID>",
            "Provision of IT Services": "Provision of IT Services, corrected",
        },
    )
    assert_ok(run("import", str(newer), "--city", "HEL"))
    result = assert_ok(run("import", str(NOTICES / "cn_24_minimal.xml"), "--city", "HEL"))
    assert lines(result)[0] == "cn_24_minimal.xml: 0 created, 0 updated, 1 unchanged, 0 skipped"
    assert shown(run, engine, MINIMAL)["title"].startswith("Provision of IT Services, corrected")


def test_a_modification_updates_the_awarded_value(run: Run, engine: Engine, tmp_path: Path) -> None:
    # the award the modification changes: the same procedure, before the modification
    award = derived(
        tmp_path,
        "can-modif_24_value.xml",
        "award.xml",
        {
            'listName="notice-subtype">38<': 'listName="notice-subtype">29<',
            'currencyID="GBP">6430000<': 'currencyID="GBP">5000000<',
            "<cbc:IssueDate>2018-08-02+01:00<": "<cbc:IssueDate>2018-08-01+01:00<",
            "3572a106-eb30-4c7a-8ac5-b3502f71742a": "3572a106-eb30-4c7a-8ac5-b3502f71742b",
        },
    )
    text = award.read_text("utf-8")
    start, end = (
        text.index("<efac:ContractModification>"),
        text.index("</efac:ContractModification>"),
    )
    award.write_text(text[:start] + text[end + len("</efac:ContractModification>") :], "utf-8")
    assert_ok(run("import", str(award), "--city", "HEL"))
    before = shown(run, engine, MODIF)
    assert (before["status"], before["awarded_value"], before["currency"]) == (
        "awarded",
        "5000000",
        "GBP",
    )
    result = assert_ok(run("import", str(NOTICES / "can-modif_24_value.xml"), "--city", "HEL"))
    assert (
        lines(result)[0] == "can-modif_24_value.xml: 0 created, 1 updated, 0 unchanged, 0 skipped"
    )
    after = shown(run, engine, MODIF)
    assert (after["status"], after["awarded_value"]) == ("implementation", "6430000")
    modification = case_of(engine, MODIF).ocds_extra["eforms"]["modifications"][0]
    assert (modification["reason"], modification["contract"]) == ("add-wss", "CON-0001")
    assert modification["description"] == {"ENG": "Increase in framework value"}


# innovation ----------------------------------------------------------------------------


def test_innovation_flags_of_the_maximal_notices(run: Run, engine: Engine) -> None:
    assert_ok(run("import", str(NOTICES / "cn_24_maximal.xml"), "--city", "HEL"))
    assert_ok(run("import", str(NOTICES / "can_24_maximal.xml"), "--city", "HEL"))
    for procedure, notice in (
        (MAXIMAL_CN, "14549263-b47b-4e59-96a1-2d0d13e19343"),
        (MAXIMAL_CAN, "15377ca1-6cf7-4060-90f0-9290128957a3"),
    ):
        data = shown(run, engine, procedure)
        assert data["innovation_approaches"] == ["ppi", "sustainability-criteria"]
        extra = case_of(engine, procedure).ocds_extra["eforms"]
        assert extra["innovative"] is True
        assert {
            "approach": "ppi",
            "source": f"BT-776 proc-innov (LOT-0001), notice {notice} version 03",
        } in extra["innovation"]
        assert {
            "approach": "sustainability-criteria",
            "source": f"BT-06 env-imp (LOT-0001), notice {notice} version 03",
        } in extra["innovation"]
        assert data["procedure"] == "competitive-negotiation"  # neg-w-call


def test_innovative_only_imports_only_procurement_of_innovation(run: Run, engine: Engine) -> None:
    result = assert_ok(run("import", str(NOTICES), "--city", "HEL", "--innovative-only"))
    assert lines(result)[0] == "eforms/: 2 created, 0 updated, 0 unchanged, 13 skipped"
    assert any(
        "not procurement of innovation" in line and "cn_24_open.xml" in line
        for line in lines(result)
    )
    with Session(engine) as session:
        ocids = set(session.scalars(select(Case.ocid)))
    assert ocids == {PREFIX + MAXIMAL_CN, PREFIX + MAXIMAL_CAN}


def test_innovative_only_is_refused_for_other_files(run: Run, tmp_path: Path) -> None:
    sheet = tmp_path / "cases.csv"
    sheet.write_text("title\n", "utf-8")
    result = run("import", str(sheet), "--innovative-only")
    assert result.exit_code == 2
    assert "--innovative-only is for eForms notices" in result.output


# city ---------------------------------------------------------------------------------


def test_city_from_the_buyer_town_and_from_a_city_map(
    run: Run, engine: Engine, tmp_path: Path
) -> None:
    derived(
        tmp_path,
        "cn_24_open.xml",
        "helsinki.xml",
        {"<cbc:CityName>Paisley</cbc:CityName>": "<cbc:CityName>Helsingfors 10</cbc:CityName>"},
    )
    result = assert_ok(run("import", str(tmp_path / "in" / "helsinki.xml")))
    assert lines(result)[0] == "helsinki.xml: 1 created, 0 updated, 0 unchanged, 0 skipped"
    assert case_of(engine, "31f258b6-5eb2-4875-8997-affa3cdce27c").city_code == "HEL"

    skipped = run("import", str(NOTICES / "cn_24_FRA_comments.xml"))
    assert skipped.exit_code == 2  # nothing could be imported: a failure, with the reason
    assert lines(skipped)[-2:] == [
        "skipped cn_24_FRA_comments.xml: the buyer (buyer Rouen Habitat, town Rouen Cedex 1, NUTS "
        "FRD22) is in no member city; give --city CODE, or a --city-map line for it",
        "Error: nothing was imported from cn_24_FRA_comments.xml: every record was skipped "
        "(the reasons are listed above); fix them and import again",
    ]
    city_map = tmp_path / "buyers.csv"
    city_map.write_text("buyer,city\nFRD22,Rīga\n", "utf-8")
    mapped = assert_ok(
        run("import", str(NOTICES / "cn_24_FRA_comments.xml"), "--city-map", str(city_map))
    )
    assert (
        lines(mapped)[0] == "cn_24_FRA_comments.xml: 1 created, 0 updated, 0 unchanged, 0 skipped"
    )
    assert case_of(engine, FRA).city_code == "RIX"
    # a later notice of a known procedure goes to its case without --city
    award = assert_ok(run("import", str(NOTICES / "can_24_FRA_comments.xml")))
    assert (
        lines(award)[0] == "can_24_FRA_comments.xml: 0 created, 1 updated, 0 unchanged, 0 skipped"
    )


# provenance and officers' edits ------------------------------------------------------------


def test_ted_links_become_documents_and_travel_in_the_ocds_export(
    run: Run, engine: Engine, tmp_path: Path
) -> None:
    notice = derived(
        tmp_path,
        "cn_24_FRA_comments.xml",
        "published.xml",
        {"<efext:EformsExtension>": PUBLICATION.format("00123456-2019")},
    )
    assert_ok(run("import", str(notice), "--city", "HEL"))
    data = shown(run, engine, FRA)
    assert data["documents"] == [
        {
            "url": "https://ted.europa.eu/en/notice/-/detail/123456-2019",
            "title": "TED 123456-2019: contract notice da4d46e9-490b-41ff-a2ae-8166d356a619-01",
        }
    ]
    assert data["tender_published"] == "2019-05-14"  # OPP-012 publication date
    case = case_of(engine, FRA)
    assert case.source_uri == "https://ted.europa.eu/en/notice/-/detail/123456-2019"
    assert case.source_publisher == "TED (eForms)"
    exported = tmp_path / "out.json"
    assert_ok(run("export", "--format", "ocds", "--validate", "-o", str(exported)))
    release = json.loads(exported.read_text("utf-8"))["releases"][0]
    urls = [d["url"] for d in release["tender"]["documents"]]
    assert urls == ["https://ted.europa.eu/en/notice/-/detail/123456-2019"]
    assert [(lot["id"], lot["title"]) for lot in release["tender"]["lots"]] == [
        ("LOT-0001", "Agence centre"),
        ("LOT-0002", "Agence Hauts de Rouen"),
    ]
    assert_valid_package(json.loads(exported.read_text("utf-8")))


def test_an_officers_edit_is_kept_and_reported(run: Run, engine: Engine, tmp_path: Path) -> None:
    assert_ok(run("import", str(NOTICES / "cn_24_FRA_comments.xml"), "--city", "HEL"))
    reference = case_of(engine, FRA).reference
    assert_ok(
        run(
            "case",
            "edit",
            reference,
            "--set",
            "title=Green spaces of Rouen",
            "--set",
            "sector=environment",
        )
    )
    result = assert_ok(run("import", str(NOTICES / "can_24_FRA_comments.xml"), "--city", "HEL"))
    out = lines(result)
    assert out[0] == "can_24_FRA_comments.xml: 0 created, 1 updated, 0 unchanged, 0 skipped"
    assert (
        f"warning: can_24_FRA_comments.xml (procedure {FRA}): {reference} title was changed "
        "in this registry; kept (the notices say \"Service d'entretien de remise en état et de "
        'nettoyage des espaces verts")'
    ) in out
    data = shown(run, engine, FRA)
    assert data["title"] == "Green spaces of Rouen"
    assert data["winner"] == "Espaces Verts Lemire"
    again = assert_ok(run("import", str(NOTICES / "can_24_FRA_comments.xml"), "--city", "HEL"))
    assert (
        lines(again)[0] == "can_24_FRA_comments.xml: 0 created, 0 updated, 1 unchanged, 0 skipped"
    )


def test_a_case_recorded_here_is_never_overwritten(run: Run, engine: Engine) -> None:
    own = case_data(title="Own", status="tender", awarded_on=None, awarded_value=None)
    with Session(engine) as session, session.begin():
        add_case(session=session, data=own, user="anna", ocid=PREFIX + FRA)
    result = assert_ok(run("import", str(NOTICES / "cn_24_FRA_comments.xml"), "--city", "HEL"))
    assert (
        lines(result)[0] == "cn_24_FRA_comments.xml: 0 created, 0 updated, 0 unchanged, 1 skipped"
    )
    assert "was recorded in this registry" in lines(result)[-1]
    assert case_of(engine, FRA).title == "Own"


# archives and hostile XML -------------------------------------------------------------


def test_zip_and_tar_archives_are_read_member_by_member(run: Run, tmp_path: Path) -> None:
    names = [
        "cn_24_FRA_comments.xml",
        "can_24_FRA_comments.xml",
        "cn_24_open.xml",
        "pin-only_24.xml",
    ]
    archive = tmp_path / "bulk.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in names:
            bundle.write(NOTICES / name, f"2024/{name}")
    result = assert_ok(run("import", str(archive), "--city", "HEL"))
    assert lines(result)[0] == "bulk.zip: 2 created, 0 updated, 0 unchanged, 1 skipped"
    assert lines(result)[-1].startswith(
        "skipped bulk.zip:2024/pin-only_24.xml: a prior information notice"
    )
    tar = tmp_path / "bulk.tar.gz"
    with tarfile.open(tar, "w:gz") as bundle:
        for name in names:
            bundle.add(NOTICES / name, arcname=name)
    again = assert_ok(run("import", str(tar), "--city", "HEL"))
    assert lines(again)[0] == "bulk.tar.gz: 0 created, 0 updated, 2 unchanged, 1 skipped"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<ContractNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ContractFolderID>&lol9;</cbc:ContractFolderID>
</ContractNotice>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE notice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ContractNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ContractFolderID>&secret;</cbc:ContractFolderID>
</ContractNotice>
"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_xml_is_refused(run: Run, engine: Engine, tmp_path: Path, text: str) -> None:
    with pytest.raises(NoticeRefused, match="DOCTYPE"):
        parse_xml(text.encode("utf-8"))
    with pytest.raises(NoticeRefused, match="DOCTYPE"):
        parse_xml(text.encode("utf-16"))
    folder = copy(tmp_path, "cn_24_open.xml")
    (folder / "hostile.xml").write_text(text, "utf-8")
    result = assert_ok(run("import", str(folder), "--city", "HEL"))
    out = lines(result)
    assert out[0] == "in/: 1 created, 0 updated, 0 unchanged, 1 skipped"
    assert out[-1] == (
        "skipped in/hostile.xml: declares a DOCTYPE or entities, which eForms notices never do; "
        "refused for safety (entity expansion and external entities)"
    )
    assert "root:" not in result.output
    strict = run("import", str(folder), "--city", "HEL", "--strict")
    assert strict.exit_code == 2


def test_malformed_and_foreign_xml_are_skipped_with_the_reason(run: Run, tmp_path: Path) -> None:
    folder = copy(tmp_path, "cn_24_open.xml")
    (folder / "broken.xml").write_bytes(b"<ContractNotice><unclosed></ContractNotice>")
    (folder / "other.xml").write_bytes(b"<html><body>not a notice</body></html>")
    result = assert_ok(run("import", str(folder), "--city", "HEL"))
    out = lines(result)
    assert out[0] == "in/: 1 created, 0 updated, 0 unchanged, 2 skipped"
    assert out[-2].startswith("skipped in/broken.xml: is not well-formed XML")
    assert out[-1] == (
        "skipped in/other.xml: the root element is html, not an eForms notice (ContractNotice, "
        "ContractAwardNotice or PriorInformationNotice)"
    )


def test_a_big_archive_member_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    from procurement.exchange.eforms import sources

    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("huge.xml", b" " * (sources.MAX_NOTICE_BYTES + 10))
    found = list(sources.read_sources([archive]))
    assert found == [sources.Unreadable("big.zip:huge.xml", "larger than 32 MB: not a notice")]


def test_an_archive_without_notices_is_refused(run: Run, tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("readme.txt", "no notices here")
    result = run("import", str(archive), "--city", "HEL")
    assert result.exit_code == 2
    assert result.output == (
        "Error: empty.zip holds no eForms notices (.xml, .zip, .tar); nothing was imported\n"
    )


def test_several_notice_files_in_one_command_are_one_import(run: Run, engine: Engine) -> None:
    """`import a.xml b.xml` (issue 16: a file, several files or a folder)."""
    result = assert_ok(
        run(
            "import",
            str(NOTICES / "can_24_FRA_comments.xml"),
            str(NOTICES / "cn_24_FRA_comments.xml"),
            "--city",
            "HEL",
        )
    )
    assert "1 created" in lines(result)[0]
    case = shown(run, engine, FRA)
    assert {k: case[k] for k in FRA_FIELDS} == FRA_FIELDS
