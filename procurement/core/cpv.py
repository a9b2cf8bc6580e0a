"""The CPV 2008 vocabulary (main vocabulary, English labels), shipped inside the package."""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib import resources


@cache
def labels() -> dict[str, str]:
    """Every CPV 2008 code with its English label."""
    text = resources.files("procurement").joinpath("data/cpv-2008-en.csv").read_text("utf-8")
    rows = csv.reader(io.StringIO(text))
    next(rows)  # header: code,label
    return {code: label for code, label in rows}


def label(code: str) -> str | None:
    return labels().get(code)


def search(text: str) -> list[tuple[str, str]]:
    """Codes matching ``text``, best first: codes starting with it; then labels holding every
    word of it, ranked by how each word matches (a whole word before the start of a word
    before the inside of one: ``bus`` finds "Electric buses" before "Tea bushes" or
    "Business forms"), then by the shorter label (more general), then by code."""
    query = text.strip()
    if not query:
        return []
    if query[:1].isdigit():
        return [(c, lab) for c, lab in labels().items() if c.startswith(query)]
    words = [w for w in re.split(r"\W+", query.casefold()) if w]
    ranked: list[tuple[int, int, str, str]] = []
    for code, label in labels().items():
        low = label.casefold()
        score = 0
        for word in words:
            rank = _word_rank(word, low)
            if rank is None:
                break
            score += rank
        else:
            ranked.append((score, len(label), code, label))
    ranked.sort()
    return [(code, label) for _, _, code, label in ranked]


def _word_rank(word: str, label: str) -> int | None:
    """0: a whole word of the label (or its plural), 1: the start of a word, 2: inside a
    word, None: not in the label."""
    if word not in label:
        return None
    if re.search(rf"\b{re.escape(word)}(e?s)?\b", label):
        return 0
    if re.search(rf"\b{re.escape(word)}", label):
        return 1
    return 2
