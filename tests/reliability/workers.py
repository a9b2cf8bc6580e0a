"""Programs the reliability tests start as separate processes (``python -m``)."""

from __future__ import annotations

import json
import sys
import time


def officer(db_url: str, worker: int, start_at: float, shared: str, count: int) -> None:
    """Add ``count`` cases, edit each, and edit the shared case, through the real CLI."""
    from click.testing import CliRunner

    from procurement.cli import cli

    runner = CliRunner()
    results: list[tuple[str, int, str]] = []

    def call(label: str, *args: str) -> str:
        result = runner.invoke(cli, ["--database", db_url, "--user", f"officer{worker}", *args])
        results.append((label, result.exit_code, result.output))
        return result.output.strip()

    time.sleep(max(0.0, start_at - time.time()))
    references = []
    for n in range(count):
        city = ("HEL", "RIX", "TLL")[(worker + n) % 3]
        references.append(
            call(
                "add",
                "case",
                "add",
                "--no-input",
                "--quiet",
                "--city",
                city,
                "--buyer",
                f"Buyer {(worker + n) % 4}",
                "--title",
                f"Case {worker}.{n}",
                "--category",
                "services",
                "--sector",
                "ict",
                "--procedure",
                "open",
                "--status",
                "planned",
            )
        )
    call("edit-shared", "case", "edit", shared, "--set", f"description=edited by {worker}")
    for n, reference in enumerate(references):
        call("edit", "case", "edit", reference, "--set", f"title=Case {worker}.{n} edited")
    json.dump({"worker": worker, "references": references, "results": results}, sys.stdout)


def bulk_add(db_url: str, count: int) -> None:
    """Add ``count`` cases in ONE transaction (like an import), saying when it started."""
    from sqlalchemy.orm import Session

    from procurement.cases.store import update as store
    from procurement.storage.engine import make_engine
    from tests.helpers import case_data

    engine = make_engine(db_url)
    with Session(engine) as session, session.begin():
        for n in range(count):
            store.add_case(session=session, data=case_data(title=f"Bulk {n}"), user="bulk")
            if n == 20:
                print("writing", flush=True)
    print("committed", flush=True)


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    if name == "officer":
        officer(args[0], int(args[1]), float(args[2]), args[3], int(args[4]))
    elif name == "bulk_add":
        bulk_add(args[0], int(args[1]))
    else:  # pragma: no cover
        raise SystemExit(f"unknown worker {name}")
