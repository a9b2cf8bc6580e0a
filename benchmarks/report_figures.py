"""Report figures beside DuckDB: `report compare --by city --format json` and a DuckDB script
computing the same indicators from the same SQLite file through DuckDB's sqlite scanner.

The script (``python -m benchmarks.report_figures FILE.sqlite``) loads the scanner from the
PyPI package ``duckdb-extension-sqlite-scanner`` (offline: nothing is downloaded), attaches the
registry read-only and computes per city, then over all cases: the number of cases; n and mean
of every per-case indicator; n, median and quartiles of the skewed ones; the shares with their
numerators (from which a Wilson interval is arithmetic); and the sums of the amounts per
currency. It prints JSON. ``measure(bench)`` adds two figures on SQLite: the report's time
beside the script's (goal: at most twice as long) and the report's peak memory (< 300 MB).
DuckDB has no PostgreSQL scanner installed here: on PostgreSQL the figures say so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.run import Bench

DAYS = "date_diff('day', CAST({a} AS DATE), CAST({b} AS DATE))"
SHARES = {
    "single_bid_rate": ("tenders_received = 1", "tenders_received >= 1"),
    "no_call_share": ("procedure = 'negotiated-without-publication'", "procedure IS NOT NULL"),
    "sme_win_rate": ("winner_is_sme", "winner_is_sme IS NOT NULL"),
    "lowest_price_share": ("award_criteria = 'price-only'", "award_criteria IS NOT NULL"),
    "on_time_share": (
        "CAST(completed_on AS DATE) <= CAST(contract_end_planned AS DATE)",
        "status = 'completed' AND completed_on IS NOT NULL AND contract_end_planned IS NOT NULL",
    ),
    "final_value_share": ("final_value IS NOT NULL", "status = 'completed'"),
    "flag_single_bid_non_open": (
        "tenders_received = 1",
        "procedure <> 'open' AND tenders_received >= 1",
    ),
}
VALUES = {
    "tenders_per_procedure": "CAST(tenders_received AS DOUBLE)",
    "time_to_award": DAYS.format(a="tender_published", b="awarded_on"),
    "savings_vs_estimate": "CASE WHEN estimated_value > 0 AND awarded_value IS NOT NULL "
    "THEN (estimated_value - awarded_value) / estimated_value END",
    "cost_overrun": "CASE WHEN awarded_value > 0 AND final_value IS NOT NULL "
    "AND status = 'completed' THEN (final_value - awarded_value) / awarded_value END",
    "schedule_delay": "CASE WHEN status = 'completed' THEN "
    + DAYS.format(a="contract_end_planned", b="completed_on")
    + " END",
}


def sql(group: str) -> str:
    columns = [f"{group} AS grp", "count(*) AS cases"]
    for name, (hit, applies) in SHARES.items():
        columns.append(f"count(*) FILTER (WHERE {applies}) AS {name}_n")
        columns.append(f"count(*) FILTER (WHERE ({applies}) AND ({hit})) AS {name}_k")
    for name, expr in VALUES.items():
        columns.append(f"count({expr}) AS {name}_n")
        columns.append(f"avg({expr}) AS {name}_mean")
        columns.append(f"quantile_cont({expr}, [0.25, 0.5, 0.75]) AS {name}_quartiles")
        columns.append(f"min({expr}) AS {name}_min")
        columns.append(f"max({expr}) AS {name}_max")
    columns.append("sum(sme_tenders) FILTER (WHERE tenders_received >= 1) AS sme_tenders")
    columns.append(
        "sum(tenders_received) FILTER (WHERE sme_tenders IS NOT NULL AND tenders_received >= 1)"
        " AS tenders"
    )
    return f"SELECT {', '.join(columns)} FROM reg.cases WHERE removed_at IS NULL GROUP BY {group}"


MONEY = (
    "SELECT city_code, currency, sum(estimated_value), sum(awarded_value), "
    "sum(final_value) FILTER (WHERE status = 'completed') FROM reg.cases "
    "WHERE removed_at IS NULL GROUP BY city_code, currency"
)


def extension() -> str:
    import duckdb_extension_sqlite_scanner  # type: ignore[import-untyped]

    found = sorted(
        Path(duckdb_extension_sqlite_scanner.__file__).parent.glob(
            "extensions/*/sqlite_scanner.duckdb_extension"
        )
    )
    if not found:
        raise SystemExit("the sqlite scanner extension is not in its package")
    return str(found[-1])


def compute(path: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(
        config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    )
    con.execute(f"LOAD '{extension()}'")
    con.execute(f"ATTACH '{path}' AS reg (TYPE sqlite, READ_ONLY)")
    result: dict[str, Any] = {}
    for label, group in (("city", "city_code"), ("all", "'all'")):
        cursor = con.execute(sql(group))
        names = [d[0] for d in cursor.description]
        result[label] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    result["money"] = con.execute(MONEY).fetchall()
    return result


def main(argv: list[str]) -> int:
    print(json.dumps(compute(argv[0]), default=str))
    return 0


def measure(bench: Bench) -> None:
    from benchmarks.run import PYTHON, Figure

    fig_id = "report_vs_duckdb"
    if not bench.wanted(fig_id):
        return
    scale = bench.args.scale
    figure = Figure(
        fig_id,
        f"report compare --by city --format json beside a DuckDB script ({scale:,} cases)",
        "≤ 2x",
    )
    memory = Figure(f"{fig_id}_memory", f"{figure.title}: peak memory", "< 300 MB", "MB")
    url = bench.dbs.big
    if not url.startswith("sqlite"):
        why = "the DuckDB reference reads SQLite files (no PostgreSQL scanner installed)"
        bench.add(figure.unavailable(why))
        bench.add(memory.unavailable(why))
        return
    reason = bench.probe(
        ["report", "compare"], ("--by",), ("duckdb", "duckdb_extension_sqlite_scanner")
    )
    if reason:
        bench.add(figure.unavailable(reason))
        bench.add(memory.unavailable(reason))
        return
    path = url.split(":///", 1)[1]
    value = bench.cli(url, "report", "compare", "--by", "city", "--format", "json")
    # run from the benchmarks' output folder: the checkout goes on the path explicitly
    root = str(Path(__file__).resolve().parent.parent)
    code = (
        f"import sys; sys.path.insert(0, {root!r}); "
        "from benchmarks.report_figures import main; sys.exit(main(sys.argv[1:]))"
    )
    reference = [PYTHON, "-c", code, path]
    bench.ratio_figure(
        figure, value, reference, 2.0, repeats=max(1, bench.args.long_repeats), timeout=3600
    )
    bench.add(figure)
    peak = figure.runs.get("value_peak_mb")
    if peak is None:
        bench.add(memory.unavailable("the report did not run"))
        return
    memory.value = peak
    memory.command = figure.command
    bench.add(memory.judge(peak < 300))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
