"""The OCDS import's helper process (:mod:`procurement.exchange.ocds.parallel`): the same
summary, warnings (in order), cases, audit events and stored releases with it as without; and
it imports no database library."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.exchange.ocds import importer, parallel
from procurement.exchange.ocds.importer import import_ocds
from procurement.storage.models import AuditEvent, Case
from procurement.storage.schema import source_records

DATA = Path(__file__).parent / "data" / "ocds"


def release(n: int, version: int = 0, **extra: Any) -> dict[str, Any]:
    day = 1 + version
    return {
        "ocid": f"ocds-par001-{n:04d}",
        "id": f"r-{n}-{version}",
        "date": f"2025-03-{day:02d}T09:00:00Z",
        "tag": ["tender"] if version == 0 else ["award"],
        "initiationType": "tender",
        "buyer": {"id": "LV-1", "name": "Rīgas pašvaldība"},
        "parties": [
            {"id": "LV-1", "name": "Rīgas pašvaldība", "roles": ["buyer", "procuringEntity"]}
        ],
        "tender": {
            "id": f"T-{n}",
            "title": f"Street lighting {n} v{version}",
            "status": "active" if version == 0 else "complete",
            "procurementMethod": "open",
            "mainProcurementCategory": "works",
            "value": {"amount": 1000 + n + version, "currency": "EUR"},
            "tenderPeriod": {"startDate": "2025-01-10T00:00:00Z"},
        },
        **extra,
    }


def releases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in range(1, 41):
        first = release(n)
        if n % 5 == 0:  # values that are not valid OCDS: kept aside, warned
            first["tender"]["status"] = "in the works"
            first["tender"]["procurementMethodDetails"] = {"not": "a text"}
        if n % 7 == 0:
            del first["date"]  # merged first, warned
        out.append(first)
    for n in range(1, 41, 2):  # second releases, further down the file
        later = release(
            n,
            1,
            awards=[
                {
                    "id": f"A-{n}",
                    "status": "active" if n % 3 else "won",
                    "date": "2025-02-20T00:00:00Z",
                    "suppliers": [{"id": "S-1", "name": "Gaisma SIA"}],
                }
            ],
        )
        if n == 9:  # the publisher's own reference (kept unless taken)
            later["baltmet"] = {"reference": "RIX-2025-900"}
        if n == 11:  # an id the registry would make from the reference it gives
            later["tender"]["id"] = "RIX-2025-010-tender"
        if n == 13:
            later["buyer"] = {"id": "XX-9", "name": "Elsewhere"}  # no city: skipped
            later["parties"] = [{"id": "XX-9", "name": "Elsewhere", "roles": ["buyer"]}]
        out.append(later)
    out.append(release(41, ocid="no-prefix-41"))
    out.append({**release(42), "ocid": "ocds-par001-" + "x" * 200})  # too long: skipped
    out.append(release(3, 2))  # a third release of an ocid
    return out


def write(path: Path, items: list[dict[str, Any]]) -> Path:
    messy = (DATA / "messy-releases.jsonl").read_text("utf-8")
    path.write_text(messy + "".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    return path


def state(session: Session) -> list[Any]:
    session.flush()
    session.expire_all()
    cases = [
        (
            c.reference,
            c.ocid,
            c.title,
            c.city_code,
            c.source_file,
            c.source_release_date,
            {k: v for k, v in (c.ocds_extra or {}).items() if k != "stamp"},
        )
        for c in session.scalars(select(Case).order_by(Case.ocid))
    ]
    reference = {c.id: c.reference for c in session.scalars(select(Case))}
    events = [
        (reference[e.case_id], e.action, e.user, e.city_code, e.changes)
        for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]
    columns = [c for c in source_records.c if c.name not in ("id", "imported_at")]
    stored = [tuple(row) for row in session.execute(select(*columns).order_by(source_records.c.id))]
    return [cases, events, stored]


def import_twice(session: Session, tmp_path: Path) -> list[Any]:
    """A first import, then another one with more releases (updates and new cases)."""
    results: list[Any] = []
    items = releases()
    path = write(tmp_path / "releases.jsonl", items[:50])
    for part in (items[:50], items):
        write(path, part)
        summary = import_ocds(
            session=session,
            path=path,
            user="anna",
            city_map=DATA / "city-map.csv",
            city=None if part is items else "RIX",
        )
        results.append((summary.lines(), summary.warnings, summary.skipped, state(session)))
    return results


@pytest.mark.parametrize(("share", "part"), [(0.0, 0.4), (0.5, 0.1), (1.0, 0.9)])
def test_with_and_without_the_helper(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share: float, part: float
) -> None:
    monkeypatch.setattr(importer, "BATCH", 7)  # several batches
    # the helper reads the file's end (a share ``part`` of it) while the importer reads the rest
    monkeypatch.setattr(parallel, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "PART_SHARE", part)
    monkeypatch.setattr(parallel, "SHARE", share)
    monkeypatch.setattr(parallel, "STEP", 0.0)
    monkeypatch.setenv(parallel.ENV, "0")
    alone = import_twice(session, tmp_path)
    session.rollback()

    used: list[int] = []
    take = parallel.Helper.take

    def counted(self: parallel.Helper, ocids: list[str]) -> Any:
        ready = take(self, ocids)
        used.append(ready is not None)
        return ready

    monkeypatch.setattr(parallel.Helper, "take", counted)
    again: list[str] = []
    compiled_again = importer._compiled_again

    def recompiled(run: Any, ocid: str) -> Any:
        again.append(ocid)
        return compiled_again(run, ocid)

    monkeypatch.setattr(importer, "_compiled_again", recompiled)
    parts: list[Any] = []
    read_end = parallel.Helper.read_end

    def reading(self: parallel.Helper, *args: Any) -> Any:
        parts.append(read_end(self, *args))
        return parts[-1]

    monkeypatch.setattr(parallel.Helper, "read_end", reading)
    monkeypatch.setenv(parallel.ENV, "1")
    helped = import_twice(session, tmp_path)
    session.rollback()
    assert used and all(used)  # the helper prepared every batch
    assert len(parts) == 2 and all(p is not None for p in parts)  # and read each file's end
    assert helped == alone
    # the publisher's tender id RIX-2025-010-tender: the extra computed ahead is not used
    if share == 1.0:
        assert again == ["ocds-par001-0011"]
    if share == 0.0:
        assert again == []
    first_lines, warnings, skipped, (cases, events, stored) = alone[0]
    # the file has what the comparison is about
    assert len(cases) > 30 and len(stored) > 50 and len(events) == len(cases)
    assert any("not valid OCDS" in w for w in warnings)
    assert any("merged before the dated releases" in w for w in warnings)
    assert any(c[0] == "RIX-2025-900" for c in cases)
    reasons = [reason for _, reason in skipped + alone[1][2]]
    assert any("longer than 200" in r for r in reasons)
    assert any("no city for this case" in r for r in reasons)
    assert alone[1][0][0] != first_lines[0]  # the second import updated cases


def test_a_helper_that_dies_changes_nothing(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH", 7)
    monkeypatch.setenv(parallel.ENV, "0")
    alone = import_twice(session, tmp_path)
    session.rollback()
    take = parallel.Helper.take
    calls: list[int] = []

    def dying(self: parallel.Helper, ocids: list[str]) -> Any:
        calls.append(1)
        if len(calls) == 3:
            self.process.kill()
            self.process.wait()
        return take(self, copy.copy(ocids))

    monkeypatch.setattr(parallel.Helper, "take", dying)
    monkeypatch.setenv(parallel.ENV, "1")
    assert import_twice(session, tmp_path) == alone
    session.rollback()


@pytest.mark.parametrize("when", ["before", "reading"])
def test_a_helper_that_dies_while_reading_changes_nothing(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    monkeypatch.setattr(importer, "BATCH", 7)
    monkeypatch.setattr(parallel, "PART_MIN_BYTES", 0)
    monkeypatch.setenv(parallel.ENV, "0")
    alone = import_twice(session, tmp_path)
    session.rollback()
    result = parallel._Part.result
    read_end = parallel.Helper.read_end

    def dying_early(self: parallel.Helper, *args: Any) -> Any:
        self.process.kill()  # before it is asked to read
        self.process.wait()
        return read_end(self, *args)

    def dying(self: Any) -> Any:
        self.helper.process.kill()  # while (or after) it reads the end
        self.helper.process.wait()
        return result(self)

    if when == "before":
        monkeypatch.setattr(parallel.Helper, "read_end", dying_early)
    else:
        monkeypatch.setattr(parallel._Part, "result", dying)
    monkeypatch.setenv(parallel.ENV, "1")
    assert import_twice(session, tmp_path) == alone
    session.rollback()


# What the helper process never imports: it never opens the database, and SQLAlchemy alone is
# about 25 MB of its memory (counted with the importer's against the import's limit) and 150 ms.
HEAVY = ("sqlalchemy", "alembic", "jinja2", "click")
PACKAGE = Path(parallel.__file__).resolve().parents[2]  # procurement/
MODULES_FILE = "PROCUREMENT_TEST_HELPER_MODULES"  # the folder where each helper writes its own
# Run before the helper's program: notes the package's modules on the way to each heavy
# library's first import, and writes the modules imported when the process ends (on its own
# or stopped by the importer).
WATCH = f"""
import atexit, json, os, signal, sys, traceback
HEAVY, PACKAGE = {HEAVY!r}, {str(PACKAGE)!r}
PULLED = {{}}
class Watch:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in HEAVY and top not in PULLED:
            PULLED[top] = [
                f"{{os.path.relpath(f.filename, os.path.dirname(PACKAGE))}}:{{f.lineno}}"
                for f in traceback.extract_stack()
                if f.filename.startswith(PACKAGE + os.sep)
            ]
        return None
