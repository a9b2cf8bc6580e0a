"""Audit events: who changed what of a case, when (old and new values).

Written only here, for every path that changes a case; each event's time is
:func:`procurement.core.clock.now`. Works on an ORM session or a Core connection (Core only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from procurement.core.clock import now
from procurement.storage.engine import JSONText
from procurement.storage.schema import audit_events

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

ACTIONS = ("create", "import", "update", "remove", "restore")


def event_row(
    *,
    case_id: int,
    city: str,
    user: str,
    action: str,
    changes: Mapping[str, Any] | JSONText,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """One audit event as a row of ``audit_events``."""
    assert action in ACTIONS, action
    return {
        "case_id": case_id,
        "city_code": city,
        "at": at or now(),
        "user": user,
        "action": action,
        # text: the changes already written as JSON (by the OCDS importer's helper process)
        "changes": changes if isinstance(changes, JSONText) else dict(changes),
    }


def record(
    *,
    db: Session | Connection,
    case_id: int,
    city: str,
    user: str,
    action: str,
    changes: Mapping[str, Any],
) -> None:
    """Record one change of a case."""
    record_many(
        db=db,
        rows=[event_row(case_id=case_id, city=city, user=user, action=action, changes=changes)],
    )


def record_many(*, db: Session | Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Record the events made by :func:`event_row` (one statement)."""
    if rows:
        db.execute(audit_events.insert(), list(rows))
