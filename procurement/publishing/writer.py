"""The incremental writer: a site file is rewritten only when its bytes change.

Each file is compared with what is on disk and, only when it differs, written to a temporary
file beside it and renamed onto it (:func:`procurement.core.files.atomic_path`, with the
permissions any new file gets: a web server reads them). The files of a build are listed in a
manifest (``.procurement-site.json``); the next build deletes the files of the previous one
it did not write again (a case no longer published, a facet left empty), and nothing else.
A folder that holds other files but no manifest is refused, so a build never mixes with or
deletes files it did not make.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from procurement.core.errors import BadInput
from procurement.core.files import atomic_path

MANIFEST = ".procurement-site.json"


class SiteWriter:
    def __init__(self, root: Path) -> None:
        if root.exists() and not root.is_dir():
            raise BadInput(f"{root} is not a folder; give a folder for the site")
        if root.is_symlink():
            raise BadInput(f"{root} is a symbolic link; give the folder itself")
        manifest = root / MANIFEST
        previous: dict[str, Any] = {}
        if root.is_dir():
            if manifest.is_file():
                try:
                    previous = json.loads(manifest.read_text("utf-8"))
                except ValueError:
                    previous = {}
            elif any(root.iterdir()):
                raise BadInput(
                    f"{root} holds files but no site built by procurement "
                    f"(no {MANIFEST}); give an empty or new folder"
                )
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.previous_files: set[str] = set(previous.get("files") or [])
        self.previous_state: dict[str, Any] = dict(previous.get("state") or {})
        self.files: set[str] = set()
        self.written: list[str] = []
        self.unchanged = 0
        self.removed: list[str] = []
        self._folders: set[Path] = {root}

    def _target(self, rel: str) -> Path:
        if rel.startswith("/") or ".." in rel.split("/") or rel == MANIFEST or "\\" in rel:
            raise ValueError(f"not a site file: {rel}")
        return self.root / rel

    def _folder(self, path: Path) -> None:
        folder = path.parent
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)

    def write(self, rel: str, data: bytes | str) -> bool:
        """Write ``rel`` (relative to the site) unless it already holds ``data``; whether
        it was written."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path = self._target(rel)
        self.files.add(rel)
        if _holds(path, raw):
            self.unchanged += 1
            return False
        self._folder(path)
        with atomic_path(path) as temporary:
            temporary.write_bytes(raw)
        self.written.append(rel)
        return True

    def write_with(
        self, rel: str, make: Callable[[Path], object], same: Callable[[Path, Path], bool]
    ) -> bool:
        """Write ``rel`` by ``make(temporary path)``; keep the existing file when
        ``same(existing, temporary)`` (files whose bytes hold a time stamp, such as XLSX)."""
        path = self._target(rel)
        self.files.add(rel)
        self._folder(path)
        try:
            with atomic_path(path) as temporary:
                make(temporary)
                if path.is_file() and not path.is_symlink() and same(path, temporary):
                    raise _Same
        except _Same:
            self.unchanged += 1
            return False
        self.written.append(rel)
        return True

    def keep(self, rel: str) -> bool:
        """Keep ``rel`` as it is (its content is known to be current); False if it is missing."""
        path = self._target(rel)
        if not path.is_file() or path.is_symlink():
            return False
        self.files.add(rel)
        self.unchanged += 1
        return True

    def finish(self, state: dict[str, Any]) -> None:
        """Delete the previous build's files not written this time; write the manifest."""
        for rel in sorted(self.previous_files - self.files):
            try:
                path = self._target(rel)
            except ValueError:
                continue
            if path.is_file() or path.is_symlink():
                path.unlink()
                self.removed.append(rel)
                _remove_empty_parents(path.parent, self.root)
        manifest = {"files": sorted(self.files), "state": state}
        raw = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")
        path = self.root / MANIFEST
        if not _holds(path, raw):
            with atomic_path(path) as temporary:
                temporary.write_bytes(raw)


class _Same(Exception):
    """The file made is the same as the one on disk: the temporary file is dropped."""


def _holds(path: Path, raw: bytes) -> bool:
    try:
        if path.is_symlink():
            return False
        stat = path.stat()
    except OSError:
        return False
    if stat.st_size != len(raw):
        return False
    with path.open("rb") as handle:
        return handle.read() == raw


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = folder.parent
