"""Check a report in headless Chromium with the network off, and screenshot its sections.

Playwright drives the system Chromium (``executable_path``), never a browser of its own: its
download is not reachable here and nothing may be fetched at run time. Every request that is not
``file:``, ``data:`` or ``blob:`` is aborted by a route and recorded as an error, so an offline
report is checked offline. The report carries no test hooks: errors are uncaught exceptions,
``console.error`` calls and failed requests; timings are the page's own clock (navigation to the
load event, and to the moment every lazily drawn figure is rendered).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # imported where a browser starts: the report tests without one need none
    from playwright.sync_api import ConsoleMessage, Page, Request, Route

#: Sandbox-free (containers), no GPU; a dead proxy as a second wall behind the route that aborts
#: every outside request.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--proxy-server=127.0.0.1:9", "--hide-scrollbars", "--mute-audio"]
WIDTH = 1280
LOCAL = ("file:", "data:", "blob:")

FIGURES_AND_SECTIONS = """() => ({
  figures: Array.from(document.querySelectorAll('div.figure'), d => {
    const s = d.closest('section');
    return {section: s ? s.id : null, rendered: !!d.querySelector('.main-svg'),
            height: d.getBoundingClientRect().height}; }),
  sections: Array.from(document.querySelectorAll('section'), s =>
    ({id: s.id, height: Math.ceil(s.getBoundingClientRect().height)}))})"""
#: Milliseconds since navigation when every figure is drawn (or there are none); false before.
RENDERED_AT = """() => (window.reportRendered === true ||
  !document.querySelector('div.plot[data-figure]')) && performance.now()"""
LOAD_EVENT_AT = "() => performance.getEntriesByType('navigation')[0].loadEventStart"


@dataclass
class PageCheck:
    """What the browser saw: page errors, figures (rendered or not), section heights, timing.

    ``load_ms``: navigation to the load event (the page is open and readable);
    ``rendered_ms``: navigation until every figure is drawn (they render lazily).
    """

    errors: list[str] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    load_ms: float | None = None
    rendered_ms: float | None = None
    wall_seconds: float = 0.0

    @property
    def unrendered(self) -> list[str]:
        return [str(f["section"]) for f in self.figures if not f["rendered"]]

    @property
    def external(self) -> list[str]:
        """Resources that would need the network (anything not file:, data: or blob:)."""
        return [r for r in self.resources if not r.startswith(LOCAL)]


def find_chromium() -> str | None:
    """$CHROMIUM, else chromium / chromium-browser / google-chrome on PATH."""
    candidates = [os.environ.get("CHROMIUM", ""), "/usr/bin/chromium", "chromium",
                  "chromium-browser", "google-chrome", "google-chrome-stable"]
    for name in candidates:
        if name and (found := shutil.which(name)):
            return found
    return None


def _listen(page: Page, check: PageCheck, blocked: set[str]) -> None:
    """Record uncaught exceptions, console.error calls, every request and failed ones."""

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            check.errors.append(f"console.error: {message.text}")

    def failed(request: Request) -> None:
        if request.url not in blocked:  # a blocked request is reported once, as blocked
            check.errors.append(f"request failed: {request.url} ({request.failure})")

    page.on("pageerror", lambda error: check.errors.append(f"error: {error.message}"))
    page.on("console", console)
    page.on("request", lambda request: check.resources.append(request.url))
    page.on("requestfailed", failed)
    page.on("crash", lambda _: check.errors.append("error: the page crashed"))


@contextmanager
def _opened(html_path: Path, chromium: str | None, timeout: float,
            check: PageCheck) -> Iterator[Page]:
    """The page loaded offline with every figure drawn; errors and requests go into ``check``.

    One Playwright instance per call, so calls may run side by side in threads (Playwright's
    sync API is per thread).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium not found (install it or set $CHROMIUM)")

    blocked: set[str] = set()

    def offline(route: Route, request: Request) -> None:
        if request.url.startswith(LOCAL):
            route.continue_()
        else:
            blocked.add(request.url)
            check.errors.append(f"blocked request: {request.url}")
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS,
                                             timeout=timeout * 1000)
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": 900},
                                          device_scale_factor=1, service_workers="block")
            context.set_default_timeout(timeout * 1000)
            context.route("**/*", offline)
            page = context.new_page()
            _listen(page, check, blocked)
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            check.load_ms = round(page.evaluate(LOAD_EVENT_AT), 1)
            try:
                check.rendered_ms = round(page.wait_for_function(RENDERED_AT).json_value(), 1)
            except PlaywrightTimeout as error:  # figures pending: PageCheck.unrendered lists them
                check.errors.append(f"figures not all drawn after {timeout:.0f} s: {error}")
            yield page
        finally:
            browser.close()


def check_page(html_path: Path, chromium: str | None = None, timeout: float = 120) -> PageCheck:
    """Open the page with the network off; report errors, requests, figures and timings."""
    start = time.perf_counter()
    check = PageCheck()
    with _opened(html_path, chromium, timeout, check) as page:
        state = page.evaluate(FIGURES_AND_SECTIONS)
    check.figures, check.sections = state["figures"], state["sections"]
    check.wall_seconds = time.perf_counter() - start
    return check


def screenshot_sections(html_path: Path, out_dir: Path, chromium: str | None = None,
                        timeout: float = 120) -> tuple[list[Path], float]:
    """One PNG per <section> (``<out_dir>/<nn>-<id>.png``) and the page's load seconds.

    One browser, one page load: plotly.js is parsed once, then each section is captured whole
    (beyond the viewport when it is taller).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    check = PageCheck()
    paths = []
    with _opened(html_path, chromium, timeout, check) as page:
        sections = page.locator("section")
        for n, section in enumerate(sections.all(), 1):
            safe = re.sub(r"[^A-Za-z0-9_-]+", "_", section.get_attribute("id") or "") or "section"
            target = out_dir / f"{n:02d}-{safe}.png"
            section.screenshot(path=target, animations="disabled")
            paths.append(target)
    return paths, (check.load_ms or 0.0) / 1000
