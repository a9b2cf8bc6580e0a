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
from collections.abc import Callable, Iterator, Mapping
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
from procurement.exchange.ocds.merge import apply_overrides, dumps, exact_decimals, overlay
from procurement.exchange.ocds.to_ocds import ReleaseView, build_release, date_time, history_tag
from procurement.exchange.ocds.validate import check_package_header, check_release
from procurement.storage.models import AuditEvent, Case

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


def package_header(published: dt.datetime | None = None) -> dict[str, Any]:
    """Package metadata: uri, version, publishedDate, publisher, license (env configurable)."""
    when = published or now()
    return {
        "uri": os.environ.get(ENV_PACKAGE_URI) or DEFAULT_PACKAGE_URI,
        "version": "1.1",
        "publishedDate": date_time(when),
        "publisher": publisher(),
        "license": os.environ.get(ENV_LICENSE) or DEFAULT_LICENSE,
    }


def utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def stamp(value: dt.datetime) -> str:
    """A case's ``updated_at`` as comparable text (SQLite returns it without a time zone)."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def _finish(
    release: dict[str, Any], extra: Mapping[str, Any], *, overrides: bool, include_contacts: bool
) -> dict[str, Any]:
    leftover = extra.get("release")
    if isinstance(leftover, dict):
        overlay(release, leftover)
    if overrides:
        apply_overrides(release, [(p, v) for p, v in extra.get("overrides") or []])
    if extra.get("rejected"):
        release[EXTENSION]["rejected"] = extra["rejected"]
    if not include_contacts:
        _strip_contacts(release)
    return release


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
    view = _view(case, case_values(case), extra, release_id=release_id, date=date, tag=["compiled"])
    release = build_release(view, include_contacts=include_contacts)
    return _finish(release, extra, overrides=unchanged, include_contacts=include_contacts)


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
        releases.append(_finish(release, extra, overrides=False, include_contacts=include_contacts))
    if not releases:
        release = exact_release(case, include_contacts=include_contacts)
        release["tag"] = history_tag(case.status, None)
        releases.append(release)
    return releases


def _cases(session: Session, flt: CaseFilter) -> Iterator[Case]:
    """Cases matching the filter, loaded in batches (the identity map only holds weak
    references, so a long export does not grow memory)."""
    ids = list(session.scalars(apply_filter(select(Case.id), flt).order_by(Case.reference)))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        stmt = whole_cases().where(Case.id.in_(chunk)).order_by(Case.reference)
        yield from session.scalars(stmt)


def _releases(
    session: Session, flt: CaseFilter, *, include_contacts: bool, releases: bool
) -> Iterator[tuple[Case, dict[str, Any]]]:
    for case in _cases(session, flt):
        if releases:
            for release in history_releases(session, case, include_contacts=include_contacts):
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
) -> int:
    """Write the cases matching ``flt`` as an OCDS release package to ``target`` (None:
    the package's text is handed to ``echo`` piece by piece, by default written to standard
    output). With ``validate`` every release is checked against the shipped schemas first
    (and nothing is written if one fails). Returns the number of cases."""
    total = count_cases(session=session, flt=flt)
    if total == 0:
        raise BadInput(
            "no cases match the filters, so there is nothing to export "
            "(an OCDS package needs at least one release); widen the filters"
        )
    header = package_header()
    if validate:
        first: dict[str, Any] | None = None
        for case, release in _releases(
            session, flt, include_contacts=include_contacts, releases=releases
        ):
            check_release(release, ppp=case.ppp is not None, case=case.reference)
            first = first or release
        assert first is not None
        check_package_header(header, first)
    chunks = _package_text(session, flt, header, include_contacts, releases)
    if target is None:
        write = echo or sys.stdout.write
        for chunk in chunks:
            write(chunk)
    else:
        with target.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(chunks)
    return total


def _package_text(
    session: Session,
    flt: CaseFilter,
    header: Mapping[str, Any],
    include_contacts: bool,
    releases: bool,
) -> Iterator[str]:
    """The release package's JSON text, piece by piece (a release at a time)."""
    head = dumps({**header, "releases": []}, indent=2)
    assert head.endswith('"releases": []\n}')
    yield head[: -len("[]\n}")] + "[\n"
    separator = ""
    for _case, release in _releases(
        session, flt, include_contacts=include_contacts, releases=releases
    ):
        yield separator + textwrap.indent(dumps(release, indent=2), "    ")
        separator = ",\n"
    yield "\n  ]\n}\n"
