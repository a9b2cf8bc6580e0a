"""``procurement cpv``: find CPV 2008 codes by words of their label."""

from __future__ import annotations

import click

from procurement.cli.output import emit, format_option


@click.group()
def cpv() -> None:
    """Look up codes of the CPV 2008 vocabulary.

    \b
    Example:
      procurement cpv search electric bus
    """


@cpv.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, help="Show at most this many codes.")
@format_option()
def search(words: tuple[str, ...], limit: int, fmt: str) -> None:
    """Codes whose label holds every one of WORDS (or whose code starts with them).

    \b
    Example:
      procurement cpv search street lighting
    """
    from procurement.core.cpv import search as find

    rows = [{"code": c, "label": label} for c, label in find(" ".join(words), limit)]
    if not rows and fmt == "table":
        raise click.ClickException(f"no CPV code matches '{' '.join(words)}'; try fewer words")
    emit(rows, fmt)
