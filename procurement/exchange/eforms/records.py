"""The notices in the release store (``source_records``, kind ``eforms-notice``).

Every notice an import reads is kept there as read (its fields, JSON), with its provenance;
a case is compiled from all notices of its procedure, whenever each arrived. The same notice
received again (same procedure, notice id and version, same content) is stored once.

The store has no writer in :mod:`procurement.cases.store` yet (the OCDS import is being moved
onto the same table); these few Core statements are the eForms import's only access to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from procurement.storage.engine import insert_ignoring_duplicates
from procurement.storage.schema import source_records

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KIND = "eforms-notice"
PUBLISHER = "TED (eForms)"


def content_hash(content: Mapping[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_id(content: Mapping[str, Any]) -> str:
    """BT-701 notice identifier and BT-757 version: ``<id>-<version>``."""
    return f"{content['notice_id']}-{content.get('version')}"[:200]


def record_date(content: Mapping[str, Any]) -> str | None:
    date, time = content.get("issue_date"), content.get("issue_time")
    if not date:
        return None
    return f"{date}T{time}"[:40] if time else str(date)[:40]


@dataclass(frozen=True)
class Received:
    ocid: str
    city: str
    content: dict[str, Any]
    file: str
    position: str | None


def store(db: Session, received: Sequence[Received]) -> None:
    """Keep the notices (a notice already stored is left as it is)."""
    if not received:
        return
    rows = [
        {
            "kind": KIND,
            "ocid": r.ocid,
            "city_code": r.city,
            "record_id": record_id(r.content),
            "record_date": record_date(r.content),
            "content_hash": content_hash(r.content),
            "content": r.content,
            "source_file": r.file[:1000],
            "source_position": (r.position or None) and str(r.position)[:100],
            "publisher": PUBLISHER,
            "package_uri": None,
            "extensions": None,
        }
        for r in received
    ]
    db.execute(insert_ignoring_duplicates(db, source_records), rows)


def known_city(db: Session, ocid: str) -> str | None:
    """The city of a procedure the registry knows already (its case, else its notices)."""
    from procurement.storage.schema import cases

    found = db.scalar(select(cases.c.city_code).where(cases.c.ocid == ocid))
    if found is None:
        found = db.scalar(
            select(source_records.c.city_code)
            .where(source_records.c.kind == KIND, source_records.c.ocid == ocid)
            .limit(1)
        )
    return str(found) if found else None


@dataclass(frozen=True)
class Stored:
    content: dict[str, Any]
    file: str | None
    city: str


def notices_of(db: Session, ocids: Iterable[str]) -> dict[str, list[Stored]]:
    """Every stored notice of each procedure (the newest reading of a notice version)."""
    wanted = sorted(set(ocids))
    found: dict[str, dict[str, tuple[int, Stored]]] = {o: {} for o in wanted}
    t = source_records.c
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(t.id, t.ocid, t.record_id, t.content, t.source_file, t.city_code).where(
            t.kind == KIND, t.ocid.in_(chunk)
        )
        for row_id, ocid, rid, content, file, city in db.execute(query):
            known = found[ocid].get(rid)
            if isinstance(content, dict) and (known is None or known[0] < row_id):
                found[ocid][rid] = (row_id, Stored(content, file, city))
    return {
        o: [s for _, s in sorted(by_id.values(), key=lambda x: x[0])] for o, by_id in found.items()
    }


__all__ = [
    "KIND",
    "Received",
    "Stored",
    "content_hash",
    "known_city",
    "notices_of",
    "record_id",
    "store",
]
