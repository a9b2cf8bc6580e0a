"""Writing the cases an import from outside (:mod:`.outside`) made: a batch at once, or one by
one when the database refuses the batch, skipping only the cases it refuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from procurement.core.errors import ProcurementError
from procurement.exchange.outside import refusal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from procurement.cases.store.create import BulkWriter
    from procurement.cases.store.prepared import Prepared

# What refuses one contracting process (it is skipped with the reason, :func:`.outside.refusal`;
# the others go on).
REFUSALS = (ProcurementError, SQLAlchemyError)

T = TypeVar("T")


def write_imported(
    session: Session,
    writer: BulkWriter,
    pending: Sequence[T],
    *,
    prepared: Callable[[T], Prepared],
    given: Callable[[T], str | None],
    columns: Callable[[Prepared, dt.datetime], Mapping[str, Any]],
    refused: Callable[[T, str], None],
) -> list[T]:
    """Write imported cases in one batch; if the database refuses the batch, one by one,
    ``refused`` being told of each it refuses (the others are written). Before each retry a
    case's reference is put back to the one its source gave (``given``: None, a new one).
    Returns the cases written, in order."""
    try:
        with session.begin_nested():
            writer.write([prepared(n) for n in pending], action="import", columns=columns)
        return list(pending)
    except SQLAlchemyError:
        pass
    written: list[T] = []
    for n in pending:
        prepared(n).reference = given(n)
        try:
            with session.begin_nested():
                writer.write([prepared(n)], action="import", columns=columns)
            written.append(n)
        except SQLAlchemyError as exc:
            prepared(n).reference = given(n)
            refused(n, refusal(exc))
    return written
