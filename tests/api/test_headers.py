"""Response headers: CSP and framing, nosniff and Referrer-Policy, CORS on the JSON API, and compression
(static files gzipped once, large JSON gzipped, NDJSON streams never)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.client
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import plotly
import pytest
from fastapi.testclient import TestClient
from starlette.requests import ClientDisconnect

from gdviz.api import headers
from gdviz.main import app, create_app

from ..server import running_server
from .conftest import rosenbrock_run

ROOT = Path(__file__).resolve().parents[2]
PLOTLY = "/static/vendor/plotly.min.js"
PLOTLY_BYTES = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
GDVIZ_CSS = ROOT / "static" / "css" / "gdviz.css"
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
ORIGIN = "https://slides.example.org"
# Long enough that the stream's first line must leave well before its last (a second or more of work).
LONG_RUN = rosenbrock_run(steps=100_000, optimizers=[{"name": "adam"}, {"name": "sgd", "params": {"lr": 1e-4}}])


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} given twice"
        parsed[name] = values
    return parsed


# ── Content-Security-Policy and framing ─────────────────────────────────────


@pytest.mark.parametrize("path", ["/", "/network", "/docs", "/redoc", "/?s=himmelblau"])
def test_pages_take_scripts_from_the_app_only_and_refuse_foreign_frames(client, path):
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = directives(page.headers["content-security-policy"])
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    assert page.headers["x-frame-options"] == "SAMEORIGIN"


@pytest.mark.parametrize("path", ["/embed", "/network/embed", "/embed?s=himmelblau&n=50"])
def test_embed_views_may_be_framed_by_any_site(client, path):
    page = client.get(path)
    assert page.status_code == 200 and 'class="embed-credit"' in page.text
    policy = directives(page.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["*"]
    assert policy["script-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert "x-frame-options" not in page.headers


@pytest.mark.parametrize(
    ("path", "framable"),
    [
        ("/present", True),
        ("/present/deck/3", True),
        ("/embed/anything", True),
        ("/presenter", False),
        ("/embedded", False),
        ("/network/embedding", False),
        ("/network", False),
        ("/static/js/main.js", False),
    ],
)
def test_what_may_be_framed_is_decided_by_whole_path_segments(client, path, framable):
    answer = client.get(path)
    frame_ancestors = directives(answer.headers["content-security-policy"])["frame-ancestors"]
    assert frame_ancestors == (["*"] if framable else ["'self'"])
    assert ("x-frame-options" in answer.headers) is not framable


def test_a_route_may_set_its_own_policy():
    async def answer(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-security-policy", b"x")]})
        await send({"type": "http.response.body", "body": b"ok"})

    response = TestClient(headers.SecurityHeaders(answer)).get("/")
    assert response.headers["content-security-policy"] == "x"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_response_is_nosniff_and_keeps_the_referrer_to_the_origin(client):
    answers = [
        client.get("/"),
        client.get("/api/optimizers"),
        client.get("/static/css/gdviz.css"),
        client.get(PLOTLY, headers=GZIP),
        client.get("/no/such/page"),
        client.post("/api/run", json={"steps": "many"}),
        client.options("/api/run", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 404, 422, 200]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.url
        assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin", answer.url


# ── CORS ────────────────────────────────────────────────────────────────────


def test_the_json_api_answers_any_origin_without_credentials(client):
    catalog = client.get("/api/optimizers", headers={"Origin": ORIGIN})
    assert catalog.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in catalog.headers
    assert "adam" in {optimizer["name"] for optimizer in catalog.json()}
    run = client.post("/api/run", json=rosenbrock_run(steps=20), headers={"Origin": ORIGIN})
    assert run.status_code == 200 and run.headers["access-control-allow-origin"] == "*"
    assert [len(r["x"]) for r in run.json()["runs"]] == [21, 21]


@pytest.mark.parametrize("path", ["/api/run", "/api/run/stream", "/api/train", "/livez", "/readyz"])
def test_a_json_post_is_preflighted(client, path):
    preflight = client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200 and preflight.text == "OK"
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"].split(", ")
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower().split(", ")
    assert "access-control-allow-credentials" not in preflight.headers


def test_a_preflight_for_a_header_the_api_does_not_take_is_refused(client):
    preflight = client.options(
        "/api/run",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-token",
        },
    )
    assert preflight.status_code == 400 and "Disallowed CORS headers" in preflight.text


def test_pages_are_not_opened_to_other_origins(client):
    page = client.get("/", headers={"Origin": ORIGIN})
    assert page.status_code == 200 and "access-control-allow-origin" not in page.headers
    preflight = client.options("/docs", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in preflight.headers


# ── Compression ─────────────────────────────────────────────────────────────


def test_plotly_is_sent_gzipped_to_a_client_that_accepts_it(client):
    bundle = client.get(PLOTLY, headers=GZIP)
    assert bundle.headers["content-encoding"] == "gzip"
    assert int(bundle.headers["content-length"]) < len(PLOTLY_BYTES) / 2  # 4.8 MB → about 1.5 MB
    assert bundle.content == PLOTLY_BYTES  # httpx undid the gzip
    assert "accept-encoding" in bundle.headers["vary"].lower()
    assert "accept-ranges" not in bundle.headers  # no byte ranges of the compressed bytes


def test_a_client_that_does_not_accept_gzip_gets_the_file_as_is(client):
    bundle = client.get(PLOTLY, headers=IDENTITY)
    assert "content-encoding" not in bundle.headers
    assert int(bundle.headers["content-length"]) == len(PLOTLY_BYTES) and bundle.content == PLOTLY_BYTES


def test_a_static_file_is_compressed_once_for_every_client(monkeypatch):
    compressed: list[int] = []

    def counting_gzip(data: bytes) -> bytes:
        compressed.append(len(data))
        return gzip.compress(data)

    monkeypatch.setattr(headers, "_gzip", counting_gzip)
    fresh = create_app()  # a cold cache

    async def download(times: int) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=fresh)
        async with httpx.AsyncClient(transport=transport, base_url="http://gdviz.test", headers=GZIP) as http:
            return await asyncio.gather(*(http.get(PLOTLY) for _ in range(times)))

    answers = asyncio.run(download(6)) + asyncio.run(download(2))
    assert compressed == [len(PLOTLY_BYTES)]
    assert all(answer.headers["content-encoding"] == "gzip" and answer.content == PLOTLY_BYTES for answer in answers)


def test_a_gzipped_static_file_revalidates_and_a_range_gets_the_plain_bytes(client):
    css = GDVIZ_CSS.read_bytes()
    assert len(css) > 1024  # big enough to be compressed
    first = client.get("/static/css/gdviz.css", headers=GZIP)
    assert first.headers["content-encoding"] == "gzip" and first.content == css
    etag = first.headers["etag"]
    assert etag.startswith('W/"')  # other bytes than the file's: a weak validator
    again = client.get("/static/css/gdviz.css", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    part = client.get("/static/css/gdviz.css", headers={**GZIP, "Range": "bytes=0-99"})
    assert part.status_code == 206 and "content-encoding" not in part.headers and part.content == css[:100]
    plain = client.get("/static/css/gdviz.css", headers=IDENTITY)
    assert plain.headers["etag"] == etag.removeprefix("W/") and plain.content == css


def test_large_json_is_gzipped_and_small_json_is_not(client):
    run = client.post("/api/run", json=rosenbrock_run(steps=2000), headers=GZIP)
    assert run.status_code == 200 and run.headers["content-encoding"] == "gzip"
    assert int(run.headers["content-length"]) < 0.6 * len(run.content)
    assert [r["steps_taken"] for r in run.json()["runs"]] == [2000, 2000]
    refusal = client.post("/api/run", json={"steps": 1}, headers=GZIP)
    assert refusal.status_code == 422 and len(refusal.content) < 1024
    assert "content-encoding" not in refusal.headers and refusal.json()["detail"]


async def _stream_until_first_line(body: bytes) -> list[dict[str, Any]]:
    """Drive the app as a server would: POST a run to /api/run/stream with `Accept-Encoding: gzip`, and
    leave as soon as the first bytes of the answer arrive. Returns every message the app sent."""
    messages: list[dict[str, Any]] = []
    left = asyncio.Event()
    sent_request = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": body, "more_body": False}
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)
        if left.is_set():
            raise OSError("the client left")  # what an ASGI 2.4 server does on a send after a disconnect
        if message["type"] == "http.response.body" and message.get("body"):
            left.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/run/stream",
        "raw_path": b"/api/run/stream",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"gdviz.test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"accept-encoding", b"gzip, deflate, br"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("gdviz.test", 80),
        "state": {},
        "extensions": {},
    }
    with contextlib.suppress(ClientDisconnect):
        await asyncio.wait_for(app(scope, receive, send), timeout=60)
    return messages


def test_a_stream_is_never_compressed_and_its_first_line_leaves_before_it_ends():
    messages = asyncio.run(_stream_until_first_line(json.dumps(LONG_RUN).encode()))
    start = messages[0]
    assert start["type"] == "http.response.start" and start["status"] == 200
    response_headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    assert response_headers["content-type"] == "application/x-ndjson"
    assert "content-encoding" not in response_headers
    bodies = [m for m in messages if m["type"] == "http.response.body" and m.get("body")]
    first = bodies[0]
    assert first["more_body"] is True
    assert not first["body"].startswith(b"\x1f\x8b")  # not gzip
    assert json.loads(first["body"].split(b"\n")[0])["type"] == "start"
    # The client left after its first bytes: the run (200 000 steps) never got to its end.
    assert b'"done"' not in b"".join(m["body"] for m in bodies)


# ── Against a real server ───────────────────────────────────────────────────


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`python -m gdviz serve` on a free port; yields the port."""
    with running_server(tmp_path_factory.mktemp("headers")) as running:
        yield running.port


def test_a_real_server_sends_a_gzip_client_plain_ndjson_line_by_line(served):
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=30)
    try:
        began = time.monotonic()
        connection.request(
            "POST",
            "/api/run/stream",
            body=json.dumps(LONG_RUN),
            headers={"Content-Type": "application/json", "Accept-Encoding": "gzip"},
        )
        answer = connection.getresponse()
        assert answer.status == 200 and answer.getheader("content-type") == "application/x-ndjson"
        assert answer.getheader("content-encoding") is None
        arrivals = []
        while line := answer.readline():
            arrivals.append((time.monotonic() - began, json.loads(line)["type"]))
    finally:
        connection.close()
    assert arrivals[0][1] == "start" and arrivals[-1][1] == "done"
    first, last = arrivals[0][0], arrivals[-1][0]
    # Held back by a compressor, the first line would come with the last.
    assert first < last / 4, (first, last)


def test_a_real_server_gzips_plotly(served):
    request = urllib.request.Request(f"http://127.0.0.1:{served}{PLOTLY}", headers=GZIP)
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(answer.read()) == PLOTLY_BYTES
