"""Domain errors. The library raises these; the CLI turns them into one-line messages."""

from __future__ import annotations

from dataclasses import dataclass


class ProcurementError(Exception):
    """Base of every error the registry reports to a user. ``exit_code`` 2 means bad input."""

    exit_code = 1


class BadInput(ProcurementError):
    exit_code = 2


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


class ValidationError(BadInput):
    """All problems found in one input, each naming its field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(self.summary())

    def summary(self) -> str:
        if len(self.errors) == 1:
            return f"invalid input: {self.errors[0]}"
        return f"{len(self.errors)} problems: " + "; ".join(str(e) for e in self.errors)

    @property
    def fields(self) -> list[str]:
        return [e.field for e in self.errors]


class NotFound(BadInput):
    pass


class DatabaseError(ProcurementError):
    pass


class PermissionDenied(ProcurementError):
    pass
