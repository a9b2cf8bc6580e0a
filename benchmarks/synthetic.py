"""A seeded synthetic registry: every procurement of the 11 member cities, not only innovative ones.

The same seed always gives the same cases, in the same order, so the first 100 cases of a
1,000,000-case database are exactly the 100-case database. Distributions follow what public
procurement data look like: cities weighted by population, most procedures open or below
threshold, innovative approaches in about one case in five, log-normal (skewed) values in each
city's currency, about 5 % PPP cases, outcomes for most completed cases.

Three outputs from one stream of cases:

* :func:`populate`: a database migrated with the registry's own migrations, filled with
  SQLAlchemy Core ``executemany`` (organisations first, then cases and their child rows);
* :func:`write_csv`: the registry's spreadsheet columns (``reference`` then every vocabulary
  field, cells as :func:`procurement.cases.formats.cell_text` writes them);
* :func:`write_ocds_jsonl`: one minimal OCDS 1.1 release per line, as a portal would publish.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import json
import math
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from procurement.cases.fields import FIELDS
from procurement.cases.values import organisation_key
from procurement.core import codelists as cl

DEFAULT_SEED = 20261128
OCID_PREFIX = "ocds-bench1-"
BUYERS_PER_CITY = 30
SUPPLIERS = 20_000
TODAY = dt.date(2026, 11, 28)

# code, name, country, currency, units per EUR (rough), population in thousands (weight)
CITIES: tuple[tuple[str, str, str, str, float, int], ...] = (
    ("BER", "Berlin", "DE", "EUR", 1.0, 3755),
    ("CPH", "Copenhagen", "DK", "DKK", 7.45, 654),
    ("HEL", "Helsinki", "FI", "EUR", 1.0, 664),
    ("MMA", "Malmö", "SE", "SEK", 10.5, 357),
    ("OSL", "Oslo", "NO", "NOK", 10.5, 709),
    ("RIX", "Riga", "LV", "EUR", 1.0, 605),
    ("STO", "Stockholm", "SE", "SEK", 10.5, 985),
    ("LED", "St. Petersburg", "RU", "RUB", 80.0, 5600),
    ("TLL", "Tallinn", "EE", "EUR", 1.0, 454),
    ("VNO", "Vilnius", "LT", "EUR", 1.0, 592),
    ("WAW", "Warsaw", "PL", "PLN", 4.3, 1862),
)
CITY_BY_CODE = {c[0]: c for c in CITIES}
DEPARTMENTS = (
    "Urban Environment",
    "Education",
    "Social Services and Health Care",
    "Culture and Leisure",
    "Public Transport Authority",
    "Energy Utility",
    "Water Utility",
    "Waste Management",
    "Housing Company",
    "Digital Services",
    "Procurement Centre",
    "Public Works",
    "Emergency Services",
    "Parks and Streets",
    "Port Authority",
)
SUPPLIER_COUNTRIES = ("DE", "DK", "FI", "SE", "NO", "LV", "RU", "EE", "LT", "PL", "NL", "FR")
SUPPLIER_SUFFIXES = ("Oy", "AB", "AS", "GmbH", "A/S", "SIA", "UAB", "Sp. z o.o.", "OOO", "BV")
WORDS = (
    "electric",
    "bus",
    "school",
    "meals",
    "street",
    "lighting",
    "district",
    "heating",
    "software",
    "platform",
    "renovation",
    "bridge",
    "cleaning",
    "elderly",
    "care",
    "sensors",
    "library",
    "waste",
    "collection",
    "water",
    "pipes",
    "cycling",
    "lanes",
    "solar",
    "panels",
    "ventilation",
    "office",
    "furniture",
    "ambulance",
    "service",
    "telemedicine",
    "snow",
    "clearing",
    "tram",
    "depot",
)
KPI_NAMES = (
    ("co2-reduction", "t/yr"),
    ("energy-saved", "MWh/yr"),
    ("life-cycle-cost-saving", "%"),
    ("user-satisfaction", "%"),
    ("availability", "%"),
)


def _weights(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    items = [p[0] for p in pairs]
    cumulative: list[float] = []
    total = 0.0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return items, [c / total for c in cumulative]


CITY_W = _weights([(c[0], c[5]) for c in CITIES])
YEAR_W = _weights([(y, 1.0 + 0.12 * (y - 2008)) for y in range(2008, 2027)])
CATEGORY_W = _weights([("goods", 40), ("services", 45), ("works", 15)])
SECTOR_W = _weights(
    [
        ("transport", 12),
        ("energy", 6),
        ("water", 5),
        ("waste", 5),
        ("buildings", 14),
        ("health", 12),
        ("social-care", 9),
        ("education", 11),
        ("ict", 10),
        ("environment", 5),
        ("public-safety", 4),
        ("culture", 3),
        ("other", 4),
    ]
)
PROCEDURE_W = _weights(
    [
        ("open", 50),
        ("below-threshold", 22),
        ("restricted", 6),
        ("competitive-negotiation", 6),
        ("negotiated-without-publication", 7),
        ("competitive-dialogue", 2.5),
        ("innovation-partnership", 1),
        ("design-contest", 1.5),
        ("pre-commercial", 1),
        ("other", 3),
    ]
)
APPROACH_W = _weights(
    [
        ("sustainability-criteria", 30),
        ("market-dialogue", 20),
        ("life-cycle-costing", 12),
        ("functional-specification", 12),
        ("innovation-award-criteria", 8),
        ("variants-allowed", 6),
        ("outcome-based-payment", 5),
        ("ppi", 3),
        ("pre-commercial", 2),
        ("joint-cross-border", 2),
    ]
)
CRITERIA_W = _weights(
    [("price-quality", 55), ("price-only", 35), ("cost-only", 7), ("quality-only", 3)]
)
PPP_MODEL_W = _weights(
    [
        ("dbfom", 20),
        ("dbfo", 15),
        ("concession", 15),
        ("db-fm", 10),
        ("bot", 8),
        ("boot", 3),
        ("boo", 3),
        ("bto", 3),
        ("rot", 4),
        ("management-contract", 6),
        ("lease", 5),
        ("institutional-jv", 5),
        ("alliance", 2),
        ("other", 1),
    ]
)
RISK_CATEGORIES = cl.RiskCategory.values()[:-1]  # every category but "all"
RISK_ALLOCATIONS = cl.RiskAllocation.values()
INNOVATIVE_PROCEDURES = frozenset(
    {"competitive-dialogue", "innovation-partnership", "pre-commercial", "design-contest"}
)


def _pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    items, cumulative = table
    return items[min(bisect.bisect(cumulative, rng.random()), len(items) - 1)]


@dataclass(frozen=True)
class Org:
    id: int
    name: str
    country: str
    identifier: str
    city: str | None = None
    is_sme: bool = False


def organisations(seed: int = DEFAULT_SEED) -> list[Org]:
    """Buyers (30 per city) then suppliers, ids from 1: the same for every scale."""
    rng = random.Random(seed * 7 + 1)
    result: list[Org] = []
    for code, name, country, *_ in CITIES:
        for k in range(BUYERS_PER_CITY):
            department = DEPARTMENTS[k % len(DEPARTMENTS)]
            unit = f" {k // len(DEPARTMENTS) + 1}" if k >= len(DEPARTMENTS) else ""
            result.append(
                Org(
                    id=len(result) + 1,
                    name=f"City of {name}, {department}{unit}",
                    country=country,
                    identifier=f"BENCH-{code}-B{k + 1:02d}",
                    city=code,
                )
            )
    for k in range(SUPPLIERS):
        country = SUPPLIER_COUNTRIES[min(int(rng.expovariate(0.35)), len(SUPPLIER_COUNTRIES) - 1)]
        suffix = SUPPLIER_SUFFIXES[k % len(SUPPLIER_SUFFIXES)]
        result.append(
            Org(
                id=len(result) + 1,
                name=f"{WORDS[k % len(WORDS)].capitalize()} Supplier {k + 1:05d} {suffix}",
                country=country,
                identifier=f"BENCH-S{k + 1:05d}",
                is_sme=rng.random() < 0.45,
            )
        )
    return result


@dataclass
class SynthCase:
    """One case: database id, assigned reference and year, and its clean vocabulary values."""

    id: int
    reference: str
    year: int
    created_at: dt.datetime
    buyer: Org
    winner: Org | None
    values: dict[str, Any]


def _cpv_codes() -> dict[str, list[str]]:
    from procurement.core.cpv import labels

    by_category: dict[str, list[str]] = {"goods": [], "services": [], "works": []}
    for code in labels():
        division = int(code[:2])
        category = "works" if division == 45 else ("services" if division >= 50 else "goods")
        # the common, specific codes: a real register uses a few thousand of them
        if code[5:8] == "000" or code[4:8] == "0000":
            by_category[category].append(code)
    return by_category


def _amount(value: float) -> Decimal:
    return Decimal(max(int(value), 1))


@dataclass
class Generator:
    """Deterministic stream of cases; ``sequences`` holds the last number per (city, year)."""

    seed: int = DEFAULT_SEED
    orgs: list[Org] = field(default_factory=list)
    sequences: dict[tuple[str, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.orgs = self.orgs or organisations(self.seed)
        self.buyers = {c[0]: [o for o in self.orgs if o.city == c[0]] for c in CITIES}
        self.suppliers = [o for o in self.orgs if o.city is None]
        self.cpv = _cpv_codes()

    def cases(self, n: int) -> Iterator[SynthCase]:
        rng = random.Random(self.seed)
        self.sequences = {}
        for case_id in range(1, n + 1):
            yield self._case(rng, case_id)

    def _case(self, rng: random.Random, case_id: int) -> SynthCase:
        r = rng.random
        city = _pick(rng, CITY_W)
        _, _, _, currency, fx, _ = CITY_BY_CODE[city]
        base_year = _pick(rng, YEAR_W)
        ppp = r() < 0.05
        category = "works" if ppp and r() < 0.7 else _pick(rng, CATEGORY_W)
        procedure = _pick(rng, PROCEDURE_W)
        innovative = procedure in INNOVATIVE_PROCEDURES or r() < 0.15
        approaches: list[str] = []
        if innovative:
            for _ in range(1 + int(rng.expovariate(1.2))):
                approach = _pick(rng, APPROACH_W)
                if approach not in approaches:
                    approaches.append(approach)
            approaches.sort()

        age = TODAY.year - base_year
        u = r()
        if u < 0.03:
            status = "cancelled"
        elif age >= 4:
            status = "completed" if u < 0.85 else "implementation"
        elif age >= 2:
            status = ("implementation", "completed", "awarded")[int(r() * 3)]
        else:
            status = ("planned", "tender", "awarded", "implementation")[int(r() * 4)]

        values: dict[str, Any] = {
            "city": city,
            "category": category,
            "sector": _pick(rng, SECTOR_W),
            "procedure": procedure,
            "innovation_approaches": approaches,
            "status": status,
            "currency": currency,
        }
        day = dt.date(base_year, 1, 1) + dt.timedelta(days=int(r() * 360))
        if base_year == TODAY.year and day > TODAY:
            day = TODAY - dt.timedelta(days=int(r() * 300))
        estimated = math.exp(rng.gauss(12.0 if not ppp else 17.0, 1.5)) * fx
        values["estimated_value"] = _amount(min(estimated, 5e13))
        awarded = status not in ("planned", "tender") and not (status == "cancelled" and r() < 0.5)
        if status != "planned":
            values["tender_published"] = day
        if awarded:
            award_day = day + dt.timedelta(days=20 + int(rng.expovariate(1 / 60)))
            award_day = min(award_day, TODAY)  # an award date is never in the future
            values["awarded_on"] = award_day
            start = award_day + dt.timedelta(days=10 + int(r() * 80))
            values["contract_start"] = start
            years = 10 + int(r() * 25) if ppp else 0.5 + rng.expovariate(0.6)
            end = start + dt.timedelta(days=int(years * 365))
            values["contract_end_planned"] = end
            price = float(values["estimated_value"]) * (0.7 + 0.45 * r())
            cents = int(price * 100)
            values["awarded_value"] = Decimal(cents).scaleb(-2)
            values["award_criteria"] = _pick(rng, CRITERIA_W)
            tenders = 1 + int(rng.expovariate(0.35))
            values["tenders_received"] = tenders
            values["sme_tenders"] = int(tenders * r() * 0.8 + 0.3)
            if status == "completed":
                delay = int(rng.gauss(20, 90))
                completed = max(end + dt.timedelta(days=delay), start)
                if completed > TODAY:  # not delivered yet: still being carried out
                    values["status"] = "implementation"
            if values["status"] == "completed":
                values["completed_on"] = completed
                overrun = math.exp(rng.gauss(0.03, 0.12))
                values["final_value"] = _amount(price * overrun)
        year = (
            values["awarded_on"].year
            if "awarded_on" in values
            else (values["tender_published"].year if "tender_published" in values else base_year)
        )

        buyers = self.buyers[city]
        buyer = buyers[min(int(rng.expovariate(0.15)), len(buyers) - 1)]
        winner: Org | None = None
        if awarded:
            index = min(int(rng.paretovariate(1.1)) - 1, len(self.suppliers) - 1)
            winner = self.suppliers[(index * 7919 + int(r() * 50)) % len(self.suppliers)]
            values["winner_is_sme"] = winner.is_sme
            values["winner_country"] = winner.country
        codes = self.cpv[category]
        values["cpv"] = codes[int(r() * len(codes))]
        w1, w2, w3 = (WORDS[int(r() * len(WORDS))] for _ in range(3))
        values["title"] = f"{w1.capitalize()} {w2} {w3} for {buyer.name.split(', ')[-1]}"
        values["description"] = (
            f"{CITY_BY_CODE[city][1]} procures {w1} {w2} ({category}); "
            f"{'innovative approach' if innovative else 'standard procurement'}."
        )
        if r() < 0.6:
            values["contact_name"] = f"Officer {int(r() * 900) + 100}"
            values["contact_email"] = f"officer{int(r() * 900) + 100}@{city.lower()}.example.org"
        if r() < 0.25:
            values["documents"] = [
                {"url": f"https://tenders.example.org/{city.lower()}/{case_id}", "title": "Notice"}
            ]

        if ppp:
            values["ppp_model"] = _pick(rng, PPP_MODEL_W)
            values["payment_mechanism"] = ("availability", "user-charges", "shadow-toll", "mixed")[
                int(r() * 4)
            ]
            values["duration_years"] = 10 + int(r() * 25)
            capex = float(values["estimated_value"]) * (0.4 + 0.4 * r())
            values["capex"] = _amount(capex)
            values["private_finance_share"] = Decimal(20 + int(r() * 71))
            values["psc_value"] = _amount(float(values["estimated_value"]) * (0.95 + 0.2 * r()))
            values["vfm_percent"] = Decimal(int(rng.gauss(6, 8) * 10)).scaleb(-1)
            if awarded:
                values["financial_close"] = values["contract_start"]
            values["ppp_status"] = "concluded" if status == "completed" else "active"
            picked = rng.sample(RISK_CATEGORIES, 3 + int(r() * 6))
            values["risks"] = {c: RISK_ALLOCATIONS[int(r() * 3)] for c in sorted(picked)}

        if status == "completed" and r() < 0.6:
            values["innovation_achieved"] = ("yes", "partial", "no")[int(r() * 3)]
            values["satisfaction"] = min(5, max(1, int(rng.gauss(3.7, 0.9) + 0.5)))
            if innovative or r() < 0.1:
                values["lessons_learned"] = f"Early {w1} {w2} dialogue helped; plan {w3} sooner."
            best = innovative and r() < 0.08
            values["best_practice"] = best
            if best:
                values["best_practice_rationale"] = "Replicable model with measured results."
            if innovative and r() < 0.5:
                kpis = []
                for name, unit in rng.sample(KPI_NAMES, 1 + int(r() * 3)):
                    target = Decimal(10 + int(r() * 90))
                    achieved = (target * Decimal(50 + int(r() * 70)) / 100).quantize(Decimal("0.1"))
                    kpis.append(
                        {
                            "name": name,
                            "unit": unit,
                            "baseline": Decimal(0),
                            "target": target,
                            "achieved": achieved,
                            "lower_is_better": None,  # higher: the target is above 0
                        }
                    )
                values["kpis"] = kpis

        key = (city, year)
        number = self.sequences.get(key, 0) + 1
        self.sequences[key] = number
        reference = f"{city}-{year}-{number:03d}"
        created = dt.datetime.combine(
            values.get("tender_published") or dt.date(year, 1, 1), dt.time(9), tzinfo=dt.UTC
        )
        values["buyer"] = buyer.name
        values["winner"] = winner.name if winner else None
        return SynthCase(case_id, reference, year, created, buyer, winner, values)


# --------------------------------------------------------------------------- database


CASE_COLUMNS = (
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
    "winner_is_sme",
    "winner_country",
    "contact_name",
    "contact_email",
)
PPP_COLUMNS = (
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
OUTCOME_COLUMNS = (
    "innovation_achieved",
    "satisfaction",
    "lessons_learned",
    "best_practice_rationale",
)


@dataclass
class Rows:
    """Rows of one chunk of cases, table by table, ready for ``executemany``."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    approaches: list[dict[str, Any]] = field(default_factory=list)
    ppp: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    kpis: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)

    def add(self, case: SynthCase, kpi_ids: Iterator[int], doc_ids: Iterator[int]) -> None:
        v = case.values
        row = {name: v.get(name) for name in CASE_COLUMNS}
        row.update(
            id=case.id,
            reference=case.reference,
            ocid=f"{OCID_PREFIX}{case.reference}",
            city_code=v["city"],
            buyer_id=case.buyer.id,
            winner_id=case.winner.id if case.winner else None,
            year=case.year,
            removed_at=None,
            created_at=case.created_at,
            updated_at=case.created_at,
            origin="local",
            source_publisher=None,
            source_uri=None,
            source_file=None,
            source_release_date=None,
            ocds_extra=None,
        )
        self.cases.append(row)
        self.approaches += [{"case_id": case.id, "approach": a} for a in v["innovation_approaches"]]
        if v.get("ppp_model"):
            self.ppp.append({"case_id": case.id, **{c: v.get(c) for c in PPP_COLUMNS}})
            self.risks += [
                {"case_id": case.id, "category": k, "allocation": a}
                for k, a in v.get("risks", {}).items()
            ]
        if "best_practice" in v:
            self.outcomes.append(
                {
                    "case_id": case.id,
                    "best_practice": v["best_practice"],
                    **{c: v.get(c) for c in OUTCOME_COLUMNS},
                }
            )
        for position, kpi in enumerate(v.get("kpis", ())):
            self.kpis.append({"id": next(kpi_ids), "case_id": case.id, "position": position, **kpi})
        for position, doc in enumerate(v.get("documents", ())):
            self.documents.append(
                {"id": next(doc_ids), "case_id": case.id, "position": position, **doc}
            )


