"""The best-practice site in headless Chromium, opened from disk (``file://``).

One browser session (Chromium driven over the DevTools protocol on a pipe,
``--remote-debugging-pipe``: no port, no extra package) visits every page of a site built from
the demo data and the hand-made data set (a title holding ``<script>``), at the width of a
phone (390 px):

- every page loads with no console error, no script error and no failed load;
- no request leaves the machine (every URL requested is a ``file://`` URL of the site);
- no page is wider than the phone (``document.documentElement.scrollWidth``);
- axe-core (vendored in ``tests/data/axe-core``; nothing is downloaded) reports no serious
  or critical violation of the WCAG 2.0/2.1 A and AA rules;
- the search box finds a case by a word of its title;
- printed, the navigation and search are hidden.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from procurement.demo.run import load_demo_data
from tests.helpers import (
    CHROMIUM_FLAGS,
    DATA,
    SCRIPT_TITLE,
    assert_ok,
    build_dataset,
    chromium,
)

AXE = DATA / "axe-core" / "axe.min.js"
PHONE = 390
AXE_RUN = """
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                   resultTypes: ["violations"], preload: false})
  .then(function (r) {
    return r.violations
      .filter(function (v) { return v.impact === "serious" || v.impact === "critical"; })
      .map(function (v) {
        return {id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(" "); })};
      });
  })
"""


class Browser:
    """Headless Chromium over the DevTools protocol on a pipe (file descriptors 3 and 4)."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def plumb() -> None:  # in the child: the pipe ends on descriptors 3 and 4
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 100)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 100)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [
                binary,
                *CHROMIUM_FLAGS,
                "--disable-extensions",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=plumb,  # single-threaded here: the reader thread starts later
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session = ""
        self.events: list[dict[str, Any]] = []

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        self._replies[message["id"]] = message
                        self._lock.notify_all()
                else:
                    self._events.put(message)

    def send(self, method: str, params: dict[str, Any] | None = None, *, top: bool = False,
             timeout: float = 60) -> dict[str, Any]:  # fmt: skip
        self._next += 1
        ident = self._next
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if not top:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._lock:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                assert left > 0, f"no answer to {method}"
                self._lock.wait(left)
            reply = self._replies.pop(ident)
        assert "error" not in reply, (method, reply["error"])
        result: dict[str, Any] = reply.get("result", {})
        return result

    def drain(self) -> None:
        while True:
            try:
                self.events.append(self._events.get_nowait())
            except queue.Empty:
                return

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no {method} event"
            event = self._events.get(timeout=left)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def open(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, top=True)["targetId"]
        attached = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, top=True
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE, "height": 844, "deviceScaleFactor": 1, "mobile": True},
        )

    def navigate(self, url: str) -> None:
        self.drain()
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str, timeout: float = 60) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors, script errors, failed loads and dialogs since the last navigation."""
        self.drain()
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"script error: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
            ):
                found.append(f"console {params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log: {params['entry']['text']}")
            elif method == "Network.loadingFailed":
                found.append(f"load failed: {params.get('errorText')}")
            elif method == "Page.javascriptDialogOpening":
                found.append(f"dialog: {params.get('message')}")
        return found

    def requests(self) -> list[str]:
        self.drain()
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        with contextlib.suppress(AssertionError):
            self.send("Browser.close", top=True, timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    session = Browser(chromium(), tmp_path / "profile")
    try:
        session.open()
        yield session
    finally:
        session.close()


def published_site(session: Session, run: Callable[..., Result], folder: Path) -> dict[str, str]:
    load_demo_data(session=session, user="tester")
    session.commit()
    refs = build_dataset(session)
    assert_ok(run("site", "build", str(folder)))
    return refs


@pytest.mark.chromium
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_page_in_chromium_on_a_phone(
    session: Session, run: Callable[..., Result], tmp_path: Path, browser: Browser
) -> None:
    site = tmp_path / "site"
    refs = published_site(session, run, site)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    axe = AXE.read_text("utf-8")
    requested: set[str] = set()
    wide: list[tuple[str, int]] = []
    failures: dict[str, list[Any]] = {}
    for page in pages:
        name = str(page.relative_to(site))
        browser.navigate(page.as_uri())
        width = browser.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            wide.append((name, width))
        browser.evaluate(axe)
        violations = browser.evaluate(AXE_RUN, timeout=120)
        problems = browser.problems()
        requested.update(browser.requests())
        if violations or problems:
            failures[name] = [*violations, *problems]
    assert not failures, json.dumps(failures, indent=1)[:4000]
    assert not wide, wide
    outside = sorted(u for u in requested if not u.startswith(site.as_uri() + "/"))
    assert not outside, outside
    assert any(u.endswith("/site.css") for u in requested)
    assert any(u.endswith("/search-index.js") for u in requested)

    # The search box (on every page) finds a case by a word of its title.
    index = json.loads((site / "search-index.json").read_text())
    titles = {e["r"]: e["t"] for e in index}
    word, reference = next(
        (w, ref)
        for ref, title in sorted(titles.items())
        for w in re.findall(r"[A-Za-z]{6,}", title)
        if sum(w.lower() in t.lower() for t in titles.values()) == 1
    )
    browser.navigate((site / "cases" / f"{reference}.html").as_uri())
    browser.evaluate(
        f"document.getElementById('site-q').value = {json.dumps(word.upper())};"
        "document.querySelector('form.quick-search').requestSubmit();"
    )
    browser.wait_for("Page.loadEventFired")
    found = browser.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#results a'),"
        " function (a) { return [a.textContent, a.getAttribute('href')]; })"
    )
    assert found == [[titles[reference], f"cases/{reference}.html"]], (word, found)
    assert browser.evaluate("document.getElementById('search-status').textContent") == (
        "1 case matches."
    )
    # A title holding <script> is found and shown as text, never run.
    browser.evaluate(
        "var q = document.getElementById('q'); q.value = 'alert';"
        "q.dispatchEvent(new Event('input'));"
    )
    shown = browser.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#results a'),"
        " function (a) { return a.textContent; })"
    )
    assert SCRIPT_TITLE in shown
    assert browser.problems() == []

    # Printed: navigation and search hidden, the case's content kept.
    browser.navigate((site / "cases" / f"{refs['A']}.html").as_uri())
    browser.send("Emulation.setEmulatedMedia", {"media": "print"})
    hidden = browser.evaluate(
        "[getComputedStyle(document.querySelector('header.site nav')).display,"
        " getComputedStyle(document.querySelector('form.quick-search')).display,"
        " getComputedStyle(document.querySelector('article.case')).display]"
    )
    assert hidden == ["none", "none", "block"]
