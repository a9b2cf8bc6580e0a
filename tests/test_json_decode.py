"""JSON texts decoded by msgspec where it can (:mod:`procurement.core.json_decode`): the same
values, number types, hook calls and errors as ``json.loads`` with the same hooks, whatever
the text; and the OCDS reader counts refused numbers as before."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from procurement.core.json_decode import JsonDecoder, _deeper
from procurement.core.limits import Refused, bounded_decimal, refused_constant
from procurement.exchange.ocds import reader as reader_module
from procurement.exchange.ocds.detect import sniff_encoding
from procurement.exchange.ocds.reader import FileReader
from procurement.exchange.ocds.spill import Spill, _body
from tests.helpers import reading_run


class Hooks:
    """parse_float and parse_constant that note each call (as the reader counts refused
    numbers), forgetting those of an attempt begun again (``undo``)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.mark = 0

    def number(self, text: str) -> Decimal | Refused:
        self.calls.append(text)
        return bounded_decimal(text)

    def constant(self, name: str) -> Refused:
        self.calls.append(name)
        return refused_constant(name)

    def undo(self) -> None:
        del self.calls[self.mark :]


def typed(value: Any) -> Any:
    """``value`` with every type spelled out (key order kept; Decimal('1.0') is not
    Decimal('1.00'), True is not 1)."""
    if value.__class__ is dict:
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if value.__class__ is list:
        return ("list", [typed(v) for v in value])
    if isinstance(value, Refused):
        return ("Refused", value.problem)
    return (type(value).__name__, repr(value))


def outcome(decode: Callable[[], Any]) -> tuple[str, Any]:
    """What ``decode()`` gives: the typed value, or the error's type and message."""
    try:
        value = decode()
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)
    return "value", typed(value)


def json_loads(text: str, hooks: Hooks) -> Any:
    """json.loads with ``hooks``, called one frame below the caller as JsonDecoder.decode
    calls it (the recursion limit is reached at the same depth)."""
    return json.loads(text, parse_float=hooks.number, parse_constant=hooks.constant)


