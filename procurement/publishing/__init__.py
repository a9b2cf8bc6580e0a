"""Publishing: the best-practice site built from the registry (static files, no server code).

``procurement site build DIR`` writes a folder of plain files that opens from disk or from any
web server, with nothing loaded from the internet:

- :mod:`.model`: what the site is built with (:class:`SiteOptions`) and each published case's
  summary for lists (:class:`Summary`);
- :mod:`.network`: the network's medians per procedure (cost overrun, delay, tenders), which each
  case page sets the case against, and the indicators of a list of cases;
- :mod:`.pages`: the HTML pages (home, a page per case, per city and theme, facets, search,
  downloads) rendered from ``reports/templates/site/`` with Jinja2 autoescape;
- :mod:`.search`: the search index shipped with the site (JSON, and the same as a script for
  pages opened from disk);
- :mod:`.feeds`: the Atom feed and the sitemap;
- :mod:`.downloads`: the published cases as an OCDS release package (extension declared),
  CSV and XLSX, through the existing exporter and serialisers;
- :mod:`.writer`: the incremental writer: a file is rewritten only when its bytes change, files
  of cases no longer published are deleted;
- :mod:`.build`: :func:`build_site`, which ties them together.
"""

from __future__ import annotations

from procurement.publishing.build import BuildResult, build_site
from procurement.publishing.model import SiteOptions

__all__ = ["BuildResult", "SiteOptions", "build_site"]
