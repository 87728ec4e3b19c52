"""Benchmark of the tiny-network engine (app/engine/nn) against torch (see bench/README.md).

Run from the repository root:  python bench/bench_nn.py  [--repeats N] [--stream-tries N] [--largest-steps N]

1. Training step: a 2-16-16-1 tanh network on 256 `moons` points (noise 0.1, seed 0),
   full batch, Adam lr 0.01, 2 000 steps, float64, the same xavier initial weights on
   both sides. Ours is `train.train(TrainSpec(...))` consumed fully, with records only
   at steps 0 and 2 000 and no boundary or landscape; an extra line times it with the
   page's defaults (a record every 10 steps, a 50 × 50 boundary, a 21 × 21 landscape).
   Torch is the usual loop (zero_grad, forward, BCEWithLogitsLoss, backward, step) on a
   Sequential of Linear/Tanh whose weights are copied from ours, on 1 thread (its fastest
   setting for arrays this small, and steady on a busy machine: the ratio's reference);
   an extra line runs it on torch's default thread count, at most `--torch-budget`
   seconds per run. Both sides must end at the same loss (checked).
2. Largest network: the largest training the limits allow (spiral, 2 000 points, hidden
   [64, 64, 64, 64] tanh, adam, 20 000 steps, full batch) end to end as /api/train does it
   (`PreparedTraining(...).result()` and its JSON), once bare (records at steps 0 and
   20 000 only, no boundary, no landscape) and once with the API's defaults (a record every
   10 steps, a 50 × 50 boundary, a 21 × 21 landscape). `--largest-steps N` trains N steps
   instead and extrapolates to 20 000 (0 skips it; the landscape, a fixed cost, is scaled too:
   an upper bound); target ≤ 60 s. Run once, not best of.
3. First record over HTTP: the real server (`python -m gdviz serve`, one worker, a free
   loopback port, via bench_api.running_server), POST /api/train/stream with a typical
   request (moons 200 points, hidden [8, 8], adam, 2 000 steps, record_every 10, default
   boundary and landscape): time from sending the request to the arrival of the first
   `"type": "record"` line, median of `--stream-tries` after one warm-up; every stream
   is then read to its end and checked (201 records, a landscape, status, done).
4. Trainability map: a 2-8-1 tanh network on 200 `sine` points (noise 0.1, seed 0), MSE, full
   batch, SGD at a base lr of 0.1, 200 steps, xavier seed 0: a 64 × 64 map of per-layer rates,
   lr_scale[0] × lr_scale[1] each on numpy.geomspace(1e-2, 1e2, 64), so 4 096 networks (about a
   third diverge). Ours is the engine's `sweep.sweep(...)` (records at 0 and 200 only); torch
   trains the 4 096 networks by hand as one batch, float64, 1 thread: the same initial weights,
   (C, N, 2) @ (C, 2, 8) with `baddbmm`, tanh, (C, N, 8) @ (C, 8, 1), the mean squared error of
   each network summed, `autograd.grad`, then θ ← θ − rate·g with each cell's rate per layer, and
   train()'s rule for divergence (a gradient that is not finite, or a weight beyond ±1e8: the cell
   stops at its last good weights and leaves the batch, as ours do). Both sides' statuses and final
   losses are compared cell by cell (`--map-size N` for an N × N map, 0 skips it; run once each).

Each compute figure is the best of `--repeats` (default 3); the sides alternate inside
each repeat (torch on its default threads runs after all the others). Building the
network, the dataset and the torch model is not timed. Our lines also print the CPU
time of the process, all threads included: above the wall time, BLAS ran threaded.
Ratios are torch time / our time: above 1 means we are faster.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_api import (
    REQUEST_TIMEOUT,
    NdjsonStream,
    install_signal_handlers,
    load_average,
    run_async,
    running_server,
)

from gdviz.api.gate import train_work
from gdviz.api.json import dumps
from gdviz.api.models.train import TrainRequest
from gdviz.api.training import PreparedTraining
from gdviz.engine.errors import no_check
from gdviz.engine.nn.datasets import Dataset, make_dataset
from gdviz.engine.nn.landscape import Landscape
from gdviz.engine.nn.network import Architecture, initialize, unflatten
from gdviz.engine.nn.sweep import Axis, cell_rates, sweep
from gdviz.engine.nn.train import Record, TrainSpec, train
from gdviz.settings import settings

HIDDEN = (16, 16)
ACTIVATION = "tanh"
POINTS, NOISE, DATA_SEED = 256, 0.1, 0
INIT_SEED = 0
LR = 0.01
STEPS = 2_000
PAGE = {"record_every": 10, "boundary_n": 50, "landscape": (21, 1.0, "pca")}  # what a page asks (SPEC §5 defaults)

STREAM_REQUEST = {
    "dataset": {"name": "moons", "n": 200, "noise": 0.1, "seed": 0},
    "model": {"hidden": [8, 8], "activation": "tanh", "init": "xavier", "seed": 0},
    "optimizer": {"name": "adam", "params": {"lr": 0.01}},
    "steps": 2000,
    "record_every": 10,
}
STREAM_RECORDS = 2000 // 10 + 1
FIRST_RECORD_TARGET_MS = 50.0
RATIO_TARGET = 5.0


# --- 1. training steps ----------------------------------------------------------------


@dataclass
class Ours:
    seconds: float  # for STEPS steps
    final_loss: float
    final_theta: np.ndarray
    records: int
    landscape_s: float = 0.0  # from the last record to the landscape item
    cpu_s: float = 0.0  # CPU time of this process meanwhile, all threads (BLAS's included)

    @property
    def us(self) -> float:
        return self.seconds / STEPS * 1e6


def ours_train(spec: TrainSpec, data: Dataset) -> Ours:
    c0, t0 = time.process_time(), time.perf_counter()
    items, last_record_at, landscape_at = [], t0, None
    for item in train(spec, data):  # consumed fully: records, the landscape (if any), the status
        items.append(item)
        if isinstance(item, Record):
            last_record_at = time.perf_counter()
        elif isinstance(item, Landscape):
            landscape_at = time.perf_counter()
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    records = [item for item in items if isinstance(item, Record)]
    if items[-1] != "max_steps" or records[-1].step != STEPS:
        raise RuntimeError(f"our training ended with {items[-1]!r} at step {records[-1].step}")
    landscape_s = 0.0 if landscape_at is None else landscape_at - last_record_at
    return Ours(seconds, records[-1].loss, records[-1].theta, len(records), landscape_s, cpu_s)


def torch_model(arch: Architecture, theta0: np.ndarray) -> torch.nn.Sequential:
    """Linear/Tanh layers with our weights: our W is (fan_in, fan_out), torch's weight (out, in)."""
    modules: list[torch.nn.Module] = []
    for i, layer in enumerate(unflatten(arch, theta0)):
        linear = torch.nn.Linear(*layer.W.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.W.T))
            linear.bias.copy_(torch.from_numpy(layer.b))
        modules.append(linear)
        if i < len(arch.sizes) - 2:
            modules.append(torch.nn.Tanh())
    return torch.nn.Sequential(*modules)


