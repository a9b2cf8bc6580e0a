"""Codelist labels in the officer's language.

The eForms code lists (``contract-nature``, ``procurement-procedure-type``) carry labels in
every EU language; where a registry code has an eForms equivalent its label in Danish, German,
Estonian, Finnish, Latvian, Lithuanian, Polish and Swedish is shipped in
``procurement/data/codelist-labels.json`` (eForms SDK, Publications Office of the European
Union, CC BY 4.0). Guided entry shows a codelist in the language chosen with ``--lang`` or
``PROCUREMENT_LANG`` (English where no label exists), and every input path accepts a label in
any of these languages as the code it names.

The registry's code  → eForms code (BT-23 contract nature, BT-105 procedure type):

| field     | registry code                   | eForms code  |
|-----------|---------------------------------|--------------|
| category  | goods                           | supplies     |
| category  | services                        | services     |
| category  | works                           | works        |
| procedure | open                            | open         |
| procedure | restricted                      | restricted   |
| procedure | competitive-negotiation         | neg-w-call   |
| procedure | competitive-dialogue            | comp-dial    |
| procedure | innovation-partnership          | innovation   |
| procedure | negotiated-without-publication  | neg-wo-call  |
"""

from __future__ import annotations

import os
from functools import cache

from procurement.core.errors import BadInput

ENV_LANG = "PROCUREMENT_LANG"
ENGLISH = "en"
# The languages of the member cities that eForms labels exist in (ISO 639-1), and English.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "da": "Dansk",
    "de": "Deutsch",
    "et": "Eesti",
    "fi": "Suomi",
    "lt": "Lietuvių",
    "lv": "Latviešu",
    "pl": "Polski",
    "sv": "Svenska",
}

_chosen: list[str] = []


@cache
def _table() -> dict[str, dict[str, dict[str, str]]]:
    import json  # loaded when a label is first needed: `--help` never pays for it
    from importlib import resources

    text = resources.files("procurement").joinpath("data/codelist-labels.json").read_text("utf-8")
    labels: dict[str, dict[str, dict[str, str]]] = json.loads(text)["labels"]
    return labels


def parse_language(value: str) -> str:
    """A language code from ``--lang`` / ``PROCUREMENT_LANG`` (``fi``, ``FI``, ``fi_FI.UTF-8``)."""
    code = value.strip().split(".")[0].split("_")[0].split("-")[0].lower()
    if code not in LANGUAGES:
        raise BadInput(
            f"unknown language '{value}'; give one of {', '.join(LANGUAGES)} (--lang or {ENV_LANG})"
        )
    return code


def use(language: str | None) -> None:
    """Show labels in ``language`` from now on (None: from PROCUREMENT_LANG, else English)."""
    _chosen[:] = [parse_language(language)] if language else []


def current() -> str:
    """The language labels are shown in."""
    if _chosen:
        return _chosen[0]
    env = os.environ.get(ENV_LANG, "").strip()
    return parse_language(env) if env else ENGLISH


def label(field: str, code: str, english: str, language: str | None = None) -> str:
    """The label of ``code`` of codelist field ``field`` in ``language`` (the current one by
    default), or ``english`` where eForms has none."""
    language = language or current()
    if language == ENGLISH:
        return english
    return _table().get(field, {}).get(code, {}).get(language) or english


def translations(field: str) -> dict[str, str]:
    """Every label in every language of the codelist field ``field``, lower-cased, to the
    registry code it names."""
    found: dict[str, str] = {}
    for code, by_language in _table().get(field, {}).items():
        for language, text in by_language.items():
            if language in LANGUAGES:
                found[text.casefold()] = code
    return found
