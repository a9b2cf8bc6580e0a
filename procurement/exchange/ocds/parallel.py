"""The OCDS importer's helper process: the second core prepares the next batches.

Once the files are read into the scratch file (:mod:`.spill`), a helper process (a new
Python started while they are read: it imports the importer, never the caller's
``__main__``) takes the same batches of ocids in the same order and, for a share of each
batch's ocids (adjusted as the import goes, so that neither process waits for the other),
does what needs no database (:func:`.importer.prepare_chunk`), as if the registry held
neither a case nor a stored release of the ocid: it compiles each ocid's releases, hashes
them, maps and validates the case, computes its audit event's changes and what the registry
keeps of the publisher's release. Each batch prepared is written to a file beside the
scratch file, and a notice sent; at most :data:`AHEAD` wait to be taken. The importer
meanwhile writes the batches before; it uses what the helper prepared for the ocids new to
the registry and does the rest itself, in the same order, so the summary, warnings, cases,
audit events and stored releases are the same as without it. The helper never opens the
registry's database; references are given by the importer. Nor does it import SQLAlchemy
(about 25 MB of its memory): the modules it imports keep their database code apart (e.g.
:mod:`.store_rows` beside :mod:`.store`).

``PROCUREMENT_IMPORT_WORKERS``: ``0`` never a helper; ``1`` always one; unset (or anything
else): one if the machine has two cores or more and the files are 4 MB or more (a few
thousand releases). If the helper cannot start or stops, the importer does the work itself.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
import socket
import subprocess
import sys
import traceback
from collections import deque
from collections.abc import Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from procurement.exchange.ocds.detect import Encoding
    from procurement.exchange.ocds.importer import ImportRun, Ready
    from procurement.exchange.ocds.reader import PartRead
    from procurement.exchange.ocds.spill import PackageMeta

ENV = "PROCUREMENT_IMPORT_WORKERS"
MIN_BYTES = 4_000_000  # files smaller than this (a few thousand releases): no helper
SHARE = 0.6  # of each batch's ocids the helper prepares at first (then adjusted)
STEP = 0.05
# Batches the helper has written and the importer not yet taken, at most (the helper then
# waits). A batch is handed over as a file beside the scratch file, with a notice on the socket:
# the helper never waits for the importer to read it (a socket carries 200 KB at a time, and
# the importer's thread reading the rest waited for the busy importer at each step).
AHEAD = 2
# The share of a big JSON Lines file the helper reads while the importer reads the rest (less
# than half: the helper starts reading once it has imported the importer).
PART_SHARE = 0.4
PART_MIN_BYTES = MIN_BYTES  # smaller files are read by the importer alone
RELAXED_GC = (20_000, 20, 20)  # the cyclic collector's thresholds while importing (700, 10, 10)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Helper:
    """The helper process, seen from the importer."""

    def __init__(self, process: subprocess.Popen[bytes], conn: Connection) -> None:
        self.process = process
        self.conn: Connection | None = conn
        self.share = SHARE
        self.deaf = False  # the helper has stopped reading (it may have sent everything)
        self.ready: deque[Any] = deque()  # the notices of the batches written, not yet taken

    @staticmethod
    def wanted(files: Sequence[Path]) -> bool:
        if os.name != "posix":  # the helper is handed its end of a socket by number
            return False
        setting = os.environ.get(ENV, "").strip()
        if setting.isdigit():
            return int(setting) > 0
        try:
            size = sum(f.stat().st_size for f in files)
        except OSError:
            return False
        return _cores() >= 2 and size >= MIN_BYTES

    @classmethod
    def start(cls, files: Sequence[Path]) -> Helper | None:
        """The helper started (it imports the importer while the files are read); None if it
        cannot be."""
        try:
            mine, theirs = socket.socketpair()
        except (AttributeError, OSError):
            return None
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _MAIN, str(theirs.fileno()), json.dumps(sys.path)],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError):  # a platform without it: the importer works alone
            mine.close()
            return None
        finally:
            theirs.close()
        return cls(process, Connection(mine.detach()))

    def read_end(self, run: ImportRun, encoding: Encoding, folder: Path) -> _Part | None:
        """Ask the helper to read the end of ``run.path`` (a UTF-8 JSON Lines file of 4 MB or
        more) into a scratch file in ``folder`` while the importer reads the rest; None if
        the file is not such a file."""
        from procurement.exchange.ocds.detect import is_json_lines

        path = run.path
        try:
            size = path.stat().st_size
            if (
                encoding.name != "utf-8-sig"
                or size < PART_MIN_BYTES
                or not is_json_lines(path, encoding)
            ):
                return None
            with path.open("rb") as handle:  # the part starts with the line after this byte
                handle.seek(int(size * (1 - PART_SHARE)))
                handle.readline()
                offset = handle.tell()
        except OSError:
            return None
        if offset >= size or self.conn is None:
            return None
        part = {
            "path": str(path),
            "encoding": encoding.name,
            "offset": offset,
            "spill": str(folder / "part.sqlite"),
            "city": run.city,
            "cities": set(run.cities),
        }
        self._send(("part", part))
        return _Part(self, offset)

    def begin(
        self,
        run: ImportRun,
        spill: Path,
        packages: Mapping[int, PackageMeta],
        batch: int,
        parts: list[str] | None = None,
    ) -> None:
        """The files are read: the helper may start on the batches."""
        setup = {
            "spill": str(spill),
            "parts": list(parts or []),
            "packages": dict(packages),
            "batch": batch,
            "path": str(run.path),
            "city": run.city,
            "city_map": dict(run.city_map),
            "cities": set(run.cities),
            "strict": run.strict,
            "share": self.share,
        }
        self._send(setup)

    def _notices(self, wait: bool) -> None:
        """The helper's notices received so far (``wait``: at least one); a None notice if
        it has ended."""
        conn = self.conn
        try:
            while conn is not None and (wait or conn.poll()):
                self.ready.append(conn.recv())
                wait = False
        except (EOFError, OSError, pickle.UnpicklingError):
            self.ready.append(None)

    def take(self, ocids: list[str]) -> dict[str, Ready] | None:
        """What the helper prepared for the next batch (``ocids``); None if it stopped."""
        if self.conn is None:
            return None
        # The batches the helper has written, this one included: none, the importer is to
        # wait (the helper prepares fewer of the ocids); two, the helper waits (it prepares
        # more); one, both work (the share stays). Each share sent tells a batch taken.
        self._notices(wait=False)
        ahead = len(self.ready)
        if ahead != 1:
            self.share = min(1.0, max(0.0, self.share + (STEP if ahead else -STEP)))
        self._send(self.share)
        if not self.ready:
            self._notices(wait=True)
        notice = self.ready.popleft()
        collecting = gc.isenabled()
        gc.disable()  # unpickling a batch makes many containers: no collection meanwhile
        try:
            message = _batch(notice)
        except Exception:
            message = None
        finally:
            if collecting:
                gc.enable()
        if not (isinstance(message, tuple) and message[0] == "ok"):
            self.stop()  # the helper failed: the importer does the rest alone
            return None
        ready: list[Ready] = message[1]
        given = iter(ocids)
        if not all(r.ocid in given for r in ready):  # some of this batch's, in its order
            self.stop()
            return None
        return {r.ocid: r for r in ready}

    def _send(self, message: Any) -> None:
        """A message to the helper (lost if it has ended: what it sent is still read)."""
        if self.conn is None or self.deaf:
            return
        try:
            self.conn.send(message)
        except (OSError, ValueError):
            self.deaf = True

    def stop(self) -> None:
        """The helper ended (it may be waiting for batches to be taken). The files of the
        batches not taken go with the import's scratch folder."""
        conn, self.conn = self.conn, None
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if conn is not None:
            conn.close()


