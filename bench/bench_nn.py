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

from gdviz.api.json import dumps
from gdviz.api.models.train import TrainRequest
from gdviz.api.training import PreparedTraining
from gdviz.engine.errors import no_check
from gdviz.engine.nn.datasets import Dataset, make_dataset
from gdviz.engine.nn.landscape import Landscape
from gdviz.engine.nn.network import Architecture, initialize, unflatten
from gdviz.engine.nn.train import Record, TrainSpec, train

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
    first_ms = math.nan
    try:
        if args.stream_tries > 0:
            first_ms = stream_case(args.stream_tries)
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
            f"largest network, {LARGEST_STEPS} steps: bare {largest[0]:.1f} s, with the API's defaults "
            f"{largest[1]:.1f} s (target ≤ {LARGEST_TARGET_S:.0f} s: {met[largest[1] <= LARGEST_TARGET_S]})"
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
