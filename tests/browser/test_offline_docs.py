"""/docs and /redoc with no network, every page within its Content-Security-Policy, and framing allowed only
to the embed views, in a headless chromium against the real app (see conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Browser, Page, Request, Route, expect

from .test_explorer import open_explorer

# Installed before the page's scripts: every CSP violation the page reports, also those it would not log.
CSP_PROBE = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def offline(page: Page) -> list[str]:
    """Abort every request to a host other than the test server, as in a hall with no network; returns the
    list of the aborted requests, and installs the CSP probe."""
    aborted: list[str] = []

    def handle(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", handle)
    page.add_init_script(CSP_PROBE)
    return aborted


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__csp")


def test_swagger_ui_renders_and_runs_a_request_with_no_network(page: Page) -> None:
    aborted = offline(page)
    response = page.goto("/docs")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    run = page.locator('.opblock-post:has(.opblock-summary-path[data-path="/api/run"])')
    expect(run.locator(".opblock-summary-method")).to_have_text("POST")
    # Swagger UI's own stylesheet is applied: POST operations are green.
    color = run.locator(".opblock-summary-method").evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(73, 204, 144)"
    expect(page.locator(".opblock-summary-path[data-path='/api/run/stream']")).to_be_visible()
    # "Try it out" with the schema's example: the request goes to the app and its answer is shown.
    run.locator(".opblock-summary").click()
    run.locator(".try-out__btn").click()
    run.locator(".execute").click()
    expect(run.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(run.locator(".live-responses-table .microlight").first).to_contain_text('"runs"')
    assert aborted == []
    assert violations(page) == []


def test_redoc_renders_and_searches_with_no_network(page: Page) -> None:
    aborted = offline(page)
    page.goto("/redoc")
    expect(page.locator("h2", has_text="Run optimizers")).to_be_visible()
    expect(page.locator("h2", has_text="Run, streamed")).to_be_visible()
    # The search index lives in a worker Redoc starts from a blob: URL (hence `worker-src blob:`).
    page.fill("input[placeholder='Search...']", "streamed")
    results = page.locator("[data-role='search:results']")
    expect(results).to_contain_text("Run, streamed")
    expect(results).to_contain_text("Train, streamed")
    # Redocly's credit stays, without the logo Redoc would fetch from its CDN.
    expect(page.get_by_text("API docs by Redocly")).to_be_visible()
    assert page.locator("img").count() == 0
    assert aborted == []
    assert violations(page) == []


@pytest.mark.parametrize("path", ["/", "/network", "/embed", "/network/embed"])
def test_the_plot_pages_run_within_their_policy_with_no_network(page: Page, path: str) -> None:
    aborted = offline(page)
    open_explorer(page, "n=200", path=path)
    # Plotly needs neither 'unsafe-eval' nor inline scripts; its inline styles are allowed.
    assert page.evaluate("document.querySelectorAll('.main-svg').length") > 0
    assert aborted == []
    assert violations(page) == []


# ── Framing ─────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def other_site(server: str) -> Iterator[str]:
    """Another origin (localhost on its own port) whose page frames the app's views; yields its URL. It is a
    loopback server of its own: Chromium refuses a page that is not on a local address to frame 127.0.0.1."""
    views = ["/embed", "/network/embed", "/", "/docs"]
    html = "".join(f'<iframe name="{view}" src="{server}{view}"></iframe>' for view in views).encode()

    class Framer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: Any) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Framer)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{site.server_address[1]}/"
    site.shutdown()
    site.server_close()


def test_only_the_embed_views_may_be_framed_by_another_site(browser: Browser, other_site: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        refused: list[str] = []

        def on_failed(request: Request) -> None:
            if request.is_navigation_request() and request.frame != page.main_frame:
                refused.append(f"{urlsplit(request.url).path} {request.failure}")

        page.on("requestfailed", on_failed)
        page.goto(other_site)  # returns once every frame has loaded or failed
        frames = {frame.name: frame for frame in page.frames if frame.name}
        for view in ("/embed", "/network/embed"):
            frames[view].wait_for_selector("body.embed .plot")
            assert urlsplit(frames[view].url).path == view
        assert sorted(refused) == ["/ net::ERR_BLOCKED_BY_RESPONSE", "/docs net::ERR_BLOCKED_BY_RESPONSE"]
    finally:
        context.close()
