"""The benchmark data generator at a tiny scale: its cases are ones the registry accepts.

A database filled by the generator reads back through the library, passes the registry's own
validation, and keeps working (next reference, a new case); its CSV rows validate; its OCDS
releases are valid OCDS 1.1.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from benchmarks import synthetic
from procurement.cases.fields import FIELDS, REQUIRED_FIELDS
from procurement.cases.query import count_cases, get_case, list_cases
from procurement.cases.store.update import add_case
from procurement.cases.validate import validate
from procurement.cases.values import case_values
from procurement.storage.engine import make_engine
from procurement.storage.models import Case, PppDetails
from tests.helpers import OCDS_SCHEMAS, case_data

N = 200
CITIES = {c[0] for c in synthetic.CITIES}


def test_generator_is_deterministic_and_prefix_stable() -> None:
    first = [c.reference for c in synthetic.Generator(seed=7).cases(N)]
    again = [c.reference for c in synthetic.Generator(seed=7).cases(N // 2)]
    assert again == first[: N // 2]
    assert len(set(first)) == N
    assert {c[:3] for c in first} <= CITIES


def test_populated_database_reads_back_valid(db_url: str) -> None:
    stats = synthetic.populate(db_url, N)
    assert stats.rows["cases"] == N
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            assert count_cases(session=session) == N
            assert session.scalar(select(func.count()).select_from(PppDetails)) == stats.rows.get(
                "ppp_details", 0
            )
            for case in list_cases(session=session):
                values = case_values(case)
                raw = {k: v for k, v in values.items() if v not in (None, [], {})}
                validate(raw, cities=CITIES, require=REQUIRED_FIELDS)
            generated = next(iter(synthetic.Generator().cases(1)))
            stored = case_values(get_case(session=session, reference=generated.reference))
            for name, value in generated.values.items():
                assert stored[name] == value, name

            # the registry keeps working: references continue, ids do not collide
            generator = synthetic.Generator()
            for _ in generator.cases(N):
                pass
            (city, year), last = max(generator.sequences.items(), key=lambda kv: kv[1])
            data = case_data(
                city=city, tender_published=f"{year}-01-02", awarded_on=f"{year}-06-15"
            )
            new = add_case(session=session, data=data, user="t")
            assert new.reference == f"{city}-{year}-{last + 1:03d}"
            assert new.id == N + 1
            session.commit()
            assert session.scalar(select(func.count()).select_from(Case)) == N + 1
    finally:
        engine.dispose()


def test_csv_rows_pass_validation(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    cases = list(synthetic.Generator().cases(N))
    assert synthetic.write_csv(path, cases) == N
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["reference", *(f.name for f in FIELDS)]
    for number, (row, case) in enumerate(zip(rows, cases, strict=True), start=2):
        assert row.pop("reference") == case.reference
        clean = validate(row, cities=CITIES, require=REQUIRED_FIELDS, row=number)
        for name, value in case.values.items():
            assert clean[name] == value, (number, name)


def test_ocds_releases_are_valid(tmp_path: Path) -> None:
    schema = json.loads((OCDS_SCHEMAS / "1.1" / "release-schema.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    path = tmp_path / "releases.jsonl"
    assert synthetic.write_ocds_jsonl(path, synthetic.Generator().cases(N)) == N
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == N
    for line in lines:
        release = json.loads(line)
        errors = [e.message for e in validator.iter_errors(release)]
        assert not errors, (release["ocid"], errors[:3])
    assert sum("awards" in json.loads(line) for line in lines) > N // 2
