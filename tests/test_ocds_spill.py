"""The OCDS import's scratch file (:mod:`procurement.exchange.ocds.spill`): a JSON Lines
release is kept as the text of its line and read back exactly as the reader built it (the
same values, numbers as the same Decimals or ints), as a pickled body would be."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from procurement.exchange.ocds.detect import sniff_encoding
from procurement.exchange.ocds.reader import FileReader
from procurement.exchange.ocds.spill import Spill
from tests.helpers import reading_run

LINES = [
    # numbers of every kind JSON writes: ints, fractions, exponents, a huge int, negatives
    '{"ocid": "ocds-sp0001-1", "id": "r1", "date": "2025-01-01T00:00:00Z", "tag": ["tender"],'
    ' "tender": {"value": {"amount": 1.50, "currency": "EUR"}, "numberOfTenderers": 3,'
    ' "items": [{"id": "1", "quantity": 1e3, "unit": {"value": {"amount": -0.0001}}},'
    ' {"id": 2, "quantity": 12345678901234567890}]}}',
    # text with escapes and characters beyond ASCII, keys in an unusual order, nulls
    '{"tender": {"title": "Valaistus \\u00e4 \\"quoted\\" \\\\ Rīga \\ud83d\\ude00"},'
    ' "id": "r2", "ocid": "ocds-sp0001-2", "date": null, "buyer": {"name": "Åbo"},'
    ' "tag": ["planning"]}',
    # a tag written as a text: mended by the reader (kept pickled, not as the line's text)
    '{"ocid": "ocds-sp0001-3", "id": "r3", "date": "2025-02-01T00:00:00Z", "tag": "award",'
    ' "awards": [{"id": "a1", "value": {"amount": 10.10}}]}',
    # a number out of bounds: refused by the reader, the release left out
    '{"ocid": "ocds-sp0001-4", "id": "r4", "tender": {"value": {"amount": 1e999}}}',
    # a record on a line (its compiled release is taken, not the line)
    '{"ocid": "ocds-sp0001-5", "compiledRelease": {"ocid": "ocds-sp0001-5", "id": "c5",'
    ' "date": "2025-03-01T00:00:00Z", "tender": {"value": {"amount": 2.25}}}}',
]


class PickledSpill(Spill):
    """A scratch file that pickles every body (as for releases read from packages)."""

    def add(self, *args: Any, **kwargs: Any) -> None:
        kwargs["raw"] = None
        if len(args) > 6:
            args = args[:6]
        super().add(*args, **kwargs)


def read(path: Path, spill: Spill) -> dict[str, list[Any]]:
    run = reading_run(path)
    FileReader(run, spill, None).read(sniff_encoding(path))
    spill.finish()
    ocids = list(spill.ocids())
    found = spill.rows_of(ocids)
    spill.close()
    return {ocid: [(r.body, r.file, r.position) for r in rows] for ocid, rows in found.items()}


def typed(value: Any) -> Any:
    """``value`` with the type of every number and text spelled out."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, str(value))


def test_a_line_read_back_is_the_body_the_reader_built(tmp_path: Path) -> None:
    path = tmp_path / "releases.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    as_text = read(path, Spill(tmp_path / "text.sqlite"))
    pickled = read(path, PickledSpill(tmp_path / "pickled.sqlite"))
    assert typed(as_text) == typed(pickled)
    assert list(as_text) == ["ocds-sp0001-1", "ocds-sp0001-2", "ocds-sp0001-3", "ocds-sp0001-5"]
    body = as_text["ocds-sp0001-1"][0][0]
    assert body["tender"]["value"]["amount"] == Decimal("1.50")
    assert str(body["tender"]["value"]["amount"]) == "1.50"  # as written, not 1.5
    assert body["tender"]["items"][1]["quantity"] == 12345678901234567890
    assert list(as_text["ocds-sp0001-2"][0][0]) == ["tender", "id", "ocid", "date", "buyer", "tag"]
    assert as_text["ocds-sp0001-2"][0][0]["tender"]["title"] == 'Valaistus ä "quoted" \\ Rīga 😀'
    assert as_text["ocds-sp0001-3"][0][0]["tag"] == ["award"]
    assert as_text["ocds-sp0001-1"][0][1:] == ("releases.jsonl", "line 1")


def test_only_untouched_lines_are_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "releases.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    spill = Spill(tmp_path / "spill.sqlite")
    read(path, spill)
    spill = Spill.reader(tmp_path / "spill.sqlite", {})
    kept = dict(spill.db.execute("SELECT ocid, raw IS NOT NULL FROM rel").fetchall())
    spill.close()
    # the line of a mended tag and the record's compiled release are pickled
    assert kept == {
        "ocds-sp0001-1": 1,
        "ocds-sp0001-2": 1,
        "ocds-sp0001-3": 0,
        "ocds-sp0001-5": 0,
    }
    assert json.loads(LINES[0])["id"] == "r1"
