"""Guided questions on a terminal for what a case still lacks.

Each question explains its field in one line, offers codelists as a numbered menu (a number,
a code or a label is accepted), searches CPV labels when the answer is not a code, and checks
the answer with the validation layer's parser at once: a wrong answer is explained and asked
again, never fatal. Cross-field rules are checked on the whole case before the summary.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

import click

from procurement.cases.cities import city_code
from procurement.cases.fields import ASSIGNED, CASE_FIELDS, FIELD_BY_NAME, REQUIRED_FIELDS, Field
from procurement.cases.formats import cell_text
from procurement.cases.validate import PARSERS, Invalid, validate
from procurement.cases.values import organisation_key
from procurement.core import codelists as cl
from procurement.core import cpv as cpv_vocabulary
from procurement.core import labels
from procurement.core.errors import ValidationError

CPV_LIKE = re.compile(r"^\d{8}(-\d)?$")


def _style(text: str, **styles: Any) -> str:
    if os.environ.get("NO_COLOR"):
        return text
    return click.style(text, **styles)


def _choices(field: Field, cities: Mapping[str, str]) -> list[tuple[str, str]]:
    if field.codelist is not None:
        return [(m.value, labels.label(field.name, m.value, m.label)) for m in field.codelist]
    if field.kind == "city":
        return sorted(cities.items())
    if field.kind == "currency":
        return list(cl.CURRENCIES.items())
    return []


def _resolve(answer: str, choices: list[tuple[str, str]]) -> str:
    """A menu number as its code; anything else unchanged (the parser takes codes and labels)."""
    text = answer.strip()
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1][0]
    return text


CPV_SHOWN = 15


def _search_cpv(answer: str) -> str | None:
    """Let the officer pick a CPV code among those whose label holds the words of ``answer``."""
    matches = cpv_vocabulary.search(answer)
    if not matches:
        click.echo(f"  No CPV label contains '{answer}'; try other or fewer words, or a code.")
        return None
    found = matches[:CPV_SHOWN]
    shown = f"the best {len(found)} of {len(matches)}" if len(matches) > len(found) else "all"
    click.echo(f"  CPV codes matching '{answer}' ({shown}, whole words first):")
    for number, (code, label) in enumerate(found, 1):
        click.echo(f"  {number:>3}  {code}  {label}")
    if len(matches) > len(found):
        click.echo("  Not there? Press Enter and type more words to narrow down.")
    picked = click.prompt(
        "  Number of the code (Enter to search again)", default="", show_default=False
    ).strip()
    if picked.isdigit() and 1 <= int(picked) <= len(found):
        return found[int(picked) - 1][0]
    if picked and CPV_LIKE.match(picked):
        return picked
    return None


class Organisations:
    """The organisations already recorded, offered when an officer types a buyer or a
    supplier: Tab completes a name on a terminal, and a name that is not recorded but
    resembles recorded ones lists them to pick from (so one buyer is not recorded twice)."""

    SHOWN = 8

    def __init__(self, names: Sequence[str] = ()) -> None:
        self.names = list(names)

    @cached_property
    def by_key(self) -> dict[str, str]:
        return {organisation_key(n): n for n in self.names}

    @contextlib.contextmanager
    def completion(self) -> Iterator[None]:
        """Tab completes the whole answer (spaces included) from the recorded names while
        a question is asked on a terminal; the line editor's set-up is restored after."""
        try:
            import readline
        except ImportError:  # no line editor on this platform: suggestions still come after
            readline = None  # type: ignore[assignment]
        if readline is None or not self.names or not sys.stdin.isatty():
            yield
            return
        before = readline.get_completer(), readline.get_completer_delims()
        found: list[str] = []

        def complete(text: str, state: int) -> str | None:
            if state == 0:
                typed = text.casefold()
                found[:] = [n for n in self.names if n.casefold().startswith(typed)]
            return found[state] if state < len(found) else None

        readline.set_completer(complete)
        readline.set_completer_delims("")
        readline.parse_and_bind("tab: complete")
        try:
            yield
        finally:
            readline.set_completer(before[0])
            readline.set_completer_delims(before[1])

    def similar(self, answer: str) -> list[str]:
        """Recorded names that contain the answer, or are spelled almost like it."""
        key = organisation_key(answer)
        if not key:
            return []
        containing = [n for k, n in self.by_key.items() if key in k]
        close = difflib.get_close_matches(key, list(self.by_key), n=self.SHOWN, cutoff=0.8)
        shown = [*containing, *(self.by_key[k] for k in close)]
        return list(dict.fromkeys(shown))[: self.SHOWN]

    def settle(self, answer: str) -> str:
        """The recorded spelling of ``answer``'s organisation, one the officer picks among
        similar recorded names, or ``answer`` itself (a new organisation)."""
        recorded = self.by_key.get(organisation_key(answer))
        if recorded is not None:
            if recorded != answer:
                click.echo(f"  Recorded as '{recorded}' (the same organisation).")
            return recorded
        similar = self.similar(answer)
        if not similar:
            return answer
        click.echo(f"  Organisations already recorded that resemble '{answer}':")
        for number, name in enumerate(similar, 1):
            click.echo(f"  {number:>3}  {name}")
        while True:
            picked = click.prompt(
                f"  Number of the organisation (Enter to record '{answer}' as a new one)",
                default="",
                show_default=False,
            ).strip()
            if not picked:
                return answer
            if picked.isdigit() and 1 <= int(picked) <= len(similar):
                return similar[int(picked) - 1]
            click.echo(_style(f"  Not accepted: give a number from 1 to {len(similar)}.", fg="red"))


