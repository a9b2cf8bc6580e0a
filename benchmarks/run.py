"""Measure the registry at network scale, each figure beside its physical reference.

``python -m benchmarks.run --scale 100000 --backend both`` (``make bench``; ``make bench
SCALE=1000000`` for the full size) builds a synthetic registry of SCALE cases (and one of 100
cases), runs the real ``procurement`` command line in its own process for every figure, and the
reference (bare Python, SQLAlchemy, sqlite3 or psycopg doing the same physical work) in the same
run, interleaved, so that a noisy machine slows both alike: the ratio is what counts.

It prints a table (figure, value, reference, ratio, goal, result) and writes
``benchmarks/out/figures-<backend>.json``. A figure whose command does not exist yet is reported
as "not available yet" rather than failing the run. With ``--profile`` every figure that misses its
goal is run once more under pyinstrument (``benchmarks/out/profile-<backend>-<figure>.txt``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from benchmarks import synthetic

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
BIN = Path(sys.executable).parent
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get(
    "PROCUREMENT_BENCH_POSTGRESQL_URL",
    os.environ.get(
        "PROCUREMENT_TEST_POSTGRESQL_URL",
        "postgresql://procurement:procurement@localhost:5432/postgres",
    ),
)
SMALL = 100
IMPORT_MAX = 100_000
NOT_AVAILABLE = "not available yet"
HEAVY_MODULES = ("sqlalchemy", "jinja2", "matplotlib", "openpyxl")
# Modules of further figures, each beside its own reference: ``measure(bench: Bench) -> None``.
EXTRA_FIGURES = (
    "benchmarks.ocds_figures",
    "benchmarks.report_figures",
    "benchmarks.eforms_figures",
    "benchmarks.site_figures",
)


def procurement_command() -> str:
    local = BIN / "procurement"
    if local.exists():
        return str(local)
    found = shutil.which("procurement")
    if found is None:
        sys.exit("the `procurement` command is not installed: run `make install` first")
    return found


# --------------------------------------------------------------------------- running children


@dataclass
class Run:
    """One child process: wall time, peak memory, exit code and output. ``peak_mb``: the
    larger of the process's own peak RSS (os.wait4) and the peak, sampled every 20 ms, of the
    RSS of the process and its children together (the OCDS import's helper process counts)."""

    seconds: float
    peak_mb: float
    exit_code: int
    stdout: str
    stderr: str

    def last_error(self) -> str:
        lines = [line for line in self.stderr.strip().splitlines() if line.strip()]
        return lines[-1][:300] if lines else f"exit status {self.exit_code}"


# A tiny launcher runs each measured command: on Linux a child's peak RSS counts the memory of the
# process that forked it, so the harness (which holds the generated data) must not be the parent.
# It times the child from spawn to exit and reports the child's own peak RSS (os.wait4) and, from a
# thread reading /proc every 20 ms, the peak of the RSS of the child and its descendants summed (a
# process with a helper process uses both processes' memory at once; wait4 gives the larger only).
LAUNCHER = """
import os, sys, threading, time
result, argv = sys.argv[1], sys.argv[2:]
def tree_kb(pid):
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            pass
    return total
peak, done = [0], threading.Event()
def sample(pid):
    while not done.wait(0.02):
        peak[0] = max(peak[0], tree_kb(pid))
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
threading.Thread(target=sample, args=(pid,), daemon=True).start()
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
done.set()
with open(result, "w") as handle:
    handle.write(f"{seconds!r} {max(usage.ru_maxrss, peak[0])} {os.waitstatus_to_exitcode(status)}")
"""


def run_child(
    argv: Sequence[str], *, timeout: float = 600, env: dict[str, str] | None = None
) -> Run:
    """Run ``argv`` in its own process: wall time and that process's own peak RSS."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".result") as result,
    ):
        program = shutil.which(argv[0]) or argv[0]
        proc = subprocess.Popen(
            [PYTHON, "-S", "-c", LAUNCHER, result.name, program, *argv[1:]],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            cwd=OUT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            timed_out = True
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        fields = result.read().split()
    if timed_out or len(fields) != 3:
        reason = f"timed out after {timeout:.0f} s" if timed_out else "the launcher failed"
        return Run(float(timeout), 0.0, -9, stdout, f"{stderr}\n{reason}")
    return Run(float(fields[0]), int(fields[1]) / 1024, int(fields[2]), stdout, stderr)


def paired(
    value: Sequence[str],
    reference: Sequence[str],
    repeats: int,
    *,
    warmup: int = 1,
    timeout: float = 600,
) -> tuple[list[Run], list[Run]]:
    """Run the measured command and its reference alternately (warm-up runs discarded)."""
    for _ in range(warmup):
        run_child(reference, timeout=timeout)
        run_child(value, timeout=timeout)
    values: list[Run] = []
    references: list[Run] = []
    for i in range(repeats):
        if i % 2:
            values.append(run_child(value, timeout=timeout))
            references.append(run_child(reference, timeout=timeout))
        else:
            references.append(run_child(reference, timeout=timeout))
            values.append(run_child(value, timeout=timeout))
    return values, references


def median(runs: Sequence[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


# --------------------------------------------------------------------------- figures


@dataclass
class Figure:
    id: str
    title: str
    goal: str
    unit: str = "s"
    value: float | str | None = None
    reference: float | None = None
    ratio: float | None = None
    status: str = "not run"
    detail: str = ""
    command: str = ""
    reference_command: str = ""
    runs: dict[str, Any] = field(default_factory=dict)

    def unavailable(self, reason: str) -> Figure:
        self.status = NOT_AVAILABLE
        self.detail = reason
        return self

    def failed(self, run: Run) -> Figure:
        self.status = "error"
        self.detail = run.last_error()
        return self

    def judge(self, ok: bool) -> Figure:
        self.status = "pass" if ok else "fail"
        return self


def _fmt(value: float | str | None, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:g} {unit}"


def _cmd(argv: Sequence[str]) -> str:
    shown = [Path(a).name if a in (PYTHON,) or a.endswith("/procurement") else a for a in argv]
    text = " ".join(a if " " not in a and a else repr(a) for a in shown)
    return text if len(text) < 400 else text[:397] + "..."


@dataclass
class Databases:
    """The databases of one backend's run, and how to make a fresh migrated one."""

    backend: str
    big: str
    small: str
    fresh: Callable[[str], str]
    cleanup: Callable[[], None]


@contextlib.contextmanager
def databases(backend: str, scale: int, seed: int, keep: bool) -> Iterator[Databases]:
    from procurement.storage import migrate
    from procurement.storage.engine import make_engine

    if backend == "sqlite":
        made: list[Path] = []

        def sqlite_fresh(name: str) -> str:
            path = OUT / f"bench-{name}.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            made.append(path)
            url = f"sqlite:///{path}"
            engine = make_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            return url

        def sqlite_cleanup() -> None:
            for path in made:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)

        big = OUT / f"bench-{scale}.sqlite"
        small = OUT / f"bench-small-{SMALL}.sqlite"
        for path in (big, small):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            made.append(path)
        dbs = Databases(
            "sqlite", f"sqlite:///{big}", f"sqlite:///{small}", sqlite_fresh, sqlite_cleanup
        )
        try:
            yield dbs
        finally:
            if not keep:
                sqlite_cleanup()
        return

    from sqlalchemy import text

    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    prefix = f"bench_{os.getpid()}"
    created: list[str] = []

    def url_for(name: str) -> str:
        return admin.url.set(database=name).render_as_string(hide_password=False)

    def create(name: str) -> str:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return url_for(name)

    def pg_fresh(name: str) -> str:
        url = create(f"{prefix}_{name}")
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        return url

    def pg_cleanup() -> None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        with admin.connect():
            pass
    except Exception as exc:
        raise SystemExit(
            f"PostgreSQL not reachable at {PG_ADMIN_URL.split('@')[-1]}: {exc}"
        ) from None
    dbs = Databases(
        "postgresql", create(f"{prefix}_big"), create(f"{prefix}_small"), pg_fresh, pg_cleanup
    )
    try:
        yield dbs
    finally:
        if not keep:
            pg_cleanup()
        admin.dispose()


