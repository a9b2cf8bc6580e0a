"""The shortcuts of validation and of the OCDS mapping give what the general paths give.

``validate`` takes typed values that are already clean (a Decimal amount, a date, an int, a
code) without reading them as text, and :class:`ReleaseReader` takes a JSON number as it is:
each shortcut is checked here against the path it skips, errors and warnings included. A
single release that the merge rules would leave as it is is compiled without a copy: checked
against the copying walk (keys in the same order) and against ``ocdsmerge``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

import pytest
from ocdsmerge import Merger

from procurement.cases.validate import (
    Invalid,
    parse_city,
    parse_country,
    parse_cpv,
    parse_integer,
    parse_money,
    today,
    validate,
)
from procurement.core import cpv as cpv_vocabulary
from procurement.core.errors import ValidationError
from procurement.exchange.ocds import merge
from procurement.exchange.ocds.from_ocds import ReleaseReader
from tests.helpers import OCDS_SCHEMAS


def outcome(parse: Any, value: Any) -> tuple[str, Any]:
    try:
        return "ok", parse(value)
    except Invalid as exc:
        return "invalid", str(exc)


def validated(raw: dict[str, Any], **options: Any) -> tuple[str, Any]:
    try:
        return "ok", validate(raw, **options)
    except ValidationError as exc:
        return "invalid", [(e.field, e.message) for e in exc.errors]


def test_eight_cpv_digits_find_the_code_trying_check_digits_would() -> None:
    vocabulary = cpv_vocabulary.labels()
    for digits in sorted({code[:8] for code in vocabulary})[::50]:
        expected = next(c for c in (f"{digits}-{d}" for d in range(10)) if c in vocabulary)
        assert parse_cpv(digits) == parse_cpv(f" {digits} ") == expected
    for wrong in ("99999999", "4512100", "٤٥١٢١٠٠٠", "45121000-", "x"):
        assert outcome(parse_cpv, wrong)[0] == "invalid"


@pytest.mark.parametrize(
    "amount",
    [
        *("0", "-0", "12.5", "0.001", "0.005", "22510019.0", "1E-30", "0E+30", "-1", "1E+15"),
        *("999999999999999.994", "999999999999999.995"),  # rounded to 10^15 or not
    ],
)
def test_a_decimal_amount_is_cleaned_as_its_text_is(amount: str) -> None:
    by_decimal, by_text = outcome(parse_money, Decimal(amount)), outcome(parse_money, amount)
    assert by_decimal == by_text
    if by_decimal[0] == "ok":
        assert str(by_decimal[1]) == str(by_text[1])  # the same exponent too


@pytest.mark.parametrize(
    "number", [0, 7, -1, 1_000_000, 1_000_001, 10**16 - 1, 10**16, -(10**16), 10**30]
)
def test_an_int_is_cleaned_as_its_decimal_is(number: int) -> None:
    for low, high in ((0, 1_000_000), (-(10**40), 10**40)):
        results = []
        for given in (number, Decimal(number)):
            try:
                results.append(("ok", parse_integer(given, low, high)))
            except Invalid as exc:
                results.append(("invalid", str(exc)))
        assert results[0] == results[1]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("FI", "FI"), ("fi", "FI"), ("F1", None), ("ÄÖ", None), ("FIN", None)],
)
def test_a_country_code_is_cleaned_as_with_spaces_around(code: str, expected: str) -> None:
    for given in (code, f" {code} "):
        if expected is None:
            with pytest.raises(Invalid, match=f"'{given}' is not an ISO 3166"):
                parse_country(given)
        else:
            assert parse_country(given) == expected


@pytest.mark.parametrize(
    ("code", "expected"), [("HEL", "HEL"), ("hel", "HEL"), ("h3l", "H3L"), ("Oslo", "OSL")]
)
def test_a_city_code_is_cleaned_as_with_spaces_around(code: str, expected: str) -> None:
    assert parse_city(code) == parse_city(f" {code} ") == expected


def test_a_date_is_checked_as_its_iso_text_is() -> None:
    now = today()
    days = [
        dt.date(1989, 12, 31),
        dt.date(1990, 1, 1),
        dt.date(2023, 5, 6),
        now,
        now + dt.timedelta(days=1),
        dt.date(now.year + 49, 1, 1),
        dt.date(now.year + 51, 1, 1),
    ]
    for day in days:
        for name in ("awarded_on", "tender_published", "contract_start"):
            for status in ("planned", "awarded"):
                as_date = validated({name: day, "status": status})
                as_text = validated({name: day.isoformat(), "status": status})
                assert as_date == as_text, (name, day, status)


def test_typed_values_are_validated_as_their_text_is() -> None:
    typed = {
        "title": "Buses",
        "category": "goods",
        "cpv": "34144900",
        "currency": "EUR",
        "estimated_value": Decimal("1250000.5"),
        "awarded_value": Decimal("1300000"),
        "tenders_received": 4,
        "sme_tenders": 5,
        "winner_country": "FI",
        "winner_is_sme": True,
        "awarded_on": dt.date(2023, 5, 6),
        "tender_published": dt.date(2023, 6, 1),
        "city": "HEL",
    }
    as_text = {k: "yes" if v is True else str(v) for k, v in typed.items()}
    cities = {"HEL", "OSL"}
    assert validated(typed, cities=cities) == validated(as_text, cities=cities)
    assert validated(typed, cities={"OSL"}) == validated(as_text, cities={"OSL"})


def read(release: dict[str, Any]) -> tuple[Any, list[tuple[str, str]]]:
    warnings: list[tuple[str, str]] = []
    mapped = ReleaseReader(release, lambda f, m: warnings.append((f, m)), []).read()
    return (mapped.values, mapped.ids, mapped.buyer_keys, mapped.defaults), warnings


def release(amount: Any, **more: Any) -> dict[str, Any]:
    return {
        "ocid": "ocds-test-1",
        "tender": {"id": "t", "title": "Buses", "value": {"amount": amount, "currency": "EUR"}},
        "awards": [{"id": "a", "status": "active", "value": {"amount": amount}}],
        **more,
    }


@pytest.mark.parametrize("amount", ["12.50", "1E+3", "-0", "NaN", "1E+16", "0.001"])
def test_a_json_number_amount_is_read_as_its_text_is(amount: str) -> None:
    try:
        as_number = read(release(Decimal(amount)))
    except ValidationError as exc:
        with pytest.raises(ValidationError) as caught:
            read(release(amount))
        assert [str(e) for e in caught.value.errors] == [str(e) for e in exc.errors]
    else:
        assert as_number == read(release(amount))
        values = as_number[0]
        if "estimated_value" in values:
            assert str(values["estimated_value"]) == str(Decimal(amount))


def test_the_buyer_is_the_first_named_candidate_in_order() -> None:
    parties = [
        {"id": "P1", "name": "Procuring one", "roles": ["procuringEntity"]},
        {"id": "B1", "roles": ["buyer"]},  # no name: passed over
        {"id": "B2", "name": "Buyer two", "roles": ["buyer"], "identifier": {"id": "X"}},
    ]
    values, ids, keys, _ = read(release(Decimal(1), parties=parties))[0]
    assert (values["buyer"], ids["buyer"], keys) == ("Buyer two", "B2", ["X", "B2"])
    only_procuring = read(release(Decimal(1), parties=parties[:2]))[0]
    assert only_procuring[0]["buyer"] == "Procuring one"
    nobody, warnings = read(release(Decimal(1)))
    assert nobody[0]["buyer"] == nobody[3]["buyer"] == "Unknown buyer"
    assert ("buyer", "no buyer or procuring entity named; recorded as 'Unknown buyer'") in warnings


def test_the_currency_of_a_payment_is_the_case_currency_when_nothing_else_names_one() -> None:
    contract = {
        "id": "c",
        "awardID": "a",
        "status": "terminated",
        "implementation": {
            "transactions": [{"id": "p", "value": {"amount": Decimal(5), "currency": "sek"}}]
        },
    }
    given = release(Decimal(10), contracts=[contract])
    del given["tender"]["value"]["currency"]
    (values, ids, _, _), warnings = read(given)
    assert values["currency"] == "SEK"
    assert values["final_value"] == Decimal(5) and ids["finalValue"] == "p"
    assert ("awards[0].value.currency", "missing; assumed SEK") in warnings


def test_the_publication_date_falls_back_to_the_notice_then_the_tender_period() -> None:
    notice = {"documentType": "tenderNotice", "datePublished": "2023-02-01T00:00:00Z"}
    tender = {"tenderPeriod": {"startDate": "2023-03-01"}, "documents": [notice]}
    assert read({"tender": tender})[0][0]["tender_published"] == dt.date(2023, 2, 1)
    notice["datePublished"] = "  "
    assert read({"tender": tender})[0][0]["tender_published"] == dt.date(2023, 3, 1)
    tender["datePublished"] = "2023-01-01"
    assert read({"tender": tender})[0][0]["tender_published"] == dt.date(2023, 1, 1)


# --- compiling a single release -----------------------------------------------------------------

_KEYS = ["title", "parties", "roles", "awards", "items", "value", "amount", "tender",
         "additionalIdentifiers", "buyer", "name", "documents", "relationship"]  # fmt: skip


def _random_value(rng: random.Random, depth: int) -> Any:
    pick = rng.random()
    if depth > 3 or pick < 0.35:
        return rng.choice(["a", "b", 1, 2, Decimal("1.50"), True, None, "", 0])
    if pick < 0.6:
        return _random_object(rng, depth + 1)
    if pick < 0.75:
        return [rng.choice(["x", "y", 3, None]) for _ in range(rng.randint(0, 3))]
    items = []
    for _ in range(rng.randint(0, 3)):
        item = _random_object(rng, depth + 1)
        if rng.random() < 0.8:  # with an id, mostly first, sometimes repeated or not text
            ident = rng.choice(["1", "2", 1, "3", None])
            item = {"id": ident, **item} if rng.random() < 0.85 else {**item, "id": ident}
        items.append(item)
    return items


def _random_object(rng: random.Random, depth: int) -> dict[str, Any]:
    return {rng.choice(_KEYS): _random_value(rng, depth) for _ in range(rng.randint(0, 4))}


def _random_release(rng: random.Random) -> dict[str, Any]:
    release = {"ocid": "ocds-x-1", "id": "r1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"]}
    for key in ("parties", "tender", "awards", "buyer", "title"):
        if rng.random() < 0.7:
            release[key] = _random_value(rng, 1)
    return release


def _copying_walk(release: dict[str, Any]) -> dict[str, Any]:
    """The compiled release as the general single-release walk makes it (a copy)."""
    head = {
        "tag": ["compiled"],
        "id": f"{release.get('ocid')}-{release.get('date')}",
        "date": release.get("date"),
        "ocid": release.get("ocid"),
    }
    rest = {k: v for k, v in release.items() if k not in ("tag", "id", "date")}
    try:
        body, _ = merge._single(rest, merge.rule_tree())
    except merge._SameIds:
        return merge.compile_releases([release, {"ocid": release["ocid"], "date": "0"}][:1])
    return {k: v for k, v in {**head, **body}.items() if v is not None}


def test_a_single_release_compiles_as_the_copying_walk_and_ocdsmerge_compile_it() -> None:
    rng = random.Random(20261129)
    merger = Merger(json.loads((OCDS_SCHEMAS / "ppp-profile" / "release-schema.json").read_text()))
    uncopied = 0
    for _ in range(3000):
        release = _random_release(rng)
        before = copy.deepcopy(release)
        compiled = merge.compile_releases([release])
        expected = _copying_walk(copy.deepcopy(release))
        # equal, keys in the same order (the text shows the order), numbers of the same type
        assert json.dumps(compiled, default=repr) == json.dumps(expected, default=repr)
        assert release == before  # the release itself is left as it was
        rest = {k: v for k, v in release.items() if k not in ("tag", "id", "date")}
        if merge._unchanged(rest, merge.rule_tree()):  # compiled without a copy
            uncopied += 1
            plain = json.loads(json.dumps(release, default=float))
            reference = merger.create_compiled_release([plain])
            assert json.loads(json.dumps(compiled, default=float)) == reference
    assert 300 < uncopied < 2700  # both paths are taken
