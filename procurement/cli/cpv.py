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
@click.option(
    "--limit", default=20, show_default=True, help="Show at most this many codes; 0 for all."
)
@format_option()
def search(words: tuple[str, ...], limit: int, fmt: str) -> None:
    """Codes whose label holds every one of WORDS (or whose code starts with them), best
    matches first: whole words, then starts of words, then parts of words.

    \b
    Example:
      procurement cpv search street lighting
      procurement cpv search 3414
    """
    from procurement.core.cpv import search as find

    found = find(" ".join(words))
    rows = [{"code": c, "label": label} for c, label in found[: limit or None]]
    if not rows and fmt == "table":
        raise click.ClickException(f"no CPV code matches '{' '.join(words)}'; try fewer words")
    emit(rows, fmt)
    if len(found) > len(rows):
        click.echo(
            f"{len(rows)} of {len(found)} matching codes shown; add words to narrow down, "
            "or --limit 0 for all.",
            err=True,
        )
