"""Dataclasses pickled as their class and field values.

The OCDS importer's helper process sends thousands of prepared cases a second to the
importer: pickled as ``(class, (field values...))`` they are written and read back a fifth
faster than by their ``__dict__`` (the default).
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, TypeVar

T = TypeVar("T")


def by_fields(cls: type[T]) -> type[T]:
    """Class decorator: pickle the dataclass ``cls`` as ``cls(*field values)`` (every field
    must be an ``__init__`` argument, in the order declared)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    assert all(f.init for f in fields), cls
    names = tuple(f.name for f in fields)
    get = operator.attrgetter(*names)

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
        values = get(self)
        return (type(self), values if len(names) > 1 else (values,))

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls
