"""``export --format ocds``: valid OCDS 1.1 (and OCDS for PPPs) release packages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from sqlalchemy.orm import Session

from procurement.cases.store.update import add_case
from procurement.exchange.ocds.exporter import compiled_release
from tests.helpers import (
    PROCEDURES,
    add_varied_cases,
    assert_ok,
    assert_valid_package,
    case_data,
    empty_registry,
    run_on,
)


def export(run: Callable[..., Result], tmp_path: Path, *args: str, **kw: Any) -> dict[str, Any]:
    target = tmp_path / "package.json"
    result = assert_ok(run("export", "--format", "ocds", "-o", str(target), *args, **kw))
    assert result.output.startswith("Wrote ")
    package: dict[str, Any] = json.loads(target.read_text("utf-8"))
    return package


def by_ref(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["baltmet"]["reference"]: r for r in package["releases"]}


def test_export_is_valid_ocds_with_the_documented_mapping(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    refs = add_varied_cases(session)
    package = export(run, tmp_path, "--validate")
    assert_valid_package(package)
    assert package["version"] == "1.1"
    assert package["publisher"]["name"].startswith("Unnamed procurement registry")
    releases = by_ref(package)
    assert len(releases) == len(refs)
    for procedure, (method, details) in PROCEDURES.items():
        tender = releases[refs[procedure]]["tender"]
        assert tender.get("procurementMethod") == method
        assert tender["procurementMethodDetails"] == details

    done = releases[refs["open"]]
    assert done["tag"] == ["compiled"]
    assert done["ocid"] == f"ocds-baltmt-{refs['open']}"
    tender = done["tender"]
    assert tender["mainProcurementCategory"] == "goods"
    assert tender["value"] == {"amount": 1200000, "currency": "EUR"}
    assert tender["numberOfTenderers"] == 4
    assert tender["awardCriteria"] == "ratedCriteria"
    assert tender["tenderPeriod"] == {"startDate": "2025-02-01T00:00:00Z"}
    assert tender["items"][0]["classification"] == {
        "scheme": "CPV",
        "id": "34144900",
        "description": "Electric vehicles",
    }
    award = done["awards"][0]
    assert award["value"] == {"amount": 1100000.5, "currency": "EUR"}
    assert award["date"] == "2025-06-15T00:00:00Z"
    assert award["suppliers"] == [{"id": "org-nordic-bus-oy", "name": "Nordic Bus Oy"}]
    contract = done["contracts"][0]
    assert contract["status"] == "terminated"
    assert contract["implementation"]["transactions"][0]["value"]["amount"] == 1150000
    assert contract["implementation"]["milestones"][0]["dateMet"] == "2026-01-10T00:00:00Z"
    supplier = next(p for p in done["parties"] if p["roles"] == ["supplier"])
    assert supplier["details"] == {"scale": "large"}
    assert supplier["address"] == {"country": "FI"}
    ext = done["baltmet"]
    assert ext["sector"] == "transport"
    assert ext["innovationApproaches"] == ["market-dialogue", "outcome-based-payment"]
    assert ext["smeTenders"] == 1
    assert ext["origin"]["city"] == "HEL"
    assert ext["outcome"]["bestPractice"] is True
    assert ext["outcome"]["kpis"] == [
        {"name": "co2-reduction", "unit": "t/yr", "baseline": 400, "target": 150, "achieved": 120}
    ]

    ppp = releases[refs["ppp"]]
    ppp_contract = ppp["contracts"][0]
    assert ppp_contract["riskAllocation"] == [
        {"id": "construction", "category": "construction", "allocation": "privateParty"},
        {
            "id": "forceMajeure",
            "category": "forceMajeure",
            "allocation": "undefined",
            "notes": "Shared between the public authority and the private party.",
        },
        {"id": "revenue", "category": "revenue", "allocation": "publicAuthority"},
    ]
    assert ppp_contract["financeSummary"]["subsidyRatio"] == 0.3
    assert ppp_contract["milestones"][0]["code"] == "financialClose"
    assert "640000000 NOK" in ppp["awards"][0]["evaluationIndicators"]["netPresentValueDetails"]
    assert ppp["baltmet"]["ppp"]["model"] == "dbfom"
    assert ppp["baltmet"]["ppp"]["capex"] == {"amount": 500000000, "currency": "NOK"}
    assert "contactPoint" not in json.dumps(package)  # personal data only when asked

    statuses = {releases[refs[p]]["tender"]["status"] for p in PROCEDURES}
    assert statuses == {"planned", "active", "complete", "cancelled"}


def test_contacts_and_publisher_are_configurable(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    add_case(
        session=session, data=case_data(contact_name="Anna", contact_email="a@hel.fi"), user="t"
    )
    session.commit()
    env = {
        "PROCUREMENT_OCDS_PUBLISHER_NAME": "City of Helsinki procurement registry",
        "PROCUREMENT_OCDS_PUBLISHER_URI": "https://hel.example.fi/registry",
        "PROCUREMENT_OCDS_PACKAGE_URI": "https://hel.example.fi/ocds/all.json",
        "PROCUREMENT_OCDS_LICENSE": "https://opendatacommons.org/licenses/pddl/1-0/",
    }
    package = export(run, tmp_path, "--include-contacts", env=env)
    assert package["publisher"] == {
        "name": "City of Helsinki procurement registry",
        "uri": "https://hel.example.fi/registry",
    }
    assert package["uri"] == "https://hel.example.fi/ocds/all.json"
    assert package["license"] == "https://opendatacommons.org/licenses/pddl/1-0/"
    buyer = package["releases"][0]["parties"][0]
    assert buyer["contactPoint"] == {"name": "Anna", "email": "a@hel.fi"}
    assert (
        package["releases"][0]["baltmet"]["origin"]["registry"]
        == env["PROCUREMENT_OCDS_PUBLISHER_NAME"]
    )
    assert_valid_package(package)


def test_history_as_releases_from_the_audit_trail(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    refs = add_varied_cases(session)
    package = export(run, tmp_path, "--releases", "--validate")
    assert_valid_package(package)
    mine = [r for r in package["releases"] if r["baltmet"]["reference"] == refs["open"]]
    assert [r["tag"] for r in mine] == [["award"], ["implementation"]]
    assert [r["id"] for r in mine] == [
        f"ocds-baltmt-{refs['open']}-0001",
        f"ocds-baltmt-{refs['open']}-0002",
    ]
    assert "contracts" not in mine[0]
    assert mine[1]["contracts"][0]["status"] == "terminated"


def test_stdout_and_clear_errors(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    result = run("export", "--format", "ocds")
    assert result.exit_code == 2
    assert "no cases match the filters, so there is nothing to export" in result.output

    case = add_case(session=session, data=case_data(), user="t")
    session.commit()
    result = assert_ok(run("export", "--format", "ocds", "--validate"))
    assert json.loads(result.output)["releases"][0]["ocid"] == case.ocid

    # an imported case whose kept OCDS data is not valid: --validate names case and path
    case.origin = "imported"
    case.ocds_extra = {"release": {"tender": {"procurementMethodRationale": 5}}}
    session.commit()
    target = tmp_path / "bad.json"
    result = run("export", "--format", "ocds", "--validate", "-o", str(target))
    assert result.exit_code == 2
    assert (
        f"case {case.reference}: the OCDS release is not valid OCDS 1.1 at "
        "tender.procurementMethodRationale: 5 is not of type 'string', 'null'; nothing was written"
    ) in result.output
    assert not target.exists()


def test_compiled_release_for_case_show(session: Session) -> None:
    case = add_case(session=session, data=case_data(awarded_value="1100000.55"), user="t")
    release = compiled_release(case)
    json.dumps(release)  # plain JSON values
    assert release["awards"][0]["value"]["amount"] == 1100000.55
    assert release["tag"] == ["compiled"]


def test_demo_data_exports_valid_and_round_trips(tmp_path: Path, sqlite_template: Path) -> None:
    """Every case of the demo data set: valid OCDS 1.1 (PPP cases: OCDS for PPPs), and a
    round trip through an empty registry gives the same package. SQLite only: the demo
    load is the slow part and the OCDS code is the same on both backends."""
    from procurement.demo import loader as demo_loader
    from procurement.storage.engine import make_engine

    source = empty_registry(tmp_path, sqlite_template, "demo.sqlite")
    engine = make_engine(source)
    with Session(engine) as session:
        refs = demo_loader.load_demo(session=session)
        session.commit()
    engine.dispose()
    first = tmp_path / "first.json"
    assert_ok(run_on(source, "export", "--format", "ocds", "--validate", "-o", str(first)))
    package = json.loads(first.read_text("utf-8"))
    assert len(package["releases"]) == len(refs)
    assert_valid_package(package)
    assert any("ppp" in r["baltmet"] for r in package["releases"])
    # the baltmet extension is declared (--validate checked the releases against it)
    assert package["extensions"] == [
        "https://registry.example.invalid/ocds/extensions/baltmet/v1.0/extension.json"
    ]

    other = empty_registry(tmp_path, sqlite_template)
    result = assert_ok(run_on(other, "import", str(first)))
    assert result.output.splitlines()[0] == (
        f"first.json: {len(refs)} created, 0 updated, 0 unchanged, 0 skipped"
    )
    again = tmp_path / "again.json"
    assert_ok(run_on(other, "export", "--format", "ocds", "-o", str(again)))
    second = json.loads(again.read_text("utf-8"))
    package.pop("publishedDate")
    second.pop("publishedDate")
    assert second == package
