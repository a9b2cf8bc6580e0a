"""One output writer: table (rich on a terminal, plain text when piped), CSV or JSON.

CSV goes through :mod:`procurement.cases.formats`, like every CSV the program writes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def format_option(*choices: str, default: str = "table") -> Callable[[F], F]:
    """Add ``--format`` with the given choices."""
    names = choices or ("table", "csv", "json")
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(names),
        default=default,
        show_default=True,
        help="Output format: a readable table, CSV for spreadsheets, JSON for scripts.",
    )


def include_contacts_option(func: F) -> F:
    """Add ``--include-contacts``: the one switch for personal data in any output."""
    return click.option(
        "--include-contacts",
        is_flag=True,
        help="Include the contact person's name and e-mail (personal data; left out unless asked).",
    )(func)


def dumps(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Write ``rows`` in ``fmt``. ``columns`` limit the table and CSV (JSON keeps every key)."""
    if fmt == "json":
        click.echo(dumps(list(rows)))
        return
    cols = list(columns or (rows[0].keys() if rows else []))
    if fmt == "csv":
        import io

        from procurement.cases.formats import write_csv

        buffer = io.StringIO()
        write_csv(buffer, cols, ([row.get(c) for c in cols] for row in rows))
        click.echo(buffer.getvalue(), nl=False)
        return
    if is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        for c in cols:
            table.add_column(c.replace("_", " "), overflow="fold")
        for row in rows:
            table.add_row(*[text(row.get(c)) for c in cols])
        Console().print(table)
        return
    widths = {c: max([len(c), *(len(text(r.get(c))) for r in rows)]) for c in cols}
    click.echo("  ".join(c.ljust(widths[c]) for c in cols).rstrip())
    for row in rows:
        click.echo("  ".join(text(row.get(c)).ljust(widths[c]) for c in cols).rstrip())


def text(value: Any) -> str:
    """A value on one line of a table."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(text(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}={text(v)}" for k, v in value.items())
    return str(value).replace("\n", " ")
