"""``import FILE`` for OCDS: release packages, record packages, bare releases, JSON Lines.

The file is streamed (ijson, or line by line for JSON Lines) into a temporary SQLite file
holding one row per release, indexed by ocid; then each ocid's releases are merged by the
OCDS merge rules and mapped to one case. Memory holds one contracting process at a time,
whatever the size of the file and wherever an ocid's releases sit in it.

Each case is written in its own savepoint: a bad release is skipped with its reason and
the good ones are kept, unless ``strict`` (then nothing is written).
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from procurement.cases.fields import DEMO_PUBLISHER, FIELDS, PPP_FIELDS, REQUIRED_FIELDS
from procurement.cases.query import update_case
from procurement.cases.store import BulkWriter, Prepared, city_codes
from procurement.cases.validate import EMPTY, MONEY_FIELDS, validate
from procurement.cases.values import case_values, jsonable
from procurement.core.errors import BadInput, FieldError, ProcurementError, ValidationError
from procurement.exchange.ocds import EXTENSION
from procurement.exchange.ocds.detect import Encoding, is_json_lines, open_utf8, sniff_encoding
from procurement.exchange.ocds.exporter import origin_of, stamp
from procurement.exchange.ocds.mapping import (
    ReleaseReader,
    ReleaseView,
    build_release,
    obj,
    text,
)
from procurement.exchange.ocds.merge import (
    MISSING,
    apply_overrides,
    dumps,
    exact,
    is_id_list,
    loads,
    merge_releases,
    overlay,
    remove_path,
    same,
    split,
    storable,
)
from procurement.exchange.ocds.validate import dotted, release_errors, values_valid
from procurement.exchange.summary import ImportSummary
from procurement.storage.models import AuditEvent, Case

DEFAULTS = {"sector": "other", "procedure": "other", "category": "services"}
LINK_KEYS = {"url", "date", "tag"}
MAX_PASSES = 10
SPILL_ROWS = 1000  # releases written to the scratch file at a time
BATCH = 500  # contracting processes mapped, then new cases written, at a time


@dataclass
class _Package:
    publisher: str | None = None
    publisher_uri: str | None = None
    uri: str | None = None
    version: str | None = None


@dataclass
class _Run:
    path: Path
    session: Session
    user: str
    city: str | None
    city_map: dict[str, str]
    strict: bool
    summary: ImportSummary
    cities: set[str]
    bad: list[str] = field(default_factory=list)
    warned: set[tuple[str, str, str]] = field(default_factory=set)
    ocid: str = ""  # the contracting process being imported
    writer: BulkWriter = field(init=False)

    def __post_init__(self) -> None:
        if self.session is not None:
            self.writer = BulkWriter(db=self.session, user=self.user)

    @property
    def name(self) -> str:
        return self.path.name

    def warn(self, release_id: str, field_name: str, message: str) -> None:
        self.warned.add((self.ocid, release_id, field_name))
        self.summary.warnings.append(f"{self.name}, release {release_id}, {field_name}: {message}")

    def skip(self, where: str, reason: str, *, bad: bool = True) -> None:
        self.summary.skipped.append((where, reason))
        if bad:
            self.bad.append(f"{where}: {reason}")


# --- reading --------------------------------------------------------------------------------


class _Spill:
    """Releases parked on disk by ocid (a temporary SQLite file)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        # a scratch file: no journal, no waiting for the disk
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE rel (seq INTEGER PRIMARY KEY, ocid TEXT, pkg INTEGER, "
            "compiled INTEGER, body TEXT)"
        )
        self.packages: dict[int, _Package] = {}
        self._buffer: list[tuple[str, int, int, str]] = []

    def add(self, ocid: str, pkg: int, compiled: bool, body: Mapping[str, Any]) -> None:
        self._buffer.append((ocid, pkg, int(compiled), dumps(body)))
        if len(self._buffer) >= SPILL_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self.db.executemany(
                "INSERT INTO rel (ocid, pkg, compiled, body) VALUES (?, ?, ?, ?)", self._buffer
            )
            self._buffer.clear()

    def ocids(self) -> Iterator[str]:
        """Each ocid once, in the order of its first release in the file."""
        self._flush()
        self.db.execute("CREATE INDEX rel_ocid ON rel (ocid, seq)")
        cursor = self.db.execute("SELECT ocid FROM rel GROUP BY ocid ORDER BY MIN(seq)")
        while batch := cursor.fetchmany(1000):
            for (ocid,) in batch:
                yield ocid

    def ocid_chunks(self, size: int) -> Iterator[list[str]]:
        chunk: list[str] = []
        for ocid in self.ocids():
            chunk.append(ocid)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def rows(self, ocid: str) -> list[tuple[int, bool, dict[str, Any]]]:
        self._flush()
        found = self.db.execute(
            "SELECT pkg, compiled, body FROM rel WHERE ocid = ? ORDER BY seq", (ocid,)
        )
        return [(pkg, bool(compiled), loads(body)) for pkg, compiled, body in found]

    def close(self) -> None:
        self.db.close()