def _group_counts(node: Any) -> Iterator[tuple[str, int]]:
    if isinstance(node, dict):
        if isinstance(node.get("key"), str) and isinstance(node.get("cases"), int):
            yield node["key"], node["cases"]
        for value in node.values():
            yield from _group_counts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _group_counts(value)


def same_counts(report_json: str, counts: list[list[Any]]) -> str | None:
    """A problem when the report's case count per city differs from the bare GROUP BY."""
    try:
        found = dict(_group_counts(json.loads(report_json)))
    except ValueError:
        return "the report's output is not JSON"
    wrong = [f"{city}: {found.get(city)} != {n}" for city, n in counts if found.get(city) != n]
    return f"case counts differ from GROUP BY ({'; '.join(wrong[:3])})" if wrong else None


class Bench:
    """Every figure for one backend."""

    def __init__(self, args: argparse.Namespace, dbs: Databases, files: dict[str, Path]) -> None:
        self.args = args
        self.dbs = dbs
        self.files = files
        self.proc = procurement_command()
        self.repeats: int = args.repeats
        self.figures: list[Figure] = []
        self._probes: dict[tuple[str, ...], str | None] = {}
        self.generation: dict[str, Any] = {}
        self.commands: dict[str, list[str]] = {}

    # ---- helpers
    def cli(self, url: str, *words: str) -> list[str]:
        return [self.proc, "--database", url, "--user", "bench", *words]

    def probe(
        self, words: Sequence[str], options: Sequence[str] = (), modules: Sequence[str] = ()
    ) -> str | None:
        """Why ``procurement WORDS`` cannot be measured yet, or None when it can."""
        key = (*words, "|", *options, "|", *modules)
        if key in self._probes:
            return self._probes[key]
        reason: str | None = None
        for module in modules:
            try:
                found = importlib.util.find_spec(module) is not None
            except ModuleNotFoundError:
                found = False
            if not found:
                reason = f"module {module} does not exist yet"
                break
        if reason is None:
            run = run_child([self.proc, *words, "--help"], timeout=60)
            if run.exit_code != 0:
                reason = f"`procurement {' '.join(words)}` does not exist yet ({run.last_error()})"
            else:
                missing = [o for o in options if o not in run.stdout]
                if missing:
                    reason = (
                        f"`procurement {' '.join(words)}` has no {', '.join(missing)} option yet"
                    )
        self._probes[key] = reason
        return reason

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        click.echo(
            f"  {figure.id}: {figure.status} {_fmt(figure.value, figure.unit)}"
            f"{' (' + figure.detail + ')' if figure.detail else ''}",
            err=True,
        )
        return figure

    def wanted(self, fig_id: str) -> bool:
        only = self.args.only
        return not only or any(fig_id.startswith(o) for o in only)

    def ratio_figure(
        self,
        figure: Figure,
        value_argv: list[str],
        reference_argv: list[str],
        limit: float,
        *,
        repeats: int | None = None,
        warmup: int = 1,
        timeout: float = 600,
        check: Callable[[str], str | None] | None = None,
    ) -> Figure:
        figure.command, figure.reference_command = _cmd(value_argv), _cmd(reference_argv)
        self.commands[figure.id] = value_argv
        values, references = paired(
            value_argv, reference_argv, repeats or self.repeats, warmup=warmup, timeout=timeout
        )
        bad = next((r for r in values if r.exit_code != 0), None)
        bad_ref = next((r for r in references if r.exit_code != 0), None)
        figure.runs = {
            "value_seconds": [round(r.seconds, 4) for r in values],
            "reference_seconds": [round(r.seconds, 4) for r in references],
            "value_peak_mb": round(max(r.peak_mb for r in values), 1),
        }
        if bad_ref is not None:
            figure.status, figure.detail = "error", f"reference failed: {bad_ref.last_error()}"
            return figure
        figure.reference = median(references)
        if bad is not None:
            return figure.failed(bad)
        figure.value = median(values)
        figure.ratio = figure.value / figure.reference
        problem = check(values[0].stdout) if check else None
        if problem:
            figure.status, figure.detail = "error", problem
            return figure
        return figure.judge(figure.ratio <= limit)

    def imports_beside(
        self,
        figure: Figure,
        memory: Figure,
        words: Sequence[str],
        reference_argv: list[str],
        repeats: int,
    ) -> tuple[list[Run], list[Run]] | None:
        """Each repetition: ``reference_argv``, then ``procurement WORDS`` into a fresh
        database. The runs of both, or None when one failed (its figures added as such)."""
        runs: list[Run] = []
        references: list[Run] = []
        for _ in range(repeats):
            references.append(run_child(reference_argv, timeout=3600))
            argv = self.cli(self.dbs.fresh(figure.id), *words)
            figure.command = _cmd(argv)
            self.commands[figure.id] = argv
            run = run_child(argv, timeout=3600)
            if run.exit_code != 0:
                self.add(figure.failed(run))
                self.add(memory.unavailable("the import failed"))
                return None
            runs.append(run)
        bad = next((r for r in references if r.exit_code != 0), None)
        if bad is not None:
            figure.status, figure.detail = "error", f"reference: {bad.last_error()}"
            self.add(figure)
            return None
        figure.runs = {
            "value_seconds": [round(r.seconds, 3) for r in runs],
            "reference_seconds": [round(r.seconds, 3) for r in references],
            "reference_peak_mb": round(max(r.peak_mb for r in references), 1),
            "summary": runs[-1].stdout.strip().splitlines()[:1],
        }
        return runs, references

    def memory_beside(
        self, memory: Figure, figure: Figure, runs: list[Run], references: list[Run]
    ) -> None:
        """The peak memory of ``figure``'s runs beside its reference's (goal: < 200 MB)."""
        memory.value = max(r.peak_mb for r in runs)
        memory.reference = max(r.peak_mb for r in references)
        memory.ratio = memory.value / memory.reference if memory.reference else None
        memory.command = figure.command
        memory.reference_command = figure.reference_command
        self.add(memory.judge(memory.value < 200))

    # ---- the figures
    def run_all(self) -> list[Figure]:
        steps = [
            self.cli_start,
            self.case_add,
            self.case_list_show,
            self.report,
            self.imports,
        ]
        for step in steps:
            step()
        for name in EXTRA_FIGURES:
            # a module of figures for one area: ``measure(bench)`` adds its figures
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name).measure(self)
        if self.args.profile:
            self.profile_slow()
        return self.figures

    def cli_start(self) -> None:
        click_ref = [PYTHON, "-c", "import click"]
        cases = [
            ("cli_help", "CLI start: procurement --help", [], ()),
            ("cli_case_add_help", "CLI start: procurement case add --help", ["case", "add"], ()),
        ]
        for fig_id, title, words, options in cases:
            if not self.wanted(fig_id):
                continue
            figure = Figure(fig_id, title, "≤ 1.5x python -c 'import click'")
            reason = self.probe(words, options) if words else None
            if reason:
                self.add(figure.unavailable(reason))
                continue
            self.add(self.ratio_figure(figure, [self.proc, *words, "--help"], click_ref, 1.5))
            # which heavy modules the help loads (they must load only when used)
            lazy = Figure(
                f"{fig_id}_imports",
                f"heavy modules loaded by `procurement {' '.join([*words, '--help'])}`",
                "none of " + ", ".join(HEAVY_MODULES),
                unit="",
            )
            loaded = self.loaded_modules([*words, "--help"])
            if loaded is None:
                self.add(lazy.unavailable("could not run the command in-process"))
            else:
                lazy.value = ", ".join(loaded) or "none"
                self.add(lazy.judge(not loaded))

    def loaded_modules(self, words: Sequence[str], url: str | None = None) -> list[str] | None:
        marker = "@@loaded@@"
        argv = ["procurement", *(["--database", url, "--user", "bench"] if url else []), *words]
        code = (
            "import atexit, sys\n"
            f"argv = {list(argv)!r}\n"
            "def report():\n"
            f"    names = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
            f"    sys.stderr.write('{marker}' + ','.join(names) + '\\n')\n"
            "atexit.register(report)\n"
            "sys.argv = argv\n"
            "from procurement.cli import main\n"
            "main()\n"
        )
        run = run_child([PYTHON, "-c", code])
        for line in run.stderr.splitlines():
            if line.startswith(marker):
                return [m for m in line[len(marker) :].split(",") if m]
        return None

    def case_add(self) -> None:
        if not self.wanted("case_add"):
            return
        figure = Figure(
            "case_add",
            f"case add --no-input ({self.args.scale:,} cases in the database)",
            "≤ 1.5x SQLAlchemy script inserting one row",
        )
        options = ("--no-input", "--city", "--title", "--buyer", "--status")
        reason = self.probe(["case", "add"], options)
        if reason:
            self.add(figure.unavailable(reason))
            return
        url = self.dbs.big
        value = self.cli(
            url, "case", "add", "--no-input", "--city", "HEL",
            "--buyer", "City of Helsinki, Education", "--title", "Benchmark: school meals",
            "--category", "services", "--sector", "education", "--procedure", "open",
            "--status", "planned",
        )  # fmt: skip
        from procurement.storage.engine import parse_url

        sa_url = parse_url(url).render_as_string(hide_password=False)
        script = (
            "import sys, uuid\n"
            "from sqlalchemy import create_engine, text\n"
            "engine = create_engine(sys.argv[1])\n"
            "with engine.begin() as conn:\n"
            "    n = 'bench-' + uuid.uuid4().hex\n"
            "    conn.execute(text('INSERT INTO organisations (name, name_key) VALUES (:n, :n)'),"
            " {'n': n})\n"
        )
        self.add(self.ratio_figure(figure, value, [PYTHON, "-c", script, sa_url], 1.5))
        lazy = Figure(
            "case_add_imports",
            "heavy modules loaded by `procurement case add --no-input`",
            "none of jinja2, matplotlib, openpyxl",
            unit="",
        )
        loaded = self.loaded_modules(value[5:], url)
        if loaded is None:
            self.add(lazy.unavailable("could not run the command in-process"))
        else:
            lazy.value = ", ".join(loaded) or "none"
            self.add(lazy.judge(not [m for m in loaded if m != "sqlalchemy"]))

    def case_list_show(self) -> None:
        scale = self.args.scale
        reference = self.files["show_reference"].read_text().strip()
        commands = [
            (
                "case_list",
                f"case list --city HEL --limit 50: {scale:,} cases against {SMALL}",
                ["case", "list"],
                ("--city", "--limit"),
                ["case", "list", "--city", "HEL", "--limit", "50"],
            ),
            (
                "case_show",
                f"case show {reference}: {scale:,} cases against {SMALL}",
                ["case", "show"],
                (),
                ["case", "show", reference],
            ),
        ]
        for fig_id, title, words, options, argv in commands:
            if not self.wanted(fig_id):
                continue
            figure = Figure(fig_id, title, f"≤ 1.2x the same on {SMALL} cases")
            reason = self.probe(words, options)
            if reason:
                self.add(figure.unavailable(reason))
                continue
            self.add(
                self.ratio_figure(
                    figure, self.cli(self.dbs.big, *argv), self.cli(self.dbs.small, *argv), 1.2
                )
            )

    def group_by_reference(self, url: str) -> list[str]:
        sql = (
            "SELECT city_code, count(*) FROM cases WHERE removed_at IS NULL "
            "GROUP BY city_code ORDER BY city_code"
        )
        if url.startswith("sqlite"):
            code = (
                "import json, sqlite3, sys\n"
                "conn = sqlite3.connect(sys.argv[1])\n"
                f"print(json.dumps(conn.execute({sql!r}).fetchall()))\n"
            )
            return [PYTHON, "-c", code, url.split(":///", 1)[1]]
        code = (
            "import json, psycopg, sys\n"
            "with psycopg.connect(sys.argv[1]) as conn:\n"
            f"    print(json.dumps(conn.execute({sql!r}).fetchall()))\n"
        )
        return [PYTHON, "-c", code, url]

    def report(self) -> None:
        scale = self.args.scale
        words = ["report", "compare"]
        reason = self.probe(words, ("--by", "--format"), ("procurement.cli.report",))
        json_fig = Figure(
            "report_json",
            f"report compare --by city --format json ({scale:,} cases)",
            "≤ 3x bare SQL GROUP BY, < 10 s",
        )
        json_mem = Figure(
            "report_json_memory", "report compare --format json: peak memory", "< 300 MB", "MB"
        )
        html_fig = Figure(
            "report_html",
            f"report compare --by city --format html, charts ({scale:,} cases)",
            "≤ JSON report + 2 s",
        )
        html_mem = Figure(
            "report_html_memory", "report compare --format html: peak memory", "< 300 MB", "MB"
        )
        if reason:
            for fig in (json_fig, json_mem, html_fig, html_mem):
                if self.wanted(fig.id):
                    self.add(fig.unavailable(reason))
            return
        repeats = max(1, self.args.long_repeats)
        if self.wanted("report_json"):
            value = self.cli(self.dbs.big, *words, "--by", "city", "--format", "json")
            reference = self.group_by_reference(self.dbs.big)
            counts = json.loads(run_child(reference).stdout or "[]")
            json_fig.runs["group_by_counts"] = counts
            self.ratio_figure(
                json_fig,
                value,
                reference,
                3.0,
                repeats=repeats,
                warmup=0,
                timeout=3600,
                check=lambda out: same_counts(out, counts),
            )
            if json_fig.status == "pass" and isinstance(json_fig.value, float):
                json_fig.judge(json_fig.value < 10)
            self.add(json_fig)
            if json_fig.value is not None:
                json_mem.value = json_fig.runs["value_peak_mb"]
                json_mem.command = json_fig.command
                self.add(json_mem.judge(json_fig.runs["value_peak_mb"] < 300))
        if self.wanted("report_html"):
            html_reason = self.probe(words, ("--output",))
            if html_reason:
                self.add(html_fig.unavailable(html_reason))
                return
            target = OUT / f"report-{self.dbs.backend}-{scale}.html"
            value = self.cli(
                self.dbs.big, *words, "--by", "city", "--format", "html", "--output", str(target)
            )
            html_fig.command = _cmd(value)
            self.commands[html_fig.id] = value
            runs = [run_child(value, timeout=3600) for _ in range(repeats)]
            if any(r.exit_code for r in runs):
                self.add(html_fig.failed(next(r for r in runs if r.exit_code)))
                return
            html_fig.value = statistics.median(r.seconds for r in runs)
            html_fig.runs = {"value_seconds": [round(r.seconds, 3) for r in runs]}
            base = json_fig.value if isinstance(json_fig.value, float) else None
            if base is not None:
                html_fig.reference = base
                html_fig.ratio = html_fig.value / base
                html_fig.detail = f"+{html_fig.value - base:.2f} s over the JSON report"
                self.add(html_fig.judge(html_fig.value - base <= 2.0))
            else:
                html_fig.status, html_fig.detail = "n/a", "no JSON report time to compare with"
                self.add(html_fig)
            html_mem.value = max(r.peak_mb for r in runs)
            html_mem.command = html_fig.command
            self.add(html_mem.judge(html_mem.value < 300))

    def imports(self) -> None:
        n = self.files["import_count"]
        csv_path, ocds_path = self.files["csv"], self.files["ocds"]
        repeats = max(1, self.args.import_repeats)

        def raw_reference() -> Run:
            return run_child(
                [PYTHON, "-m", "benchmarks.rawload", str(csv_path), self.dbs.fresh("raw")],
                timeout=3600,
            )

        specs = [
            (
                "import_csv",
                f"import {n:,} cases from CSV",
                "≥ 1/4 of the raw executemany rate",
                ("procurement.exchange.tabular",),
                ["import", str(csv_path), "--format", "csv"],
            ),
            (
                "import_ocds",
                f"import {n:,} OCDS releases (JSON Lines)",
                "≥ 10,000 releases/s",
                ("procurement.exchange.ocds.importer",),
                [
                    "import", str(ocds_path), "--format", "ocds",
                    "--city-map", str(self.files["city_map"]),
                ],
            ),
        ]  # fmt: skip
        for fig_id, title, goal, modules, argv in specs:
            if not self.wanted(fig_id):
                continue
            figure = Figure(fig_id, title, goal, unit="/s")
            memory = Figure(f"{fig_id}_memory", f"{title}: peak memory", "< 200 MB", "MB")
            reason = self.probe(["import"], (), modules)
            if reason:
                self.add(figure.unavailable(reason))
                self.add(memory.unavailable(reason))
                continue
            figure.reference_command = f"python -m benchmarks.rawload {csv_path.name} URL"
            # each repetition: the raw reference, then the import, each into a fresh database
            references: list[Run] = []
            runs: list[tuple[Run, int]] = []
            failed: Run | None = None
            for _ in range(repeats):
                references.append(raw_reference())
                url = self.dbs.fresh(fig_id)
                value = self.cli(url, *argv)
                figure.command = _cmd(value)
                self.commands[fig_id] = value
                run = run_child(value, timeout=3600)
                if run.exit_code != 0:
                    failed = run
                    break
                runs.append((run, self.count_cases(url)))
            bad_ref = next((r for r in references if r.exit_code != 0), None)
            if failed is not None:
                self.add(figure.failed(failed))
                self.add(memory.unavailable("the import failed"))
                continue
            seconds = statistics.median(r.seconds for r, _ in runs)
            stored = min(count for _, count in runs)
            reference_seconds = statistics.median(r.seconds for r in references)
            figure.runs = {
                "value_seconds": [round(r.seconds, 3) for r, _ in runs],
                "reference_seconds": [round(r.seconds, 3) for r in references],
                "summary": runs[-1][0].stdout.strip().splitlines()[:3],
            }
            figure.value = stored / seconds if stored else 0.0
            figure.reference = n / reference_seconds
            figure.ratio = figure.value / figure.reference
            figure.detail = (
                f"{stored:,} of {n:,} cases stored; median of {len(runs)}: {seconds:.1f} s"
            )
            if stored < n:
                figure.detail += (
                    "; the rest was skipped: "
                    + " | ".join(runs[-1][0].stdout.strip().splitlines()[:2])[:200]
                )
            if bad_ref is not None:
                figure.status, figure.detail = "error", f"reference: {bad_ref.last_error()}"
                self.add(figure)
            elif fig_id == "import_csv":
                self.add(figure.judge(stored == n and figure.ratio >= 0.25))
            else:
                self.add(figure.judge(stored == n and figure.value >= 10_000))
            memory.value = max(r.peak_mb for r, _ in runs)
            memory.command = figure.command
            self.add(memory.judge(memory.value < 200))

    def count_cases(self, url: str) -> int:
        from sqlalchemy import text

        from procurement.storage.engine import make_engine

        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
        finally:
            engine.dispose()

    def profile_slow(self) -> None:
        """Run each figure that missed its goal once more under pyinstrument."""
        if importlib.util.find_spec("pyinstrument") is None:
            click.echo("--profile needs pyinstrument: pip install pyinstrument", err=True)
            return
        for figure in self.figures:
            if figure.status != "fail" and self.args.profile != "all":
                continue
            argv = self.commands.get(figure.id)
            if argv is None or argv[0] != self.proc:
                continue
            if figure.id.startswith("import"):  # into a fresh database, as measured
                argv = [*argv]
                argv[2] = self.dbs.fresh(f"{figure.id}_profile")
            target = OUT / f"profile-{self.dbs.backend}-{figure.id}.txt"
            run = run_child(
                [PYTHON, "-m", "pyinstrument", "--show-all", "-r", "text", "-o", str(target),
                 self.proc, *argv[1:]],
                timeout=3600,
            )  # fmt: skip
            if run.exit_code == 0:
                figure.runs["profile"] = str(target.relative_to(ROOT))
                click.echo(f"  profile of {figure.id}: {target}", err=True)


