"""OCDS imports write new cases in batches: a bad release never costs the good ones their
place, and what is stored is what writing the cases one by one stores."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from procurement.cases import query
from procurement.cases.store import update as store
from procurement.cases.values import case_to_dict, case_values
from procurement.exchange.ocds.importer import import_ocds
from procurement.storage.models import AuditEvent, Case
from tests.helpers import assert_ok

DATA = Path(__file__).parent / "data" / "ocds"


def release(n: int, title: str = "Street lighting", **extra: Any) -> dict[str, Any]:
    return {
        "ocid": f"ocds-bulk01-{n:04d}",
        "id": f"r-{n}",
        "date": "2025-03-01T09:00:00Z",
        "tag": ["award"],
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": "LV-1", "name": "Rīgas pašvaldība"},
        "parties": [
            {"id": "LV-1", "name": "Rīgas pašvaldība", "roles": ["buyer", "procuringEntity"]}
        ],
        "tender": {
            "id": f"T-{n}",
            "title": f"{title} {n}",
            "status": "complete",
            "procurementMethod": "open",
            "mainProcurementCategory": "works",
            "value": {"amount": 1000 + n, "currency": "EUR"},
            "tenderPeriod": {"startDate": "2025-01-10T00:00:00Z"},
        },
        "awards": [
            {
                "id": f"A-{n}",
                "status": "active",
                "date": "2025-02-20T00:00:00Z",
                "suppliers": [{"id": "S-1", "name": "Gaisma SIA"}],
            }
        ],
        **extra,
    }


def poison(engine: Engine) -> None:
    """Make the database itself refuse a case titled 'Poisoned ...' (a trigger)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON cases "
                    "WHEN NEW.title LIKE 'Poisoned%' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.title LIKE 'Poisoned%' THEN RAISE EXCEPTION 'poisoned'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON cases "
                    "FOR EACH ROW EXECUTE FUNCTION poison()"
                )
            )


def write_lines(path: Path, releases: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in releases), encoding="utf-8")
    return path


def test_bad_releases_in_a_batch_do_not_cost_the_good_ones(
    run: Callable[..., Result], engine: Engine, session: Session, tmp_path: Path
) -> None:
    poison(engine)
    no_city = release(3)  # a buyer the city map does not know
    no_city["buyer"] = {"id": "XX-9", "name": "Elsewhere"}
    no_city["parties"] = [{"id": "XX-9", "name": "Elsewhere", "roles": ["buyer"]}]
    path = write_lines(
        tmp_path / "mixed.jsonl",
        [release(1), release(2), no_city, release(4, "Poisoned"), release(5)],
    )
    city_map = tmp_path / "cities.csv"
    city_map.write_text("buyer_identifier,city\nLV-1,RIX\n", encoding="utf-8")
    result = assert_ok(run("import", str(path), "--city-map", str(city_map)))
    out = result.output.splitlines()
    assert out[0] == "mixed.jsonl: 3 created, 0 updated, 0 unchanged, 2 skipped"
    skipped = [line for line in out if line.startswith("skipped ")]
    assert skipped[0].startswith("skipped mixed.jsonl, release r-3 (ocid ocds-bulk01-0003): ")
    assert "no city for this case" in skipped[0]
    assert skipped[1].startswith(
        "skipped mixed.jsonl, release r-4 (ocid ocds-bulk01-0004): the database refused it: "
    )
    assert "poisoned" in skipped[1]
    stored = {c.ocid: c.reference for c in session.scalars(select(Case))}
    # numbers as if written one by one: the refused case's number is not used up
    assert stored == {
        "ocds-bulk01-0001": "RIX-2025-001",
        "ocds-bulk01-0002": "RIX-2025-002",
        "ocds-bulk01-0005": "RIX-2025-003",
    }
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["import"] * 3


def snapshot(session: Session) -> list[Any]:
    session.expire_all()
    out = []
    for case in session.scalars(select(Case).order_by(Case.ocid)):
        extra = {k: v for k, v in (case.ocds_extra or {}).items() if k != "stamp"}
        data = case_to_dict(case, include_contacts=True)
        for key in ("created_at", "updated_at"):
            data.pop(key)
        [event] = query.history(session=session, reference=case.reference)
        out.append((data, extra, case.source_file, (event.action, event.user, event.changes)))
    return out


FILES = ["messy-releases.jsonl", "portal-release-package.json", "ppp-profile-release.json"]


def import_all(session: Session, tmp_path: Path, first: list[dict[str, Any]]) -> list[str]:
    lines = []
    for name in FILES:
        # the same file name each time: the file's name is part of what is stored
        target = tmp_path / name
        target.write_bytes((DATA / name).read_bytes())
        if name.endswith(".jsonl") and first:
            target.write_text(
                "".join(json.dumps(r) + "\n" for r in first) + target.read_text("utf-8")
            )
        summary = import_ocds(
            session=session, path=target, user="anna", city="RIX", city_map=DATA / "city-map.csv"
        )
        lines += summary.lines()
    return lines


def test_bulk_equals_one_by_one(session: Session, engine: Engine, tmp_path: Path) -> None:
    """A batch refused by the database is written again case by case: the cases stored
    both ways, with their OCDS data and audit events, are the same; and the same as
    adding each case by hand."""
    poison(engine)
    bulk_lines = import_all(session, tmp_path, [])
    bulk = snapshot(session)
    session.rollback()
    # a poisoned release at the head of the file: its batch is written one by one
    one_lines = import_all(session, tmp_path, [release(9, "Poisoned")])
    one = snapshot(session)
    assert len(bulk) >= 5
    assert one == bulk
    head, *rest = bulk_lines
    assert one_lines[0] == head.replace("2 skipped", "3 skipped")
    # (the lines of the file moved down by one)
    moved = [re.sub(r"line \d+", "line N", x) for x in one_lines[1:] if "-0009" not in x]
    assert moved == [re.sub(r"line \d+", "line N", x) for x in rest]
    # the same as each case added on its own through the library
    for case in session.scalars(select(Case).where(Case.origin == "imported")):
        by_hand = store.add_case(
            session=session,
            data=case_values(case),
            user="anna",
            provenance={"origin": "imported", "source_file": case.source_file},
            ocid=case.ocid + "-copy",
        )
        ours, theirs = case_to_dict(case), case_to_dict(by_hand)
        for key in ("reference", "ocid", "created_at", "updated_at"):
            ours.pop(key)
            theirs.pop(key)
        assert ours == theirs
        [mine] = query.history(session=session, reference=case.reference)
        [hand] = query.history(session=session, reference=by_hand.reference)
        assert (mine.action, mine.changes) == (hand.action, hand.changes)
    session.rollback()
