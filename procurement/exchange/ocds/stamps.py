"""Times of cases as the OCDS exchange writes them: in UTC, and the stamp of an imported case
(its ``updated_at`` when the import wrote it, kept in ``ocds_extra``: the exporter compares it
with the case's to see whether the case was changed here since).

Needs no SQLAlchemy (the importer stamps each new case it writes).
"""

from __future__ import annotations

import datetime as dt


def utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def stamp(value: dt.datetime) -> str:
    """A case's ``updated_at`` as comparable text (SQLite returns it without a time zone)."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