class _Reader:
    """Streams a file's releases into a :class:`_Spill`, warning about each one's oddities."""

    def __init__(self, run: _Run, spill: _Spill) -> None:
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
        self.spill.packages[self.pkg] = _Package(
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


# --- mapping one contracting process --------------------------------------------------------


def _when(value: Any) -> dt.datetime | None:
    raw = text(value)
    if raw is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(raw[:10])
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _compile(
    run: _Run, rows: list[tuple[int, bool, dict[str, Any]]]
) -> tuple[dict[str, Any], list[str], str, str | None, int]:
    """Merge one ocid's releases: (compiled release, newest tags, release id, date, package)."""
    compiled_rows = [r for r in rows if r[1]]
    if compiled_rows:
        chosen = max(
            compiled_rows,
            key=lambda r: _when(r[2].get("date")) or dt.datetime.min.replace(tzinfo=dt.UTC),
        )
        pkg, _, body = chosen
        release_id = text(body.get("id")) or "(compiled)"
        compiled = merge_releases([body])
        tags = [t for t in compiled.get("tag") or [] if isinstance(t, str)]
        return compiled, tags, release_id, text(body.get("date")), pkg
    dated: list[tuple[dt.datetime | None, int, int, dict[str, Any]]] = []
    for seq, (pkg, _, body) in enumerate(rows):
        release_id = text(body.get("id")) or f"#{seq + 1}"
        when = _when(body.get("date"))
        if when is None:
            run.warn(
                release_id,
                "date",
                "missing or not a date; merged before the dated releases of its ocid"
                if body.get("date") is None
                else f"'{str(body.get('date'))[:40]}' is not a date; merged first",
            )
        dated.append((when, seq, pkg, body))
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    dated.sort(key=lambda r: (r[0] is not None, r[0] or floor, r[1]))
    compiled = merge_releases(r[3] for r in dated)
    newest = dated[-1]
    tags = [t for t in newest[3].get("tag") or [] if isinstance(t, str)]
    release_id = text(newest[3].get("id")) or f"#{newest[1] + 1}"
    date = text(newest[3].get("date")) if newest[0] is not None else None
    return compiled, tags, release_id, date, newest[2]


def _validated(run: _Run, release_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Clean values; optional values the validation layer refuses are left empty (warned),
    required ones take their documented default. Raises ValidationError if that fails."""
    for _ in range(MAX_PASSES):
        try:
            return validate(values, cities=run.cities, require=REQUIRED_FIELDS)
        except ValidationError as exc:
            errors = exc.errors
        fatal: list[FieldError] = []
        for error in errors:
            name = error.field
            if name in DEFAULTS and values.get(name) != DEFAULTS[name]:
                run.warn(release_id, name, f"{error.message}; '{DEFAULTS[name]}' used")
                values[name] = DEFAULTS[name]
            elif name in REQUIRED_FIELDS:
                fatal.append(error)
            elif name in values and values[name] is not None:
                run.warn(release_id, name, f"{error.message}; left empty")
                values.pop(name)
            elif name == "currency":
                for money in MONEY_FIELDS:
                    values.pop(money, None)
                run.warn(release_id, "currency", f"{error.message}; amounts left empty")
            elif name == "best_practice_rationale":
                values.pop("best_practice", None)
                run.warn(release_id, name, f"{error.message}; best-practice flag left empty")
            elif name == "ppp_model":
                for f in PPP_FIELDS:
                    values.pop(f.name, None)
                run.warn(release_id, name, f"{error.message}; PPP details left empty")
            else:
                fatal.append(error)
        if fatal:
            raise ValidationError(fatal)
    raise ValidationError([FieldError("release", "could not be mapped to a valid case")])


def _comparable(name: str, value: Any) -> Any:
    value = jsonable(value)
    if value in ([], {}, "") or (name == "best_practice" and value is False):
        return None
    return value


def _changed_fields(current: Mapping[str, Any], clean: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose new value differs from the case's (absent ones become empty)."""
    data: dict[str, Any] = {}
    for f in FIELDS:
        new = clean.get(f.name, EMPTY[f.name])
        if _comparable(f.name, new) != _comparable(f.name, current.get(f.name)):
            data[f.name] = new
    if data.get("ppp_model", "keep") is None:
        data = {k: v for k, v in data.items() if k == "ppp_model" or k not in _PPP_NAMES}
    return data


_PPP_NAMES = frozenset(f.name for f in PPP_FIELDS)


def _city(run: _Run, release_id: str, mapped_city: str | None, keys: list[str]) -> str | None:
    if mapped_city:
        code = mapped_city.upper()
        if code in run.cities:
            return code
        run.warn(
            release_id,
            f"{EXTENSION}.city",
            f"'{mapped_city}' is not a city of this registry (add it with `procurement city "
            "add`); the city is taken from --city-map or --city",
        )
    for key in keys:
        if key in run.city_map:
            return run.city_map[key]
    return run.city


def _stored_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`case_values` returns for a case just added with these clean values."""
    out = {f.name: values.get(f.name) for f in FIELDS}
    out["innovation_approaches"] = list(values.get("innovation_approaches") or [])
    out["documents"] = [
        {"url": d["url"], "title": d.get("title")} for d in values.get("documents") or []
    ]
    out["kpis"] = [{k: kpi.get(k) for k in KPI_KEYS} for kpi in values.get("kpis") or []]
    if values.get("ppp_model") is None:
        for name in _PPP_NAMES:
            out[name] = None
        out["risks"] = {}
    else:
        out["risks"] = dict(values.get("risks") or {})
    if any(values.get(n) not in (None, False) for n in _OUTCOME_COLUMNS):
        out["best_practice"] = bool(values.get("best_practice"))
    else:
        for name in _OUTCOME_COLUMNS:
            out[name] = None
    return out


KPI_KEYS = ("name", "unit", "baseline", "target", "achieved")
_OUTCOME_COLUMNS = tuple(f.name for f in FIELDS if f.group == "outcome" and f.name != "kpis")


def _put_in(leftover: Any, generated: Any, path: list[Any], out: list[list[Any]]) -> None:
    """The paths where :func:`overlay` puts the publisher's values into ``generated``."""
    for key, value in leftover.items():
        here = [*path, key]
        current: Any = generated.get(key) if isinstance(generated, dict) else None
        if isinstance(value, dict) and isinstance(current, dict):
            _put_in(value, current, here, out)
        elif is_id_list(value) and is_id_list(current):
            ids = {str(x["id"]): x for x in current}
            if any(str(item["id"]) not in ids for item in value):
                out.append(here)  # items added: the whole array is checked
                continue
            for item in value:
                _put_in(item, ids[str(item["id"])], [*here, {"id": str(item["id"])}], out)
        else:
            out.append(here)


def _extra(
    run: _Run,
    view: ReleaseView,
    compiled: Mapping[str, Any],
    ids: Mapping[str, str],
    origin: Mapping[str, Any],
    date: str | None,
) -> dict[str, Any]:
    """What the registry keeps of the publisher's release beside the case's fields."""
    release_id = view.release_id
    generated = build_release(view, include_contacts=True)
    original = {k: v for k, v in compiled.items() if k != EXTENSION}
    leftover, overrides = split(original, generated, skip=[EXTENSION])
    # What would be exported must be valid OCDS: values that are not (local words in closed
    # codelists, malformed objects) are kept aside, shown in the extension as "rejected".
    put_in: list[list[Any]] = []
    _put_in(leftover, generated, [], put_in)
    put_in += [list(p) for p, _ in overrides if p]
    rebuilt = overlay(storable(generated), storable(leftover))  # storable builds new containers
    rebuilt = exact(rebuilt)
    apply_overrides(rebuilt, overrides)
    earlier = obj(compiled.get(EXTENSION)).get("rejected")
    rejected: list[dict[str, Any]] = list(earlier) if isinstance(earlier, list) else []
    ppp = view.values.get("ppp_model") is not None
    # the generated part is valid: only the publisher's values are checked, and the whole
    # release only if one of them is not valid
    passes = 0 if values_valid(rebuilt, put_in, ppp=ppp) else MAX_PASSES
    for _ in range(passes):
        errors = [e for e in release_errors(rebuilt, ppp=ppp) if e.absolute_path]
        if not errors:
            break
        removed_any = False
        for error in sorted(errors, key=lambda e: -len(e.absolute_path)):
            path = list(error.absolute_path)
            value = remove_path(rebuilt, path)
            if value is MISSING:
                continue
            removed_any = True
            rejected.append({"path": dotted(path), "value": value})
            if (run.ocid, release_id, dotted(path)) not in run.warned:
                run.warn(
                    release_id,
                    dotted(path),
                    f"not valid OCDS ({error.message[:120]}); kept aside in {EXTENSION}.rejected",
                )
            break
        if not removed_any:
            break
    if rejected:
        leftover, overrides = split(rebuilt, generated, skip=[EXTENSION])
    result: dict[str, Any] = storable(
        {
            "v": 1,
            "release": leftover,
            "overrides": [[p, v] for p, v in overrides],
            "ids": dict(ids),
            "origin": dict(origin),
            "releaseId": release_id,
            "releaseDate": date,
            "rejected": rejected,
        }
    )
    return result


def _case_view(
    case: Case, release_id: str, date: str | None, ids: Mapping[str, str], origin: Mapping[str, Any]
) -> ReleaseView:
    provisional = {"ids": dict(ids), "origin": dict(origin)}
    return ReleaseView(
        ocid=case.ocid,
        reference=case.reference,
        release_id=release_id,
        date=date or "",
        tag=["compiled"],
        values=case_values(case),
        origin=origin_of(case, provisional),
        ids=ids,
    )


def _new_view(new: _New, reference: str) -> ReleaseView:
    """The view :func:`_case_view` gives of the case ``new`` once added as ``reference``."""
    provenance = new.prepared.provenance or {}
    origin = dict(new.origin) or {
        k: v
        for k, v in {
            "registry": provenance.get("source_publisher"),
            "registryUri": provenance.get("source_uri"),
        }.items()
        if v
    }
    return ReleaseView(
        ocid=new.ocid,
        reference=reference,
        release_id=new.release_id,
        date=new.date or "",
        tag=["compiled"],
        values=_stored_values(new.prepared.values),
        origin=origin,
        ids=new.ids,
    )


@dataclass
class _New:
    """A new case, validated, waiting for its batch to be written."""

    prepared: Prepared
    where: str
    ocid: str
    compiled: dict[str, Any]
    ids: Mapping[str, str]
    origin: Mapping[str, Any]
    release_id: str
    date: str | None
    given: str | None  # the publisher's reference, kept if the registry does not hold it
    mark: int  # where in the warnings the ones found while writing it belong
    extra: dict[str, Any] | None = None
    extra_for: str | None = None  # the reference ``extra`` was computed with
    late: list[str] = field(default_factory=list)


def _import_one(
    run: _Run,
    ocid: str,
    compiled: dict[str, Any],
    tags: list[str],
    release_id: str,
    date: str | None,
    package: _Package,
    existing: Case | None,
) -> _New | None:
    """Map one contracting process: a new case is returned (validated, to be written in a
    batch); an update of an imported copy is written at once."""
    where = f"{run.name}, release {release_id} (ocid {ocid})"
    if not ocid.startswith("ocds-"):
        run.warn(release_id, "ocid", f"'{ocid}' has no OCDS prefix (ocds-xxxxxx-); kept as it is")
    if len(ocid) > 200:
        run.skip(where, "the ocid is longer than 200 characters")
        return None
    warn: Callable[[str, str], None] = lambda f, m: run.warn(release_id, f, m)  # noqa: E731
    mapped = ReleaseReader(compiled, warn, tags).read()
    city = _city(run, release_id, mapped.ext_city, mapped.buyer_keys)
    if city is None:
        hint = f" (buyer identifiers: {', '.join(mapped.buyer_keys)})" if mapped.buyer_keys else ""
        run.skip(
            where,
            f"no city for this case: give --city CODE, or --city-map with the buyer{hint}",
        )
        return None
    values = {**mapped.values, "city": city}
    origin = mapped.origin or {
        k: v
        for k, v in {
            "registry": package.publisher or f"unknown publisher (file {run.name})",
            "registryUri": package.publisher_uri or package.uri,
        }.items()
        if v
    }
    marker = origin.get("sourcePublisher")
    provenance = {
        "origin": "imported",
        "source_publisher": (
            DEMO_PUBLISHER if marker == DEMO_PUBLISHER else (package.publisher or "")[:300] or None
        ),
        "source_uri": (package.uri or "")[:1000] or None,
        "source_file": run.name[:1000],
        "source_release_date": date[:40] if date else None,
    }
    if existing is not None and existing.origin == "local":
        run.skip(
            where,
            f"{existing.reference} was recorded in this registry: an imported copy never "
            "overwrites it",
            bad=False,
        )
        return None
    if existing is not None and existing.removed_at is not None:
        run.skip(
            where,
            f"the imported copy {existing.reference} was removed here; restore it with "
            f"`procurement case remove --undo {existing.reference}` to receive updates",
            bad=False,
        )
        return None
    if existing is not None:
        old, new = _when(existing.source_release_date), _when(date)
        if old is not None and new is not None and new < old:
            run.summary.unchanged.append(f"{existing.reference} (the stored copy is newer)")
            return None
    try:
        if existing is None:
            clean = _validated(run, release_id, values)
            reference = mapped.reference.upper() if mapped.reference else None
            prepared = run.writer.prepare_clean(
                clean,
                reference=reference if reference and len(reference) <= 40 else None,
                ocid=ocid,
                provenance=provenance,
            )
            return _New(
                prepared=prepared,
                where=where,
                ocid=ocid,
                compiled=compiled,
                ids=mapped.ids,
                origin=origin,
                release_id=release_id,
                date=date,
                given=prepared.reference,
                mark=len(run.summary.warnings),
            )
        with run.session.begin_nested():
            clean = _validated(run, release_id, values)
            _update(
                run, existing, clean, compiled, mapped.ids, origin, release_id, date, provenance
            )
    except ValidationError as exc:
        run.skip(where, "; ".join(str(e) for e in exc.errors))
    except ProcurementError as exc:
        run.skip(where, str(exc))
    except SQLAlchemyError as exc:
        run.skip(where, f"the database refused it: {_first_line(exc)}")
    return None


def _first_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]


def _update(
    run: _Run,
    case: Case,
    clean: dict[str, Any],
    compiled: Mapping[str, Any],
    ids: Mapping[str, str],
    origin: Mapping[str, Any],
    release_id: str,
    date: str | None,
    provenance: Mapping[str, Any],
) -> None:
    """Bring an imported copy up to date with the publisher's newer release."""
    data = _changed_fields(case_values(case), clean)
    changes: dict[str, Any] = {}
    if data:
        case, changes = update_case(
            session=run.session, reference=case.reference, data=data, user=run.user
        )
    before = {k: getattr(case, k) for k in provenance}
    old_extra = exact(case.ocds_extra or {})
    for key, value in provenance.items():
        setattr(case, key, value)
    view = _case_view(case, release_id, date, ids, origin)
    extra = _extra(run, view, compiled, ids, origin, date)
    same_data = (
        same({k: v for k, v in old_extra.items() if k != "stamp"}, exact(extra))
        and before == provenance
    )
    if not changes and same_data:
        case.ocds_extra = _stamped(case, extra)
        run.summary.unchanged.append(case.reference)
        return
    if not changes:
        run.session.add(
            AuditEvent(
                case_id=case.id,
                city_code=case.city_code,
                at=dt.datetime.now(dt.UTC),
                user=run.user,
                action="import",
                changes={"ocds_release": {"old": old_extra.get("releaseId"), "new": release_id}},
            )
        )
    case.ocds_extra = _stamped(case, extra)
    run.session.flush()
    run.summary.updated.append(case.reference)


def _stamped(case: Case, extra: dict[str, Any]) -> dict[str, Any]:
    return {**extra, "stamp": stamp(case.updated_at)}


def _columns(run: _Run, by_id: Mapping[int, _New]) -> Callable[[Prepared, dt.datetime], Any]:
    """The ``ocds_extra`` column of each new case, once the writer has given its reference."""

    def columns(prepared: Prepared, at: dt.datetime) -> dict[str, Any]:
        new = by_id[id(prepared)]
        assert prepared.reference is not None
        if new.extra is None or new.extra_for != prepared.reference:
            run.ocid = new.ocid
            start = len(run.summary.warnings)
            view = _new_view(new, prepared.reference)
            new.extra = _extra(run, view, new.compiled, new.ids, new.origin, new.date)
            new.extra_for = prepared.reference
            new.late = run.summary.warnings[start:]
            del run.summary.warnings[start:]
        return {"ocds_extra": {**new.extra, "stamp": stamp(at)}}

    return columns


def _write_batch(run: _Run, pending: list[_New]) -> None:
    """Write a batch of new cases at once; if the database refuses the batch, one by one,
    skipping only the cases it refuses."""
    if not pending:
        return
    given = [n.given for n in pending if n.given]
    taken = run.writer.taken(given) if given else set()
    for n in pending:  # a reference already in use is not kept: the case gets a new one
        ref = n.prepared.reference
        if ref is not None and ref in taken:
            n.prepared.reference = n.given = None
        elif ref is not None:
            taken.add(ref)
    by_id = {id(n.prepared): n for n in pending}
    columns = _columns(run, by_id)
    written: list[_New] = []
    try:
        with run.session.begin_nested():
            run.writer.write([n.prepared for n in pending], action="import", columns=columns)
        written = pending
    except SQLAlchemyError:
        for n in pending:
            n.prepared.reference = n.given
            try:
                with run.session.begin_nested():
                    run.writer.write([n.prepared], action="import", columns=columns)
                written.append(n)
            except SQLAlchemyError as exc:
                n.prepared.reference = n.given
                run.skip(n.where, f"the database refused it: {_first_line(exc)}")
    for n in reversed(written):
        run.summary.warnings[n.mark : n.mark] = n.late
    for n in written:
        run.summary.created.append(f"{n.prepared.reference} ({n.ocid})")


def read_city_map(path: Path, cities: set[str]) -> dict[str, str]:
    """``buyer_identifier,city`` rows (a header row is optional)."""
    mapping: dict[str, str] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                if not row or not "".join(row).strip():
                    continue
                if number == 1 and row[0].strip().lower() in ("buyer_identifier", "identifier"):
                    continue
                if len(row) < 2:
                    raise BadInput(f"{path.name}, line {number}: expected buyer_identifier,city")
                code = row[1].strip().upper()
                if code not in cities:
                    raise BadInput(
                        f"{path.name}, line {number}: unknown city '{row[1].strip()}'; known: "
                        f"{', '.join(sorted(cities))}"
                    )
                mapping[row[0].strip()] = code
    except UnicodeDecodeError:
        raise BadInput(f"{path.name} is not UTF-8 text; save the city map as UTF-8 CSV") from None
    return mapping


def _import_chunk(run: _Run, spill: _Spill, ocids: list[str]) -> None:
    """Import a batch of contracting processes: updates at once, new cases together."""
    existing = {c.ocid: c for c in run.session.scalars(select(Case).where(Case.ocid.in_(ocids)))}
    pending: list[_New] = []
    for ocid in ocids:
        run.ocid = ocid
        rows = spill.rows(ocid)
        compiled, tags, release_id, date, pkg = _compile(run, rows)
        compiled["ocid"] = ocid
        package = spill.packages.get(pkg, _Package())
        new = _import_one(run, ocid, compiled, tags, release_id, date, package, existing.get(ocid))
        if new is not None:
            pending.append(new)
    _write_batch(run, pending)


def import_ocds(
    *,
    session: Session,
    path: Path,
    user: str,
    city: str | None = None,
    city_map: Path | None = None,
    strict: bool = False,
    dry_run: bool = False,
) -> ImportSummary:
    """Import an OCDS file into the registry; see the module docstring."""
    summary = ImportSummary(source=path.name, dry_run=dry_run)
    cities = city_codes(session)
    if city is not None:
        city = city.strip().upper()
        if city not in cities:
            raise BadInput(f"unknown city '{city}' for --city; known: {', '.join(sorted(cities))}")
    run = _Run(
        path=path,
        session=session,
        user=user,
        city=city,
        city_map=read_city_map(city_map, cities) if city_map else {},
        strict=strict,
        summary=summary,
        cities=cities,
    )
    encoding = sniff_encoding(path)
    if encoding.problem:
        if strict:
            raise BadInput(f"{path.name} {encoding.problem.split(';')[0]}; refused (--strict)")
        summary.warnings.append(f"{path.name} {encoding.problem}")
    with tempfile.TemporaryDirectory(prefix="procurement-ocds-") as tmp:
        spill = _Spill(Path(tmp) / "releases.sqlite")
        try:
            reader = _Reader(run, spill)
            reader.read(encoding)
            for chunk in spill.ocid_chunks(BATCH):
                _import_chunk(run, spill, chunk)
        finally:
            spill.close()
    if strict and run.bad:
        more = f" (and {len(run.bad) - 1} more)" if len(run.bad) > 1 else ""
        raise BadInput(f"{run.bad[0]}{more}; nothing was imported (--strict)")
    if not (summary.created or summary.updated or summary.unchanged or summary.skipped):
        raise BadInput(f"{path.name} holds no OCDS releases or records; nothing was imported")
    return summary


__all__ = ["import_ocds", "read_city_map"]
