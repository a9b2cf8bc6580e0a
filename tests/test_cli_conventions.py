"""Conventions users expect from git, gh and sqlite-utils: one-line usage errors with a
hint, JSON output of what was stored for scripts, `-` for standard output."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import Run, add, assert_ok, case_data


def test_an_unknown_field_in_set_is_named_with_the_closest_field(run: Run) -> None:
    reference = add(run, case_data())
    result = run("case", "edit", reference, "--set", "Estimated value=5")
    assert result.exit_code == 2
    assert result.output == (
        "Error: --set: 'Estimated value' is not a field; did you mean estimated_value? "
        "(field names: `procurement case add --help`, e.g. --set estimated_value=5)\n"
    )


def test_ppp_and_outcome_set_print_what_was_stored_as_json(run: Run) -> None:
    reference = add(run, case_data())
    ppp = json.loads(
        assert_ok(
            run("ppp", "set", reference, "--ppp-model", "dbfo", "--risk",
                "construction=private", "--format", "json")
        ).stdout
    )  # fmt: skip
    assert ppp["reference"] == reference
    assert ppp["changes"]["ppp_model"] == {"old": None, "new": "dbfo"}
    assert ppp["changes"]["risks"] == {"old": None, "new": {"construction": "private"}}
    outcome = json.loads(
        assert_ok(
            run("outcome", "set", reference, "--satisfaction", "4", "--format", "json")
        ).stdout
    )
    assert outcome == {
        "reference": reference,
        "changes": {
            "satisfaction": {"old": None, "new": 4},
            "best_practice": {"old": None, "new": False},
        },
    }
    again = json.loads(
        assert_ok(
            run("outcome", "set", reference, "--satisfaction", "4", "--format", "json")
        ).stdout
    )
    assert again == {"reference": reference, "changes": {}}


def test_import_json_lists_each_rows_reference_and_action(run: Run, tmp_path: Path) -> None:
    first = add(run, case_data(title="Known"))
    rows = [
        {**case_data(title="New one"), "reference": None},
        {**case_data(title="Known"), "reference": first},
    ]
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    summary = json.loads(assert_ok(run("import", str(path), "--json")).stdout)
    [created] = summary["created"]
    assert summary["unchanged"] == [first]
    assert summary["rows"] == [
        {"row": 1, "reference": created, "action": "created"},
        {"row": 2, "reference": first, "action": "unchanged"},
    ]
    assert summary["skipped"] == [] and summary["dry_run"] is False


def test_export_dash_is_standard_output(run: Run) -> None:
    reference = add(run, case_data())
    out = assert_ok(run("export", "--format", "csv", "-o", "-")).stdout
    assert out.splitlines()[1].startswith(f"{reference},")


def test_import_dash_reads_standard_input(run: Run) -> None:
    rows = json.dumps([case_data(title="From a pipe")])
    result = assert_ok(run("import", "-", input=rows))
    assert result.output.startswith("stdin.json: 1 created")
    csv_text = (
        "city,buyer,title,category,sector,procedure,status\nHEL,B,Piped,goods,ict,open,planned\n"
    )
    assert assert_ok(run("import", "-", input=csv_text)).output.startswith("stdin.csv: 1 created")
    refused = run("import", "-", "--write-back", "x.csv", input=csv_text)
    assert refused.exit_code == 2
    assert refused.output == "Error: --write-back needs the sheet as a file, not standard input\n"


def test_case_add_from_dash_reads_the_case_from_standard_input(run: Run) -> None:
    """`case add --from -` takes JSON or YAML from a pipe, with the same checks as a file;
    it never asks questions (the input is the case), even where prompting is on."""
    piped = json.dumps(case_data(title="Piped JSON", estimated_value="1.250.000,50"))
    result = assert_ok(run("case", "add", "--from", "-", input=piped))
    reference = result.output.strip().removeprefix("Added case ").rstrip(".")
    stored = json.loads(assert_ok(run("case", "show", reference, "--format", "json")).stdout)
    assert (stored["title"], stored["estimated_value"]) == ("Piped JSON", "1250000.5")

    yaml_text = "city: RIX\nbuyer: Rīgas dome\ntitle: Piped YAML\ncategory: works\n"
    yaml_text += "sector: water\nprocedure: open\nstatus: planned\n"
    result = assert_ok(
        run("case", "add", "--from", "-", "--title", "Flag wins", input=yaml_text,
            env={"PROCUREMENT_INTERACTIVE": "1"})
    )  # fmt: skip
    assert result.output.startswith("Added case RIX-")
    listed = json.loads(assert_ok(run("case", "list", "--format", "json")).stdout)
    assert sorted(c["title"] for c in listed) == ["Flag wins", "Piped JSON"]


def test_case_add_from_dash_refuses_bad_input_and_stores_nothing(run: Run) -> None:
    empty = run("case", "add", "--from", "-", input="")
    assert (empty.exit_code, empty.output) == (
        2,
        "Error: standard input is empty; give the case's fields as YAML or JSON\n",
    )
    broken = run("case", "add", "--from", "-", input='{"city": "HEL",')
    assert broken.exit_code == 2
    assert broken.output.startswith("Error: standard input is not valid JSON at line 1")
    wrong = run("case", "add", "--from", "-", input=json.dumps(case_data(category="food")))
    assert wrong.exit_code != 0 and "'food' is not one of: goods, services, works" in wrong.output
    assert "Traceback" not in empty.output + broken.output + wrong.output
    assert json.loads(assert_ok(run("case", "list", "--format", "json")).stdout) == []


def test_import_takes_several_files_each_its_own_import(run: Run, tmp_path: Path) -> None:
    header = "city,buyer,title,category,sector,procedure,status\n"
    first, second, wrong = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    first.write_text(header + "HEL,B,First,goods,ict,open,planned\n", encoding="utf-8")
    second.write_text(header + "RIX,B,Second,goods,ict,open,planned\n", encoding="utf-8")
    wrong.write_text(header + "RIX,B,Third,food,ict,open,planned\n", encoding="utf-8")
    result = assert_ok(run("import", str(first), str(second)))
    assert result.output.splitlines()[0].startswith("a.csv: 1 created")
    assert any(line.startswith("b.csv: 1 created") for line in result.output.splitlines())
    refused = run("import", str(wrong), str(first), "--json")
    assert (refused.exit_code, refused.output) == (
        2,
        "Error: --json works with one file at a time; give one file\n",
    )
    titles = sorted(c["title"] for c in json.loads(run("case", "list", "--format", "json").stdout))
    assert titles == ["First", "Second"]


def test_a_closed_pipe_ends_an_export_quietly(tmp_path: Path) -> None:
    """`procurement export -o - | head`: when the reader stops early, the command ends
    without a message (no "Broken pipe" error, no traceback)."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from procurement.cli import cli

    url = f"sqlite:///{tmp_path / 'pipe.sqlite'}"
    assert_ok(CliRunner().invoke(cli, ["--database", url, "init"]))
    sheet = tmp_path / "many.csv"
    rows = [
        f"HEL,City of Helsinki,Street lights batch {i},goods,energy,open,planned" for i in range(80)
    ]
    sheet.write_text("city,buyer,title,category,sector,procedure,status\n" + "\n".join(rows) + "\n")
    assert_ok(CliRunner().invoke(cli, ["--database", url, "import", str(sheet)]))
    program = str(Path(sys.executable).with_name("procurement"))
    for fmt in ("ocds", "json"):
        child = subprocess.Popen(
            [program, "--database", url, "export", "--format", fmt, "-o", "-"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdout is not None and child.stderr is not None
        assert len(child.stdout.read(10)) == 10
        child.stdout.close()  # the reader goes away, as `head` does, with more to come
        error = child.stderr.read().decode()
        child.wait(timeout=60)
        child.stderr.close()
        assert error == "", (fmt, error)
        assert child.returncode in (0, 1)


def test_an_import_that_reads_nothing_fails(run: Run, tmp_path: Path) -> None:
    """A file whose every record is refused (an XML file that is no eForms notice, OCDS
    releases without ocid) reports the reasons and exits non-zero: a script must not take it
    for success. A file with one good record among bad ones still succeeds."""
    not_a_notice = tmp_path / "page.xml"
    not_a_notice.write_text("<html/>", encoding="utf-8")
    no_ocid = tmp_path / "releases.json"
    no_ocid.write_text(json.dumps({"releases": [{"id": "r1", "tag": ["tender"]}]}))
    for source in (not_a_notice, no_ocid):
        result = run("import", str(source), "--city", "HEL")
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[-1] == (
            f"Error: nothing was imported from {source.name}: every record was skipped (the "
            "reasons are listed above); fix them and import again"
        )
        assert "Traceback" not in result.output
    good = {
        "ocid": "ocds-b5fd17-pipe-1", "id": "r2", "date": "2025-01-02T00:00:00Z",
        "tag": ["tender"], "initiationType": "tender",
        "buyer": {"name": "City of Helsinki"},
        "tender": {"title": "Street lights", "procurementMethod": "open", "status": "active"},
    }  # fmt: skip
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps({"releases": [{"id": "r1", "tag": ["tender"]}, good]}))
    result = assert_ok(run("import", str(mixed), "--city", "HEL"))
    assert result.output.startswith("mixed.json: 1 created")
