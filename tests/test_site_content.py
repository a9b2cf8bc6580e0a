"""`procurement site build`: what the site publishes, and what it never does.

Only the published cases (best practice by default, the report filters narrowing them), only
public fields (contacts with --include-contacts only), every text escaped, the fictional-data
banner on every page of a site built from demo data, no page of a removed case, every internal
link resolving, downloads that other programs read (OCDS valid with its extension declared,
CSV, XLSX, Atom, sitemap).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import openpyxl
import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.demo.run import load_demo_data
from tests.helpers import SCRIPT_TITLE, assert_ok, assert_valid_package, build_dataset

BASE = "https://example.org/best/"
CONTACT_NAME, CONTACT_EMAIL = "Aino Virtanen", "aino@example.org"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for name in ("href", "src", "action"):
            if found.get(name) is not None:
                self.links.append(str(found[name]))


def parse(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text("utf-8"))
    return parser


def broken_links(site: Path) -> list[str]:
    """Internal links (href, src, form action) whose file or #fragment does not exist."""
    broken: list[str] = []
    parsed = {page: parse(page) for page in site.rglob("*.html")}
    for page, found in parsed.items():
        for link in found.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            assert not parts.scheme and not parts.netloc, (page, link)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)}: {link}")
            elif parts.fragment and parts.fragment not in parsed[target].ids:
                broken.append(f"{page.relative_to(site)}: {link} (no such id)")
    return broken


