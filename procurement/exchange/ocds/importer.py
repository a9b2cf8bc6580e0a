"""``import FILE`` for OCDS: release packages, record packages, bare releases, JSON Lines.

The file is read (:mod:`.reader`) into a temporary SQLite file holding one row per release,
indexed by ocid (:mod:`.spill`); then each ocid's releases are merged by the OCDS merge rules
(:mod:`.compile`) and mapped to one case (:mod:`.from_ocds`). Memory holds one contracting
process at a time, whatever the size of the file and wherever an ocid's releases sit in it.

Each case is written in its own savepoint: a bad release is skipped with its reason and
the good ones are kept, unless ``strict`` (then nothing is written).

The import's helper process (:mod:`.parallel`) imports this module to prepare new cases
(:func:`prepare_chunk`) and never opens the database: SQLAlchemy, the ORM models and the
writers are imported only by the functions that use the database, which run in the importer's
process alone.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procurement.cases.fields import DEMO_PUBLISHER, FIELDS
from procurement.cases.store.identity import identity_problems
from procurement.cases.store.prepared import Prepared, prepare_clean
from procurement.cases.validate import EMPTY
from procurement.cases.values import case_values, changed, created, normalised
from procurement.core.errors import BadInput, ProcurementError, ValidationError
from procurement.core.pickling import by_fields
from procurement.exchange import outside
from procurement.exchange.ocds import EXTENSION, store_rows
from procurement.exchange.ocds.compile import Compiled, Received, compile_ocid, release_time
from procurement.exchange.ocds.detect import sniff_encoding
from procurement.exchange.ocds.from_ocds import Mapped, ReleaseReader, obj
from procurement.exchange.ocds.merge import (
    MISSING,
    _plain_number,
    apply_overrides,
    exact_copy,
    exact_decimals,
    is_id_list,
    leftover_and_overrides,
    overlay,
    remove_path,
    same_json,
    storable,
)
from procurement.exchange.ocds.parallel import RELAXED_GC, Helper
from procurement.exchange.ocds.quality import Quality
from procurement.exchange.ocds.reader import FileReader
from procurement.exchange.ocds.spill import PackageMeta, Spill
from procurement.exchange.ocds.stamps import stamp
from procurement.exchange.ocds.to_ocds import ReleaseView, build_release
from procurement.exchange.ocds.validate import (
    _checks,
    _distinct_ids,
    dotted,
    release_errors,
    release_schemas,
    schema,
    value_valid,
    values_valid,
)
from procurement.exchange.outside import MAX_PASSES, validated_from_outside
from procurement.exchange.summary import ImportSummary
from procurement.storage.json_columns import COMPACT, JSONText, json_serializer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from procurement.cases.store.create import BulkWriter
    from procurement.storage.models import Case

BATCH = 300  # contracting processes mapped, then new cases written, at a time
_SAFE_REFERENCE = re.compile(r"[A-Za-z0-9._/-]+")  # written as it is in JSON text


_ITEM = ("item",)  # a path's step into an array by id, whatever the id
_NOT_THERE = object()  # a path that stops before its end


def _walk(
    release: Mapping[str, Any], path: list[Any], index: dict[int, dict[str, Any] | None]
) -> tuple[tuple[Any, ...], Any] | None:
    """The value at ``path`` of ``release`` (:data:`_NOT_THERE` if the path stops early) and
    the path's keys with its ids left out; None if an array on the way does not hold objects
    with distinct text ids (such a path is left to :func:`.validate.values_valid`).
    ``index``: the arrays met so far, their items by id."""
    node: Any = release
    steps: list[Any] = []
    for step in path:
        if isinstance(step, Mapping):
            if not isinstance(node, list):
                return None
            items: Any = index.get(id(node), _NOT_THERE)
            if items is _NOT_THERE:
                items = index[id(node)] = (
                    {x["id"]: x for x in node} if _distinct_ids(node) else None
                )
            if items is None:
                return None
            steps.append(_ITEM)
            node = items.get(str(step.get("id")), _NOT_THERE)
        else:
            steps.append(step)
            node = node.get(step, _NOT_THERE) if isinstance(node, dict) else _NOT_THERE
        if node is _NOT_THERE:
            break
    return tuple(steps), node


class Validity:
    """:func:`.validate.values_valid` remembered over an import: publishers repeat their
    values (roles, identifiers, addresses, codes) from release to release.

    The schemas a value at a path is checked against depend only on the path's keys (not on
    the ids of the array items on the way, when they are distinct texts): they are found
    once per path (with :func:`.validate._checks` itself, which must check the value at the
    end of the path and nothing else), and each (schema, value) verdict once."""

    LIMIT = 50_000  # verdicts kept (then forgotten all at once)

    def __init__(self) -> None:
        self._plans: dict[tuple[bool, tuple[Any, ...], bool], list[tuple[str, str]] | None] = {}
        self._verdicts: dict[tuple[str, str, str], bool] = {}

    def valid(self, release: Mapping[str, Any], paths: list[list[Any]], *, ppp: bool) -> bool:
        found: list[tuple[list[tuple[str, str]], Any]] = []
        index: dict[int, dict[str, Any] | None] = {}  # arrays by their identity
        for path in paths:
            walked = self._walked(release, path, ppp, index)
            if walked is None:
                return values_valid(release, paths, ppp=ppp)
            found.append(walked)
        if len(self._verdicts) > self.LIMIT:
            self._verdicts.clear()
        for plan, value in found:
            if not plan:
                continue
            text = repr(value)
            for name, pointer in plan:
                key = (name, pointer, text)
                verdict = self._verdicts.get(key)
                if verdict is None:
                    verdict = self._verdicts[key] = value_valid(name, pointer, value)
                if not verdict:
                    return False
        return True

    def _walked(
        self,
        release: Mapping[str, Any],
        path: list[Any],
        ppp: bool,
        index: dict[int, dict[str, Any] | None],
    ) -> tuple[list[tuple[str, str]], Any] | None:
        walked = _walk(release, path, index)
        if walked is None:
            return None
        steps, value = walked
        key = (ppp, steps, value is _NOT_THERE)
        if key not in self._plans:
            self._plans[key] = self._plan(release, path, value, ppp)
        plan = self._plans[key]
        return None if plan is None else (plan, value)

    @staticmethod
    def _plan(
        release: Mapping[str, Any], path: list[Any], value: Any, ppp: bool
    ) -> list[tuple[str, str]] | None:
        """The (schema, pointer) pairs the value at ``path`` is checked against; None if
        :func:`.validate._checks` checks anything else on this path."""
        plan: list[tuple[str, str]] = []
        for name in release_schemas(ppp=ppp):
            out: dict[tuple[str, int], Any] = {}
            _checks(name, schema(name), release, list(path), out)
            for (pointer, _), checked in out.items():
                if checked is not value:
                    return None
                plan.append((name, pointer))
        return plan


@dataclass
class ImportRun:
    """One import: its options, its summary and the case writer."""

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
    where: str = ""  # the file and position of its newest release
    writer: BulkWriter = field(init=False)
    spill: Spill | None = None  # the releases read (once all are)
    validity: Validity = field(default_factory=Validity)

    def __post_init__(self) -> None:
        if self.session is not None:  # none in the helper process
            from procurement.cases.store.create import BulkWriter

            self.writer = BulkWriter(db=self.session, user=self.user)

    @property
    def name(self) -> str:
        return self.path.name

    def warn(self, release_id: str, field_name: str, message: str) -> None:
        """A warning about the contracting process being mapped (its newest release)."""
        self.warn_at(self.where or self.name, self.ocid, release_id, field_name, message)

    def warn_at(
        self, where: str, ocid: str, release_id: str, field_name: str, message: str
    ) -> None:
        """A warning naming the file and position (line of JSON Lines, index in a package),
        the ocid, the release id and the field path."""
        self.warned.add((ocid, release_id, field_name))
        self.summary.warnings.append(
            f"{where}, ocid {ocid}, release {release_id}, {field_name}: {message}"
        )

    def warn_release(self, received: Received, field_name: str, message: str) -> None:
        self.warn_at(_where(received), self.ocid, received.release_id, field_name, message)

    def skip(self, where: str, reason: str, *, bad: bool = True) -> None:
        self.summary.skipped.append((where, reason))
        if bad:
            self.bad.append(f"{where}: {reason}")


def _validated(
    run: ImportRun,
    release_id: str,
    values: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Clean values, mended as an import from outside is (:mod:`..outside`); the defaults
    used are recorded in ``defaults``."""
    return validated_from_outside(
        values,
        cities=run.cities,
        warn=lambda name, message: run.warn(release_id, name, message),
        defaults=defaults,
        what="release",
    )