def compare(text: str) -> tuple[str, Any]:
    """Decode ``text`` with JsonDecoder (as text, and as UTF-8 bytes) and with json.loads;
    assert the same outcome and the same hook calls; the outcome."""
    plain = Hooks()
    expected = outcome(lambda: json_loads(text, plain))
    try:
        forms: tuple[bytes | None, ...] = (None, text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate (not escaped) has no UTF-8
        forms = (None,)
    for data in forms:
        hooks = Hooks()
        decoder = JsonDecoder(hooks.number, hooks.constant, undo=hooks.undo)
        assert outcome(lambda: decoder.decode(text, data)) == expected, (text[:200], data)  # noqa: B023
        assert hooks.calls == plain.calls, text[:200]
    return expected


def nested(depth: int, inner: str = "1") -> str:
    return (
        "".join("[" if i % 2 else '{"a":' for i in range(depth))
        + inner
        + "".join("]" if i % 2 else "}" for i in reversed(range(depth)))
    )


RELEASE = json.dumps(
    {
        "ocid": "ocds-js0001-1",
        "id": "r1",
        "date": "2025-01-01T00:00:00Z",
        "tag": ["tender"],
        "parties": [{"id": "p1", "name": "Rīgas dome", "roles": ["buyer"], "address": {}}],
        "tender": {
            "value": {"amount": "@A@", "currency": "EUR"},
            "items": [
                {"id": "1", "quantity": "@Q@", "unit": {"value": {"amount": "@U@"}}},
                {"id": 2, "quantity": 12345678901234567890, "classification": None},
            ],
            "numberOfTenderers": 3,
            "hasEnquiries": False,
            "documents": [],
        },
    },
    ensure_ascii=False,
)

CASES = [
    RELEASE.replace('"@A@"', "22510019.0").replace('"@Q@"', "1e3").replace('"@U@"', "-0.0001"),
    RELEASE.replace('"@A@"', "1e999").replace('"@Q@"', "NaN").replace('"@U@"', "0.1"),
    # floats of every shape, refused or not
    "1.0E+2",
    "-0.0",
    "[-0.0e0, 0.0, 0e0, 0E-0]",
    "1e400",
    "[1e-400, 1.5e-400, 1E40, 1E39, 9.99e39, 1e-40, 1e-41]",
    "0.1",
    "[1.50, 1.500, 10.10, -1.23e-10, 1E+00, 123456789.123456789e-5]",
    "1" + "0" * 120 + ".5",
    # integers: small, 20 digits, past int64/uint64, thousands of digits (json refuses them)
    "[0, -0, 7, -7, 9223372036854775807, -9223372036854775808, 18446744073709551615]",
    "[18446744073709551616, -9223372036854775809, 12345678901234567890]",
    "9" * 300,
    "9" * 4300,
    "-" + "9" * 4300,
    "9" * 4301,
    "9" * 5000,
    '{"n": ' + "1" * 5000 + "}",
    # NaN and infinities (to parse_constant), after a number or alone
    "NaN",
    "Infinity",
    "-Infinity",
    '{"a": 1e999, "b": NaN, "c": -Infinity, "d": 2.5}',
    # escapes: lone surrogates (json keeps them), pairs, a refused number before one
    '"\\ud800"',
    '"\\udc00"',
    '"\\ud800x"',
    '"\\ud800\\u0041"',
    '"\\ude00\\ud83d"',
    '"\\ud83d\\ude00 \\uD800\\uDC00"',
    '{"x": [1.5, 1e999, "\\ud800", 2.5]}',
    '{"\\ud800": 1}',
    '"\\u0000 \\b\\f\\n\\r\\t \\/ \\\\ \\" \\u00e9 \\u00E9 \\u2028"',
    # duplicate keys: the last value, in the first key's place
    '{"a": 1, "a": 2, "b": 3}',
    '{"b": 1, "a": 2, "b": 3.0}',
    # text beyond ASCII, raw
    '{"name": "Åbo – Rīga ☃ 😀 \u2028 \u00a0", "ключ": "значение"}',
    # empty containers, scalars, whitespace
    "{}",
    "[]",
    '[{}, [], [[]], {"a": {}}, ""]',
    '""',
    "true",
    "false",
    "null",
    " \t\r\n[1 , 2 ]\n ",
    # malformed: json.loads's error (message and position) is the one raised
    "",
    " ",
    "[1,]",
    '{"a":1,}',
    "[1 2]",
    '{"a" 1}',
    "{1: 2}",
    "01",
    "1.",
    ".5",
    "+1",
    "1e",
    "-",
    "0x10",
    "nul",
    "tru",
    '"abc',
    '"a\tb"',
    '"\x00"',
    '"\\x"',
    '"\\U0041"',
    "{} x",
    "{}{}",
    "[]]",
    "\ufeff{}",
    "\x0c{}",
    "\u00a0{}",
    "nan",
    "inf",
    "[NaN",
    # nesting: fine, at MAX_DEPTH, and far beyond the recursion limit
    nested(64),
    nested(200),
    "[" * 5000 + "]" * 5000,
    nested(5000),
]


@pytest.mark.parametrize("text", CASES, ids=lambda t: repr(t[:30]))
def test_as_json_loads(text: str) -> None:
    compare(text)


def test_the_cases_cover_values_and_every_kind_of_error() -> None:
    kinds = {compare(text)[0] for text in CASES}
    assert kinds == {"value", "JSONDecodeError", "ValueError", "RecursionError"}


def test_a_lone_surrogate_kept_as_json_keeps_it() -> None:
    assert JsonDecoder().decode('{"x": [1.5, "\\ud800"]}') == {"x": [Decimal("1.5"), "\ud800"]}
    # a text holding a lone surrogate (not escaped): msgspec cannot encode it, json reads it
    assert JsonDecoder().decode('["\ud800", 2.0]') == ["\ud800", Decimal("2.0")]
    compare('["\ud800", 2.0]')


def test_numbers_are_decimals_and_ints_as_written() -> None:
    value = JsonDecoder().decode("[1.50, 1E+3, -0.0, 12345678901234567890, -0]")
    assert [str(v) for v in value] == ["1.50", "1E+3", "-0.0", "12345678901234567890", "0"]
    assert [type(v) for v in value] == [Decimal, Decimal, Decimal, int, int]


def test_an_ordinary_text_needs_no_json_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("json.loads was called")

    monkeypatch.setattr(json, "loads", refuse)
    text = CASES[0]
    assert JsonDecoder().decode(text)["tender"]["value"]["amount"] == Decimal("22510019.0")
    assert JsonDecoder().decode(text, text.encode("utf-8"))["parties"][0]["name"] == "Rīgas dome"


def test_an_attempt_given_up_is_undone_before_json_loads_counts_again() -> None:
    # msgspec refuses the lone surrogate after calling the hook for 1e999 and 1.5
    text = '{"x": [1e999, 1.5, "\\ud800", 2.5]}'
    hooks = Hooks()
    JsonDecoder(hooks.number, hooks.constant, undo=hooks.undo).decode(text)
    assert hooks.calls == ["1e999", "1.5", "2.5"]
    # without undo, the hook sees the numbers before the surrogate twice
    hooks = Hooks()
    JsonDecoder(hooks.number, hooks.constant).decode(text)
    assert hooks.calls == ["1e999", "1.5", "1e999", "1.5", "2.5"]


def via_one_frame(text: str) -> Any:
    """json.loads called one frame below the caller, as JsonDecoder.decode calls it."""
    return json.loads(text, parse_float=Decimal)


def too_deep(decode: Callable[[str], Any], depth: int) -> bool:
    """Whether ``decode`` raises RecursionError on arrays nested ``depth`` deep (else the
    value must be those arrays)."""
    try:
        value = decode("[" * depth + "]" * depth)
    except RecursionError:
        return True
    assert _deeper(value, depth - 1) and not _deeper(value, depth)
    return False


def first_too_deep(decode: Callable[[str], Any]) -> int:
    """The least depth of arrays for which ``decode`` raises RecursionError."""
    low, high = 1, sys.getrecursionlimit() + 10  # not too deep; too deep
    assert not too_deep(decode, low) and too_deep(decode, high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if too_deep(decode, middle) else (middle, high)
    return high


def test_nesting_near_the_recursion_limit_is_json_loads_s_to_decide() -> None:
    # msgspec nests a few levels deeper than json.loads before its RecursionError: from the
    # same place, JsonDecoder.decode and json.loads give up at the same depth
    assert first_too_deep(JsonDecoder().decode) == first_too_deep(via_one_frame)


def test_deeper() -> None:
    for depth in (1, 2, 3, 10, 65):
        value = json.loads(nested(depth))
        assert not _deeper(value, depth)
        assert _deeper(value, depth - 1)
    assert not _deeper(1, 0)
    assert not _deeper("[[[", 1)
    assert not _deeper([], 1)
    assert _deeper([], 0)
    assert not _deeper([1, {"a": [2, {}]}, [], [[3]]], 4)
    assert _deeper([1, {"a": [2, {}]}, [], [[3]]], 3)


# --- random JSON texts -----------------------------------------------------------------

ESCAPES = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u00e9", "\\u20AC"]
CHARS = "abcXYZ 09_-.,:;{}[]'äöüÅłŠ€☃😀\u2028\x7f"


def random_string(rng: random.Random) -> str:
    parts = ['"']
    for _ in range(rng.randrange(0, 12)):
        roll = rng.random()
        if roll < 0.6:
            parts.append(rng.choice(CHARS))
        elif roll < 0.85:
            parts.append(rng.choice(ESCAPES))
        elif roll < 0.95:
            parts.append(f"\\u{rng.randrange(0x20, 0xD800):04x}")
        elif roll < 0.98:
            parts.append("\\ud83d\\ude00")
        else:
            parts.append(rng.choice(["\\ud800", "\\udfff", "\\udc00\\ud800"]))  # lone
    parts.append('"')
    return "".join(parts)


def random_number(rng: random.Random) -> str:
    sign = rng.choice(["", "", "-"])
    whole = rng.choice(
        ["0", str(rng.randrange(1, 10)), str(rng.randrange(1, 10 ** rng.randrange(1, 30)))]
    )
    roll = rng.random()
    if roll < 0.35:
        return sign + whole  # an int (up to 30 digits)
    fraction = "." + "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 8)))
    exponent = rng.choice(["e", "E"]) + rng.choice(["", "+", "-"]) + str(rng.randrange(0, 60))
    if roll < 0.6:
        return sign + whole + fraction
    if roll < 0.8:
        return sign + whole + exponent
    if roll < 0.97:
        return sign + whole + fraction + exponent
    return rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "-0.0"])


