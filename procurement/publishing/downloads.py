"""The site's downloads: the published cases as an OCDS release package (the ``baltmet``
extension declared), CSV and XLSX, written through the registry's own exporter and serialisers
(contacts only with ``--include-contacts``), and the extension's description.

The files are made in the same pass over the cases as the pages, or for a large site (from
``build.PARALLEL_MIN`` cases) by a second process reading the same cases meanwhile
(:func:`make_in_child`), so that pages and downloads are made on two processors. When neither
the published cases (reference and last change) nor the settings changed since the last build,
they are kept as they are without being made again (:func:`fingerprint`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from procurement.cases.fields import PERSONAL_FIELDS
from procurement.cases.formats import case_cells, case_columns, csv_line, neutralise
from procurement.core.errors import ProcurementError
from procurement.exchange.ocds import EXTENSION
from procurement.exchange.ocds.exporter import (
    ENV_LICENSE,
    ENV_PACKAGE_URI,
    ENV_PUBLISHER_NAME,
    ENV_PUBLISHER_URI,
    exact_release,
    package_header,
)
from procurement.exchange.ocds.merge import dumps
from procurement.exchange.tabular.writers import CellTooLong, write_workbook, xlsx_rows
from procurement.publishing.writer import SiteWriter
from procurement.storage.models import Case

OCDS = "downloads/release-package.json"
CSV = "downloads/cases.csv"
XLSX = "downloads/cases.xlsx"
EXTENSION_DIR = "downloads/baltmet-extension"
FILES = (OCDS, CSV, XLSX, f"{EXTENSION_DIR}/extension.json", f"{EXTENSION_DIR}/release-schema.json")
FORMAT_VERSION = "2"  # change when what the downloads hold changes


def fingerprint(
    cases: list[tuple[str, dt.datetime]],
    cities: list[tuple[str, str]],
    *,
    include_contacts: bool,
    base: str,
) -> str:
    """What the downloads depend on: the published cases (each reference and last change),
    the cities, the settings and the OCDS publisher settings."""
    digest = hashlib.sha256()
    settings = [FORMAT_VERSION, include_contacts, base]
    settings += [os.environ.get(name) or "" for name in OCDS_SETTINGS]
    digest.update(json.dumps(settings).encode())
    digest.update(json.dumps(cities).encode())
    for reference, updated in cases:
        digest.update(f"{reference}\t{updated.isoformat()}\n".encode())
    return digest.hexdigest()


OCDS_SETTINGS = (ENV_PUBLISHER_NAME, ENV_PUBLISHER_URI, ENV_PACKAGE_URI, ENV_LICENSE)


class Downloads:
    """The download files, filled case by case."""

    def __init__(self, *, include_contacts: bool, base: str) -> None:
        self.include_contacts = include_contacts
        self.base = base
        # the contact columns are always there: filled for a case whose contact agreed to be
        # published (contact_public), or for every case with --include-contacts
        self.columns = case_columns(include_contacts=True)
        self.private = [i for i, c in enumerate(self.columns) if c in PERSONAL_FIELDS]
        self.csv = io.StringIO()
        self.csv.write(csv_line([neutralise(h) for h in self.columns]))
        self.xlsx: list[list[Any]] = []
        self.xlsx_problem: str | None = None
        self.releases: list[str] = []
        self.count = 0

    def add(self, case: Case) -> None:
        self.count += 1
        hidden = [] if self.include_contacts or case.contact_public else self.private
        cells = case_cells(case, self.columns)
        for i in hidden:
            cells[i] = ""
        self.csv.write(csv_line([neutralise(c) for c in cells]))
        if self.xlsx_problem is None:
            try:
                for row in xlsx_rows([case], self.columns, [0]):
                    for i in hidden:
                        row[i] = None
                    self.xlsx.append(row)
            except CellTooLong as exc:
                self.xlsx_problem = str(exc)
                self.xlsx.clear()
        release = exact_release(case, include_contacts=self.include_contacts)
        self.releases.append("    " + dumps(release))  # one release a line

    def package_head(self, published: dt.datetime) -> dict[str, Any]:
        header = package_header(published)
        if not os.environ.get(ENV_PACKAGE_URI):
            header["uri"] = self.base + OCDS
        header["extensions"] = [self.base + f"{EXTENSION_DIR}/extension.json"]
        return header

    def package_text(self, published: dt.datetime) -> str:
        head = dumps({**self.package_head(published), "releases": []}, indent=2)
        assert head.endswith('"releases": []\n}')
        return head[: -len("[]\n}")] + "[\n" + ",\n".join(self.releases) + "\n  ]\n}\n"

    def made(self, *, published: dt.datetime, cities: list[tuple[str, str]]) -> Made:
        """The files' contents (the workbook made in a temporary folder)."""
        xlsx: bytes | None = None
        if self.xlsx_problem is None:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "cases.xlsx"
                write_workbook(path=path, columns=self.columns, rows=self.xlsx, cities=cities)
                xlsx = path.read_bytes()
        return Made(
            ocds=self.package_text(published) if self.count else None,
            csv=self.csv.getvalue(),
            xlsx=xlsx,
            xlsx_problem=self.xlsx_problem,
        )


