"""How JSON columns are written (``json.dumps``, without spaces), and values already written so.

Needs no SQLAlchemy: the OCDS importer's helper process, which never opens the database,
writes JSON column values as text with it (:class:`JSONText`).
"""

from __future__ import annotations

import json
from typing import Any

COMPACT = (",", ":")  # JSON columns' separators


class JSONText(str):
    """A JSON column's value already written as the column would write it
    (:func:`json_serializer`): stored as it is. A batch prepared in another process (the OCDS
    importer's helper) arrives as text, not as objects to serialise again."""

    __slots__ = ()


def json_serializer(value: Any) -> str:
    """How JSON columns are written: ``json.dumps`` without spaces (a tenth less to write for an
    import), except :class:`JSONText` as it is."""
    if type(value) is JSONText:
        return str.__str__(value)
    return json.dumps(value, separators=COMPACT)
