"""``procurement import`` of eForms notices: files, folders, zip and tar archives.

1. Each notice is read safely (:mod:`.sources`), its fields read (:mod:`.notice`), its city
   found (``--city``, else ``--city-map``, else the buyer's town or NUTS code) and kept in the
   release store (:mod:`.records`). A file that cannot be read, a notice that is not eForms or
   lacks its identity, or whose buyer is in no member city, is skipped with the reason; a
   notice of another kind (prior information, VEAT...) is skipped as such.
2. Each procedure touched is compiled from *all* its stored notices (:mod:`.compile`) and
   written through the one writer (:mod:`procurement.cases.store`) after the one validation:
   created, updated (with an audit event), or unchanged.

An officer's own change to an imported case is never overwritten: the values the import last
wrote are kept with the case, and a field whose value differs from them was changed here; the
notices' value is then reported and not written. With ``strict``, any skipped notice or file
refuses the whole import (the caller's transaction is rolled back).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.cases.cities import city_code, fold
from procurement.cases.fields import FIELDS
from procurement.cases.store import audit
from procurement.cases.store.create import BulkWriter, Prepared, city_codes, prepare_clean
from procurement.cases.store.references import ocid_prefix
from procurement.cases.store.update import update_case
from procurement.cases.validate import EMPTY, MAX_MONEY
from procurement.cases.values import case_values, changed, diff, jsonable, normalised
from procurement.exchange import outside, writing
from procurement.exchange.eforms import codes
from procurement.exchange.eforms.compile import (
    ORIGIN,
    PUBLISHER,
    TED_NOTICE_URL,
    Compiled,
    buyer_of,
    compile_procedure,
    ted_number,
)
from procurement.exchange.eforms.notice import NotANotice, check_identity, read_notice
from procurement.exchange.eforms.records import (
    Received,
    Stored,
    known_city,
    notices_of,
    record_date,
    store,
)
from procurement.exchange.eforms.sources import (
    NoticeRefused,
    Unreadable,
    check_paths,
    parse_xml,
    read_sources,
)
from procurement.exchange.outside import DEFAULTS, validated_from_outside
from procurement.exchange.summary import ImportSummary
from procurement.storage.models import Case

BATCH = 500
FIELD_NAMES = tuple(f.name for f in FIELDS)
EXTRA_KEY = "eforms"
# What reading or mapping a notice unlike any seen may raise: that notice is skipped with the
# error, the others are imported.
UNEXPECTED = (ValueError, TypeError, KeyError, AttributeError, IndexError, ArithmeticError)


@dataclass
class Run:
    """One import: its options, its summary and the case writer."""

    session: Session
    user: str
    city: str | None
    city_map: dict[str, str]
    innovative_only: bool
    summary: ImportSummary
    cities: set[str]
    writer: BulkWriter
    bad: list[str] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)  # ocid -> first file it came from

    def skip(self, where: str, reason: str, *, bad: bool = True) -> None:
        self.summary.skipped.append((where, reason))
        if bad:
            self.bad.append(f"{where}: {reason}")

    def warn(self, where: str, message: str) -> None:
        self.summary.warnings.append(f"{where}: {message}")


# cities ------------------------------------------------------------------------------------


def read_city_map(path: Path, cities: set[str]) -> dict[str, str]:
    """``key,city`` rows: the key is the buyer's national identifier (BT-501), its name, its
    town (BT-513) or its NUTS code (BT-507), compared ignoring case and accents."""
    return outside.read_city_map(
        path,
        cities,
        key=fold,
        headers=("buyer", "key", "buyer identifier", "buyer_identifier"),
        columns="buyer,city",
    )


def _towns(town: str) -> list[str]:
    """A town as written and without its postal district ("København V", "Berlin-Mitte",
    "Warszawa 1" are København, Berlin and Warszawa)."""
    base = re.split(r"[,(/;]", town)[0].strip()
    found = [town.strip(), base]
    words = base.replace("-", " ").split()
    while len(words) > 1:
        words = words[:-1]
        found.append(" ".join(words))
    return found


def city_of(run: Run, buyer: Mapping[str, Any]) -> str | None:
    """``--city``, else ``--city-map`` (identifier, name, town or NUTS), else the town, else
    a NUTS region that is a member city."""
    if run.city:
        return run.city
    keys = [buyer.get(k) for k in ("company_id", "name", "city", "nuts")]
    for key in keys:
        if key and fold(str(key)) in run.city_map:
            return run.city_map[fold(str(key))]
    town = buyer.get("city")
    if town:
        for candidate in _towns(str(town)):
            code = city_code(candidate)
            if code in run.cities:
                return code
    nuts = str(buyer.get("nuts") or "").upper()
    code = codes.CITY_BY_NUTS.get(nuts)
    return code if code in run.cities else None


def _no_city(buyer: Mapping[str, Any]) -> str:
    said = ", ".join(
        f"{label} {buyer[k]}"
        for k, label in (("name", "buyer"), ("city", "town"), ("nuts", "NUTS"))
        if buyer.get(k)
    )
    return (
        f"the buyer ({said or 'not named'}) is in no member city; give --city CODE, or a "
        "--city-map line for it"
    )


# reading -----------------------------------------------------------------------------------


def _read(run: Run, paths: Sequence[Path]) -> list[str]:
    """Read every notice into the store; the ocids of the procedures touched, in order."""
    touched: dict[str, None] = {}
    pending: list[Received] = []
    prefix = ocid_prefix()
    for item in read_sources(paths):
        if isinstance(item, Unreadable):
            run.skip(item.where, item.reason)
            continue
        where = item.where
        try:
            content = read_notice(parse_xml(item.data))
        except (NoticeRefused, NotANotice) as exc:
            run.skip(where, str(exc))
            continue
        except UNEXPECTED as exc:  # a notice unlike any the reader knows: reported, not fatal
            run.skip(where, f"could not be read ({type(exc).__name__}: {str(exc)[:150]})")
            continue
        subtype = content.get("subtype")
        if subtype is not None and subtype not in codes.HANDLED_SUBTYPES:
            name = codes.subtype_name(subtype if isinstance(subtype, int) else None)
            run.skip(
                where,
                f"a {name} (subtype {subtype}): only contract notices (16-24), award notices "
                "(29-37) and modifications (38-40) make cases",
                bad=False,
            )
            continue
        try:
            check_identity(content)
        except NotANotice as exc:
            run.skip(where, str(exc))
            continue
        ocid = f"{prefix}{content['procedure_id']}"
        if len(ocid) > 200:
            run.skip(where, "the procedure identifier (BT-04) is longer than 180 characters")
            continue
        buyer = buyer_of(content)
        city = city_of(run, buyer) or known_city(run.session, ocid)
        if city is None:
            run.skip(where, _no_city(buyer))
            continue
        pending.append(Received(ocid, city, content, item.file, item.position))
        touched.setdefault(ocid)
        run.where.setdefault(ocid, where)
        if len(pending) >= BATCH:
            store(run.session, pending)
            pending.clear()
    store(run.session, pending)
    return list(touched)


# validation --------------------------------------------------------------------------------


def _validated(run: Run, where: str, values: dict[str, Any]) -> dict[str, Any]:
    """Clean values, mended as an import from outside is (:mod:`..outside`)."""
    return validated_from_outside(
        values,
        cities=run.cities,
        warn=lambda name, message: run.warn(where, f"{name}: {message}"),
        what="notice",
    )


def _defaults(run: Run, where: str, compiled: Compiled) -> dict[str, Any]:
    values = dict(compiled.values)
    if not values.get("title"):
        values["title"] = f"Procedure {compiled.procedure_id}"
        run.warn(where, f"title: the notices give none; '{values['title']}' used")
    if not values.get("buyer"):
        values["buyer"] = "Unknown buyer"
        run.warn(where, "buyer: the notices name none; 'Unknown buyer' used")
    for name, default in DEFAULTS.items():
        if not values.get(name):
            values[name] = default
            if name != "sector":
                run.warn(where, f"{name}: the notices give none; '{default}' used")
    return values


def snapshot(clean: Mapping[str, Any]) -> dict[str, Any]:
    """The values an import wrote, as compared later to find an officer's changes."""
    return {k: v for k, v in jsonable(normalised(clean)).items() if k != "city"}


