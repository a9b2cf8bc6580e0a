"""The seeded generator of the illustrative demo data set: about 150 fictional cases.

It draws the cases over the 11 member cities from the tables of
:mod:`procurement.demo.tables` with ``random.Random(seed)`` (the same seed gives the same
data) and returns them as plain case value mappings (the vocabulary keys of ``add_case``,
``set_ppp`` and ``set_outcome``). It touches no database: :mod:`procurement.demo.loader`
stores the cases. The data are fictional and illustrative; they describe no real
procurement.

What the generator aims at:

* 14 cases per member city, 2008-2026, recent years denser; statuses follow the dates as
  they stand on :data:`AS_OF` (older cases completed, 2025-2026 cases planned, in tender or
  awarded, a few cancelled).
* Every procedure, sector, innovation approach, award criterion, PPP model and payment
  mechanism appears at least once; about a quarter of the cases are PPPs, with a risk
  allocation over the OCDS for PPPs risk categories.
* Amounts in the currency valid at the time (Tallinn EEK before 2011, Riga LVL before 2014,
  Vilnius LTL before 2015), log-normal magnitudes per category; single-bid rate 20-40 %;
  cost overruns and schedule delays skewed, lower for PPP than for traditional delivery.
* Some completed cases have no outcome record or no final value, as in a real registry.

Conventions: buyers are real cities with generic unit names; every supplier name ends in
``(fictional)``; contact persons are invented and their addresses are at ``example.org``;
every description ends with ``(Illustrative case.)``. For a PPP contract still in
operation, ``final_value`` is the cost settled when the asset was delivered, while
``completed_on`` stays empty until the contract ends.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from procurement.core import codelists as cl
from procurement.demo.tables import (
    ALWAYS_RISKS,
    ARCHETYPES,
    AS_OF,
    BEST_PRACTICE_REASONS,
    BEST_PRACTICE_TARGET,
    CANCELLED,
    CASES_PER_CITY,
    CITIES,
    FIRST_YEAR,
    HOME_CURRENCY,
    ILLUSTRATIVE,
    KPIS,
    LAST_YEAR,
    LESSONS,
    MECHANISMS,
    NEIGHBOURS,
    NO_PRIVATE_FINANCE,
    PCP,
    PEGS,
    PEOPLE,
    PPP_DURATION,
    PPP_PROCEDURES,
    PPP_SHARE,
    REVENUE_RISK,
    RISKS,
    SINGLE_BID,
    STAGES_NOW,
    SUPPLIER_STEMS,
    TIME_TO_AWARD,
    TRADES,
    UNITS,
    Archetype,
    CityProfile,
)

DEFAULT_SEED = 2026


def _scale(currency: str, year: int) -> float:
    if currency in PEGS:
        return PEGS[currency]
    if currency == "SEK":
        return 9.4 if year < 2018 else 10.5 if year < 2022 else 11.2
    if currency == "NOK":
        return 8.0 if year < 2014 else 9.4 if year < 2020 else 11.0
    if currency == "PLN":
        return 4.2 if year < 2020 else 4.5
    if currency == "RUB":
        return 40.0 if year < 2014 else 51.0 if year < 2015 else 75.0 if year < 2022 else 92.0
    return 1.0


_PPP_SECTORS = frozenset(a.sector for a in ARCHETYPES if a.ppp_models)


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


@dataclass
class DemoCase:
    """One generated case: the mapping for ``add_case`` and the later lifecycle steps."""

    data: dict[str, Any]
    ppp: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None
    # used while generating only
    best_practice_candidate: bool = field(default=False, repr=False)


@dataclass
class _Slot:
    city: CityProfile
    year: int
    require: dict[str, str] = field(default_factory=dict)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, median * math.exp(rng.gauss(0, sigma))))


def _money(value: float, step: int = 1) -> Decimal:
    return Decimal(round(value / step) * step).quantize(Decimal("0.01"))


def _years(rng: random.Random, total: int) -> list[int]:
    """``total`` years from 2008 to 2026, every year at least once, recent years denser."""
    span = list(range(FIRST_YEAR, LAST_YEAR + 1))
    weights = [1.0 + 0.22 * (y - FIRST_YEAR) for y in span]
    quota = [max(1, round(total * w / sum(weights))) for w in weights]
    while sum(quota) > total:
        quota[quota.index(max(quota))] -= 1
    while sum(quota) < total:
        quota[-1 - rng.randrange(6)] += 1
    years = [y for y, q in zip(span, quota, strict=True) for _ in range(q)]
    rng.shuffle(years)
    return years


def _slots(rng: random.Random) -> list[_Slot]:
    years = _years(rng, CASES_PER_CITY * len(CITIES))
    slots = [
        _Slot(city, years[i * CASES_PER_CITY + j])
        for i, city in enumerate(CITIES)
        for j in range(CASES_PER_CITY)
    ]
    # Every code of these codelists appears at least once: each gets its own slot.
    requirements = (
        [("procedure", p.value) for p in cl.Procedure]
        + [("ppp_model", m.value) for m in cl.PppModel]
        + [("payment_mechanism", m.value) for m in cl.PaymentMechanism]
        + [("sector", s.value) for s in cl.Sector]
        + [("approach", a.value) for a in cl.InnovationApproach]
        + [("award_criteria", c.value) for c in cl.AwardCriteria]
    )
    # older slots for PPP requirements (so that PPPs have outcomes), any slot otherwise
    order = sorted(range(len(slots)), key=lambda i: (slots[i].year, rng.random()))
    old = order[: len(order) // 2]
    rng.shuffle(old)
    rest = order[len(order) // 2 :]
    rng.shuffle(rest)
    pool = old + rest
    ppp_keys = [r for r in requirements if r[0] in ("ppp_model", "payment_mechanism")]
    other = [r for r in requirements if r not in ppp_keys]
    for (key, value), index in zip(ppp_keys + other, pool, strict=False):
        slots[index].require[key] = value
    # The present year: planned, in tender, awarded or just started; a few cancelled cases.
    current = [s for s in slots if s.year == LAST_YEAR]
    rng.shuffle(current)
    for i, slot in enumerate(current):
        slot.require["stage"] = STAGES_NOW[i % len(STAGES_NOW)]
    for slot in rng.sample([s for s in slots if s.year < LAST_YEAR], CANCELLED):
        slot.require["stage"] = "cancelled"
    # About 28 % PPPs, older slots more likely (so that some PPP contracts have ended).
    free = [
        s
        for s in slots
        if not {"procedure", "ppp_model", "payment_mechanism"} & set(s.require)
        and s.require.get("sector", "transport") in _PPP_SECTORS
    ]
    wanted = round(PPP_SHARE * len(slots)) - len(ppp_keys)
    free.sort(key=lambda s: rng.random() ** (1 / (1 + 0.15 * (LAST_YEAR - s.year))), reverse=True)
    for slot in free[:wanted]:
        slot.require["ppp"] = "yes"
    return slots


class _Generator:
    def __init__(self, rng: random.Random, currencies: Mapping[str, str]) -> None:
        self.rng = rng
        self.currencies = currencies

    # -- choices --------------------------------------------------------------------

    def archetype(self, slot: _Slot, ppp_model: str | None, procedure: str | None) -> Archetype:
        rng = self.rng
        req = slot.require
        choices = list(ARCHETYPES)
        if "sector" in req:
            choices = [a for a in choices if a.sector == req["sector"]]
        if ppp_model:
            fits = [a for a in choices if ppp_model in a.ppp_models]
            choices = fits or [a for a in ARCHETYPES if ppp_model in a.ppp_models]
            if req.get("payment_mechanism") == "shadow-toll":
                choices = [a for a in choices if a.sector == "transport"] or choices
        elif procedure in ("pre-commercial", "design-contest"):
            choices = [a for a in choices if procedure in a.procedures] or [
                a for a in ARCHETYPES if procedure in a.procedures
            ]
        elif procedure == "below-threshold":
            choices = [a for a in choices if a.category != "works"] or choices
        elif procedure is not None:
            # archetypes built for PCP only are not bought by another procedure
            choices = [a for a in choices if a.procedures != PCP] or choices
        return rng.choice(choices)

    def ppp_model(self, slot: _Slot) -> str | None:
        req = slot.require
        if "ppp_model" in req:
            return req["ppp_model"]
        if "payment_mechanism" in req:
            mech = req["payment_mechanism"]
            models = [m for m, opts in MECHANISMS.items() if any(o == mech for o, _ in opts)]
            if mech == "shadow-toll":
                return self.rng.choice(["dbfo", "dbfom"])
            return self.rng.choice(models)
        if "ppp" in req:
            weighted = (
                ("dbfom", 16),
                ("db-fm", 12),
                ("dbfo", 10),
                ("concession", 14),
                ("bot", 6),
                ("boot", 5),
                ("boo", 4),
                ("bto", 4),
                ("rot", 4),
                ("management-contract", 8),
                ("lease", 5),
                ("institutional-jv", 6),
                ("alliance", 5),
                ("other", 3),
            )
            model = _pick(self.rng, weighted)
            if "sector" in req:
                fitting = {m for a in ARCHETYPES if a.sector == req["sector"] for m in a.ppp_models}
                if model not in fitting:
                    return self.rng.choice(sorted(fitting)) if fitting else None
            return model
        return None

    def procedure(self, slot: _Slot, arch: Archetype, ppp: bool, eur: float) -> str:
        rng = self.rng
        if "procedure" in slot.require:
            return slot.require["procedure"]
        if ppp:
            return _pick(rng, PPP_PROCEDURES)
        if arch.procedures == PCP:
            return "pre-commercial" if rng.random() < 0.9 else "other"
        if arch.procedures and rng.random() < 0.35:
            return rng.choice(arch.procedures)
        if arch.category != "works" and eur < 215_000 and rng.random() < 0.6:
            return "below-threshold"
        return _pick(
            rng,
            (
                ("open", 50),
                ("restricted", 12),
                ("competitive-negotiation", 12),
                ("competitive-dialogue", 8),
                ("innovation-partnership", 4),
                ("negotiated-without-publication", 7),
                ("other", 3),
            ),
        )

    def approaches(self, slot: _Slot, arch: Archetype, procedure: str, ppp: bool) -> list[str]:
        rng = self.rng
        chosen: set[str] = set()
        if procedure == "pre-commercial":
            chosen |= {"pre-commercial", "market-dialogue"}
        if procedure == "innovation-partnership":
            chosen |= {"market-dialogue", "innovation-award-criteria"}
        if procedure == "competitive-dialogue" and rng.random() < 0.6:
            chosen.add("functional-specification")
        if ppp:
            if rng.random() < 0.7:
                chosen.add("life-cycle-costing")
            if rng.random() < 0.5:
                chosen.add("functional-specification")
            if rng.random() < 0.25:
                chosen.add("outcome-based-payment")
        odds = {
            "market-dialogue": 0.35,
            "functional-specification": 0.22,
            "outcome-based-payment": 0.08,
            "life-cycle-costing": 0.18,
            "innovation-award-criteria": 0.12,
            "variants-allowed": 0.07,
            "ppi": 0.06,
            "joint-cross-border": 0.03,
            "sustainability-criteria": 0.35,
        }
        if rng.random() < 0.85:  # a few cases are plain, traditional purchases
            chosen |= {a for a, p in odds.items() if rng.random() < p}
        if "joint" in arch.title.lower():
            chosen.add("joint-cross-border")
        if "approach" in slot.require:
            chosen.add(slot.require["approach"])
        return sorted(chosen)

    def award_criteria(self, slot: _Slot, procedure: str, approaches: list[str], ppp: bool) -> str:
        if "award_criteria" in slot.require:
            return slot.require["award_criteria"]
        if procedure == "design-contest":
            return "quality-only"
        if ppp:  # PPP tenders are compared on price and quality, or on whole-life cost
            return _pick(self.rng, (("price-quality", 70), ("cost-only", 25), ("price-only", 5)))
        if "life-cycle-costing" in approaches and self.rng.random() < 0.45:
            return "cost-only"
        if "innovation-award-criteria" in approaches or procedure == "pre-commercial":
            return "price-quality"
        return _pick(
            self.rng,
            (("price-quality", 55), ("price-only", 26), ("cost-only", 12), ("quality-only", 7)),
        )

    def magnitude(self, slot: _Slot, arch: Archetype, ppp: bool) -> float:
        """Awarded value in EUR, log-normal per category."""
        rng = self.rng
        if ppp:
            return _lognormal(rng, 70e6, 0.9, 8e6, 800e6)
        if slot.require.get("procedure") == "below-threshold":
            return rng.uniform(50_000, 200_000)
        if arch.procedures == PCP:
            return _lognormal(rng, 1.2e6, 0.6, 0.3e6, 6e6)
        if arch.category == "works":
            return _lognormal(rng, 18e6, 1.0, 5e6, 800e6)
        return _lognormal(rng, 0.7e6, 1.2, 50_000, 20e6)

    def currency(self, city: CityProfile, on: dt.date) -> str:
        if city.earlier_currency and on < city.earlier_currency[1]:
            return city.earlier_currency[0]
        return self.currencies[city.code]

    def winner(self, city: CityProfile, sector: str, ppp: bool, sme: bool) -> tuple[str, str]:
        rng = self.rng
        country = city.country
        if rng.random() < (0.35 if ppp else 0.2):
            country = rng.choice(NEIGHBOURS[country])
        stems, form = SUPPLIER_STEMS[country]
        stem = rng.choice(stems)
        if ppp:
            name = f"{stem} {TRADES[sector]} Partners {form}"
        elif sme:
            name = f"{stem} {TRADES[sector]} {form}"
        else:
            name = f"{stem} {TRADES[sector]} Group {form}"
        return f"{name} (fictional)", country

    # -- one case -------------------------------------------------------------------

    def case(self, slot: _Slot) -> DemoCase:
        rng = self.rng
        city = slot.city
        model = self.ppp_model(slot)
        ppp = model is not None
        arch = self.archetype(slot, model, slot.require.get("procedure"))
        eur = self.magnitude(slot, arch, ppp)
        procedure = self.procedure(slot, arch, ppp, eur)
        if procedure == "below-threshold" and eur > 215_000:
            eur = rng.uniform(50_000, 200_000) if arch.category != "works" else 3e6
        approaches = self.approaches(slot, arch, procedure, ppp)
        criteria = self.award_criteria(slot, procedure, approaches, ppp)

        stage = slot.require.get("stage", "natural")
        dates = self.dates(slot.year, stage, procedure, arch, model)
        key_date = dates.get("awarded_on") or dates["tender_published"]
        # one currency per case: a contract completed after its city joined the euro is
        # recorded in euro throughout (converted at the irrevocable rate, as officers do)
        currency = self.currency(city, max(key_date, dates.get("completed_on") or key_date))
        awarded = eur * _scale(currency, key_date.year)
        status = dates.pop("status")
        data = self.values(city, arch, procedure, approaches, criteria, status, currency, awarded)
        final_status = dates.pop("final_status")
        delivered = dates.pop("delivered")
        completed_on = dates.pop("completed_on", None)
        data.update({k: v for k, v in dates.items() if k != "financial_close"})
        if stage == "cancelled" and rng.random() < 0.5:
            data["tenders_received"] = rng.choice([0, 1, 1, 2])
            data["sme_tenders"] = 0
        if data.get("awarded_on"):
            self.award(data, city, arch, ppp, procedure, awarded)
        self.contact_and_documents(data, city)

        demo = DemoCase(data=data)
        if ppp:
            assert model is not None
            demo.ppp = self.ppp_details(slot, model, data, dates, final_status)
        if final_status in ("completed",) or delivered:
            demo.outcome = self.outcome(
                data, arch, approaches, ppp, final_status, completed_on, demo.ppp
            )
            if demo.outcome is not None and demo.outcome.get("innovation_achieved") == "yes":
                demo.best_practice_candidate = (demo.outcome.get("satisfaction") or 0) >= 4
        return demo

    def values(
        self,
        city: CityProfile,
        arch: Archetype,
        procedure: str,
        approaches: list[str],
        criteria: str,
        status: str,
        currency: str,
        awarded: float,
    ) -> dict[str, Any]:
        """The case's first values: buyer, title, description, classification, estimate."""
        rng = self.rng
        saving = rng.gauss(0.06, 0.09)
        estimated = awarded / (1 - max(-0.3, min(0.35, saving)))
        title = arch.title.format(district=rng.choice(city.districts))
        description = f"{arch.challenge} {self.approach_sentence(approaches)}{ILLUSTRATIVE}"
        return {
            "city": city.code,
            "buyer": f"{city.buyer_prefix}, {UNITS[arch.sector]}",
            "title": title,
            "description": description,
            "category": arch.category,
            "cpv": arch.cpv,
            "sector": arch.sector,
            "procedure": procedure,
            "innovation_approaches": approaches,
            "status": status,
            "currency": currency,
            "estimated_value": _money(estimated, 1000),
            "award_criteria": criteria,
        }

    def contact_and_documents(self, data: dict[str, Any], city: CityProfile) -> None:
        """A contact person for some cases, a (fictional) notice link for a few."""
        rng = self.rng
        if rng.random() < 0.35:
            name, local = rng.choice(PEOPLE[city.country])
            data["contact_name"] = name
            data["contact_email"] = f"{local}@example.org"
        if rng.random() < 0.12:
            title = data["title"]
            ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
            slug = "-".join(re.findall(r"[a-z0-9]+", ascii_title.lower())[:5])
            data["documents"] = [
                {
                    "url": f"https://example.org/baltmet-demo/{city.code.lower()}/{slug}",
                    "title": "Contract notice (fictional)",
                }
            ]

    def dates(
        self, year: int, stage: str, procedure: str, arch: Archetype, model: str | None
    ) -> dict[str, Any]:
        """Dates and status: tender_published < awarded_on < contract_start < end."""
        rng = self.rng
        result: dict[str, Any] = {"delivered": False}
        if stage in ("planned", "tender", "cancelled"):  # no award (yet)
            if stage == "planned":  # the planned publication date
                published = _day(rng, dt.date(2026, 12, 1), dt.date(2026, 12, 28))
            elif stage == "tender":
                published = _day(rng, dt.date(2026, 5, 1), dt.date(2026, 10, 20))
            else:
                last = min(dt.date(year, 12, 31), AS_OF - dt.timedelta(days=30))
                published = _day(rng, dt.date(year, 1, 1), last)
            return {**result, "tender_published": published, "status": stage, "final_status": stage}

        if stage == "awarded":
            awarded_on = _day(rng, dt.date(2026, 6, 1), AS_OF - dt.timedelta(days=3))
        elif stage == "started":
            awarded_on = _day(rng, dt.date(2026, 1, 5), dt.date(2026, 7, 31))
        else:
            awarded_on = _day(rng, dt.date(year, 1, 2), min(dt.date(year, 12, 22), AS_OF))
        low, high = TIME_TO_AWARD[procedure]
        published = awarded_on - dt.timedelta(days=rng.randint(low, high))
        if model and model not in NO_PRIVATE_FINANCE:
            result["financial_close"] = awarded_on + dt.timedelta(days=rng.randint(30, 200))
            start = result["financial_close"] + dt.timedelta(days=rng.randint(0, 20))
        else:
            start = awarded_on + dt.timedelta(days=rng.randint(14, 75))
        if stage == "awarded":
            start = max(start, AS_OF + dt.timedelta(days=rng.randint(10, 120)))
            result.pop("financial_close", None)
        elif stage == "started":
            start = min(start, AS_OF - dt.timedelta(days=rng.randint(5, 60)))
            start = max(start, awarded_on + dt.timedelta(days=7))
            if "financial_close" in result:
                result["financial_close"] = min(result["financial_close"], start)
        if model:
            duration = 365 * rng.randint(*PPP_DURATION[model]) + rng.randint(-60, 60)
        elif arch.category == "goods":
            duration = rng.randint(120, 730)
        elif arch.category == "services":
            duration = rng.randint(300, 1800)
        else:
            duration = rng.randint(365, 1460)
        end = start + dt.timedelta(days=duration)
        delay = self.delay(model is not None, arch.category)
        finished = end + dt.timedelta(days=delay)
        result.update(
            tender_published=published,
            awarded_on=awarded_on,
            contract_start=start,
            contract_end_planned=end,
        )
        if start > AS_OF:
            status = final = "awarded"
        elif finished <= AS_OF and stage == "natural":
            status, final = "implementation", "completed"
            result["completed_on"] = finished
            result["delivered"] = True
        else:
            status = final = "implementation"
            if model:  # the asset of a running PPP is delivered after its construction
                built = start + dt.timedelta(days=365 * rng.randint(1, 4) + delay)
                result["delivered"] = built <= AS_OF
        return {**result, "status": status, "final_status": final}

    def delay(self, ppp: bool, category: str) -> int:
        """Schedule delay in days: skewed, PPPs more often on time."""
        rng = self.rng
        if rng.random() < (0.65 if ppp else 0.35):
            return -rng.randint(0, 45)
        median = {"goods": 30, "services": 45, "works": 90}[category]
        return round(_lognormal(rng, median * (0.4 if ppp else 1.0), 0.9, 3, 900))

    def overrun(self, ppp: bool, distressed: bool) -> float:
        """Cost overrun as a fraction: most 0-15 %, a tail to 60 % and more, some savings."""
        rng = self.rng
        if distressed:
            return rng.uniform(0.1, 0.45)
        if rng.random() < (0.25 if ppp else 0.15):
            return -rng.uniform(0.0, 0.12)
        return _lognormal(rng, 0.03 if ppp else 0.085, 0.85 if ppp else 1.0, 0.002, 1.2)

    def award(
        self,
        data: dict[str, Any],
        city: CityProfile,
        arch: Archetype,
        ppp: bool,
        procedure: str,
        awarded: float,
    ) -> None:
        rng = self.rng
        data["awarded_value"] = _money(awarded, 100 if awarded > 1e6 else 1)
        if rng.random() < 0.06:  # not recorded
            tenders = None
        elif rng.random() < (0.27 if ppp else SINGLE_BID[procedure]):
            tenders = 1
        else:
            tenders = rng.choices(range(2, 13), weights=[18, 17, 15, 12, 9, 7, 5, 4, 3, 2, 2])[0]
            if procedure == "design-contest" or (arch.category == "goods" and rng.random() < 0.1):
                tenders += rng.randint(0, 8)
        share = 0.15 if ppp else 0.25 if arch.category == "works" else 0.5
        sme_tenders = None
        if tenders is not None:
            sme_tenders = sum(1 for _ in range(tenders) if rng.random() < share)
            data["tenders_received"] = tenders
            if rng.random() < 0.9:
                data["sme_tenders"] = sme_tenders
        if sme_tenders is not None and tenders:
            sme = sme_tenders == tenders or rng.random() < 0.85 * sme_tenders / tenders
        else:
            sme = rng.random() < (0.05 if ppp else 0.3)
        winner, country = self.winner(city, arch.sector, ppp, sme)
        data["winner"] = winner
        data["winner_country"] = country
        data["winner_is_sme"] = sme

    def approach_sentence(self, approaches: list[str]) -> str:
        if not approaches:
            return ""
        if "pre-commercial" in approaches:
            return "Several suppliers developed competing prototypes in phases. "
        if "market-dialogue" in approaches:
            return "A preliminary market dialogue preceded the tender. "
        if "outcome-based-payment" in approaches:
            return "Part of the payment depends on measured outcomes. "
        if "life-cycle-costing" in approaches:
            return "Tenders were compared on life-cycle cost. "
        return ""

    def ppp_details(
        self,
        slot: _Slot,
        model: str,
        data: dict[str, Any],
        dates: Mapping[str, Any],
        final_status: str,
    ) -> dict[str, Any]:
        rng = self.rng
        mechanism = slot.require.get("payment_mechanism") or _pick(rng, MECHANISMS[model])
        low, high = PPP_DURATION[model]
        details: dict[str, Any] = {
            "ppp_model": model,
            "payment_mechanism": mechanism,
            "duration_years": rng.randint(low, high),
        }
        if data.get("contract_start") and data.get("contract_end_planned"):
            days = (data["contract_end_planned"] - data["contract_start"]).days
            details["duration_years"] = max(1, round(days / 365))
        base = float(data.get("awarded_value") or data["estimated_value"])
        if model not in ("management-contract",):
            details["capex"] = _money(base * rng.uniform(0.45, 0.75), 1000)
        if model in NO_PRIVATE_FINANCE:
            details["private_finance_share"] = Decimal(0) if model != "lease" else Decimal(100)
        elif model == "institutional-jv":
            details["private_finance_share"] = Decimal(rng.choice([49, 51, 60, 70]))
        else:
            details["private_finance_share"] = Decimal(rng.randint(12, 20) * 5)
        if mechanism in ("availability", "shadow-toll", "mixed") and rng.random() < 0.8:
            vfm = max(-8.0, min(25.0, rng.gauss(7, 6)))
            details["vfm_percent"] = Decimal(str(round(vfm, 1)))
            details["psc_value"] = _money(base * (1 + vfm / 100), 1000)
        if dates.get("financial_close"):
            details["financial_close"] = dates["financial_close"]
        status = {"completed": "concluded", "cancelled": "cancelled"}.get(final_status)
        if final_status == "implementation":
            status = "distressed" if rng.random() < 0.1 else "active"
        elif final_status == "awarded":
            status = "active"
        if status:
            details["ppp_status"] = status
        details["risks"] = self.risks(model, mechanism)
        return details

    def risks(self, model: str, mechanism: str) -> dict[str, str]:
        rng = self.rng
        extra = [c for c in RISKS if c not in ALWAYS_RISKS]
        chosen = list(ALWAYS_RISKS) + rng.sample(extra, rng.randint(3, 7))
        result: dict[str, str] = {}
        for category in chosen:
            if category == "revenue":
                result[category] = _pick(rng, REVENUE_RISK[mechanism])
            elif category in ("construction", "design", "completion") and model == "alliance":
                result[category] = "shared"
            elif category in ("construction", "completion") and model == "management-contract":
                continue  # nothing is built
            elif category in ("finance-availability", "refinancing") and model in (
                "management-contract",
                "alliance",
            ):
                continue  # no private finance
            else:
                result[category] = _pick(rng, RISKS[category])
        return result

    def outcome(
        self,
        data: Mapping[str, Any],
        arch: Archetype,
        approaches: list[str],
        ppp: bool,
        final_status: str,
        completed_on: dt.date | None,
        ppp_details: Mapping[str, Any] | None,
    ) -> dict[str, Any] | None:
        """The outcome step: status, completion, final value and the outcome record."""
        rng = self.rng
        step: dict[str, Any] = {}
        if final_status == "completed":
            step["status"] = "completed"
            step["completed_on"] = completed_on
        distressed = bool(ppp_details and ppp_details.get("ppp_status") == "distressed")
        if data.get("awarded_value") is not None and rng.random() < 0.86:
            awarded = float(data["awarded_value"])
            step["final_value"] = _money(awarded * (1 + self.overrun(ppp, distressed)), 1)
        if rng.random() < 0.8:
            achieved = _pick(rng, (("yes", 50), ("partial", 35), ("no", 15)))
            satisfaction = {
                "yes": rng.choice([4, 4, 5, 5, 3]),
                "partial": rng.choice([3, 3, 4, 2]),
                "no": rng.choice([1, 2, 2, 3]),
            }[achieved]
            if distressed:
                satisfaction = min(satisfaction, 2)
            step["innovation_achieved"] = achieved
            step["satisfaction"] = satisfaction
            step["lessons_learned"] = self.lessons(approaches, ppp)
            step["kpis"] = self.kpis(arch, achieved)
        return step or None

    def lessons(self, approaches: list[str], ppp: bool) -> str:
        rng = self.rng
        pool = [text for a in approaches for text in LESSONS.get(a, ())]
        if ppp:
            pool += LESSONS["ppp"]
        pool = pool or list(LESSONS["general"])
        picked = rng.sample(pool, min(len(pool), rng.randint(1, 2)))
        if rng.random() < 0.4:
            picked.append(rng.choice(LESSONS["general"]))
        return " ".join(dict.fromkeys(picked))

    def kpis(self, arch: Archetype, achieved: str) -> list[dict[str, Any]]:
        rng = self.rng
        result = []
        names = arch.kpis[: rng.randint(1, len(arch.kpis))]
        for name in names:
            spec = KPIS[name]
            baseline = rng.uniform(*spec.baseline)
            target = baseline + rng.uniform(*spec.improvement)
            if spec.upper is not None:
                target = min(target, spec.upper)
            low, high = {"yes": (0.92, 1.3), "partial": (0.5, 0.95), "no": (0.0, 0.5)}[achieved]
            value = baseline + (target - baseline) * rng.uniform(low, high)
            if spec.upper is not None:
                value = min(value, spec.upper)
            step = Decimal(1).scaleb(-spec.decimals)
            result.append(
                {
                    "name": name,
                    "unit": spec.unit,
                    "baseline": Decimal(str(baseline)).quantize(step),
                    "target": Decimal(str(target)).quantize(step),
                    "achieved": Decimal(str(value)).quantize(step),
                }
            )
        return result


def generate_demo_cases(
    *, seed: int = DEFAULT_SEED, currencies: Mapping[str, str] | None = None
) -> list[DemoCase]:
    """The demo cases as plain mappings, without touching a database (deterministic)."""
    rng = random.Random(seed)
    money = dict(currencies or {})
    for city in CITIES:
        money.setdefault(city.code, HOME_CURRENCY[city.code])
    generator = _Generator(rng, money)
    demo = [generator.case(slot) for slot in _slots(rng)]
    candidates = [d for d in demo if d.best_practice_candidate and d.outcome is not None]
    for chosen in rng.sample(candidates, min(BEST_PRACTICE_TARGET, len(candidates))):
        assert chosen.outcome is not None
        approaches = chosen.data["innovation_approaches"]
        approach = (
            cl.InnovationApproach(rng.choice(approaches)).label.lower()
            if approaches
            else "a well-prepared open procedure"
        )
        sector = cl.Sector(chosen.data["sector"]).label.lower()
        reason = rng.choice(BEST_PRACTICE_REASONS).format(approach=approach, sector=sector)
        chosen.outcome["best_practice"] = True
        chosen.outcome["best_practice_rationale"] = reason
    return demo
