"""The scratch file of an OCDS import: releases parked on disk by ocid.

A temporary SQLite file holds one row per release (in the order read) with its package;
the importer then takes each ocid's releases together, wherever they sat in the file.
"""

from __future__ import annotations

import pickle  # the scratch file is our own, written and read by this import only
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from procurement.core.json_decode import JsonDecoder
from procurement.exchange.ocds.compile import Received

SPILL_ROWS = 1000  # releases written to the scratch file at a time
_JSON = JsonDecoder(Decimal)  # a parked text read again as the reader read it


@dataclass
class PackageMeta:
    """A package's metadata (or a JSON Lines line's): who published its releases, where."""

    publisher: str | None = None
    publisher_uri: str | None = None
    uri: str | None = None
    version: str | None = None
    extensions: list[str] | None = None  # the extensions the package declared (their URLs)


class Spill:
    """Releases parked on disk by ocid (a temporary SQLite file)."""

    def __init__(self, path: Path, first: int = 1) -> None:
        """A new scratch file; ``first``: the number of its first release (a part of a file
        read by the helper process is numbered after the importer's part)."""
        self.db = sqlite3.connect(path)
        # a scratch file: no journal, no waiting for the disk
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE rel (seq INTEGER PRIMARY KEY, ocid TEXT, pkg INTEGER, "
            "compiled INTEGER, body BLOB, file TEXT, position TEXT, raw TEXT)"
        )
        self.packages: dict[int, PackageMeta] = {}
        self.next_pkg = 0  # packages are numbered across all the files of an import
        self._buffer: list[tuple[int, str, int, int, bytes | None, str, str, str | None]] = []
        self._finished = False
        self._seq = first
        self._parts: list[str] = []  # the scratch files attached (parts read elsewhere)

    def add(
        self,
        ocid: str,
        pkg: int,
        compiled: bool,
        body: Mapping[str, Any],
        file: str = "",
        position: str = "",
        raw: str | None = None,
    ) -> None:
        """Park a release; ``raw``: the JSON text ``body`` was read from as it is (kept
        instead of the pickled body: no pickling, and read back faster than a pickle whose
        numbers are Decimals)."""
        pickled = None if raw is not None else pickle.dumps(body, pickle.HIGHEST_PROTOCOL)
        self._buffer.append((self._seq, ocid, pkg, int(compiled), pickled, file, position, raw))
        self._seq += 1
        if len(self._buffer) >= SPILL_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self.db.executemany(
                "INSERT INTO rel (seq, ocid, pkg, compiled, body, file, position, raw) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self._buffer,
            )
            self._buffer.clear()

    @classmethod
    def reader(
        cls, path: Path, packages: dict[int, PackageMeta], parts: list[str] | None = None
    ) -> Spill:
        """A finished scratch file opened read-only (by the importer's helper process), with
        the ``parts`` attached to it."""
        spill = cls.__new__(cls)
        spill.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        spill.packages, spill.next_pkg, spill._buffer = packages, 0, []
        spill._finished, spill._seq, spill._parts = True, 0, []
        for part in parts or []:
            spill.attach(part)
        return spill

    def attach(self, part: str) -> None:
        """Read a finished scratch file (a part of a file read by the helper process, its
        releases numbered after this one's) as part of this one."""
        name = f"part{len(self._parts)}"
        self.db.execute(f"ATTACH DATABASE ? AS {name}", (str(Path(part).resolve()),))
        self._parts.append(part)

    @property
    def parts(self) -> list[str]:
        return list(self._parts)

    def _union(self, columns: str, where: str) -> str:
        """``SELECT columns FROM rel WHERE where`` over this file and its parts."""
        tables = ["rel", *(f"part{i}.rel" for i in range(len(self._parts)))]
        return " UNION ALL ".join(f"SELECT {columns} FROM {t} WHERE {where}" for t in tables)

    def finish(self) -> None:
        """All releases written: the ocid index made and committed (other connections, the
        helper process's, see them)."""
        self._flush()
        if not self._finished:
            self.db.execute("CREATE INDEX rel_ocid ON rel (ocid, seq)")
            self.db.commit()
            self._finished = True

    def ocids(self) -> Iterator[str]:
        """Each ocid once, in the order of its first release in the file."""
        self.finish()
        cursor = self.db.execute(
            f"SELECT ocid FROM ({self._union('ocid, seq', '1')}) GROUP BY ocid ORDER BY MIN(seq)"
        )
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

    def rows(self, ocid: str) -> list[Received]:
        """The ocid's releases in the order read (with the text each was stored as)."""
        return self.rows_of([ocid])[ocid]

    def rows_of(self, ocids: list[str]) -> dict[str, list[Received]]:
        """:meth:`rows` of several ocids at once (one query for a few hundred)."""
        self._flush()
        found: dict[str, list[Received]] = {ocid: [] for ocid in ocids}
        for start in range(0, len(ocids), 500):
            chunk = ocids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            query = self._union("ocid, seq, pkg, body, raw, file, position", f"ocid IN ({marks})")
            for ocid, _, pkg, body, raw, file, position in self.db.execute(
                f"{query} ORDER BY ocid, seq", chunk * (1 + len(self._parts))
            ):
                found[ocid].append(
                    Received(body=_body(body, raw), package=pkg, file=file, position=position)
                )
        return found

    def close(self) -> None:
        self.db.close()


def _body(pickled: bytes | None, raw: str | None) -> Any:
    """A parked release's body: its text read again as the reader read it (numbers as
    Decimals; parked only if none was refused), or its pickle."""
    if raw is not None:
        return _JSON.decode(raw)
    return pickle.loads(pickled)  # type: ignore[arg-type]