# writing -----------------------------------------------------------------------------------


@dataclass
class NewCase:
    prepared: Prepared
    where: str
    ocid: str
    extra: dict[str, Any]


def _provenance(compiled: Compiled, stored: Sequence[Stored]) -> dict[str, Any]:
    latest = compiled.latest
    number = next(
        (
            ted_number(s.content.get("publication_number"))
            for s in reversed(stored)
            if s.content.get("notice_id") == latest.get("notice_id")
            and ted_number(s.content.get("publication_number"))
        ),
        None,
    )
    files = [
        s.file
        for s in stored
        if (s.content.get("notice_id"), s.content.get("version"))
        == (latest.get("notice_id"), latest.get("version"))
    ]
    return {
        "origin": "imported",
        "source_publisher": PUBLISHER,
        "source_uri": TED_NOTICE_URL.format(number) if number else None,
        "source_file": (files[-1] if files else None) and str(files[-1])[:1000],
        "source_release_date": record_date(latest),
    }


def _ocds_lots(compiled: Compiled) -> dict[str, Any]:
    """The lots as OCDS ``tender.lots`` (the Lots extension: id, title, estimated value), which
    the OCDS export adds to the case's release."""
    lots = []
    for lot in compiled.extra.get("lots") or []:
        item: dict[str, Any] = {"id": str(lot["id"])}
        if lot.get("title"):
            item["title"] = lot["title"]
        value = lot.get("estimated_value") or {}
        if value.get("amount") and value.get("currency"):
            try:
                amount = Decimal(str(value["amount"]))
            except InvalidOperation:
                amount = Decimal("NaN")
            if amount.is_finite() and 0 <= amount < MAX_MONEY:
                item["value"] = {"amount": float(amount), "currency": value["currency"]}
        lots.append(item)
    return {"tender": {"lots": lots}} if lots else {}


