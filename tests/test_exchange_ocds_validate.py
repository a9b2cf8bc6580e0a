"""The quick checks of simple OCDS sub-schemas (used when an import keeps a publisher's own
values) agree with jsonschema on every value, or leave the value to jsonschema."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.exchange.ocds.validate import _pointers, _quick, _sub_validator, value_valid

SCHEMAS = ("1.1/release-schema.json", "ppp-profile/release-schema.json")
SAMPLES: list[Any] = [
    None, "", "x", "planning", "complete", "sme", 0, 1, -3, True, False, 1.5, Decimal("2"),
    Decimal("2.5"), [], ["a"], [1], [None], ["a", "b"], {}, {"a": "b"}, {"id": 5},
    {"scheme": "XI-BENCH", "id": "B01"}, {"countryName": "SE"}, {"countryName": 7},
    {"scale": "sme"}, [{"id": "1"}], {"amount": 5, "currency": "EUR"},
    "2025-01-31T10:00:00Z", "2025-01-31T10:00:00+02:00", "2025-01-31T10:00:00", "2025-01-31",
    "2025-13-01T00:00:00Z", "yesterday", "https://portal.example/n/1", "see the portal",
    "mailto:a@b.example", "https://x.example/%zz",
]  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def quick_pointers() -> list[tuple[str, str]]:
    found = []
    for name in SCHEMAS:
        for pointer in sorted(set(_pointers(name).values())):
            if _quick(name, pointer) is not None:
                found.append((name, pointer))
    return found


QUICK = quick_pointers()


def test_most_simple_fields_have_a_quick_check() -> None:
    assert len(QUICK) > 100
    organisation_id = json.dumps(["definitions", "Organization", "properties", "id"])
    assert ("1.1/release-schema.json", organisation_id) in QUICK


def test_quick_checks_agree_with_jsonschema_on_samples() -> None:
    for name, pointer in QUICK:
        node: Any = _sub_validator(name, pointer).schema
        samples = [*SAMPLES, *(node.get("enum") or [])]
        for value in samples:
            expected = _sub_validator(name, pointer).is_valid(value)
            assert value_valid(name, pointer, value) == expected, (name, pointer, value)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(QUICK), JSON)
def test_quick_checks_agree_with_jsonschema_on_any_json(where: tuple[str, str], value: Any) -> None:
    name, pointer = where
    assert value_valid(name, pointer, value) == _sub_validator(name, pointer).is_valid(value)