# --------------------------------------------------------------------------- data and output


def prepare_files(scale: int, seed: int, import_cases: int | None = None) -> dict[str, Any]:
    """The CSV and OCDS JSON Lines files of the import figures (min(SCALE, 100,000) cases)."""
    n = import_cases or min(scale, IMPORT_MAX)
    generator = synthetic.Generator(seed=seed)
    csv_path = OUT / f"cases-{n}.csv"
    ocds_path = OUT / f"releases-{n}.jsonl"
    city_map = OUT / "city-map.csv"
    started = time.perf_counter()
    synthetic.write_csv(csv_path, generator.cases(n))
    synthetic.write_ocds_jsonl(ocds_path, generator.cases(n))
    synthetic.write_city_map(city_map, seed)
    first_hel = next(c.reference for c in generator.cases(SMALL) if c.values["city"] == "HEL")
    show = OUT / "show-reference.txt"
    show.write_text(first_hel + "\n")
    click.echo(
        f"wrote {csv_path.name}, {ocds_path.name} ({n:,} cases) in "
        f"{time.perf_counter() - started:.1f} s",
        err=True,
    )
    return {
        "csv": csv_path,
        "ocds": ocds_path,
        "city_map": city_map,
        "import_count": n,
        "show_reference": show,
    }


def table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table."""
    head = ("figure", "value", "reference", "ratio", "goal", "result")
    rows = [
        (
            f.title,
            _fmt(f.value, f.unit),
            _fmt(f.reference, f.unit),
            "-" if f.ratio is None else f"{f.ratio:.2f}x",
            f.goal,
            f.status + (f": {f.detail}" if f.status != "pass" and f.detail else ""),
        )
        for f in figures
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": __import__("sqlite3").sqlite_version,
    }


def run_backend(args: argparse.Namespace, backend: str, files: dict[str, Any]) -> list[Figure]:
    started = dt.datetime.now(dt.UTC)
    click.echo(f"\n== {backend}: {args.scale:,} cases ==", err=True)
    with databases(backend, args.scale, args.seed, args.keep) as dbs:
        big = synthetic.populate(dbs.big, args.scale, seed=args.seed)
        click.echo(f"generated {args.scale:,} cases in {big.seconds:.1f} s {big.rows}", err=True)
        small = synthetic.populate(dbs.small, SMALL, seed=args.seed)
        bench = Bench(args, dbs, files)
        bench.generation = {"big": asdict(big), "small": asdict(small)}
        figures = bench.run_all()
    result = {
        "backend": backend,
        "scale": args.scale,
        "seed": args.seed,
        "repeats": args.repeats,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "generation": bench.generation,
        "figures": [asdict(f) for f in figures],
    }
    suffix = "" if args.scale == 100_000 else f"-{args.scale}"
    path = OUT / f"figures-{backend}{suffix}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"\n{backend}, {args.scale:,} cases ({path.relative_to(ROOT)}):")
    click.echo(table(figures))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000, help="cases in the big database")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both", help="database(s)"
    )
    parser.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
    parser.add_argument("--repeats", type=int, default=7, help="runs of each short command")
    parser.add_argument("--long-repeats", type=int, default=1, help="runs of each report")
    parser.add_argument(
        "--import-repeats",
        type=int,
        default=3,
        help="runs of each import and of its raw reference, alternately (the median counts)",
    )
    parser.add_argument(
        "--import-cases",
        type=int,
        help="cases in the import files (default: SCALE, at most 100,000)",
    )
    parser.add_argument("--only", nargs="*", default=[], help="figure ids (prefixes) to run")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="fail",
        choices=("fail", "all"),
        help="profile figures that miss their goal (or all) with pyinstrument",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    args = parser.parse_args(argv)
    if args.scale < SMALL:
        parser.error(f"--scale must be at least {SMALL}")
    OUT.mkdir(parents=True, exist_ok=True)
    files = prepare_files(args.scale, args.seed, args.import_cases)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        run_backend(args, backend, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
