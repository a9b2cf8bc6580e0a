"""``export --format ocds``: cases as an OCDS 1.1 release package, streamed case by case.

One compiled release per case (tag ``compiled``), or with ``releases=True`` the case's
history as separate releases rebuilt from its audit events. Package metadata comes from
the environment (see :func:`package_header`).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from procurement.cases.fields import FIELD_BY_NAME, REQUIRED_FIELDS
from procurement.cases.query import CaseFilter, apply_filter, count_cases, whole_cases
from procurement.cases.validate import EMPTY, PARSERS
from procurement.cases.values import case_values
from procurement.core.clock import now
from procurement.core.errors import BadInput
from procurement.exchange.ocds import EXTENSION
from procurement.exchange.ocds.compile import in_merge_order, release_time
from procurement.exchange.ocds.merge import (
    MISSING,
    apply_overrides,
    compile_releases,
    copied,
    dumps,
    exact_decimals,
    is_id_list,
    overlay,
    versioned_release,
)
from procurement.exchange.ocds.stamps import stamp, utc
from procurement.exchange.ocds.store import stored_releases
from procurement.exchange.ocds.to_ocds import (
    ReleaseView,
    build_release,
    contact_point,
    date_time,
    history_tag,
)
from procurement.exchange.ocds.validate import (
    check_package_header,
    check_release,
    extension_url,
)
from procurement.storage.models import AuditEvent, Case
from procurement.storage.schema import source_records

ENV_PUBLISHER_NAME = "PROCUREMENT_OCDS_PUBLISHER_NAME"
ENV_PUBLISHER_URI = "PROCUREMENT_OCDS_PUBLISHER_URI"
ENV_PACKAGE_URI = "PROCUREMENT_OCDS_PACKAGE_URI"
ENV_LICENSE = "PROCUREMENT_OCDS_LICENSE"
DEFAULT_PUBLISHER_NAME = "Unnamed procurement registry (set PROCUREMENT_OCDS_PUBLISHER_NAME)"
DEFAULT_PUBLISHER_URI = "https://registry.example.invalid/"
DEFAULT_PACKAGE_URI = "https://registry.example.invalid/ocds/release-package.json"
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
BATCH = 200


def publisher() -> dict[str, str]:
    return {
        "name": os.environ.get(ENV_PUBLISHER_NAME) or DEFAULT_PUBLISHER_NAME,
        "uri": os.environ.get(ENV_PUBLISHER_URI) or DEFAULT_PUBLISHER_URI,
    }


def package_header(
    published: dt.datetime | None = None, extensions: Iterable[str] = ()
) -> dict[str, Any]:
    """Package metadata: uri, version, extensions (the ``baltmet`` extension, then those of
    the imported publishers' packages), publishedDate, publisher, license (env configurable)."""
    when = published or now()
    declared = [extension_url()]
    declared += [e for e in extensions if e not in declared]
    return {
        "uri": os.environ.get(ENV_PACKAGE_URI) or DEFAULT_PACKAGE_URI,
        "version": "1.1",
        "extensions": declared,
        "publishedDate": date_time(when),
        "publisher": publisher(),
        "license": os.environ.get(ENV_LICENSE) or DEFAULT_LICENSE,
    }


def load_extra(case: Case) -> dict[str, Any]:
    extra = exact_decimals(case.ocds_extra) if case.ocds_extra else {}
    return extra if isinstance(extra, dict) else {}


def unchanged_since_import(case: Case, extra: Mapping[str, Any]) -> bool:
    return bool(extra.get("stamp")) and extra.get("stamp") == stamp(case.updated_at)


def origin_of(case: Case, extra: Mapping[str, Any]) -> dict[str, Any]:
    """Where the case was first recorded: this registry, or what the import recorded."""
    if case.origin == "imported":
        found = extra.get("origin")
        if isinstance(found, dict) and found:
            return found
        return {
            k: v
            for k, v in {"registry": case.source_publisher, "registryUri": case.source_uri}.items()
            if v
        }
    me = publisher()
    origin = {"city": case.city_code, "registry": me["name"], "registryUri": me["uri"]}
    if case.source_publisher:  # e.g. the demo data set's marker: it travels with the case
        origin["sourcePublisher"] = case.source_publisher
    return origin


def _view(
    case: Case, values: Mapping[str, Any], extra: Mapping[str, Any], **kw: Any
) -> ReleaseView:
    return ReleaseView(
        ocid=case.ocid,
        reference=case.reference,
        values=values,
        origin=origin_of(case, extra),
        ids=extra.get("ids") or {},
        **kw,
    )


# The OCDS fields a registry field made up on import fills in (see from_ocds): left out.
DEFAULT_PATHS: dict[str, list[tuple[str, ...]]] = {
    "buyer": [("buyer",)],
    "title": [("tender", "title")],
    "category": [("tender", "mainProcurementCategory")],
    "procedure": [("tender", "procurementMethod"), ("tender", "procurementMethodDetails")],
    "status": [("tender", "status")],
}


def _at(release: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = release
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _made_up(extra: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    """The fields whose value was made up on import and is still the case's."""
    defaults = extra.get("defaults")
    if not isinstance(defaults, dict):
        return []
    return sorted(k for k, v in defaults.items() if k in values and str(values[k]) == str(v))


def _leave_out_made_up(
    release: dict[str, Any], generated: Mapping[tuple[str, ...], Any], made_up: list[str]
) -> None:
    """Remove the OCDS fields that still hold what the registry made up on import, and say
    which registry fields were made up in ``baltmet.defaults``."""
    for path, value in generated.items():
        parent = _at(release, path[:-1]) if len(path) > 1 else release
        if isinstance(parent, dict) and value is not None and parent.get(path[-1]) == value:
            del parent[path[-1]]
    if "buyer" in made_up and isinstance(release.get("parties"), list):
        buyer_id = (generated.get(("buyer",)) or {}).get("id")
        kept = []
        for party in release["parties"]:
            if isinstance(party, dict) and party.get("id") == buyer_id and buyer_id:
                roles = [r for r in party.get("roles") or [] if r != "buyer"]
                if not roles:
                    continue
                party = {**party, "roles": roles}
            kept.append(party)
        release["parties"] = kept
        if not kept:
            del release["parties"]
    release[EXTENSION]["defaults"] = made_up


def _finish(
    release: dict[str, Any],
    extra: Mapping[str, Any],
    *,
    overrides: bool,
    include_contacts: bool,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    made_up = _made_up(extra, values)
    generated = {
        path: copied(_at(release, path)) for f in made_up for path in DEFAULT_PATHS.get(f, [])
    }
    leftover = extra.get("release")
    if isinstance(leftover, dict):
        overlay(release, leftover)
    if overrides:
        apply_overrides(release, [(p, v) for p, v in extra.get("overrides") or []])
    if extra.get("rejected"):
        release[EXTENSION]["rejected"] = extra["rejected"]
    if made_up:
        _leave_out_made_up(release, generated, made_up)
    if not include_contacts:
        _strip_contacts(release)
        if values.get("contact_public"):
            _public_contact(release, values)
    return release


def _public_contact(release: dict[str, Any], values: Mapping[str, Any]) -> None:
    """The buyer's contact point of a case whose contact agreed to be published."""
    contact = contact_point(values)
    for party in release.get("parties") or []:
        if contact and isinstance(party, dict) and "buyer" in (party.get("roles") or []):
            party["contactPoint"] = contact


def _strip_contacts(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("contactPoint", None)
        for value in node.values():
            _strip_contacts(value)
    elif isinstance(node, list):
        for value in node:
            _strip_contacts(value)


def exact_release(case: Case, *, include_contacts: bool = False) -> dict[str, Any]:
    """The compiled release of a case, amounts as Decimals (exact)."""
    extra = load_extra(case)
    unchanged = unchanged_since_import(case, extra)
    if unchanged and extra.get("releaseId"):
        release_id = str(extra["releaseId"])
        date = str(extra.get("releaseDate") or date_time(case.updated_at))
    else:
        when = utc(case.updated_at)
        release_id = f"{case.ocid}-{when:%Y%m%dT%H%M%SZ}"
        date = str(date_time(when))
    values = case_values(case)
    view = _view(case, values, extra, release_id=release_id, date=date, tag=["compiled"])
    release = build_release(view, include_contacts=include_contacts)
    return _finish(
        release, extra, overrides=unchanged, include_contacts=include_contacts, values=values
    )


def compiled_release(case: Case, *, include_contacts: bool = False) -> dict[str, Any]:
    """The case as one OCDS compiled release: plain JSON values (``json.dumps`` works)."""
    plain: dict[str, Any] = _plain(exact_release(case, include_contacts=include_contacts))
    return plain


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _clean(state: Mapping[str, Any]) -> dict[str, Any]:
    """Audit-trail values (JSON form) back to clean values, field by field."""
    clean: dict[str, Any] = {}
    for name, raw in state.items():
        if raw in (None, "", [], {}):
            clean[name] = EMPTY[name]
            continue
        try:
            clean[name] = PARSERS[name](raw)
        except (ValueError, TypeError, ArithmeticError):
            clean[name] = None
    return clean


def _event_changes(raw: str | None) -> dict[str, Any]:
    """An audit event's changes (stored JSON text); empty when they are not a JSON object
    of ``{"old": ..., "new": ...}`` objects."""
    import json

    try:
        changes = json.loads(raw) if raw is not None else None
    except ValueError:
        return {}
    if not isinstance(changes, dict):
        return {}
    return {k: c for k, c in changes.items() if isinstance(c, dict)}


def history_releases(
    session: Session, case: Case, *, include_contacts: bool = False
) -> list[dict[str, Any]]:
    """The case's history as releases: one per audit event that changed it.

    An event whose changes are not ``{field: {"old": ..., "new": ...}}`` (written by hand or
    by another program) is skipped: it cannot say what the case looked like."""
    events = session.execute(
        select(AuditEvent.at, AuditEvent.action, cast(AuditEvent.changes, Text))
        .where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    extra = load_extra(case)
    state: dict[str, Any] = {}
    releases: list[dict[str, Any]] = []
    previous: str | None = None
    for at, action, raw in events:
        changes = _event_changes(raw)
        changed = {k: c for k, c in changes.items() if k in FIELD_BY_NAME}
        if action in ("remove", "restore") or not changed:
            continue
        for name, change in changed.items():
            state[name] = change.get("new")
        values = {**EMPTY, "city": case.city_code, **_clean(state)}
        if any(not values.get(name) for name in REQUIRED_FIELDS):
            continue
        view = _view(
            case,
            values,
            extra,
            release_id=f"{case.ocid}-{len(releases) + 1:04d}",
            date=str(date_time(utc(at))),
            tag=history_tag(values["status"], previous),
        )
        previous = values["status"]
        release = build_release(view, include_contacts=include_contacts)
        releases.append(
            _finish(
                release, extra, overrides=False, include_contacts=include_contacts, values=values
            )
        )
    if not releases:
        release = exact_release(case, include_contacts=include_contacts)
        release["tag"] = history_tag(case.status, None)
        releases.append(release)
    return releases


def _kept_aside(release: dict[str, Any]) -> dict[str, Any] | None:
    """A publisher's release without the values that are not valid OCDS (formats, closed
    codelists): the import kept them aside, in the ``baltmet.rejected`` of the registry's
    own release that follows."""
    from procurement.exchange.ocds.merge import remove_path
    from procurement.exchange.ocds.validate import release_errors

    # the one value OCDS 1.1 allows, required: filled in when a publisher left it out
    release.setdefault("initiationType", "tender")
    # another BaltMet registry's extension object: the registry's own release restates it
    # (its lists of objects without ids, such as KPIs, would otherwise be merged twice)
    release.pop(EXTENSION, None)
    ppp = False
    for _ in range(50):
        errors = list(release_errors(release, ppp=ppp))
        if any(not e.absolute_path for e in errors):
            return None  # no id, date or tag: not a release that can be published as it is
        if not errors:
            break
        error = max(errors, key=lambda e: len(e.absolute_path))
        path = list(error.absolute_path)
        value = remove_path(release, path)
        if value is MISSING:
            break
    return release


def _nulls(published: Any, ours: Any) -> Any:
    """``ours`` with a null for every field of ``published`` it lacks, so that merging
    ``ours`` after the published releases removes them (the OCDS merge rules)."""
    if isinstance(published, dict) and isinstance(ours, dict):
        out = dict(ours)
        for key, value in published.items():
            if key not in ours:
                out[key] = _all_nulls(value)
            else:
                out[key] = _nulls(value, ours[key])
        return out
    if is_id_list(published) and is_id_list(ours):
        by_id = {str(x["id"]): x for x in published}
        return [_nulls(by_id[str(x["id"])], x) if str(x["id"]) in by_id else x for x in ours]
    return ours


def _all_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _all_nulls(v) for k, v in value.items()} or None
    if is_id_list(value):
        return [{"id": x["id"], **{k: _all_nulls(v) for k, v in x.items() if k != "id"}}
                for x in value]  # fmt: skip
    return None


def published_releases(
    session: Session, case: Case, *, include_contacts: bool = False
) -> list[dict[str, Any]] | None:
    """An imported case's history: the publisher's releases as published (oldest first;
    values that are not valid OCDS kept aside in ``baltmet.rejected``), then the registry's
    own release, which makes the compiled release of them all the case's compiled export.
    None if no release of the case is stored."""
    stored = stored_releases(session, [case.ocid]).get(case.ocid)
    if not stored:
        return None
    ordered = in_merge_order(stored)
    # a publisher's release without its id, date or tag is left out (the registry's own
    # release, last, holds what it brought)
    out = [r for r in (_kept_aside(copied(r.body)) for r in ordered) if r is not None]
    if not include_contacts:
        for release in out:
            _strip_contacts(release)
    compiled = exact_release(case, include_contacts=include_contacts)
    newest = ordered[-1].body.get("date")
    when = utc(case.updated_at)
    date = str(date_time(when))
    newest_time = release_time(newest)
    if newest_time is not None and newest_time > when:
        date = str(newest)  # merged after the publisher's newest release all the same
    ours = {
        **_nulls(compile_releases(out), compiled),
        "id": f"{case.ocid}-{EXTENSION}-{when:%Y%m%dT%H%M%SZ}",
        "date": date,
        "tag": history_tag(case.status, case.status),
    }
    out.append(ours)
    return out


def _cases(session: Session, flt: CaseFilter) -> Iterator[Case]:
    """Cases matching the filter, loaded in batches (the identity map only holds weak
    references, so a long export does not grow memory)."""
    ids = list(session.scalars(apply_filter(select(Case.id), flt).order_by(Case.reference)))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        stmt = whole_cases().where(Case.id.in_(chunk)).order_by(Case.reference)
        yield from session.scalars(stmt)


def _history(session: Session, case: Case, *, include_contacts: bool) -> list[dict[str, Any]]:
    """A case's releases as ``--releases`` gives them: an imported case's as its publishers
    published them (plus the registry's own), else the registry's history of the case."""
    history = (
        published_releases(session, case, include_contacts=include_contacts)
        if case.origin == "imported"
        else None
    )
    if history is None:
        history = history_releases(session, case, include_contacts=include_contacts)
    return history


def _releases(
    session: Session, flt: CaseFilter, *, include_contacts: bool, releases: bool
) -> Iterator[tuple[Case, dict[str, Any]]]:
    for case in _cases(session, flt):
        if releases:
            for release in _history(session, case, include_contacts=include_contacts):
                yield case, release
        else:
            yield case, exact_release(case, include_contacts=include_contacts)


def export_ocds(
    *,
    session: Session,
    flt: CaseFilter,
    target: Path | None,
    include_contacts: bool = False,
    releases: bool = False,
    validate: bool = False,
    echo: Callable[[str], None] | None = None,
    records: bool = False,
    json_lines: bool = False,
) -> int:
    """Write the cases matching ``flt`` as an OCDS release package to ``target`` (None:
    the package's text is handed to ``echo`` piece by piece, by default written to standard
    output), or with ``records`` as a record package (per case: its releases, as with
    ``releases``, the compiled release and the versioned release). With ``validate`` every
    release is checked against the shipped schemas first (and nothing is written if one
    fails). With ``json_lines``, one release (or record) per line, without the package
    (JSON Lines, as ``ocdskit`` reads and writes big exports). Returns the number of cases."""
    total = count_cases(session=session, flt=flt)
    if total == 0:
        raise BadInput(
            "no cases match the filters, so there is nothing to export "
            "(an OCDS package needs at least one release); widen the filters"
        )
    header = package_header(extensions=_imported_extensions(session, flt))
    if records:
        if validate:
            _check_records(session, flt, header, include_contacts)
        chunks = _package_text(
            session, flt, header, include_contacts, True, records=True, json_lines=json_lines
        )
        _write_chunks(chunks, target, echo)
        return total
    if validate:
        first: dict[str, Any] | None = None
        for case, release in _releases(
            session, flt, include_contacts=include_contacts, releases=releases
        ):
            check_release(release, ppp=case.ppp is not None, case=case.reference)
            first = first or release
        assert first is not None
        check_package_header(header, first)
    chunks = _package_text(session, flt, header, include_contacts, releases, json_lines=json_lines)
    _write_chunks(chunks, target, echo)
    return total


def _write_chunks(
    chunks: Iterator[str], target: Path | None, echo: Callable[[str], None] | None
) -> None:
    if target is None:
        write = echo or sys.stdout.write
        for chunk in chunks:
            write(chunk)
    else:
        with target.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(chunks)


def _records(
    session: Session, flt: CaseFilter, *, include_contacts: bool
) -> Iterator[tuple[Case, dict[str, Any]]]:
    """Each case as an OCDS record: its releases (as ``--releases`` gives them), its
    compiled release (as the compiled export) and its versioned release."""
    for case in _cases(session, flt):
        history = _history(session, case, include_contacts=include_contacts)
        compiled = exact_release(case, include_contacts=include_contacts)
        yield (
            case,
            {
                "ocid": case.ocid,
                "releases": history,
                "compiledRelease": compiled,
                "versionedRelease": versioned_release(history),
            },
        )


def _check_records(
    session: Session, flt: CaseFilter, header: Mapping[str, Any], include_contacts: bool
) -> None:
    """Every release and compiled release of the records valid (raises BadInput), and the
    package metadata with one record standing in for all. The versioned release is not
    checked: the official versioned schema is built from the core schema alone, and treats
    an extension's fields (``details.scale``) as values."""
    from procurement.exchange.ocds.validate import dotted, validator

    first: dict[str, Any] | None = None
    for case, record in _records(session, flt, include_contacts=include_contacts):
        for release in [*record["releases"], record["compiledRelease"]]:
            check_release(release, ppp=case.ppp is not None, case=case.reference)
        first = first or record
    assert first is not None
    stand_in = {k: v for k, v in first.items() if k != "versionedRelease"}
    package = _plain({**header, "records": [stand_in]})
    errors = list(validator("1.1/record-package-schema.json").iter_errors(package))
    if errors:
        error = errors[0]
        raise BadInput(
            f"the OCDS record package is not valid at {dotted(error.absolute_path)}: "
            f"{error.message[:200]}; nothing was written"
        )


def _imported_extensions(session: Session, flt: CaseFilter) -> list[str]:
    """The extensions declared by the packages the exported cases' releases came in."""
    ocids = apply_filter(select(Case.ocid), flt).where(Case.origin == "imported")
    rows = session.execute(
        select(source_records.c.extensions)
        .where(
            source_records.c.kind == "ocds-release",
            source_records.c.ocid.in_(ocids.scalar_subquery()),
        )
        .order_by(source_records.c.id)
    )
    found: list[str] = []
    for (extensions,) in rows:
        if isinstance(extensions, list):
            found += [e for e in extensions if isinstance(e, str) and e not in found]
    return found


def _package_text(
    session: Session,
    flt: CaseFilter,
    header: Mapping[str, Any],
    include_contacts: bool,
    releases: bool,
    *,
    records: bool = False,
    json_lines: bool = False,
) -> Iterator[str]:
    """The release (or record) package's JSON text, piece by piece (a release or record at
    a time); or with ``json_lines`` each release (or record) on a line of its own."""
    key = "records" if records else "releases"
    if json_lines:
        lines = (
            _records(session, flt, include_contacts=include_contacts)
            if records
            else _releases(session, flt, include_contacts=include_contacts, releases=releases)
        )
        for _case, item in lines:
            yield dumps(item) + "\n"
        return
    head = dumps({**header, key: []}, indent=2)
    assert head.endswith(f'"{key}": []\n}}')
    yield head[: -len("[]\n}")] + "[\n"
    separator = ""
    items = (
        _records(session, flt, include_contacts=include_contacts)
        if records
        else _releases(session, flt, include_contacts=include_contacts, releases=releases)
    )
    for _case, release in items:
        yield separator + textwrap.indent(dumps(release, indent=2), "    ")
        separator = ",\n"
    yield "\n  ]\n}\n"
