"""Small builders shared by tests: a valid case as vocabulary keys."""

from __future__ import annotations

from typing import Any


def case_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "city": "HEL",
        "buyer": "City of Helsinki, Urban Environment Division",
        "title": "Electric buses with outcome-based maintenance",
        "description": "Replace diesel buses on two lines.",
        "category": "goods",
        "cpv": "34144900-7",
        "sector": "transport",
        "procedure": "competitive-dialogue",
        "innovation_approaches": ["market-dialogue", "outcome-based-payment"],
        "status": "awarded",
        "tender_published": "2025-02-01",
        "awarded_on": "2025-06-15",
        "currency": "EUR",
        "estimated_value": "1200000",
        "awarded_value": "1100000.50",
        "award_criteria": "price-quality",
        "tenders_received": 4,
        "sme_tenders": 1,
        "winner": "Nordic Bus Oy",
        "winner_is_sme": False,
        "winner_country": "FI",
    }
    data.update(overrides)
    return data
