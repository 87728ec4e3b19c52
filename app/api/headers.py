"""Response headers of a server shared by a room: CSP and framing, CORS for the JSON API, and compression."""

from __future__ import annotations

import zlib

import anyio
import anyio.to_thread
from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts and styles come from the app itself; Plotly needs no 'unsafe-eval' (chromium reports no violation).
# Styles may also be inline: Plotly, Swagger UI and Redoc set them from their scripts. Images may be data: or
# blob: URLs (Plotly's PNG export draws its SVG through an image of one). Redoc runs its search index in a
# worker it starts from a blob: URL. Sent on every response, not only pages: it costs a few bytes and also
# covers a JSON or SVG file opened on its own.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'"
)
CSP = f"{_POLICY}; frame-ancestors 'self'"
CSP_FRAMABLE = f"{_POLICY}; frame-ancestors *"
# Views made for slides and other sites' iframes; every other page refuses to be framed elsewhere.
FRAMABLE = ("/embed", "/network/embed", "/backprop/embed", "/trainability/embed", "/sweep/embed", "/present")
CORS_PATHS = ("/api", "/livez", "/readyz")
# NDJSON is read line by line while it computes: compression must never hold a line back.
NOT_COMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/x-ndjson")
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


class SecurityHeaders:
    """Adds the CSP, framing, nosniff and referrer headers to every response (a route's own value wins)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
        if _under(scope["path"], FRAMABLE):
            added["Content-Security-Policy"] = CSP_FRAMABLE
        else:
            added["Content-Security-Policy"] = CSP
            added["X-Frame-Options"] = "SAMEORIGIN"  # for browsers that predate frame-ancestors

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ApiCors:
    """Starlette's CORSMiddleware on the JSON API's paths only: any origin may call it, without credentials."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["content-type"]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = scope["type"] == "http" and _under(scope["path"], CORS_PATHS)
        await (self.cors if api else self.app)(scope, receive, send)


class StaticGzipCache:
    """Gzips each static file once per version (its ETag) and sends the copy kept in memory to later clients:
    a room that opens the page at once must not compress Plotly's 4.8 MB once per student (~0.15 s of CPU each).
    What it leaves alone (ranges, conditional answers, big or binary files) GZipMiddleware handles."""

    def __init__(self, app: ASGIApp, prefix: str = "/static/", max_file_bytes: int = 16 * 2**20) -> None:
        self.app = app
        self.prefix = prefix
        self.max_file_bytes = max_file_bytes
        self.entries: dict[str, tuple[str, bytes]] = {}  # path -> (ETag, gzipped body): one version per file
        self.filling: dict[str, anyio.Semaphore] = {}  # one compression at a time per path; the rest wait for it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(self.prefix)
            and "gzip" in Headers(scope=scope).get("accept-encoding", "")
        )
        if not wanted:
            await self.app(scope, receive, send)
            return
        # The file's bytes must come through `send` to be compressed, not as a path for the server to send.
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        download = _Download(self, scope["path"], send)
        try:
            await self.app({**scope, "extensions": extensions}, receive, download.send)
        finally:
            download.release()


class _Download:
    """One GET of a static file through the cache: passed on as is, answered from the cache, or compressed into it."""

    def __init__(self, cache: StaticGzipCache, path: str, send: Send) -> None:
        self.cache = cache
        self.path = path
        self.client_send = send
        self.mode = "pass"
        self.start: Message = {}
        self.chunks: list[bytes] = []
        self.etag = ""
        self.holding: anyio.Semaphore | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self.on_start(message)
        elif self.mode == "pass" or message["type"] != "http.response.body":
            await self.client_send(message)
        elif self.mode == "fill":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = await anyio.to_thread.run_sync(_gzip, b"".join(self.chunks))
                self.chunks = []
                self.cache.entries[self.path] = (self.etag, body)
                self.release()
                await self.send_gzip(body)
        # mode "hit": the cached copy went out with the start; the app's own read of the file is dropped.

    async def on_start(self, message: Message) -> None:
        headers = Headers(raw=message["headers"])
        length = int(headers.get("content-length", "-1"))
        self.etag = headers.get("etag", "")
        cacheable = (
            message["status"] == 200
            and self.etag
            and "content-encoding" not in headers
            and 1024 <= length <= self.cache.max_file_bytes
            and headers.get("content-type", "").startswith(_COMPRESSIBLE)
        )
        if not cacheable:
            await self.client_send(message)
            return
        self.start = message
        body = self.cached()
        if body is None:
            self.holding = self.cache.filling.setdefault(self.path, anyio.Semaphore(1))
            await self.holding.acquire()
            body = self.cached()  # filled by the download that held it first
        if body is None:
            self.mode = "fill"
            return
        self.release()
        self.mode = "hit"
        await self.send_gzip(body)

    def cached(self) -> bytes | None:
        etag, body = self.cache.entries.get(self.path, ("", b""))
        return body if etag == self.etag else None

    async def send_gzip(self, body: bytes) -> None:
        headers = MutableHeaders(scope=self.start)
        headers["content-encoding"] = "gzip"
        headers["content-length"] = str(len(body))
        # Other bytes than the file's: a weak ETag (StaticFiles still matches it) and no byte ranges of them.
        headers["etag"] = "W/" + self.etag.removeprefix("W/")
        if "accept-ranges" in headers:
            del headers["accept-ranges"]
        headers.add_vary_header("Accept-Encoding")
        await self.client_send(self.start)
        await self.client_send({"type": "http.response.body", "body": body, "more_body": False})

    def release(self) -> None:
        if self.holding is not None:
            self.holding.release()
            self.holding = None


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # done once per file: the smallest
    return compressor.compress(data) + compressor.flush()


def add_header_middleware(app: FastAPI) -> None:
    """Wires the middleware; Starlette wraps each one added around the ones before it."""
    app.add_middleware(StaticGzipCache)
    # Level 1, not Starlette's 9: JSON of floats comes out only ~5-10% bigger for a fifth of the CPU (a typical
    # run's 160 kB answer: 3 ms instead of 11 ms at level 6; a 35 MB one: 0.3 s instead of 2.5 s).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1, exclude_content_types=NOT_COMPRESSED)
    app.add_middleware(ApiCors)
    app.add_middleware(SecurityHeaders)
