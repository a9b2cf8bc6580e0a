"""The Atom feed of the newest published cases, and the sitemap of every page.

Both need absolute addresses: they are made from the address the site is published at
(``--base-url``). Their dates are those of the data, never of the build, so an unchanged
registry gives unchanged files.
"""

from __future__ import annotations

from collections.abc import Sequence

from jinja2 import Environment

from procurement.publishing.model import Summary

FEED = "feed.xml"
SITEMAP = "sitemap.xml"
FEED_ENTRIES = 50


def newest(summaries: Sequence[Summary], n: int) -> list[Summary]:
    """The ``n`` most recently recorded or changed cases, newest first."""
    return sorted(summaries, key=lambda s: (s.updated_at, s.reference), reverse=True)[:n]


def feed_text(
    env: Environment, *, summaries: Sequence[Summary], base: str, title: str, updated: str
) -> str:
    template = env.get_template("feed.xml")
    entries = newest(summaries, FEED_ENTRIES)
    return template.render(entries=entries, base=base, title=title, updated=updated)


def sitemap_text(env: Environment, *, pages: Sequence[tuple[str, str | None]], base: str) -> str:
    """``pages``: (path relative to the site, last change)."""
    return env.get_template("sitemap.xml").render(
        pages=sorted(pages, key=lambda p: p[0]), base=base
    )
