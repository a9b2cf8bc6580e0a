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

from tests.helpers import add, assert_ok, case_data

Run = Callable[..., Result]


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
