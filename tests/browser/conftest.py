"""Fixtures of the browser tests: the real app served by uvicorn, a headless Debian chromium, and a page
that fails its test on any console error, page error or request that leaves the test server.

The whole suite is skipped when chromium (or Python's playwright) is not installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ..server import running_server
from . import chromium

CHROMIUM = chromium.executable()
try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if CHROMIUM is None:
        reason = "chromium is not installed (/usr/bin/chromium or `chromium` on PATH): browser tests skipped"
    elif sync_playwright is None:
        reason = "the Python package playwright is not installed: browser tests skipped"
    if reason:
        here = Path(__file__).parent
        for item in items:
            if here in Path(str(item.fspath)).parents:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app, `python -m gdviz serve`, on a free port; yields its base URL."""
    with running_server(tmp_path_factory.mktemp("server")) as running:
        yield running.base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium.ARGS)
        yield browser
        browser.close()


# Test instrumentation, installed before the page's own scripts: it counts the times the page sets and
# removes `data-runs` on <body> (its "run complete" hook) and snapshots, at the moment it is set, what
# the plots hold. It reads the page; it changes nothing the app uses.
RUNS_PROBE = """
window.__runs = {set: 0, removed: 0, snapshots: []};
new MutationObserver(() => {
  if (!document.body.hasAttribute("data-runs")) {
    window.__runs.removed++;
    return;
  }
  window.__runs.set++;
  const data = (testid) => document.querySelector(`[data-testid="${testid}"]`)?.data ?? [];
  const lengths = (traces) => traces.map((t) => (t.x ? t.x.length : 0));
  window.__runs.snapshots.push({
    contour: lengths(data("contour")),
    shapes: (document.querySelector('[data-testid="contour"]')?.layout?.shapes ?? []).length,
    loss: lengths(data("loss")),
    grad: lengths(data("grad-norm")),
  });
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-runs"]});
"""


class PageWatch:
    """What a page did that a test must not see: console errors, uncaught errors, foreign requests."""

    def __init__(self, base: str) -> None:
        self.netloc = urlsplit(base).netloc
        self.console_errors: list[tuple[str, str]] = []
        self.page_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.requests: list[str] = []
        self.expected_console: list[tuple[str, str]] = []

    def expect_console_error(self, text: str, url_contains: str) -> None:
        """Tolerate a console error with exactly this text whose source URL contains `url_contains`
        (Chromium logs every non-2xx fetch as "Failed to load resource", even an expected 422)."""
        self.expected_console.append((text, url_contains))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def on_page_error(self, error: Any) -> None:
        self.page_errors.append(str(error))

    def on_request(self, request: Request) -> None:
        self.requests.append(f"{request.method} {request.url}")
        parts = urlsplit(request.url)
        # data: and blob: URLs stay in the page; anything with a host must be the test server.
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != self.netloc:
            self.foreign_requests.append(f"{request.method} {request.url}")

    def unexpected_console_errors(self) -> list[str]:
        return [
            f"{text} @ {url}"
            for text, url in self.console_errors
            if not any(text == want and part in url for want, part in self.expected_console)
        ]

    def problems(self) -> dict[str, list[str]]:
        return {
            name: items
            for name, items in (
                ("console errors", self.unexpected_console_errors()),
                ("page errors", self.page_errors),
                ("requests not to the test server", self.foreign_requests),
            )
            if items
        }


def make_page(browser: Browser, base: str) -> tuple[Any, Page, PageWatch]:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=base)
    context.set_default_timeout(15_000)
    context.add_init_script(RUNS_PROBE)
    page = context.new_page()
    watch = PageWatch(base)
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("request", watch.on_request)
    return context, page, watch


@pytest.fixture
def watched(browser: Browser, server: str) -> Iterator[Any]:
    """A factory of fresh, watched pages (each in its own context); all are checked at teardown."""
    opened: list[tuple[Any, Page, PageWatch]] = []

    def open_page() -> tuple[Page, PageWatch]:
        context, page, watch = make_page(browser, server)
        opened.append((context, page, watch))
        return page, watch

    yield open_page
    problems = {}
    for i, (context, _, watch) in enumerate(opened):
        for name, items in watch.problems().items():
            problems[f"page {i}: {name}"] = items
        context.close()
    assert not problems, "the page misbehaved:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(items) for name, items in problems.items()
    )


@pytest.fixture
def page(watched: Any) -> Page:
    """A fresh 1280×720 page; the test fails at teardown on console errors, page errors or foreign requests."""
    page, _ = watched()
    return page


@pytest.fixture
def page_watch(watched: Any) -> tuple[Page, PageWatch]:
    """Like `page`, with its watch (to inspect the requests made during the test)."""
    return watched()
