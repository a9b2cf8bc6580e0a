"""Load the illustrative demo data set into the registry (fictional cases only).

The cases come from :mod:`procurement.demo.generator`; this module is the only part of
the demo data set that writes, and it writes through the ``procurement.cases`` API, so
the validation layer checks every value. Every case carries ``source_publisher =
DEMO_PUBLISHER``; reports made from such cases say that the data are fictional.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.cases.fields import DEMO_PUBLISHER
from procurement.cases.store import update as store
from procurement.core.errors import ProcurementError
from procurement.demo.generator import DEFAULT_SEED, generate_demo_cases
from procurement.demo.tables import CITY_CODES
from procurement.storage.models import City


def load_demo(*, session: Session, user: str = "demo", seed: int = DEFAULT_SEED) -> list[str]:
    """Store the illustrative data set through the library API; returns the new references.

    Each case is created, then given its PPP details and its outcome in separate steps,
    as an officer would record them, so the audit trail shows a realistic history. The
    caller commits.
    """
    found = {
        c.code: c.currency for c in session.scalars(select(City).where(City.code.in_(CITY_CODES)))
    }
    missing = [code for code in CITY_CODES if code not in found]
    if missing:
        raise ProcurementError(
            f"the demo data need the member cities {', '.join(missing)}; "
            "run `procurement init` to load them"
        )
    provenance = {"source_publisher": DEMO_PUBLISHER}
    references: list[str] = []
    for demo in generate_demo_cases(seed=seed, currencies=found):
        case = store.add_case(session=session, data=demo.data, user=user, provenance=provenance)
        if demo.ppp:
            store.set_ppp(session=session, reference=case.reference, data=demo.ppp, user=user)
        if demo.outcome:
            store.set_outcome(
                session=session, reference=case.reference, data=demo.outcome, user=user
            )
        references.append(case.reference)
    return references
