"""``case edit`` in ``$EDITOR``: a scripted editor saves an error, then a fix; typed text survives.

The editor is a small Python script (written to tmp_path) that follows a plan, one step per
time it is opened, and copies what it was shown to ``seen-N.yaml`` for the test to read.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.helpers import add, assert_ok, case_data, show

Run = Callable[..., Result]

EDITOR_SCRIPT = """
import json, pathlib, re, sys
path = pathlib.Path(sys.argv[-1])
state = pathlib.Path(__file__).parent
counter = state / "count"
n = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(n))
text = path.read_text(encoding="utf-8")
(state / f"seen-{n}.yaml").write_text(text, encoding="utf-8")
step = json.loads((state / "plan.json").read_text(encoding="utf-8"))[n - 1]
if step == "nosave":
    sys.exit(0)
if step == "fail":
    sys.exit(3)
if step == "empty":
    text = ""
else:
    for pattern, replacement in step:
        text, count = re.subn(pattern, replacement, text, flags=re.M)
        assert count == 1, pattern
path.write_text(text, encoding="utf-8")
"""

TITLE = "Malmö, Rīga, Санкт-Петербург and Kraków share buses"


class Editor:
    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder
        (folder / "editor.py").write_text(EDITOR_SCRIPT, encoding="utf-8")
        self.env = {
            "EDITOR": f"{shlex.quote(sys.executable)} {shlex.quote(str(folder / 'editor.py'))}",
            "VISUAL": "",
            "PROCUREMENT_INTERACTIVE": "1",
        }

    def plan(self, *steps: Any) -> dict[str, str]:
        (self.folder / "plan.json").write_text(
            json.dumps(list(steps), ensure_ascii=False), encoding="utf-8"
        )
        (self.folder / "count").unlink(missing_ok=True)
        return self.env

    def seen(self, n: int) -> str:
        return (self.folder / f"seen-{n}.yaml").read_text(encoding="utf-8")

    @property
    def opened(self) -> int:
        return int((self.folder / "count").read_text())


@pytest.fixture
def editor(tmp_path: Path) -> Editor:
    return Editor(tmp_path / "editor")


@pytest.fixture
def reference(run: Run) -> str:
    return add(run, case_data())


def test_error_then_fix_keeps_typed_text(run: Run, editor: Editor, reference: str) -> None:
    env = editor.plan(
        [
            [r"^title: .*$", f"title: {TITLE}"],
            [r"^status: .*$", "status: finished"],
            [r"^tenders_received: .*$", "tenders_received: 7"],
            [r"^description: .*$", "description:"],
        ],
        [[r"^status: finished$", "status: implementation"]],
    )
    result = assert_ok(run("case", "edit", reference, env=env))
    assert editor.opened == 2
    first, second = editor.seen(1), editor.seen(2)
    assert "# Short title of the procurement. Required.\ntitle: Electric buses" in first
    assert "#! The case was NOT saved" not in first
    assert second.startswith(
        "#! The case was NOT saved. Fix these problems, then save and close again:\n"
        "#!   - status: 'finished' is not one of: planned, tender, awarded, implementation, "
        "completed, cancelled\n"
    )
    assert f"\ntitle: {TITLE}\n" in second  # the text typed before the error survives
    assert "\ntenders_received: 7\n" in second
    assert result.output == (
        f"Not saved: invalid input: status: 'finished' is not one of: planned, tender, awarded, "
        "implementation, completed, cancelled. Reopening the editor.\n"
        f"Updated {reference}: title, description, status, tenders_received.\n"
    )
    stored = show(run, reference)
    assert (stored["title"], stored["status"], stored["tenders_received"]) == (
        TITLE,
        "implementation",
        7,
    )
    assert stored["description"] is None
    events = json.loads(run("case", "history", reference, "--format", "json").stdout)
    assert [e["action"] for e in events] == ["update", "create"]


def test_yaml_mistake_then_fix(run: Run, editor: Editor, reference: str) -> None:
    env = editor.plan(
        [[r"^title: .*$", "title: [Kraków"], [r"^buyer: .*$", "buyer: Gmina Miejska Kraków"]],
        [[r"^title: \[Kraków$", 'title: "Kraków: trams"']],
    )
    assert_ok(run("case", "edit", reference, env=env))
    second = editor.seen(2)
    assert re.search(r"^#!   - the document is not valid YAML at line \d+: ", second, re.M)
    assert "\nbuyer: Gmina Miejska Kraków\n" in second
    stored = show(run, reference)
    assert (stored["title"], stored["buyer"]) == ("Kraków: trams", "Gmina Miejska Kraków")


@pytest.mark.parametrize("step", ["nosave", "empty"])
def test_closed_unsaved_or_emptied_changes_nothing(
    run: Run, editor: Editor, reference: str, step: str
) -> None:
    result = assert_ok(run("case", "edit", reference, env=editor.plan(step)))
    assert result.output == f"No change to {reference}.\n"
    events = json.loads(run("case", "history", reference, "--format", "json").stdout)
    assert [e["action"] for e in events] == ["create"]


def test_giving_up_after_an_error_keeps_the_text(run: Run, editor: Editor, reference: str) -> None:
    env = editor.plan(
        [[r"^title: .*$", f"title: {TITLE}"], [r"^satisfaction:.*$", "satisfaction: 9"]],
        "nosave",
    )
    result = run("case", "edit", reference, env=env)
    assert result.exit_code == 1
    match = re.search(
        rf"Edit abandoned; {reference} is unchanged\. Your text is kept in (.+)\.\n$", result.output
    )
    assert match is not None, result.output
    kept = Path(match.group(1))
    try:
        text = kept.read_text(encoding="utf-8")
        assert f"\ntitle: {TITLE}\n" in text
        assert "#!   - satisfaction: '9' is not a rating" in text
    finally:
        kept.unlink()
    assert show(run, reference)["title"] == case_data()["title"]


def test_editor_failure_keeps_the_text(run: Run, editor: Editor, reference: str) -> None:
    result = run("case", "edit", reference, env=editor.plan("fail"))
    assert result.exit_code == 1
    match = re.search(r"Editing failed; your text is kept in (\S+) ", result.output)
    assert match is not None, result.output
    kept = Path(match.group(1))
    assert kept.read_text(encoding="utf-8") == editor.seen(1)
    kept.unlink()
