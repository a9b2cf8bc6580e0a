"""``procurement ppp``: the public-private partnership details of a case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from procurement.cases.fields import PPP_FIELDS
from procurement.cli.context import AppContext, pass_app
from procurement.cli.fieldopts import collect, field_options, merge_keyed
from procurement.cli.output import dumps, format_option
from procurement.core.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@click.group()
def ppp() -> None:
    """Record the PPP details of a case: model, payment, finance, risk allocation.

    \b
    Example:
      procurement ppp set HEL-2025-001 --ppp-model dbfo --payment-mechanism availability \\
        --risk construction=private --risk change-in-law=public
    """


@ppp.command("set")
@click.argument("reference")
@field_options(PPP_FIELDS)
@click.option(
    "--clear-risks",
    is_flag=True,
    help="Forget the recorded risk allocation first (otherwise --risk adds to it or "
    "changes one category).",
)
@format_option("text", "json", default="text")
@pass_app
def set_(app: AppContext, /, reference: str, clear_risks: bool, fmt: str, **params: Any) -> None:
    """Set PPP details of a case; only the options given change.

    A case gets PPP details once --ppp-model is set; each --risk adds or changes the
    allocation of one risk category. Clear the model with `procurement case edit REF
    --set ppp_model=` to remove the PPP details.

    \b
    Example:
      procurement ppp set HEL-2025-001 --ppp-model dbfo --duration-years 25 \\
        --capex 48000000 --private-finance-share 70 --psc-value 52000000 \\
        --vfm-percent 7.5 --financial-close 2025-09-30 --ppp-status active \\
        --risk construction=private --risk demand=shared
    """
    from procurement.cases.query import get_case
    from procurement.cases.store.update import set_ppp
    from procurement.cases.values import case_values

    raw = collect(PPP_FIELDS, params)
    if not raw and not clear_risks:
        raise BadInput(
            f"nothing to set: give at least one option, e.g. "
            f"`procurement ppp set {reference} --ppp-model dbfo` (see --help)"
        )

    def work(session: Session) -> tuple[str, dict[str, Any]]:
        data = dict(raw)
        # locked before reading: a concurrent change of the same case waits, then is merged
        current = case_values(get_case(session=session, reference=reference, lock=True))
        merge_keyed(data, current, clear={"risks"} if clear_risks else set())
        found, changes = set_ppp(session=session, reference=reference, data=data, user=app.username)
        return found.reference, changes

    ref, changes = app.run_in_transaction(work)
    if fmt == "json":  # for scripts: what was stored
        click.echo(dumps({"reference": ref, "changes": changes}))
    elif changes:
        click.echo(f"Updated PPP details of {ref}: {', '.join(changes)}.")
    else:
        click.echo(f"No change to {ref}: the values given are the ones stored.")
