"""``procurement outcome``: what a delivered case achieved."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from procurement.cases.fields import FIELD_BY_NAME, OUTCOME_FIELDS
from procurement.cli.context import AppContext, pass_app
from procurement.cli.fieldopts import collect, field_options, merge_keyed
from procurement.cli.output import dumps, format_option
from procurement.core.errors import BadInput

FIELDS = (
    FIELD_BY_NAME["status"],
    FIELD_BY_NAME["completed_on"],
    FIELD_BY_NAME["final_value"],
    *OUTCOME_FIELDS,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@click.group()
def outcome() -> None:
    """Record the outcome of a delivered case: cost, dates, innovation, KPIs, lessons.

    \b
    Example:
      procurement outcome set HEL-2025-001 --status completed --final-value 1150000 \\
        --innovation-achieved yes --satisfaction 4 --kpi co2-reduction=120:t/yr:0:100
    """


@outcome.command("set")
@click.argument("reference")
@field_options(FIELDS, show_required=False)
@click.option(
    "--clear-kpis",
    is_flag=True,
    help="Forget the recorded KPIs first (otherwise --kpi adds one or changes one by name).",
)
@format_option("text", "json", default="text")
@pass_app
def set_(app: AppContext, /, reference: str, clear_kpis: bool, fmt: str, **params: Any) -> None:
    """Set the outcome of a case; only the options given change.

    Each --kpi adds a key performance indicator or changes the one of the same name:
    NAME=ACHIEVED[:UNIT[:BASELINE[:TARGET[:lower|higher]]]] (lower: lower values are
    better, e.g. emissions). Flagging best practice needs a rationale.

    \b
    Example:
      procurement outcome set HEL-2025-001 --status completed --completed-on 2027-05-31 \\
        --final-value 1150000 --innovation-achieved partial --satisfaction 4 \\
        --lessons-learned "Market dialogue early saved a year." \\
        --kpi co2-reduction=120:t/yr:0:100 --kpi energy-saved=300:MWh/yr \\
        --best-practice --best-practice-rationale "First outcome-based bus contract."
    """
    from procurement.cases.query import get_case
    from procurement.cases.store.update import set_outcome
    from procurement.cases.values import case_values

    raw = collect(FIELDS, params)
    if not raw and not clear_kpis:
        raise BadInput(
            f"nothing to set: give at least one option, e.g. "
            f"`procurement outcome set {reference} --satisfaction 4` (see --help)"
        )

    def work(session: Session) -> tuple[str, dict[str, Any]]:
        data = dict(raw)
        # locked before reading: a concurrent change of the same case waits, then is merged
        current = case_values(get_case(session=session, reference=reference, lock=True))
        merge_keyed(data, current, clear={"kpis"} if clear_kpis else set())
        found, changes = set_outcome(
            session=session, reference=reference, data=data, user=app.username
        )
        return found.reference, changes

    ref, changes = app.run_in_transaction(work)
    if fmt == "json":  # for scripts: what was stored
        click.echo(dumps({"reference": ref, "changes": changes}))
    elif changes:
        click.echo(f"Updated outcome of {ref}: {', '.join(changes)}.")
    else:
        click.echo(f"No change to {ref}: the values given are the ones stored.")