def _changed_fields(current: Mapping[str, Any], clean: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose new value differs from the case's (absent ones become empty)."""
    return changed(current, {f.name: clean.get(f.name, EMPTY[f.name]) for f in FIELDS})


def _city(run: ImportRun, release_id: str, mapped_city: str | None, keys: list[str]) -> str | None:
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
                # the item's id stays the generated one (a different one is an override)
                rest = {k: v for k, v in item.items() if k != "id"}
                _put_in(rest, ids[str(item["id"])], [*here, {"id": str(item["id"])}], out)
        else:
            out.append(here)


def _column_text(extra: Mapping[str, Any]) -> str:
    """What :func:`_extra` gives, as the ``ocds_extra`` column writes it (``json.dumps`` of
    its JSON-column form, :func:`.merge.storable`), serialised once: a new case's column is
    written from this text."""
    return json.dumps(extra, default=_plain_number, check_circular=False, separators=COMPACT)


def _with_stamp(extra: str, at: dt.datetime) -> JSONText:
    """``{**extra, "stamp": stamp(at)}`` as the column writes it, from the text of ``extra``
    (an object that holds no ``stamp``)."""
    return JSONText(f'{extra[:-1]},"stamp":{json.dumps(stamp(at))}}}')


def _extra(
    run: ImportRun,
    view: ReleaseView,
    compiled: Mapping[str, Any],
    ids: Mapping[str, str],
    origin: Mapping[str, Any],
    date: str | None,
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """What the registry keeps of the publisher's release beside the case's fields, and the
    values made up on import (``defaults``: left out of exports while the case keeps them).
    Numbers may still be Decimals, and it may share objects with ``compiled``: it is made
    storable (:func:`.merge.storable`) or serialised (:func:`_column_text`) at once."""
    release_id = view.release_id
    generated = build_release(view, include_contacts=True)
    original = {k: v for k, v in compiled.items() if k != EXTENSION}
    leftover, overrides = leftover_and_overrides(original, generated, skip=[EXTENSION])
    # What would be exported must be valid OCDS: values that are not (local words in closed
    # codelists, malformed objects) are kept aside, shown in the extension as "rejected".
    put_in: list[list[Any]] = []
    _put_in(leftover, generated, [], put_in)
    put_in += [list(p) for p, _ in overrides if p]
    ppp = view.values.get("ppp_model") is not None
    # the generated part is valid: only the publisher's values are checked (laid over the
    # generated release itself: it is built again if they are not valid), and the whole
    # release only if one of them is not valid
    checked = overlay(generated, exact_copy(leftover), copy=False)
    apply_overrides(checked, overrides)
    passes = 0 if run.validity.valid(checked, put_in, ppp=ppp) else MAX_PASSES
    if passes:
        generated = build_release(view, include_contacts=True)
    rebuilt = checked
    if passes:
        rebuilt = overlay(exact_copy(generated), exact_copy(leftover))  # new containers
        apply_overrides(rebuilt, overrides)
    earlier = obj(compiled.get(EXTENSION)).get("rejected")
    rejected: list[dict[str, Any]] = list(earlier) if isinstance(earlier, list) else []
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
        leftover, overrides = leftover_and_overrides(rebuilt, generated, skip=[EXTENSION])
    return {
        "v": 1,
        "release": leftover,
        "overrides": [[p, v] for p, v in overrides],
        "ids": dict(ids),
        "origin": dict(origin),
        "releaseId": release_id,
        "releaseDate": date,
        "rejected": rejected,
        "defaults": {k: v for k, v in defaults.items() if k in view.values},
    }


def _case_view(
    case: Case, release_id: str, date: str | None, ids: Mapping[str, str], origin: Mapping[str, Any]
) -> ReleaseView:
    from procurement.exchange.ocds.exporter import origin_of

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


def _pending_view(new: PendingCase, reference: str) -> ReleaseView:
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
        values=normalised(new.prepared.values),
        origin=origin,
        ids=new.ids,
    )


@by_fields
@dataclass
class PendingCase:
    """A new case, validated, waiting for its batch to be written."""

    prepared: Prepared
    where: str
    ocid: str
    compiled: dict[str, Any] | None  # None: left in the helper process (see _compiled_again)
    ids: Mapping[str, str]
    origin: Mapping[str, Any]
    release_id: str
    date: str | None
    given: str | None  # the publisher's reference, kept if the registry does not hold it
    mark: int  # where in the warnings the ones found while writing it belong
    extra: str | None = None  # the ``ocds_extra`` column's JSON text (_column_text), no stamp
    extra_for: str | None = None  # the reference ``extra`` was computed with
    late: list[str] = field(default_factory=list)
    fresh: list[Received] = field(default_factory=list)  # releases to store with it
    rows: list[dict[str, Any]] | None = None  # or their store rows, made by the helper process
    at: str = ""  # the file and position of its newest release (named in warnings)
    defaults: dict[str, Any] = field(default_factory=dict)  # values made up on import
    ahead: bool = False  # ``extra`` computed by the helper process, not used yet
    extra_warned: list[tuple[str, str, str]] = field(default_factory=list)  # warned by it


def _where(received: Received) -> str:
    """The file and position of a release: ``tenders.jsonl, line 4``."""
    return ", ".join(p for p in (received.file, received.position) if p) or "(stored release)"


def _import_one(
    run: ImportRun,
    ocid: str,
    process: Compiled,
    package: PackageMeta,
    existing: Case | None,
    fresh: list[Received],
    legacy: bool,
) -> PendingCase | None:
    """Map one contracting process: a new case is returned (validated, to be written in a
    batch); an update of an imported copy is written at once. The releases received for it
    (``fresh``) join the release store with the case."""
    release_id, date, compiled = process.release_id, process.date, process.release
    where = f"{process.newest.file or run.name}, release {release_id} (ocid {ocid})"
    if not ocid.startswith("ocds-"):
        run.warn(release_id, "ocid", f"'{ocid}' has no OCDS prefix (ocds-xxxxxx-); kept as it is")
    if len(ocid) > 200:
        run.skip(where, "the ocid is longer than 200 characters")
        return None
    warn: Callable[[str, str], None] = lambda f, m: run.warn(release_id, f, m)  # noqa: E731
    try:
        mapped = ReleaseReader(compiled, warn, process.tags).read()
    except ValidationError as exc:  # a value beyond any bound (an amount over 10^15)
        run.skip(where, "; ".join(str(e) for e in exc.errors))
        return None
    city = _city(run, release_id, mapped.ext_city, mapped.buyer_keys)
    if city is None:
        hint = f" (buyer identifiers: {', '.join(mapped.buyer_keys)})" if mapped.buyer_keys else ""
        run.skip(
            where,
            f"no city for this case: give --city CODE, or --city-map with the buyer{hint}",
        )
        return None
    values = {**mapped.values, "city": city}
    source_file = process.newest.file or run.name  # the file of the newest release
    origin = mapped.origin or _package_origin(package, source_file)
    provenance = _provenance(origin, package, source_file, date)
    if existing is None:
        try:
            new = _pending_case(run, where, ocid, process, mapped, values, origin, provenance)
        except ProcurementError as exc:  # refused before the database sees it
            run.skip(where, outside.refusal(exc))
            return None
        new.fresh, new.at = fresh, run.where
        return new
    if _may_update(run, where, existing, date, legacy):
        _update_imported(run, where, existing, process, mapped, values, origin, provenance, fresh)
    return None


def _update_imported(
    run: ImportRun,
    where: str,
    case: Case,
    process: Compiled,
    mapped: Mapped,
    values: dict[str, Any],
    origin: Mapping[str, Any],
    provenance: Mapping[str, Any],
    fresh: list[Received],
) -> None:
    """:func:`_update` the imported copy ``case`` and store the releases received for it
    (``fresh``) in a savepoint: what the validation or the database refuses skips this
    contracting process alone."""
    from procurement.exchange.ocds import store
    from procurement.exchange.writing import REFUSALS

    release_id = process.release_id
    try:
        with run.session.begin_nested():
            defaults = dict(mapped.defaults)
            clean = _validated(run, release_id, values, defaults)
            _update(
                run,
                case,
                clean,
                process.release,
                mapped.ids,
                origin,
                release_id,
                process.date,
                provenance,
                defaults,
            )
            store.keep(run.session, case.city_code, case.ocid, fresh)
    except REFUSALS as exc:
        run.skip(where, outside.refusal(exc))


def _package_origin(package: PackageMeta, file_name: str) -> dict[str, Any]:
    """Where a case was first recorded when its release does not say: the package's
    publisher."""
    return {
        k: v
        for k, v in {
            "registry": package.publisher or f"unknown publisher (file {file_name})",
            "registryUri": package.publisher_uri or package.uri,
        }.items()
        if v
    }


def _provenance(
    origin: Mapping[str, Any], package: PackageMeta, file_name: str, date: str | None
) -> dict[str, Any]:
    """The provenance columns of an imported case."""
    marker = origin.get("sourcePublisher")
    return {
        "origin": "imported",
        "source_publisher": (
            DEMO_PUBLISHER if marker == DEMO_PUBLISHER else (package.publisher or "")[:300] or None
        ),
        "source_uri": (package.uri or "")[:1000] or None,
        "source_file": file_name[:1000],
        "source_release_date": date[:40] if date else None,
    }


def _may_update(
    run: ImportRun, where: str, existing: Case, date: str | None, legacy: bool = False
) -> bool:
    """Whether the releases may update the case holding their ocid: not a case recorded
    here, nor one removed here (each reported). A case imported before the release store
    existed (``legacy``: none of its releases stored) is not taken back to an older release."""
    if existing.origin == "local":
        run.skip(
            where,
            f"{existing.reference} was recorded in this registry: an imported copy never "
            "overwrites it",
            bad=False,
        )
        return False
    if existing.removed_at is not None:
        run.skip(
            where,
            f"the imported copy {existing.reference} was removed here; restore it with "
            f"`procurement case remove --undo {existing.reference}` to receive updates",
            bad=False,
        )
        return False
    if not legacy:
        return True
    old, new = release_time(existing.source_release_date), release_time(date)
    if old is not None and new is not None and new < old:
        run.summary.unchanged.append(f"{existing.reference} (the stored copy is newer)")
        return False
    return True


def _pending_case(
    run: ImportRun,
    where: str,
    ocid: str,
    process: Compiled,
    mapped: Mapped,
    values: dict[str, Any],
    origin: Mapping[str, Any],
    provenance: Mapping[str, Any],
) -> PendingCase:
    """A new case validated and prepared for its batch (raises ValidationError)."""
    defaults = dict(mapped.defaults)
    clean = _validated(run, process.release_id, values, defaults)
    reference = mapped.reference.upper() if mapped.reference else None
    if reference and (
        len(reference) > 40
        or identity_problems(city=clean["city"], reference=reference, ocid=None, row=None)
    ):
        reference = None  # another city's number, or not ours to keep: a new one is assigned
    prepared = prepare_clean(
        clean,
        reference=reference,
        ocid=ocid,
        provenance=provenance,
    )
    return PendingCase(
        prepared=prepared,
        where=where,
        ocid=ocid,
        compiled=process.release,
        ids=mapped.ids,
        origin=origin,
        release_id=process.release_id,
        date=process.date,
        given=prepared.reference,
        mark=len(run.summary.warnings),
        defaults=defaults,
    )


def _update(
    run: ImportRun,
    case: Case,
    clean: dict[str, Any],
    compiled: Mapping[str, Any],
    ids: Mapping[str, str],
    origin: Mapping[str, Any],
    release_id: str,
    date: str | None,
    provenance: Mapping[str, Any],
    defaults: Mapping[str, Any],
) -> None:
    """Bring an imported copy up to date with the publisher's newer release."""
    from procurement.cases.store import audit
    from procurement.cases.store.update import update_case

    # a known case keeps its city (part of its reference): --city and --city-map place new
    # cases only
    data = _changed_fields(case_values(case), {**clean, "city": case.city_code})
    changes: dict[str, Any] = {}
    if data:
        case, changes = update_case(
            session=run.session, reference=case.reference, data=data, user=run.user
        )
    before = {k: getattr(case, k) for k in provenance}
    old_extra = exact_decimals(case.ocds_extra or {})
    for key, value in provenance.items():
        setattr(case, key, value)
    view = _case_view(case, release_id, date, ids, origin)
    extra: dict[str, Any] = storable(_extra(run, view, compiled, ids, origin, date, defaults))
    same_data = (
        same_json({k: v for k, v in old_extra.items() if k != "stamp"}, exact_decimals(extra))
        and before == provenance
    )
    if not changes and same_data:
        case.ocds_extra = _stamped(case, extra)
        run.summary.unchanged.append(case.reference)
        return
    if not changes:
        audit.record(
            db=run.session,
            case_id=case.id,
            city=case.city_code,
            user=run.user,
            action="import",
            changes={"ocds_release": {"old": old_extra.get("releaseId"), "new": release_id}},
        )
    case.ocds_extra = _stamped(case, extra)
    run.session.flush()
    run.summary.updated.append(case.reference)


def _stamped(case: Case, extra: dict[str, Any]) -> dict[str, Any]:
    return {**extra, "stamp": stamp(case.updated_at)}


def _columns(
    run: ImportRun, by_id: Mapping[int, PendingCase]
) -> Callable[[Prepared, dt.datetime], Any]:
    """The ``ocds_extra`` column of each new case, once the writer has given its reference."""

    def columns(prepared: Prepared, at: dt.datetime) -> dict[str, Any]:
        new = by_id[id(prepared)]
        assert prepared.reference is not None
        if new.ahead:  # computed by the helper process: what it warned counts once used
            new.ahead = False
            if _extra_holds(new, prepared.reference):
                new.extra_for = prepared.reference
                run.warned.update(new.extra_warned)
            else:
                new.extra = None
        if new.extra is None or new.extra_for != prepared.reference:
            if new.compiled is None:  # left in the helper process: compiled again
                new.compiled = _compiled_again(run, new.ocid)
            new.extra, new.late = _extra_text(run, new, prepared.reference)
            new.extra_for = prepared.reference
        return {"ocds_extra": _with_stamp(new.extra, at)}

    return columns


ANY_REFERENCE = "XQZ-0000-000000"  # made up (see _extra_holds)


def _extra_text(run: ImportRun, new: PendingCase, reference: str) -> tuple[str, list[str]]:
    """The ``ocds_extra`` text of the new case ``new`` given ``reference`` (:func:`_extra`,
    :func:`_column_text`), and the warnings computing it gave: taken out of the summary (they
    go after the case's own once it is written)."""
    assert new.compiled is not None
    run.ocid, run.where = new.ocid, new.at
    start = len(run.summary.warnings)
    view = _pending_view(new, reference)
    text = _column_text(
        _extra(run, view, new.compiled, new.ids, new.origin, new.date, new.defaults)
    )
    late = run.summary.warnings[start:]
    del run.summary.warnings[start:]
    return text, late


def _compiled_again(run: ImportRun, ocid: str) -> dict[str, Any]:
    """The compiled release of a new case (an ocid the registry held nothing of) as it was
    before its ``extra`` was computed, from the releases read."""
    assert run.spill is not None
    read = run.spill.rows_of([ocid])[ocid]
    return compile_ocid(ocid, _fresh(read, [])).release


def _extra_holds(new: PendingCase, reference: str) -> bool:
    """Whether ``new.extra`` (with its late warnings) is the one computed for the case's
    reference: computed with it, or (by the helper process, before references are given)
    with :data:`ANY_REFERENCE` and found not to depend on it (the made-up reference nowhere
    in the result nor in its warnings), and no text of the case's releases starts with the
    reference (as the ids the registry makes from it do: ``REF-tender``)."""
    if new.extra_for == reference:
        return True
    return (
        new.extra_for == ANY_REFERENCE
        and _SAFE_REFERENCE.fullmatch(reference) is not None
        and all(t is not None and f'"{reference}' not in t for t in _release_texts(new))
    )


def _release_texts(new: PendingCase) -> list[str | None]:
    """The canonical JSON text of each release stored with ``new`` (None: not hashed)."""
    if new.rows is not None:
        return [c if isinstance(c, str) else None for c in (r["content"] for r in new.rows)]
    return [r.text for r in new.fresh]


def _store_rows(new: PendingCase) -> list[dict[str, Any]]:
    """The release store's rows of the releases received for ``new``."""
    if new.rows is not None:
        return new.rows
    return [store_rows.row(new.prepared.values["city"], new.ocid, r) for r in new.fresh]


def _write_batch(run: ImportRun, pending: list[PendingCase]) -> None:
    """Write a batch of new cases at once; if the database refuses the batch, one by one,
    skipping only the cases it refuses."""
    from procurement.exchange.ocds import store
    from procurement.exchange.writing import write_imported

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
    written = write_imported(
        run.session,
        run.writer,
        pending,
        prepared=lambda n: n.prepared,
        given=lambda n: n.given,
        columns=columns,
        refused=lambda n, why: run.skip(n.where, why),
    )
    for n in reversed(written):
        run.summary.warnings[n.mark : n.mark] = n.late
    store.insert_rows(run.session, [row for n in written for row in _store_rows(n)])
    for n in written:
        run.summary.created.append(f"{n.prepared.reference} ({n.ocid})")


def read_city_map(path: Path, cities: set[str]) -> dict[str, str]:
    """``buyer_identifier,city`` rows (a header row is optional)."""
    return outside.read_city_map(
        path,
        cities,
        key=str.strip,
        headers=("buyer_identifier", "identifier"),
        columns="buyer_identifier,city",
    )


def _fresh(received: list[Received], stored: list[Received]) -> list[Received]:
    """The releases read that the store does not hold yet (each once)."""
    known = {(store_rows.record_id(r.body), r.content_hash) for r in stored}
    fresh: list[Received] = []
    for r in received:
        key = (store_rows.record_id(r.body), store_rows.hashed(r))
        if key not in known:
            known.add(key)
            fresh.append(r)
    return fresh


@by_fields
@dataclass
class Ready:
    """One contracting process prepared by the helper process (:mod:`.parallel`) as
    :func:`_import_chunk` does when the registry holds neither a case nor a stored release
    of its ocid: what it warned and skipped, and the new case (its ``extra`` computed)."""

    ocid: str
    warnings: list[str]
    skipped: list[tuple[str, str]]
    bad: list[str]
    warned: list[tuple[str, str, str]]
    new: PendingCase | None


def prepare_chunk(run: ImportRun, spill: Spill, ocids: list[str]) -> list[Ready]:
    """:func:`_import_chunk` up to the writing, for ocids new to the registry, without the
    database (in the helper process: ``run`` has no session), the ``extra`` of each new case
    computed."""
    releases = spill.rows_of(ocids)
    summary, ready = run.summary, []
    for ocid in ocids:
        run.ocid, run.warned = ocid, set()
        marks = len(summary.warnings), len(summary.skipped), len(run.bad)
        read = releases.pop(ocid)
        for r in read:
            r.meta = spill.packages.get(r.package, PackageMeta())
        fresh = _fresh(read, [])
        process = compile_ocid(ocid, fresh, run.warn_release)
        run.where = _where(process.newest)
        package = process.newest.meta or PackageMeta()
        new = _import_one(run, ocid, process, package, None, fresh, legacy=True)
        warned = list(run.warned)
        if new is not None:
            _extra_ahead(run, new)
            # its audit event's changes and its store rows, as the columns write them: text
            # travels to the importer much faster than the objects
            new.prepared.changes = JSONText(json_serializer(created(new.prepared.values)))
            new.rows, new.fresh = _store_rows(new), []
        ready.append(
            Ready(
                ocid=ocid,
                warnings=summary.warnings[marks[0] :],
                skipped=summary.skipped[marks[1] :],
                bad=run.bad[marks[2] :],
                warned=warned,
                new=new,
            )
        )
    run.where = ""
    summary.warnings.clear()
    summary.skipped.clear()
    run.bad.clear()
    return ready


def _extra_ahead(run: ImportRun, new: PendingCase) -> None:
    """The ``extra`` of a new case before its reference is known: with the publisher's
    reference, or :data:`ANY_REFERENCE` (see :func:`_extra_holds`; not kept if it depends on
    the reference). Its warnings and what it warned are kept aside."""
    reference = new.given or ANY_REFERENCE
    before = set(run.warned)
    extra, late = _extra_text(run, new, reference)
    new.extra_warned, run.warned = list(run.warned - before), before
    new.compiled = None  # not sent to the importer (computing the extra may have changed it)
    if reference == ANY_REFERENCE and (
        any(ANY_REFERENCE in w for w in late)
        or any(t is None or ANY_REFERENCE in t for t in _release_texts(new))
        or ANY_REFERENCE in extra
    ):
        new.extra_warned = []
        return
    new.extra, new.extra_for, new.late, new.ahead = extra, reference, late, True


def _take(run: ImportRun, ready: Ready) -> PendingCase | None:
    """What the helper process prepared for an ocid, in the run's summary."""
    run.summary.warnings.extend(ready.warnings)
    run.summary.skipped.extend(ready.skipped)
    run.bad.extend(ready.bad)
    run.warned.update(ready.warned)
    new = ready.new
    if new is not None:
        new.mark = len(run.summary.warnings)
    return new


def _import_chunk(
    run: ImportRun, spill: Spill, ocids: list[str], ready: Mapping[str, Ready] | None = None
) -> None:
    """Import a batch of contracting processes: updates at once, new cases together. Each
    case is compiled from all its releases: those stored before and those just read.
    ``ready``: ocids the helper process prepared (used if new to the registry)."""
    from sqlalchemy import select

    from procurement.exchange.ocds import store
    from procurement.storage.models import Case

    existing = {c.ocid: c for c in run.session.scalars(select(Case).where(Case.ocid.in_(ocids)))}
    stored = store.stored_releases(run.session, ocids)
    pending: list[PendingCase] = []
    ready = ready or {}
    taken = {o for o in ocids if o in ready and o not in existing and o not in stored}
    releases = spill.rows_of([o for o in ocids if o not in taken])
    for ocid in ocids:
        run.ocid = ocid
        if ocid in taken:
            new = _take(run, ready[ocid])
            if new is not None:
                pending.append(new)
            continue
        before = stored.get(ocid, [])
        read = releases.pop(ocid)
        for r in read:
            r.meta = spill.packages.get(r.package, PackageMeta())
        fresh = _fresh(read, before)
        case = existing.get(ocid)
        if case is not None and before and not fresh:
            # nothing new for this ocid: the case stays as it is (a local or removed case is
            # still reported as skipped)
            newest = read[-1]
            where = f"{newest.file}, release {newest.release_id} (ocid {ocid})"
            if _may_update(run, where, case, None):
                run.summary.unchanged.append(case.reference)
            continue
        process = compile_ocid(ocid, [*before, *fresh], run.warn_release)
        run.where = _where(process.newest)
        package = process.newest.meta or PackageMeta()
        new = _import_one(run, ocid, process, package, case, fresh, legacy=not before)
        if new is not None:
            pending.append(new)
    run.where = ""
    _write_batch(run, pending)


OCDS_SUFFIXES = (".json", ".jsonl", ".ndjson", ".jl")


def ocds_files(folder: Path) -> list[Path]:
    """The OCDS files of a folder (not its subfolders; hidden files left out), by name."""
    from procurement.exchange.ocds.detect import looks_like_ocds

    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix.lower() in OCDS_SUFFIXES
        and looks_like_ocds(p)
    )


