"""Sharing best practice between cities' registries through OCDS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.cases.query import history
from procurement.cases.store.update import add_case, set_outcome
from procurement.storage.engine import make_engine
from procurement.storage.models import Case
from tests.helpers import assert_ok, case_data, closing, empty_registry, run_on

HELSINKI = {
    "PROCUREMENT_OCDS_PUBLISHER_NAME": "Helsinki procurement registry",
    "PROCUREMENT_OCDS_PUBLISHER_URI": "https://hel.example.fi/registry",
}
RIGA = {
    "PROCUREMENT_OCDS_PUBLISHER_NAME": "Riga procurement registry",
    "PROCUREMENT_OCDS_PUBLISHER_URI": "https://rix.example.lv/registry",
}
BEST = {
    "status": "completed",
    "innovation_achieved": "yes",
    "best_practice": True,
    "best_practice_rationale": "Worth copying.",
}


def test_best_practice_shared_between_registries(
    session: Session, run: Callable[..., Result], tmp_path: Path, sqlite_template: Path
) -> None:
    """Helsinki (a SQLite registry) shares with Riga (the test database, both backends)."""
    run = closing(session, run)
    helsinki = empty_registry(tmp_path, sqlite_template, "helsinki.sqlite")
    engine = make_engine(helsinki)
    with Session(engine) as hel:
        shared = add_case(session=hel, data=case_data(title="Electric buses"), user="hel")
        set_outcome(session=hel, reference=shared.reference, data=BEST, user="hel")
        add_case(session=hel, data=case_data(title="Not shared"), user="hel")
        hel.commit()
        shared_ref = shared.reference
    # Riga's own case, shared with Helsinki earlier: Helsinki holds an imported copy
    riga_own = add_case(session=session, data=case_data(city="RIX", title="Riga trams"), user="r")
    set_outcome(session=session, reference=riga_own.reference, data=BEST, user="r")
    session.commit()
    to_helsinki = tmp_path / "riga-best.json"
    assert_ok(
        run("export", "--best-practice", "--format", "ocds", "-o", str(to_helsinki), env=RIGA)
    )
    assert_ok(run_on(helsinki, "import", str(to_helsinki)))

    package = tmp_path / "helsinki-best.json"
    assert_ok(
        run_on(
            helsinki,
            "export",
            "--best-practice",
            "--format",
            "ocds",
            "--validate",
            "-o",
            str(package),
            "--force",  # Helsinki's newer export replaces the file it sent before
            env=HELSINKI,
        )
    )
    releases = json.loads(package.read_text("utf-8"))["releases"]
    assert sorted(r["baltmet"]["reference"] for r in releases) == sorted(
        [shared_ref, riga_own.reference]
    )
    copy = next(r for r in releases if r["ocid"] == riga_own.ocid)
    assert copy["baltmet"]["origin"] == {
        "city": "RIX",
        "registry": "Riga procurement registry",
        "registryUri": "https://rix.example.lv/registry",
    }

    result = assert_ok(run("import", str(package), env=RIGA))
    assert result.output.splitlines() == [
        "helsinki-best.json: 1 created, 0 updated, 0 unchanged, 1 skipped",
        f"skipped helsinki-best.json, release {copy['id']} (ocid {riga_own.ocid}): "
        f"{riga_own.reference} was recorded in this registry: an imported copy never "
        "overwrites it",
    ]
    session.expire_all()
    cases = {c.ocid: c for c in session.scalars(select(Case))}
    imported = cases[f"ocds-baltmt-{shared_ref}"]
    assert (imported.reference, imported.city_code, imported.origin) == (
        shared_ref,
        "HEL",
        "imported",
    )
    assert imported.source_publisher == "Helsinki procurement registry"
    assert imported.outcome is not None and imported.outcome.best_practice
    assert cases[riga_own.ocid].origin == "local"
    assert cases[riga_own.ocid].title == "Riga trams"

    # Helsinki updates its case and shares again: only the imported copy changes
    from procurement.cases.store.update import update_case

    with Session(engine) as hel:
        update_case(
            session=hel,
            reference=shared_ref,
            data={"lessons_learned": "Charge at the depot."},
            user="hel",
        )
        hel.commit()
    engine.dispose()
    assert_ok(
        run_on(
            helsinki,
            "export",
            "--best-practice",
            "--format",
            "ocds",
            "-o",
            str(package),
            "--force",  # Helsinki's newer export replaces the file it sent before
            env=HELSINKI,
        )
    )
    result = assert_ok(run("import", str(package), env=RIGA))
    assert result.output.splitlines()[0] == (
        "helsinki-best.json: 0 created, 1 updated, 0 unchanged, 1 skipped"
    )
    session.expire_all()
    updated = session.scalars(select(Case).where(Case.reference == shared_ref)).one()
    assert updated.outcome is not None
    assert updated.outcome.lessons_learned == "Charge at the depot."
    event = history(session=session, reference=shared_ref)[0]
    assert event.changes["lessons_learned"] == {"old": None, "new": "Charge at the depot."}

    # Riga passes Helsinki's case on: its origin is still Helsinki
    onward = tmp_path / "riga-again.json"
    assert_ok(run("export", "--best-practice", "--format", "ocds", "-o", str(onward), env=RIGA))
    again = {r["ocid"]: r for r in json.loads(onward.read_text("utf-8"))["releases"]}
    assert again[f"ocds-baltmt-{shared_ref}"]["baltmet"]["origin"] == {
        "city": "HEL",
        "registry": "Helsinki procurement registry",
        "registryUri": "https://hel.example.fi/registry",
    }
