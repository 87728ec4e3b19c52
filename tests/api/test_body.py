"""Request bodies and refusals: every malformed body and every HTTP error answers the one
`{"detail": [{"loc", "msg", "type"}]}` shape; bodies over the limit are a 413 before they are read
(chunked ones as soon as they pass it); a stalled body is a 408; a 422 stays small."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException

from gdviz.api.body import BodyLimit
from gdviz.api.errors import MAX_ENTRIES, http_error_handler
from gdviz.main import app
from gdviz.settings import settings

from .conftest import rosenbrock_run

JSON = {"content-type": "application/json"}
MiB = 1 << 20


def body_error(msg: str, kind: str) -> dict[str, Any]:
    return {"detail": [{"loc": ["body"], "msg": msg, "type": kind}]}


MALFORMED = [
    # (raw body, headers, expected answer)
    (
        b"{not json",
        JSON,
        body_error(
            "body: is not valid JSON: Expecting property name enclosed in double quotes at character 1", "json_invalid"
        ),
    ),
    (
        b'{"steps": 5',
        JSON,
        body_error("body: is not valid JSON: Expecting ',' delimiter at character 11", "json_invalid"),
    ),
    (b'{"surface": "\xff\xfe"}', JSON, body_error("body: is not valid UTF-8 text (byte 13)", "body_encoding")),
    (b"[" * 5000 + b"]" * 5000, JSON, body_error("body: is nested too deeply", "json_too_deep")),
    (b'{"surface": ' * 3000 + b"1" + b"}" * 3000, JSON, body_error("body: is nested too deeply", "json_too_deep")),
    (
        b'{"steps": ' + b"7" * 5000 + b"}",
        JSON,
        body_error(f"body: has an integer of more than {sys.get_int_max_str_digits()} digits", "json_int_too_long"),
    ),
    (
        b'{"surface": {"name": "rosenbrock"}}',
        {"content-type": "text/plain"},
        body_error("body: must be JSON sent with Content-Type: application/json (got 'text/plain')", "content_type"),
    ),
    (
        b"surface=rosenbrock",
        {"content-type": "application/x-www-form-urlencoded"},
        body_error(
            "body: must be JSON sent with Content-Type: application/json (got 'application/x-www-form-urlencoded')",
            "content_type",
        ),
    ),
    (b"{}", {}, body_error("body: must be JSON sent with Content-Type: application/json (got none)", "content_type")),
    (b"", JSON, body_error("body: is missing: send a JSON object with Content-Type: application/json", "missing")),
    (b"[1, 2]", JSON, body_error("body: must be a JSON object", "model_attributes_type")),
]


@pytest.mark.parametrize("path", ["/api/run", "/api/run/stream", "/api/grid", "/api/train", "/api/train/stream"])
@pytest.mark.parametrize(("raw", "headers", "expected"), MALFORMED, ids=[e["detail"][0]["type"] for *_, e in MALFORMED])
def test_a_malformed_body_is_a_422_of_the_one_shape(client, path, raw, headers, expected):
    response = client.post(path, content=raw, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json() == expected


def test_not_found_and_method_not_allowed_have_the_shape(client):
    missing = client.get("/api/nope")
    assert missing.status_code == 404
    assert missing.json() == {"detail": [{"loc": ["path"], "msg": "path: nothing at /api/nope", "type": "not_found"}]}
    static = client.get("/static/nope.js")
    assert static.status_code == 404
    assert static.json()["detail"] == [
        {"loc": ["path"], "msg": "path: nothing at /static/nope.js", "type": "not_found"}
    ]
    wrong = client.get("/api/run")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert wrong.json() == {
        "detail": [
            {"loc": ["method"], "msg": "method: GET is not allowed here (allowed: POST)", "type": "method_not_allowed"}
        ]
    }


def _raising(exc: Exception) -> TestClient:
    """A tiny app with gdviz's handler and one route that raises `exc`."""
    small = FastAPI()
    small.add_exception_handler(StarletteHTTPException, http_error_handler)

    @small.get("/raise")
    async def raise_it() -> None:
        raise exc

    return TestClient(small)


