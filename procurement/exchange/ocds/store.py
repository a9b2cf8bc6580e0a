"""The release store: every OCDS release an import receives, kept as published.

One row of ``source_records`` (kind ``ocds-release``) per release received, with its
provenance (file, position in it, publisher, package URI, the extensions its package declared),
as Kingfisher keeps them. A release received again (same ocid, release id and content) is
stored once; a release id received with other content is a second release, kept too. An
imported case is compiled from all the stored releases of its ocid (:mod:`.compile`). The
rows themselves are made by :mod:`.store_rows` (no database; named here too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.exchange.ocds.compile import Received
from procurement.exchange.ocds.merge import exact_decimals
from procurement.exchange.ocds.spill import PackageMeta
from procurement.exchange.ocds.store_rows import KIND as KIND
from procurement.exchange.ocds.store_rows import canonical as canonical
from procurement.exchange.ocds.store_rows import content_hash as content_hash
from procurement.exchange.ocds.store_rows import hashed as hashed
from procurement.exchange.ocds.store_rows import record_id as record_id
from procurement.exchange.ocds.store_rows import row as row
from procurement.storage import bulk
from procurement.storage.schema import source_records


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


def insert_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Store rows made by :func:`row`; returns how many."""
    bulk.insert_rows(session, source_records, rows)
    return len(rows)
