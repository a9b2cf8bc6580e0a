"""The data-quality summary of an OCDS import (``import --report FILE.json|.html``), as the
Data Review Tool gives one: fields the schema does not define (and no shipped extension
declares), values outside closed codelists, empty fields, deprecated fields and format
problems, each by field path with its count (and an example value).

Every release read is checked against the shipped OCDS 1.1 release schema with the OCDS for
PPPs profile's fields and the ``baltmet`` extension (:mod:`.validate`); array positions are
left out of the paths, so ``tender.items.classification.id`` counts every item.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from procurement.core.files import atomic_path
from procurement.exchange.ocds.validate import date_time_ok, schema, uri_ok

_SCHEMA = "ppp-profile/release-schema.json"
_FORMATS = {"date-time": date_time_ok, "uri": uri_ok}
_EMPTY: tuple[Any, ...] = ("", [], {})
MAX_ROWS = 200  # rows per section of the report


class Quality:
    """Counts, by field path, of what the Data Review Tool reports about releases."""

    def __init__(self) -> None:
        self.releases = 0
        self.additional: Counter[str] = Counter()
        self.codelist: Counter[tuple[str, str]] = Counter()
        self.empty: Counter[str] = Counter()
        self.deprecated: Counter[str] = Counter()
        self.formats: Counter[tuple[str, str]] = Counter()
        self.examples: dict[str, str] = {}
        self.root = schema(_SCHEMA)
        self.definitions: Mapping[str, Any] = self.root.get("definitions", {})

    def release(self, body: Mapping[str, Any]) -> None:
        self.releases += 1
        self._walk(body, self.root, "")

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        for _ in range(10):
            ref = node.get("$ref")
            if not (isinstance(ref, str) and ref.startswith("#/definitions/")):
                break
            node = {**self.definitions.get(ref.rsplit("/", 1)[1], {}), **node}
            node = {k: v for k, v in node.items() if k != "$ref"}
        return node

    def _walk(self, value: Any, node: Mapping[str, Any], path: str) -> None:
        node = self._resolve(node)
        if path and node.get("deprecated"):
            self.deprecated[path] += 1
        if path and any(value == e and type(value) is type(e) for e in _EMPTY):
            self.empty[path] += 1
            return
        check = _FORMATS.get(str(node.get("format")))
        if check is not None and isinstance(value, str) and not check(value):
            self.formats[(path, str(node["format"]))] += 1
            self.examples.setdefault(path, value[:80])
        enum = node.get("enum")
        if isinstance(enum, list) and isinstance(value, str) and value not in enum:
            self.codelist[(path, value[:80])] += 1
        if isinstance(value, dict):
            properties = node.get("properties") or {}
            patterns = node.get("patternProperties") or {}
            for key, sub in value.items():
                here = f"{path}.{key}" if path else key
                found = properties.get(key)
                if found is None:
                    found = next((s for p, s in patterns.items() if re.search(p, key)), None)
                if found is None:
                    self.additional[here] += 1
                    continue
                self._walk(sub, found, here)
        elif isinstance(value, list):
            items = node.get("items")
            if isinstance(items, dict):
                for item in value:
                    self._walk(item, items, path)

    def as_dict(self, source: str) -> dict[str, Any]:
        def rows(counter: Counter[Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
            out = []
            for key, count in counter.most_common(MAX_ROWS):
                parts = key if isinstance(key, tuple) else (key,)
                out.append({**dict(zip(names, parts, strict=True)), "count": count})
            return out

        formats = rows(self.formats, ("path", "format"))
        for row in formats:
            row["example"] = self.examples.get(row["path"], "")
        return {
            "source": source,
            "releases": self.releases,
            "schema": "OCDS 1.1 with the OCDS for PPPs profile and the baltmet extension",
            "additionalFields": rows(self.additional, ("path",)),
            "codelistValues": rows(self.codelist, ("path", "value")),
            "emptyFields": rows(self.empty, ("path",)),
            "deprecatedFields": rows(self.deprecated, ("path",)),
            "formatProblems": formats,
        }

    def write(self, target: Path, source: str) -> None:
        """The summary as JSON (``.json``) or as a self-contained HTML page (else)."""
        data = self.as_dict(source)
        if target.suffix.lower() == ".json":
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        else:
            text = _html(data)
        with atomic_path(target) as partial:
            partial.write_text(text, encoding="utf-8")


_SECTIONS = (
    ("additionalFields", "Additional fields (not in the schema or a shipped extension)"),
    ("codelistValues", "Values outside closed codelists"),
    ("emptyFields", "Empty fields (empty string, object or array)"),
    ("deprecatedFields", "Deprecated fields"),
    ("formatProblems", "Format problems (date-time, uri)"),
)


def _html(data: Mapping[str, Any]) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Data quality: {esc(data['source'])}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}"
        "td,th{border:1px solid #999;padding:.2rem .4rem;text-align:left}"
        "td.n{text-align:right}</style></head><body>",
        f"<h1>Data quality of {esc(data['source'])}</h1>",
        f"<p>{data['releases']:,} releases checked against {esc(data['schema'])}.</p>",
    ]
    for key, title in _SECTIONS:
        rows = data[key]
        parts.append(f"<h2>{esc(title)}: {len(rows)}</h2>")
        if not rows:
            parts.append("<p>None.</p>")
            continue
        names = [n for n in rows[0] if n != "count"]
        head = "".join(f"<th>{esc(n)}</th>" for n in names)
        parts.append(f"<table><tr>{head}<th>releases</th></tr>")
        for row in rows:
            cells = "".join(f"<td>{esc(str(row[n]))}</td>" for n in names)
            parts.append(f"<tr>{cells}<td class='n'>{row['count']:,}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
