"""Files the program writes: whole or not at all, never through a planted link.

Every export, report, template, backup and write-back is written to a temporary file in the
target's own folder and renamed onto the target only when complete (:func:`atomic_path`).
The temporary file has a random name and is created exclusively (``O_CREAT | O_EXCL |
O_NOFOLLOW``), so a link or file planted beside the target (``FILE.partial`` pointing at
another registry) is never followed or overwritten. Files get the permissions any other new
file would (the umask decides), except ``private`` ones (backups, drafts): owner only.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from procurement.core.errors import BadInput, ProcurementError

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


class DiskFull(ProcurementError):
    """The disk (or the user's quota) is full: nothing was written."""


def check_target(path: Path, *, force: bool = False, protected: Sequence[Path] = ()) -> None:
    """Refuse an output file that exists (unless ``force``), whose folder does not exist,
    that is not a regular file, or that is one of ``protected`` (the registry itself)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BadInput(f"the folder {folder} does not exist; create it first or choose another")
    resolved = path.resolve()
    for other in protected:
        if resolved == other.resolve():
            raise BadInput(f"{path} is the registry's own database file; choose another file")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise BadInput(f"{path} is not a regular file; choose another file name")
    if path.exists() and not force:
        raise BadInput(f"{path} exists already; choose another name, or add --force to replace it")


@contextmanager
def atomic_path(target: Path, *, private: bool = False) -> Iterator[Path]:
    """Yield the path of a new, empty temporary file beside ``target``; rename it onto
    ``target`` when the block completes, remove it otherwise. A full disk is reported as
    :class:`DiskFull` and leaves nothing behind."""
    folder = target.parent if str(target.parent) else Path(".")
    temporary = folder / f".{target.name}.{secrets.token_hex(8)}.partial"
    try:
        descriptor = os.open(temporary, _CREATE, 0o600 if private else 0o666)
    except FileExistsError:  # pragma: no cover - 64 random bits
        raise ProcurementError(f"could not create a temporary file in {folder}") from None
    except OSError as exc:
        raise _os_error(exc, target) from None
    os.close(descriptor)
    try:
        yield temporary
        os.replace(temporary, target)
    except OSError as exc:
        raise _os_error(exc, target) from None
    finally:
        temporary.unlink(missing_ok=True)


def _os_error(exc: OSError, target: Path) -> ProcurementError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(
            f"the disk is full: {target} was not written; free some space and try again"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = (exc.strerror or "not allowed").lower()
        return BadInput(f"cannot write {target}: {reason}; choose another place")
    return ProcurementError(f"cannot write {target}: {exc.strerror or exc}")


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error (an OSError, or a database error wrapping one) means a full disk."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return "database or disk is full" in text or "no space left on device" in text
