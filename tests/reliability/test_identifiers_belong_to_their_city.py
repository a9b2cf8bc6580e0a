"""Guarantee: nobody can take (and so block) another city's identifiers.

Found by an adversarial review: importing Helsinki cases that carried Riga's next OCDS ids
(`ocds-baltmt-RIX-2026-006`, ...) succeeded, and afterwards every Riga `case add` failed on
the unique ocid. A reference belongs to the city it starts with, an ocid made of this
registry's prefix and a reference belongs to that reference's city, and reference
allocation skips numbers whose ocid is held by any case.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select

from procurement.storage.schema import cases
from tests.helpers import DATA, Run, add, assert_ok, case_data


def rows_file(tmp_path: Path, rows: list[dict[str, object]]) -> str:
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_sheet_cannot_take_another_citys_ocid_or_reference(
    run: Run, engine: Engine, tmp_path: Path
) -> None:
    hel = case_data(city="HEL", awarded_on="2026-01-15", tender_published="2025-11-01")
    taking_ocid = {**hel, "ocid": "ocds-baltmt-RIX-2026-006"}
    result = run("import", rows_file(tmp_path, [taking_ocid]))
    assert result.exit_code == 2
    assert (
        "row 1, ocid: ocds-baltmt-RIX-2026-006 is this registry's identifier of a RIX case, "
        "not a HEL one; leave ocid blank and one is assigned"
    ) in result.output
    taking_reference = {**hel, "reference": "RIX-2026-006"}
    result = run("import", rows_file(tmp_path, [taking_reference]))
    assert result.exit_code == 2
    assert "RIX-2026-006 belongs to the numbering of RIX, not HEL" in result.output
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(cases)) == 0
    # Riga's numbering is untouched
    riga = add(run, case_data(city="RIX", awarded_on="2026-01-15", tender_published="2025-11-01"))
    assert riga == "RIX-2026-001"


def test_an_ocds_release_cannot_take_another_citys_ocid(run: Run, tmp_path: Path) -> None:
    package = json.loads((DATA / "ocds" / "portal-release-package.json").read_text("utf-8"))
    for number, release in enumerate(package["releases"], 6):
        release["ocid"] = f"ocds-baltmt-RIX-2026-{number:03d}"
    path = tmp_path / "hel.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    result = run("import", str(path), "--city", "HEL")
    assert "is this registry's identifier of a RIX case, not a HEL one" in result.output
    assert "0 created" in result.output
    riga = add(run, case_data(city="RIX", awarded_on="2026-01-15", tender_published="2025-11-01"))
    assert riga.startswith("RIX-2026-")


def test_allocation_skips_numbers_whose_ocid_a_case_holds(
    run: Run, engine: Engine, tmp_path: Path
) -> None:
    """A case recorded before this rule (or by SQL) holding the ocid of HEL-2026-001 under
    another reference does not block HEL's numbering: the number is skipped."""
    imported = {
        **case_data(city="HEL", awarded_on="2026-01-15", tender_published="2025-11-01"),
        "reference": "HEL-IMPORTED-1",
    }
    assert_ok(run("import", rows_file(tmp_path, [imported])))
    with engine.begin() as conn:
        conn.execute(
            cases.update()
            .where(cases.c.reference == "HEL-IMPORTED-1")
            .values(ocid="ocds-baltmt-HEL-2026-001")
        )
    first = add(run, case_data(city="HEL", awarded_on="2026-01-15", tender_published="2025-11-01"))
    assert first == "HEL-2026-002"
    assert add(run, case_data(city="HEL", awarded_on="2026-01-16")) == "HEL-2026-003"