def import_ocds(
    *,
    session: Session,
    path: Path,
    user: str,
    city: str | None = None,
    city_map: Path | None = None,
    strict: bool = False,
    dry_run: bool = False,
    report: Path | None = None,
) -> ImportSummary:
    """Import an OCDS file, or every OCDS file of a folder, into the registry; see the module
    docstring. The files of a folder are read together: each contracting process is compiled
    once from all its releases, whichever files they are in. ``report``: where to write the
    data-quality summary of the releases read (:mod:`.quality`; JSON or HTML)."""
    from procurement.cases.store.create import city_codes

    files = ocds_files(path) if path.is_dir() else [path]
    if not files:
        raise BadInput(
            f"{path.name or path} holds no OCDS files (.json, .jsonl with releases, records "
            "or packages); nothing was imported"
        )
    summary = ImportSummary(source=f"{path.name}/" if path.is_dir() else path.name, dry_run=dry_run)
    cities = city_codes(session)
    if city is not None:
        city = outside.import_city(city, cities)
    run = ImportRun(
        path=files[0],
        session=session,
        user=user,
        city=city,
        city_map=read_city_map(city_map, cities) if city_map else {},
        strict=strict,
        summary=summary,
        cities=cities,
    )
    quality = Quality() if report is not None else None
    helper = Helper.start(files) if Helper.wanted(files) else None
    thresholds = gc.get_threshold()
    with tempfile.TemporaryDirectory(prefix="procurement-ocds-") as tmp:
        spill: Spill | None = None
        try:
            spill = run.spill = Spill(Path(tmp) / "releases.sqlite")
            # fewer collections while importing, which leave the objects already there alone
            # (then as before)
            gc.freeze()
            gc.set_threshold(*RELAXED_GC)
            for file in files:
                run.path = file
                encoding = sniff_encoding(file)
                if encoding.problem:
                    if strict:
                        raise BadInput(
                            f"{file.name} {encoding.problem.split(';')[0]}; refused (--strict)"
                        )
                    summary.warnings.append(f"{file.name} {encoding.problem}")
                # one big JSON Lines file: the helper process reads its end meanwhile
                part = None
                if helper is not None and len(files) == 1 and quality is None:
                    part = helper.read_end(run, encoding, Path(tmp))
                FileReader(run, spill, quality).read(encoding, part)
            if quality is not None and report is not None:
                quality.write(report, summary.source)
            spill.finish()
            if helper is not None:
                helper.begin(run, Path(tmp) / "releases.sqlite", spill.packages, BATCH, spill.parts)
            for chunk in spill.ocid_chunks(BATCH):
                ready = helper.take(chunk) if helper is not None else None
                _import_chunk(run, spill, chunk, ready)
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()
            if helper is not None:
                helper.stop()
            if spill is not None:
                spill.close()
    return outside.finished(summary, run.bad, strict=strict, empty="OCDS releases or records")


__all__ = ["import_ocds", "read_city_map"]
