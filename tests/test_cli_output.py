"""Listings written as CSV are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from click.testing import Result

from tests.helpers import assert_ok


def test_case_list_csv_neutralises_formulas(run: Callable[..., Result]) -> None:
    assert_ok(
        run(
            "case",
            "add",
            "--no-input",
            "--city",
            "HEL",
            "--buyer",
            "=HYPERLINK(1)",
            "--title",
            "=SUM(A1:A9)",
            "--category",
            "goods",
            "--sector",
            "ict",
            "--procedure",
            "open",
            "--status",
            "planned",
        )
    )
    out = assert_ok(run("case", "list", "--format", "csv")).output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["title"] == "'=SUM(A1:A9)"
    assert rows[0]["buyer"] == "'=HYPERLINK(1)"


def test_contact_name_longer_than_the_column_is_a_validation_error(
    run: Callable[..., Result],
) -> None:
    result = run(
        "case",
        "add",
        "--no-input",
        "--city",
        "HEL",
        "--buyer",
        "B",
        "--title",
        "T",
        "--category",
        "goods",
        "--sector",
        "ict",
        "--procedure",
        "open",
        "--status",
        "planned",
        "--contact-name",
        "x" * 201,
    )
    assert result.exit_code == 2
    assert "contact_name: is 201 characters long; at most 200 are allowed" in result.output
