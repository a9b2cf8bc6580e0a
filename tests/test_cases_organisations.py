"""Buyers and suppliers are one organisation however their name is typed: case, runs of
spaces and trailing punctuation do not make a new one (issue: "city of helsinki", "City of
Helsinki" and "City of Helsinki." were three buyers)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from procurement.cases.values import organisation_key
from procurement.storage import migrate
from procurement.storage.schema import cases, organisations
from tests.helpers import Run, add, assert_ok, case_data, show

SPELLINGS = ("City of Helsinki", "city of helsinki", "City of  Helsinki.", " CITY OF HELSINKI ;")


def test_key_ignores_case_spaces_and_trailing_punctuation() -> None:
    assert {organisation_key(s) for s in SPELLINGS} == {"city of helsinki"}
    assert organisation_key("Kraków Tram Works Sp. z o.o.") == "kraków tram works sp. z o.o"
    assert organisation_key("Oslo kommune") != organisation_key("Oslo kommune AS")


def test_every_spelling_is_the_first_organisation(run: Run, engine: Engine, tmp_path: Path) -> None:
    references = [add(run, case_data(buyer=s, title=f"Case {i}")) for i, s in enumerate(SPELLINGS)]
    # the same through an import (bulk writer) and an edit (the ORM path)
    sheet = tmp_path / "rows.json"
    rows = [case_data(buyer="CITY OF HELSINKI.", title="Imported", winner="NORDIC BUS OY")]
    sheet.write_text(json.dumps(rows), encoding="utf-8")
    assert_ok(run("import", str(sheet)))
    assert_ok(run("case", "edit", references[0], "--set", "winner=nordic  bus oy."))
    with engine.connect() as conn:
        names = conn.execute(select(organisations.c.name).order_by(organisations.c.id)).scalars()
        assert list(names) == ["City of Helsinki", "Nordic Bus Oy"]
        assert conn.scalar(select(func.count(func.distinct(cases.c.buyer_id)))) == 1
    assert {show(run, r)["buyer"] for r in references} == {"City of Helsinki"}
    assert show(run, references[0])["winner"] == "Nordic Bus Oy"


def test_upgrade_merges_organisations_recorded_under_several_spellings(
    run: Run, engine: Engine
) -> None:
    first = add(
        run, case_data(buyer="City of Helsinki", winner="Nordic Bus Oy", winner_country=None)
    )
    migrate.downgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (name, country) VALUES ('city of  helsinki.', 'FI')")
        )
        other = conn.execute(
            text("SELECT id FROM organisations WHERE name = 'city of  helsinki.'")
        ).scalar_one()
        conn.execute(
            text("UPDATE cases SET winner_id = :id WHERE reference = :ref"),
            {"id": other, "ref": first},
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            select(organisations.c.name, organisations.c.country).order_by(organisations.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [("City of Helsinki", "FI"), ("Nordic Bus Oy", None)]
    stored = show(run, first)
    assert stored["buyer"] == stored["winner"] == "City of Helsinki"