@dataclass
class PopulateStats:
    cases: int
    seconds: float
    rows: dict[str, int]


def populate(url: str, n: int, *, seed: int = DEFAULT_SEED, chunk: int = 20_000) -> PopulateStats:
    """Migrate the database at ``url`` (must be empty) and fill it with ``n`` synthetic cases."""
    import itertools

    from sqlalchemy import insert, text

    from procurement.storage import migrate
    from procurement.storage.engine import make_engine
    from procurement.storage.models import (
        Case,
        CaseApproach,
        Document,
        Kpi,
        Organisation,
        Outcome,
        PppDetails,
        ReferenceSequence,
        RiskAllocationRow,
    )

    started = time.perf_counter()
    engine = make_engine(url)
    migrate.upgrade(engine)
    generator = Generator(seed=seed)
    counts: dict[str, int] = {}
    kpi_ids, doc_ids = itertools.count(1), itertools.count(1)
    tables = (
        ("cases", Case),
        ("case_approaches", CaseApproach),
        ("ppp_details", PppDetails),
        ("risk_allocations", RiskAllocationRow),
        ("outcomes", Outcome),
        ("kpis", Kpi),
        ("documents", Document),
    )
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(Organisation),
                [
                    {
                        "id": o.id,
                        "name": o.name,
                        "name_key": organisation_key(o.name),
                        "country": o.country,
                        "identifier": o.identifier,
                    }
                    for o in generator.orgs
                ],
            )
            counts["organisations"] = len(generator.orgs)
            stream = generator.cases(n)
            while True:
                rows = Rows()
                for case in itertools.islice(stream, chunk):
                    rows.add(case, kpi_ids, doc_ids)
                if not rows.cases:
                    break
                batches = (
                    rows.cases,
                    rows.approaches,
                    rows.ppp,
                    rows.risks,
                    rows.outcomes,
                    rows.kpis,
                    rows.documents,
                )
                for (name, model), batch in zip(tables, batches, strict=True):
                    if batch:
                        conn.execute(insert(model), batch)
                        counts[name] = counts.get(name, 0) + len(batch)
            conn.execute(
                insert(ReferenceSequence),
                [
                    {"city_code": c, "year": y, "last_number": last}
                    for (c, y), last in sorted(generator.sequences.items())
                ],
            )
            if engine.dialect.name == "postgresql":
                for table in ("organisations", "cases", "kpis", "documents", "audit_events"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                        )
                    )
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                # VACUUM as autovacuum would within a minute of such a load on a live server
                # (it sets the visibility map that index-only scans rely on), then ANALYZE.
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return PopulateStats(n, time.perf_counter() - started, counts)


