"""The search index shipped with the site: one entry per published case, public fields only.

``search-index.json`` is for programs and web servers; ``search-index.js`` holds the same
entries as a script, because a page opened from disk (``file://``) may load a script beside
it but not read a JSON file. ``search.js`` matches every word typed against each entry's text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from procurement.core import codelists as cl
from procurement.publishing.model import Summary
from procurement.reporting.formatting import label

JSON = "search-index.json"
SCRIPT = "search-index.js"


def entry(summary: Summary) -> dict[str, Any]:
    return {
        "r": summary.reference,
        "t": summary.title,
        "c": summary.city_name,
        "y": summary.year,
        "s": label(cl.Sector, summary.sector),
        "p": label(cl.Procedure, summary.procedure),
        "a": [label(cl.InnovationApproach, a) for a in summary.approaches],
        "u": summary.path,
    }


def index_texts(summaries: Sequence[Summary]) -> tuple[str, str]:
    """The index as JSON and as a script (ASCII only: safe in any page and any parser)."""
    entries = [entry(s) for s in summaries]
    text = json.dumps(entries, ensure_ascii=True, separators=(",", ":"))
    return text + "\n", f"window.SITE_INDEX = {text};\n"
