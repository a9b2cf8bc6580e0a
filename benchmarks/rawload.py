"""The physical reference of the import figures: the same CSV rows into the same tables with bare
DBAPI ``executemany`` (sqlite3 or psycopg), no validation, no ORM, one transaction.

``python -m benchmarks.rawload FILE.csv DATABASE_URL``: the database must be migrated and empty.
It reads the file with :mod:`csv`, splits the list cells (approaches, risks, KPIs, documents)
as the registry would, and inserts organisations first, then cases and their child rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from typing import Any

CASE_TEXT = (
    "title",
    "description",
    "category",
    "cpv",
    "sector",
    "procedure",
    "status",
    "tender_published",
    "awarded_on",
    "contract_start",
    "contract_end_planned",
    "completed_on",
    "currency",
    "estimated_value",
    "awarded_value",
    "final_value",
    "award_criteria",
    "tenders_received",
    "sme_tenders",
    "winner_country",
    "contact_name",
    "contact_email",
)
PPP_TEXT = (
    "ppp_model",
    "payment_mechanism",
    "duration_years",
    "capex",
    "private_finance_share",
    "psc_value",
    "vfm_percent",
    "financial_close",
    "ppp_status",
)


def _key(name: str) -> str:
    """The organisation's compared name, as the registry stores it (name_key)."""
    return re.sub(r"[\s.,;:]+$", "", re.sub(r"\s+", " ", name.casefold()).strip())


def _none(text: str) -> str | None:
    return text or None


def _bool(text: str) -> bool | None:
    return None if not text else text == "yes"


def load(path: str, url: str) -> int:
    """Insert every row of the CSV at ``path`` into the database at ``url``; returns the count."""
    now = dt.datetime.now(dt.UTC)
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        orgs: dict[str, int] = {}
        org_country: dict[str, str | None] = {}
        cases: list[tuple[Any, ...]] = []
        approaches: list[tuple[Any, ...]] = []
        ppp: list[tuple[Any, ...]] = []
        risks: list[tuple[Any, ...]] = []
        outcomes: list[tuple[Any, ...]] = []
        kpis: list[tuple[Any, ...]] = []
        documents: list[tuple[Any, ...]] = []
        c_text = [col[n] for n in CASE_TEXT]
        p_text = [col[n] for n in PPP_TEXT]
        for case_id, row in enumerate(reader, start=1):
            buyer = orgs.setdefault(row[col["buyer"]], len(orgs) + 1)
            winner_name = row[col["winner"]]
            winner = orgs.setdefault(winner_name, len(orgs) + 1) if winner_name else None
            if winner_name:
                org_country[winner_name] = _none(row[col["winner_country"]])
            dates = [row[col[n]] for n in ("awarded_on", "tender_published", "contract_start")]
            year = next((int(d[:4]) for d in dates if d), now.year)
            reference = row[col["reference"]]
            cases.append(
                (
                    case_id,
                    reference,
                    f"ocds-raw-{reference}",
                    row[col["city"]],
                    buyer,
                    winner,
                    _bool(row[col["winner_is_sme"]]),
                    year,
                    now,
                    now,
                    "local",
                    *(_none(row[i]) for i in c_text),
                )
            )
            for approach in filter(None, row[col["innovation_approaches"]].split(";")):
                approaches.append((case_id, approach))
            if row[col["ppp_model"]]:
                ppp.append((case_id, *(_none(row[i]) for i in p_text)))
                for pair in filter(None, row[col["risks"]].split(";")):
                    category, _, allocation = pair.partition("=")
                    risks.append((case_id, category, allocation))
            best = row[col["best_practice"]]
            if best or row[col["innovation_achieved"]] or row[col["satisfaction"]]:
                outcomes.append(
                    (
                        case_id,
                        _none(row[col["innovation_achieved"]]),
                        _none(row[col["satisfaction"]]),
                        _none(row[col["lessons_learned"]]),
                        best == "yes",
                        _none(row[col["best_practice_rationale"]]),
                    )
                )
            for position, item in enumerate(filter(None, row[col["kpis"]].split(";"))):
                name, _, rest = item.partition("=")
                parts = [*rest.split(":"), "", "", "", ""][:4]
                kpis.append((case_id, position, name, *(_none(p) for p in parts)))
            for position, line in enumerate(filter(None, row[col["documents"]].split("\n"))):
                link, _, title = line.partition(" ")
                documents.append((case_id, position, link, _none(title)))

    org_rows = [(i, name, _key(name), org_country.get(name)) for name, i in orgs.items()]
    case_cols = (
        "id, reference, ocid, city_code, buyer_id, winner_id, winner_is_sme, year, created_at,"
        f" updated_at, origin, {', '.join(CASE_TEXT)}"
    )
    statements = [
        ("INSERT INTO organisations (id, name, name_key, country) VALUES (?, ?, ?, ?)", org_rows),
        (f"INSERT INTO cases ({case_cols}) VALUES ({', '.join('?' * 33)})", cases),
        ("INSERT INTO case_approaches (case_id, approach) VALUES (?, ?)", approaches),
        (
            f"INSERT INTO ppp_details (case_id, {', '.join(PPP_TEXT)}) VALUES "
            f"({', '.join('?' * 10)})",
            ppp,
        ),
        ("INSERT INTO risk_allocations (case_id, category, allocation) VALUES (?, ?, ?)", risks),
        (
            "INSERT INTO outcomes (case_id, innovation_achieved, satisfaction, lessons_learned,"
            " best_practice, best_practice_rationale) VALUES (?, ?, ?, ?, ?, ?)",
            outcomes,
        ),
        (
            "INSERT INTO kpis (case_id, position, name, achieved, unit, baseline, target)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            kpis,
        ),
        (
            "INSERT INTO documents (case_id, position, url, title) VALUES (?, ?, ?, ?)",
            documents,
        ),
    ]
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.split(":///", 1)[1])
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        with connection:
            for sql, rows in statements:
                sqlite_rows = rows
                if "created_at" in sql:  # SQLAlchemy's text form of timestamps on SQLite
                    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
                    sqlite_rows = [(*r[:8], stamp, stamp, *r[10:]) for r in rows]
                connection.executemany(sql, sqlite_rows)
        connection.close()
    else:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain) as connection, connection.cursor() as cursor:
            for sql, rows in statements:
                if rows:
                    cursor.executemany(sql.replace("?", "%s"), rows)
    return len(cases)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.exit("usage: python -m benchmarks.rawload FILE.csv DATABASE_URL")
    count = load(args[0], args[1])
    sys.stdout.write(f"{count} cases inserted\n")


if __name__ == "__main__":
    main()
