"""The release store's rows, made without the database: each release's canonical JSON text,
its hash, its id as stored and its ``source_records`` row (:mod:`.store` reads and writes
them).

Needs no SQLAlchemy: the OCDS importer's helper process hashes the releases and makes the rows
of the new cases it prepares.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from procurement.exchange.ocds.compile import Received
from procurement.exchange.ocds.from_ocds import text
from procurement.exchange.ocds.merge import _plain_number, storable
from procurement.storage.json_columns import JSONText

KIND = "ocds-release"


def canonical(body: Mapping[str, Any]) -> str:
    """Canonical JSON text of a release: keys sorted, no spaces, numbers as JSON numbers
    (``1.50`` and ``1.5`` are the same number)."""
    return json.dumps(
        body,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_plain_number,
        check_circular=False,
    )


def content_hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def hashed(received: Received) -> str:
    """Set the release's content hash and its canonical text (stored as its JSON column)."""
    text = canonical(received.body)
    received.content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    received.text = text
    return received.content_hash


def _content(received: Received) -> Any:
    """The JSON-column form of a release (the canonical text read back, when hashed)."""
    if received.content is None:
        received.content = (
            json.loads(received.text) if received.text is not None else storable(received.body)
        )
    return received.content


def record_id(body: Mapping[str, Any]) -> str:
    """The release id as stored (a release without one is known by its content)."""
    return (text(body.get("id")) or "")[:200]


def row(city: str, ocid: str, received: Received) -> dict[str, Any]:
    """The ``source_records`` row of a release received for ``ocid`` (a case of ``city``),
    its content as JSON text once hashed (needs no database: the importer's helper process
    makes the rows of the cases it prepares)."""
    r, meta = received, received.meta
    return {
        "kind": KIND,
        "ocid": ocid,
        "city_code": city,
        "record_id": record_id(r.body),
        "record_date": (text(r.body.get("date")) or "")[:40] or None,
        "content_hash": r.content_hash or content_hash(r.body),
        "content": JSONText(r.text) if r.text is not None else _content(r),
        "source_file": r.file[:1000] or None,
        "source_position": r.position[:100] or None,
        "publisher": ((meta.publisher if meta else None) or "")[:300] or None,
        "package_uri": ((meta.uri if meta else None) or "")[:1000] or None,
        "extensions": meta.extensions if meta else None,
    }
