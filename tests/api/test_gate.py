"""The cost of a request is checked before any work: refusals name the estimate and the limit.
Health endpoints; the engine's chunks are sized so that a departed client is noticed quickly."""

from __future__ import annotations

import time

import anyio
import pytest

from gdviz import __version__
from gdviz.api.convert import PreparedRun
from gdviz.api.gate import _PacedStream, _Token, gate, run_work, train_work
from gdviz.api.models.runs import RunRequest
from gdviz.api.models.train import TrainRequest
from gdviz.settings import settings

from .conftest import ndjson, rosenbrock_run

# A 300-character formula the parser accepts: Newton on it costs about a millisecond a step.
LONG_FORMULA = "+".join(f"(x-{k})**2*(y+{k})**2*exp(-x*y/{k + 9})" for k in range(1, 12))[:300]


def _refusal(response) -> dict:
    assert response.status_code == 422, response.text
    (detail,) = response.json()["detail"]
    assert detail["type"] == "too_much_work"
    return detail


def test_the_class_breaking_training_is_refused_before_any_work(client):
    body = {"steps": 20000, "record_every": 10, "boundary": {"n": 200}}
    started = time.perf_counter()
    detail = _refusal(client.post("/api/train", json=body))
    assert time.perf_counter() - started < 1.0
    assert detail["loc"] == ["body", "boundary", "n"]
    assert detail["msg"].startswith("boundary.n: the answer would be about ")
    assert detail["ctx"]["estimate"] > 1e9 > detail["ctx"]["limit"] == settings.max_answer_bytes
    assert "MB of JSON; the limit is 64 MB" in detail["msg"]


def test_a_stream_is_refused_for_its_work_not_its_size(client):
    # The answer above, streamed, costs its client nothing it has not read: only its work counts.
    body = {"dataset": {"name": "spiral", "n": 2000}, "model": {"hidden": [64, 64, 64, 64]}, "steps": 20000}
    detail = _refusal(client.post("/api/train/stream", json=body))
    assert detail["msg"].startswith("steps: this request needs about ")
    assert detail["ctx"] == {"estimate": pytest.approx(detail["ctx"]["estimate"]), "limit": settings.max_work_seconds}
    assert detail["ctx"]["estimate"] > settings.max_work_seconds


def test_newton_on_a_long_formula_is_refused_for_its_work(client):
    assert 280 <= len(LONG_FORMULA) <= 300
    body = rosenbrock_run(surface={"expression": LONG_FORMULA}, steps=100_000, optimizers=[{"name": "newton"}] * 16)
    for path in ("/api/run", "/api/run/stream"):
        detail = _refusal(client.post(path, json=body))
        assert detail["loc"] == ["body", "steps"]
        assert f"the limit is {settings.max_work_seconds:g} s" in detail["msg"]
        assert detail["ctx"]["estimate"] > 5 * settings.max_work_seconds
    # One Newton run of 1 000 steps on it is fine.
    small = rosenbrock_run(surface={"expression": LONG_FORMULA}, steps=1000, optimizers=[{"name": "newton"}])
    assert client.post("/api/run", json=small).status_code == 200


def test_a_long_answer_is_refused_whole_but_streamed(client):
    body = rosenbrock_run(steps=100_000, optimizers=[{"name": "adam"}] * 16)
    detail = _refusal(client.post("/api/run", json=body))
    assert detail["loc"] == ["body", "every"]
    assert "use the stream endpoint" in detail["msg"]
    thinned = client.post("/api/run", json={**body, "steps": 2000, "every": 10})
    assert thinned.status_code == 200 and len(thinned.json()["runs"][15]["x"]) == 201


def test_estimates_depend_on_the_request_alone():
    run = RunRequest.model_validate(
        rosenbrock_run(surface={"expression": LONG_FORMULA}, optimizers=[{"name": "newton"}])
    )
    assert run_work(run) == run_work(run)
    # Newton costs more than a first-order method on the same formula, and a longer formula more than a short one.
    first_order = RunRequest.model_validate(rosenbrock_run(surface={"expression": LONG_FORMULA}))
    short = RunRequest.model_validate(rosenbrock_run(surface={"expression": "x**2 + y**2"}))
    assert run_work(run).seconds > run_work(first_order).seconds / 2 > run_work(short).seconds / 2
    wide = TrainRequest.model_validate({"model": {"hidden": [64, 64]}})
    narrow = TrainRequest.model_validate({"model": {"hidden": [4]}})
    assert train_work(wide).seconds > 5 * train_work(narrow).seconds


def test_a_chunk_of_newton_on_a_long_formula_is_short():
    """Chunks are where a departed client is noticed: a slow step makes short chunks."""
    request = RunRequest.model_validate(
        rosenbrock_run(surface={"expression": LONG_FORMULA}, steps=20_000, optimizers=[{"name": "newton"}])
    )
    prepared = PreparedRun(request)
    sizes = [len(c.loss) - 1 for _, c in zip(range(12), prepared.chunks(prepared.plan.batches[0]), strict=False)]
    assert max(sizes) < 4096
    cheap = PreparedRun(RunRequest.model_validate(rosenbrock_run(steps=20_000)))
    cheap_sizes = [len(c.loss) - 1 for c in cheap.chunks(cheap.plan.batches[0])]
    assert max(cheap_sizes) > 4 * max(sizes)


def test_health_and_version(client):
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    assert client.get("/api/version").json() == {"version": __version__}


def test_a_stream_ends_with_done(client):
    lines = ndjson(client.post("/api/run/stream", json=rosenbrock_run(steps=50)).text)
    assert lines[0]["type"] == "start" and lines[-1] == {"type": "done"}
    assert sum(len(line["x"]) for line in lines if line["type"] == "chunk") == 2 * 51


def test_every_stream_leaves_the_gate(client):
    for path, body in (("/api/run/stream", rosenbrock_run(steps=50)), ("/api/train/stream", {"steps": 20})):
        assert ndjson(client.post(path, json=body).text)[-1] == {"type": "done"}
    assert gate.streams == 0 and not gate.tokens


def test_a_stream_whose_reader_is_gone_before_its_first_line_leaves_the_gate():
    left = []

    async def lines():
        yield b"never sent\n"

    async def gone(message):
        raise OSError("the reader left")

    async def disconnected():
        return {"type": "http.disconnect"}

    response = _PacedStream(lines(), _Token(), lambda: left.append(1))
    anyio.run(response, {"type": "http"}, disconnected, gone)
    assert left == [1]
