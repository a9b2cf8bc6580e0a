"""Compiling one contracting process: an ocid's releases merged into one compiled release.

A publisher's compiled release (from a record) is taken as it is, the newest if there are
several; otherwise the releases are merged by the OCDS merge rules, oldest first (releases
without a date before the dated ones, in the order read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from procurement.exchange.ocds.from_ocds import text
from procurement.exchange.ocds.merge import merge_releases

_FLOOR = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass
class Compiled:
    """One contracting process compiled: the release, and what identifies its newest step."""

    release: dict[str, Any]
    tags: list[str]  # the newest release's tags
    release_id: str
    date: str | None
    package: int  # the package (or JSON Lines line) of the newest release


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


def compile_ocid(
    ocid: str,
    rows: list[tuple[int, bool, dict[str, Any]]],
    warn: Callable[[str, str, str], None],
) -> Compiled:
    """Merge one ocid's releases, ``rows`` of (package, is a compiled release, body) in the
    order read; ``warn(release_id, field, message)`` is told about releases without a date."""
    compiled_rows = [r for r in rows if r[1]]
    result = _newest_compiled(compiled_rows) if compiled_rows else _merged(rows, warn)
    result.release["ocid"] = ocid
    return result


def _newest_compiled(rows: list[tuple[int, bool, dict[str, Any]]]) -> Compiled:
    pkg, _, body = max(rows, key=lambda r: release_time(r[2].get("date")) or _FLOOR)
    release = merge_releases([body])
    return Compiled(
        release=release,
        tags=[t for t in release.get("tag") or [] if isinstance(t, str)],
        release_id=text(body.get("id")) or "(compiled)",
        date=text(body.get("date")),
        package=pkg,
    )


def _merged(
    rows: list[tuple[int, bool, dict[str, Any]]], warn: Callable[[str, str, str], None]
) -> Compiled:
    dated: list[tuple[dt.datetime | None, int, int, dict[str, Any]]] = []
    for seq, (pkg, _, body) in enumerate(rows):
        release_id = text(body.get("id")) or f"#{seq + 1}"
        when = release_time(body.get("date"))
        if when is None:
            warn(
                release_id,
                "date",
                "missing or not a date; merged before the dated releases of its ocid"
                if body.get("date") is None
                else f"'{str(body.get('date'))[:40]}' is not a date; merged first",
            )
        dated.append((when, seq, pkg, body))
    dated.sort(key=lambda r: (r[0] is not None, r[0] or _FLOOR, r[1]))
    newest = dated[-1]
    return Compiled(
        release=merge_releases(r[3] for r in dated),
        tags=[t for t in newest[3].get("tag") or [] if isinstance(t, str)],
        release_id=text(newest[3].get("id")) or f"#{newest[1] + 1}",
        date=text(newest[3].get("date")) if newest[0] is not None else None,
        package=newest[2],
    )
