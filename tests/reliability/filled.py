"""A registry filled through the real CLI: cases with PPP details, outcomes, KPIs,
documents, contacts, an edit and a removal."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result

from tests.helpers import assert_ok


def fill(run: Callable[..., Result]) -> list[str]:
    references = []
    for n, city in enumerate(("HEL", "RIX", "STO", "HEL")):
        references.append(
            assert_ok(
                run(
                    "case",
                    "add",
                    "--no-input",
                    "--quiet",
                    "--city",
                    city,
                    "--buyer",
                    f"Buyer of {city}",
                    "--title",
                    f"Case {n} in {city}",
                    "--description",
                    "Zürich–Riga “quotes” ąčęėįšųūž ÅÄÖ",
                    "--category",
                    "works",
                    "--sector",
                    "energy",
                    "--procedure",
                    "competitive-dialogue",
                    "--status",
                    "awarded",
                    "--tender-published",
                    "2024-01-15",
                    "--awarded-on",
                    "2024-06-30",
                    "--currency",
                    "EUR",
                    "--estimated-value",
                    "1250000.50",
                    "--awarded-value",
                    "1100000",
                    "--innovation-approach",
                    "market-dialogue",
                    "--innovation-approach",
                    "ppi",
                    "--contact-name",
                    "Anna Officer",
                    "--contact-email",
                    "anna@example.org",
                    "--document",
                    "https://example.org/notice.pdf Contract notice",
                    "--winner",
                    "Nordic Energy Oy",
                    "--winner-country",
                    "FI",
                )
            ).output.strip()
        )
    first, second = references[0], references[1]
    assert_ok(
        run(
            "ppp",
            "set",
            first,
            "--ppp-model",
            "dbfo",
            "--payment-mechanism",
            "availability",
            "--capex",
            "900000",
            "--risk",
            "construction=private",
            "--risk",
            "revenue=public",
        )
    )
    assert_ok(
        run(
            "outcome",
            "set",
            second,
            "--innovation-achieved",
            "partial",
            "--satisfaction",
            "4",
            "--kpi",
            "co2-reduction=120:t/yr:0:150",
            "--lessons-learned",
            "Talk to the market early.",
        )
    )
    assert_ok(run("case", "edit", first, "--set", "sme_tenders=1", "--set", "tenders_received=3"))
    assert_ok(run("case", "remove", references[3]))
    return references
