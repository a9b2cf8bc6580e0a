"""``export --releases`` of imported cases: the publisher's releases as published, then the
registry's own release; compiling them gives the compiled export."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from ocdsmerge import Merger
from sqlalchemy.orm import Session

from tests.helpers import OCDS_SCHEMAS, assert_ok, closing

DATA = Path(__file__).parent / "data" / "ocds-merge"
OCID = "ocds-b5fd17-0a1b2c3d"


def by_ocid(package: dict[str, Any], ocid: str) -> list[dict[str, Any]]:
    return [r for r in package["releases"] if r["ocid"] == ocid]


def comparable(value: Any) -> Any:
    """Arrays of objects with ids compared whatever their order (merged by id in OCDS)."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in ("id", "date", "tag")}
    if isinstance(value, list):
        items = [comparable(v) for v in value]
        if all(isinstance(v, dict) and "id" in v for v in value):
            keyed = sorted(zip([str(v["id"]) for v in value], items, strict=True))
            return [(k, item) for k, item in keyed]
        return items
    return value


def export(run: Callable[..., Result], *extra: str) -> dict[str, Any]:
    out = assert_ok(run("export", "--format", "ocds", "--validate", *extra, "-o", "-")).output
    package: dict[str, Any] = json.loads(out)
    return package


def test_releases_of_imported_cases_are_the_publisher_s(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    tender = json.loads((DATA / "tender.json").read_text("utf-8"))
    tender["releases"][0]["tender"]["awardCriteria"] = "lowestCost"  # codes stay the publisher's
    tender["releases"][0]["tender"]["procurementMethod"] = "direct"
    (tmp_path / "tender.json").write_text(json.dumps(tender), "utf-8")
    for name in ("award.json", "update.json"):
        (tmp_path / name).write_text((DATA / name).read_text("utf-8"), "utf-8")
    assert_ok(run("import", str(tmp_path), "--city", "CPH"))
    merger = Merger(schema=str(OCDS_SCHEMAS / "ppp-profile" / "release-schema.json"))
    for step in ("as imported", "after an officer's edit"):
        history = by_ocid(export(run, "--releases"), OCID)
        published = [(r["id"], r["date"]) for r in history[:-1]]
        assert published == [
            (f"{OCID}-tender-1", "2025-02-03T09:30:00+01:00"),
            (f"{OCID}-award-1", "2025-06-20T14:00:00+01:00"),
            (f"{OCID}-update-1", "2025-07-01T10:00:00Z"),
        ], step
        assert history[0]["tender"]["awardCriteria"] == "lowestCost"
        assert history[0]["tender"]["procurementMethod"] == "direct"
        ours = history[-1]
        assert ours["id"].startswith(f"{OCID}-baltmet-") and ours["baltmet"]["city"] == "CPH"
        # compiling the releases gives the compiled export
        (compiled,) = by_ocid(export(run), OCID)
        merged = merger.create_compiled_release(copy.deepcopy(history))
        assert comparable(merged) == comparable(compiled), step
        reference = compiled["baltmet"]["reference"]
        assert_ok(run("case", "edit", reference, "--set", "title=Smart lighting, phase 1"))
    assert by_ocid(export(run, "--releases"), OCID)[-1]["tender"]["title"] == (
        "Smart lighting, phase 1"
    )


def test_record_package_gives_each_case_s_releases_compiled_and_versioned(
    session: Session, run: Callable[..., Result]
) -> None:
    run = closing(session, run)
    assert_ok(run("import", str(DATA), "--city", "CPH"))
    assert_ok(run("case", "add", "--no-input", "--city", "HEL", "--buyer", "City of Helsinki",
                  "--title", "Electric buses", "--category", "goods", "--sector", "transport",
                  "--procedure", "open", "--status", "tender"))  # fmt: skip
    package = export(run, "--records")
    assert "releases" not in package and package["extensions"][0].endswith("extension.json")
    records = {r["ocid"]: r for r in package["records"]}
    assert len(records) == 3
    merger = Merger(schema=str(OCDS_SCHEMAS / "ppp-profile" / "release-schema.json"))
    history = {r["ocid"]: [] for r in package["records"]}
    for release in export(run, "--releases")["releases"]:
        history[release["ocid"]].append(release)
    compiled = {r["ocid"]: r for r in export(run)["releases"]}
    for ocid, record in records.items():
        assert record["releases"] == history[ocid]
        assert record["compiledRelease"] == compiled[ocid]
        expected = merger.create_versioned_release(copy.deepcopy(record["releases"]))
        assert record["versionedRelease"] == expected
    versions = records[OCID]["versionedRelease"]["tender"]["numberOfTenderers"]
    assert [v["releaseID"] for v in versions] == [f"{OCID}-award-1"]


def test_json_lines_give_the_package_s_releases_and_records_one_per_line(
    session: Session, run: Callable[..., Result]
) -> None:
    run = closing(session, run)
    assert_ok(run("import", str(DATA), "--city", "CPH"))
    for extra, key in (([], "releases"), (["--releases"], "releases"), (["--records"], "records")):
        package = export(run, *extra)
        out = assert_ok(
            run("export", "--format", "ocds", "--json-lines", "--validate", *extra, "-o", "-")
        ).output
        lines = [json.loads(line) for line in out.splitlines()]
        assert lines == package[key]


def test_releases_of_a_case_from_another_baltmet_registry_compile_to_its_export(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    """A BaltMet export imported here: its KPIs (objects without ids) are not doubled when
    the --releases output is compiled."""
    from tests.helpers import add_varied_cases

    add_varied_cases(session)
    run = closing(session, run)
    exported = tmp_path / "other-registry.json"
    exported.write_text(json.dumps(export(run)), "utf-8")
    package = json.loads(exported.read_text("utf-8"))
    with_kpis = [r for r in package["releases"] if r["baltmet"].get("outcome", {}).get("kpis")]
    assert with_kpis
    for release in package["releases"]:
        release["ocid"] = release["ocid"].replace("ocds-", "ocds-zz", 1)
        release["baltmet"].pop("reference")
    exported.write_text(json.dumps(package), "utf-8")
    assert_ok(run("import", str(exported)))
    merger = Merger(schema=str(OCDS_SCHEMAS / "ppp-profile" / "release-schema.json"))
    compiled = {r["ocid"]: r for r in export(run)["releases"]}
    history: dict[str, list[dict[str, Any]]] = {}
    for release in export(run, "--releases")["releases"]:
        history.setdefault(release["ocid"], []).append(release)
    ocid = with_kpis[0]["ocid"]  # renamed above
    merged = merger.create_compiled_release(copy.deepcopy(history[ocid]))
    assert comparable(merged) == comparable(compiled[ocid])
