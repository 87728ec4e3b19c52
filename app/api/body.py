"""Bounds every request body: over the size limit is a 413 before it is read, too slow a 408."""

from __future__ import annotations

import anyio
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import settings
from .errors import http_error_handler

# A stalled body closes its connection. An oversized one does not: the server then skips the
# rest of the body without keeping it, and a client still sending is not reset (a reset can
# destroy the 413 before the client reads it).
_CLOSE = {"Connection": "close"}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"is larger than the limit of {limit} bytes")


class BodyTimeout(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(status_code=408, detail=f"its next part did not arrive within {seconds:g} s", headers=_CLOSE)


class BodyLimit:
    """Pure ASGI middleware: a request whose Content-Length is over `max_bytes` is answered 413
    without reading a byte; a chunked body is cut off as soon as its running total passes the
    limit; a body whose next piece takes more than `timeout` seconds is dropped (408).

    The refusals are raised from `receive`, as Starlette HTTP errors: FastAPI passes those on
    from its body reading, so the app's handler answers them in the shape of every refusal; for
    a plain ASGI reader that lets them through, the same answer goes out from here (if its
    response has not started: otherwise the connection is dropped).

    FastAPI decodes JSON on the event loop, after it has read the whole body through this
    `receive`: so no JSON is parsed before the size check, and at most `max_bytes` (1 MiB
    parses in a few milliseconds) is parsed without leaving the loop."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int | None = None,
        timeout: float | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = settings.max_body_bytes if max_bytes is None else max_bytes
        self.timeout = settings.body_timeout_seconds if timeout is None else timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(BodyTooLarge(self.max_bytes), scope, receive, send)
            return
        received, body_done, started = 0, False, False

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # after the body only a disconnect can come, whenever it does: no time limit
                return await receive()
            try:
                with anyio.fail_after(self.timeout):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(self.timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
                body_done = not message.get("more_body", False)
            else:
                body_done = True
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except Exception as error:
            refused = _refusal_in(error)
            if refused is None:
                raise
            if not started:  # otherwise the answer is under way: dropping the connection is all that is left
                await self._refuse(refused, scope, receive, send)

    @staticmethod
    async def _refuse(refused: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
        response = await http_error_handler(Request(scope, receive), refused)
        await response(scope, receive, send)


def _refusal_in(error: Exception) -> HTTPException | None:
    """The refusal `error` is, or the one inside a group of only refusals (a reader in a task group)."""
    if isinstance(error, BodyTooLarge | BodyTimeout):
        return error
    if isinstance(error, ExceptionGroup):
        matched, rest = error.split((BodyTooLarge, BodyTimeout))
        if matched is not None and rest is None:
            while isinstance(matched, ExceptionGroup):
                matched = matched.exceptions[0]
            return matched  # type: ignore[return-value]
    return None
