"""eForms figures: importing a folder of 10,000 notices, beside parsing the same files with lxml.

The folder is generated from the eForms SDK's example notices shipped with the tests
(``tests/data/eforms``): 5,000 procedures, each a contract notice and its award notice, with
fresh procedure and notice identifiers (seeded). ``measure(bench)`` adds two figures: notices
imported per second (the reference: the same files parsed by ``lxml.etree.parse`` alone, in a
process of its own) and the import's peak memory (beside the reference's).
"""

from __future__ import annotations

import random
import statistics
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.run import Bench

NOTICES = 10_000
SOURCE = Path(__file__).resolve().parent.parent / "tests" / "data" / "eforms"
COMPETITION = ("cn_24_FRA_comments.xml", "cn_24_maximal.xml", "cn_24_minimal.xml", "cn_24_open.xml")
RESULTS = ("can_24_FRA_comments.xml", "can_24_maximal.xml", "can_24_minimal.xml", "can_24_LSBU.xml")

LXML_ALONE = """
import sys
from pathlib import Path
from lxml import etree
parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
count = 0
for path in sorted(Path(sys.argv[1]).rglob("*.xml")):
    etree.parse(str(path), parser)
    count += 1
print(count)
"""


def _identity(text: str, tag: str, value: str) -> str:
    start = text.index(f"<cbc:{tag}")
    start = text.index(">", start) + 1
    end = text.index("</cbc:", start)
    return text[:start] + value + text[end:]


def generate(folder: Path, count: int = NOTICES, seed: int = 2026) -> Path:
    """``count`` notices (pairs of a contract notice and its award) in ``folder``."""
    marker = folder / f".complete-{count}-{seed}"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sources = {n: (SOURCE / n).read_text("utf-8") for n in (*COMPETITION, *RESULTS)}
    for i in range(count // 2):
        procedure = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        for kind, names in (("cn", COMPETITION), ("can", RESULTS)):
            text = sources[names[i % len(names)]]
            text = _identity(text, "ContractFolderID", procedure)
            notice_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            text = text.replace(
                text[
                    text.index('<cbc:ID schemeName="notice-id">') : text.index(
                        "</cbc:ID>", text.index('<cbc:ID schemeName="notice-id">')
                    )
                ],
                f'<cbc:ID schemeName="notice-id">{notice_id}',
            )
            sub = folder / f"{i // 1000:03d}"
            sub.mkdir(exist_ok=True)
            (sub / f"{i:05d}-{kind}.xml").write_text(text, "utf-8")
    marker.touch()
    return folder


def measure(bench: Bench) -> None:
    from benchmarks.run import OUT, PYTHON, Figure

    fig_id = "import_eforms"
    if not bench.wanted(fig_id):
        return
    figure = Figure(
        fig_id, f"import {NOTICES:,} eForms notices (a folder)", "≥ 1,000 notices/s", unit="/s"
    )
    memory = Figure(f"{fig_id}_memory", f"{figure.title}: peak memory", "< 200 MB", "MB")
    reason = bench.probe(["import"], ("--innovative-only",), ("procurement.exchange.eforms",))
    if reason:
        bench.add(figure.unavailable(reason))
        bench.add(memory.unavailable(reason))
        return
    folder = generate(OUT / f"eforms-{NOTICES}")
    reference_argv = [PYTHON, "-c", LXML_ALONE, str(folder)]
    figure.reference_command = f"python -c '<lxml.etree.parse of each file>' {folder.name}"
    words = ["import", str(folder), "--city", "HEL"]
    done = bench.imports_beside(
        figure, memory, words, reference_argv, max(1, min(3, bench.args.import_repeats))
    )
    if done is None:
        return
    runs, references = done
    seconds = statistics.median(r.seconds for r in runs)
    reference_seconds = statistics.median(r.seconds for r in references)
    figure.value = NOTICES / seconds
    figure.reference = NOTICES / reference_seconds
    figure.ratio = figure.value / figure.reference
    figure.detail = (
        f"median of {len(runs)}: {seconds:.1f} s; lxml alone {reference_seconds:.2f} s; "
        + " ".join(runs[-1].stdout.strip().splitlines()[:1])[:120]
    )
    bench.add(figure.judge(figure.value >= 1_000))
    bench.memory_beside(memory, figure, runs, references)