@dataclass(frozen=True)
class Made:
    """The download files' contents."""

    ocds: str | None
    csv: str
    xlsx: bytes | None
    xlsx_problem: str | None

    def write(self, writer: SiteWriter, base: str) -> None:
        if self.ocds is not None:
            writer.write(OCDS, self.ocds)
        writer.write(CSV, self.csv)
        if self.xlsx is not None:
            data = self.xlsx
            writer.write_with(XLSX, lambda path: path.write_bytes(data), same_xlsx)
        write_extension(writer, base)


def make_in_child(
    url: str,
    expected: dict[int, dt.datetime],
    *,
    include_contacts: bool,
    base: str,
    published: dt.datetime,
    cities: list[tuple[str, str]],
) -> Made:
    """The downloads of the cases ``expected`` (id: last change), made in a process of its own
    (a large site's pages and downloads are then made on two processors at once).

    This process reads in a transaction of its own: if a case changed after the pages' read
    began, the downloads would not match the pages, so the build stops and says so."""
    from sqlalchemy.orm import Session

    from procurement.cases.query import whole_cases
    from procurement.storage.engine import make_engine, read_only

    downloads = Downloads(include_contacts=include_contacts, base=base)
    ids = list(expected)
    engine = read_only(make_engine(url, create_dir=False))
    try:
        with Session(engine) as session:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                stmt = whole_cases().where(Case.id.in_(chunk)).order_by(Case.reference)
                for case in session.scalars(stmt):
                    if case.updated_at != expected[case.id] or case.removed_at is not None:
                        raise ProcurementError(CHANGED)
                    downloads.add(case)
    finally:
        engine.dispose()
    if downloads.count != len(ids):
        raise ProcurementError(CHANGED)
    return downloads.made(published=published, cities=cities)


CHANGED = (
    "a published case changed while the site was being built, so its downloads were not "
    "brought up to date; run the command again"
)


def write_extension(writer: SiteWriter, base: str) -> None:
    """The ``baltmet`` extension's description, which the package declares."""
    description = (
        "Fields of the Baltic Metropolises procurement registry that OCDS has no "
        f"place for, in one object per release, '{EXTENSION}': the registry reference, "
        "city, origin, sector, innovation approaches, SME tenders, PPP details and the "
        "outcome (innovation achieved, satisfaction, lessons learned, best practice, KPIs)."
    )
    extension: dict[str, Any] = {
        "name": {"en": "Baltic Metropolises registry"},
        "description": {"en": description},
        "documentationUrl": {"en": base + "downloads.html#ocds"},
        "schemas": ["release-schema.json"],
        "compatibility": ["1.1"],
    }
    schema = {
        "properties": {
            EXTENSION: {
                "title": "Baltic Metropolises registry",
                "description": description,
                "type": "object",
                "properties": {
                    "reference": {"type": "string"},
                    "city": {"type": "string"},
                    "origin": {"type": "object"},
                    "sector": {"type": "string"},
                    "innovationApproaches": {"type": "array", "items": {"type": "string"}},
                    "smeTenders": {"type": ["integer", "null"]},
                    "ppp": {"type": "object"},
                    "outcome": {"type": "object"},
                    "rejected": {"type": "array"},
                },
            }
        }
    }
    for name, data in (("extension.json", extension), ("release-schema.json", schema)):
        writer.write(f"{EXTENSION_DIR}/{name}", json.dumps(data, indent=2) + "\n")


def keep_all(writer: SiteWriter) -> bool:
    """Keep the previous build's downloads (their inputs did not change); False if one is
    missing, in which case they are made again."""
    present = [rel for rel in (OCDS, CSV, XLSX) if (writer.root / rel).is_file()]
    if CSV not in present:
        return False
    return all(writer.keep(rel) for rel in [*present, *FILES[3:]])


def same_xlsx(old: Path, new: Path) -> bool:
    """Whether two workbooks hold the same sheets (the creation time stamp aside)."""
    try:
        with zipfile.ZipFile(old) as a, zipfile.ZipFile(new) as b:
            names = sorted(n for n in a.namelist() if n != "docProps/core.xml")
            if names != sorted(n for n in b.namelist() if n != "docProps/core.xml"):
                return False
            return all(a.read(n) == b.read(n) for n in names)
    except (OSError, zipfile.BadZipFile):
        return False