def _batch(notice: Any) -> Any:
    """The message of a batch notice (``("batch", file)``: the batch, read and removed), or
    the notice itself."""
    if not (isinstance(notice, tuple) and len(notice) == 2 and notice[0] == "batch"):
        return notice
    path = Path(notice[1])
    try:
        return pickle.loads(path.read_bytes())
    finally:
        path.unlink(missing_ok=True)


class _Part:
    """The end of a file, being read by the helper process (see :meth:`Helper.read_end`)."""

    def __init__(self, helper: Helper, offset: int) -> None:
        self.helper = helper
        self.offset = offset

    def result(self) -> PartRead | None:
        from procurement.exchange.ocds.reader import PartRead

        conn = self.helper.conn
        try:
            message = conn.recv() if conn is not None and not self.helper.deaf else None
        except (EOFError, OSError, pickle.UnpicklingError):
            message = None
        if isinstance(message, tuple) and message[0] == "part" and isinstance(message[1], PartRead):
            return message[1]
        self.helper.stop()  # it failed: the importer reads the end, and imports, alone
        return None


# the helper's program: the importer's sys.path, then serve() on the socket it was given
_MAIN = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[2]); "
    "from procurement.exchange.ocds.parallel import main; main(int(sys.argv[1]))"
)


def main(fd: int) -> None:
    """The helper process's program."""
    serve(Connection(fd))