def random_value(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth < 6 and roll < 0.2:
        items = [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
        return "[" + rng.choice([",", ", ", " ,\n"]).join(items) + "]"
    if depth < 6 and roll < 0.4:
        keys = [random_string(rng) for _ in range(rng.randrange(0, 5))]
        if keys and rng.random() < 0.2:
            keys.append(rng.choice(keys))  # a duplicate key
        return "{" + ",".join(f"{k}: {random_value(rng, depth + 1)}" for k in keys) + "}"
    if roll < 0.65:
        return random_number(rng)
    if roll < 0.9:
        return random_string(rng)
    return rng.choice(["true", "false", "null"])


def spoil(rng: random.Random, text: str) -> str:
    """``text`` made malformed (sometimes, by chance, still valid)."""
    where = rng.randrange(0, len(text) + 1)
    roll = rng.random()
    if roll < 0.4:
        return text[:where]
    if roll < 0.7:
        return text[:where] + rng.choice(list(',:[]{}"\\x0 \t\x00')) + text[where:]
    return text[:where] + text[where + 1 :]


def test_random_texts_as_json_loads() -> None:
    rng = random.Random(20250601)
    kinds: dict[str, int] = {}
    for _ in range(4000):
        text = random_value(rng)
        if rng.random() < 0.15:
            text = spoil(rng, text)
        kind = compare(text)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["value"] > 2500
    assert kinds["JSONDecodeError"] > 100


# --- the OCDS reader and its scratch file ----------------------------------------------


class JsonLoads:
    """The reader's decoding before msgspec: json.loads alone."""

    def __init__(self, parse_float: Any, parse_constant: Any, *, undo: Any = None) -> None:
        self.parse_float = parse_float
        self.parse_constant = parse_constant

    def decode(self, text: str, encoded: bytes | None = None) -> Any:
        return json.loads(text, parse_float=self.parse_float, parse_constant=self.parse_constant)


LINES = [
    CASES[0],
    CASES[1],
    # a refused number, then a lone surrogate: msgspec gives up after counting the number
    '{"ocid": "ocds-js0001-3", "id": "r3", "tender": {"value": {"amount": 1e999},'
    ' "title": "\\ud800"}}',
    # a lone surrogate alone: the line is kept (as its text) and read back by the spill
    '{"ocid": "ocds-js0001-4", "id": "r4", "tender": {"title": "x\\ud800", "v": 1.50}}',
    '{"ocid": "ocds-js0001-5", "id": "r5", "planning": {"x": NaN}, "note": "\\udc00"}',
    '{"ocid": "ocds-js0001-6", "id": "r6", "n": ' + "9" * 5000 + "}",
    '{"ocid": "ocds-js0001-7", "id": "r7", "x": ' + nested(100) + "}",
    '{"ocid": "ocds-js0001-8", "id": "r8", "x": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"ocid": "ocds-js0001-9", "id": "r9", "x": [1.5, 2,]}',
    '["not", "an", "object", 1e999]',
    '{"ocid": "ocds-js0001-10", "id": "r10", "a": 1.0, "a": 2.00}',
]


def read_lines(path: Path, tmp_path: Path, name: str) -> tuple[int, list[str], Any]:
    """(refused count, lines skipped, parked releases as typed) of reading ``path``."""
    run = reading_run(path)
    spill = Spill(tmp_path / f"{name}.sqlite")
    reader = FileReader(run, spill, None)
    reader.read(sniff_encoding(path))
    spill.finish()
    found = spill.rows_of(list(spill.ocids()))
    spill.close()
    parked = {ocid: [typed(r.body) for r in rows] for ocid, rows in found.items()}
    return reader.refused, list(run.bad), parked


def test_the_reader_reads_and_counts_as_with_json_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    now = read_lines(path, tmp_path, "now")
    monkeypatch.setattr(reader_module, "JsonDecoder", JsonLoads)
    before = read_lines(path, tmp_path, "before")
    assert now == before
    refused, bad, parked = now
    assert refused == 6  # 1e999 twice, NaN, 64+ levels (x2: an object and an array), 1e999
    assert len(bad) == 8
    assert sorted(parked) == ["ocds-js0001-1", "ocds-js0001-10", "ocds-js0001-4"]


def test_the_spill_reads_a_line_back_as_json_loads() -> None:
    for text in (*LINES, *CASES[:2]):
        assert outcome(lambda: _body(None, text)) == outcome(  # noqa: B023
            lambda: json.loads(text, parse_float=Decimal)  # noqa: B023
        )
