"""``procurement site build DIR``: the static best-practice site, built incrementally."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.analysis.fx import RateBook
from procurement.cases.cities import list_cities
from procurement.cases.fields import DEMO_PUBLISHER
from procurement.cases.query import apply_filter, whole_cases
from procurement.core import codelists as cl
from procurement.publishing import downloads as dl
from procurement.publishing import search
from procurement.publishing.feeds import FEED, SITEMAP, feed_text, newest, sitemap_text
from procurement.publishing.model import SiteOptions, Summary, stamp
from procurement.publishing.network import NetworkFigures, comparison, indicators, network_figures
from procurement.publishing.pages import (
    FACET_BY_KEY,
    FACETS,
    STATIC,
    environment,
    facet_values,
    grouped,
    ordered,
    pages_of,
    pagination,
    static_file,
)
from procurement.publishing.writer import SiteWriter
from procurement.reporting.case_page import case_page
from procurement.reporting.formatting import label
from procurement.reporting.model import CasePage
from procurement.storage.models import Case

BATCH = 500
PARALLEL_MIN = 1000  # cases from which the downloads are made by a second process
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # the dates of an empty site's feed and package
HOME_NEWEST = 10
Progress = Callable[[int, int], None]


@dataclass
class BuildResult:
    root: Path
    cases: int
    pages: int
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    demo: bool = False

    @property
    def home(self) -> Path:
        return self.root / "index.html"


def _banner(demo_in_registry: int, demo_published: int, published: int) -> str | None:
    if not demo_in_registry:
        return None
    if published and demo_published == published:
        return (
            "the cases on this site come from the demo data set (procurement demo) and "
            "describe no real procurement."
        )
    return (
        "the registry this site was built from holds cases of the demo data set (procurement "
        "demo), which describe no real procurement; such cases say so on their page, and the "
        "network figures include them."
    )


def _scope_text(options: SiteOptions) -> str:
    described = options.flt.describe()
    what = "Every case" if options.all_cases else "Cases flagged as best practice"
    if not described:
        return f"{what} of the registry."
    parts = []
    for key, value in described.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key.replace('_', ' ')} {shown}")
    return f"{what}, filtered by {'; '.join(parts)}."


def _summary(case: Case, page: CasePage, names: dict[str, str]) -> Summary:
    data = page.data
    outcome = case.outcome
    return Summary(
        reference=case.reference,
        title=case.title,
        city=case.city_code,
        city_name=names.get(case.city_code, case.city_code),
        year=case.year,
        sector=case.sector,
        procedure=case.procedure,
        approaches=tuple(sorted(a.approach for a in case.approaches)),
        ppp_model=case.ppp.ppp_model if case.ppp else None,
        status=case.status,
        updated_at=case.updated_at,
        demo=page.demo,
        best_practice=bool(outcome and outcome.best_practice),
        rationale=outcome.best_practice_rationale if outcome else None,
        cost_overrun=data.get("cost_overrun"),
        delay_days=data.get("schedule_delay_days"),
        tenders=case.tenders_received,
    )


def _case_links(summary: Summary, names: dict[str, str]) -> dict[str, Any]:
    themes: list[dict[str, str]] = []
    for facet in FACETS:
        if facet.key == "city":
            continue
        for value in facet.values_of(summary):
            text = f"{facet.title}: {facet.label_of(value, names)}"
            themes.append({"href": facet.path(value), "text": text})
    city = FACET_BY_KEY["city"]
    return {
        "city": {"href": city.path(summary.city), "text": names.get(summary.city, summary.city)},
        "themes": themes,
    }


def _latest(cases: Sequence[Summary]) -> str | None:
    return max((c.as_of for c in cases), default=None)


class _Site:
    """One build: the writer, the templates and what every page shares."""

    def __init__(self, writer: SiteWriter, options: SiteOptions, site: dict[str, Any]) -> None:
        self.writer = writer
        self.options = options
        self.site = site
        self.env = environment()
        self.pages: list[tuple[str, str | None]] = []
        self.templates: dict[str, Template] = {}

    def page(self, path: str, template: str, *, as_of: str | None, **context: Any) -> None:
        root = "../" * path.count("/")
        if template not in self.templates:
            self.templates[template] = self.env.get_template(template)
        html = self.templates[template].render(
            site=self.site, root=root, as_of=as_of, min_n=self.options.min_n, **context
        )
        self.writer.write(path, html)
        self.pages.append((path, as_of))

    def case(self, summary: Summary, page: CasePage, network: NetworkFigures) -> None:
        self.page(
            summary.path,
            "case.html",
            as_of=summary.as_of,
            current="case",
            page=page,
            links=_case_links(summary, self.site["names"]),
            comparison=comparison(summary, network, self.options.min_n),
            procedure_label=label(cl.Procedure, summary.procedure),
        )

    def case_list(
        self,
        paths: Callable[[int], str],
        cases: Sequence[Summary],
        *,
        heading: str,
        facet: dict[str, str] | None,
        current: str,
    ) -> None:
        chunks = pages_of(ordered(cases))
        all_paths = [paths(i + 1) for i in range(len(chunks))]
        for number, chunk in enumerate(chunks, start=1):
            here = all_paths[number - 1]
            self.page(
                here,
                "list.html",
                as_of=_latest(chunk),
                current=current if number == 1 else "",
                heading=heading,
                facet=facet,
                total=len(cases),
                cases=chunk,
                start=(number - 1) * len(chunks[0]) + 1,
                indicators=indicators(cases, self.options.min_n) if number == 1 else [],
                page=pagination(all_paths, number, here),
            )


def _published(session: Session, options: SiteOptions) -> list[tuple[int, str, dt.datetime, bool]]:
    stmt: Any = select(Case.id, Case.reference, Case.updated_at, Case.source_publisher)
    rows = session.execute(apply_filter(stmt, options.scope).order_by(Case.reference))
    return [(i, ref, upd, pub == DEMO_PUBLISHER) for i, ref, upd, pub in rows]


def _batches(session: Session, ids: Sequence[int]) -> Iterator[Case]:
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        stmt = whole_cases().where(Case.id.in_(chunk)).order_by(Case.reference)
        yield from session.scalars(stmt)


def build_site(
    *, session: Session, target: Path, options: SiteOptions, progress: Progress | None = None
) -> BuildResult:
    """Build (or bring up to date) the site in ``target``; see :mod:`procurement.publishing`."""
    writer = SiteWriter(target)
    published = _published(session, options)
    demo_in_registry = int(
        session.scalar(
            select(func.count(Case.id)).where(
                Case.source_publisher == DEMO_PUBLISHER, Case.removed_at.is_(None)
            )
        )
        or 0
    )
    demo_published = sum(1 for row in published if row[3])
    cities = [(c.code, c.name) for c in list_cities(session=session)]
    names = dict(cities)
    site = {
        "title": options.title,
        "banner": _banner(demo_in_registry, demo_published, len(published)),
        "contacts": options.include_contacts,
        "names": names,
    }
    build = _Site(writer, options, site)

    fingerprint = dl.fingerprint(
        [(ref, upd) for _, ref, upd, _ in published],
        cities,
        include_contacts=options.include_contacts,
        base=options.base,
    )
    same_downloads = writer.previous_state.get("downloads") == fingerprint
    downloads: dl.Downloads | None = None
    child: Future[dl.Made] | None = None
    pool: ProcessPoolExecutor | None = None
    published_at = max((row[2] for row in published), default=None) or EPOCH
    if not (same_downloads and dl.keep_all(writer)):
        if len(published) >= PARALLEL_MIN:
            # a large site: the downloads are made by a second process meanwhile
            pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            child = pool.submit(
                dl.make_in_child,
                session.get_bind().engine.url.render_as_string(hide_password=False),
                {row[0]: row[2] for row in published},
                include_contacts=options.include_contacts,
                base=options.base,
                published=published_at,
                cities=cities,
            )
        else:
            downloads = dl.Downloads(include_contacts=options.include_contacts, base=options.base)
    try:
        return _build(
            session,
            writer,
            options,
            build,
            published,
            (downloads, child, fingerprint),
            cities,
            progress,
        )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _build(
    session: Session,
    writer: SiteWriter,
    options: SiteOptions,
    build: _Site,
    published: list[tuple[int, str, dt.datetime, bool]],
    making: tuple[dl.Downloads | None, Future[dl.Made] | None, str],
    cities: list[tuple[str, str]],
    progress: Progress | None = None,
) -> BuildResult:
    """The pages, index, feeds and downloads (``making``: the downloads made here, or by
    a second process, or neither when the previous ones are kept; and their fingerprint)."""
    downloads, child, fingerprint = making
    names = build.site["names"]
    rates = RateBook.from_session(session)
    network = network_figures(session)
    published_at = max((row[2] for row in published), default=None) or EPOCH

    summaries: list[Summary] = []
    ids = [row[0] for row in published]
    for done, case in enumerate(_batches(session, ids), start=1):
        page = case_page(case, rates=rates, include_contacts=options.include_contacts)
        summary = _summary(case, page, names)
        summaries.append(summary)
        build.case(summary, page, network)
        if downloads is not None:
            downloads.add(case)
        if progress is not None and done % 100 == 0:
            progress(done, len(ids))

    as_of = _latest(summaries)
    build.case_list(
        lambda n: "all.html" if n == 1 else f"all-{n}.html",
        summaries,
        heading="All published cases",
        facet=None,
        current="all",
    )
    facets: list[dict[str, Any]] = []
    for facet in FACETS:
        groups = grouped(summaries, facet)
        for value, cases in groups.items():
            build.case_list(
                lambda n, f=facet, v=value: f.path(v, n),  # type: ignore[misc]
                cases,
                heading=f"{facet.title}: {facet.label_of(value, names)}",
                facet={"key": facet.key, "title": facet.title},
                current="",
            )
        facets.append(
            {
                "key": facet.key,
                "title": facet.title,
                "on_home": facet.on_home,
                "entries": facet_values(facet, groups, names, ""),
            }
        )
    build.page(
        "index.html",
        "home.html",
        as_of=as_of,
        current="home",
        total=len(summaries),
        city_count=len({s.city for s in summaries}),
        scope=_scope_text(options),
        newest=newest(summaries, HOME_NEWEST),
        newest_heading="Newest cases" if options.all_cases else "Newest best practice",
        indicators=indicators(summaries, options.min_n),
        home_facets=[f for f in facets if f["on_home"]],
    )
    # pages that show no case's content carry no "data as of": a change to one case leaves them
    build.page(
        "browse.html",
        "browse.html",
        as_of=None,
        current="browse",
        total=len(summaries),
        facets=facets,
    )
    build.page("search.html", "search.html", as_of=None, current="search")

    xlsx_problem: str | None = writer.previous_state.get("xlsx_problem")
    made = downloads.made(published=published_at, cities=cities) if downloads else None
    if child is not None:
        made = child.result()
    if made is not None:
        made.write(writer, options.base)
        xlsx_problem = made.xlsx_problem
    build.page(
        "downloads.html",
        "downloads.html",
        as_of=None,
        current="downloads",
        total=len(summaries),
        ocds=bool(summaries),
        xlsx_problem=xlsx_problem,
    )
    index_json, index_script = search.index_texts(ordered(summaries))
    writer.write(search.JSON, index_json)
    writer.write(search.SCRIPT, index_script)
    for name in STATIC:
        writer.write(name, static_file(name))
    env = build.env
    writer.write(
        FEED,
        feed_text(
            env,
            summaries=summaries,
            base=options.base,
            title=options.title,
            updated=as_of or stamp(EPOCH),
        ),
    )
    writer.write(SITEMAP, sitemap_text(env, pages=build.pages, base=options.base))
    writer.finish({"downloads": fingerprint, "xlsx_problem": xlsx_problem})
    return BuildResult(
        root=writer.root,
        cases=len(summaries),
        pages=len(build.pages),
        written=writer.written,
        unchanged=writer.unchanged,
        removed=writer.removed,
        demo=build.site["banner"] is not None,
    )


__all__ = ["BuildResult", "build_site", "stamp"]
