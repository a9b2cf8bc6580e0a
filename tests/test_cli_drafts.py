"""Guided ``case add`` keeps what was typed; ``--format json`` of add and edit; completion.

- Declining the summary opens the field menu; Enter there shows the summary again.
- Leaving without storing (end of input, Ctrl-C, a failure) keeps a draft (JSON, mode 0600)
  in ``$PROCUREMENT_DATA_DIR/drafts``; the next ``case add`` offers it, ``--resume`` and
  ``--discard-draft`` choose without asking; storing the case deletes it.
- Shell completion of references, ``--set FIELD=`` and ``--city`` through
  ``_PROCUREMENT_COMPLETE`` as a shell runs it.

Guided entry is driven through CliRunner (``PROCUREMENT_INTERACTIVE=1``) on both backends;
a real Ctrl-C once through a pseudo-terminal with pexpect.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from procurement.cases.fields import FIELDS
from procurement.cases.store.update import add_case
from procurement.cli import cli
from tests.helpers import add, assert_ok, case_data, flags, guided_add_on_a_terminal, show

Run = Callable[..., Result]
PROMPT = {"PROCUREMENT_INTERACTIVE": "1"}
DRAFT_KEPT = "Draft kept; run `procurement case add --resume` to continue.\n"
REQUIRED = {
    "city": "HEL",
    "buyer": "City of Helsinki",
    "title": "Electric buses",
    "category": "goods",
    "sector": "transport",
    "procedure": "open",
    "status": "planned",
}


def lines(*answers: str) -> str:
    return "\n".join(answers) + "\n"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Drafts go to the test's own folder, never to the user's data folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("PROCUREMENT_DATA_DIR", str(folder))
    return folder


def drafts_in(folder: Path) -> list[Path]:
    return sorted((folder / "drafts").glob("*.json")) if (folder / "drafts").exists() else []


def the_draft(folder: Path) -> dict[str, Any]:
    [path] = drafts_in(folder)
    content: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return content


def listed(run: Run) -> list[str]:
    return [
        c["reference"]
        for c in json.loads(assert_ok(run("case", "list", "--format", "json")).stdout)
    ]


# The summary: n opens the field menu, Enter there shows the summary again.


def test_declining_opens_the_field_menu_and_enter_shows_the_summary_again(
    run: Run, data_dir: Path
) -> None:
    result = assert_ok(
        run(
            "case", "add", *flags(REQUIRED),
            input=lines(
                "n",  # no optional details
                "n",  # do not store yet: the field menu
                "",  # Enter: the summary again, nothing lost
                "n",
                "nope",  # not a field: asked again
                "41",  # no such number
                "3",  # Title, by its number
                "Electric buses for Helsinki",
                "n",
                "Winner is an SME",  # by its label
                "yes",
                "y",
            ),
            env=PROMPT,
        )
    )  # fmt: skip
    out = result.output
    assert out.count("Summary of the case") == 4
    assert out.count("Fields you can change") == 3
    assert "   3  Title" in out and "  24  Winner is an SME" in out
    assert (
        "Field to change (number or name; Enter to see the summary again): nope\n"
        "  'nope' is not a field of a case: give a number from 1 to 29 or a name, e.g. title.\n"
    ) in out
    assert "  '41' is not a field of a case" in out
    assert "Title [Electric buses]: Electric buses for Helsinki\n" in out
    assert "Nothing stored" not in out
    assert re.search(r"\nAdded case HEL-\d{4}-001\.\n$", out)
    [reference] = listed(run)
    stored = show(run, reference)
    assert (stored["title"], stored["winner_is_sme"]) == ("Electric buses for Helsinki", True)
    assert drafts_in(data_dir) == []


def test_an_empty_required_answer_says_why_it_is_asked_again(run: Run) -> None:
    result = assert_ok(
        run(
            "case", "add", *flags({**REQUIRED, "title": None}),
            input=lines("", "  ", "Trams", "n", "y"),
            env=PROMPT,
        )
    )  # fmt: skip
    message = (
        "  title is required: no case is stored without it. "
        "Type a value (Ctrl-C leaves; your answers are kept as a draft).\n"
    )
    assert result.output.count(message) == 2
    assert show(run, listed(run)[0])["title"] == "Trams"


# Leaving without storing keeps a draft; the next `case add` offers it.


def test_end_of_input_keeps_a_draft_that_the_next_add_offers(run: Run, data_dir: Path) -> None:
    left = run("case", "add", input=lines("HEL", "Helsingin kaupunki", ""), env=PROMPT)
    assert left.exit_code == 1, left.output
    assert left.output.endswith(f"\nNothing stored. {DRAFT_KEPT}")
    assert listed(run) == []
    [path] = drafts_in(data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    draft = the_draft(data_dir)
    assert draft["answers"] == {"city": "HEL", "buyer": "Helsingin kaupunki"}
    assert draft["user"] == "tester"

    resumed = assert_ok(
        run(
            "case", "add",
            input=lines("y", "Bus depot", "works", "transport", "open", "tender", "n", "y"),
            env=PROMPT,
        )
    )  # fmt: skip
    out = resumed.output
    assert re.search(
        r"A draft from \d{4}-\d\d-\d\d \d\d:\d\d with 2 answers exists: resume it\? \[Y/n\]: y\n",
        out,
    )
    assert "City (number or code)" not in out  # answered in the draft: not asked again
    assert "Title: Bus depot\n" in out
    [reference] = listed(run)
    stored = show(run, reference)
    assert (stored["city"], stored["buyer"], stored["title"]) == (
        "HEL",
        "Helsingin kaupunki",
        "Bus depot",
    )
    assert drafts_in(data_dir) == []  # stored: the draft is gone


def test_leaving_before_any_answer_keeps_no_draft(run: Run, data_dir: Path) -> None:
    result = run("case", "add", input="", env=PROMPT)
    assert result.exit_code == 1
    assert result.output.endswith("City (number or code): \nNothing stored.\n")
    assert drafts_in(data_dir) == []
    # a draft that cannot be read is not offered (and the next one replaces it)
    run("case", "add", input=lines("HEL"), env=PROMPT)
    [path] = drafts_in(data_dir)
    path.write_text("{not json", encoding="utf-8")
    result = assert_ok(run("case", "add", *flags(REQUIRED), input=lines("n", "y"), env=PROMPT))
    assert "resume it?" not in result.output


def test_declining_the_offer_discards_the_draft(run: Run, data_dir: Path) -> None:
    run("case", "add", input=lines("RIX"), env=PROMPT)
    assert len(drafts_in(data_dir)) == 1
    result = assert_ok(run("case", "add", *flags(REQUIRED), input=lines("n", "n", "y"), env=PROMPT))
    assert "with 1 answer exists: resume it? [Y/n]: n\n" in result.output
    assert "Draft discarded; starting a new case.\n" in result.output
    assert show(run, listed(run)[0])["city"] == "HEL"
    assert drafts_in(data_dir) == []


class InterruptedInput(io.RawIOBase):
    """Typed lines, then Ctrl-C at the next question (input() raises KeyboardInterrupt)."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.position >= len(self.data):
            raise KeyboardInterrupt
        size = min(len(buffer), len(self.data) - self.position)
        buffer[:size] = self.data[self.position : self.position + size]
        self.position += size
        return size