LEAVE_HINT = "Ctrl-C leaves; your answers are kept as a draft"


def required_message(field: Field) -> str:
    """Why an empty answer to a required question is asked again."""
    return f"{field.name} is required: no case is stored without it. Type a value ({LEAVE_HINT})."


def ask(
    field: Field,
    *,
    cities: Mapping[str, str],
    current: Any = None,
    error: str | None = None,
    organisations: Organisations | None = None,
) -> Any:
    """Ask for one field until the answer passes its parser; returns the raw answer
    (``None`` when an optional field is skipped)."""
    click.echo("")
    click.echo(_style(field.label, bold=True) + f": {field.help}")
    choices = _choices(field, cities)
    if choices and field.kind != "currency":
        width = max(len(code) for code, _ in choices)
        for number, (code, label) in enumerate(choices, 1):
            shown = f"{code.ljust(width)}  {label}" if label != code else code
            click.echo(f"  {number:>2}  {shown}".rstrip())
    if field.kind == "codes":
        hint = " (numbers or codes, separated by commas; Enter for none)"
    elif choices and field.kind != "currency":
        hint = " (number or code)"
    else:
        hint = "" if field.required else " (Enter to skip)"
    if error:
        click.echo(_style(f"  Not accepted: {error}", fg="red"))
    default = "" if current is None else cell_text(field.name, current) or str(current)
    names = (
        organisations
        if field.kind == "organisation" and organisations is not None and organisations.names
        else None
    )
    if names is not None:
        hint += " (Tab completes a recorded name)"
    while True:
        # never default=None: click would ask again in silence after an empty answer
        with names.completion() if names is not None else contextlib.nullcontext():
            answer: str = click.prompt(
                f"{field.label}{hint}", default=default, show_default=bool(default)
            ).strip()
        if not answer:
            if field.required:
                click.echo(_style(f"  {required_message(field)}", fg="red"))
                continue
            return None
        numbers = [a for a in re.split(r"[,;\s]+", answer) if a.isdigit()]
        wrong = [n for n in numbers if not 1 <= int(n) <= len(choices)]
        if choices and wrong:
            click.echo(
                _style(
                    f"  Not accepted: the list has no number {wrong[0]}. Please try again.",
                    fg="red",
                )
            )
            continue
        if field.kind == "codes":
            answer = ";".join(_resolve(a, choices) for a in re.split(r"[,;\s]+", answer) if a)
        elif choices:
            answer = _resolve(answer, choices)
        if field.kind == "cpv" and not CPV_LIKE.match(answer):
            picked = _search_cpv(answer)
            if picked is None:
                continue
            answer = picked
        try:
            PARSERS[field.name](answer)
        except Invalid as exc:
            click.echo(_style(f"  Not accepted: {exc}. Please try again.", fg="red"))
            continue
        if field.kind == "city":
            known = city_code(answer, {c: [name] for c, name in cities.items()})
            if known is None or known not in cities:
                click.echo(
                    _style(
                        f"  Not accepted: unknown city '{answer}'; "
                        "give a number, a code or a name from the list.",
                        fg="red",
                    )
                )
                continue
            return known
        if names is not None:
            return names.settle(answer)
        return answer


def _check(raw: Mapping[str, Any], cities: Mapping[str, str]) -> dict[str, Any]:
    return validate(raw, cities=set(cities), require=REQUIRED_FIELDS, ignore=ASSIGNED)