def test_an_http_error_keeps_its_headers_and_gets_the_shape():
    response = _raising(HTTPException(503, detail="busy", headers={"Retry-After": "7"})).get("/raise")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    assert response.json() == {"detail": [{"loc": ["request"], "msg": "request: busy", "type": "service_unavailable"}]}
    bare = _raising(HTTPException(503)).get("/raise")
    assert bare.json() == {
        "detail": [{"loc": ["request"], "msg": "request: service unavailable", "type": "service_unavailable"}]
    }


def test_a_list_detail_is_passed_on_without_inputs_and_with_its_ctx():
    entry = {
        "loc": ["body", "steps"],
        "msg": "steps: too much work",
        "type": "too_much_work",
        "ctx": {"estimate": 90.0, "limit": 60.0},
        "input": "x" * 100_000,
    }
    response = _raising(HTTPException(422, detail=[entry] * 50)).get("/raise")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert len(detail) == MAX_ENTRIES + 1
    assert detail[0] == {k: v for k, v in entry.items() if k != "input"}
    assert detail[-1] == {"loc": ["body"], "msg": "body: 30 more errors not shown", "type": "too_many_errors"}


def test_a_large_content_length_is_a_413(client):
    response = client.post("/api/run", content=b" " * (MiB + 1), headers=JSON)
    assert response.status_code == 413
    assert response.headers.get("connection") != "close"  # the server skips the rest; closing could reset
    assert response.json() == body_error(f"body: is larger than the limit of {MiB} bytes", "body_too_large")
    # at the limit, the body is read and parsed as usual
    exactly = json.dumps(rosenbrock_run(steps=5)).encode()
    response = client.post("/api/run", content=exactly + b" " * (MiB - len(exactly)), headers=JSON)
    assert response.status_code == 200, response.text


def test_a_2_mb_body_of_unknown_keys_answers_a_few_hundred_bytes(client):
    big = json.dumps({f"unknown_key_{i}": i for i in range(100_000)}).encode()
    assert len(big) > 2.3e6
    response = client.post("/api/run", content=big, headers=JSON)
    assert response.status_code == 413
    assert len(response.content) < 10_000
    # under the size limit, the 422 is as short
    under = json.dumps({**rosenbrock_run(steps=5), **{f"k{i}": 0 for i in range(75_000)}}).encode()
    assert 0.9 * MiB < len(under) < MiB
    response = client.post("/api/run", content=under, headers=JSON)
    assert response.status_code == 422
    assert len(response.content) < 10_000
    assert response.json() == body_error("body: has 75000 unknown keys (k0, k1, k2, …)", "extra_forbidden")


def test_many_errors_are_capped(client):
    bad = {"name": "adam", "params": {"lr": True, "eps": "1"}}
    response = client.post("/api/run", json=rosenbrock_run(optimizers=[bad] * 16))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert len(detail) == MAX_ENTRIES + 1
    assert detail[0] == {
        "loc": ["body", "optimizers", 0, "adam", "params", "lr"],
        "msg": "optimizers[0].params.lr: Input should be a valid number",
        "type": "float_type",
    }
    assert detail[-1] == {"loc": ["body"], "msg": "body: 12 more errors not shown", "type": "too_many_errors"}


def test_a_long_unknown_key_is_not_echoed(client):
    response = client.post("/api/run", json={**rosenbrock_run(steps=5), "k" * 500_000: 1})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "k" * 64 + "…"]
    assert error["msg"] == "k" * 64 + "…: Extra inputs are not permitted"


# --- the middleware, driven through ASGI directly -------------------------------------------------------

Message = dict[str, Any]


def _scope(headers: dict[str, str], path: str = "/api/run") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "server": ("testserver", 80),
        "client": ("testclient", 1234),
    }


