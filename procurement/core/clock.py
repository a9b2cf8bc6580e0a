"""The one source of "now" for everything the registry records (UTC, timezone-aware)."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current time in UTC: case timestamps, audit events and import stamps use it."""
    return dt.datetime.now(dt.UTC)
