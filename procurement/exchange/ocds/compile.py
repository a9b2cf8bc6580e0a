"""Compiling one contracting process: all releases known for an ocid merged into one.

The releases are those of the release store (imported before) and those of the files being
imported, merged by the OCDS merge rules (:func:`.merge.compile_releases`, the same result as
``ocdsmerge``/``ocdskit compile``) oldest first, whatever the order in which they arrived.
Releases of the same date keep the order in which the registry received them; releases
without a date come before the dated ones (each is warned about). A publisher's compiled
release (from a record) is merged like a release of its date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procurement.exchange.ocds.from_ocds import text
from procurement.exchange.ocds.merge import compile_releases

if TYPE_CHECKING:
    from procurement.exchange.ocds.spill import PackageMeta

_FLOOR = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass
class Received:
    """One release of an ocid: its body and where it came from."""

    body: dict[str, Any]
    package: int = -1  # the package (or JSON Lines line) of the file being read; -1: stored
    file: str = ""
    position: str = ""  # "line 4", "releases[2]", "records[0].compiledRelease"
    stored: bool = False  # already in the release store
    content_hash: str = ""
    meta: PackageMeta | None = None  # the package's publisher, URI and extensions
    content: Any = None  # the JSON-column form of the body, once hashed
    text: str | None = None  # the body's canonical JSON text, once hashed

    @property
    def release_id(self) -> str:
        return text(self.body.get("id")) or f"(no id, {self.position or 'stored'})"


@dataclass
class Compiled:
    """One contracting process compiled: the release, and what identifies its newest step."""

    release: dict[str, Any]
    tags: list[str]  # the newest release's tags
    release_id: str
    date: str | None
    package: int  # the package (or JSON Lines line) of the newest release (-1: stored)
    newest: Received


def release_time(value: Any) -> dt.datetime | None:
    """An OCDS date-time (or a date: midnight) as an aware datetime (UTC if it has no time
    zone); None if it is not one."""
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


def in_merge_order(
    releases: Sequence[Received], warn: Callable[[Received, str, str], None] | None = None
) -> list[Received]:
    """The releases oldest first (stable: same dates keep the order given); releases
    without a valid date first, each reported to ``warn(release, field, message)``."""
    keyed: list[tuple[bool, dt.datetime, int, Received]] = []
    for seq, received in enumerate(releases):
        when = release_time(received.body.get("date"))
        if when is None and warn is not None and not received.stored:
            date = received.body.get("date")
            warn(
                received,
                "date",
                "missing; merged before the dated releases of its ocid"
                if date is None
                else f"'{str(date)[:40]}' is not a date; merged before the dated releases",
            )
        keyed.append((when is not None, when or _FLOOR, seq, received))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return [k[3] for k in keyed]


def compile_ocid(
    ocid: str,
    releases: Sequence[Received],
    warn: Callable[[Received, str, str], None] | None = None,
) -> Compiled:
    """Merge all releases known for one ocid (stored ones first, then those read, in the
    order received)."""
    ordered = in_merge_order(releases, warn)
    newest = ordered[-1]
    release = compile_releases(r.body for r in ordered)
    release["ocid"] = ocid
    dated = release_time(newest.body.get("date")) is not None
    return Compiled(
        release=release,
        tags=[t for t in newest.body.get("tag") or [] if isinstance(t, str)],
        release_id=newest.release_id,
        date=text(newest.body.get("date")) if dated else None,
        package=newest.package,
        newest=newest,
    )
