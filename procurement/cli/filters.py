"""The case filters shared by ``case list``, ``export`` and the reports."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from procurement.core import codelists as cl

F = TypeVar("F", bound=Callable[..., Any])


def _choice(codelist: type[cl.Codelist]) -> click.Choice[str]:
    return click.Choice(codelist.values(), case_sensitive=False)


def case_filter_options(func: F) -> F:
    """Add the filter options and pass a ``flt: CaseFilter`` keyword to the command."""

    @click.option(
        "--city",
        multiple=True,
        metavar="CODE",
        help="Only cases of this city (repeatable), e.g. --city HEL.",
    )
    @click.option(
        "--status",
        multiple=True,
        type=_choice(cl.Status),
        help="Only cases with this status (repeatable).",
    )
    @click.option(
        "--procedure",
        multiple=True,
        type=_choice(cl.Procedure),
        help="Only cases with this procedure (repeatable).",
    )
    @click.option(
        "--sector",
        multiple=True,
        type=_choice(cl.Sector),
        help="Only cases of this sector (repeatable).",
    )
    @click.option(
        "--ppp/--no-ppp", default=None, help="Only PPP cases, or only cases without PPP details."
    )
    @click.option(
        "--year",
        multiple=True,
        type=click.IntRange(1990, 2100),
        help="Only cases of this year (award, else publication) (repeatable).",
    )
    @click.option(
        "--search",
        metavar="TEXT",
        help="Only cases whose title, description or lessons learned contain TEXT.",
    )
    @functools.wraps(func)
    def wrapper(
        *args: Any,
        city: tuple[str, ...],
        status: tuple[str, ...],
        procedure: tuple[str, ...],
        sector: tuple[str, ...],
        ppp: bool | None,
        year: tuple[int, ...],
        search: str | None,
        **kwargs: Any,
    ) -> Any:
        from procurement.cases.query import CaseFilter

        kwargs["flt"] = CaseFilter(
            city=[c.upper() for c in city],
            status=[s.lower() for s in status],
            procedure=[p.lower() for p in procedure],
            sector=[s.lower() for s in sector],
            ppp=ppp,
            year=list(year),
            search=search,
        )
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
