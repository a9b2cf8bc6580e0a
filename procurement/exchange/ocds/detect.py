"""Cheap sniffing of OCDS files: is it OCDS, which text encoding, JSON Lines or one document."""

from __future__ import annotations

import codecs
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from procurement.core.limits import check_regular_file

SNIFF_BYTES = 64 * 1024
OCDS_KEYS = re.compile(rb'"(releases|records|ocid|compiledRelease)"\s*:')
CHUNK = 1 << 20
MAX_FIRST_LINE = 1 << 20


def looks_like_ocds(path: Path) -> bool:
    """True if the first bytes of ``path`` hold an OCDS key (releases, records, ocid).
    BadInput if ``path`` is not a regular file (a FIFO would hang, /dev/zero never end)."""
    check_regular_file(path)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return OCDS_KEYS.search(head) is not None


@dataclass(frozen=True)
class Encoding:
    name: str  # a Python codec name
    problem: str | None  # why it is not UTF-8 (None when it is)


def sniff_encoding(path: Path) -> Encoding:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or else Windows-1252 / Latin-1.

    The whole file is read once in chunks through an incremental decoder, so a stray byte
    deep in a big file is found without holding the file in memory. BadInput if ``path`` is
    not a regular file.
    """
    check_regular_file(path)
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return Encoding("utf-16", None)
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        while True:
            chunk = handle.read(CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                where = offset + exc.start
                byte = chunk[exc.start] if exc.start < len(chunk) else 0
                break
            if not chunk:
                return Encoding("utf-8-sig", None)
            offset += len(chunk)
    with path.open("rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                chunk.decode("cp1252")
            name, label = "cp1252", "Windows-1252"
        except UnicodeDecodeError:
            name, label = "latin-1", "Latin-1 (ISO 8859-1)"
    return Encoding(
        name,
        f"is not UTF-8 (byte 0x{byte:02X} at offset {where}); read as {label}: "
        "check accented names, or convert the file to UTF-8",
    )


class Utf8Reader(io.RawIOBase):
    """A binary stream of UTF-8 bytes read from a file in another encoding (streamed)."""

    def __init__(self, raw: IO[bytes], encoding: str) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.buffer = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = CHUNK if size is None or size < 0 else size
        while len(self.buffer) < want and not self.done:
            chunk = self.raw.read(CHUNK)
            self.buffer += self.decoder.decode(chunk, final=not chunk).encode("utf-8")
            self.done = not chunk
        out, self.buffer = self.buffer[:want], self.buffer[want:]
        return out

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_utf8(path: Path, encoding: Encoding) -> IO[bytes]:
    """``path`` as a binary stream of UTF-8 without BOM."""
    raw = path.open("rb")
    if encoding.name == "utf-8-sig":
        if raw.read(3) != codecs.BOM_UTF8:
            raw.seek(0)
        return raw
    return io.BufferedReader(Utf8Reader(raw, encoding.name), CHUNK)


def is_json_lines(path: Path, encoding: Encoding) -> bool:
    """JSON Lines: by name (.jsonl, .ndjson), or a first line that is a whole JSON object
    followed by more lines starting with '{'."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    with open_utf8(path, encoding) as stream:
        first = stream.readline(MAX_FIRST_LINE)
        second = b""
        if first.endswith(b"\n"):
            while not second.strip():
                second = stream.readline(MAX_FIRST_LINE)
                if not second:
                    break
    if not first.strip().startswith(b"{") or not second.strip().startswith(b"{"):
        return False
    try:
        json.loads(first)
    except ValueError:
        return False
    except RecursionError:  # a whole object, too deep to read here: the reader skips it
        return True
    return True
