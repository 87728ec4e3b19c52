"""Slides for the browser tests of the embed: a static site on a port of its own (so another origin
than the app) that frames gdviz, a watched page on it, and the postMessage traffic between the slides
and their frames (the frames are numbered in document order)."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from playwright.sync_api import Browser, Page

from .conftest import PageWatch, make_page


class Site(NamedTuple):
    base: str
    netloc: str


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, *args: Any, folders: Mapping[str, Path], pages: Mapping[str, str], **kwargs: Any) -> None:
        self.folders = folders
        self.pages = pages
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path in self.pages:
            return self._send(self.pages[path].encode(), "text/html; charset=utf-8")
        file = self._file(path)
        if file is None:
            return self.send_error(404)
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send(file.read_bytes(), "text/javascript" if file.suffix in (".js", ".mjs") else kind)

    def _file(self, path: str) -> Path | None:
        for prefix in sorted(self.folders, key=len, reverse=True):
            if path.startswith(prefix):
                root = self.folders[prefix].resolve()
                file = (root / path[len(prefix) :].lstrip("/")).resolve()
                if file.is_relative_to(root) and file.is_file():
                    return file
        return None

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_site(folders: Mapping[str, Path] | None = None, pages: Mapping[str, str] | None = None) -> Iterator[Site]:
    """Serve `folders` ({"/prefix/": directory}) and `pages` ({"/path": html}) on 127.0.0.1 and a free port."""
    handler = partial(_Handler, folders=dict(folders or {}), pages=dict(pages or {}))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        netloc = f"127.0.0.1:{httpd.server_address[1]}"
        yield Site(f"http://{netloc}", netloc)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# Installed in every document of the page: the slides record each message a frame posts to them
# (with the frame's origin), and the test posts to a frame as the slides would.
# A slide on another site that frames the page given as ?src=…: the smallest host of an embed.
FRAME_HOST = """<!doctype html>
<html><head><meta charset="utf-8"><title>slides</title><link rel="icon" href="data:,"></head>
<body style="margin:0">
<iframe width="1100" height="680" title="gdviz" style="border:0"></iframe>
<script>document.querySelector("iframe").src = new URLSearchParams(location.search).get("src");</script>
</body></html>"""

MESSAGES_PROBE = """
window.__frameMessages = [];
window.addEventListener("message", (event) => {
  const frames = Array.from(document.querySelectorAll("iframe"));
  const index = frames.findIndex((frame) => frame.contentWindow === event.source);
  if (index >= 0) window.__frameMessages.push({frame: index, origin: event.origin, data: event.data});
});
window.__postToFrame = (index, data) => document.querySelectorAll("iframe")[index].contentWindow.postMessage(data, "*");
"""


@contextmanager
def watched_slides(browser: Browser, server: str, site: Site) -> Iterator[tuple[Page, PageWatch]]:
    """A fresh 1280×720 page for the slides and its watch; fails on console errors and page errors (the
    slides' own or their frames'), and on requests to anything but the app and the slides' site."""
    context, page, watch = make_page(browser, server)
    context.add_init_script(MESSAGES_PROBE)
    try:
        yield page, watch
    finally:
        watch.foreign_requests = [
            r for r in watch.foreign_requests if urlsplit(r.split(" ", 1)[1]).netloc != site.netloc
        ]
        problems = watch.problems()
        context.close()
    assert not problems, f"the slides misbehaved: {problems}"


# ── The traffic ──────────────────────────────────────────────────────────────


def messages(page: Page, frame: int = 0) -> list[Any]:
    """What frame `frame` posted to the slides so far, in order."""
    return page.evaluate("i => window.__frameMessages.filter((m) => m.frame === i).map((m) => m.data)", frame)


def count(page: Page, frame: int = 0) -> int:
    return len(messages(page, frame))


def events(page: Page, since: int = 0, frame: int = 0) -> list[dict[str, Any]]:
    """The gdviz events frame `frame` posted, from its message number `since` on."""
    return [m for m in messages(page, frame)[since:] if isinstance(m, dict) and m.get("gdviz") == 1]


def send(page: Page, data: Any, frame: int = 0) -> None:
    page.evaluate("([i, data]) => window.__postToFrame(i, data)", [frame, data])


def command(page: Page, method: str, *args: Any, frame: int = 0) -> None:
    send(page, {"gdviz": 1, "method": method, "args": list(args)}, frame)


def wait_event(page: Page, kind: str, since: int, frame: int = 0, **fields: Any) -> dict[str, Any]:
    """The first `kind` event of frame `frame` from its message number `since` on whose fields equal `fields`."""
    handle = page.wait_for_function(
        """({kind, since, frame, fields}) => window.__frameMessages.filter((m) => m.frame === frame).slice(since)
             .map((m) => m.data)
             .find((d) => d && d.gdviz === 1 && d.event === kind
                          && Object.entries(fields).every(([k, v]) => d[k] === v))""",
        arg={"kind": kind, "since": since, "frame": frame, "fields": fields},
    )
    return handle.json_value()


def get_state(page: Page, frame: int = 0) -> dict[str, Any]:
    since = count(page, frame)
    command(page, "getState", frame=frame)
    return wait_event(page, "state", since, frame)


def wait_state(page: Page, frame: int = 0, **fields: Any) -> dict[str, Any]:
    """Ask getState until the answer has `fields` (playback starts and stops a frame later)."""
    for _ in range(50):
        state = get_state(page, frame)
        if all(state[k] == v for k, v in fields.items()):
            return state
        page.wait_for_timeout(100)
    raise AssertionError(f"frame {frame} never reported {fields}; last state {state}")