def torch_theta(model: torch.nn.Sequential) -> np.ndarray:
    """The model's weights in our flat layout (W row-major as (fan_in, fan_out), then b, per layer)."""
    parts = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            parts += [module.weight.detach().numpy().T.ravel(), module.bias.detach().numpy()]
    return np.concatenate(parts)


@dataclass
class Torch:
    seconds: float  # for `steps` steps
    steps: int  # STEPS, or fewer when the time budget ran out
    final_loss: float
    final_theta: np.ndarray

    @property
    def us(self) -> float:
        return self.seconds / self.steps * 1e6


def torch_train(
    arch: Architecture, theta0: np.ndarray, x: torch.Tensor, y: torch.Tensor, threads: int, budget_s: float = math.inf
) -> Torch:
    """The usual loop on `threads` threads; stops early (and says so in `steps`) after `budget_s` seconds."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        model = torch_model(arch, theta0)
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        t0 = time.perf_counter()
        done = 0
        while done < STEPS:
            for _ in range(100):
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
            done += 100
            if time.perf_counter() - t0 > budget_s:
                break
        seconds = time.perf_counter() - t0
        with torch.no_grad():
            final_loss = float(loss_fn(model(x), y))
    finally:
        torch.set_num_threads(previous)
    return Torch(seconds, done, final_loss, torch_theta(model))


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


@dataclass
class StepResults:
    ours_us: float
    page_us: float
    torch_us: float  # 1 thread
    torch_default_us: float | None  # torch's default thread count, when above 1
    torch_threads: int


def step_case(repeats: int, budget_s: float) -> StepResults:
    data = make_dataset("moons", POINTS, NOISE, DATA_SEED)
    arch = Architecture((2, *HIDDEN, 1), ACTIVATION, data.task)
    theta0 = initialize(arch, "xavier", INIT_SEED)
    bare = TrainSpec(arch, theta0, "adam", {"lr": LR}, STEPS, None, record_every=STEPS, boundary_n=None, landscape=None)
    page = bare._replace(**PAGE)
    x = torch.from_numpy(data.x)
    y = torch.from_numpy(data.y)[:, None]  # (N, 1) like the model's output
    threads = torch.get_num_threads()
    sides = {
        "ours": lambda: ours_train(bare, data),
        "page": lambda: ours_train(page, data),
        "torch": lambda: torch_train(arch, theta0, x, y, 1),
    }
    best: dict[str, Ours | Torch] = {}

    def keep(name: str, result: Ours | Torch) -> None:
        if name not in best or result.us < best[name].us:
            best[name] = result

    for _ in range(repeats):
        for name, go in sides.items():
            keep(name, go())
    # Last, so that its worker threads (which may spin after each step) cannot slow the others.
    if threads > 1:
        for _ in range(repeats):
            keep("torch_default", torch_train(arch, theta0, x, y, threads, budget_s))

    ours, pg, th = best["ours"], best["page"], best["torch"]
    ours_us, page_us = ours.us, pg.us
    print(
        f"ours  (records at 0 and {STEPS}: {ours.records}, no boundary, no landscape): "
        f"{ours_us:8.2f} µs/step  ({ours.seconds * 1e3:.1f} ms, CPU {ours.cpu_s * 1e3:.0f} ms)"
    )
    print(
        f"ours, page defaults (record_every {PAGE['record_every']}: {pg.records} records, boundary "
        f"{PAGE['boundary_n']}², landscape {PAGE['landscape'][0]}²): {page_us:8.2f} µs/step  "
        f"({pg.seconds * 1e3:.1f} ms, of which landscape {pg.landscape_s * 1e3:.1f} ms; CPU {pg.cpu_s * 1e3:.0f} ms)"
    )
    print(f"torch, 1 thread: {th.us:8.2f} µs/step  (ratio torch/ours {th.us / ours_us:.2f}×)")
    default_us = None
    if "torch_default" in best:
        td = best["torch_default"]
        default_us = td.us
        cut = "" if td.steps == STEPS else f", best run stopped after {td.steps} steps ({budget_s:.0f} s budget)"
        print(
            f"torch, {threads} threads (its default): {td.us:8.2f} µs/step  "
            f"(ratio torch/ours {td.us / ours_us:.2f}×{cut})"
        )
    theta_diff = float(np.max(np.abs(ours.final_theta - th.final_theta)))
    print(
        f"final loss: ours {ours.final_loss:.15g}, torch {th.final_loss:.15g}, relative difference "
        f"{rel(ours.final_loss, th.final_loss):.1e}; page run {pg.final_loss:.15g}; "
        f"max |θ_ours − θ_torch| {theta_diff:.1e}"
    )
    if rel(ours.final_loss, th.final_loss) > 1e-6 or rel(pg.final_loss, ours.final_loss) > 1e-12:
        raise RuntimeError("ours and torch did not train the same network to the same loss")
    return StepResults(ours_us, page_us, th.us, default_us, threads)


# --- 2. the largest network ------------------------------------------------------------

LARGEST_STEPS = 20_000
LARGEST_TARGET_S = 60.0
LARGEST = {
    "dataset": {"name": "spiral", "n": 2000, "noise": 0.1, "seed": 0},
    "model": {"hidden": [64, 64, 64, 64], "activation": "tanh", "init": "xavier", "seed": 0},
    "optimizer": {"name": "adam", "params": {"lr": 0.01}},
}


def largest_once(steps: int, bare: bool) -> tuple[float, float, int]:
    """(seconds, seconds to the first record, records) of one training as /api/train runs it, JSON included."""
    body = {**LARGEST, "steps": steps}
    if bare:
        body |= {"record_every": steps, "boundary": None, "landscape": None}
    request = TrainRequest.model_validate(body)
    t0 = time.perf_counter()
    training = PreparedTraining(request, no_check)  # computes the first record
    first = time.perf_counter() - t0
    answer = training.result()
    dumps(answer)
    seconds = time.perf_counter() - t0
    if answer["status"] != "max_steps" or answer["steps"][-1] != steps:
        raise RuntimeError(f"the largest training ended with {answer['status']!r} at step {answer['steps'][-1]}")
    return seconds, first, len(answer["steps"])


def largest_case(steps: int) -> tuple[float, float]:
    """The 20 000 steps' time, bare and with the API's defaults (extrapolated from `steps` when fewer)."""
    scale = LARGEST_STEPS / steps
    times = []
    for bare in (True, False):
        seconds, first, records = largest_once(steps, bare)
        label = "bare (records at 0 and the end)" if bare else "defaults (record_every 10, boundary 50², landscape 21²)"
        extrapolated = "" if steps == LARGEST_STEPS else f" → ≤ {seconds * scale:.1f} s for {LARGEST_STEPS} steps"
        print(
            f"  {label}: {steps} steps in {seconds:.1f} s ({seconds / steps * 1e3:.2f} ms/step){extrapolated}; "
            f"first record after {first * 1e3:.0f} ms; {records} records"
        )
        times.append(seconds * scale)
    return times[0], times[1]


# --- 4. trainability map ---------------------------------------------------------------

MAP_SIZE = 64
MAP_STEPS = 200
MAP_LR = 0.1
MAP_RANGE = (1e-2, 1e2)
MAP_RATIO_TARGET = 2.0


@dataclass
class MapSide:
    seconds: float
    cpu_s: float
    status: np.ndarray  # (C,) "diverged" / "max_steps"
    steps_taken: np.ndarray  # (C,)
    final_loss: np.ndarray  # (C,)


def map_setup(size: int) -> tuple[Dataset, Architecture, np.ndarray, np.ndarray, np.ndarray]:
    data = make_dataset("sine", 200, 0.1, DATA_SEED)
    arch = Architecture((2, 8, 1), "tanh", data.task)
    theta0 = initialize(arch, "xavier", INIT_SEED)
    factors = np.geomspace(*MAP_RANGE, size)
    lr, lr_scale = cell_rates([Axis("lr_scale[0]", factors), Axis("lr_scale[1]", factors)], MAP_LR, (1.0, 1.0))
    return data, arch, theta0, lr, lr_scale


def ours_map(size: int) -> MapSide:
    data, arch, theta0, lr, lr_scale = map_setup(size)
    spec = TrainSpec(arch, theta0, "sgd", {"lr": MAP_LR}, MAP_STEPS, None, record_every=MAP_STEPS, boundary_n=None)
    c0, t0 = time.process_time(), time.perf_counter()
    cells = sweep(spec._replace(landscape=None), lr, lr_scale, data)
    return MapSide(time.perf_counter() - t0, time.process_time() - c0, *cells)


def torch_map(size: int) -> MapSide:
    """The 4 096 networks by hand on 1 thread: bmm, autograd, per-cell rates, train()'s divergence rule."""
    data, arch, theta0, lr, lr_scale = map_setup(size)
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        count = len(lr)
        first, second = unflatten(arch, theta0)
        x = torch.from_numpy(data.x)  # (N, 2)
        y = torch.from_numpy(data.y)  # (N,)
        # Per cell: W (2, 8), b (1, 8), then (8, 1), (1, 1); the batch's rows, and their rates per layer.
        params = [
            torch.from_numpy(np.repeat(array[None], count, axis=0)).reshape(count, *shape)
            for array, shape in ((first.W, (2, 8)), (first.b, (1, 8)), (second.W, (8, 1)), (second.b, (1, 1)))
        ]
        rates = torch.from_numpy(lr[:, None] * lr_scale)  # (C, 2)
        cells = torch.arange(count)
        steps_taken = np.zeros(count, dtype=np.int64)
        reached = np.zeros(count, dtype=bool)
        ended: dict[int, list[torch.Tensor]] = {}  # cell -> its last good weights
        previous_params = [p.clone() for p in params]

        def losses(w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor) -> torch.Tensor:
            hidden = torch.tanh(torch.baddbmm(b1, x.expand(len(w1), -1, -1), w1))  # (C, N, 8)
            out = torch.baddbmm(b2, hidden, w2)[..., 0]  # (C, N)
            return ((out - y) ** 2).mean(dim=1)

        for k in range(MAP_STEPS):
            leaves = [p.requires_grad_() for p in params]
            grads = torch.autograd.grad(losses(*leaves).sum(), leaves)
            with torch.no_grad():
                finite = torch.stack([g.flatten(1).isfinite().all(dim=1) for g in grads]).all(dim=0)
                keep_before = [p.detach().clone() for p in params]
                scale = [rates[:, 0], rates[:, 0], rates[:, 1], rates[:, 1]]
                params = [p.detach() - r.view(-1, 1, 1) * g for p, r, g in zip(params, scale, grads, strict=True)]
                bounded = torch.stack([p.flatten(1).abs().max(dim=1).values <= 1e8 for p in params]).all(dim=0)
                stopped = ~finite  # back to θₖ₋₁ (θ₀ at k = 0)
                beyond = finite & ~bounded  # back to θₖ
                for row in torch.nonzero(stopped | beyond)[:, 0].tolist():
                    cell = int(cells[row])
                    source = previous_params if stopped[row] and k > 0 else keep_before
                    ended[cell] = [p[row].clone() for p in source]
                    steps_taken[cell] = k - 1 if stopped[row] and k > 0 else k
                alive = ~(stopped | beyond)
                if not alive.all():
                    params = [p[alive] for p in params]
                    keep_before = [p[alive] for p in keep_before]
                    rates, cells = rates[alive], cells[alive]
                previous_params = keep_before
        steps_taken[cells.numpy()] = MAP_STEPS
        reached[cells.numpy()] = True
        with torch.no_grad():
            final = {int(c): [p[row] for p in params] for row, c in enumerate(cells.tolist())} | ended
            stacked = [torch.stack([final[c][i] for c in range(count)]) for i in range(4)]
            final_loss = losses(*stacked).numpy()
        seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    finally:
        torch.set_num_threads(previous)
    return MapSide(seconds, cpu_s, np.where(reached, "max_steps", "diverged"), steps_taken, final_loss)


