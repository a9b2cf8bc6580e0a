"""Bounded retry of a whole transaction when the database is momentarily busy.

Two officers writing at the same moment can make the database refuse one of them:
SQLite says "database is locked" when its busy timeout runs out, PostgreSQL aborts one
transaction with a serialization failure (SQLSTATE 40001) or a deadlock (40P01). The
refused transaction has changed nothing, so the safe answer is to run it again, from its
start, after a short random pause (exponential backoff with full jitter). After a few
tries the user gets one clear line instead of a driver error.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from procurement.core.errors import DatabaseError

T = TypeVar("T")

ATTEMPTS = 5
BASE_DELAY = 0.05  # seconds before the second try (on average half of it)
MAX_DELAY = 2.0
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
SQLITE_BUSY_WORDS = ("database is locked", "database is busy", "database table is locked")


def is_retryable(exc: BaseException) -> bool:
    """True when ``exc`` (a SQLAlchemy or driver error) means "busy: try again"."""
    orig: BaseException | None = exc
    seen = 0
    while orig is not None and seen < 5:  # SQLAlchemy wraps the driver error in .orig
        sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if sqlstate in RETRYABLE_SQLSTATES:
            return True
        if isinstance(orig, sqlite3.OperationalError):
            text = str(orig).lower()
            return any(word in text for word in SQLITE_BUSY_WORDS)
        orig = getattr(orig, "orig", None)
        seen += 1
    return False


def backoff(attempt: int, *, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 0): full jitter."""
    return random.uniform(0, min(cap, base * 2**attempt))


def busy_message(attempts: int = 1, waited: float = 0.0) -> str:
    tried = f"tried {attempts} times over {waited:.1f} s" if attempts > 1 else "tried once"
    return (
        f"the database stayed busy with other officers' changes: {tried} and nothing was "
        "saved; run the command again in a moment"
    )


def retrying(
    fn: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Call ``fn`` until it succeeds; retry only busy errors, at most ``attempts`` times.

    ``fn`` must be a whole transaction (begin to commit), so that a retry starts afresh.
    Raises :class:`DatabaseError` with a one-line message when every try was refused.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    started = time.monotonic()
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            if attempt == attempts - 1:
                raise DatabaseError(busy_message(attempts, time.monotonic() - started)) from None
            if on_retry is not None:
                on_retry(attempt + 1, exc)
            sleep(backoff(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