def test_ctrl_c_exits_130_and_keeps_the_answers_so_far(
    run: Run, db_url: str, data_dir: Path
) -> None:
    typed = lines("y", "Charging stations on two lines", "34144900-7", "1, ppi")
    result = CliRunner().invoke(
        cli,
        ["--database", db_url, "--user", "tester", "case", "add", *flags(REQUIRED)],
        input=InterruptedInput(typed),  # type: ignore[arg-type]
        env=PROMPT,
    )
    assert result.exit_code == 130, result.output
    assert result.output.endswith(f"\nNothing stored. {DRAFT_KEPT}")
    assert listed(run) == []
    assert the_draft(data_dir)["answers"] == {
        **REQUIRED,
        "description": "Charging stations on two lines",
        "cpv": "34144900-7",
        "innovation_approaches": "market-dialogue;ppi",
    }
    # --resume takes it up without asking; a flag wins over the draft's answer
    result = assert_ok(
        run("case", "add", "--resume", "--status", "tender", input=lines("n", "y"), env=PROMPT)
    )
    assert "resume it?" not in result.output
    assert "Resuming the draft from " in result.output
    stored = show(run, listed(run)[0])
    assert stored["description"] == "Charging stations on two lines"
    assert stored["innovation_approaches"] == ["market-dialogue", "ppi"]
    assert stored["status"] == "tender"
    assert drafts_in(data_dir) == []


