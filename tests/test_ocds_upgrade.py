"""OCDS 1.0 files upgraded to 1.1 on import (:mod:`procurement.exchange.ocds.upgrade`).

The upgrade is compared with ocdskit's ``upgrade_10_11`` (a development dependency) on the
hand-written files of ``tests/data/ocds-1.0`` and on generated releases; the imports run the
real CLI on a real database.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.exchange.ocds.upgrade import minor_version, upgrade_10_11, upgrade_release
from procurement.storage.models import Case
from procurement.storage.schema import source_records
from tests.helpers import assert_ok, closing, empty_registry, missing_service, run_on

DATA = Path(__file__).parent / "data" / "ocds-1.0"
OCID = "ocds-lv0001-2016-buses"
NOTE = "upgraded from OCDS 1.0 to 1.1"


def ocdskit_upgrade() -> Callable[..., Any]:
    """ocdskit's upgrade (skipped, with the reason, where ocdskit is not installed)."""
    try:
        from ocdskit.upgrade import upgrade_10_11 as theirs
    except ImportError:
        missing_service(
            "ocdskit is not installed (a development dependency: pip install -e '.[dev]'); "
            "the OCDS 1.0 upgrade cannot be compared with it"
        )
    return theirs


def by_ocdskit(data: Any) -> Any:
    """ocdskit's upgrade of a copy of ``data`` (parsed as ocdskit wants: OrderedDicts)."""
    return ocdskit_upgrade()(json.loads(json.dumps(data), object_pairs_hook=OrderedDict))


def loaded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text("utf-8"))
    return data


