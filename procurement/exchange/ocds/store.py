"""The release store: every OCDS release an import receives, kept as published.

One row of ``source_records`` (kind ``ocds-release``) per release received, with its
provenance (file, position in it, publisher, package URI, the extensions its package declared),
as Kingfisher keeps them. A release received again (same ocid, release id and content) is
stored once; a release id received with other content is a second release, kept too. An
imported case is compiled from all the stored releases of its ocid (:mod:`.compile`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.exchange.ocds.compile import Received
from procurement.exchange.ocds.from_ocds import text
from procurement.exchange.ocds.merge import _plain_number, exact_decimals, storable
from procurement.exchange.ocds.spill import PackageMeta
from procurement.storage import bulk
from procurement.storage.engine import JSONText
from procurement.storage.schema import source_records

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


def stored_releases(session: Session, ocids: Sequence[str]) -> dict[str, list[Received]]:
    """The stored releases of ``ocids``, each ocid's in the order received."""
    found: dict[str, list[Received]] = {}
    if not ocids:
        return found
    rows = session.execute(
        select(
            source_records.c.ocid,
            source_records.c.content,
            source_records.c.content_hash,
            source_records.c.source_file,
            source_records.c.source_position,
            source_records.c.publisher,
            source_records.c.package_uri,
            source_records.c.extensions,
        )
        .where(source_records.c.kind == KIND, source_records.c.ocid.in_(list(ocids)))
        .order_by(source_records.c.id)
    )
    for ocid, content, digest, file, position, publisher, uri, extensions in rows:
        found.setdefault(ocid, []).append(
            Received(
                body=exact_decimals(content),
                file=file or "",
                position=position or "",
                stored=True,
                content_hash=digest,
                meta=PackageMeta(
                    publisher=publisher,
                    uri=uri,
                    extensions=list(extensions) if isinstance(extensions, list) else None,
                ),
            )
        )
    return found


def keep(session: Session, city: str, ocid: str, releases: Iterable[Received]) -> int:
    """Store releases received for ``ocid`` (a case of ``city``); returns how many."""
    return keep_many(session, [(city, ocid, releases)])


def keep_many(session: Session, batch: Iterable[tuple[str, str, Iterable[Received]]]) -> int:
    """Store the releases received for several ocids at once: (city, ocid, releases)."""
    return insert_rows(
        session, [row(city, ocid, r) for city, ocid, releases in batch for r in releases]
    )


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


def insert_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Store rows made by :func:`row`; returns how many."""
    bulk.insert_rows(session, source_records, rows)
    return len(rows)
