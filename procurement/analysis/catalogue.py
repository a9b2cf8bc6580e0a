"""The indicator catalogue: each indicator defined once, the sections of the comparison report,
and the groupings the indicators can be computed by."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.core import codelists as cl
from procurement.storage.models import City

Unit = Literal["share", "ratio", "days", "count", "score", "EUR"]
Better = Literal["higher", "lower", "neither"]


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    description: str
    formula: str
    unit: Unit
    better: Better
    quantiles: bool = False
    money: bool = False


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "tenders_per_procedure",
        "Tenders per procedure",
        "Mean number of tenders received per procedure: more tenders, more competition.",
        "mean of tenders_received",
        "count",
        "higher",
        quantiles=True,
    ),
    Indicator(
        "single_bid_rate",
        "Single-bid rate",
        "Share of procedures that received only one tender.",
        "cases with tenders_received = 1 / cases with tenders_received ≥ 1",
        "share",
        "lower",
    ),
    Indicator(
        "sme_win_rate",
        "SME win rate",
        "Share of contracts won by a small or medium-sized enterprise.",
        "cases with winner_is_sme = yes / cases with winner_is_sme recorded",
        "share",
        "higher",
    ),
    Indicator(
        "lowest_price_share",
        "Lowest-price award share",
        "Share of contracts awarded on price alone (no quality or cost criteria).",
        "cases with award_criteria = price-only / cases with award_criteria recorded",
        "share",
        "neither",
    ),
    Indicator(
        "time_to_award",
        "Time to award",
        "Days from publication of the tender to the award decision.",
        "awarded_on − tender_published (days)",
        "days",
        "lower",
        quantiles=True,
    ),
    Indicator(
        "savings_vs_estimate",
        "Savings against estimate",
        "How far the awarded value lies below the estimate (negative: above it).",
        "(estimated_value − awarded_value) / estimated_value",
        "ratio",
        "higher",
        quantiles=True,
    ),
    Indicator(
        "cost_overrun",
        "Cost overrun",
        "How far the final cost exceeds the awarded value (negative: below it).",
        "(final_value − awarded_value) / awarded_value",
        "ratio",
        "lower",
        quantiles=True,
    ),
    Indicator(
        "total_estimated_eur",
        "Total estimated value (EUR)",
        "Sum of estimated values, converted to euro at the rate of each case's date.",
        "Σ estimated_value × EUR rate",
        "EUR",
        "neither",
        money=True,
    ),
    Indicator(
        "total_awarded_eur",
        "Total awarded value (EUR)",
        "Sum of awarded values, converted to euro at the rate of each case's date.",
        "Σ awarded_value × EUR rate",
        "EUR",
        "neither",
        money=True,
    ),
    Indicator(
        "total_final_eur",
        "Total final value (EUR)",
        "Sum of final costs, converted to euro at the rate of each case's date.",
        "Σ final_value × EUR rate",
        "EUR",
        "neither",
        money=True,
    ),
    Indicator(
        "schedule_delay",
        "Schedule delay",
        "Days between the planned contract end and actual completion (negative: early).",
        "completed_on − contract_end_planned (days)",
        "days",
        "lower",
        quantiles=True,
    ),
    Indicator(
        "on_time_share",
        "On-time share",
        "Share of completed cases delivered on or before the planned end.",
        "cases with completed_on ≤ contract_end_planned / cases with both dates",
        "share",
        "higher",
    ),
    Indicator(
        "innovation_achieved_share",
        "Innovation achieved",
        "Share of cases whose outcome says the innovation was achieved (partial counts as not).",
        "cases with innovation_achieved = yes / cases with innovation_achieved recorded",
        "share",
        "higher",
    ),
    Indicator(
        "kpi_attainment",
        "KPI attainment",
        "How far KPIs reached their targets (1 = target met), averaged per case first.",
        "(achieved − baseline) / (target − baseline) when a baseline is given, "
        "else achieved / target; mean over the case's KPIs",
        "ratio",
        "higher",
        quantiles=True,
    ),
    Indicator(
        "satisfaction",
        "Satisfaction",
        "Buyer's satisfaction with the result, 1 (low) to 5 (high).",
        "mean of satisfaction",
        "score",
        "higher",
        quantiles=True,
    ),
)

INDICATOR_BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}

# The sections of `report compare`, each a list of indicator names.
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "competition",
        "Competition",
        ("tenders_per_procedure", "single_bid_rate", "sme_win_rate", "lowest_price_share"),
    ),
    ("speed", "Speed", ("time_to_award",)),
    (
        "money",
        "Money",
        (
            "savings_vs_estimate",
            "cost_overrun",
            "total_estimated_eur",
            "total_awarded_eur",
            "total_final_eur",
        ),
    ),
    ("delivery", "Delivery", ("schedule_delay", "on_time_share")),
    ("innovation", "Innovation", ("innovation_achieved_share", "kpi_attainment", "satisfaction")),
)


# ------------------------------------------------------------------------------- groupings

NO_APPROACH = "none"
TRADITIONAL = "traditional"
NOT_RECORDED = "not-recorded"
ALL = "all"


@dataclass(frozen=True)
class Grouping:
    name: str
    title: str
    labels: Callable[[Session], dict[str, str]]
    note: str = ""


def _codelist_labels(
    codelist: type[cl.Codelist], **extra: str
) -> Callable[[Session], dict[str, str]]:
    def labels(_session: Session) -> dict[str, str]:
        return {**{m.value: m.label for m in codelist}, **extra}

    return labels


def _city_labels(session: Session) -> dict[str, str]:
    return {
        code: f"{name} ({code})" for code, name in session.execute(select(City.code, City.name))
    }


GROUPINGS: dict[str, Grouping] = {
    "city": Grouping("city", "City", _city_labels),
    "procedure": Grouping("procedure", "Procedure", _codelist_labels(cl.Procedure)),
    "innovation": Grouping(
        "innovation",
        "Innovation approach",
        _codelist_labels(cl.InnovationApproach, **{NO_APPROACH: "No innovation approach recorded"}),
        note="A case with several innovation approaches counts in the group of each of its "
        "approaches, so the groups overlap and their case counts add up to more than the total.",
    ),
    "sector": Grouping("sector", "Sector", _codelist_labels(cl.Sector)),
    "year": Grouping("year", "Year", lambda _s: {}),
    "ppp-model": Grouping(
        "ppp-model",
        "PPP model",
        _codelist_labels(cl.PppModel, **{TRADITIONAL: "Traditional delivery (no PPP)"}),
    ),
    "delivery": Grouping(
        "delivery",
        "Delivery model",
        lambda _s: {"ppp": "Public-private partnership", TRADITIONAL: "Traditional delivery"},
    ),
    "payment-mechanism": Grouping(
        "payment-mechanism",
        "Payment mechanism",
        _codelist_labels(cl.PaymentMechanism, **{NOT_RECORDED: "Not recorded"}),
        note="PPP cases only.",
    ),
    ALL: Grouping(ALL, "All cases", lambda _s: {ALL: "All cases"}),
}
COMPARE_BY = ("city", "procedure", "innovation", "sector", "year", "ppp-model")
SPECIAL_KEYS = (NO_APPROACH, TRADITIONAL, NOT_RECORDED)

# Groupings that put every case in exactly one group: the whole is the union of the groups.
PARTITIONS = frozenset({"city", "procedure", "sector", "year", "ppp-model", "delivery", ALL})