# --------------------------------------------------------------------------- files


def csv_header() -> list[str]:
    return ["reference", *(f.name for f in FIELDS)]


def write_csv(path: Path, cases: Iterable[SynthCase]) -> int:
    """The cases in the registry's spreadsheet columns; returns the number of rows."""
    from procurement.cases.formats import cell_text

    names = [f.name for f in FIELDS]
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(csv_header())
        for case in cases:
            v = case.values
            writer.writerow([case.reference, *(cell_text(name, v.get(name)) for name in names)])
            count += 1
    return count


PROCUREMENT_METHOD = {
    "open": "open",
    "below-threshold": "open",
    "restricted": "selective",
    "competitive-negotiation": "selective",
    "competitive-dialogue": "selective",
    "innovation-partnership": "selective",
    "negotiated-without-publication": "limited",
}
TENDER_STATUS = {
    "planned": "planning",
    "tender": "active",
    "awarded": "complete",
    "implementation": "complete",
    "completed": "complete",
    "cancelled": "cancelled",
}


def _money(amount: Decimal | None, currency: str) -> dict[str, Any] | None:
    return None if amount is None else {"amount": float(amount), "currency": currency}


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T00:00:00Z"


def ocds_release(case: SynthCase) -> dict[str, Any]:
    """A minimal valid OCDS 1.1 release for the case, as a city's portal would publish it."""
    v = case.values
    currency = v["currency"]
    ocid = f"{OCID_PREFIX}{case.reference}"
    buyer = case.buyer
    parties: list[dict[str, Any]] = [
        {
            "id": buyer.identifier,
            "name": buyer.name,
            "identifier": {"scheme": "XI-BENCH", "id": buyer.identifier},
            "address": {"countryName": buyer.country},
            "roles": ["buyer", "procuringEntity"],
        }
    ]
    procedure = v["procedure"]
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": v["title"],
        "description": v["description"],
        "status": TENDER_STATUS[v["status"]],
        "procurementMethod": PROCUREMENT_METHOD.get(procedure, "open"),
        "procurementMethodDetails": procedure,
        "mainProcurementCategory": v["category"],
        "value": _money(v.get("estimated_value"), currency),
        "items": [
            {
                "id": "1",
                "classification": {"scheme": "CPV", "id": v["cpv"].split("-")[0]},
            }
        ],
    }
    if v.get("tender_published"):
        tender["tenderPeriod"] = {"startDate": _iso(v["tender_published"])}
    if v.get("tenders_received") is not None:
        tender["numberOfTenderers"] = v["tenders_received"]
    tag = ["planning"] if v["status"] == "planned" else ["tender"]
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{case.created_at:%Y%m%d}",
        "date": case.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tag": tag,
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": buyer.identifier, "name": buyer.name},
        "parties": parties,
        "tender": {k: val for k, val in tender.items() if val is not None},
    }
    winner = case.winner
    if winner is not None:
        parties.append(
            {
                "id": winner.identifier,
                "name": winner.name,
                "address": {"countryName": winner.country},
                "roles": ["supplier", "tenderer"],
                "details": {"scale": "sme" if winner.is_sme else "large"},
            }
        )
        release["tag"] = ["award"]
        award: dict[str, Any] = {
            "id": f"{ocid}-award-1",
            "status": "active",
            "date": _iso(v.get("awarded_on")),
            "value": _money(v.get("awarded_value"), currency),
            "suppliers": [{"id": winner.identifier, "name": winner.name}],
        }
        release["awards"] = [award]
        if v.get("contract_start"):
            contract: dict[str, Any] = {
                "id": f"{ocid}-contract-1",
                "awardID": award["id"],
                "status": "terminated" if v["status"] == "completed" else "active",
                "period": {
                    "startDate": _iso(v["contract_start"]),
                    "endDate": _iso(v.get("contract_end_planned")),
                },
                "value": _money(v.get("awarded_value"), currency),
            }
            if v.get("final_value") is not None:
                contract["implementation"] = {
                    "transactions": [
                        {
                            "id": "1",
                            "date": _iso(v.get("completed_on")),
                            "value": _money(v["final_value"], currency),
                        }
                    ]
                }
            release["contracts"] = [contract]
    return release


def write_ocds_jsonl(path: Path, cases: Iterable[SynthCase]) -> int:
    """One OCDS release per line (JSON Lines); returns the number of releases."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for case in cases:
            handle.write(json.dumps(ocds_release(case), ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")
            count += 1
    return count


def write_city_map(path: Path, seed: int = DEFAULT_SEED) -> None:
    """``buyer_identifier,city`` for every synthetic buyer (``import --city-map``)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["buyer_identifier", "city"])
        for org in organisations(seed):
            if org.city is not None:
                writer.writerow([org.identifier, org.city])