def every_text(site: Path) -> dict[str, str]:
    """Every file of the site as text (the XLSX workbook's XML parts joined)."""
    texts: dict[str, str] = {}
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        name = str(path.relative_to(site))
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                texts[name] = "".join(book.read(n).decode("utf-8") for n in book.namelist())
        else:
            texts[name] = path.read_text("utf-8")
    return texts


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_site_publishes_best_practice_safely(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    refs = build_dataset(session)  # A (HEL, with a contact) and F (RIX, <script> title)
    site = tmp_path / "site"
    result = assert_ok(run("site", "build", str(site), "--base-url", BASE))
    assert f"home page: {site / 'index.html'}" in result.output
    assert "site: 2 published cases" in result.output

    published = {p.stem for p in (site / "cases").glob("*.html")}
    assert published == {refs["A"], refs["F"]}
    # the permissions any new file gets (a web server reads them), not owner-only
    umask = os.umask(0)
    os.umask(umask)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in site.rglob("*") if p.is_file()}
    assert modes == {0o666 & ~umask}
    assert broken_links(site) == []

    texts = every_text(site)
    # public fields only: the contact person nowhere, not even in the downloads
    leaking = [n for n, t in texts.items() if CONTACT_NAME in t or CONTACT_EMAIL in t]
    assert leaking == []
    # every text escaped: the hostile title and lessons are shown as text
    raw = [n for n, t in texts.items() if "<script>alert" in t and n.endswith((".html", ".xml"))]
    assert raw == []
    page = texts[f"cases/{refs['F']}.html"]
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "Challenge with &lt;b&gt;markup&lt;/b&gt;" in page
    # a registry without demo data: no fictional-data banner
    assert not [n for n, t in texts.items() if 'class="demo"' in t]

    # where the case stands against the network (median of its procedure, every case)
    a_page = texts[f"cases/{refs['A']}.html"]
    assert "Against the network" in a_page and "Open procedure" in a_page
    assert "Contact details are not published" in a_page

    # OCDS: valid, the extension declared where the site publishes its description
    package = json.loads(texts["downloads/release-package.json"])
    assert_valid_package(package)
    assert package["extensions"] == [BASE + "downloads/baltmet-extension/extension.json"]
    assert package["uri"] == BASE + "downloads/release-package.json"
    assert sorted(r["baltmet"]["reference"] for r in package["releases"]) == sorted(published)
    extension = json.loads(texts["downloads/baltmet-extension/extension.json"])
    assert extension["schemas"] == ["release-schema.json"]
    assert (
        "baltmet"
        in json.loads(texts["downloads/baltmet-extension/release-schema.json"])["properties"]
    )
    # CSV and XLSX: the registry's columns; the contact cells empty (no case agreed)
    rows = list(csv.DictReader(io.StringIO(texts["downloads/cases.csv"])))
    assert sorted(r["reference"] for r in rows) == sorted(published)
    assert {(r["contact_name"], r["contact_email"]) for r in rows} == {("", "")}
    book = openpyxl.load_workbook(site / "downloads" / "cases.xlsx", read_only=True)
    sheet = list(book["Cases"].iter_rows(values_only=True))
    name_column = sheet[0].index("contact_name")
    assert len(sheet) == 3 and {row[name_column] for row in sheet[1:]} == {None}
    book.close()
    # Atom feed and sitemap: well-formed, absolute addresses of existing pages
    feed = ET.fromstring(texts["feed.xml"])
    entries = feed.findall(f"{ATOM}entry")
    assert {e.findtext(f"{ATOM}id") for e in entries} == {
        f"{BASE}cases/{r}.html" for r in published
    }
    assert SCRIPT_TITLE in {e.findtext(f"{ATOM}title", "").split(": ", 1)[1] for e in entries}
    locs = [u.findtext(f"{SITEMAP}loc", "") for u in ET.fromstring(texts["sitemap.xml"])]
    assert len(locs) == len(list(site.rglob("*.html")))
    assert all(loc.startswith(BASE) and (site / loc[len(BASE) :]).is_file() for loc in locs)
    index = json.loads(texts["search-index.json"])
    assert {e["r"] for e in index} == published
    assert (
        texts["search-index.js"]
        == f"window.SITE_INDEX = {json.dumps(index, separators=(',', ':'))};\n"
    )

    # the report filters narrow the published cases down
    riga = tmp_path / "riga"
    assert_ok(run("site", "build", str(riga), "--city", "Riga"))
    assert {p.stem for p in (riga / "cases").glob("*.html")} == {refs["F"]}
    assert (riga / "city" / "RIX.html").is_file() and not (riga / "city" / "HEL.html").exists()

    # --all-cases: every case the filters keep, not only best practice
    library = tmp_path / "library"
    assert_ok(run("site", "build", str(library), "--all-cases"))
    assert {p.stem for p in (library / "cases").glob("*.html")} == set(refs.values())
    assert "<h2>Newest cases</h2>" in (library / "index.html").read_text()
    refused = run("site", "build", str(tmp_path / "x"), "--base-url", "ftp://example.org/")
    assert refused.exit_code == 2 and "http:// or https://" in refused.output

    # contacts with --include-contacts only
    open_site = tmp_path / "with-contacts"
    assert_ok(run("site", "build", str(open_site), "--include-contacts"))
    shown = (open_site / "cases" / f"{refs['A']}.html").read_text()
    assert CONTACT_NAME in shown and CONTACT_EMAIL in shown
    assert CONTACT_EMAIL in (open_site / "downloads" / "cases.csv").read_text()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_removed_case_leaves_the_site(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    refs = build_dataset(session)
    site = tmp_path / "site"
    assert_ok(run("site", "build", str(site)))
    assert (site / "cases" / f"{refs['A']}.html").is_file()
    assert (site / "city" / "HEL.html").is_file()  # A is the only published HEL case

    assert_ok(run("case", "remove", refs["A"]))
    result = assert_ok(run("site", "build", str(site)))
    assert "site: 1 published cases" in result.output
    assert not (site / "cases" / f"{refs['A']}.html").exists()
    assert not (site / "city" / "HEL.html").exists()
    assert not (site / "ppp-model").exists()  # A was the only PPP case: folder gone too
    leaking = [n for n, t in every_text(site).items() if refs["A"] in t]
    assert leaking == []
    assert broken_links(site) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_demo_data_carry_the_fictional_data_banner_on_every_page(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    load_demo_data(session=session, user="tester")
    session.commit()
    site = tmp_path / "site"
    assert_ok(run("site", "build", str(site)))
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    banner = '<p class="demo" role="note"><strong>Fictional illustrative data:</strong>'
    assert [p for p in pages if banner not in p.read_text()] == []
    assert "fictional (demo data)" in next((site / "cases").glob("*.html")).read_text()


def test_a_folder_the_site_did_not_make_is_refused(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    result = run("site", "build", str(folder))
    assert result.exit_code == 2, result.output
    assert "holds files but no site built by procurement" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
