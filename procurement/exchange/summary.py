"""What an import did: the summary every importer (spreadsheet, JSON, OCDS) returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportSummary:
    source: str
    dry_run: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else ""
        head = (
            f"{self.source}: {len(self.created)} {verb} created, {len(self.updated)} {verb} "
            f"updated, {len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )
        out = [" ".join(head.split())]
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"skipped {where}: {reason}" for where, reason in self.skipped]
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        return out