def map_case(size: int) -> float:
    """The map on both sides, once each; returns torch time / ours."""
    ours = ours_map(size)
    th = torch_map(size)
    cells = size * size
    same_status = int(np.sum(ours.status == th.status))
    same_steps = int(np.sum(ours.steps_taken == th.steps_taken))
    both = (ours.status == "max_steps") & (th.status == "max_steps")
    relative = np.abs(ours.final_loss - th.final_loss) / np.maximum(np.abs(th.final_loss), 1e-300)
    finite = both & np.isfinite(relative)
    print(
        f"  ours (engine sweep): {ours.seconds:.2f} s (CPU {ours.cpu_s:.2f} s), "
        f"{int(np.sum(ours.status == 'diverged'))} of {cells} diverged"
    )
    print(f"  torch (bmm by hand, 1 thread): {th.seconds:.2f} s (CPU {th.cpu_s:.2f} s)")
    print(
        f"  agreement: status {same_status}/{cells}, steps taken {same_steps}/{cells}; final loss of the "
        f"{int(finite.sum())} cells trained to the end on both sides: median relative difference "
        f"{np.median(relative[finite]):.1e}, within 1e-9 in {int(np.sum(relative[finite] <= 1e-9))}, "
        f"largest {np.max(relative[finite]):.1e}"
    )
    if same_status < 0.99 * cells or np.median(relative[finite]) > 1e-9:
        raise RuntimeError("ours and torch did not train the same map")
    ratio = th.seconds / ours.seconds
    print(
        f"  ratio torch/ours {ratio:.2f}× (target ≥ {MAP_RATIO_TARGET:.0f}×); in CPU time {th.cpu_s / ours.cpu_s:.2f}×"
    )
    return ratio


