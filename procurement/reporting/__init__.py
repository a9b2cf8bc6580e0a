"""Analysts' reports: data assembly (``assemble``), charts (``charts``), rendering (``render``)."""

from __future__ import annotations

from procurement.reporting.assemble import (
    build_best_practice,
    build_case,
    build_compare,
    build_ppp,
)
from procurement.reporting.render import FORMATS, templates_dir, write_report

__all__ = [
    "FORMATS",
    "build_best_practice",
    "build_case",
    "build_compare",
    "build_ppp",
    "templates_dir",
    "write_report",
]
