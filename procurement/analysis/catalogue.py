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
    denominator: str = ""  # the cases the figure is computed from: its n
    # a ratio of two sums (Σ value / Σ weight over the n cases) rather than a mean per case
    ratio_of_sums: bool = False


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "tenders_per_procedure",
        "Tenders per procedure",
        "Mean number of tenders received per procedure: more tenders, more competition.",
        "mean of tenders_received",
        "count",
        "higher",
        quantiles=True,
        denominator="cases with tenders_received recorded (0 included: a call nobody answered)",
    ),
    Indicator(
        "single_bid_rate",
        "Single-bid rate",
        "Share of procedures with at least one tender that received only one.",
        "cases with tenders_received = 1 / cases with tenders_received ≥ 1",
        "share",
        "lower",
        denominator="cases with tenders_received ≥ 1",
    ),
    Indicator(
        "sme_win_rate",
        "SME win rate",
        "Share of contracts won by a small or medium-sized enterprise.",
        "cases with winner_is_sme = yes / cases with winner_is_sme recorded",
        "share",
        "higher",
        denominator="cases with winner_is_sme recorded",
    ),
    Indicator(
        "no_call_share",
        "Procedures without a call for competition",
        "Share of procedures negotiated without prior publication: no call for competition "
        "(a Single Market Scoreboard indicator).",
        "cases with procedure = negotiated-without-publication / cases",
        "share",
        "lower",
        denominator="cases (every case has a procedure)",
    ),
    Indicator(
        "sme_tender_share",
        "SME share of tenders",
        "Share of the tenders received that came from small and medium-sized enterprises.",
        "Σ sme_tenders / Σ tenders_received",
        "share",
        "higher",
        ratio_of_sums=True,
        denominator="cases with sme_tenders recorded and tenders_received ≥ 1",
    ),
    Indicator(
        "lowest_price_share",
        "Lowest-price award share",
        "Share of contracts awarded on price alone (no quality or cost criteria).",
        "cases with award_criteria = price-only / cases with award_criteria recorded",
        "share",
        "neither",
        denominator="cases with award_criteria recorded",
    ),
    Indicator(
        "time_to_award",
        "Time to award",
        "Days from publication of the tender to the award decision.",
        "awarded_on − tender_published (days)",
        "days",
        "lower",
        quantiles=True,
        denominator="cases with tender_published and awarded_on",
    ),
    Indicator(
        "savings_vs_estimate",
        "Savings against estimate",
        "How far the awarded value lies below the estimate (negative: above it).",
        "(estimated_value − awarded_value) / estimated_value",
        "ratio",
        "higher",
        quantiles=True,
        denominator="cases with estimated_value > 0 and awarded_value",
    ),
    Indicator(
        "cost_overrun",
        "Cost overrun",
        "How far the final cost of a completed contract exceeds the awarded value "
        "(negative: below it). Contracts not completed are left out and counted: their "
        "final value is an interim figure.",
        "(final_value − awarded_value) / awarded_value",
        "ratio",
        "lower",
        quantiles=True,
        denominator="completed cases with awarded_value > 0 and final_value",
    ),
    Indicator(
        "total_estimated_eur",
        "Total estimated value (EUR)",
        "Sum of estimated values, converted to euro at the rate of each case's date.",
        "Σ estimated_value × EUR rate",
        "EUR",
        "neither",
        money=True,
        denominator="cases with estimated_value and a rate",
    ),
    Indicator(
        "total_awarded_eur",
        "Total awarded value (EUR)",
        "Sum of awarded values, converted to euro at the rate of each case's date.",
        "Σ awarded_value × EUR rate",
        "EUR",
        "neither",
        money=True,
        denominator="cases with awarded_value and a rate",
    ),
    Indicator(
        "total_final_eur",
        "Total final value (EUR)",
        "Sum of the final costs of completed contracts, converted to euro at the rate of the "
        "completion date (else the case's date).",
        "Σ final_value × EUR rate on completed_on",
        "EUR",
        "neither",
        money=True,
        denominator="completed cases with final_value and a rate",
    ),
    Indicator(
        "schedule_delay",
        "Schedule delay",
        "Days between the planned contract end and actual completion (negative: early); "
        "completed contracts only.",
        "completed_on − contract_end_planned (days)",
        "days",
        "lower",
        quantiles=True,
        denominator="completed cases with completed_on and contract_end_planned",
    ),
    Indicator(
        "on_time_share",
        "On-time share",
        "Share of completed cases delivered on or before the planned end.",
        "cases with completed_on ≤ contract_end_planned / completed cases with both dates",
        "share",
        "higher",
        denominator="completed cases with completed_on and contract_end_planned",
    ),
    Indicator(
        "innovation_achieved_share",
        "Innovation achieved",
        "Share of cases whose outcome says the innovation was achieved (partial counts as not).",
        "cases with innovation_achieved = yes / cases with innovation_achieved recorded",
        "share",
        "higher",
        denominator="cases with innovation_achieved recorded",
    ),
    Indicator(
        "kpi_attainment",
        "KPI attainment",
        "How far KPIs moved from their baseline to their target (1 = target met, whether "
        "the target lies above the baseline or below it: lower is better), averaged per case "
        "first. A KPI that says whether lower is better but has no baseline (or a target equal "
        "to it) is scored against its target in that direction. A KPI without an achieved "
        "value or target, or without both a baseline and a direction, cannot be scored; cases "
        "with no scorable KPI are counted as left out.",
        "(achieved − baseline) / (target − baseline); without a baseline: achieved / target "
        "(higher is better) or target / achieved (lower is better); mean over the case's "
        "scorable KPIs",
        "ratio",
        "higher",
        quantiles=True,
        denominator="cases with at least one scorable KPI (achieved and target, and a baseline "
        "≠ target or a direction)",
    ),
    Indicator(
        "satisfaction",
        "Satisfaction",
        "Buyer's satisfaction with the result, 1 (low) to 5 (high).",
        "mean of satisfaction",
        "score",
        "higher",
        quantiles=True,
        denominator="cases with satisfaction recorded",
    ),
    Indicator(
        "award_data_share",
        "Award data recorded",
        "Share of the cases past award (awarded, in implementation or completed) whose award "
        "date and awarded value are recorded: how far the competition and money figures can "
        "be trusted.",
        "cases with awarded_on and awarded_value / cases awarded, in implementation or completed",
        "share",
        "higher",
        denominator="cases with status awarded, implementation or completed",
    ),
    Indicator(
        "outcome_recorded_share",
        "Outcome recorded",
        "Share of completed cases whose outcome is assessed (innovation achieved or "
        "satisfaction recorded): how far the innovation figures can be trusted.",
        "completed cases with innovation_achieved or satisfaction / completed cases",
        "share",
        "higher",
        denominator="completed cases",
    ),
    Indicator(
        "final_value_share",
        "Final value recorded",
        "Share of completed cases whose final value is recorded: how far the cost overrun can "
        "be trusted.",
        "completed cases with final_value / completed cases",
        "share",
        "higher",
        denominator="completed cases",
    ),
    Indicator(
        "flag_single_bid_non_open",
        "Red flag: single bid in a non-open procedure",
        "Share of the procedures other than open ones, with at least one tender, that received "
        "only one (an opentender.eu red flag).",
        "non-open cases with tenders_received = 1 / non-open cases with tenders_received ≥ 1",
        "share",
        "lower",
        denominator="cases with procedure ≠ open and tenders_received ≥ 1",
    ),
    Indicator(
        "flag_extreme_decision",
        "Red flag: extreme decision period",
        "Share of the cases whose time from publication to award is extreme: under "
        "15 days or over 365 days (an opentender.eu red flag; the limits are fixed here).",
        "cases with time_to_award < 15 or > 365 days / cases with both dates",
        "share",
        "lower",
        denominator="cases with tender_published and awarded_on",
    ),
)

