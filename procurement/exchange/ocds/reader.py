"""Reading an OCDS file: release packages, record packages, bare releases, JSON Lines.

The file is streamed (ijson, or line by line for JSON Lines): only one release or record at
a time is built in memory, and each is parked in a :class:`.spill.Spill` by ocid.

Hostile input is bounded while it is read (:mod:`procurement.core.limits`): a value nested
more than 64 levels deep is never built, and a number out of bounds never reaches arithmetic;
either is put aside as :class:`~procurement.core.limits.Refused` and the release holding it is
skipped, naming the field, while the other releases are kept.

The releases of an OCDS 1.0 package (no ``version``, or ``"1.0"``) are upgraded to 1.1
(:mod:`.upgrade`) before they are parked, and the file gets a note saying so. A package's
``version`` may come after its releases (or never): until the package ends, its releases are
held in a temporary file, then parked, upgraded or not.
"""

from __future__ import annotations

import decimal
import pickle  # the holding file is our own, written and read by this process only
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import ijson

from procurement.core.errors import BadInput
from procurement.core.json_decode import JsonDecoder
from procurement.core.limits import (
    MAX_DEPTH,
    MAX_NUMBER_EXPONENT,
    TOO_DEEP,
    MiB,
    Refused,
    bounded_decimal,
    find_refused,
    limit_depth,
    number_problem,
    refused_constant,
)
from procurement.exchange.ocds.detect import Encoding, is_json_lines, open_utf8
from procurement.exchange.ocds.from_ocds import obj, text
from procurement.exchange.ocds.quality import Quality
from procurement.exchange.ocds.spill import PackageMeta, Spill
from procurement.exchange.ocds.upgrade import is_1_0_package, upgrade_release

if TYPE_CHECKING:
    from procurement.exchange.summary import ImportSummary

LINK_KEYS = {"url", "date", "tag"}
MAX_LINE = 16 * MiB  # a JSON Lines line longer than this is skipped unread
_OPENS = frozenset(("start_map", "start_array"))
_CLOSES = frozenset(("end_map", "end_array"))


class Reporter(Protocol):
    """Where reading reports what it finds (an import's :class:`.importer.ImportRun`)."""

    path: Path
    summary: ImportSummary  # notes about a whole file go to its warnings
    bad: list[str]  # what was skipped as wrong
    warned: set[tuple[str, str, str]]  # (ocid, release id, field) warned about

    @property
    def name(self) -> str: ...

    def warn(self, release_id: str, field_name: str, message: str) -> None: ...

    def warn_at(
        self, where: str, ocid: str, release_id: str, field_name: str, message: str
    ) -> None: ...

    def skip(self, where: str, reason: str, *, bad: bool = True) -> None: ...


