"""The CPV 2008 vocabulary (main vocabulary, English labels), shipped inside the package."""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib import resources

CPV_PATTERN = re.compile(r"^\d{8}-\d$")


@cache
def vocabulary() -> dict[str, str]:
    """Every CPV 2008 code with its English label."""
    text = resources.files("procurement").joinpath("data/cpv-2008-en.csv").read_text("utf-8")
    rows = csv.reader(io.StringIO(text))
    next(rows)  # header: code,label
    return {code: label for code, label in rows}


def label(code: str) -> str | None:
    return vocabulary().get(code)


def search(text: str, limit: int = 15) -> list[tuple[str, str]]:
    """Codes whose label contains every word of ``text`` (or whose code starts with it)."""
    words = text.lower().split()
    found: list[tuple[str, str]] = []
    for code, lab in vocabulary().items():
        low = lab.lower()
        if (words and all(w in low for w in words)) or (text and code.startswith(text.strip())):
            found.append((code, lab))
            if len(found) >= limit:
                break
    return found