def test_resume_and_discard_draft_choose_without_asking(run: Run, data_dir: Path) -> None:
    run("case", "add", input=lines("OSL", "Oslo kommune"), env=PROMPT)
    assert len(drafts_in(data_dir)) == 1

    both = run("case", "add", "--resume", "--discard-draft", env=PROMPT)
    assert both.exit_code == 2
    assert both.output == (
        "Error: --resume and --discard-draft exclude each other; give one of them\n"
    )
    assert len(drafts_in(data_dir)) == 1

    result = assert_ok(
        run("case", "add", "--discard-draft", *flags(REQUIRED), input=lines("n", "y"), env=PROMPT)
    )
    assert "resume it?" not in result.output
    assert "Draft discarded.\n" in result.output
    assert drafts_in(data_dir) == []

    nothing = assert_ok(
        run("case", "add", "--resume", *flags(REQUIRED), input=lines("n", "y"), env=PROMPT)
    )
    assert "No draft to resume; starting a new case.\n" in nothing.output
    assert len(listed(run)) == 2


def test_resume_without_a_terminal_stores_a_complete_draft(run: Run, data_dir: Path) -> None:
    # the officer left at the summary: every required answer is in the draft
    left = run("case", "add", *flags(REQUIRED), input=lines("n"), env=PROMPT)
    assert left.exit_code == 1
    assert the_draft(data_dir)["answers"] == REQUIRED
    ignored = run("case", "add", "--no-input")  # a script without --resume ignores drafts
    assert ignored.exit_code == 2
    assert len(drafts_in(data_dir)) == 1
    result = assert_ok(run("case", "add", "--no-input", "--resume", "--quiet"))
    assert listed(run) == [result.stdout.strip()]
    assert drafts_in(data_dir) == []


def test_drafts_are_per_user_and_database(run: Run, data_dir: Path) -> None:
    run("case", "add", input=lines("TLL"), env=PROMPT, user="aino")
    result = assert_ok(
        run("case", "add", *flags(REQUIRED), input=lines("n", "y"), env=PROMPT, user="mikko")
    )
    assert "resume it?" not in result.output
    assert the_draft(data_dir)["answers"] == {"city": "TLL"}  # aino's, untouched
    assert the_draft(data_dir)["user"] == "aino"