# --- 3. first record over HTTP ----------------------------------------------------------


@dataclass
class StreamTry:
    first_byte_ms: float
    first_record_ms: float
    total_ms: float


async def stream_once(port: int) -> StreamTry:
    """One POST /api/train/stream read to its end: time to the head, to the first record line, to `done`."""
    first_record, types, records = None, [], []
    async with asyncio.timeout(REQUEST_TIMEOUT), NdjsonStream(port, "/api/train/stream", STREAM_REQUEST) as stream:
        async for arrived, item in stream.lines():
            types.append(item["type"])
            if item["type"] == "record":
                records.append(item)
                if first_record is None:
                    first_record = arrived
            elif item["type"] == "end" and item["status"] != "max_steps":
                raise RuntimeError(f"training ended with status {item['status']!r}")
        done = time.perf_counter()
    started, first_byte = stream.started, stream.first_byte
    expected = ["start", *["record"] * STREAM_RECORDS, "landscape", "end", "done"]
    if stream.rest or types != expected:
        raise RuntimeError(f"unexpected stream: {len(records)} records, line types {sorted(set(types))}")
    if records[-1]["step"] != 2000 or any(len(r["z"]) != 50 for r in records):
        raise RuntimeError("unexpected records in the stream")
    return StreamTry((first_byte - started) * 1e3, (first_record - started) * 1e3, (done - started) * 1e3)


