"""Rebuilding the site rewrites only the files whose content changed.

After a rebuild with no change, no file is touched (same inode, same mtime). After one case
changes, the files rewritten are exactly those whose bytes changed, and each of them shows
that case: its page and the lists, index, feed, sitemap and downloads that hold it. Every
other page (the other cases, the other cities and themes) keeps its inode and mtime. The
downloads are made by a second process here, as for a site of 1,000 cases or more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.cases.query import get_case
from procurement.cases.store.update import set_outcome
from procurement.core.errors import ProcurementError
from procurement.publishing.downloads import make_in_child
from procurement.publishing.writer import MANIFEST
from tests.helpers import assert_ok, build_dataset

Snapshot = dict[str, tuple[int, int, bytes]]


def snapshot(site: Path) -> Snapshot:
    files: Snapshot = {}
    for path in site.rglob("*"):
        if path.is_file():
            stat = path.stat()
            files[str(path.relative_to(site))] = (stat.st_ino, stat.st_mtime_ns, path.read_bytes())
    return files


def touched(before: Snapshot, after: Snapshot) -> set[str]:
    """Files written again (a new inode or mtime), added or removed."""
    return {
        name
        for name in before.keys() | after.keys()
        if name not in before or name not in after or before[name][:2] != after[name][:2]
    }


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_rebuild_rewrites_only_what_changed(
    session: Session, run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the downloads made by a second process, as for a large site (from 1,000 cases)
    monkeypatch.setattr("procurement.publishing.build.PARALLEL_MIN", 1)
    refs = build_dataset(session)
    for name in ("B", "C", "E"):  # four cities' worth of published cases: HEL x3, RIX x2
        set_outcome(
            session=session,
            reference=refs[name],
            user="tester",
            data={"best_practice": True, "best_practice_rationale": f"Case {name} worked."},
        )
    session.commit()
    site = tmp_path / "site"
    first = assert_ok(run("site", "build", str(site)))
    assert "site: 5 published cases" in first.output
    before = snapshot(site)

    # Nothing changed: nothing written
    again = assert_ok(run("site", "build", str(site)))
    assert "; 0 files written," in again.output and "0 removed" in again.output
    assert touched(before, snapshot(site)) == set()

    # One case changes: its page and the lists showing it, nothing else
    changed = refs["F"]
    assert_ok(run("case", "edit", changed, "--set", "title=Riga school meals, renewed"))
    before = snapshot(site)
    result = assert_ok(run("site", "build", str(site)))
    after = snapshot(site)
    rewritten = touched(before, after)

    # every file rewritten holds different bytes; every file with the same bytes was left alone
    assert [n for n in rewritten if before[n][2] == after[n][2]] == []
    assert [n for n in after if n not in rewritten and before[n][2] != after[n][2]] == []
    # each file rewritten shows the changed case (the XLSX workbook is compressed)
    shown = [
        n for n in rewritten - {MANIFEST} if n.endswith(".xlsx") or changed.encode() in after[n][2]
    ]
    assert sorted(shown) == sorted(rewritten - {MANIFEST})
    must = {
        f"cases/{changed}.html",
        "all.html",
        "city/RIX.html",
        "sector/transport.html",
        "procedure/open.html",
        "search-index.json",
        "search-index.js",
        "feed.xml",
        "downloads/release-package.json",
        "downloads/cases.csv",
        "downloads/cases.xlsx",
    }
    assert must <= rewritten
    untouched = {f"cases/{refs[n]}.html" for n in ("A", "B", "C", "E")} | {
        "city/HEL.html",
        "browse.html",
        "search.html",
        "site.css",
        "downloads.html",
        "downloads/baltmet-extension/extension.json",
    }
    assert untouched.isdisjoint(rewritten)
    assert f"; {len(rewritten - {MANIFEST})} files written," in result.output
    assert "Riga school meals, renewed" in after[f"cases/{changed}.html"][2].decode()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_downloads_made_aside_refuse_a_case_changed_meanwhile(
    session: Session, db_url: str
) -> None:
    """The second process reads in a transaction of its own: a case changed since the pages'
    read began stops the build instead of publishing downloads that differ from the pages."""
    refs = build_dataset(session)
    case = get_case(session=session, reference=refs["A"])
    settings = {
        "include_contacts": False,
        "base": "https://example.org/",
        "published": case.updated_at,
        "cities": [("HEL", "Helsinki")],
    }
    stale = {case.id: case.updated_at - dt.timedelta(seconds=1)}
    with pytest.raises(ProcurementError, match="changed while the site was being built"):
        make_in_child(db_url, stale, **settings)  # type: ignore[arg-type]
    made = make_in_child(db_url, {case.id: case.updated_at}, **settings)  # type: ignore[arg-type]
    assert made.ocds is not None and refs["A"] in made.ocds and refs["A"] in made.csv
    assert made.xlsx is not None and made.xlsx_problem is None
