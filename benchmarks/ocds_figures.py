"""OCDS figures: importing a file of releases beside ``ocdskit compile`` of the same file.

Both read the generated JSON Lines file of the import figures (one release per line,
``benchmarks.synthetic``) and merge each ocid's releases by the OCDS merge rules; the import
also keeps every release in the release store and maps and writes one case per ocid (into a
fresh database each time). ``measure(bench)`` adds two figures: the import's time beside
``ocdskit compile``'s (goal: at most twice as long), and the import's peak memory (goal:
under 200 MB; ``ocdskit compile`` holds every release in memory, its peak is given beside).
Runs alternate (reference, import), the medians count.
"""

from __future__ import annotations

import shlex
import statistics
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.run import Bench

# the official OCDS 1.1 release schema (with the PPP profile's fields), offline
SCHEMA = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "data"
    / "ocds-schemas"
    / "ppp-profile"
    / "release-schema.json"
)


def measure(bench: Bench) -> None:
    from benchmarks.run import BIN, Figure

    fig_id = "ocds_import_vs_compile"
    if not bench.wanted(fig_id):
        return
    path: Path = bench.files["ocds"]
    n = bench.files["import_count"]
    figure = Figure(
        fig_id, f"import {n:,} OCDS releases beside `ocdskit compile`", "≤ 2x", unit="s"
    )
    memory = Figure(f"{fig_id}_memory", f"{figure.title}: peak memory", "< 200 MB", "MB")
    reason = bench.probe(["import"], (), ("procurement.exchange.ocds.store", "ocdskit"))
    if reason:
        bench.add(figure.unavailable(reason))
        bench.add(memory.unavailable(reason))
        return
    ocdskit = BIN / "ocdskit"
    # ocdskit reads standard input (the measuring launcher gives none): through a shell
    compile_line = (
        f"{shlex.quote(str(ocdskit))} compile --schema {shlex.quote(str(SCHEMA))} "
        f"< {shlex.quote(str(path))} > /dev/null"
    )
    reference_argv = ["/bin/sh", "-c", compile_line]
    figure.reference_command = f"ocdskit compile --schema release-schema.json < {path.name}"
    words = ["import", str(path), "--format", "ocds", "--city-map", str(bench.files["city_map"])]
    done = bench.imports_beside(
        figure, memory, words, reference_argv, max(1, bench.args.import_repeats)
    )
    if done is None:
        return
    runs, references = done
    seconds = statistics.median(r.seconds for r in runs)
    reference_seconds = statistics.median(r.seconds for r in references)
    figure.value, figure.reference = seconds, reference_seconds
    figure.ratio = seconds / reference_seconds
    figure.detail = (
        f"median of {len(runs)}: import {seconds:.1f} s, ocdskit compile "
        f"{reference_seconds:.1f} s; " + " ".join(runs[-1].stdout.strip().splitlines()[:1])[:120]
    )
    bench.add(figure.judge(figure.ratio <= 2.0))
    bench.memory_beside(memory, figure, runs, references)