async def measure_stream(port: int, tries: int) -> list[StreamTry]:
    await stream_once(port)  # warm-up: imports and first calls in the worker
    return [await stream_once(port) for _ in range(tries)]


# The largest network as a class's server runs it (one BLAS thread per worker, README "Serving a room"): the
# budget refuses 20 000 full-batch steps of it, so this trains the largest batch the budget admits, with the
# API's defaults, over HTTP, and times the first record line and the whole stream.
ADMITTED_BATCHES = (2000, 1024, 512, 256, 128, 64, 32, 16)


def admitted_request() -> tuple[dict, float, float]:
    """(the request, its estimate, the full-batch estimate): the largest batch of LARGEST the budget admits."""
    estimates = {}
    for batch in ADMITTED_BATCHES:
        body = {**LARGEST, "steps": LARGEST_STEPS, "batch_size": None if batch == 2000 else batch}
        estimates[batch] = train_work(TrainRequest.model_validate(body)).seconds
        if estimates[batch] <= settings.max_work_seconds:
            return body, estimates[batch], estimates[2000]
    raise RuntimeError(f"no batch of {ADMITTED_BATCHES} is admitted: {estimates}")


async def admitted_once(port: int, body: dict) -> tuple[float, float, int]:
    """(seconds to the first record line, seconds to `done`, records) of one stream read to its end."""
    first, records = None, 0
    async with asyncio.timeout(600), NdjsonStream(port, "/api/train/stream", body) as stream:
        async for arrived, item in stream.lines():
            if item["type"] == "record":
                records += 1
                first = first or arrived
            elif item["type"] == "end" and item["status"] != "max_steps":
                raise RuntimeError(f"the admitted training ended with status {item['status']!r}")
        done = time.perf_counter()
    return first - stream.started, done - stream.started, records