def _extra(compiled: Compiled, imported: Mapping[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = jsonable(
        {
            "v": 1,
            "origin": dict(ORIGIN),
            "release": _ocds_lots(compiled),
            EXTRA_KEY: {**compiled.extra, "imported": dict(imported)},
        }
    )
    return extra


def _import_procedure(
    run: Run, ocid: str, stored: list[Stored], existing: Case | None
) -> NewCase | None:
    try:
        compiled = compile_procedure([s.content for s in stored])
    except UNEXPECTED as exc:  # notices unlike any the mapping knows: reported, not fatal
        where = f"{run.where.get(ocid, 'stored notices')} ({ocid})"
        run.skip(where, f"could not be mapped ({type(exc).__name__}: {str(exc)[:150]})")
        return None
    where = f"{run.where.get(ocid, 'stored notices')} (procedure {compiled.procedure_id})"
    for message in compiled.warnings:
        run.warn(where, message)
    if run.innovative_only and not compiled.innovative:
        run.skip(
            where,
            "not procurement of innovation (no BT-776, no BT-06 innovative purchase, not an "
            "innovation partnership or competitive dialogue); --innovative-only",
            bad=False,
        )
        return None
    city: str | None
    if existing is not None:
        city = existing.city_code
    else:
        city = city_of(run, compiled.buyer) or (stored[-1].city if stored else None)
    if city is None:
        run.skip(where, _no_city(compiled.buyer))
        return None
    values = {**_defaults(run, where, compiled), "city": city}
    provenance = _provenance(compiled, stored)
    try:
        if existing is None:
            clean = _validated(run, where, values)
            prepared = prepare_clean(clean, ocid=ocid, provenance=provenance)
            return NewCase(prepared, where, ocid, _extra(compiled, snapshot(clean)))
        with run.session.begin_nested():
            _update(run, where, existing, values, compiled, provenance)
    except writing.REFUSALS as exc:
        run.skip(where, outside.refusal(exc))
    return None


def _update(
    run: Run,
    where: str,
    case: Case,
    values: dict[str, Any],
    compiled: Compiled,
    provenance: Mapping[str, Any],
) -> None:
    """Bring an imported case up to date with its notices, keeping an officer's changes."""
    reference = case.reference
    old_extra = case.ocds_extra if isinstance(case.ocds_extra, dict) else {}
    if case.origin == "local" or EXTRA_KEY not in old_extra:
        run.skip(
            where,
            f"{reference} was recorded in this registry (or imported from elsewhere): notices "
            "never overwrite it",
            bad=False,
        )
        return
    if case.removed_at is not None:
        run.skip(
            where,
            f"{reference} was removed here; restore it with `procurement case remove --undo "
            f"{reference}` to receive updates",
            bad=False,
        )
        return
    clean = _validated(run, where, values)
    current = case_values(case)
    before: dict[str, Any] = dict(old_extra[EXTRA_KEY].get("imported") or {})
    # what an officer changed since the last import (the city is never the import's)
    edited = set(diff(before, current)) - {"city"}
    wanted = {f: clean.get(f, EMPTY[f]) for f in FIELD_NAMES if f != "city"}
    data = changed(current, wanted)
    kept = {f: data.pop(f) for f in list(data) if f in edited}
    for name, value in kept.items():
        run.warn(
            where,
            f"{reference} {name} was changed in this registry; kept (the notices say "
            f"{jsonable(value)!r})",
        )
    changes: dict[str, Any] = {}
    if data:
        case, changes = update_case(
            session=run.session, reference=reference, data=data, user=run.user
        )
    written = snapshot(clean)
    for name in edited:  # an officer's value stays theirs at the next import too
        written[name] = before.get(name)
    extra = _extra(compiled, written)
    same_provenance = all(getattr(case, k) == v for k, v in provenance.items())
    if not changes and _current(extra) == _current(old_extra) and same_provenance:
        # nothing new, or only superseded notices (an older version, a replaced notice):
        # they are listed with the case, and the case is unchanged
        case.ocds_extra = extra
        run.summary.unchanged.append(reference)
        return
    for key, value in provenance.items():
        setattr(case, key, value)
    if not changes:
        old_ids = [f"{n['id']}-{n['version']}" for n in old_extra[EXTRA_KEY].get("notices") or []]
        new_ids = [f"{n['id']}-{n['version']}" for n in extra[EXTRA_KEY]["notices"]]
        audit.record(
            db=run.session,
            case_id=case.id,
            city=case.city_code,
            user=run.user,
            action="import",
            changes={"eforms_notices": {"old": old_ids, "new": new_ids}},
        )
    case.ocds_extra = extra
    run.session.flush()
    run.summary.updated.append(reference)


def _current(extra: Mapping[str, Any]) -> Any:
    """``extra`` without the superseded notices (what the case is built from)."""
    eforms = dict(extra.get(EXTRA_KEY) or {})
    eforms["notices"] = [n for n in eforms.get("notices") or [] if not n.get("superseded")]
    return {**extra, EXTRA_KEY: eforms}


def _write_batch(run: Run, pending: list[NewCase]) -> None:
    """Write new cases together; if the database refuses the batch, one by one."""
    if not pending:
        return
    by_id = {id(n.prepared): n for n in pending}

    def columns(prepared: Prepared, _at: Any) -> dict[str, Any]:
        return {"ocds_extra": by_id[id(prepared)].extra}

    written = writing.write_imported(
        run.session,
        run.writer,
        pending,
        prepared=lambda n: n.prepared,
        given=lambda n: None,
        columns=columns,
        refused=lambda n, why: run.skip(n.where, why),
    )
    for n in written:
        run.summary.created.append(f"{n.prepared.reference} ({n.ocid})")


def _compile_all(run: Run, ocids: list[str]) -> None:
    for start in range(0, len(ocids), BATCH):
        chunk = ocids[start : start + BATCH]
        stored = notices_of(run.session, chunk)
        existing = {
            c.ocid: c for c in run.session.scalars(select(Case).where(Case.ocid.in_(chunk)))
        }
        pending: list[NewCase] = []
        for ocid in chunk:
            new = _import_procedure(run, ocid, stored.get(ocid) or [], existing.get(ocid))
            if new is not None:
                pending.append(new)
        _write_batch(run, pending)


def import_notices(
    *,
    session: Session,
    paths: Sequence[Path],
    user: str,
    city: str | None = None,
    city_map: Path | None = None,
    innovative_only: bool = False,
    strict: bool = False,
    dry_run: bool = False,
) -> ImportSummary:
    """Import eForms notices (files, folders, zip or tar archives); see the module docstring.

    Works inside the caller's transaction and never commits; with ``strict``, raises
    :class:`BadInput` if anything was skipped as bad (the caller rolls back)."""
    check_paths(paths)
    if len(paths) == 1:  # a folder is named as the OCDS import names one: "notices/"
        source = f"{paths[0].name}/" if paths[0].is_dir() else paths[0].name
    else:
        source = f"{len(paths)} paths"
    summary = ImportSummary(source=source, dry_run=dry_run)
    cities = city_codes(session)
    if city is not None:
        city = outside.import_city(city, cities)
    run = Run(
        session=session,
        user=user,
        city=city,
        city_map=read_city_map(city_map, cities) if city_map else {},
        innovative_only=innovative_only,
        summary=summary,
        cities=cities,
        writer=BulkWriter(db=session, user=user),
    )
    ocids = _read(run, paths)
    _compile_all(run, ocids)
    return outside.finished(
        summary, run.bad, strict=strict, empty="eForms notices (.xml, .zip, .tar)"
    )


__all__ = ["import_notices", "read_city_map"]
