"""Check a report in headless Chromium with the network off, and screenshot its sections.

Standard library only: the DevTools protocol over ``--remote-debugging-pipe`` (no websocket, no
port). The report itself carries no test hooks; errors come from the protocol's Runtime and Log
events, requests from Network events, and timings are real time: the load event (the page is
open) and the moment every lazily drawn figure is rendered. Screenshots reuse one page load and
clip one capture per section.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Headless, sandbox-free (containers), and no network: every request goes to a dead proxy.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--proxy-server=127.0.0.1:9", "--hide-scrollbars", "--mute-audio"]
WIDTH = 1280

FIGURES_AND_SECTIONS = """JSON.stringify({
  figures: Array.prototype.map.call(document.querySelectorAll('div.figure'), function (d) {
    var s = d.closest('section');
    return {section: s ? s.id : null, rendered: !!d.querySelector('.main-svg'),
            height: d.getBoundingClientRect().height}; }),
  sections: Array.prototype.map.call(document.querySelectorAll('section'), function (s) {
    return {id: s.id, height: Math.ceil(s.getBoundingClientRect().height)}; })})"""


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
        return [r for r in self.resources if not r.startswith(("file:", "data:", "blob:"))]


def find_chromium() -> str | None:
    """$CHROMIUM, else chromium / chromium-browser / google-chrome on PATH."""
    candidates = [os.environ.get("CHROMIUM", ""), "/usr/bin/chromium", "chromium",
                  "chromium-browser", "google-chrome", "google-chrome-stable"]
    for name in candidates:
        if name and (found := shutil.which(name)):
            return found
    return None


def _errors_from(events: list[dict[str, Any]]) -> list[str]:
    """Uncaught exceptions, console.error calls and browser log errors among CDP events."""
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append("error: " + str(details.get("exception", {}).get("description")
                                          or details.get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            errors.append("console.error: " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append("log: " + str(params["entry"].get("text")))
    return errors


def _open(browser: "DevToolsPipe", html_path: Path, timeout: float) -> tuple[str, float, float]:
    """Load the page in a fresh tab; return (session, load seconds, all-rendered seconds)."""
    targets = browser.call("Target.getTargets")["targetInfos"]
    page_id = next(t["targetId"] for t in targets if t["type"] == "page")
    session = browser.call("Target.attachToTarget", {"targetId": page_id,
                                                     "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.call(f"{domain}.enable", session=session)
    browser.call("Emulation.setDeviceMetricsOverride",
                 {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                 session=session)
    start = time.perf_counter()
    browser.call("Page.navigate", {"url": Path(html_path).resolve().as_uri()}, session=session)
    browser.wait_event("Page.loadEventFired")
    loaded = time.perf_counter() - start
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = browser.call("Runtime.evaluate", {
            "expression": "window.reportRendered === true || "
                          "!document.querySelector('div.plot[data-figure]')",
            "returnByValue": True}, session=session)["result"].get("value")
        if ready:
            break
        time.sleep(0.05)
    return session, loaded, time.perf_counter() - start


def check_page(html_path: Path, chromium: str | None = None, timeout: float = 120,
               workdir: Path | None = None) -> PageCheck:
    """Open the page with the network off; report errors, requests, figures and timings."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium not found (install it or set $CHROMIUM)")
    start = time.perf_counter()
    browser = DevToolsPipe(chromium, timeout)
    try:
        session, loaded, rendered = _open(browser, Path(html_path), timeout)
        state = json.loads(browser.call("Runtime.evaluate", {
            "expression": FIGURES_AND_SECTIONS, "returnByValue": True},
            session=session)["result"]["value"])
        events = browser.events
        requests = [e["params"]["request"]["url"] for e in events
                    if e.get("method") == "Network.requestWillBeSent"]
        return PageCheck(errors=_errors_from(events), figures=state["figures"],
                         sections=state["sections"], resources=requests,
                         load_ms=round(loaded * 1000, 1), rendered_ms=round(rendered * 1000, 1),
                         wall_seconds=time.perf_counter() - start)
    finally:
        browser.close()


class DevToolsPipe:
    """A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

    Chromium reads commands from fd 3 and writes replies/events to fd 4, NUL-separated JSON:
    standard library only, no websocket and no port to open.
    """

    def __init__(self, chromium: str, timeout: float = 120) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="viz-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_fds() -> None:  # in the child: put the pipe ends on fds 3 and 4
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
             "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(3, 4), preexec_fn=wire_fds)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            message = self._read_message(deadline)
            if message.get("method") == method:
                return message
            if "method" in message:
                self.events.append(message)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


SECTION_RECTS = """JSON.stringify(Array.prototype.map.call(document.querySelectorAll('section'),
  function (s) { var r = s.getBoundingClientRect();
    return {id: s.id, x: r.left + window.scrollX, y: r.top + window.scrollY,
            width: r.width, height: r.height}; }))"""


def screenshot_sections(html_path: Path, out_dir: Path, chromium: str | None = None,
                        timeout: float = 120) -> tuple[list[Path], float]:
    """One PNG per <section> (``<out_dir>/<nn>-<id>.png``) and the page's load seconds.

    One browser, one page load: sections are clipped out of the loaded page with
    Page.captureScreenshot, so plotly.js is parsed once instead of once per section.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium not found (install it or set $CHROMIUM)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    browser = DevToolsPipe(chromium, timeout)
    try:
        session, load_seconds, _ = _open(browser, Path(html_path), timeout)
        rects = json.loads(browser.call("Runtime.evaluate", {
            "expression": SECTION_RECTS, "returnByValue": True}, session=session)
            ["result"]["value"])
        paths = []
        for n, rect in enumerate(rects, 1):
            safe = re.sub(r"[^A-Za-z0-9_-]+", "_", str(rect["id"])) or "section"
            clip = {"x": rect["x"], "y": rect["y"], "width": rect["width"],
                    "height": max(rect["height"], 1), "scale": 1}
            shot = browser.call("Page.captureScreenshot", {
                "format": "png", "clip": clip, "captureBeyondViewport": True}, session=session)
            target = out_dir / f"{n:02d}-{safe}.png"
            target.write_bytes(base64.b64decode(shot["data"]))
            paths.append(target)
        return paths, load_seconds
    finally:
        browser.close()