class Exchange:
    """One request through an ASGI app: `pieces` feeds `receive`, `sent` collects what the app sends."""

    def __init__(self, pieces: Callable[[int], Awaitable[Message]]) -> None:
        self.pieces = pieces
        self.calls = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        self.calls += 1
        return await self.pieces(self.calls)

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return next(m["status"] for m in self.sent if m["type"] == "http.response.start")

    @property
    def json(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body"))

    def run(self, asgi: Any, headers: dict[str, str], seconds: float = 5.0) -> None:
        async def main() -> None:
            with anyio.fail_after(seconds):
                await asgi(_scope(headers), self.receive, self.send)

        anyio.run(main)


def test_a_large_content_length_is_refused_without_reading_a_byte():
    async def never(call: int) -> Message:
        raise AssertionError("the body was read")

    exchange = Exchange(never)
    exchange.run(app, {"content-type": "application/json", "content-length": str(10 * MiB)})
    assert exchange.status == 413
    assert exchange.json == body_error(f"body: is larger than the limit of {MiB} bytes", "body_too_large")
    assert exchange.calls == 0


CHUNK = 64 * 1024


async def _endless_chunks(call: int) -> Message:
    return {"type": "http.request", "body": b" " * CHUNK, "more_body": True}


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit():
    exchange = Exchange(_endless_chunks)
    exchange.run(app, {"content-type": "application/json", "transfer-encoding": "chunked"})
    assert exchange.status == 413
    assert exchange.json == body_error(f"body: is larger than the limit of {MiB} bytes", "body_too_large")
    assert exchange.calls == settings.max_body_bytes // CHUNK + 1  # the piece that passed it, and no more


async def _reader(scope: Any, receive: Any, send: Any) -> None:
    """A plain ASGI app that reads the whole body, then answers its length."""
    total = 0
    while True:
        message = await receive()
        total += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(total).encode()})


def test_the_middleware_answers_for_a_reader_that_is_not_fastapi():
    exchange = Exchange(_endless_chunks)
    exchange.run(BodyLimit(_reader, max_bytes=100_000), {})
    assert exchange.status == 413
    assert exchange.json == body_error("body: is larger than the limit of 100000 bytes", "body_too_large")
    assert exchange.calls == 2


async def _stalls_after_one_piece(call: int) -> Message:
    if call == 1:
        return {"type": "http.request", "body": b'{"surface": ', "more_body": True}
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


@pytest.mark.parametrize("inner", ["gdviz", "plain"])
def test_a_stalled_body_is_dropped_with_a_408(inner):
    exchange = Exchange(_stalls_after_one_piece)
    asgi = BodyLimit(app if inner == "gdviz" else _reader, timeout=0.2)
    exchange.run(asgi, {"content-type": "application/json"}, seconds=3.0)
    assert exchange.status == 408
    assert exchange.json == body_error("body: its next part did not arrive within 0.2 s", "body_timeout")
    assert exchange.calls == 2


def test_after_the_body_receive_waits_without_a_limit():
    """Once the body is in, the next message is the client leaving, whenever it does (the gate
    listens for it while the work runs): no timeout applies to it."""
    seen: list[Message] = []

    async def pieces(call: int) -> Message:
        if call == 1:
            return {"type": "http.request", "body": b"{}", "more_body": False}
        await anyio.sleep(0.5)
        return {"type": "http.disconnect"}

    async def waits_for_disconnect(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await receive())
        seen.append(await receive())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    exchange = Exchange(pieces)
    exchange.run(BodyLimit(waits_for_disconnect, timeout=0.1), {})
    assert [m["type"] for m in seen] == ["http.request", "http.disconnect"]
    assert exchange.status == 204


def test_a_body_that_keeps_coming_is_not_timed_out():
    """The limit is per piece: a body that arrives slowly but steadily is read whole."""

    async def pieces(call: int) -> Message:
        await anyio.sleep(0.05)
        return {"type": "http.request", "body": b"x" * 10, "more_body": call < 10}

    exchange = Exchange(pieces)
    exchange.run(BodyLimit(_reader, timeout=0.2), {})
    assert exchange.status == 200
    assert exchange.json == 100
