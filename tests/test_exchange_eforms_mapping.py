"""The eForms mapping tables against the SDK's code lists shipped in the package, and the
pieces of the import that need no database (reading, compiling in any order)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from procurement.core import codelists as cl
from procurement.exchange.eforms import codes
from procurement.exchange.eforms.compile import compile_procedure, cpv_code
from procurement.exchange.eforms.notice import read_notice
from procurement.exchange.eforms.sources import parse_xml, read_sources

NOTICES = Path(__file__).parent / "data" / "eforms"


def read(name: str) -> dict[str, Any]:
    return read_notice(parse_xml((NOTICES / name).read_bytes()))


def test_every_procedure_type_and_contract_nature_of_the_sdk_is_mapped() -> None:
    assert set(codes.PROCEDURE) == set(codes.sdk_labels("procurement-procedure-type"))
    assert set(codes.PROCEDURE.values()) <= set(cl.Procedure.values())
    assert set(codes.CATEGORY) == set(codes.sdk_labels("contract-nature"))
    assert set(codes.CATEGORY.values()) <= set(cl.Category.values())


def test_every_innovation_code_of_the_sdk_is_mapped_or_deliberately_not() -> None:
    assert set(codes.INNOVATIVE_ACQUISITION) == set(codes.sdk_labels("innovative-acquisition"))
    strategic = set(codes.sdk_labels("strategic-procurement"))
    assert set(codes.STRATEGIC_PROCUREMENT) | {"soc-obj", "none"} == strategic
    approaches = set(cl.InnovationApproach.values())
    for table in (
        codes.INNOVATIVE_ACQUISITION,
        codes.STRATEGIC_PROCUREMENT,
        codes.PROCEDURE_APPROACH,
        codes.VARIANTS_APPROACH,
    ):
        assert set(table.values()) <= approaches
    assert set(cl.Procedure.values()) >= codes.INNOVATIVE_PROCEDURES


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ({"price"}, "price-only"),
        ({"cost"}, "cost-only"),
        ({"price", "cost"}, "cost-only"),
        ({"quality"}, "quality-only"),
        ({"quality", "price"}, "price-quality"),
        ({"quality", "cost", "price"}, "price-quality"),
        (set(), None),
    ],
)
def test_award_criteria(types: set[str], expected: str | None) -> None:
    assert set(codes.sdk_labels("award-criterion-type")) == {"price", "cost", "quality"}
    assert codes.award_criteria(types) == expected


def test_codes_countries_cities_and_labels() -> None:
    assert codes.country("FIN") == "FI"
    assert codes.country("POL") == "PL"
    assert codes.country("NOR") == "NO"
    assert codes.country("XYZ") is None
    iso = {k: v for k, v in codes.COUNTRY_ALPHA2.items() if k != "1A0"}  # EU code of Kosovo
    assert len(iso) == len(set(iso.values())) == 250
    assert set(codes.CITY_BY_NUTS.values()) <= {"BER", "CPH", "OSL", "RIX", "WAW"}
    assert (
        codes.sdk_labels("innovative-acquisition", "fin")["rd-act"]
        != codes.sdk_labels("innovative-acquisition")["rd-act"]
    )
    assert codes.sector("34144900-7") == "transport"
    assert codes.sector("45233120-6") == "transport"
    assert codes.sector("45210000-2") == "buildings"
    assert codes.sector(None) == "other"
    assert cpv_code("77310000") == "77310000-6"
    assert cpv_code("99999999") is None


def test_ted_publication_numbers() -> None:
    from procurement.exchange.eforms.compile import ted_number

    assert ted_number("00123456-2024") == "123456-2024"
    assert ted_number("342558-2018") == "342558-2018"
    assert ted_number(" 123456-2024 ") == "123456-2024"
    for bad in ("123456789-2024", "12-1899", "1/../x-2024", "12-2024/x", "", None):
        assert ted_number(bad) is None


def test_winner_sizes() -> None:
    assert codes.WINNER_IS_SME == {
        "micro": True,
        "small": True,
        "medium": True,
        "sme": True,
        "large": False,
    }


def test_every_example_notice_is_read_without_an_error() -> None:
    found = list(read_sources([NOTICES]))
    assert len(found) == 17
    for source in found:
        content = read_notice(parse_xml(source.data))  # type: ignore[union-attr]
        assert content["reading"] == 1


def test_notices_in_any_order_compile_to_the_same_case() -> None:
    notices = [read("cn_24_minimal.xml"), read("change-cn_24_void.xml")]
    fra = [read("cn_24_FRA_comments.xml"), read("can_24_FRA_comments.xml")]
    for group in (notices, fra):
        results = [compile_procedure(list(order)) for order in itertools.permutations(group)]
        assert all(r.values == results[0].values for r in results)
        assert all(r.extra == results[0].extra for r in results)


def test_multilingual_titles_prefer_english() -> None:
    content = read("cn_24_multilingual.xml")
    assert len(content["title"]) > 1
    compiled = compile_procedure([content])
    assert compiled.values["title"] == content["title"]["ENG"]


def test_what_the_import_command_sends_to_the_eforms_import(tmp_path: Path) -> None:
    from procurement.cli.notices import is_notice_input

    notices, ocds, empty = tmp_path / "notices", tmp_path / "ocds", tmp_path / "empty"
    for folder in (notices, ocds, empty):
        folder.mkdir()
    (notices / "a.xml").write_text("<x/>", "utf-8")
    (ocds / "a.xml").write_text("<x/>", "utf-8")
    (ocds / "releases.json").write_text("{}", "utf-8")
    assert is_notice_input(notices)
    assert not is_notice_input(ocds)
    assert not is_notice_input(empty)
    for name in ("n.xml", "bulk.zip", "bulk.tar.gz", "bulk.TGZ"):
        assert is_notice_input(tmp_path / name)
    for name in ("cases.csv", "cases.xlsx", "releases.json"):
        assert not is_notice_input(tmp_path / name)
