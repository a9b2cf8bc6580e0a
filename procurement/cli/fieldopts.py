"""Click options generated from the field vocabulary, shared by ``case``, ``ppp`` and ``outcome``.

Each field becomes its kebab-cased flag (``--estimated-value``). List fields take a
repeatable singular flag (``--innovation-approach``, ``--risk``, ``--kpi``, ``--document``;
the plural vocabulary name works too), yes/no fields a ``--NAME/--no-NAME`` switch. The values
stay raw text: the one validation layer parses them, so every problem is reported at once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.shell_completion import CompletionItem

from procurement.cases.fields import Field, field_comment
from procurement.core import codelists as cl

if TYPE_CHECKING:
    from sqlalchemy import Connection

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]
COMPLETION_LIMIT = 50

ENV_INTERACTIVE = "PROCUREMENT_INTERACTIVE"
SINGULAR = {
    "innovation_approaches": "innovation-approach",
    "risks": "risk",
    "kpis": "kpi",
    "documents": "document",
}
METAVAR = {
    "text": "TEXT",
    "longtext": "TEXT",
    "date": "YYYY-MM-DD",
    "money": "AMOUNT",
    "integer": "N",
    "code": "CODE",
    "codes": "CODE",
    "cpv": "CPV",
    "currency": "CUR",
    "country": "CC",
    "email": "EMAIL",
    "city": "CITY",
    "organisation": "NAME",
    "percent": "PERCENT",
    "rating": "1-5",
    "risks": "CATEGORY=ALLOC",
    "kpis": "NAME=ACHIEVED[:UNIT[:BASELINE[:TARGET[:lower|higher]]]]",
    "documents": '"URL TITLE"',
}


def interactive(no_input: bool = False) -> bool:
    """Prompt or not: never with ``--no-input``; ``PROCUREMENT_INTERACTIVE=1``/``0`` forces
    the choice (tests drive prompts through it); otherwise only when stdin is a terminal."""
    if no_input:
        return False
    forced = os.environ.get(ENV_INTERACTIVE, "").strip()
    if forced in ("1", "0"):
        return forced == "1"
    return sys.stdin.isatty()


def values_of(field: Field) -> list[tuple[str, str]]:
    """The codes a field takes and their labels (a codelist, the currencies), else none."""
    if field.codelist is not None:
        return [(m.value, m.label) for m in field.codelist]
    if field.kind == "currency":
        return list(cl.CURRENCIES.items())
    return []


def _database_url(ctx: click.Context) -> str:
    """The registry the command line being completed names (``--database`` or its env
    variable, else the default): while completing, no command callback has run."""
    from procurement.cli.context import AppContext
    from procurement.storage.engine import default_database_url

    current: click.Context | None = ctx
    while current is not None:
        if isinstance(current.obj, AppContext) and current.obj.database:
            return current.obj.database
        given = current.params.get("database")
        if isinstance(given, str) and given.strip():
            return given
        current = current.parent
    return default_database_url()


def read_registry(ctx: click.Context, read: Callable[[Connection], list[T]]) -> list[T]:
    """What ``read`` finds in the registry, for shell completion: never an error (a missing
    file, a server that is down or an old schema give nothing), never a new file."""
    try:
        from pathlib import Path

        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from procurement.storage.engine import parse_url

        url = parse_url(_database_url(ctx))
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            if not database or database == ":memory:" or not Path(database).expanduser().is_file():
                return []
            engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 1})
        else:
            engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                return read(connection)
        finally:
            engine.dispose()
    except Exception:
        return []


def complete_city(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """The codes of the registry's cities that start with what is typed (their names as help)."""
    from sqlalchemy import select

    from procurement.storage.schema import cities

    prefix = incomplete.strip().upper()

    def read(connection: Connection) -> list[CompletionItem]:
        rows = connection.execute(
            select(cities.c.code, cities.c.name)
            .where(cities.c.code.startswith(prefix, autoescape=True))
            .order_by(cities.c.code)
            .limit(COMPLETION_LIMIT)
        )
        return [CompletionItem(code, help=name) for code, name in rows]

    return read_registry(ctx, read)


def _completer(field: Field) -> Completer | None:
    if field.kind == "city":
        return complete_city
    if field.kind == "risks":

        def risks(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
            if "=" in incomplete:
                category = incomplete.split("=", 1)[0]
                return [
                    CompletionItem(f"{category}={m.value}", help=m.label)
                    for m in cl.RiskAllocation
                    if f"{category}={m.value}".startswith(incomplete)
                ]
            return [
                CompletionItem(f"{m.value}=", help=m.label)
                for m in cl.RiskCategory
                if m.value.startswith(incomplete)
            ]

        return risks
    values = values_of(field)
    if not values:
        return None

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        low = incomplete.lower()
        return [CompletionItem(v, help=label) for v, label in values if v.lower().startswith(low)]

    return complete


def option_for(field: Field, *, show_required: bool = True) -> Callable[[F], F]:
    """The click option of one field (its value stays raw text for the validation layer)."""
    kebab = field.name.replace("_", "-")
    text = (
        field_comment(field) if show_required else field_comment(field).removesuffix(" Required.")
    )
    if field.kind == "boolean":
        return click.option(f"--{kebab}/--no-{kebab}", field.name, default=None, help=text)
    if field.name in SINGULAR:
        return click.option(
            f"--{SINGULAR[field.name]}",
            f"--{kebab}",
            field.name,
            multiple=True,
            metavar=METAVAR[field.kind],
            help=f"{text} Repeatable.",
            shell_complete=_completer(field),
        )
    return click.option(
        field.flag,
        field.name,
        metavar=METAVAR[field.kind],
        help=text,
        shell_complete=_completer(field),
    )


def field_options(fields: Sequence[Field], *, show_required: bool = True) -> Callable[[F], F]:
    """Add one option per field (in vocabulary order in ``--help``)."""

    def decorate(func: F) -> F:
        for field in reversed(fields):
            func = option_for(field, show_required=show_required)(func)
        return func

    return decorate


def collect(fields: Iterable[Field], params: dict[str, Any]) -> dict[str, Any]:
    """Pop the fields' options out of ``params``: the raw mapping of the values given."""
    raw: dict[str, Any] = {}
    for field in fields:
        value = params.pop(field.name, None)
        if value is None or value == ():
            continue
        if field.kind in ("codes", "risks"):
            raw[field.name] = ";".join(value)
        elif field.kind == "documents":
            raw[field.name] = "\n".join(value)
        elif field.kind == "kpis":
            raw[field.name] = list(value)
        else:
            raw[field.name] = value
    return raw


def merge_keyed(raw: dict[str, Any], current: Mapping[str, Any], *, clear: set[str]) -> None:
    """Merge given risks (by category) and KPIs (by name) into the stored ones, in place.

    Values that do not parse are left as given, for the validation layer to report.
    A field named in ``clear`` starts from nothing instead of the stored values.
    """
    from procurement.cases.validate import PARSERS, Invalid

    for name in ("risks", "kpis"):
        if name not in raw and name not in clear:
            continue
        try:
            new = PARSERS[name](raw[name]) if name in raw else EMPTY_KEYED[name]
        except Invalid:
            continue
        stored = EMPTY_KEYED[name] if name in clear else current.get(name) or EMPTY_KEYED[name]
        if name == "risks":
            raw[name] = {**stored, **new}
        else:
            given = {k["name"]: k for k in new}
            merged = [given.pop(k["name"], k) for k in stored]
            raw[name] = merged + list(given.values())


EMPTY_KEYED: dict[str, Any] = {"risks": {}, "kpis": []}