def admitted_case() -> float:
    body, estimate, full = admitted_request()
    print(
        f"largest network on the server (one BLAS thread): full batch is refused (estimate {full:.0f} s > "
        f"{settings.max_work_seconds:.0f} s); the largest batch admitted is {body['batch_size']} "
        f"(estimate {estimate:.0f} s), 20 000 steps, record_every 10, boundary 50², landscape 21², streamed"
    )
    with running_server(1) as server:
        first, total, records = run_async(admitted_once(server.port, body))
    print(f"  first record after {first * 1e3:.0f} ms; done after {total:.1f} s; {records} records")
    return total


def stream_case(tries: int) -> float:
    with running_server(1) as server:
        results = run_async(measure_stream(server.port, tries))
    firsts = [r.first_record_ms for r in results]
    print(
        f"POST /api/train/stream (moons 200, hidden [8, 8], adam, 2000 steps, record_every 10, boundary 50², "
        f"landscape 21²), {tries} tries after one warm-up:"
    )
    for label, key in (("response head", "first_byte_ms"), ("first record", "first_record_ms"), ("done", "total_ms")):
        values = [getattr(r, key) for r in results]
        print(
            f"  {label:<14}: median {statistics.median(values):7.1f} ms  (min {min(values):.1f}, max {max(values):.1f})"
        )
    return statistics.median(firsts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of N for the training steps (default 3)")
    parser.add_argument("--stream-tries", type=int, default=5, help="0: skip the HTTP part (default 5)")
    parser.add_argument(
        "--largest-steps",
        type=int,
        default=LARGEST_STEPS,
        help=f"steps of the largest network, extrapolated to {LARGEST_STEPS} (default {LARGEST_STEPS}; 0 skips it)",
    )
    parser.add_argument(
        "--map-size", type=int, default=MAP_SIZE, help=f"the trainability map's side (default {MAP_SIZE}; 0 skips it)"
    )
    parser.add_argument(
        "--torch-budget",
        type=float,
        default=5.0,
        help="seconds per run of torch on its default threads, which can crawl on a busy machine (default 5)",
    )
    args = parser.parse_args()

    install_signal_handlers()  # a SIGTERM unwinds like Ctrl-C: the server is stopped in `finally`
    torch.set_default_dtype(torch.float64)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), {os.cpu_count()} CPUs, {platform.machine()}, {load_average()}; "
        f"best of {args.repeats}"
    )
    t0 = time.perf_counter()
    print(
        f"\nnn 2-{'-'.join(map(str, HIDDEN))}-1 {ACTIVATION}, {POINTS} moons (noise {NOISE}, seed {DATA_SEED}), "
        f"full batch, adam lr {LR}, {STEPS} steps, float64, xavier seed {INIT_SEED}"
    )
    steps = step_case(args.repeats, args.torch_budget)
    largest = (math.nan, math.nan)
    if args.largest_steps > 0:
        print("\nlargest network: spiral 2000, 2-64-64-64-64-1 tanh, adam, full batch, as /api/train (JSON included)")
        largest = largest_case(args.largest_steps)
    map_ratio = math.nan
    if args.map_size > 0:
        print(
            f"\ntrainability map: {args.map_size} × {args.map_size} cells (lr_scale[0] × lr_scale[1], geomspace"
            f"{MAP_RANGE}), 2-8-1 tanh, 200 sine points, full batch, sgd lr {MAP_LR}, {MAP_STEPS} steps"
        )
        map_ratio = map_case(args.map_size)
    first_ms = admitted_s = math.nan
    try:
        if args.stream_tries > 0:
            first_ms = stream_case(args.stream_tries)
        if args.largest_steps > 0:
            admitted_s = admitted_case()
    except KeyboardInterrupt:
        print("\ninterrupted; the server was stopped", file=sys.stderr)
        return 130

    ratio = steps.torch_us / steps.ours_us
    met = {True: "met", False: "NOT met"}
    print(f"\nsummary (total {time.perf_counter() - t0:.0f} s)")
    print(
        f"nn 2-16-16-1 tanh, 256 moons, adam, 2000 steps: ours {steps.ours_us:.1f} µs/step, "
        f"torch {steps.torch_us:.1f} µs/step (ratio {ratio:.2f}×); with page records {steps.page_us:.1f} µs/step"
    )
    if not math.isnan(largest[0]):
        print(
            f"largest network, {LARGEST_STEPS} steps, full batch (refused by the budget): bare {largest[0]:.1f} s, "
            f"with the API's defaults {largest[1]:.1f} s (target ≤ {LARGEST_TARGET_S:.0f} s: "
            f"{met[largest[1] <= LARGEST_TARGET_S]})"
        )
    if not math.isnan(admitted_s):
        print(
            f"largest network the budget admits, streamed from the server: {admitted_s:.1f} s "
            f"(target ≤ {LARGEST_TARGET_S:.0f} s: {met[admitted_s <= LARGEST_TARGET_S]})"
        )
    if not math.isnan(map_ratio):
        print(
            f"trainability map {args.map_size}²: torch/ours {map_ratio:.2f}× "
            f"(target ≥ {MAP_RATIO_TARGET:.0f}×: {met[map_ratio >= MAP_RATIO_TARGET]})"
        )
    if not math.isnan(first_ms):
        print(f"first training record over HTTP: median {first_ms:.1f} ms (target ≤ {FIRST_RECORD_TARGET_MS:.0f})")
    default = ""
    if steps.torch_default_us is not None:
        default = (
            f"; torch on its default {steps.torch_threads} threads: {steps.torch_default_us:.1f} µs/step "
            f"({steps.torch_default_us / steps.ours_us:.2f}×)"
        )
    http = "" if math.isnan(first_ms) else f", first record ≤ 50 ms {met[first_ms <= FIRST_RECORD_TARGET_MS]}"
    print(f"targets: ≥ {RATIO_TARGET:.0f}× torch (1 thread) {met[ratio >= RATIO_TARGET]}{http}{default}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