def serve(conn: Connection) -> None:
    """The helper process: prepare each batch of the scratch file, send it, in order."""
    try:
        setup = conn.recv()
    except (EOFError, OSError):
        return
    try:
        from procurement.exchange.ocds.importer import prepare_chunk
        from procurement.exchange.ocds.spill import Spill

        # the modules' objects stay: the collector no longer walks them; and it runs less
        # often (each batch makes and drops thousands of containers, few in cycles)
        gc.freeze()
        gc.set_threshold(*RELAXED_GC)
        if isinstance(setup, tuple) and setup[0] == "part":
            conn.send(("part", _read_part(setup[1])))
            setup = conn.recv()

        run = _run(setup)
        spill = Spill.reader(Path(setup["spill"]), setup["packages"], setup["parts"])
        folder = Path(setup["spill"]).parent
        try:
            share = setup["share"]
            taken = 0
            for written, chunk in enumerate(spill.ocid_chunks(setup["batch"])):
                # the importer's latest wish (one at each batch it takes); at most AHEAD
                # batches written and not taken
                while conn.poll() or written - taken >= AHEAD:
                    share = conn.recv()
                    taken += 1
                mine = [o for i, o in enumerate(chunk) if int((i + 1) * share) > int(i * share)]
                batch = ("ok", prepare_chunk(run, spill, mine))
                path = folder / f"batch-{written}.pickle"
                path.write_bytes(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
                conn.send(("batch", str(path)))
        finally:
            spill.close()
        conn.send(("done", None))
    except (BrokenPipeError, EOFError):
        return  # the importer stopped listening
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))


__all__ = ["ENV", "Helper"]


def _read_part(part: dict[str, Any]) -> PartRead:
    """Read the end of a file (:meth:`Helper.read_end`), in the helper process."""
    from procurement.exchange.ocds.detect import Encoding
    from procurement.exchange.ocds.reader import read_part

    return read_part(
        _run(part), Encoding(part["encoding"], None), part["offset"], Path(part["spill"])
    )


def _run(setup: Mapping[str, Any]) -> ImportRun:
    """The import as the helper process sees it (no database; its own summary)."""
    from procurement.exchange.ocds.importer import ImportRun
    from procurement.exchange.summary import ImportSummary

    return ImportRun(
        path=Path(setup["path"]),
        session=None,  # type: ignore[arg-type]  # no database here
        user="",
        city=setup["city"],
        city_map=dict(setup.get("city_map", {})),
        strict=bool(setup.get("strict", False)),
        summary=ImportSummary(source=""),
        cities=set(setup["cities"]),
    )
