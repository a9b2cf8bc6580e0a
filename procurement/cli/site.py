"""``procurement site build DIR``: the best-practice site, static files to publish anywhere."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from procurement.cli.context import AppContext, pass_app
from procurement.cli.filters import case_filter_options
from procurement.cli.output import include_contacts_option
from procurement.cli.transfer import ProgressBar

if TYPE_CHECKING:
    from procurement.cases.query import CaseFilter

ENV_BASE_URL = "PROCUREMENT_SITE_URL"


@click.group()
def site() -> None:
    """The best-practice site: static pages each city or the network can publish.

    \b
    Examples:
      procurement site build public/
      procurement site build helsinki/ --city HEL --base-url https://example.org/hel/
    """


@site.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@case_filter_options
@click.option(
    "--all-cases",
    is_flag=True,
    help="Publish every case the filters keep, not only those flagged as best practice.",
)
@include_contacts_option
@click.option(
    "--base-url",
    metavar="URL",
    envvar=ENV_BASE_URL,
    help="The address the site will be published at (the feed and the sitemap need it). "
    f"[env: {ENV_BASE_URL}]",
)
@click.option("--title", metavar="TEXT", help="The site's title.")
@click.option(
    "--min-n",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Fewest cases a median is shown for; fewer show 'insufficient data'.",
)
@pass_app
def build(
    app: AppContext,
    folder: Path,
    flt: CaseFilter,
    all_cases: bool,
    include_contacts: bool,
    base_url: str | None,
    title: str | None,
    min_n: int,
) -> None:
    """Build the site into FOLDER, or bring a site built there before up to date.

    Pages: home, one per published case (its summary and where it stands against the
    network), one per city and theme, browse and search; downloads (OCDS, CSV, XLSX), an
    Atom feed and a sitemap. Only files whose content changed are rewritten; pages of cases
    no longer published are deleted. By default the cases flagged as best practice are
    published; the report filters narrow them down. Contact details only with
    --include-contacts.

    \b
    Examples:
      procurement site build public/
      procurement site build riga/ --city RIX --base-url https://example.org/riga/
    """
    from procurement.publishing import SiteOptions, build_site
    from procurement.publishing.model import DEFAULT_BASE_URL, DEFAULT_TITLE

    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise click.BadParameter("give an http:// or https:// address", param_hint="--base-url")
    options = SiteOptions(
        flt=flt,
        all_cases=all_cases,
        include_contacts=include_contacts,
        base_url=base_url or DEFAULT_BASE_URL,
        title=title or DEFAULT_TITLE,
        min_n=min_n,
    )
    with app.read_session() as session, ProgressBar("Building") as bar:
        result = build_site(session=session, target=folder, options=options, progress=bar)
    click.echo(
        f"site: {result.cases} published cases, {result.pages} pages; "
        f"{len(result.written)} files written, {result.unchanged} unchanged, "
        f"{len(result.removed)} removed"
    )
    if base_url is None:
        click.echo(
            f"note: the feed and sitemap use the placeholder address {DEFAULT_BASE_URL}; "
            f"give --base-url (or set {ENV_BASE_URL}) to where you publish the site",
            err=True,
        )
    click.echo(f"home page: {os.path.abspath(result.home)}")