INDICATOR_BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}

# The sections of `report compare`, each a list of indicator names.
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "competition",
        "Competition",
        (
            "tenders_per_procedure",
            "single_bid_rate",
            "no_call_share",
            "sme_tender_share",
            "sme_win_rate",
            "lowest_price_share",
        ),
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
    (
        "red_flags",
        "Red flags",
        ("flag_single_bid_non_open", "flag_extreme_decision"),
    ),
    (
        "completeness",
        "Completeness of the data",
        ("award_data_share", "outcome_recorded_share", "final_value_share"),
    ),
)

# Indicators of delivery compare completed contracts only: a final value or completion date
# recorded before the case is completed is an interim figure. The cases left out are counted.
LEFT_OUT_REASON = {
    "cost_overrun": "final value recorded for a contract not completed (interim figure)",
    "schedule_delay": "completion date recorded for a contract not completed",
    "on_time_share": "completion date recorded for a contract not completed",
    "total_final_eur": "final value recorded for a contract not completed (interim figure)",
    "kpi_attainment": "cases whose KPIs cannot be scored (no achieved value or target, or "
    "neither a baseline other than the target nor a direction)",
}

# Extreme decision periods (days from publication to award) flagged as red flags.
DECISION_TOO_SHORT = 15
DECISION_TOO_LONG = 365

# Bands of the network view: (green up to, amber up to) for indicators where lower is better,
# (green from, amber from) where higher is better; beyond: red. The defaults are the Single
# Market Scoreboard's; `report compare --band NAME=GREEN:AMBER` changes them.
DEFAULT_BANDS: dict[str, tuple[float, float]] = {
    "single_bid_rate": (0.10, 0.20),
    "no_call_share": (0.05, 0.10),
}


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
OVER = "/"  # "city/year": each city's groups over the years (trends)


def grouping_of(by: str) -> Grouping | None:
    """The grouping ``by``, or a grouping over the years (``city/year``)."""
    if by in GROUPINGS:
        return GROUPINGS[by]
    base, _, over = by.partition(OVER)
    if over != "year" or base not in GROUPINGS or base in ("year", ALL):
        return None
    inner = GROUPINGS[base]

    def labels(session: Session) -> dict[str, str]:
        return dict(inner.labels(session))  # the trend tables label the base key

    return Grouping(by, f"{inner.title} over the years", labels, note=inner.note)


SPECIAL_KEYS = (NO_APPROACH, TRADITIONAL, NOT_RECORDED)

# Groupings that put every case in exactly one group: the whole is the union of the groups.
PARTITIONS = frozenset({"city", "procedure", "sector", "year", "ppp-model", "delivery", ALL})
