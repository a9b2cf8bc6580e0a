"""Limits on what the registry reads, checked before the work starts.

Small hostile files must not take the memory or the time of the machine: JSON documents are
nested at most :data:`MAX_DEPTH` levels, numbers are bounded before any arithmetic, a case
file (``case add --from``) is at most :data:`CASE_FILE_BYTES`, and only regular files are
read (a FIFO would hang, ``/dev/zero`` never ends).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from procurement.core.errors import BadInput

MiB = 1024 * 1024
MAX_DEPTH = 64  # levels of JSON (or YAML) nesting; real OCDS needs fewer than 20
MAX_NUMBER_EXPONENT = 40  # numbers beyond 10^40 (or nearer 0 than 10^-40) are refused
MAX_NUMBER_CHARS = 100  # a JSON number written with more characters is refused unread
CASE_FILE_BYTES = 1 * MiB  # case add --from


def check_regular_file(path: Path) -> os.stat_result:
    """The file's status; BadInput if ``path`` is not a regular file (a FIFO, a device such
    as /dev/zero, a directory), which could hang or never end."""
    try:
        status = path.stat()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(status.st_mode):
        raise BadInput(f"not a regular file: {path}")
    return status


def open_regular(path: Path) -> IO[bytes]:
    """``path`` opened for reading in binary; BadInput if it is not a regular file. The file
    is opened without blocking and checked once open, so a FIFO never hangs."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise BadInput(f"not a regular file: {path}") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadInput(f"not a regular file: {path}")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``; BadInput if it is larger than ``limit``
    (``what`` names the kind of file in the message)."""
    with open_regular(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        size = f"{limit // MiB:,} MB" if limit >= MiB else f"{limit // 1024:,} KB"
        raise BadInput(f"{path} is larger than {size}; {what} may be at most {size}")
    return data


class Refused:
    """Put in place of a JSON value that is beyond the limits (too deep, a number out of
    bounds): whatever holds it is refused, naming where and ``problem``."""

    __slots__ = ("problem",)

    def __init__(self, problem: str) -> None:
        self.problem = problem

    def __repr__(self) -> str:
        return f"Refused({self.problem!r})"


TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


def number_problem(value: Decimal) -> str | None:
    """Why the decimal ``value`` is refused (None if it is within bounds). Only its exponent
    is looked at: nothing is computed with it."""
    if not value.is_finite():
        return "not a finite number"
    if value and not -MAX_NUMBER_EXPONENT <= value.adjusted() < MAX_NUMBER_EXPONENT:
        return f"the number {str(value)[:40]} is beyond the bounds (10^{MAX_NUMBER_EXPONENT})"
    return None


def bounded_decimal(text: str) -> Decimal | Refused:
    """A JSON number's text as a Decimal, or :class:`Refused` when it is too long or out of
    bounds (for ``json.loads(parse_float=...)``)."""
    if len(text) > MAX_NUMBER_CHARS:
        return Refused(f"a number written with more than {MAX_NUMBER_CHARS} characters")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return Refused(f"the number {text[:40]} is beyond the bounds (10^{MAX_NUMBER_EXPONENT})")
    problem = number_problem(value)
    return value if problem is None else Refused(problem)


def refused_constant(text: str) -> Refused:
    """``NaN``, ``Infinity`` and ``-Infinity`` (for ``json.loads(parse_constant=...)``)."""
    return Refused(f"{text} is not a finite number")


def _children(value: Any) -> Iterator[tuple[Any, Any]]:
    if value.__class__ is dict:
        return iter(value.items())
    return enumerate(value)


def limit_depth(value: Any, *, depth: int = 1, limit: int = MAX_DEPTH) -> int:
    """Replace every object or array of the JSON value ``value`` (itself at level ``depth``)
    that sits deeper than ``limit`` by :class:`Refused`; the number replaced."""
    replaced = 0
    level = [value] if value.__class__ in (dict, list) else []
    while level:
        below: list[Any] = []
        for container in level:
            for key, child in _children(container):
                if child.__class__ is dict or child.__class__ is list:
                    if depth >= limit:
                        container[key] = Refused(TOO_DEEP)
                        replaced += 1
                    else:
                        below.append(child)
        level = below
        depth += 1
    return replaced


def find_refused(value: Any) -> tuple[str, str] | None:
    """(where, problem) of the first :class:`Refused` in the JSON value ``value``, where as
    a path such as ``tender.value.amount`` (None if there is none)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, Refused):
            return json_path(path), node.problem
        if node.__class__ is dict or node.__class__ is list:
            stack.extend((child, (*path, key)) for key, child in _children(node))
    return None


def json_path(path: tuple[Any, ...], *, steps: int = 6) -> str:
    """``("tender", "items", 0, "id")`` as ``tender.items[0].id`` (long paths shortened)."""
    out = ""
    for step in path[:steps]:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    if len(path) > steps:
        out += ".…"
    return out or "(the whole value)"


__all__ = [
    "CASE_FILE_BYTES",
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "MAX_NUMBER_EXPONENT",
    "TOO_DEEP",
    "Refused",
    "bounded_decimal",
    "check_regular_file",
    "find_refused",
    "json_path",
    "limit_depth",
    "number_problem",
    "open_regular",
    "read_limited",
    "refused_constant",
]
