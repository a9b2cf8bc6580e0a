"""Analysts' reports: one module per report (``compare``, ``ppp``, ``best_practice``,
``case_page``, ``trends``) with what they share in ``common`` and ``network`` (ranks and
bands); charts (``charts``), rendering (``render``)."""

from __future__ import annotations

from procurement.reporting.best_practice import build_best_practice
from procurement.reporting.case_page import build_case
from procurement.reporting.compare import build_compare
from procurement.reporting.ppp import build_ppp
from procurement.reporting.render import FORMATS, templates_dir, write_report
from procurement.reporting.trends import build_trends

__all__ = [
    "FORMATS",
    "build_best_practice",
    "build_case",
    "build_compare",
    "build_ppp",
    "build_trends",
    "templates_dir",
    "write_report",
]