def releases_of(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every release of a package (a record's releases and compiled release too)."""
    for record in data.get("records", []):
        yield from record["releases"]
        yield record["compiledRelease"]
    yield from data.get("releases", [])


def payment_refs(release: dict[str, Any]) -> set[str]:
    return {
        transaction[role]["id"]
        for contract in release.get("contracts", [])
        for transaction in contract.get("implementation", {}).get("transactions", [])
        for role in ("payer", "payee")
        if role in transaction
    }


def without_payment_parties(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """``ours`` without the payer and payee parties ocdskit leaves out, after checking that
    they are the only difference in ``parties``: each referenced by a transaction, in the
    payer/payee role only; and that every payer/payee reference of ours resolves."""
    ours = copy.deepcopy(ours)
    for mine, their in zip(releases_of(ours), releases_of(theirs), strict=True):
        parties = mine.get("parties", [])
        extra = [p for p in parties if p not in their.get("parties", [])]
        assert payment_refs(mine) <= {p["id"] for p in parties}  # no dangling reference
        for party in extra:
            assert party["id"] in payment_refs(mine), party
            assert set(party["roles"]) <= {"payer", "payee"}, party
        if extra:
            mine["parties"] = [p for p in parties if p not in extra]
            if not mine["parties"] and "parties" not in their:
                del mine["parties"]
    return ours


# --- (1) the upgrade is ocdskit's ----------------------------------------------------------


@pytest.mark.parametrize("name", ["release-package.json", "record-package.json"])
def test_the_upgrade_of_a_package_is_ocdskits(name: str) -> None:
    source = loaded(name)
    expected = by_ocdskit(source)
    exact = upgrade_10_11(copy.deepcopy(source), payment_parties=False)
    assert json.dumps(exact) == json.dumps(expected)  # the same values, keys in the same order
    ours = upgrade_10_11(copy.deepcopy(source))
    assert ours != expected  # ocdskit leaves the payer/payee organisations out of parties
    assert without_payment_parties(ours, expected) == expected


def test_the_upgrade_of_bare_releases_and_records_is_ocdskits() -> None:
    package = loaded("record-package.json")
    record = package["records"][0]
    for data in (record, record["compiledRelease"], loaded("release-package.json")["releases"][1]):
        assert json.dumps(upgrade_10_11(copy.deepcopy(data), payment_parties=False)) == (
            json.dumps(by_ocdskit(data))
        )
    # OCDS 1.1 (a version other than 1.0, a release with parties) is returned unchanged
    for data in (loaded("release-package-1.1.json"), {"ocid": "x", "parties": [], "buyer": {}}):
        kept = copy.deepcopy(data)
        assert upgrade_10_11(data) is data and data == kept == by_ocdskit(kept)


def test_organisations_in_several_roles_become_one_party() -> None:
    source = loaded("release-package.json")
    tender, award, final = upgrade_10_11(copy.deepcopy(source))["releases"]

    # the buyer, also the procuring entity: one party with both roles, referenced twice
    (riga,) = tender["parties"]
    assert riga["roles"] == ["buyer", "procuringEntity"]
    assert (
        tender["buyer"]
        == tender["tender"]["procuringEntity"]
        == {
            "id": riga["id"],
            "name": "Rīgas pilsētas pašvaldība",
        }
    )
    published_buyer = source["releases"][0]["buyer"]
    assert {k: v for k, v in riga.items() if k not in ("id", "roles")} == published_buyer

    # a tenderer who is also the supplier: one party, roles tenderer and supplier
    tenderers = award["tender"]["tenderers"]
    assert [t["name"] for t in tenderers] == [
        "Example Electric Bus SIA",
        "Example Coachworks AS",
        "Example Mobility GmbH",
    ]
    assert award["awards"][0]["suppliers"] == [tenderers[0]]
    by_id = {p["id"]: p for p in award["parties"]}
    assert by_id[tenderers[0]["id"]]["roles"] == ["tenderer", "supplier"]
    assert len(award["parties"]) == 4  # buyer and three tenderers
    assert riga["id"] in by_id  # the same organisation has the same id in every release

    # amendment -> amendments; transactions: value, payer, payee (and their parties)
    contract = final["contracts"][0]
    assert "amendment" not in contract
    assert contract["amendments"] == [source["releases"][2]["contracts"][0]["amendment"]]
    first, second = contract["implementation"]["transactions"]
    assert first["value"] == {"amount": 2700000, "currency": "EUR"} and "amount" not in first
    assert second["value"] == {"amount": 2950000.5, "currency": "EUR"}
    assert first["payer"] == second["payer"] and first["payee"] == second["payee"]
    assert first["payee"]["name"] == "Example Electric Bus SIA"
    payee = next(p for p in final["parties"] if p["id"] == first["payee"]["id"])
    assert payee == {
        "id": first["payee"]["id"],
        "roles": ["payee"],
        "identifier": {
            "scheme": "LV-RE",
            "id": "40000000001",
            "legalName": "Example Electric Bus SIA",
        },
        "name": "Example Electric Bus SIA",
    }


# Generated OCDS 1.0 releases, tidy and messy: where ocdskit upgrades one, the result is the
# same; where ocdskit fails (messy input), ours leaves what it cannot upgrade as it is.


def _organisation(rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return rng.choice(["Riga", None, 3, []])
    org: dict[str, Any] = {}
    if rng.random() < 0.8:
        org["name"] = rng.choice(["A", "B", "C", None, 5])
    if rng.random() < 0.6:
        org["identifier"] = {"scheme": rng.choice(["LV-RE", "EE-RIK"]), "id": rng.choice("12")}
        if rng.random() < 0.5:
            org["identifier"]["legalName"] = rng.choice(["A", "B"])
    if rng.random() < 0.3:
        org["address"] = {"locality": rng.choice(["Rīga", "Tallinn"])}
    if rng.random() < 0.3:
        org["contactPoint"] = {"email": rng.choice(["a@example.lv", "b@example.lv"])}
    if rng.random() < 0.15:
        org["id"] = rng.choice(["org-1", "org-2", 1])
    if rng.random() < 0.05:
        org["roles"] = rng.choice([["x"], "y", ["b", "a"]])
    return org


def _identifier(rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return rng.choice(["LV-RE-1", None])
    found: dict[str, Any] = {"scheme": rng.choice(["LV-RE", "EE-RIK"]), "id": rng.choice("12")}
    if rng.random() < 0.5:
        found["legalName"] = rng.choice(["A", "B"])
    return found


def _release(rng: random.Random, i: int) -> dict[str, Any]:
    release: dict[str, Any] = {"ocid": "ocds-x", "id": str(i), "date": "2016-01-01", "tag": ["x"]}
    if rng.random() < 0.8:
        release["buyer"] = _organisation(rng)
    if rng.random() < 0.8:
        tender: dict[str, Any] = {"id": "t"}
        if rng.random() < 0.7:
            tender["procuringEntity"] = _organisation(rng)
        if rng.random() < 0.7:
            tender["tenderers"] = [_organisation(rng) for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.3:
            tender["amendment"] = {"date": "2016-02-01", "changes": [{"property": "title"}]}
        if rng.random() < 0.1:
            tender["amendments"] = [{"date": "2016-03-01"}]
        release["tender"] = tender
    if rng.random() < 0.6:
        release["awards"] = [
            {"id": str(j), "suppliers": [_organisation(rng) for _ in range(rng.randint(0, 2))]}
            for j in range(rng.randint(0, 2))
        ]
    if rng.random() < 0.6:
        contracts = []
        for j in range(rng.randint(0, 2)):
            transactions = []
            for k in range(rng.randint(0, 3)):
                tr: dict[str, Any] = {"id": str(k), "amount": {"amount": k, "currency": "EUR"}}
                for field in ("providerOrganization", "receiverOrganization"):
                    if rng.random() < 0.7:
                        tr[field] = _identifier(rng)
                if rng.random() < 0.1:
                    tr["value"] = {"amount": 1}
                if rng.random() < 0.1:
                    tr["payer"] = {"id": "p"}
                transactions.append(tr)
            contract: dict[str, Any] = {
                "id": str(j),
                "implementation": {"transactions": transactions},
            }
            if rng.random() < 0.3:
                contract["amendment"] = {"date": "2016-04-01"}
            contracts.append(contract)
        release["contracts"] = contracts
    if rng.random() < 0.1:
        release["parties"] = [_organisation(rng) for _ in range(2)]
    return release


def test_generated_releases_upgrade_as_ocdskit_upgrades_them() -> None:
    rng = random.Random(14)
    compared = 0
    for n in range(600):
        releases = [_release(rng, i) for i in range(rng.randint(1, 3))]
        data: dict[str, Any]
        if n % 3 == 0:
            data = {"uri": "u", "publishedDate": "2016-01-01", "releases": releases}
        elif n % 3 == 1:
            linked = {"url": "https://x.example/r.json", "date": "2016-01-01", "tag": ["x"]}
            record = {"ocid": "ocds-x", "releases": [linked, releases[0]]}
            data = {"records": [{**record, "compiledRelease": releases[-1]}], "uri": "u"}
        else:
            data = releases[0]
        # parsed again, as a file is: the generated data shares objects (a record's release
        # is its compiled release), which a parsed file never does
        fresh = json.loads(json.dumps(data))
        ours = upgrade_10_11(fresh, payment_parties=False, warn=lambda f, m: None)
        try:
            theirs = by_ocdskit(data)
        except (TypeError, KeyError, AttributeError):
            continue  # input ocdskit cannot upgrade; ours did not fail on it
        assert json.dumps(ours) == json.dumps(theirs), json.dumps(data)
        compared += 1
    assert compared > 350  # most inputs are ones ocdskit upgrades


# --- (2)-(4) imports ---------------------------------------------------------------------


def stored(session: Session, ocid: str) -> list[dict[str, Any]]:
    """The release store's releases of ``ocid``, in the order received."""
    session.expire_all()
    rows = session.execute(
        select(source_records.c.content)
        .where(source_records.c.ocid == ocid)
        .order_by(source_records.c.id)
    )
    return [content for (content,) in rows]


def plain(value: Any) -> Any:
    """As a JSON column gives it back."""
    return json.loads(json.dumps(value))


def upgraded(release: dict[str, Any]) -> Any:
    """A copy of a 1.0 release upgraded, as a JSON column gives it back."""
    copied = copy.deepcopy(release)
    upgrade_release(copied)
    return plain(copied)


def exported(run: Callable[..., Result], tmp_path: Path, name: str, *flags: str) -> Any:
    target = tmp_path / name
    assert_ok(run("export", "--format", "ocds", "--validate", *flags, "-o", str(target)))
    package = json.loads(target.read_text("utf-8"))
    assert package.pop("publishedDate")
    for release in package.get("releases", []):
        # the registry's own release is dated when the case was imported: two registries
        # imported a second apart differ there, and nowhere else
        if "-baltmet-" in release["id"]:
            release["id"] = re.sub(r"-baltmet-\d{8}T\d{6}Z$", "-baltmet-STAMP", release["id"])
            release["date"] = "STAMP"
    return package


def test_a_1_0_package_imports_as_its_1_1_twin(
    session: Session, run: Callable[..., Result], tmp_path: Path, sqlite_template: Path
) -> None:
    run = closing(session, run)
    result = assert_ok(run("import", str(DATA / "release-package.json"), "--city", "RIX"))
    assert result.output.splitlines()[:2] == [
        "release-package.json: 1 created, 0 updated, 0 unchanged, 0 skipped",
        f"warning: release-package.json: {NOTE} (3 releases; the package has no version, or "
        "version 1.0): organisations moved into parties, amendment into amendments, and the "
        "transactions' amount, providerOrganization and receiverOrganization into value, "
        "payer and payee; the registry keeps the upgraded releases",
    ]
    twin_registry = empty_registry(tmp_path, sqlite_template, "twin.sqlite")
    twin = assert_ok(
        run_on(twin_registry, "import", str(DATA / "release-package-1.1.json"), "--city", "RIX")
    )
    assert NOTE not in twin.output
    # the same warnings otherwise (about the same releases, as mapped)
    assert [w.replace("-1.1.json", ".json") for w in twin.output.splitlines()[1:]] == (
        result.output.splitlines()[2:]
    )

    session.expire_all()
    case = session.scalars(select(Case).where(Case.ocid == OCID)).one()
    assert case.buyer.name == "Rīgas pilsētas pašvaldība"
    assert case.winner is not None and case.winner.name == "Example Electric Bus SIA"
    assert case.winner_country == "LV"
    assert case.tenders_received == 3
    assert case.status == "completed"
    assert case.awarded_value == Decimal("5400000.00")
    assert case.final_value == Decimal("5650000.50")  # the terminated contract's transactions

    # the case exports as the 1.1 twin's does: compiled, and with the releases received
    exports = {}
    for flags in ((), ("--releases",)):
        name = "-".join(("export", *flags))
        ours = exported(run, tmp_path, f"{name}.json", *flags)
        theirs = exported(
            lambda *a: run_on(twin_registry, *a), tmp_path, f"{name}-twin.json", *flags
        )
        assert ours == theirs
        exports[flags] = ours
    (compiled,) = exports[()]["releases"]
    assert [(p["name"], p["roles"]) for p in compiled["parties"]] == [
        ("Rīgas pilsētas pašvaldība", ["buyer"]),  # the newest release's roles
        ("Example Electric Bus SIA", ["tenderer", "supplier"]),
        ("Example Coachworks AS", ["tenderer"]),
        ("Example Mobility GmbH", ["tenderer"]),
        ("Rīgas pilsētas pašvaldība", ["payer"]),  # an identifier only in 1.0: another party
        ("Example Electric Bus SIA", ["payee"]),
    ]
    assert compiled["buyer"]["id"] in {p["id"] for p in compiled["parties"]}

    # the release store keeps the releases upgraded (the form mapped and exported): the
    # twin's releases as published
    twin_releases = loaded("release-package-1.1.json")["releases"]
    assert stored(session, OCID) == [plain(r) for r in twin_releases]
    assert stored(session, OCID) == [
        upgraded(r) for r in loaded("release-package.json")["releases"]
    ]

    # the same file again: nothing new (the upgrade gives the same releases again)
    again = assert_ok(run("import", str(DATA / "release-package.json"), "--city", "RIX"))
    assert again.output.startswith("release-package.json: 0 created, 0 updated, 1 unchanged")
    assert len(stored(session, OCID)) == 3


def test_a_1_0_record_package_is_upgraded(session: Session, run: Callable[..., Result]) -> None:
    run = closing(session, run)
    result = assert_ok(run("import", str(DATA / "record-package.json"), "--city", "TLL"))
    assert f"warning: record-package.json: {NOTE} (1 release;" in result.output
    session.expire_all()
    case = session.scalars(select(Case).where(Case.ocid == "ocds-ee0001-2017-lights")).one()
    assert (case.buyer.name, case.tenders_received, case.contact_email) == (
        "Tallinna Kommunaalamet",
        2,
        "hanked@example.ee",
    )
    assert case.winner is not None and case.winner.name == "Example Lighting OÜ"
    assert case.final_value is None  # the contract is active: its payment is an interim one
    (kept,) = stored(session, "ocds-ee0001-2017-lights")  # the compiled release, upgraded
    assert kept == upgraded(loaded("record-package.json")["records"][0]["compiledRelease"])
    assert kept["tender"]["amendments"][0]["rationale"] == "Tender period extended by a week"
    assert [(p.get("name"), p["roles"]) for p in kept["parties"]] == [
        ("Tallinna Kommunaalamet", ["buyer", "procuringEntity"]),
        ("Example Lighting OÜ", ["tenderer", "supplier"]),
        ("Example Valgus AS", ["tenderer"]),
        (None, ["payer"]),  # the transaction's providerOrganization has no legalName
        ("Example Lighting OÜ", ["payee"]),  # an identifier only in 1.0: another party
    ]


def _changed_by_an_upgrade() -> dict[str, Any]:
    """A valid OCDS 1.1 release an upgrade would change: a buyer reference whose party is
    not listed (an upgrade would add one), roles not in order (an upgrade sorts them), and a
    transaction with the deprecated ``amount`` and ``providerOrganization``."""
    return {
        "ocid": "ocds-lv0001-2025-11",
        "id": "2025-11-award",
        "date": "2025-06-01T00:00:00Z",
        "tag": ["award"],
        "initiationType": "tender",
        "parties": [
            {"id": "LV-RE-40000000001", "name": "Example SIA", "roles": ["tenderer", "supplier"]}
        ],
        "buyer": {"id": "LV-RE-90011524360", "name": "Rīgas pilsētas pašvaldība"},
        "tender": {
            "id": "2025-11",
            "title": "Tram stop shelters",
            "procurementMethod": "open",
            "tenderers": [{"id": "LV-RE-40000000001", "name": "Example SIA"}],
        },
        "awards": [
            {
                "id": "a1",
                "status": "active",
                "value": {"amount": 120000, "currency": "EUR"},
                "suppliers": [{"id": "LV-RE-40000000001", "name": "Example SIA"}],
            }
        ],
        "contracts": [
            {
                "id": "c1",
                "awardID": "a1",
                "status": "active",
                "implementation": {
                    "transactions": [
                        {
                            "id": "t1",
                            "amount": {"amount": 60000, "currency": "EUR"},
                            "providerOrganization": {"scheme": "LV-RE", "id": "90011524360"},
                        }
                    ]
                },
            }
        ],
    }


@pytest.mark.parametrize("version_at", ["start", "end"])
def test_a_1_1_package_is_not_touched(
    session: Session, run: Callable[..., Result], tmp_path: Path, version_at: str
) -> None:
    """Its version before or after its releases (a streamed file learns it at the end)."""
    run = closing(session, run)
    release = _changed_by_an_upgrade()
    assert upgrade_release(copy.deepcopy(release)) != release  # what an upgrade would do
    package = {"uri": "https://x.example/p.json", "version": "1.1", "releases": [release]}
    text = json.dumps(package, indent=1, sort_keys=version_at == "end")
    assert (text.index('"version"') > text.index('"releases"')) == (version_at == "end")
    path = tmp_path / "current.json"
    path.write_text(text, "utf-8")
    result = assert_ok(run("import", str(path), "--city", "RIX"))
    assert NOTE not in result.output
    assert stored(session, release["ocid"]) == [plain(release)]


def test_releases_outside_a_package_are_not_touched(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    """A bare release or a JSON Lines file of releases has no package version to go by:
    it is read as it is, whatever its shape."""
    run = closing(session, run)
    published = loaded("release-package.json")["releases"]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(published[1], indent=1), "utf-8")
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps(_changed_by_an_upgrade()) + "\n", "utf-8")
    for path in (bare, lines):
        result = assert_ok(run("import", str(path), "--city", "RIX"))
        assert NOTE not in result.output
    assert stored(session, OCID) == [plain(published[1])]
    assert stored(session, "ocds-lv0001-2025-11") == [plain(_changed_by_an_upgrade())]


def test_version_1_0_late_in_the_file_and_json_lines_of_1_0_packages(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    package = loaded("release-package.json")
    published = copy.deepcopy(package["releases"])
    late = tmp_path / "late.json"
    late.write_text(json.dumps({**package, "version": "1.0"}, indent=1), "utf-8")
    assert late.read_text("utf-8").index('"version"') > late.read_text("utf-8").index("releases")
    result = assert_ok(run("import", str(late), "--city", "RIX"))
    assert f"warning: late.json: {NOTE} (3 releases;" in result.output
    assert stored(session, OCID) == [upgraded(r) for r in published]

    # one 1.0 package a line (no version): each line's releases upgraded
    other = copy.deepcopy(published)
    for release in other:
        release["ocid"] = "ocds-lv0001-2016-lines"
    lines = tmp_path / "packages.jsonl"
    lines.write_text(
        "".join(
            json.dumps({"uri": f"https://x.example/{i}", "releases": [r]}) + "\n"
            for i, r in enumerate(other)
        ),
        "utf-8",
    )
    result = assert_ok(run("import", str(lines), "--city", "RIX"))
    assert f"warning: packages.jsonl: {NOTE} (3 releases;" in result.output
    assert stored(session, "ocds-lv0001-2016-lines") == [upgraded(r) for r in other]


def test_messy_1_0_organisations_and_transactions(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    """What cannot be upgraded (ocdskit stops on it) is left as it is, each reported."""
    run = closing(session, run)
    release = {
        "ocid": "ocds-lv0001-2016-snow",
        "id": "snow-1",
        "date": "2016-11-01T00:00:00Z",
        "tag": ["award"],
        "buyer": {"name": "Rīgas pilsētas pašvaldība"},  # no identifier: id from the name
        "tender": {
            "id": "snow",
            "title": "Snow clearing",
            "procurementMethod": "open",
            "procuringEntity": "Rīgas pilsētas pašvaldība",
            "tenderers": [{"id": "snow", "name": "Snow SIA"}, None, "Ice SIA"],
        },
        "awards": [
            {"id": "a0", "status": "cancelled", "suppliers": {"name": "Snow SIA"}},
            "not an award",
            {
                "id": "a2",
                "status": "active",
                "value": {"amount": 90000, "currency": "EUR"},
                "suppliers": [{"id": "snow", "name": "Snow SIA", "address": {"locality": "Rīga"}}],
            },
        ],
        "contracts": [
            {
                "id": "c1",
                "status": "terminated",
                "implementation": {
                    "transactions": [
                        {"id": "t1", "providerOrganization": "Riga"},
                        {"id": "t2", "amount": {"amount": 10, "currency": "EUR"}},
                        "junk",
                    ]
                },
            }
        ],
    }
    path = tmp_path / "messy.json"
    path.write_text(json.dumps({"publisher": {"name": "Messy"}, "releases": [release]}), "utf-8")
    result = assert_ok(run("import", str(path), "--city", "RIX"))
    assert "Traceback" not in result.output
    at = "warning: messy.json, releases[0], ocid ocds-lv0001-2016-snow, release snow-1"
    left = "left as it is (not upgraded to OCDS 1.1)"
    for expected in (
        f"{at}, tender.procuringEntity: not an organisation object; {left}",
        f"{at}, tender.tenderers[2]: not an organisation object; {left}",
        f"{at}, awards[0].suppliers: not an array; {left}",
        f"{at}, awards[2].suppliers[0]: the organisation 'snow' differs from the one already "
        'in parties (roles ["tenderer"]); parties keeps the first (as ocdskit does)',
        f"{at}, contracts[0].implementation.transactions[0].providerOrganization: not an "
        f"identifier object; {left}",
        f"warning: messy.json: {NOTE} (1 release;",
    ):
        assert expected in result.output, expected
    (kept,) = stored(session, "ocds-lv0001-2016-snow")
    assert kept["tender"]["procuringEntity"] == "Rīgas pilsētas pašvaldība"
    assert kept["tender"]["tenderers"][1:] == [None, "Ice SIA"]
    assert kept["awards"][0]["suppliers"] == {"name": "Snow SIA"}
    assert kept["awards"][2]["suppliers"] == [{"id": "snow", "name": "Snow SIA"}]
    assert [p["roles"] for p in kept["parties"]] == [["buyer"], ["tenderer", "supplier"]]
    assert kept["parties"][1] == {
        "id": "snow",
        "name": "Snow SIA",
        "roles": ["tenderer", "supplier"],
    }
    transactions = kept["contracts"][0]["implementation"]["transactions"]
    assert transactions == [
        {"id": "t1", "providerOrganization": "Riga"},
        {"id": "t2", "value": {"amount": 10, "currency": "EUR"}},
        "junk",
    ]
    session.expire_all()
    case = session.scalars(select(Case).where(Case.ocid == "ocds-lv0001-2016-snow")).one()
    assert case.buyer.name == "Rīgas pilsētas pašvaldība"
    assert case.winner is not None and case.winner.name == "Snow SIA"


def test_minor_version_as_ocdskit_tells_it() -> None:
    assert minor_version({"releases": []}) == "1.0"
    assert minor_version({"releases": [], "version": "1.1"}) == "1.1"
    assert minor_version({"records": [], "version": "1.0"}) == "1.0"
    assert minor_version({"ocid": "x", "releases": [{"parties": []}]}) == "1.1"
    assert minor_version({"ocid": "x", "releases": [{"buyer": {}}]}) == "1.0"
    assert minor_version({"ocid": "x", "buyer": {}}) == "1.0"
