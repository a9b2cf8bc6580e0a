"""Site figures: building the best-practice site of 10,000 published cases.

A synthetic registry of 10,000 cases (``benchmarks.synthetic``, the first 10,000 of any scale)
is made in a database of its own, and every case is marked as best practice (the synthetic
data flag fewer than 1 %: an outcome row is added where a case has none). ``measure(bench)``
adds three figures:

- ``site_build``: ``procurement site build DIR`` into an empty folder (goal < 60 s), beside the
  reference ``procurement export --best-practice --format ocds`` of the same cases (one of the
  site's downloads, made by the same exporter);
- ``site_build_memory``: its peak memory;
- ``site_rebuild``: the same command again with nothing changed (every file compared, none
  written), beside the first build.
"""

from __future__ import annotations

import shutil
import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.run import Bench, Run

CASES = 10_000
MARK_EXISTING = (
    "UPDATE outcomes SET best_practice = TRUE, best_practice_rationale = "
    "COALESCE(best_practice_rationale, 'Marked for the site benchmark.')"
)
MARK_MISSING = (
    "INSERT INTO outcomes (case_id, best_practice, best_practice_rationale) "
    "SELECT id, TRUE, 'Marked for the site benchmark.' FROM cases "
    "WHERE id NOT IN (SELECT case_id FROM outcomes)"
)


def published_registry(bench: Bench) -> str:
    """A fresh registry of ``CASES`` synthetic cases, every one flagged as best practice."""
    from sqlalchemy import text

    from benchmarks import synthetic
    from procurement.storage.engine import make_engine

    url = bench.dbs.fresh("site")
    synthetic.populate(url, CASES, seed=bench.args.seed)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(MARK_EXISTING))
            conn.execute(text(MARK_MISSING))
    finally:
        engine.dispose()
    return url


def measure(bench: Bench) -> None:
    from benchmarks.run import OUT, Figure, _cmd, run_child

    if not bench.wanted("site"):
        return
    build = Figure("site_build", f"site build: {CASES:,} published cases", "< 60 s")
    memory = Figure("site_build_memory", "site build: peak memory", "< 1000 MB", "MB")
    rebuild = Figure(
        "site_rebuild", f"site build again, nothing changed ({CASES:,} cases)", "< first build"
    )
    reason = bench.probe(["site", "build"], ("--base-url",), ("procurement.publishing",))
    if reason:
        for fig in (build, memory, rebuild):
            bench.add(fig.unavailable(reason))
        return
    url = published_registry(bench)
    folder = OUT / f"site-{bench.dbs.backend}-{CASES}"
    package = OUT / f"site-reference-{bench.dbs.backend}.json"
    argv = bench.cli(url, "site", "build", str(folder), "--base-url", "https://example.org/")
    reference = bench.cli(
        url, "export", "--best-practice", "--format", "ocds", "-o", str(package), "--force"
    )
    build.command, build.reference_command = _cmd(argv), _cmd(reference)
    bench.commands["site_build"] = argv
    repeats = max(1, min(3, bench.args.long_repeats))
    runs: list[Run] = []
    references: list[Run] = []
    for _ in range(repeats):
        references.append(run_child(reference, timeout=3600))
        shutil.rmtree(folder, ignore_errors=True)
        run = run_child(argv, timeout=3600)
        if run.exit_code != 0:
            bench.add(build.failed(run))
            bench.add(memory.unavailable("the build failed"))
            bench.add(rebuild.unavailable("the build failed"))
            return
        runs.append(run)
    bad = next((r for r in references if r.exit_code != 0), None)
    build.value = statistics.median(r.seconds for r in runs)
    build.runs = {
        "value_seconds": [round(r.seconds, 3) for r in runs],
        "reference_seconds": [round(r.seconds, 3) for r in references],
        "summary": runs[-1].stdout.strip().splitlines()[:1],
    }
    if bad is None:
        build.reference = statistics.median(r.seconds for r in references)
        build.ratio = build.value / build.reference
    build.detail = " ".join(runs[-1].stdout.strip().splitlines()[:1])[:160]
    bench.add(build.judge(build.value < 60))
    memory.value = max(r.peak_mb for r in runs)
    memory.command = build.command
    bench.add(memory.judge(memory.value < 1000))

    again = run_child(argv, timeout=3600)
    rebuild.command = _cmd(argv)
    if again.exit_code != 0:
        bench.add(rebuild.failed(again))
        return
    rebuild.value = again.seconds
    rebuild.reference = build.value
    rebuild.ratio = again.seconds / build.value
    rebuild.detail = " ".join(again.stdout.strip().splitlines()[:1])[:160]
    bench.add(rebuild.judge(again.seconds < build.value and "; 0 files written," in again.stdout))
