"""Guarantee: a bad day ends with one line and leaves nothing behind.

Found by an adversarial review: `--search` treated `%` and `_` as wildcards; a full disk
during `db backup` left a `.partial` file and "unexpected failure (OperationalError: database
or disk is full)"; an import on a full disk said "no such savepoint"; a registry on a
read-only file system refused even `case list`.

The full-disk and read-only tests mount a small tmpfs, which needs root (as in CI); where
mounting is not allowed they are skipped, with the reason shown.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from tests.helpers import add, assert_ok, case_data, flags, run_on

Run = Callable[..., Result]
ADD = ("case", "add", "--no-input", "--quiet", *flags(case_data(title="Another")))


def test_search_takes_percent_and_underscore_literally(run: Run) -> None:
    literal = add(run, case_data(title="Energy use down 20% in schools"))
    add(run, case_data(title="Energy use down 20 points in schools"))
    underscore = add(run, case_data(title="Project smart_city"))
    add(run, case_data(title="Project smartXcity"))

    def found(words: str) -> list[str]:
        out = assert_ok(run("case", "list", "--search", words, "--format", "json")).stdout
        return [c["reference"] for c in json.loads(out)]

    assert found("20%") == [literal]
    assert found("smart_city") == [underscore]
    assert found("%") == [literal]


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount small tmpfs file systems under tmp_path (root only); unmounted afterwards."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"fs{len(mounted)}"
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'})")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def registry_on(point: Path) -> str:
    url = f"sqlite:///{point / 'registry.sqlite'}"
    assert_ok(run_on(url, "init"))
    return url


def test_a_registry_on_a_read_only_file_system_still_answers_reads(
    tmpfs: Callable[[str], Path], tmp_path: Path
) -> None:
    point = tmpfs("4m")
    url = registry_on(point)
    reference = add(lambda *a, **k: run_on(url, *a), case_data())
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    assert assert_ok(run_on(url, "case", "list")).output.splitlines()[1].startswith(reference)
    assert json.loads(assert_ok(run_on(url, "report", "compare", "--format", "json")).stdout)
    refused = run_on(url, *ADD)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: the registry in database '{url}' is read-only here: nothing was saved "
        "(listings, shows, exports and reports still work)\n"
    )


def test_a_full_disk_during_backup_is_one_line_and_leaves_nothing(
    tmpfs: Callable[[str], Path], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    assert_ok(run_on(url, "init"))
    many = [{**case_data(title=f"Case {i}"), "description": "x" * 4000} for i in range(60)]
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(many), encoding="utf-8")
    assert_ok(run_on(url, "import", str(rows), "--allow-duplicates"))
    small = tmpfs("96k")
    result = run_on(url, "db", "backup", str(small / "backup.sqlite"))
    assert result.exit_code == 1
    assert result.output == (
        "Error: the disk is full: nothing was saved; free some space and run the command again\n"
    )
    assert list(small.iterdir()) == []


def test_a_full_disk_during_an_import_is_one_line_and_changes_nothing(
    tmpfs: Callable[[str], Path], tmp_path: Path
) -> None:
    point = tmpfs("512k")
    url = registry_on(point)
    many = [{**case_data(title=f"Case {i}"), "description": "x" * 4000} for i in range(400)]
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(many), encoding="utf-8")
    result = run_on(url, "import", str(rows), "--allow-duplicates")
    assert result.exit_code == 1
    assert result.output == (
        "Error: the disk is full: nothing was saved; free some space and run the command again\n"
    )
    listed = json.loads(assert_ok(run_on(url, "case", "list", "--format", "json")).stdout)
    assert listed == []