def test_a_failure_while_storing_keeps_the_draft(
    run: Run, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from procurement.cases.store import create
    from procurement.core.errors import DatabaseError

    def busy(**kwargs: Any) -> str:
        raise DatabaseError("the database is busy")

    monkeypatch.setattr(create, "add_new_case", busy)
    result = run("case", "add", *flags(REQUIRED), input=lines("n", "y"), env=PROMPT)
    assert result.exit_code == 1
    assert result.output.endswith(f"Error: the database is busy; nothing stored. {DRAFT_KEPT}")
    assert the_draft(data_dir)["answers"] == REQUIRED

    def broken(**kwargs: Any) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(create, "add_new_case", broken)
    result = run("case", "add", input=lines("y", "n", "y"), env=PROMPT)  # resume, store
    assert result.exit_code == 1
    assert f"Nothing stored. {DRAFT_KEPT}" in result.output
    assert result.output.endswith(
        "Error: unexpected failure (RuntimeError: boom); rerun with PROCUREMENT_DEBUG=1\n"
    )
    assert listed(run) == []
    assert the_draft(data_dir)["answers"] == REQUIRED


def test_ctrl_c_on_a_real_terminal(tmp_path: Path, data_dir: Path) -> None:
    _, child = guided_add_on_a_terminal(tmp_path)
    try:
        child.expect_exact("City (number or code): ")
        child.sendline("RIX")
        child.expect_exact("Buyer: ")
        child.sendline("Rīgas dome")
        child.expect_exact("Title: ")
        child.sendintr()
        child.expect_exact("Nothing stored. " + DRAFT_KEPT.strip())
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    assert the_draft(data_dir)["answers"] == {"city": "RIX", "buyer": "Rīgas dome"}


# --format json: what was stored, for scripts.


def test_add_format_json_prints_the_stored_case(run: Run) -> None:
    data = case_data(contact_name="Aino Virtanen", contact_email="aino@example.org")
    result = assert_ok(run("case", "add", "--no-input", "--format", "json", *flags(data)))
    printed = json.loads(result.stdout)
    assert printed["reference"] == "HEL-2025-001"
    assert printed["ocid"].endswith("-HEL-2025-001")
    assert printed == show(run, "HEL-2025-001")  # the contact person included: it was typed
    assert printed["contact_email"] == "aino@example.org"
    plain = assert_ok(run("case", "add", "--no-input", *flags(data)))
    assert plain.stdout == "Added case HEL-2025-002.\n"  # the default is unchanged


def test_edit_format_json_prints_the_changes(run: Run, tmp_path: Path) -> None:
    reference = add(run, case_data())
    result = assert_ok(
        run(
            "case", "edit", reference, "--format", "json",
            "--set", "status=completed", "--set", "completed_on=2025-09-01",
            "--set", "description=",
        )
    )  # fmt: skip
    assert json.loads(result.stdout) == {
        "reference": reference,
        "changes": {
            "description": {"old": "Replace diesel buses on two lines.", "new": None},
            "status": {"old": "awarded", "new": "completed"},
            "completed_on": {"old": None, "new": "2025-09-01"},
        },
    }
    same = assert_ok(
        run("case", "edit", reference, "--format", "json", "--set", "status=completed")
    )
    assert json.loads(same.stdout) == {"reference": reference, "changes": {}}
    text = assert_ok(run("case", "edit", reference, "--set", "status=cancelled"))
    assert text.stdout == f"Updated {reference}: status.\n"

    script = tmp_path / "editor.py"
    script.write_text(
        "import pathlib, sys\n"
        "p = pathlib.Path(sys.argv[-1])\n"
        "p.write_text(p.read_text(encoding='utf-8').replace("
        "'winner: Nordic Bus Oy', 'winner: Baltic Bus AS'), encoding='utf-8')\n",
        encoding="utf-8",
    )
    editor = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    edited = assert_ok(
        run("case", "edit", reference, "--format", "json", env={**PROMPT, "EDITOR": editor})
    )
    assert json.loads(edited.stdout) == {
        "reference": reference,
        "changes": {"winner": {"old": "Nordic Bus Oy", "new": "Baltic Bus AS"}},
    }


# Shell completion, as bash asks for it.


def complete(url: str | None, words: str, env: dict[str, str] | None = None) -> list[str]:
    """The completions bash would offer for the last word of ``words``."""
    line = f"procurement --database {shlex.quote(url)} {words}" if url else f"procurement {words}"
    parts = shlex.split(line) + ([""] if line.endswith(" ") else [])
    result = CliRunner().invoke(
        cli,
        [],
        prog_name="procurement",
        env={
            "_PROCUREMENT_COMPLETE": "bash_complete",
            "COMP_WORDS": " ".join(shlex.quote(p) for p in parts),
            "COMP_CWORD": str(len(parts) - 1),
            **(env or {}),
        },
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


@pytest.fixture
def with_cases(session: Session) -> Iterator[dict[str, str]]:
    refs = {
        "hel1": add_case(session=session, data=case_data(), user="t").reference,
        "hel2": add_case(session=session, data=case_data(), user="t").reference,
        "rix": add_case(session=session, data=case_data(city="RIX"), user="t").reference,
    }
    session.commit()
    yield refs


def test_references_complete_from_the_registry(
    run: Run, db_url: str, with_cases: dict[str, str]
) -> None:
    hel1, hel2, rix = with_cases["hel1"], with_cases["hel2"], with_cases["rix"]
    assert complete(db_url, "case show HEL-") == [hel1, hel2]
    assert complete(db_url, "case history hel") == [hel1, hel2]  # any case
    assert complete(db_url, "case edit ") == sorted([hel1, hel2, rix])
    assert complete(db_url, "case show X") == []
    assert complete(db_url, "case show HEL%") == []  # LIKE wildcards are plain text
    assert_ok(run("case", "remove", hel2, "--yes"))
    assert complete(db_url, "case edit HEL") == [hel1]  # a removed case cannot be edited
    assert complete(db_url, "case remove HEL") == [hel1, hel2]  # ... but restored (--undo)
    assert complete(db_url, "case show HEL") == [hel1, hel2]
    # the database from the environment, as `procurement` reads it
    assert complete(None, "case show R", {"PROCUREMENT_DATABASE_URL": db_url}) == [rix]


def test_references_complete_at_most_50(db_url: str, session: Session) -> None:
    for _ in range(51):
        add_case(session=session, data=case_data(city="TLL"), user="t")
    session.commit()
    found = complete(db_url, "case show TLL")
    assert len(found) == 50
    assert found == sorted(found) and found[0].endswith("-001") and found[-1].endswith("-050")


def test_completion_never_fails(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "registry.sqlite"
    assert complete(f"sqlite:///{missing}", "case show HEL") == []
    assert not missing.parent.exists()  # completing creates no database
    empty = tmp_path / "empty.sqlite"
    empty.touch()  # not set up: no table
    assert complete(f"sqlite:///{empty}", "case show HEL") == []
    assert complete(f"sqlite:///{empty}", "case add --city ") == []
    assert complete("postgresql://nobody:x@127.0.0.1:1/none", "case edit HEL") == []
    assert complete("mysql://x/y", "case show HEL") == []


def test_set_completes_field_names_then_codes() -> None:
    assert complete(None, "case edit HEL-2025-001 --set sta") == ["status="]
    assert complete(None, "case edit HEL-2025-001 --set award") == [
        "awarded_on=",  # in the vocabulary's order
        "awarded_value=",
        "award_criteria=",
    ]
    every = complete(None, "case edit HEL-2025-001 --set ")
    assert every == [f"{f.name}=" for f in FIELDS]
    assert complete(None, "case edit HEL-2025-001 --set status=aw") == ["status=awarded"]
    assert complete(None, "case edit HEL-2025-001 --set ppp-model=d") == [
        "ppp-model=dbfo",
        "ppp-model=dbfom",
        "ppp-model=db-fm",
    ]
    assert complete(None, "case edit HEL-2025-001 --set title=E") == []
    assert complete(None, "case edit HEL-2025-001 --set nonsense=") == []


def test_city_completes_the_registry_codes(db_url: str) -> None:
    codes = ["BER", "CPH", "HEL", "LED", "MMA", "OSL", "RIX", "STO", "TLL", "VNO", "WAW"]
    assert complete(db_url, "case add --city ") == codes
    assert complete(db_url, "case add --city r") == ["RIX"]
