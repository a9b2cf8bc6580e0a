"""Codelist labels in the officer's language (issue 16, item 6).

The eForms code lists' labels (Danish, German, Estonian, Finnish, Latvian, Lithuanian, Polish,
Swedish) of the categories and procedures are shown in guided entry with ``--lang`` or
``PROCUREMENT_LANG``, and accepted as input on every path (they go through the one
validation).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result

from procurement.core import codelists as cl
from procurement.core import labels
from tests.helpers import add, assert_ok, case_data, show

Run = Callable[..., Result]
PROMPT = {"PROCUREMENT_INTERACTIVE": "1"}


def test_every_label_names_one_code_and_every_member_language_is_there() -> None:
    for field, codelist in (("category", cl.Category), ("procedure", cl.Procedure)):
        table = labels._table()[field]
        english = {m.label.casefold(): m.value for m in codelist}
        for code, by_language in table.items():
            assert code in codelist.values()
            assert set(by_language) >= set(labels.LANGUAGES) - {"en"}, code
        seen: dict[str, str] = {}
        for code, by_language in table.items():
            for language, text in by_language.items():
                if language == "eforms":
                    continue
                key = text.casefold()
                assert seen.setdefault(key, code) == code, f"'{text}' names two codes"
                assert english.get(key, code) == code, f"'{text}' is another code's label"
                assert codelist.parse(text).value == code


def test_labels_follow_the_language_and_fall_back_to_english() -> None:
    assert labels.label("procedure", "open", "Open procedure", "fi") == "Avoin"
    assert labels.label("category", "goods", "Goods", "sv") == "Varor"
    assert labels.label("procedure", "design-contest", "Design contest", "pl") == "Design contest"
    assert labels.label("procedure", "open", "Open procedure", "en") == "Open procedure"
    assert labels.parse_language("fi_FI.UTF-8") == "fi"


def guided(
    run: Run, *answers: str, lang: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> Result:
    return run(
        *lang, "case", "add",
        input="\n".join(("HEL", "Helsingin kaupunki", "Lumiaurat", *answers)) + "\n",
        env={**PROMPT, **(env or {})},
    )  # fmt: skip


def test_guided_entry_shows_and_accepts_finnish_labels(run: Run) -> None:
    result = assert_ok(
        guided(
            run, "Tavarahankinnat", "1", "Kilpailullinen neuvottelumenettely", "planned", "n", "y",
            lang=("--lang", "fi"),
        )
    )  # fmt: skip
    out = result.output
    assert "   1  goods     Tavarahankinnat\n" in out
    assert "   4  competitive-dialogue            Kilpailullinen neuvottelumenettely\n" in out
    assert "   7  design-contest                  Design contest\n" in out  # no eForms label
    reference = out.splitlines()[-1].removeprefix("Added case ").rstrip(".")
    stored = show(run, reference)
    assert (stored["category"], stored["procedure"]) == ("goods", "competitive-dialogue")


def test_the_language_comes_from_procurement_lang(run: Run) -> None:
    result = assert_ok(
        guided(run, "3", "1", "1", "planned", "n", "y", env={"PROCUREMENT_LANG": "sv"})
    )
    assert "   3  works     Byggentreprenader\n" in result.output
    assert "   1  open                            Öppet\n" in result.output


def test_labels_are_accepted_on_every_input_path(run: Run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reference = add(run, case_data(category="Varor", procedure="Offenes Verfahren"))
    assert (show(run, reference)["category"], show(run, reference)["procedure"]) == (
        "goods",
        "open",
    )
    sheet = tmp_path / "cases.csv"
    sheet.write_text(
        "city,buyer,title,category,sector,procedure,status\n"
        "RIX,Rīgas dome,Apgaismojums,Būvdarbi,energy,Atklāta,planned\n",
        encoding="utf-8",
    )
    assert_ok(run("import", str(sheet)))
    listed = json.loads(assert_ok(run("case", "list", "--city", "RIX", "--format", "json")).stdout)
    assert [(c["category"], c["procedure"]) for c in listed] == [("works", "open")]


def test_an_unknown_language_is_refused_in_one_line(run: Run) -> None:
    result = run("--lang", "xx", "case", "list")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for --lang: unknown language 'xx'; give one of "
        "en, da, de, et, fi, lt, lv, pl, sv (--lang or PROCUREMENT_LANG)"
    )


def test_case_pages_name_codes_in_the_chosen_language(run: Run) -> None:
    reference = add(run, case_data(category="goods", procedure="competitive-dialogue"))
    finnish = assert_ok(run("--lang", "fi", "report", "case", reference, "--format", "md")).output
    assert "Tavarahankinnat" in finnish and "Kilpailullinen neuvottelumenettely" in finnish
    english = assert_ok(run("report", "case", reference, "--format", "md")).output
    assert "Goods" in english and "Competitive dialogue" in english
    assert "Tavarahankinnat" not in english
