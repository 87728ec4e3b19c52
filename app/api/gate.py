"""The one gate every compute endpoint goes through: cost, admission, cancellation, streaming.

A route costs its request (`Work`), refuses what is over the budget before any work
(422 naming the estimate and the limit), and hands the job to the gate: heavy work
waits for one of a few slots in a short queue (503 with Retry-After beyond it), light
work never waits, and a job whose client leaves stops at its next check. The README's
"Serving a room" section states the numbers; `Settings` holds them.
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple, TypeVar

import anyio
from fastapi import HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from ..engine import cost
from ..engine.errors import Cancelled, InvalidInput
from ..engine.nn.network import Architecture
from ..engine.nn.sharpness import eigenproblems
from ..engine.optimizers import OPTIMIZERS
from ..engine.plan import RunSettings
from ..settings import settings
from .convert import resolve_surface, settings_of_runs
from .errors import invalid_detail
from .json import FastJSONResponse
from .models.base import Refusal
from .models.runs import RunRequest
from .models.surfaces import GridRequest
from .models.train import TrainRequest

T = TypeVar("T")
Check = Callable[[], None]
PIECE_SECONDS = 0.03  # a stream's lines computed in one trip to a worker thread
# Status of an answer whose client left before it was ready (nobody reads it; as nginx logs it).
CLIENT_GONE = 499


class Work(NamedTuple):
    """What a request will cost: estimated seconds of one core, the JSON of its answer sent
    whole, and for each the request field a reader would change to reduce it."""

    seconds: float
    answer_bytes: int
    seconds_field: str
    bytes_field: str
    advice: str  # what to reduce, in words

    @property
    def heavy(self) -> bool:
        return self.seconds > settings.light_seconds


def run_work(request: RunRequest) -> Work:
    """Every optimizer's steps on the surface (Newton's by the size of the Hessian), and
    five numbers a kept point (six with `every`), more on mini-batches (the batch loss,
    and the batch's indices with `include_batches`) and with the optimizer's state."""
    surface = resolve_surface(request.surface)
    newton = [OPTIMIZERS[o.name].needs_hessian for o in request.optimizers]
    used = settings_of_runs(request, surface)
    kept = request.steps // request.every + 2
    per_point = 6 if request.every > 1 else 5
    # The optimizer's insides: grad, step, effective_lr and at most three state entries, a pair each.
    per_point += 12 if request.include_state else 0
    numbers = sum(kept * (per_point + _batch_numbers(s, request.include_batches)) for s in used)
    seconds = cost.run_seconds(surface, request.steps, newton, settings=used)
    # Recording the state costs about one more step (bench/bench_analyze.py: 1.5–1.9× on Adam).
    seconds *= 2.0 if request.include_state else 1.0
    seconds += cost.json_seconds(numbers)
    advice = "the steps or the number of optimizers (Newton's methods on a long formula cost the most)"
    return Work(seconds, cost.json_bytes(numbers), "steps", "every", advice)


def _batch_numbers(used: RunSettings, include_batches: bool) -> int:
    """What mini-batches add to each kept point: the batch loss, and the batch's indices when asked for."""
    if used.batch is None:
        return 0
    return 1 + (used.batch.size if include_batches else 0)


def train_work(request: TrainRequest) -> Work:
    """The training's steps, its records (a full-data pass and a boundary frame each) and the landscape;
    a race counts every run's training (with its own activation) and its records, and one landscape, which
    a race whose runs differ in activation or initial weights does not have."""
    archs = [Architecture((2, *m.hidden, 1), m.activation, "classification") for m in request.run_models()]
    arch, runs = archs[0], len(archs)
    points = request.dataset.n
    batch = min(request.batch_size or points, points)
    records = request.steps // request.record_every + 2
    frame = request.boundary.n**2 if request.boundary else 0
    plane = request.landscape.n**2 if request.landscape and request.one_start() else 0
    entries = request.optimizers if request.optimizers is not None else [request.optimizer]
    eigen = max(eigenproblems(o.name, o.params.model_dump()) for o in entries) if request.sharpness else 0
    extra = {"eigenproblems": eigen, "histograms": request.histograms}
    per_record = 4 + 2 * len(arch.sizes) + 2 * request.sharpness + 43 * len(request.model.hidden) * request.histograms
    per_record += arch.size * request.record_weights
    numbers = {
        "record_every": runs * records * per_record,
        "boundary.n": runs * records * frame,
        "landscape.n": plane,
    }

    def each(seconds: Callable[[Architecture], float]) -> float:
        return sum(seconds(a) for a in archs)

    parts = {
        "steps": request.steps * each(lambda a: cost.network_pass_seconds(a, batch, backward=True)),
        "record_every": records * each(lambda a: cost.network_pass_seconds(a, points, backward=True))
        + (records * each(lambda a: cost.sharpness_seconds(a, points, eigen)) if eigen else 0.0),
        "boundary.n": records * each(lambda a: cost.network_pass_seconds(a, frame, backward=False))
        + cost.json_seconds(numbers["boundary.n"]),
        "landscape.n": plane * cost.network_pass_seconds(arch, points, backward=False),
    }
    seconds = sum(
        cost.training_seconds(a, points, batch, request.steps, records, frame, plane if r == 0 else 0, **extra)
        for r, a in enumerate(archs)
    )
    seconds += cost.json_seconds(sum(numbers.values()))
    advice = "the steps, the network, the data, the records (record_every) or the boundary and landscape resolution"
    if runs > 1:
        advice = f"the number of optimizers ({runs}), {advice}"
    return Work(
        seconds,
        cost.json_bytes(sum(numbers.values()) + 3 * points),
        max(parts, key=parts.__getitem__),
        max(numbers, key=numbers.__getitem__),
        advice,
    )


def grid_work(request: GridRequest) -> Work:
    seconds = cost.grid_seconds(resolve_surface(request.surface), request.n**2) + cost.json_seconds(request.n**2)
    return Work(seconds, cost.json_bytes(request.n * (request.n + 2)), "n", "n", "the resolution n")


# The refusals every compute endpoint may answer, for /docs.
RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {
        "model": Refusal,
        "description": "Invalid input, or more work than the budget allows (`ctx`: `estimate` and `limit`).",
    },
    503: {
        "model": Refusal,
        "description": "Busy: the queue of heavy computations is full; try again after `Retry-After` seconds.",
    },
}


