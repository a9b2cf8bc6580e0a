"""The HTML reports in headless Chromium: no console messages, no requests, charts drawn.

Each report is opened twice: as written (screenshots at laptop and phone width, saved under
the test's tmp_path, and a print to PDF on A4), and as a test-only copy with a strict Content
Security Policy (any external load becomes a console error) and a probe script that records
each SVG's rendered size and the resources the page loaded. The report itself has no script.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from tests.helpers import assert_ok, browse, build_dataset, chromium

CSP = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'\">"
)
PROBE = """<script>
(function () {
  var svgs = Array.prototype.map.call(document.querySelectorAll("svg"), function (s) {
    var r = s.getBoundingClientRect();
    return [r.width, r.height, s.querySelectorAll("path, text, use, rect").length];
  });
  var loaded = performance.getEntriesByType("resource").map(function (e) { return e.name; });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({svgs: svgs, resources: loaded});
  document.body.appendChild(pre);
})();
</script>"""


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def probe(page: Path, tmp_path: Path) -> dict[str, Any]:
    html = page.read_text()
    copy = tmp_path / f"probe-{page.name}"
    copy.write_text(
        html.replace("<head>", "<head>\n" + CSP, 1).replace("</body>", PROBE + "\n</body>", 1)
    )
    done = browse(copy, tmp_path / "profile-probe", "--window-size=1280,900", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    data: dict[str, Any] = json.loads(found.group(1).replace("&quot;", '"'))
    return data


@pytest.mark.chromium
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_html_reports_in_headless_chromium(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    chromium()
    refs = build_dataset(session)
    pages = {
        "compare": ("compare", "--by", "city", "--min-n", "2"),
        "ppp": ("ppp", "--min-n", "1"),
        "best-practice": ("best-practice",),
        "case": ("case", refs["F"]),
    }
    charts_expected = {"compare": 9, "ppp": 6, "best-practice": 0, "case": 0}
    for name, args in pages.items():
        page = tmp_path / f"{name}.html"
        assert_ok(run("report", *args, "--output", str(page)))
        sizes = [("laptop", "1280,900")]
        if name in ("compare", "case"):
            sizes.append(("phone", "390,844"))
        for label, size in sizes:
            shot = tmp_path / f"{name}-{label}.png"
            done = browse(
                page, tmp_path / f"profile-{label}", f"--window-size={size}", f"--screenshot={shot}"
            )
            assert done.returncode == 0, done.stderr[-2000:]
            assert console_messages(done.stderr) == []
            assert shot.stat().st_size > 10_000, shot
        result = probe(page, tmp_path)
        assert result["resources"] == [], name
        svgs = result["svgs"]
        assert len(svgs) == charts_expected[name], name
        for width, height, elements in svgs:
            assert width > 200 and height > 80 and elements > 5, (name, width, height)

    # Printed on A4: every PDF page is 210 × 297 mm (595 × 842 pt)
    pdf = tmp_path / "compare.pdf"
    done = browse(
        tmp_path / "compare.html",
        tmp_path / "profile-pdf",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert len(boxes) >= 2
    for width, height in boxes:
        assert abs(float(width) - 595.3) < 2 and abs(float(height) - 841.9) < 2
