"""`procurement demo`: refuses real registries, loads once, writes every report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.cases.store import update as store
from procurement.demo.run import load_demo_data
from tests.helpers import assert_ok, case_data


def test_demo_refuses_a_registry_with_real_cases(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    store.add_case(session=session, data=case_data(), user="tester")
    session.commit()
    out = tmp_path / "out"
    result = run("demo", "--output-dir", str(out))
    assert result.exit_code == 2
    assert result.output == (
        "Error: this registry already holds 1 real (non-demo) cases: load the demo into a "
        "database of its own, e.g. procurement --database sqlite:///demo.sqlite demo\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_demo_loads_once_and_writes_every_report(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "reports" / "out"
    first = assert_ok(run("demo", "--output-dir", str(out)))
    lines = first.output.splitlines()
    assert lines[0].startswith("demo data loaded ") and lines[0].endswith(" fictional cases")
    written = [Path(line) for line in lines[1:]]
    names = {p.name for p in written}
    for by in ("city", "procedure", "innovation", "sector", "year", "ppp-model"):
        assert {f"compare-{by}.html", f"compare-{by}.json"} <= names
    assert {"compare-city.md", "ppp.html", "ppp.md", "best-practice.html"} <= names
    assert "best-practice.md" in names
    assert any(n.startswith("case-") and n.endswith(".html") for n in names)
    assert all(p.exists() and p.parent == out for p in written)
    assert any(p.suffix == ".svg" for p in written)  # the Markdown reports' charts
    html = (out / "compare-city.html").read_text()
    assert '<p class="demo" role="alert"><strong>Fictional illustrative data' in html
    data = json.loads((out / "compare-city.json").read_text())
    assert data["fictional_data"] is True
    assert data["coverage"]["cases"] == data["coverage"]["demo_cases"] >= 100

    # Re-runnable: the demo cases are found and not loaded twice (the library call the
    # command makes first; running the whole command again would only rewrite the reports).
    count = int(lines[0].split()[3])
    assert load_demo_data(session=session, user="tester") == (count, False)


def test_demo_cases_stay_fictional_through_export_and_import(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """Exported as CSV (which carries no provenance) and imported into another registry,
    demo cases are still marked as fictional: reports made from them say so."""
    from tests.helpers import add, assert_ok, case_data, empty_registry, run_on

    source = empty_registry(tmp_path, sqlite_template, "source.sqlite")
    demo = case_data(description="A city tried something. (Illustrative case.)")
    real = case_data(title="A real case", description="Recorded by an officer.")

    def run(*args: str, input: str | None = None) -> Result:
        return run_on(source, *args)

    add(run, demo)
    add(run, real)
    exported = tmp_path / "cases.csv"
    assert_ok(run_on(source, "export", "--format", "csv", "-o", str(exported)))
    target = empty_registry(tmp_path, sqlite_template, "target.sqlite")
    assert_ok(run_on(target, "import", str(exported)))
    report = json.loads(assert_ok(run_on(target, "report", "compare", "--format", "json")).stdout)
    assert report["fictional_data"] is True
    assert report["coverage"]["demo_cases"] == 1
