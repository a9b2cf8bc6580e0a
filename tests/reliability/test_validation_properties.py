"""Guarantee 3 (validation layer): arbitrary input never raises anything but
ValidationError, and accepted values validate again to themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procurement.cases.fields import FIELDS
from procurement.cases.validate import validate
from procurement.core.errors import ValidationError

CITIES = {"HEL", "RIX", "TLL"}
NAMES = [f.name for f in FIELDS]

scalars = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "yes",
            "no",
            "2025-02-30",
            "1e999",
            "NaN",
            "-1",
            "1,5",
            "€",
            "javascript:alert(1)",
            "=cmd|' /C calc'!A0",
            "\x00",
            "HEL",
            "market-dialogue",
            "34144900-7",
            "EUR",
            "a@b.fi",
            "https://example.org/x",
            "revenue=public",
            "co2-reduction=1:t:0:2",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
mappings = st.dictionaries(
    st.one_of(st.sampled_from(NAMES), st.text(max_size=12)), values, max_size=12
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(mappings)
def test_validate_raises_only_validation_errors(raw: dict[Any, Any]) -> None:
    try:
        clean = validate(raw, cities=CITIES)
    except ValidationError as exc:
        assert exc.errors and all(e.message for e in exc.errors)
        return
    assert set(clean) <= set(NAMES)
    assert validate(clean, cities=CITIES) == clean  # accepted values are a fixed point


def _sample(field_kind: str) -> st.SearchStrategy[Any]:
    return {
        "date": st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
        "money": st.decimals(min_value=0, max_value=Decimal("1e14"), places=2),
        "integer": st.integers(min_value=0, max_value=1000),
        "boolean": st.booleans(),
        "text": st.text(min_size=1, max_size=50),
    }.get(field_kind, values)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_plausible_values_round_trip(data: st.DataObject) -> None:
    """Values of the right kind for a random subset of fields."""
    chosen = data.draw(st.lists(st.sampled_from(FIELDS), max_size=10, unique=True))
    raw = {f.name: data.draw(_sample(f.kind)) for f in chosen}
    try:
        clean = validate(raw, cities=CITIES)
    except ValidationError:
        return
    assert validate(clean, cities=CITIES) == clean