class FileReader:
    """Streams a file's releases into a :class:`Spill`, warning about each one's oddities."""

    def __init__(self, run: Reporter, spill: Spill, quality: Quality | None = None) -> None:
        self.run = run
        self.spill = spill
        self.quality = quality  # the data-quality summary (import --report), if asked for
        self.pkg = spill.next_pkg
        self.refused = 0  # values put aside as Refused so far: releases are searched for them
        self._refused_before = 0  # self.refused before the line being decoded
        self._json = JsonDecoder(self._decimal, self._constant, undo=self._undo_refused)
        self.upgraded = 0  # releases upgraded from OCDS 1.0 to 1.1
        self._doc: Any = None  # the builder of the document streamed, while its items are read
        self._meta_pkg = -1  # the last package whose metadata was read...
        self._meta_1_0 = False  # ...and whether it is OCDS 1.0
        self._held: IO[bytes] | None = None  # releases held until their package's version is known
        self._held_count = 0
        self._raw: str | None = None  # the text of the JSON Lines line being read
        self.lines_read = 0  # the number of the last line read

    def release(
        self, body: Any, where: str, *, compiled: bool = False, raw: str | None = None
    ) -> None:
        """Park one release (``raw``: its JSON text, if ``body`` is that text read as it is,
        a JSON Lines line: the scratch file keeps the text instead of pickling the body)."""
        if not isinstance(body, dict):
            self.run.skip(where, "a release must be a JSON object")
            return
        release_id = text(body.get("id")) or "(no id)"  # ``where`` says which
        ocid = text(body.get("ocid"))
        if ocid is None:
            self.run.skip(f"{where}, release {release_id}", "no ocid")
            return
        found = find_refused(body) if self.refused else None
        if found is not None:
            field_name, problem = found
            self.run.skip(
                f"{where}, release {release_id} (ocid {ocid[:200]})",
                f"{field_name}: {problem}; the release is left out",
            )
            return
        if isinstance(body.get("tag"), str):
            self.run.warn_at(
                where,
                ocid,
                release_id,
                "tag",
                f"a string ('{body['tag']}') instead of a list; read as a list",
            )
            body["tag"], raw = [body["tag"]], None
        elif "tag" in body and not isinstance(body["tag"], list | type(None)):
            self.run.warn_at(
                where, ocid, release_id, "tag", "is neither a list nor a string; ignored"
            )
            body["tag"], raw = [], None
        if not compiled and not (set(body) - LINK_KEYS - {"ocid", "id"}):
            return  # a linked release of a record: its content comes from compiledRelease
        if self.quality is not None:
            self.quality.release(body)
        name = self.run.name
        position = where[len(name) + 2 :] if where.startswith(f"{name}, ") else ""
        if compiled:
            position = f"{position}, compiledRelease" if position else "compiledRelease"
        held = (ocid, compiled, body, name, position, where, release_id, raw)
        is_1_0 = self._package_is_1_0()
        if is_1_0 is None:
            self._hold(held)
        else:
            self._park(held, is_1_0)

    def _package_is_1_0(self) -> bool | None:
        """Whether the package of the release being read is OCDS 1.0; None while that is not
        known (a package being streamed whose ``version`` has not been seen yet)."""
        if self._doc is not None:  # an item of the releases/records of a streamed document
            read_so_far = self._doc.value
            if not isinstance(read_so_far, dict) or "ocid" in read_so_far:
                return False  # a record, not a package
            if "version" in read_so_far:
                return is_1_0_package(read_so_far)
            return None
        if self._meta_pkg == self.pkg:
            return self._meta_1_0
        return False  # a release or record in no package: its version is not known

    def _park(self, held: tuple[Any, ...], is_1_0: bool) -> None:
        """Park a release in the spill, upgraded to OCDS 1.1 first if its package is 1.0."""
        ocid, compiled, body, name, position, where, release_id, raw = held
        if is_1_0:
            raw = None
            upgrade_release(
                body,
                warn=lambda field, message: self.run.warn_at(
                    where, ocid, release_id, field, message
                ),
            )
            self.upgraded += 1
        self.spill.add(ocid, self.pkg, compiled, body, name, position, raw)

    def _hold(self, held: tuple[Any, ...]) -> None:
        if self._held is None:
            # closed once parked (_park_held), or when reading stops (read)
            self._held = tempfile.TemporaryFile(prefix="procurement-ocds-")  # noqa: SIM115
        pickle.dump(held, self._held, pickle.HIGHEST_PROTOCOL)
        self._held_count += 1

    def _park_held(self, is_1_0: bool) -> None:
        """Park the releases held until their package ended (in the order read)."""
        held, count = self._held, self._held_count
        self._held, self._held_count = None, 0
        if held is None:
            return
        with held:
            held.seek(0)
            for _ in range(count):
                self._park(pickle.load(held), is_1_0)

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
            self.release(dict(doc), where, raw=self._raw)
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
        self._meta_pkg, self._meta_1_0 = self.pkg, is_1_0_package(doc)
        publisher = doc.get("publisher")
        name = text(obj(publisher).get("name")) or text(publisher)
        self.spill.packages[self.pkg] = PackageMeta(
            publisher=name,
            publisher_uri=text(obj(publisher).get("uri")),
            uri=text(doc.get("uri")),
            version=text(doc.get("version")),
            extensions=[e for e in doc.get("extensions") or [] if isinstance(e, str)][:100]
            if isinstance(doc.get("extensions"), list)
            else None,
        )

    def read(self, encoding: Encoding, part: Part | None = None) -> None:
        """Read the file; ``part``: its lines from ``part.offset`` on are being read by the
        importer's helper process (:func:`read_part`), the others here."""
        try:
            if part is not None:
                self.read_lines(encoding, stop=part.offset)
                self._join(part, encoding)
            elif is_json_lines(self.run.path, encoding):
                self.read_lines(encoding)
            else:
                self.read_stream(encoding)
        finally:
            self.spill.next_pkg = self.pkg + 1
            self._doc = None
            if self._held is not None:  # reading stopped inside a package
                self._held.close()
                self._held, self._held_count = None, 0
        if self.upgraded:
            n = self.upgraded
            self.run.summary.warnings.append(
                f"{self.run.name}: upgraded from OCDS 1.0 to 1.1 ({n} release"
                f"{'s' if n > 1 else ''}; the package has no version, or version 1.0): "
                "organisations moved into parties, amendment into amendments, and the "
                "transactions' amount, providerOrganization and receiverOrganization into "
                "value, payer and payee; the registry keeps the upgraded releases"
            )

    def _join(self, part: Part, encoding: Encoding) -> None:
        """Take what the helper process read of the file's end, as if read here (its
        warnings and skips after this part's, its releases and packages numbered after them);
        if it could not, read the end here."""
        done = part.result()
        if done is None:
            self.read_lines(encoding, start=part.offset, first=self.lines_read)
            return
        run = self.run
        run.summary.warnings += done.warnings
        run.summary.skipped += done.skipped
        run.bad += done.bad
        run.warned.update(done.warned)
        self.spill.packages.update(done.packages)
        self.spill.attach(done.spill)
        self.pkg = done.pkg
        self.upgraded += done.upgraded

    def _lines(
        self, stream: Any, number: int = 0, stop: int | None = None
    ) -> Iterator[tuple[int, bytes | None]]:
        """(number, line) of a JSON Lines stream; None for a line longer than MAX_LINE,
        which is read past, never held. ``number``: the lines before the stream's position;
        ``stop``: the bytes to read at most (a line starts there)."""
        read = 0
        while (stop is None or read < stop) and (line := stream.readline(MAX_LINE + 1)):
            number += 1
            read += len(line)
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                while (rest := stream.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    read += len(rest)
                read += len(rest)
                yield number, None
            else:
                yield number, line
        self.lines_read = number

    def _loads(self, line: str, encoded: bytes | None = None) -> Any:
        """One JSON Lines line (``encoded``: its UTF-8 bytes), numbers and nesting within
        bounds (else Refused in place)."""
        self._refused_before = self.refused
        doc = self._json.decode(line, encoded)
        # fewer brackets than the limit cannot nest deeper than it: most lines need no walk
        if line.count("{") + line.count("[") > MAX_DEPTH:
            self.refused += limit_depth(doc)
        return doc

    def _decimal(self, number: str) -> Decimal | Refused:
        value = bounded_decimal(number)
        if isinstance(value, Refused):
            self.refused += 1
        return value

    def _constant(self, name: str) -> Refused:
        self.refused += 1
        return refused_constant(name)

    def _undo_refused(self) -> None:
        """The numbers refused by a decoding begun again are counted again: forget them."""
        self.refused = self._refused_before

    def read_lines(
        self, encoding: Encoding, start: int = 0, first: int = 0, stop: int | None = None
    ) -> None:
        """Read the lines from byte ``start`` (``first`` lines before it) up to byte ``stop``
        (the whole file by default; a part: see :mod:`.parallel`)."""
        with open_utf8(self.run.path, encoding) as stream:
            if start:
                stream.seek(start)
            # a part is given in bytes of the file (a BOM counts): a UTF-8 file, read as it is
            left = None if stop is None else stop - stream.tell()
            for number, line in self._lines(stream, first, left):
                where = f"{self.run.name}, line {number}"
                if line is None:
                    self.run.skip(where, f"a line longer than {MAX_LINE // MiB} MB; left unread")
                    continue
                if not line.strip():
                    continue
                refused = self.refused
                try:
                    decoded = line.decode("utf-8")
                    doc = self._loads(decoded, line)
                except ValueError as exc:
                    self.run.skip(where, f"not valid JSON ({str(exc)[:80]})")
                    continue
                except RecursionError:
                    self.run.skip(where, f"JSON {TOO_DEEP}")
                    continue
                self.pkg += 1
                if isinstance(doc, dict):
                    # the line's text is the release as read, if no value of it was refused
                    self._raw = decoded if self.refused == refused else None
                    try:
                        self.document(doc, where)
                    finally:
                        self._raw = None
                else:
                    self.run.skip(where, "a line must hold one JSON object")

    def read_stream(self, encoding: Encoding) -> None:
        """One JSON document (or several in a row): events are streamed; only one release
        or record at a time is built in memory."""
        name = self.run.name
        with open_utf8(self.run.path, encoding) as stream:
            events = ijson.basic_parse(stream, multiple_values=True)
            try:
                self._walk(events)
            except ijson.JSONError as exc:
                first = (str(exc).strip().splitlines() or [""])[0][:120]
                raise BadInput(
                    f"{name} is not valid JSON ({first}); nothing was imported. "
                    "Check that the file is complete"
                ) from None
            except (ValueError, SystemError, decimal.InvalidOperation) as exc:
                if isinstance(exc, ValueError) and "digits" not in str(exc):
                    raise
                # the parser itself cannot hold the number (over 4,300 digits, or an exponent
                # beyond what a decimal can have): it cannot read on after it
                raise BadInput(
                    f"{name} holds a number the JSON reader cannot represent (more than 4,300 "
                    f"digits, or far beyond 10^{MAX_NUMBER_EXPONENT}); nothing was imported"
                ) from None

    def _walk(self, events: Iterator[tuple[str, Any]]) -> None:
        """Route parse events: items of a document's ``releases``/``records`` arrays are
        built one at a time; everything else builds the document (package metadata, or a
        bare release or record). Top-level arrays of documents are accepted too.

        ``depth`` counts the objects and arrays open; a value that would open one more than
        MAX_DEPTH is read past and built as :class:`Refused` (so the release holding it is
        skipped), and a number out of bounds likewise."""
        name = self.run.name
        depth = 0  # objects and arrays open (after the event)
        skip_to = -1  # reading past a value: the depth at which it ends
        in_top_array = False
        doc: Any = None
        doc_depth = 0  # the depth of the document's own keys
        pending: str | None = None  # "releases"/"records" key seen, value not yet
        array_depth = -1  # the depth of the releases/records array's items (-1: none)
        kind = ""
        item: Any = None
        counts = {"releases": 0, "records": 0}
        for event, value in events:
            opens = event in _OPENS
            closes = event in _CLOSES
            if skip_to >= 0:
                depth += opens - closes
                if depth == skip_to:
                    skip_to = -1
                continue
            if opens and depth >= MAX_DEPTH:
                self._too_deep(name, item if item is not None else doc)
                skip_to = depth
                depth += 1
                continue
            if event == "number" and value.__class__ is Decimal:
                problem = number_problem(value)
                if problem is not None:
                    event, value = "string", Refused(problem)
                    self.refused += 1
            depth += opens - closes
            if array_depth >= 0:  # in a package's releases/records array
                if item is not None:
                    item.event(event, value)
                    if closes and depth == array_depth:
                        self._item(name, kind, item.value, counts)
                        item = None
                elif closes:  # the end of the releases/records array
                    array_depth = -1
                elif opens:
                    item = ijson.ObjectBuilder()
                    item.event(event, value)
                else:
                    self._item(name, kind, value, counts)
                continue
            if pending is not None:
                if event == "start_array":
                    array_depth, kind, pending = depth, pending, None
                    continue
                doc.event("map_key", pending)
                pending = None
            if doc is None:  # between documents
                doc, in_top_array, skip_to = self._top_level(
                    name, event, value, depth, in_top_array
                )
                if doc is not None:
                    self._doc = doc
                    doc_depth = depth
                    counts = {"releases": 0, "records": 0}
                continue
            if event == "map_key" and depth == doc_depth and value in ("releases", "records"):
                pending = value
                continue
            doc.event(event, value)
            if closes and depth == doc_depth - 1:
                self._document_end(doc.value, counts["releases"] + counts["records"])
                doc = None

    def _too_deep(self, name: str, builder: Any) -> None:
        """A value opening past MAX_DEPTH: built as :class:`Refused` by ``builder`` (the item
        or document being built), then read past by the caller."""
        if builder is None:  # not reached: documents and items start higher up
            raise BadInput(f"{name}: JSON {TOO_DEEP}; nothing was imported")
        builder.event("string", Refused(TOO_DEEP))
        self.refused += 1

    def _top_level(
        self, name: str, event: str, value: Any, depth: int, in_top_array: bool
    ) -> tuple[Any, bool, int]:
        """An event outside any document: (the builder of a document it starts, or None;
        whether in a top-level array now; the depth to read past to, or -1)."""
        if event == "start_array" and depth == 1:
            return None, True, -1
        if event == "end_array" and depth == 0 and in_top_array:
            return None, False, -1
        if event == "start_map":
            doc = ijson.ObjectBuilder()
            doc.event(event, value)
            return doc, in_top_array, -1
        self.run.skip(name, "expected JSON objects (releases, records or packages)")
        if event in _OPENS:  # an array in the top-level array: read past it whole
            return None, in_top_array, depth - 1
        return None, in_top_array, -1

    def _item(self, name: str, kind: str, value: Any, counts: dict[str, int]) -> None:
        """One item of a package's ``releases`` or ``records`` array (``kind``) of the file
        ``name``, counted."""
        where = f"{name}, {kind}[{counts[kind]}]"
        if kind == "records":
            self.record(value, where)
        else:
            self.release(value, where)
        counts[kind] += 1

    def _document_end(self, doc: Any, items_seen: int) -> None:
        where = self.run.name
        self._doc = None
        if not isinstance(doc, dict):
            self._park_held(False)
            return
        self._park_held("ocid" not in doc and is_1_0_package(doc))
        if "ocid" in doc:
            self.document(doc, where)
        else:
            self.meta(doc)
            if not items_seen and "releases" not in doc and "records" not in doc:
                self.release(doc, where)  # reported: a release without an ocid
        self.pkg += 1


PART_FIRST = 1 << 40  # a part read by the helper process: its releases and packages from here


@dataclass
class PartRead:
    """What the helper process read of a file's end (:func:`read_part`)."""

    spill: str  # its scratch file
    warnings: list[str]
    skipped: list[tuple[str, str]]
    bad: list[str]
    warned: list[tuple[str, str, str]]
    packages: dict[int, PackageMeta]
    pkg: int  # the last package number used
    upgraded: int  # of them, upgraded from OCDS 1.0


class Part(Protocol):
    """A file's end being read by the helper process, from the line starting at byte
    ``offset``."""

    offset: int

    def result(self) -> PartRead | None:
        """What was read; None if it could not be (the importer reads it then)."""


def read_part(run: Reporter, encoding: Encoding, offset: int, spill_path: Path) -> PartRead:
    """Read the lines of the UTF-8 JSON Lines file ``run.path`` from byte ``offset`` (a line
    starts there) into a scratch file of their own, as :meth:`FileReader.read` would."""
    first = 0
    with run.path.open("rb") as handle:  # the lines before the part, for their numbers
        left = offset
        while left > 0 and (chunk := handle.read(min(left, 1 << 20))):
            first += chunk.count(b"\n")
            left -= len(chunk)
    spill = Spill(spill_path, first=PART_FIRST)
    spill.next_pkg = PART_FIRST
    try:
        reader = FileReader(run, spill, None)
        reader.read_lines(encoding, start=offset, first=first)
        spill.finish()
    finally:
        spill.close()
    return PartRead(
        spill=str(spill_path),
        warnings=list(run.summary.warnings),
        skipped=list(run.summary.skipped),
        bad=list(run.bad),
        warned=list(run.warned),
        packages=dict(spill.packages),
        pkg=reader.pkg,
        upgraded=reader.upgraded,
    )
