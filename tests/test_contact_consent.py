"""A contact person is named where the case is published only when they agreed
(``contact_public``), or when the publisher asks for every contact (``--include-contacts``).

Issue 17 ("contacts only with the case's consent field or --include-contacts"): the case page,
the OCDS export, and the best-practice site (pages and downloads) follow the same rule. A
contact received in an OCDS file is kept but not published again from this registry until an
officer records the person's agreement here (the consent was given to the other publisher).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.helpers import add, assert_ok, case_data, empty_registry, run_on, show

Run = Callable[..., Result]
AGREED = {"contact_name": "Aino Virtanen", "contact_email": "aino@example.org"}
NOT_ASKED = {"contact_name": "Mikko Nieminen", "contact_email": "mikko@example.org"}


def two_cases(run: Run) -> tuple[str, str]:
    agreed = add(run, case_data(title="Agreed", contact_public=True, **AGREED))
    not_asked = add(run, case_data(title="Not asked", **NOT_ASKED))
    return agreed, not_asked


def test_the_consent_is_a_field_like_any_other(run: Run) -> None:
    agreed, not_asked = two_cases(run)
    assert show(run, agreed)["contact_public"] is True
    assert show(run, not_asked)["contact_public"] is None
    assert_ok(run("case", "edit", not_asked, "--set", "contact_public=no"))
    assert show(run, not_asked)["contact_public"] is False
    refused = run("case", "edit", not_asked, "--set", "contact_public=perhaps")
    assert refused.exit_code == 2 and "'perhaps' is not yes or no" in refused.output


def test_case_pages_name_only_contacts_who_agreed(run: Run) -> None:
    agreed, not_asked = two_cases(run)
    page = assert_ok(run("report", "case", agreed, "--format", "md")).output
    assert AGREED["contact_name"] in page and AGREED["contact_email"] in page
    other = assert_ok(run("report", "case", not_asked, "--format", "md")).output
    assert NOT_ASKED["contact_name"] not in other and NOT_ASKED["contact_email"] not in other
    everyone = assert_ok(
        run("report", "case", not_asked, "--format", "md", "--include-contacts")
    ).output
    assert NOT_ASKED["contact_name"] in everyone


def test_the_ocds_export_publishes_agreed_contacts_and_an_import_asks_again(
    run: Run, tmp_path: Path, sqlite_template: Path
) -> None:
    agreed, not_asked = two_cases(run)
    exported = tmp_path / "cases.json"
    assert_ok(run("export", "--format", "ocds", "-o", str(exported)))
    text = exported.read_text(encoding="utf-8")
    package = json.loads(text)
    points = {
        r["baltmet"]["reference"]: [p.get("contactPoint") for p in r["parties"]]
        for r in package["releases"]
    }
    assert points[agreed][0] == {"name": "Aino Virtanen", "email": "aino@example.org"}
    assert all(p is None for p in points[not_asked])
    assert NOT_ASKED["contact_email"] not in text

    other = empty_registry(tmp_path, sqlite_template)
    assert_ok(run_on(other, "import", str(exported)))
    listed = json.loads(
        assert_ok(run_on(other, "case", "list", "--format", "json", "--include-contacts")).stdout
    )
    by_title = {c["title"]: c for c in listed}
    # the contact is kept, but the consent was given to the other registry: it is not
    # published again from here until an officer records that the person agreed
    assert by_title["Agreed"]["contact_public"] is None
    assert by_title["Agreed"]["contact_email"] == "aino@example.org"
    again = json.loads(assert_ok(run_on(other, "export", "--format", "ocds", "-o", "-")).stdout)
    assert "contactPoint" not in json.dumps(again)
    assert by_title["Not asked"]["contact_public"] is None
    assert by_title["Not asked"]["contact_email"] is None


def test_the_site_names_only_contacts_who_agreed(run: Run, tmp_path: Path) -> None:
    agreed, not_asked = two_cases(run)
    site = tmp_path / "site"
    assert_ok(run("site", "build", str(site), "--all-cases"))
    page = (site / "cases" / f"{agreed}.html").read_text(encoding="utf-8")
    assert AGREED["contact_name"] in page and AGREED["contact_email"] in page
    texts = {
        str(p.relative_to(site)): p.read_text(encoding="utf-8", errors="replace")
        for p in site.rglob("*")
        if p.is_file() and p.suffix != ".xlsx"
    }
    leaking = [n for n, t in texts.items() if NOT_ASKED["contact_email"] in t]
    assert leaking == []
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(texts["downloads/cases.csv"]))}
    assert rows[agreed]["contact_email"] == AGREED["contact_email"]
    assert rows[not_asked]["contact_email"] == "" and rows[not_asked]["contact_name"] == ""