def _fix_until_valid(
    raw: dict[str, Any], cities: Mapping[str, str], organisations: Organisations
) -> dict[str, Any]:
    """Ask again for every missing or refused field until the whole case passes."""
    while True:
        try:
            return _check(raw, cities)
        except ValidationError as exc:
            order = {name: i for i, name in enumerate(FIELD_BY_NAME)}
            for problem in sorted(exc.errors, key=lambda e: order.get(e.field, -1)):
                field = FIELD_BY_NAME.get(problem.field)
                if field is None:
                    click.echo(
                        _style(f"Leaving out '{problem.field}': not a field of a case.", fg="red")
                    )
                    raw.pop(problem.field, None)
                    continue
                given = raw.get(field.name)
                blank = given is None or (isinstance(given, str) and not given.strip())
                plain_missing = blank and problem.message.startswith("is required (")
                raw[field.name] = ask(
                    field,
                    cities=cities,
                    error=None if plain_missing else problem.message,
                    organisations=organisations,
                )


def _summary(clean: Mapping[str, Any]) -> None:
    click.echo("")
    click.echo(_style("Summary of the case", bold=True))
    for field in CASE_FIELDS:
        value = clean.get(field.name)
        if value in (None, [], {}, ""):
            continue
        text = cell_text(field.name, value).replace("\n", "; ")
        click.echo(f"  {field.label:<24} {text}")


MENU_COLUMNS = 3


def _field_menu() -> list[Field]:
    """Show the fields of a case as a numbered menu; the fields in menu order."""
    fields = list(CASE_FIELDS)
    rows = -(-len(fields) // MENU_COLUMNS)
    click.echo("")
    click.echo(_style("Fields you can change", bold=True))
    cells = [f"{number:>4}  {field.label}" for number, field in enumerate(fields, 1)]
    width = max(len(c) for c in cells) + 2
    for row in range(rows):
        click.echo("".join(c.ljust(width) for c in cells[row::rows]).rstrip())
    return fields


def _pick_field(answer: str, fields: list[Field]) -> Field | None:
    """The field an answer names: its menu number, its name or its label (any case)."""
    text = answer.strip()
    if text.isdigit():
        number = int(text)
        return fields[number - 1] if 1 <= number <= len(fields) else None
    wanted = re.sub(r"[\s_-]+", "_", text.lower())
    for field in fields:
        if wanted in (field.name, re.sub(r"[\s_-]+", "_", field.label.lower())):
            return field
    return None


def _change_one(
    answers: dict[str, Any],
    clean: Mapping[str, Any],
    cities: Mapping[str, str],
    organisations: Organisations,
) -> bool:
    """The field menu: the officer picks a field and answers it again. False when they press
    Enter to go back to the summary unchanged."""
    fields = _field_menu()
    while True:
        name = click.prompt(
            "Field to change (number or name; Enter to see the summary again)",
            default="",
            show_default=False,
        ).strip()
        if not name:
            return False
        chosen = _pick_field(name, fields)
        if chosen is None:
            click.echo(
                _style(
                    f"  '{name}' is not a field of a case: give a number from 1 to "
                    f"{len(fields)} or a name, e.g. title.",
                    fg="red",
                )
            )
            continue
        answers[chosen.name] = ask(
            chosen, cities=cities, current=clean.get(chosen.name), organisations=organisations
        )
        return True


def complete_case(
    answers: dict[str, Any],
    *,
    cities: Mapping[str, str],
    organisations: Organisations | None = None,
) -> dict[str, Any]:
    """Prompt for what ``answers`` lacks (and what it has wrong), show a summary and ask to
    confirm; ``n`` opens the field menu to change a field, then the summary comes again.

    ``answers`` (raw values) is completed in place, so that whoever calls this still has
    every answer typed so far when the officer leaves (Ctrl-C, end of input): see
    :mod:`procurement.cli.drafts`. Returns ``answers`` once the officer confirms.
    ``cities`` maps the known city codes to their names (for the menu); ``organisations``
    are the recorded buyers and suppliers, offered while typing one.
    """
    known = organisations or Organisations()
    click.echo("New case. Answer the questions; nothing is stored until you confirm.")
    clean = _fix_until_valid(answers, cities, known)
    optional = [f for f in CASE_FIELDS if not f.required and f.name not in answers]
    if optional and click.confirm(
        "\nAdd optional details now (description, CPV, dates, values, supplier...)?",
        default=False,
    ):
        click.echo("Press Enter to skip a question.")
        for field in optional:
            answer = ask(field, cities=cities, organisations=known)
            if answer is not None:
                answers[field.name] = answer
        clean = _fix_until_valid(answers, cities, known)
    while True:
        _summary(clean)
        if click.confirm("\nStore this case?", default=True):
            return answers
        if _change_one(answers, clean, cities, known):
            clean = _fix_until_valid(answers, cities, known)
