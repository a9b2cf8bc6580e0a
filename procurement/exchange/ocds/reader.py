"""Reading an OCDS file: release packages, record packages, bare releases, JSON Lines.

The file is streamed (ijson, or line by line for JSON Lines): only one release or record at
a time is built in memory, and each is parked in a :class:`.spill.Spill` by ocid.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import ijson

from procurement.core.errors import BadInput
from procurement.exchange.ocds.detect import Encoding, is_json_lines, open_utf8
from procurement.exchange.ocds.from_ocds import obj, text
from procurement.exchange.ocds.merge import loads
from procurement.exchange.ocds.spill import PackageMeta, Spill

LINK_KEYS = {"url", "date", "tag"}


class Reporter(Protocol):
    """Where reading reports what it finds (an import's :class:`.importer.ImportRun`)."""

    path: Path

    @property
    def name(self) -> str: ...

    def warn(self, release_id: str, field_name: str, message: str) -> None: ...

    def skip(self, where: str, reason: str, *, bad: bool = True) -> None: ...


class FileReader:
    """Streams a file's releases into a :class:`Spill`, warning about each one's oddities."""

    def __init__(self, run: Reporter, spill: Spill) -> None:
        self.run = run
        self.spill = spill
        self.pkg = 0
        self.count = 0

    def release(self, body: Any, where: str, *, compiled: bool = False) -> None:
        self.count += 1
        if not isinstance(body, dict):
            self.run.skip(where, "a release must be a JSON object")
            return
        release_id = text(body.get("id")) or f"#{self.count}"
        ocid = text(body.get("ocid"))
        if ocid is None:
            self.run.skip(f"{where}, release {release_id}", "no ocid")
            return
        if isinstance(body.get("tag"), str):
            self.run.warn(
                release_id, "tag", f"a string ('{body['tag']}') instead of a list; read as a list"
            )
            body["tag"] = [body["tag"]]
        elif "tag" in body and not isinstance(body["tag"], list | type(None)):
            self.run.warn(release_id, "tag", "is neither a list nor a string; ignored")
            body["tag"] = []
        if not compiled and not (set(body) - LINK_KEYS - {"ocid", "id"}):
            return  # a linked release of a record: its content comes from compiledRelease
        self.spill.add(ocid, self.pkg, compiled, body)

    def record(self, record: Any, where: str) -> None:
        if not isinstance(record, dict):
            self.run.skip(where, "a record must be a JSON object")
            return
        compiled = record.get("compiledRelease")
        if isinstance(compiled, dict):
            compiled.setdefault("ocid", record.get("ocid"))
            self.release(compiled, where, compiled=True)
        releases = record.get("releases")
        if isinstance(releases, list):
            for i, release in enumerate(releases):
                if isinstance(release, dict) and isinstance(compiled, dict):
                    continue  # the compiled release already holds them merged
                self.release(release, f"{where}, releases[{i}]")
        linked_only = isinstance(releases, list) and all(
            isinstance(r, dict) and not (set(r) - LINK_KEYS - {"ocid", "id"}) for r in releases
        )
        if not isinstance(compiled, dict) and (not isinstance(releases, list) or linked_only):
            self.run.skip(
                where,
                "the record has no compiledRelease and no embedded releases (only links); "
                "import the linked release packages instead",
            )

    def document(self, doc: Mapping[str, Any], where: str) -> None:
        """A whole JSON value: release package, record package, record or release."""
        if "ocid" in doc and ("compiledRelease" in doc or isinstance(doc.get("releases"), list)):
            self.record(doc, where)
            return
        if "ocid" in doc:
            self.release(dict(doc), where)
            return
        if "releases" not in doc and "records" not in doc:
            self.release(dict(doc), where)  # reported: a release without an ocid
            return
        self.meta(doc)
        for i, release in enumerate(doc.get("releases") or []):
            self.release(release, f"{where}, releases[{i}]")
        for i, record in enumerate(doc.get("records") or []):
            self.record(record, f"{where}, records[{i}]")

    def meta(self, doc: Mapping[str, Any]) -> None:
        publisher = doc.get("publisher")
        name = text(obj(publisher).get("name")) or text(publisher)
        self.spill.packages[self.pkg] = PackageMeta(
            publisher=name,
            publisher_uri=text(obj(publisher).get("uri")),
            uri=text(doc.get("uri")),
            version=text(doc.get("version")),
        )

    def read(self, encoding: Encoding) -> None:
        if is_json_lines(self.run.path, encoding):
            self.read_lines(encoding)
        else:
            self.read_stream(encoding)

    def read_lines(self, encoding: Encoding) -> None:
        with open_utf8(self.run.path, encoding) as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                where = f"{self.run.name}, line {number}"
                try:
                    doc = loads(line.decode("utf-8"))
                except ValueError as exc:
                    self.run.skip(where, f"not valid JSON ({str(exc)[:80]})")
                    continue
                self.pkg += 1
                if isinstance(doc, dict):
                    self.document(doc, where)
                else:
                    self.run.skip(where, "a line must hold one JSON object")

    def read_stream(self, encoding: Encoding) -> None:
        """One JSON document (or several in a row): events are streamed; only one release
        or record at a time is built in memory."""
        name = self.run.name
        with open_utf8(self.run.path, encoding) as stream:
            events = ijson.parse(stream, multiple_values=True)
            try:
                self._walk(events)
            except ijson.JSONError as exc:
                first = (str(exc).strip().splitlines() or [""])[0][:120]
                raise BadInput(
                    f"{name} is not valid JSON ({first}); nothing was imported. "
                    "Check that the file is complete"
                ) from None

    def _walk(self, events: Iterator[tuple[str, str, Any]]) -> None:
        """Route parse events: items of a document's ``releases``/``records`` arrays are
        built one at a time; everything else builds the document (package metadata, or a
        bare release or record). Top-level arrays of documents are accepted too."""
        name = self.run.name
        in_top_array = False
        doc: Any = None
        doc_prefix = ""
        doc_depth = 0
        pending: str | None = None  # "releases"/"records" key seen, value not yet
        array: str | None = None  # prefix of the releases/records array being streamed
        kind = ""
        item: Any = None
        item_depth = 0
        counts = {"releases": 0, "records": 0}
        for prefix, event, value in events:
            opens = event in ("start_map", "start_array")
            closes = event in ("end_map", "end_array")
            if array is not None:
                if item is not None:
                    item.event(event, value)
                    item_depth += opens - closes
                    if item_depth == 0:
                        self._item(kind, item.value, f"{name}, {kind}[{counts[kind]}]")
                        counts[kind] += 1
                        item = None
                elif prefix == array and event == "end_array":
                    array = None
                elif opens:
                    item = ijson.ObjectBuilder()
                    item.event(event, value)
                    item_depth = 1
                else:
                    self._item(kind, value, f"{name}, {kind}[{counts[kind]}]")
                    counts[kind] += 1
                continue
            if pending is not None:
                if event == "start_array":
                    array = f"{doc_prefix}.{pending}" if doc_prefix else pending
                    kind = pending
                    pending = None
                    continue
                doc.event("map_key", pending)
                pending = None
            if doc is None:
                if prefix == "" and event == "start_array" and not in_top_array:
                    in_top_array = True
                elif prefix == "" and event == "end_array" and in_top_array:
                    in_top_array = False
                elif event == "start_map":
                    doc = ijson.ObjectBuilder()
                    doc.event(event, value)
                    doc_prefix = prefix
                    doc_depth = 1
                    counts = {"releases": 0, "records": 0}
                else:
                    self.run.skip(name, "expected JSON objects (releases, records or packages)")
                continue
            if (
                event == "map_key"
                and prefix == doc_prefix
                and value in ("releases", "records")
                and doc_depth == 1
            ):
                pending = value
                continue
            doc.event(event, value)
            doc_depth += opens - closes
            if doc_depth == 0:
                self._document_end(doc.value, counts["releases"] + counts["records"])
                doc = None

    def _item(self, kind: str, value: Any, where: str) -> None:
        if kind == "records":
            self.record(value, where)
        else:
            self.release(value, where)

    def _document_end(self, doc: Any, items_seen: int) -> None:
        where = self.run.name
        if not isinstance(doc, dict):
            return
        if "ocid" in doc:
            self.document(doc, where)
        else:
            self.meta(doc)
            if not items_seen and "releases" not in doc and "records" not in doc:
                self.release(doc, where)  # reported: a release without an ocid
        self.pkg += 1
