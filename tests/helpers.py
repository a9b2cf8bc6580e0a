"""Helpers shared by the tests; test modules import from here, never from each other.

- ``case_data``: a valid case as vocabulary keys; ``add``/``show``: a case through the CLI.
- ``assert_ok``, ``missing_service``: CLI results and services the test needs.
- ``all_commands``: every command path of the CLI.
- ``empty_registry``, ``run_on``, ``closing``: a second registry and the CLI on it.
- ``OCDS_SCHEMAS``, ``assert_valid_package``, ``add_varied_cases``: the official OCDS schemas
  (an independent copy under ``tests/data/ocds-schemas``) and cases that exercise the export.
- ``build_dataset``, ``import_sek_rate``: the hand-computed indicator data set of
  ``test_analysis_indicators.py``, also used by the report tests.
- ``reading_run``: an OCDS import that only reads files (no database), for reader tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy.orm import Session

from procurement.cases.store.update import add_case, set_outcome, set_ppp
from procurement.cli import COMMANDS, cli
from procurement.exchange.ocds.importer import ImportRun
from procurement.exchange.summary import ImportSummary

REQUIRE_SERVICES = os.environ.get("PROCUREMENT_REQUIRE_SERVICES") == "1"
DATA = Path(__file__).resolve().parent / "data"
OCDS_SCHEMAS = DATA / "ocds-schemas"  # official OCDS 1.1 and PPP-profile schemas (README.md)

Run = Callable[..., Result]


def reading_run(path: Path, cities: set[str] | None = None, user: str = "") -> ImportRun:
    """An OCDS import of ``path`` that only reads it (reading needs no database)."""
    return ImportRun(
        path=path,
        session=None,  # type: ignore[arg-type]
        user=user,
        city=None,
        city_map={},
        strict=False,
        summary=ImportSummary(source=path.name),
        cities={"RIX"} if cities is None else cities,
    )


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


def assert_ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def missing_service(reason: str) -> None:
    """Skip (on a user's machine) or fail (in CI) when a service the test needs is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PROCUREMENT_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


# The CLI: cases added and shown through it, every command path.


def flags(data: dict[str, Any]) -> list[str]:
    """A case mapping as `case add` flags."""
    args: list[str] = []
    for key, value in data.items():
        flag = "--" + key.replace("_", "-")
        if value is None:
            continue
        if key == "innovation_approaches":
            for item in value:
                args += ["--innovation-approach", item]
        elif isinstance(value, bool):
            args.append(flag if value else f"--no-{flag[2:]}")
        else:
            args += [flag, str(value)]
    return args


def add(run: Run, data: dict[str, Any]) -> str:
    result = assert_ok(run("case", "add", "--no-input", "--quiet", *flags(data)))
    return result.stdout.strip()


def show(run: Run, reference: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        assert_ok(run("case", "show", reference, "--format", "json", "--include-contacts")).stdout
    )
    return data


def walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, f"{' '.join(path)} {name} is listed but cannot be loaded"
            yield from walk(sub, (*path, name))


def all_commands() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None, name
        paths.extend(walk(command, (name,)))
    return paths


# A second registry beside the test's own database.


def empty_registry(tmp_path: Path, sqlite_template: Path, name: str = "other.sqlite") -> str:
    """A second, empty registry (SQLite) beside the test's own database."""
    target = tmp_path / name
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def run_on(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--database", url, "--user", "tester", *args], env=env)


def closing(session: Session, run: Callable[..., Result]) -> Callable[..., Result]:
    """``run`` after ending the test session's transaction (SQLite: BEGIN IMMEDIATE locks)."""

    def invoke(*args: str, **kw: Any) -> Result:
        session.commit()
        return run(*args, **kw)

    return invoke


# OCDS: the official schemas and cases that exercise the export.


@cache
def official_validator(name: str) -> Draft4Validator:
    """A validator for an official OCDS schema of ``OCDS_SCHEMAS``, every $ref resolved offline."""
    resources = []
    for path in sorted(OCDS_SCHEMAS.glob("*/*.json")):
        contents = json.loads(path.read_text("utf-8"))
        resources.append((contents["id"], Resource.from_contents(contents, DRAFT4)))
    registry: Registry[Any] = Registry().with_resources(resources)
    schema = json.loads((OCDS_SCHEMAS / name).read_text("utf-8"))
    return Draft4Validator(schema, registry=registry)


def assert_valid_package(package: dict[str, Any]) -> None:
    """Valid against OCDS 1.1; PPP releases also against the OCDS for PPPs profile."""
    errors = list(official_validator("1.1/release-package-schema.json").iter_errors(package))
    assert not errors, [(list(e.absolute_path), e.message) for e in errors[:5]]
    ppp = [r for r in package["releases"] if "ppp" in r.get("baltmet", {})]
    if ppp:
        ppp_package = {**package, "releases": ppp}
        validator = official_validator("ppp-profile/release-package-schema.json")
        errors = list(validator.iter_errors(ppp_package))
        assert not errors, [(list(e.absolute_path), e.message) for e in errors[:5]]


PROCEDURES = {
    "open": ("open", "Open procedure"),
    "restricted": ("selective", "Restricted procedure"),
    "competitive-negotiation": ("selective", "Competitive procedure with negotiation"),
    "competitive-dialogue": ("selective", "Competitive dialogue"),
    "innovation-partnership": ("selective", "Innovation partnership"),
    "negotiated-without-publication": ("limited", "Negotiated procedure without prior publication"),
    "design-contest": ("open", "Design contest"),
    "pre-commercial": ("open", "Pre-commercial procurement (PCP)"),
    "below-threshold": ("limited", "Below-threshold procedure"),
    "other": (None, "Other procedure"),
}


def add_varied_cases(session: Session) -> dict[str, str]:
    """One case per procedure and status, a PPP case and a delivered best-practice case."""
    refs: dict[str, str] = {}
    statuses = ["awarded", "implementation", "completed", "cancelled", "planned", "tender"]
    for i, procedure in enumerate(PROCEDURES):
        status = statuses[i % len(statuses)]
        data = case_data(procedure=procedure, status=status, title=f"Case {procedure}")
        if status in ("planned", "tender"):
            for key in ("awarded_on", "awarded_value", "winner", "winner_is_sme", "winner_country"):
                data[key] = None
        refs[procedure] = add_case(session=session, data=data, user="t").reference
    ppp = add_case(
        session=session,
        data=case_data(
            city="OSL",
            title="School campus DBFM",
            category="works",
            cpv="45214200-2",
            sector="education",
            status="implementation",
            currency="NOK",
            contract_start="2025-07-01",
            contract_end_planned="2050-06-30",
            contact_name="Kari Nordmann",
            contact_email="kari@example.no",
        ),
        user="t",
    )
    set_ppp(
        session=session,
        reference=ppp.reference,
        data={
            "ppp_model": "dbfom",
            "payment_mechanism": "availability",
            "duration_years": 25,
            "capex": "500000000",
            "private_finance_share": "70",
            "psc_value": "640000000",
            "vfm_percent": "8.5",
            "financial_close": "2025-06-30",
            "ppp_status": "active",
            "risks": "construction=private;revenue=public;force-majeure=shared",
        },
        user="t",
    )
    refs["ppp"] = ppp.reference
    set_outcome(
        session=session,
        reference=refs["open"],
        data={
            "status": "completed",
            "final_value": "1150000",
            "completed_on": "2026-01-10",
            "innovation_achieved": "yes",
            "satisfaction": 4,
            "lessons_learned": "Talk to the market early.",
            "best_practice": True,
            "best_practice_rationale": "Halved emissions on two lines.",
            "kpis": "co2-reduction=120:t/yr:400:150",
        },
        user="t",
    )
    session.commit()
    return refs


# The indicator data set, each expected value derived by hand in the comments.


SCRIPT_TITLE = "<script>alert(1)</script>"


def _dataset_case(session: Session, **fields: Any) -> str:
    base = case_data(
        innovation_approaches=[],
        winner_is_sme=None,
        award_criteria=None,
        sme_tenders=None,
        estimated_value=None,
        awarded_value=None,
    )
    base.update(fields)
    return add_case(session=session, data=base, user="tester").reference


def build_dataset(session: Session) -> dict[str, str]:
    """Six cases: four in Helsinki (HEL), two in Riga (RIX). Returns name -> reference."""
    refs: dict[str, str] = {}
    # A: HEL, EUR. est 1000, awarded 800, final 880. 2024-01-01 -> 2024-03-01 = 60 days
    # (2024 is a leap year: 31 + 29). Planned end 2024-12-31, completed 2025-01-30: +30 days.
    refs["A"] = _dataset_case(
        session,
        city="HEL",
        procedure="open",
        innovation_approaches=["market-dialogue"],
        status="completed",
        tender_published="2024-01-01",
        awarded_on="2024-03-01",
        contract_start="2024-03-15",
        contract_end_planned="2024-12-31",
        currency="EUR",
        estimated_value="1000",
        awarded_value="800",
        tenders_received=1,
        sme_tenders=1,
        winner_is_sme=True,
        award_criteria="price-only",
        contact_name="Aino Virtanen",
        contact_email="aino@example.org",
    )
    # B: HEL, EUR. est 2000, awarded 2000, final 1800. 2024-02-01 -> 02-11 = 10 days.
    # Planned end 2024-06-30, completed 2024-06-20: -10 days (early).
    refs["B"] = _dataset_case(
        session,
        city="HEL",
        procedure="competitive-dialogue",
        innovation_approaches=["market-dialogue", "life-cycle-costing"],
        status="completed",
        tender_published="2024-02-01",
        awarded_on="2024-02-11",
        contract_start="2024-02-15",
        contract_end_planned="2024-06-30",
        currency="EUR",
        estimated_value="2000",
        awarded_value="2000",
        tenders_received=3,
        winner_is_sme=False,
        award_criteria="price-quality",
    )
    # C: HEL, EUR. est 500, awarded 600, final 660. 2024-05-01 -> 05-31 = 30 days.
    refs["C"] = _dataset_case(
        session,
        city="HEL",
        procedure="open",
        status="awarded",
        tender_published="2024-05-01",
        awarded_on="2024-05-31",
        currency="EUR",
        estimated_value="500",
        awarded_value="600",
        tenders_received=2,
        winner_is_sme=True,
        award_criteria="price-only",
    )
    # D: HEL, SEK. est 10000 SEK, awarded 9000 SEK. 2024-03-04 -> 04-03 = 30 days.
    # Converted with the user rate SEK 2024-04-01 = 10 per EUR (2 days earlier, within 7).
    refs["D"] = _dataset_case(
        session,
        city="HEL",
        procedure="open",
        innovation_approaches=["functional-specification"],
        status="awarded",
        tender_published="2024-03-04",
        awarded_on="2024-04-03",
        currency="SEK",
        estimated_value="10000",
        awarded_value="9000",
        tenders_received=5,
        winner_is_sme=False,
        award_criteria="cost-only",
    )
    # E: RIX, RUB. est 1,000,000, awarded 900,000 on 2023-02-09: the ECB stopped RUB on
    # 2022-03-01, so neither amount is convertible. 2023-01-10 -> 02-09 = 30 days.
    refs["E"] = _dataset_case(
        session,
        city="RIX",
        procedure="restricted",
        status="awarded",
        tender_published="2023-01-10",
        awarded_on="2023-02-09",
        currency="RUB",
        estimated_value="1000000",
        awarded_value="900000",
        tenders_received=1,
    )
    # F: RIX, EUR, a hostile title. est 300, awarded 300. 2024-06-01 -> 06-11 = 10 days.
    # Planned end 2024-09-30, completed 2024-10-10: +10 days.
    refs["F"] = _dataset_case(
        session,
        city="RIX",
        title=SCRIPT_TITLE,
        description="Challenge with <b>markup</b> and *stars*",
        procedure="open",
        innovation_approaches=["market-dialogue"],
        status="completed",
        tender_published="2024-06-01",
        awarded_on="2024-06-11",
        contract_start="2024-06-15",
        contract_end_planned="2024-09-30",
        currency="EUR",
        estimated_value="300",
        awarded_value="300",
        tenders_received=4,
        winner_is_sme=True,
        award_criteria="price-only",
    )
    user = "tester"
    set_outcome(
        session=session,
        reference=refs["A"],
        user=user,
        data={
            "final_value": "880",
            "completed_on": "2025-01-30",
            "innovation_achieved": "yes",
            "satisfaction": 4,
            # (60 − 100) / (50 − 100) = 0.8
            "kpis": "energy-saved=60:MWh/yr:100:50",
            "lessons_learned": "Talk to the market early.",
            "best_practice": True,
            "best_practice_rationale": "Met its energy target at lower cost.",
        },
    )
    set_outcome(
        session=session,
        reference=refs["B"],
        user=user,
        data={
            "final_value": "1800",
            "completed_on": "2024-06-20",
            "innovation_achieved": "partial",
            "satisfaction": 3,
            "kpis": "users=12:k::10",  # no baseline: 12 / 10 = 1.2
        },
    )
    set_outcome(session=session, reference=refs["C"], user=user, data={"final_value": "660"})
    set_outcome(
        session=session,
        reference=refs["F"],
        user=user,
        data={
            "completed_on": "2024-10-10",
            "innovation_achieved": "no",
            "satisfaction": 5,
            # (100 − 0) / (100 − 0) = 1.0 and 10 / 20 = 0.5: the case's mean is 0.75
            "kpis": "co2-reduction=100:t/yr:0:100;energy-saved=10:MWh/yr::20",
            "lessons_learned": "<script>alert(2)</script> | pipes # and _underscores_",
            "best_practice": True,
            "best_practice_rationale": "Shows *what* not to do.",
        },
    )
    # PPP: A and C dbfo (availability), D concession (user charges).
    set_ppp(
        session=session,
        reference=refs["A"],
        user=user,
        data={
            "ppp_model": "dbfo",
            "payment_mechanism": "availability",
            "vfm_percent": "10",
            "ppp_status": "concluded",
            "risks": "construction=private;design=private",
        },
    )
    set_ppp(
        session=session,
        reference=refs["C"],
        user=user,
        data={
            "ppp_model": "dbfo",
            "payment_mechanism": "availability",
            "vfm_percent": "-5",
            "ppp_status": "active",
            "risks": "construction=public",
        },
    )
    set_ppp(
        session=session,
        reference=refs["D"],
        user=user,
        data={
            "ppp_model": "concession",
            "payment_mechanism": "user-charges",
            "ppp_status": "active",
            "risks": "construction=private",
        },
    )
    session.commit()
    return refs


def import_sek_rate(run: Callable[..., Result], tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,date,units_per_eur,source\nSEK,2024-04-01,10,Test bank\n")
    assert_ok(run("rates", "import", str(rates)))


def guided_add_on_a_terminal(
    tmp_path: Path, *, before: Callable[[str], None] | None = None
) -> tuple[str, Any]:
    """A new registry, and the installed `procurement case add` running on a real
    pseudo-terminal (pexpect), as an officer would start it; ``before(url)`` runs first
    (e.g. to record cases the guided entry then offers)."""
    import os
    import sys

    import pexpect

    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert_ok(CliRunner().invoke(cli, ["--database", url, "init"]))
    if before is not None:
        before(url)
    program = Path(sys.executable).with_name("procurement")
    env = {k: v for k, v in os.environ.items() if k != "PROCUREMENT_INTERACTIVE"}
    env.update(NO_COLOR="1", TERM="dumb", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    child = pexpect.spawn(
        str(program),
        ["--database", url, "--user", "t", "case", "add"],
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(50, 200),
    )
    return url, child


def chromium() -> str:
    """Headless Chromium (PROCUREMENT_CHROMIUM, else on the PATH); the test is skipped with
    the reason, or fails where the services are required, when it is missing."""
    path = os.environ.get("PROCUREMENT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        missing_service(f"headless Chromium not found at {path} (set PROCUREMENT_CHROMIUM)")
    return path


# Headless, offline and quiet: no sandbox (containers), no GPU, no background network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def browse(
    page: Path, profile: Path, *extra: str, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """Open ``page`` in headless Chromium with ``extra`` flags (``--dump-dom``,
    ``--print-to-pdf=...``); its output, with the browser's log on standard error."""
    command = [
        chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