def cost_refusal(field: str, message: str, estimate: float, limit: float) -> HTTPException:
    detail = invalid_detail(InvalidInput(field, message))
    detail |= {"type": "too_much_work", "ctx": {"estimate": estimate, "limit": limit}}
    return HTTPException(status_code=422, detail=[detail])


def check_budget(work: Work, whole: bool) -> None:
    """Refuse, before any work, a request over the compute budget or (answered whole) the answer size."""
    if work.seconds > settings.max_work_seconds:
        message = (
            f"this request needs about {work.seconds:.3g} s of computation; the limit is "
            f"{settings.max_work_seconds:g} s. Reduce {work.advice}"
        )
        raise cost_refusal(work.seconds_field, message, work.seconds, settings.max_work_seconds)
    if whole and work.answer_bytes > settings.max_answer_bytes:
        megabytes, limit = work.answer_bytes / 2**20, settings.max_answer_bytes / 2**20
        message = (
            f"the answer would be about {megabytes:.3g} MB of JSON; the limit is {limit:g} MB. "
            "Keep fewer points or frames, reduce the steps or the resolution, or use the stream endpoint"
        )
        raise cost_refusal(work.bytes_field, message, work.answer_bytes, settings.max_answer_bytes)


class Busy(HTTPException):
    def __init__(self, why: str, retry_after: float | None = None) -> None:
        seconds = max(1, math.ceil(retry_after or settings.retry_after_seconds))
        detail = [{"loc": [], "msg": f"server busy: {why}; try again in {seconds} s", "type": "busy"}]
        super().__init__(status_code=503, detail=detail, headers={"Retry-After": str(seconds)})


