"""The city and the reference are the identity of a case: no update path changes them.

``case edit --set``, the editor and spreadsheet rows that carry a reference all go through
``update_case``, which refuses another city or reference with one line and stores nothing;
giving the values the case has is fine. Through the real CLI on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.cases.store.update import IdentityError, update_case
from procurement.core.errors import ValidationError
from tests.helpers import add, assert_ok, case_data, show

Run = Callable[..., Result]

CITY_REFUSED = (
    "city cannot be changed: it is part of the reference {reference}; "
    "remove the case and add it again in the other city"
)
REFERENCE_REFUSED = "reference cannot be changed: references are assigned and never reused"

# An editor that replaces the city line of the document it is given, then saves; the second
# time it is opened it saves nothing (the user gives up).
EDITOR_SCRIPT = """
import pathlib, re, sys
path = pathlib.Path(sys.argv[-1])
counter = pathlib.Path(__file__).parent / "count"
n = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(n))
(pathlib.Path(__file__).parent / f"seen-{n}.yaml").write_text(path.read_text("utf-8"), "utf-8")
if n == 1:
    text, count = re.subn(r"^city: .*$", "city: RIX", path.read_text("utf-8"), flags=re.M)
    assert count == 1
    path.write_text(text, encoding="utf-8")
"""


@pytest.fixture
def reference(run: Run) -> str:
    return add(run, case_data(city="HEL", awarded_on="2025-06-15"))


def history(run: Run, reference: str) -> list[Any]:
    events: list[Any] = json.loads(
        assert_ok(run("case", "history", reference, "--format", "json")).output
    )
    return events


def test_case_edit_refuses_another_city(run: Run, reference: str) -> None:
    before, events = show(run, reference), history(run, reference)
    result = run("case", "edit", reference, "--set", "city=RIX", "--set", "status=completed")
    assert result.exit_code == 2
    assert result.output == (f"Error: invalid input: {CITY_REFUSED.format(reference=reference)}\n")
    assert show(run, reference) == before  # the status was not changed either
    assert history(run, reference) == events
    assert run("case", "show", reference.replace("HEL", "RIX")).exit_code == 2


def test_case_edit_refuses_another_reference(run: Run, reference: str) -> None:
    before = show(run, reference)
    for value in ("HEL-2025-999", ""):
        result = run("case", "edit", reference, "--set", f"reference={value}")
        assert result.exit_code == 2
        assert result.output == f"Error: invalid input: {REFERENCE_REFUSED}\n"
    assert show(run, reference) == before


def test_the_values_the_case_has_are_fine(run: Run, reference: str) -> None:
    result = assert_ok(
        run(
            "case",
            "edit",
            reference,
            "--set",
            "city= hel ",
            "--set",
            f"reference={reference.lower()}",
            "--set",
            "status=completed",
        )
    )
    assert result.output == f"Updated {reference}: status.\n"
    again = assert_ok(run("case", "edit", reference, "--set", "city=HEL"))
    assert again.output == f"No change to {reference}: the values given are the ones stored.\n"
    assert show(run, reference)["city"] == "HEL"


def test_identity_and_other_problems_are_listed_together(run: Run, reference: str) -> None:
    result = run(
        "case", "edit", reference, "--set", "city=RIX", "--set", "reference=X-1",
        "--set", "status=finished",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.startswith(
        f"Error: 3 problems: {CITY_REFUSED.format(reference=reference)}; {REFERENCE_REFUSED}; "
        "status: 'finished' is not one of"
    )


def test_the_editor_refuses_another_city(run: Run, reference: str, tmp_path: Path) -> None:
    folder = tmp_path / "editor"
    folder.mkdir()
    (folder / "editor.py").write_text(EDITOR_SCRIPT, encoding="utf-8")
    env = {
        "EDITOR": f"{shlex.quote(sys.executable)} {shlex.quote(str(folder / 'editor.py'))}",
        "VISUAL": "",
        "PROCUREMENT_INTERACTIVE": "1",
    }
    before = show(run, reference)
    result = run("case", "edit", reference, env=env)
    assert result.exit_code == 1, result.output  # reopened with the problem, then abandoned
    refused = CITY_REFUSED.format(reference=reference)
    assert f"Not saved: invalid input: {refused}. Reopening the editor." in result.output
    assert f"#!   - {refused}\n" in (folder / "seen-2.yaml").read_text(encoding="utf-8")
    assert f"Edit abandoned; {reference} is unchanged." in result.output
    assert show(run, reference) == before


def test_a_spreadsheet_row_cannot_move_a_case(run: Run, reference: str, tmp_path: Path) -> None:
    other = add(run, case_data(city="RIX", title="Trams"))
    before = (show(run, reference), show(run, other))
    path = tmp_path / "move.csv"
    path.write_text(
        f"reference,city,status\n{other},rix,completed\n{reference},RIX,completed\n",
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.output == (
        "Error: 1 problem in move.csv; nothing was imported:\n"
        f"  row 3, {CITY_REFUSED.format(reference=reference)}\n"
    )
    assert (show(run, reference), show(run, other)) == before  # row 2 not applied either


def test_update_case_refuses_identity_changes(session: Session, reference: str) -> None:
    with pytest.raises(ValidationError) as caught:
        update_case(
            session=session,
            reference=reference,
            data={"city": "STO", "reference": "STO-2025-001"},
            user="tester",
            row=7,
        )
    assert caught.value.errors == [
        IdentityError("city", CITY_REFUSED.format(reference=reference).removeprefix("city "), 7),
        IdentityError("reference", REFERENCE_REFUSED.removeprefix("reference "), 7),
    ]
    assert [str(e) for e in caught.value.errors] == [
        f"row 7, {CITY_REFUSED.format(reference=reference)}",
        f"row 7, {REFERENCE_REFUSED}",
    ]
    session.rollback()
