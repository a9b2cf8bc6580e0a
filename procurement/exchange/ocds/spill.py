"""The scratch file of an OCDS import: releases parked on disk by ocid.

A temporary SQLite file holds one row per release (in the order read) with its package;
the importer then takes each ocid's releases together, wherever they sat in the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from procurement.exchange.ocds.merge import dumps, loads

SPILL_ROWS = 1000  # releases written to the scratch file at a time


@dataclass
class PackageMeta:
    """A package's metadata (or a JSON Lines line's): who published its releases, where."""

    publisher: str | None = None
    publisher_uri: str | None = None
    uri: str | None = None
    version: str | None = None


class Spill:
    """Releases parked on disk by ocid (a temporary SQLite file)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        # a scratch file: no journal, no waiting for the disk
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE rel (seq INTEGER PRIMARY KEY, ocid TEXT, pkg INTEGER, "
            "compiled INTEGER, body TEXT)"
        )
        self.packages: dict[int, PackageMeta] = {}
        self._buffer: list[tuple[str, int, int, str]] = []

    def add(self, ocid: str, pkg: int, compiled: bool, body: Mapping[str, Any]) -> None:
        self._buffer.append((ocid, pkg, int(compiled), dumps(body)))
        if len(self._buffer) >= SPILL_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self.db.executemany(
                "INSERT INTO rel (ocid, pkg, compiled, body) VALUES (?, ?, ?, ?)", self._buffer
            )
            self._buffer.clear()

    def ocids(self) -> Iterator[str]:
        """Each ocid once, in the order of its first release in the file."""
        self._flush()
        self.db.execute("CREATE INDEX rel_ocid ON rel (ocid, seq)")
        cursor = self.db.execute("SELECT ocid FROM rel GROUP BY ocid ORDER BY MIN(seq)")
        while batch := cursor.fetchmany(1000):
            for (ocid,) in batch:
                yield ocid

    def ocid_chunks(self, size: int) -> Iterator[list[str]]:
        chunk: list[str] = []
        for ocid in self.ocids():
            chunk.append(ocid)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def rows(self, ocid: str) -> list[tuple[int, bool, dict[str, Any]]]:
        self._flush()
        found = self.db.execute(
            "SELECT pkg, compiled, body FROM rel WHERE ocid = ? ORDER BY seq", (ocid,)
        )
        return [(pkg, bool(compiled), loads(body)) for pkg, compiled, body in found]

    def close(self) -> None:
        self.db.close()
