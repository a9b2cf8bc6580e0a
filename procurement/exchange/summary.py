"""What an import did: the summary every importer (spreadsheet, JSON, OCDS) returns."""

from __future__ import annotations

from dataclasses import dataclass, field

# Up to this many rows, the import lists every row's reference and action without --verbose.
ROW_PLAN_LIMIT = 50


@dataclass
class ImportSummary:
    source: str
    dry_run: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    warnings: list[str] = field(default_factory=list)
    # Records skipped as wrong (not those skipped for a reason such as another city's buyer)
    refused: int = 0
    # Spreadsheets: (row, reference, "created" | "updated" | "unchanged") of every row; the
    # reference is None for a case a dry run would create with a new reference.
    rows: list[tuple[int, str | None, str]] = field(default_factory=list)

    def lines(self, *, per_row: bool | None = None) -> list[str]:
        """The summary line first, then each row's reference and action (``per_row``; by
        default for up to :data:`ROW_PLAN_LIMIT` rows), warnings and skipped items."""
        verb = "would be" if self.dry_run else ""
        head = (
            f"{self.source}: {len(self.created)} {verb} created, {len(self.updated)} {verb} "
            f"updated, {len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )
        out = [" ".join(head.split())]
        if per_row is None:
            per_row = len(self.rows) <= ROW_PLAN_LIMIT
        if per_row:
            out += self.row_lines()
        elif self.rows:
            out.append(f"({len(self.rows):,} rows: add --verbose to list each row's reference)")
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"skipped {where}: {reason}" for where, reason in self.skipped]
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        return out

    def nothing_read(self) -> bool:
        """Whether the input gave nothing but refused records: no case created, updated or
        found unchanged, and at least one record skipped as wrong."""
        return self.refused > 0 and not (self.created or self.updated or self.unchanged)

    def refusal(self) -> str:
        """The one-line error of an import that read nothing (see :meth:`nothing_read`)."""
        return (
            f"nothing was imported from {self.source}: every record was skipped (the reasons "
            "are listed above); fix them and import again"
        )

    def as_dict(self) -> dict[str, object]:
        """The summary for scripts (``import --json``): stable keys, every row's action."""
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "created": list(self.created),
            "updated": list(self.updated),
            "unchanged": list(self.unchanged),
            "skipped": [{"where": where, "reason": reason} for where, reason in self.skipped],
            "warnings": list(self.warnings),
            "rows": [
                {"row": row, "reference": reference, "action": action}
                for row, reference, action in sorted(self.rows, key=lambda r: r[0])
            ],
        }

    def row_lines(self) -> list[str]:
        """``  row 2: HEL-2026-008 created``, in the order of the file's rows."""
        out = []
        for row, reference, action in sorted(self.rows, key=lambda r: r[0]):
            shown = reference or "new case"
            if self.dry_run and action != "unchanged":
                action = f"would be {action}"
            out.append(f"  row {row}: {shown} {action}")
        return out
