"""Guarantee: files are written whole or not at all, never through a planted link, never
onto the registry itself, and an existing file is replaced only with --force.

Found by an adversarial review: `db backup`, `export -o` and `template` wrote through a
planted `FILE.partial` symlink (`ln -s other.sqlite bk.sqlite.partial` overwrote another
registry), and `export -o` onto the registry file silently replaced the registry with CSV.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.helpers import add, assert_ok, case_data

Run = Callable[..., Result]


def planted(tmp_path: Path, target: Path) -> Path:
    """Another registry, and a link to it where the old code put its temporary file."""
    victim = tmp_path / "other.sqlite"
    victim.write_bytes(b"another registry's bytes")
    (target.parent / (target.name + ".partial")).symlink_to(victim)
    return victim


@pytest.mark.parametrize(
    "command",
    [
        ("export", "--format", "csv", "-o", "{out}.csv"),
        ("export", "--format", "xlsx", "-o", "{out}.xlsx"),
        ("template", "{out}.xlsx"),
        ("report", "compare", "--format", "html", "--output", "{out}.html"),
    ],
    ids=["export-csv", "export-xlsx", "template", "report"],
)
def test_a_planted_partial_link_is_never_followed(
    run: Run, tmp_path: Path, command: tuple[str, ...]
) -> None:
    add(run, case_data())
    out = tmp_path / "out"
    args = [a.replace("{out}", str(out)) for a in command]
    target = Path(args[-1])
    victim = planted(tmp_path, target)
    assert_ok(run(*args))
    assert victim.read_bytes() == b"another registry's bytes"
    assert target.is_file() and not target.is_symlink()
    assert target.stat().st_size > 0
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert leftovers == [target.name + ".partial"]  # only the planted link


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a registry file: SQLite
def test_export_onto_the_registry_itself_is_refused(run: Run, db_url: str) -> None:
    reference = add(run, case_data())
    registry = Path(db_url.removeprefix("sqlite:///"))
    before = registry.read_bytes()[:16]
    result = run("export", "--format", "csv", "-o", str(registry), "--force")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {registry} is the registry's own database file; choose another file\n"
    )
    assert registry.read_bytes()[:16] == before == b"SQLite format 3\x00"
    assert assert_ok(run("case", "show", reference)).output.startswith(reference)


@pytest.mark.parametrize("kind", ["export", "template"])
def test_an_existing_file_is_replaced_only_with_force(run: Run, tmp_path: Path, kind: str) -> None:
    add(run, case_data())
    target = tmp_path / "cases.csv"
    target.write_text("keep me", encoding="utf-8")
    args = (
        ("export", "--format", "csv", "-o", str(target))
        if kind == "export"
        else ("template", str(target))
    )
    refused = run(*args)
    assert refused.exit_code == 2
    assert refused.output == (
        f"Error: {target} exists already; choose another name, or add --force to replace it\n"
    )
    assert target.read_text("utf-8") == "keep me"
    assert_ok(run(*args, "--force"))
    assert target.read_text("utf-8").startswith("reference,")


def test_an_output_folder_that_does_not_exist_is_one_line(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "cases.csv"
    result = run("export", "--format", "csv", "-o", str(missing))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: the folder {missing.parent} does not exist; create it first or choose another\n"
    )


def test_reports_get_the_permissions_of_any_new_file(run: Run, tmp_path: Path) -> None:
    add(run, case_data())
    old = os.umask(0o022)
    try:
        assert_ok(run("report", "compare", "--output", str(tmp_path / "r.html")))
        assert_ok(run("export", "--format", "csv", "-o", str(tmp_path / "c.csv")))
    finally:
        os.umask(old)
    for name in ("r.html", "c.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
