"""Where notices come from: files, folders, zip and tar archives, one notice at a time; and
the one safe XML parser.

A folder is walked in name order, an archive read member by member (tar as a stream), so a
bulk download of any size never sits in memory: only the notice being read does (at most
:data:`MAX_NOTICE_BYTES`). XML from outside is hostile until proven otherwise: a document
with a DOCTYPE (where entities, the "billion laughs" and external entities, XXE, live) is
refused before parsing, and the parser itself resolves no entity, loads no DTD and never
touches the network.
"""

from __future__ import annotations

import re
import stat
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from procurement.core.errors import BadInput

MAX_NOTICE_BYTES = 32 * 2**20  # the largest real eForms notices are a few MB
MAX_ARCHIVE_MEMBERS = 1_000_000
XML_SUFFIXES = (".xml",)
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


class NoticeRefused(Exception):
    """A notice that cannot be read (the reason is the message); the others are kept."""


@dataclass(frozen=True)
class Source:
    """One notice's bytes and where they came from."""

    file: str  # the file's name as given (a path relative to a folder given)
    position: str | None  # the archive member, if any
    data: bytes

    @property
    def where(self) -> str:
        return f"{self.file}:{self.position}" if self.position else self.file


@dataclass(frozen=True)
class Unreadable:
    """A file or member that could not be read at all."""

    where: str
    reason: str


def kind_of(path: Path) -> str | None:
    """ "xml", "zip", "tar" from the name; None for anything else."""
    name = path.name.lower()
    if name.endswith(TAR_SUFFIXES):
        return "tar"
    if name.endswith(ZIP_SUFFIXES):
        return "zip"
    if name.endswith(XML_SUFFIXES):
        return "xml"
    return None


def _files(paths: Sequence[Path]) -> Iterator[tuple[Path, str]]:
    """Each file to read with the name it is reported under; folders in name order."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and kind_of(found):
                    yield found, str(found.relative_to(path.parent))
        else:
            yield path, path.name


def read_sources(paths: Sequence[Path]) -> Iterator[Source | Unreadable]:
    """Every notice in ``paths`` (files, folders, archives), one at a time."""
    for path, name in _files(paths):
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            yield Unreadable(name, f"cannot be read ({exc.strerror or exc})")
            continue
        if not stat.S_ISREG(mode):
            yield Unreadable(name, "not a regular file")
            continue
        kind = kind_of(path)
        try:
            if kind == "zip":
                yield from _zip(path, name)
            elif kind == "tar":
                yield from _tar(path, name)
            else:
                yield Source(name, None, _read_limited(path))
        except NoticeRefused as exc:
            yield Unreadable(name, str(exc))
        except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
            yield Unreadable(name, f"cannot be read as {kind or 'XML'} ({exc})")


def _read_limited(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_NOTICE_BYTES + 1)
    if len(data) > MAX_NOTICE_BYTES:
        raise NoticeRefused(f"larger than {MAX_NOTICE_BYTES // 2**20} MB: not a notice")
    return data


def _zip(path: Path, name: str) -> Iterator[Source | Unreadable]:
    with zipfile.ZipFile(path) as archive:
        for count, info in enumerate(archive.infolist()):
            if count >= MAX_ARCHIVE_MEMBERS:
                yield Unreadable(name, f"more than {MAX_ARCHIVE_MEMBERS:,} members; split it")
                return
            if info.is_dir() or not info.filename.lower().endswith(XML_SUFFIXES):
                continue
            if info.file_size > MAX_NOTICE_BYTES:
                yield Unreadable(f"{name}:{info.filename}", "larger than 32 MB: not a notice")
                continue
            with archive.open(info) as member:
                data = member.read(MAX_NOTICE_BYTES + 1)  # the declared size may lie
            if len(data) > MAX_NOTICE_BYTES:
                yield Unreadable(f"{name}:{info.filename}", "larger than 32 MB: not a notice")
                continue
            yield Source(name, info.filename[:100], data)


def _tar(path: Path, name: str) -> Iterator[Source | Unreadable]:
    # "r|*": a stream, member after member, whatever the compression
    with tarfile.open(path, mode="r|*") as archive:
        for count, member in enumerate(archive):
            if count >= MAX_ARCHIVE_MEMBERS:
                yield Unreadable(name, f"more than {MAX_ARCHIVE_MEMBERS:,} members; split it")
                return
            if not member.isfile() or not member.name.lower().endswith(XML_SUFFIXES):
                continue  # links, devices and folders are never followed
            if member.size > MAX_NOTICE_BYTES:
                yield Unreadable(f"{name}:{member.name}", "larger than 32 MB: not a notice")
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            yield Source(name, member.name[:100], handle.read(MAX_NOTICE_BYTES + 1))


# The one parser: no entities resolved, no DTD loaded, no network, no huge trees.
def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


_PARSER = _parser()


def _declares_a_dtd(data: bytes) -> bool:
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        # UTF-16 or UTF-32: look at the text
        for codec in ("utf-16", "utf-32"):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            return "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper()
        return True
    return _DTD.search(data) is not None


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_xml(data: bytes) -> etree._Element:
    """The root element of a notice's XML; NoticeRefused for XML that is malformed or
    declares a DTD or entities."""
    if _declares_a_dtd(data):
        raise NoticeRefused(
            "declares a DOCTYPE or entities, which eForms notices never do; refused for safety "
            "(entity expansion and external entities)"
        )
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise NoticeRefused(f"is not well-formed XML ({str(exc)[:150]})") from None
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or getattr(docinfo, "internalDTD", None) is not None:
        raise NoticeRefused("declares a DOCTYPE, which eForms notices never do; refused")
    return root


def check_paths(paths: Sequence[Path]) -> None:
    """Refuse a path that does not exist, before anything is read."""
    if not paths:
        raise BadInput("give a notice file, several files or a folder of notices")
    for path in paths:
        if not path.exists():
            raise BadInput(f"{path} does not exist")


__all__ = ["NoticeRefused", "Source", "Unreadable", "check_paths", "kind_of", "parse_xml"]
