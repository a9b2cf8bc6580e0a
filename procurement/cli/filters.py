"""The case filters shared by ``case list``, ``export`` and the reports.

A value no case could have (a typo such as ``--city RIG`` or ``--status finshed``) is an
error naming the allowed values, never an empty result that looks like "no data".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click
from click.shell_completion import CompletionItem

from procurement.cli.fieldopts import complete_city
from procurement.core import codelists as cl
from procurement.core.errors import BadInput

F = TypeVar("F", bound=Callable[..., Any])


def _complete(
    codelist: type[cl.Codelist],
) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return [
            CompletionItem(m.value, help=m.label)
            for m in codelist
            if m.value.startswith(incomplete.lower())
        ]

    return complete


def _codes(option: str, values: Sequence[str], codelist: type[cl.Codelist]) -> list[str]:
    """The codes of ``values`` (codes or labels, any case) or BadInput naming the allowed ones."""
    from procurement.cases.validate import shown

    codes: list[str] = []
    for value in values:
        try:
            codes.append(codelist.parse(value).value)
        except ValueError:
            raise BadInput(
                f"--{option}: '{shown(value)}' is not one of: {', '.join(codelist.values())}"
            ) from None
    return codes


def _city_codes(values: Sequence[str]) -> list[str]:
    """The codes of the cities ``values`` name (code, English or local name, ignoring case and
    diacritics), or BadInput naming the cities of the registry."""
    if not values:
        return []
    from sqlalchemy import select

    from procurement.cases.cities import city_code
    from procurement.cases.validate import shown
    from procurement.cli.context import AppContext
    from procurement.storage.schema import cities

    app = click.get_current_context().find_object(AppContext)
    assert app is not None
    with app.read_session() as session:
        rows = session.execute(
            select(cities.c.code, cities.c.name, cities.c.local_name).order_by(cities.c.code)
        ).all()
    names = {code: (name, local) for code, name, local in rows}
    codes: list[str] = []
    for value in values:
        code = city_code(value, names)
        if code is None or code not in names:
            known = ", ".join(f"{code} ({name})" for code, (name, _) in names.items())
            raise BadInput(
                f"--city: unknown city '{shown(value)}'; give a code or a name of: {known}"
            )
        codes.append(code)
    return codes


def case_filter_options(func: F) -> F:
    """Add the filter options and pass a ``flt: CaseFilter`` keyword to the command."""

    @click.option(
        "--city",
        multiple=True,
        metavar="CODE",
        shell_complete=complete_city,
        help="Only cases of this city (repeatable): its code or name, e.g. --city HEL.",
    )
    @click.option(
        "--status",
        multiple=True,
        metavar="CODE",
        shell_complete=_complete(cl.Status),
        help=f"Only cases with this status (repeatable): {', '.join(cl.Status.values())}.",
    )
    @click.option(
        "--procedure",
        multiple=True,
        metavar="CODE",
        shell_complete=_complete(cl.Procedure),
        help=f"Only cases with this procedure (repeatable): {', '.join(cl.Procedure.values())}.",
    )
    @click.option(
        "--sector",
        multiple=True,
        metavar="CODE",
        shell_complete=_complete(cl.Sector),
        help=f"Only cases of this sector (repeatable): {', '.join(cl.Sector.values())}.",
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
            city=_city_codes(city),
            status=_codes("status", status, cl.Status),
            procedure=_codes("procedure", procedure, cl.Procedure),
            sector=_codes("sector", sector, cl.Sector),
            ppp=ppp,
            year=list(year),
            search=search,
        )
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
