"""How a publisher's release is split around the registry's mapping (leftover and overrides),
and laid back over a generated release: the exact values, types and key order the import
stores (its JSON text depends on them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from procurement.exchange.ocds.merge import (
    apply_overrides,
    copied,
    dumps,
    exact_copy,
    is_id_list,
    leftover_and_overrides,
    overlay,
    same_json,
)
from procurement.exchange.ocds.to_ocds import ReleaseView, build_release, date_time


def _original() -> dict[str, Any]:
    return {
        "ocid": "o",
        "id": "r",
        "date": "d",
        "tag": ["award"],
        "baltmet": {"x": 1},
        "language": "en",
        "parties": [
            {
                "id": 1,  # matched by its text with the generated "1"
                "name": "Buyer",
                "roles": ["buyer", "procuringEntity"],
                "address": {"countryName": "SE", "country": "SE"},
            },
            {"id": "S", "name": "Supplier", "roles": ["supplier"]},
            {"id": "X", "name": "Other"},
        ],
        "tender": {
            "title": "T",
            "numberOfTenderers": True,
            "value": {"amount": Decimal("100.0"), "currency": "SEK"},
            "items": [{"id": "1", "quantity": 2}, {"id": "1", "quantity": 3}],
            "status": "active",
        },
        "awards": [{"id": "A", "value": {"amount": 0.1}, "date": None}],
    }


def _generated() -> dict[str, Any]:
    return {
        "ocid": "o",
        "id": "g",
        "tender": {
            "status": "active",
            "title": "T",
            "numberOfTenderers": 1,
            "value": {"amount": 100, "currency": "SEK"},
            "items": [{"id": "1", "classification": {}}],
        },
        "parties": [
            {"id": "1", "name": "Buyer", "roles": ["buyer"], "address": {"country": "SE"}},
            {"id": "S", "name": "Supplier", "roles": ["supplier"]},
        ],
        "awards": [{"id": "A", "value": {"amount": Decimal("0.1")}, "date": "2020"}],
    }


def test_leftover_and_overrides_keep_the_publisher_s_values_types_and_order() -> None:
    leftover, overrides = leftover_and_overrides(_original(), _generated(), skip=["baltmet"])
    assert repr(leftover) == repr(
        {
            "language": "en",
            "parties": [
                {"id": 1, "address": {"countryName": "SE"}},
                {"id": "X", "name": "Other"},
            ],
            "tender": {"items": [{"id": "1", "quantity": 2}, {"id": "1", "quantity": 3}]},
        }
    )
    # a number equal by value (100.0 and 100, 0.1 and Decimal("0.1")) is no override; a
    # boolean is not a number; the path steps into arrays by the id's text (the id itself,
    # 1 and not "1", is one)
    assert repr(overrides) == repr(
        [
            (["parties", {"id": "1"}, "id"], 1),
            (["parties", {"id": "1"}, "roles"], ["buyer", "procuringEntity"]),
            (["tender", "numberOfTenderers"], True),
            (["awards", {"id": "A"}, "date"], None),
        ]
    )


def test_an_array_with_an_item_without_id_is_compared_whole() -> None:
    original = _original()
    original["parties"].append({"name": "no id"})
    leftover, overrides = leftover_and_overrides(original, _generated())
    assert "parties" not in leftover
    assert overrides[0] == (["parties"], original["parties"])


def test_a_generated_release_that_is_not_an_object_is_one_override() -> None:
    not_an_object: Any = [1]
    assert leftover_and_overrides({"a": 1}, not_an_object) == ({}, [([], {"a": 1})])


def test_same_json_compares_numbers_by_value_and_booleans_apart() -> None:
    cases = [
        ((1, True), False),
        ((Decimal("1.0"), 1), True),
        ((Decimal("1.0"), Decimal("1.00")), True),
        ((0.1, Decimal("0.1")), True),
        ((2**60, float(2**60)), False),  # the float's shortest text is not the int's
        (([1, 2], [1, 2.0]), True),
        (([True], [1]), False),
        ((float("nan"), float("nan")), False),
        (([float("nan")], [float("nan")]), False),
        ((["a", 1], ["a", 1]), True),
        ((["a"], ["a", "b"]), False),
        (({"a": 1}, {"a": Decimal(1)}), True),
        (((1,), [1]), False),
    ]
    for (a, b), expected in cases:
        assert same_json(a, b) is expected, (a, b)


def test_overlay_merges_items_by_id_and_copies_unless_told() -> None:
    leftover = {
        "language": "en",
        "parties": [{"id": 1, "address": {"countryName": "SE"}}, {"id": "X", "name": "Other"}],
    }
    generated = _generated()
    result = overlay(generated, leftover)
    assert result is generated
    assert [p["id"] for p in result["parties"]] == ["1", "S", "X"]
    assert list(result["parties"][0]) == ["id", "name", "roles", "address"]
    assert result["parties"][0]["address"] == {"country": "SE", "countryName": "SE"}
    assert result["parties"][2] == leftover["parties"][1]
    assert result["parties"][2] is not leftover["parties"][1]
    shared = overlay(_generated(), leftover, copy=False)
    assert shared["parties"][2] is leftover["parties"][1]


def test_apply_overrides_follows_ids_and_skips_paths_that_lead_nowhere() -> None:
    release = _generated()
    value = ["buyer", "procuringEntity"]
    apply_overrides(
        release,
        [
            (["parties", {"id": "1"}, "roles"], value),
            (["parties", {"id": "nobody"}, "roles"], ["x"]),
            (["tender", {"id": "1"}, "title"], "not an array"),
            (["tender", "title", "x"], "not an object"),
            (["awards", {"id": "A"}, 0], "not a key"),
            ([], "empty path"),
            (["tender", "numberOfTenderers"], True),
        ],
    )
    assert release["parties"][0]["roles"] == value
    assert release["parties"][0]["roles"] is not value
    assert release["tender"]["title"] == "T"
    assert release["tender"]["numberOfTenderers"] is True
    assert release["awards"] == [{"id": "A", "value": {"amount": Decimal("0.1")}, "date": "2020"}]


def test_copies_keep_scalars_and_make_new_containers() -> None:
    value = {"a": [1, {"b": 2.5}], "c": (Decimal("2.50"), Decimal("3")), "d": None}
    copy = copied(value)
    assert copy == value and copy["a"] is not value["a"] and copy["a"][1] is not value["a"][1]
    exact = exact_copy(value)
    assert repr(exact) == repr(
        {"a": [1, {"b": Decimal("2.5")}], "c": [Decimal("2.5"), 3], "d": None}
    )


def test_is_id_list() -> None:
    assert is_id_list([{"id": 1}, {"id": "2"}])
    assert not is_id_list([])
    assert not is_id_list([{"id": 1}, {"id": None}])
    assert not is_id_list([{"id": 1}, "x"])
    assert not is_id_list({"id": 1})


def test_build_release_of_a_ppp_case_is_the_same_text() -> None:
    values: dict[str, Any] = {
        "city": "RIX",
        "buyer": "Riga City Council",
        "title": "Tram depot",
        "description": "",
        "category": "works",
        "cpv": "45121000-1",
        "sector": "transport",
        "procedure": "competitive-dialogue",
        "innovation_approaches": ["pre-commercial"],
        "status": "completed",
        "tender_published": dt.date(2020, 2, 3),
        "awarded_on": dt.date(2020, 6, 1),
        "contract_start": dt.date(2020, 7, 1),
        "contract_end_planned": None,
        "completed_on": dt.date(2024, 1, 31),
        "currency": "EUR",
        "estimated_value": Decimal("1000000.00"),
        "awarded_value": Decimal("950000.50"),
        "final_value": Decimal("1E+6"),
        "award_criteria": None,
        "tenders_received": 0,
        "winner": "Depot Builders SIA",
        "winner_is_sme": False,
        "winner_country": "LV",
        "contact_name": "Officer",
        "contact_email": "",
        "documents": [{"url": "https://example.org/n", "title": None}, {"url": "https://x"}],
        "ppp_model": "dbfom",
        "payment_mechanism": "availability",
        "duration_years": 25,
        "capex": Decimal("800000"),
        "private_finance_share": Decimal("40"),
        "psc_value": Decimal("990000.00"),
        "vfm_percent": Decimal("4.50"),
        "financial_close": dt.date(2020, 7, 1),
        "ppp_status": "concluded",
        "risks": {"design": "private", "demand": "shared"},
        "satisfaction": 4,
        "kpis": [{"name": "Trams", "unit": None, "baseline": Decimal("1.50"), "target": 3}],
    }
    view = ReleaseView(
        ocid="ocds-x-1",
        reference="RIX-2020-001",
        release_id="RIX-2020-001-1",
        date="2024-02-01T00:00:00Z",
        tag=["contractTermination"],
        values=values,
        origin={"registry": "Riga"},
        ids={"buyer": "LV-1", "doc:https://x": "D2"},
    )
    text = dumps(build_release(view, include_contacts=True))
    assert text == (
        '{"ocid": "ocds-x-1", "id": "RIX-2020-001-1", "date": "2024-02-01T00:00:00Z", "tag": '
        '["contractTermination"], "initiationType": "tender", "parties": [{"id": "LV-1", '
        '"name": "Riga City Council", "roles": ["buyer"], "contactPoint": {"name": '
        '"Officer"}}, {"id": "org-depot-builders-sia", "name": "Depot Builders SIA", '
        '"roles": ["supplier"], "address": {"country": "LV"}, "details": {"scale": '
        '"large"}}], "buyer": {"id": "LV-1", "name": "Riga City Council"}, "tender": {"id": '
        '"RIX-2020-001-tender", "title": "Tram depot", "status": "complete", "value": '
        '{"amount": 1000000, "currency": "EUR"}, "procurementMethod": "selective", '
        '"procurementMethodDetails": "Competitive dialogue", "mainProcurementCategory": '
        '"works", "tenderPeriod": {"startDate": "2020-02-03T00:00:00Z"}, '
        '"numberOfTenderers": 0, "items": [{"id": "1", "classification": {"scheme": "CPV", '
        '"id": "45121000", "description": "Test drilling work"}}], "documents": [{"id": '
        '"doc-1", "url": "https://example.org/n"}, {"id": "D2", "url": "https://x"}]}, '
        '"awards": [{"id": "RIX-2020-001-award-1", "status": "active", "date": '
        '"2020-06-01T00:00:00Z", "value": {"amount": 950000.5, "currency": "EUR"}, '
        '"suppliers": [{"id": "org-depot-builders-sia", "name": "Depot Builders SIA"}], '
        '"evaluationIndicators": {"netPresentValueDetails": "Public sector comparator (net '
        "present cost of conventional public delivery): 990000 EUR. Value for money claimed "
        'for the PPP option against it: 4.5 %."}}], "contracts": [{"id": '
        '"RIX-2020-001-contract-1", "awardID": "RIX-2020-001-award-1", "status": '
        '"terminated", "period": {"startDate": "2020-07-01T00:00:00Z"}, "value": {"amount": '
        '950000.5, "currency": "EUR"}, "implementation": {"transactions": [{"id": '
        '"final-value", "date": "2024-01-31T00:00:00Z", "value": {"amount": 1000000, '
        '"currency": "EUR"}}], "milestones": [{"id": "completion", "title": "Completion", '
        '"type": "delivery", "code": "completion", "status": "met", "dateMet": '
        '"2024-01-31T00:00:00Z"}]}, "milestones": [{"id": "financial-close", "title": '
        '"Financial close", "type": "financing", "code": "financialClose", "status": "met", '
        '"dateMet": "2020-07-01T00:00:00Z"}], "riskAllocation": [{"id": "design", '
        '"category": "design", "allocation": "privateParty"}, {"id": "demand", "category": '
        '"demand", "allocation": "undefined", "notes": "Shared between the public authority '
        'and the private party."}], "financeSummary": {"subsidyRatio": 0.6, '
        '"subsidyRatioDetails": "Public funding as a share of the capital expenditure: 100 % '
        'minus the private finance share of 40 % recorded in the registry."}}], "baltmet": '
        '{"reference": "RIX-2020-001", "city": "RIX", "origin": {"registry": "Riga"}, '
        '"sector": "transport", "innovationApproaches": ["pre-commercial"], "ppp": {"model": '
        '"dbfom", "paymentMechanism": "availability", "durationYears": 25, "capex": '
        '{"amount": 800000, "currency": "EUR"}, "pscValue": {"amount": 990000, "currency": '
        '"EUR"}, "vfmPercent": 4.5, "status": "concluded"}, "outcome": {"satisfaction": 4, '
        '"kpis": [{"name": "Trams", "baseline": 1.5, "target": 3}]}}}'
    )


def test_date_time_of_dates_and_datetimes() -> None:
    day = dt.date(2021, 3, 4)
    assert date_time(day) == date_time(day) == "2021-03-04T00:00:00Z"
    moment = dt.datetime(2021, 3, 4, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    assert date_time(moment) == "2021-03-05T01:30:00Z"
    assert date_time(None) is None