sys.meta_path.insert(0, Watch())
def written():
    out = os.path.join(os.environ[{MODULES_FILE!r}], f"{{os.getpid()}}.json")
    with open(out + ".tmp", "w") as handle:
        json.dump({{"modules": sorted(sys.modules), "pulled": PULLED}}, handle)
    os.replace(out + ".tmp", out)
def stopped(*_):
    written()
    os._exit(0)
atexit.register(written)
signal.signal(signal.SIGTERM, stopped)
"""


def heavy_modules(found: dict[str, Any]) -> str:
    """What ``found`` (the modules a process imported, :data:`WATCH`) says of the heavy
    libraries: empty if none was imported, else which and the modules that pulled them in."""
    heavy = sorted(m for m in found["modules"] if m.partition(".")[0] in HEAVY)
    if not heavy:
        return ""
    pulled = "\n".join(
        f"  {library} imported from: {' -> '.join(chain) or 'outside the package'}"
        for library, chain in found["pulled"].items()
    )
    return f"imported {heavy[:10]}{' ...' if len(heavy) > 10 else ''}\n{pulled}"


def test_the_helper_process_imports_no_database_library(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper itself (its program, reading a file's end, preparing every batch with each
    new case's extra): none of :data:`HEAVY` is imported."""
    folder = tmp_path / "helpers"
    folder.mkdir()
    monkeypatch.setenv(MODULES_FILE, str(folder))
    monkeypatch.setattr(parallel, "_MAIN", WATCH + parallel._MAIN)
    monkeypatch.setattr(importer, "BATCH", 7)
    monkeypatch.setattr(parallel, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "SHARE", 1.0)
    monkeypatch.setattr(parallel, "STEP", 0.0)
    monkeypatch.setenv(parallel.ENV, "1")
    used: list[bool] = []
    take = parallel.Helper.take

    def counted(self: parallel.Helper, ocids: list[str]) -> Any:
        ready = take(self, ocids)
        used.append(ready is not None)
        return ready

    parts: list[Any] = []
    read_end = parallel.Helper.read_end

    def reading(self: parallel.Helper, *args: Any) -> Any:
        parts.append(read_end(self, *args))
        return parts[-1]

    monkeypatch.setattr(parallel.Helper, "take", counted)
    monkeypatch.setattr(parallel.Helper, "read_end", reading)
    import_twice(session, tmp_path)
    session.rollback()
    assert used and all(used)  # the helper prepared every batch
    assert len(parts) == 2 and all(p is not None for p in parts)  # and read each file's end
    written = sorted(folder.glob("*.json"))
    assert len(written) == 2  # one helper per import
    for path in written:
        found = json.loads(path.read_text("utf-8"))
        assert "procurement.exchange.ocds.importer" in found["modules"]
        problem = heavy_modules(found)
        assert not problem, f"the helper process {problem}"


# What the helper's functions (parallel.serve, _read_part, _run) import.
HELPER_IMPORTS = f"""
{WATCH}
from procurement.exchange.ocds.parallel import main, serve
from procurement.exchange.ocds.detect import Encoding
from procurement.exchange.ocds.importer import ImportRun, prepare_chunk
from procurement.exchange.ocds.reader import read_part
from procurement.exchange.ocds.spill import Spill
from procurement.exchange.summary import ImportSummary
"""


def test_the_helper_modules_import_no_database_library(tmp_path: Path) -> None:
    """The modules the helper imports, in a fresh Python: none of :data:`HEAVY` (the test
    above runs the helper itself; this one needs no database)."""
    done = subprocess.run(
        [sys.executable, "-c", HELPER_IMPORTS],
        env={**os.environ, MODULES_FILE: str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [path] = tmp_path.glob("*.json")
    found = json.loads(path.read_text("utf-8"))
    problem = heavy_modules(found)
    assert not problem, f"the helper's modules: {problem}"