class _Token:
    """Set when the client leaves (or the server stops); the job's `check` raises Cancelled then."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.waiting: anyio.CancelScope | None = None  # a wait for a slot, ended when the client leaves

    def cancel(self) -> None:
        self.event.set()
        if self.waiting is not None:
            self.waiting.cancel()

    def check(self) -> None:
        if self.event.is_set():
            raise Cancelled


class Gate:
    """Per worker process: a few heavy jobs at once, a short queue, a bounded number of streams."""

    def __init__(self) -> None:
        self.slots = anyio.CapacityLimiter(settings.heavy_slots)
        # Heavy work runs on threads of its own at a lower priority, so that on a busy machine
        # the kernel runs the event loop and light requests first (and other workers' too).
        self.heavy_threads = ThreadPoolExecutor(settings.heavy_slots, "gdviz-heavy", initializer=_lower_priority)
        self.heavy = 0  # heavy requests admitted (streams excepted): running or queued
        self.backlog = 0.0  # their estimated seconds, to refuse at once a wait that would be too long
        self.streams = 0
        self.tokens: set[_Token] = set()

    @property
    def full(self) -> bool:
        return self.heavy >= settings.heavy_slots + settings.heavy_queue

    @property
    def ready(self) -> bool:
        """A heavy request would be admitted now."""
        return not self.full and self.wait <= settings.queue_wait_seconds

    def cancel_all(self) -> None:
        """At shutdown: every job stops at its next check."""
        for token in list(self.tokens):
            token.cancel()

    def _admit(self, work: Work, stream: bool) -> _Token:
        # A stream takes a slot only while it computes a piece, never while it waits for its
        # reader: it counts against the streams, not against the queue of heavy requests.
        heavy = work.heavy and not stream
        if stream and self.streams >= settings.max_streams:
            raise Busy(f"{self.streams} streams are open")
        if heavy and self.full:
            raise Busy(f"{self.heavy} heavy computations are running or waiting", self.wait)
        if heavy and self.wait > settings.queue_wait_seconds:
            raise Busy(f"the computations before this one need about {self.wait:.0f} s", self.wait)
        self.heavy += heavy
        self.backlog += work.seconds if heavy else 0.0
        self.streams += stream
        token = _Token()
        self.tokens.add(token)
        return token

    @property
    def wait(self) -> float:
        """About how long a heavy request admitted now would wait for a slot."""
        return self.backlog / settings.heavy_slots

    def _leave(self, work: Work, stream: bool, token: _Token) -> None:
        heavy = work.heavy and not stream
        self.heavy -= heavy
        self.backlog -= work.seconds if heavy else 0.0
        self.streams -= stream
        self.tokens.discard(token)
        token.cancel()
        if (work.heavy or stream) and not self.tokens:
            _give_back_memory()

    async def _in_thread(self, work: Work, token: _Token, job: Callable[[Check], T], wait: float) -> T:
        """Run `job(check)` in a worker thread; heavy jobs first wait (at most `wait` s) for a slot."""
        if not work.heavy:
            return await anyio.to_thread.run_sync(job, token.check)
        with anyio.move_on_after(wait) as waited:
            token.waiting = waited
            await self.slots.acquire_on_behalf_of(token)
        token.waiting = None
        if waited.cancelled_caught:
            token.check()  # the client left while it waited
            raise Busy("no computation slot became free in time", self.wait)
        try:
            return await asyncio.wrap_future(self.heavy_threads.submit(job, token.check))
        finally:
            self.slots.release_on_behalf_of(token)

    async def answer(self, request: Request, work: Work, job: Callable[[Check], Any]) -> Response:
        """The whole answer of `job(check)`, as JSON; the job stops when the client leaves."""
        check_budget(work, whole=True)
        token = self._admit(work, stream=False)
        try:
            async with anyio.create_task_group() as watchers:
                watchers.start_soon(_watch_disconnect, request.receive, token)
                # Caught inside the group, so that a refusal leaves it as itself, not in an ExceptionGroup.
                try:
                    result, error = await self._in_thread(work, token, job, settings.queue_wait_seconds), None
                except Exception as caught:
                    result, error = None, caught
                watchers.cancel_scope.cancel()
        finally:
            self._leave(work, False, token)
        if isinstance(error, Cancelled):
            return Response(status_code=CLIENT_GONE)
        if error is not None:
            raise error
        return FastJSONResponse(result)

    async def prepare(self, work: Work, job: Callable[[Check], T]) -> tuple[T, _Token]:
        """Admit a stream and run its preparation (which may refuse it with a 422) in a thread."""
        check_budget(work, whole=False)
        token = self._admit(work, stream=True)
        try:
            return await self._in_thread(work, token, job, settings.queue_wait_seconds), token
        except BaseException:
            self._leave(work, True, token)
            raise

    def stream(self, work: Work, token: _Token, head: bytes, next_lines: Callable[[Check], bytes | None]) -> Response:
        """NDJSON: `head`, then `next_lines(check)` until it answers None, each call in a thread
        after the client took the previous lines (so a slow reader holds one piece, not the run)."""

        def piece(check: Check) -> bytes | None:
            # Lines for about PIECE_SECONDS in one trip to a worker thread: a trip costs a wait
            # for the interpreter lock, which heavy work in the same process makes long.
            parts: list[bytes] = []
            started = time.perf_counter()
            while time.perf_counter() - started < PIECE_SECONDS and (data := next_lines(check)) is not None:
                parts.append(data)
            return b"".join(parts) if parts else None

        async def lines() -> AsyncIterator[bytes]:
            yield head
            try:
                # Between two pieces a stream waits for its reader: only a computing piece holds a slot.
                while (data := await self._in_thread(work, token, piece, float("inf"))) is not None:
                    yield data
            except Cancelled:
                return

        return _PacedStream(lines(), token, lambda: self._leave(work, True, token))


class _PacedStream(StreamingResponse):
    """NDJSON that stops computing as soon as its reader leaves, and gives up on a reader
    who takes nothing for `send_timeout_seconds`."""

    def __init__(self, lines: AsyncIterator[bytes], token: _Token, leave: Callable[[], None]) -> None:
        super().__init__(lines, media_type="application/x-ndjson")
        self.token = token
        self.leave = leave

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The stream leaves the gate here, whatever happens: even a reader gone before the first
        # line (whose generator never started, so never ran a `finally` of its own) is counted out.
        try:
            async with anyio.create_task_group() as watchers:
                watchers.start_soon(_watch_disconnect, receive, self.token)
                try:
                    await self.stream_response(send)
                except OSError:  # the reader left while a piece was being sent
                    pass
                watchers.cancel_scope.cancel()
        finally:
            self.leave()

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        try:
            async for chunk in self.body_iterator:
                with anyio.fail_after(settings.send_timeout_seconds):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except TimeoutError:
            # The connection is closed without its last chunk: the reader sees a cut stream.
            await self.body_iterator.aclose()  # type: ignore[attr-defined]
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


HEAVY_NICENESS = 10


def _lower_priority() -> None:
    try:  # on Linux a thread has a priority of its own
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HEAVY_NICENESS)
    except (OSError, AttributeError):
        pass


def _give_back_memory() -> None:
    # When the last large computation ends, glibc keeps its freed arenas; trimming hands them
    # back to the system, so a room's memory falls again after a burst of streams.
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


async def _watch_disconnect(receive: Receive, token: _Token) -> None:
    # The body is read already: the next message is the disconnect (or the end of the response).
    while (await receive())["type"] != "http.disconnect":
        pass
    token.cancel()


gate = Gate()
