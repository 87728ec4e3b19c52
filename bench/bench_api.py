"""HTTP benchmark of the gdviz server (see bench/README.md, section bench_api.py).

Run from the repository root:  python bench/bench_api.py  [--duration 15] [--clients 32] [--workers 1,2]

Starts `python -m gdviz serve --host 127.0.0.1 --port <free port> --workers N` as a
subprocess (its own process group, stopped at the end, also on Ctrl-C or an error),
waits until GET /api/optimizers answers, then measures on loopback only:

1. unloaded: ~200 sequential POST /api/run of the typical request (4 optimizers ×
   500 steps on rosenbrock) on one keep-alive connection: client latency p50/p99 and
   the engine time `elapsed_ms` from the body; then 50 small GET /api/schedules on the
   same connection (the floor of the HTTP stack);
2. load: `--clients` (32) keep-alive connections each posting the typical request in a
   loop for `--duration` (15) s after a warm-up (connections opened one by one, so that
   every worker gets some): requests/s, client latency p50/p99, median `elapsed_ms`,
   errors (non-200, a body that does not parse, null/NaN in the arrays, wrong lengths),
   the CPU used by each server process, by this client and by other programs;
3. stream: POST /api/run/stream with 16 optimizers × 100 000 steps (every 10): time
   from sending the request to the arrival of the first `"type": "chunk"` line, then a
   disconnect, the latency of a small GET right after it, and the server's CPU in the
   following 0.5 s (≈ 0 when the disconnect stopped the work).

All three run for each `--workers` value (default 1 and 2), on a fresh server each;
about 80 s in all. The load generator is a minimal asyncio HTTP/1.1 client (raw
sockets, Content-Length/chunked bodies) in this process: it shares the machine's
cores with the server, so its CPU and that of other programs are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

TYPICAL = {
    "surface": {"name": "rosenbrock"},
    "start": [-1.5, 2.0],
    "steps": 500,
    "optimizers": [
        {"name": "sgd", "params": {"lr": 0.001}},
        {"name": "sgd", "params": {"lr": 0.001, "momentum": 0.9}},
        {"name": "rmsprop", "params": {"lr": 0.01}},
        {"name": "adam", "params": {"lr": 0.05}},
    ],
}

# 16 first-order optimizers whose runs do not diverge early on rosenbrock from (-1.5, 2),
# so that the server really has 16 × 100 000 steps to do.
BIG_OPTIMIZERS = [
    ("sgd", {"lr": 1e-4}),
    ("sgd", {"lr": 1e-4, "momentum": 0.9}),
    ("sgd", {"lr": 1e-4, "momentum": 0.9, "nesterov": True}),
    ("adam", {"lr": 1e-3}),
    ("adam", {"lr": 1e-3, "amsgrad": True}),
    ("adamw", {"lr": 1e-3}),
    ("rmsprop", {"lr": 1e-3}),
    ("rmsprop", {"lr": 1e-3, "momentum": 0.5, "centered": True}),
    ("nadam", {"lr": 1e-3}),
    ("radam", {"lr": 1e-3}),
    ("adamax", {"lr": 1e-3}),
    ("adagrad", {"lr": 1e-2}),
    ("adadelta", {"lr": 1.0}),
    ("lion", {"lr": 1e-4}),
    ("adam", {"lr": 1e-4}),
    ("nadam", {"lr": 1e-4}),
]
BIG = {
    "surface": {"name": "rosenbrock"},
    "start": [-1.5, 2.0],
    "steps": 100_000,
    "every": 10,
    "optimizers": [{"name": n, "params": p} for n, p in BIG_OPTIMIZERS],
}

CONNECT_GAP = 0.01  # s between the load test's connections (see measure_load)
REQUEST_TIMEOUT = 30.0  # s, per request: a hung server counts as an error, never as a hang here
CLOCK_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# ---------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def group_cpu_seconds(pgid: int) -> dict[int, float] | None:
    """User + system CPU seconds of each live process of a process group (Linux /proc; None elsewhere)."""
    if not os.path.isdir("/proc/self"):
        return None
    cpu = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                rest = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # rest[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
        if int(rest[2]) == pgid:
            cpu[int(name)] = (int(rest[11]) + int(rest[12])) / CLOCK_TICK
    return cpu


def connections_per_process(pgid: int, port: int) -> list[int] | None:
    """Established TCP connections on `port` held by each process of a process group (Linux /proc)."""
    try:
        inodes = set()
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
                    inodes.add(f"socket:[{fields[9]}]")
        counts = []
        for pid, _ in (group_cpu_seconds(pgid) or {}).items():
            fd_dir = f"/proc/{pid}/fd"
            held = 0
            for fd in os.listdir(fd_dir):
                try:
                    held += os.readlink(f"{fd_dir}/{fd}") in inodes
                except OSError:
                    continue
            if held:
                counts.append(held)
        return sorted(counts, reverse=True)
    except (OSError, ValueError, IndexError):
        return None


def system_busy_seconds() -> float | None:
    """CPU seconds spent by the whole machine, all cores (Linux /proc/stat; None elsewhere)."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICK


def load_average() -> str:
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average n/a"


# ---------------------------------------------------------------------------- signals
#
# Ctrl-C and SIGTERM must always stop the server. Inside an event loop they cancel the
# main task (every connection unwinds cleanly); a KeyboardInterrupt raised at an
# arbitrary point of the loop could lose a task's wake-up and leave the loop waiting
# forever. Outside a loop, both raise KeyboardInterrupt; during Server.stop both are
# ignored, so that a second Ctrl-C cannot orphan the server.

_SIGINT_AT_START = signal.getsignal(signal.SIGINT)  # SIG_IGN when started in the background by a shell


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def install_signal_handlers() -> None:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if _SIGINT_AT_START is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, where Ctrl-C and SIGTERM cancel the main task, then raise KeyboardInterrupt."""

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        signals = [signal.SIGTERM] + ([signal.SIGINT] if _SIGINT_AT_START is not signal.SIG_IGN else [])
        for sig in signals:
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await coro
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            install_signal_handlers()

    try:
        return asyncio.run(guarded())
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


class Server:
    """`python -m gdviz serve` in its own process group, on a free loopback port."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gdviz", "serve", "--host", HOST, "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*command, "--workers", str(self.workers)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: Ctrl-C here does not reach it, stop() ends all its workers
        )

    def cpu(self) -> float | None:
        per_process = group_cpu_seconds(self.proc.pid)
        return None if per_process is None else sum(per_process.values())

    def cpu_per_process(self) -> dict[int, float] | None:
        return group_cpu_seconds(self.proc.pid)

    def log_tail(self, n: int = 2000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-n:]

    def workers_started(self) -> int:
        self.log.seek(0)
        return self.log.read().count(b"Application startup complete")

    def wait_ready(self, timeout: float = 30.0) -> float:
        """Until GET /api/optimizers answers and every worker has logged its startup: the
        keep-alive connections of the load test stay with the worker that accepted them, so
        a worker that starts late would get none of them."""
        started = time.perf_counter()
        answered = False
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            if not answered:
                try:
                    status, _ = run_async(get_once(self.port, "/api/optimizers", timeout=2.0))
                    answered = status == 200
                except (TimeoutError, OSError, asyncio.IncompleteReadError):
                    pass
            if answered and self.workers_started() >= self.workers:
                return time.perf_counter() - started
            time.sleep(0.1)
        if answered:
            print(f"warning: {self.workers_started()} of {self.workers} workers logged their startup", flush=True)
            return time.perf_counter() - started
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's process group (uvicorn shuts down gracefully), SIGKILL after 5 s."""
        previous = [(sig, signal.signal(sig, signal.SIG_IGN)) for sig in (signal.SIGINT, signal.SIGTERM)]
        try:
            if self.proc is None:
                return
            for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 3.0)):
                if self.proc.poll() is not None:
                    break
                try:
                    os.killpg(self.proc.pid, sig)
                    self.proc.wait(wait)
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
            # uvicorn's worker processes are in the same group: none may outlive the bench.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        finally:
            self.log.close()
            for sig, handler in previous:
                signal.signal(sig, handler)


@contextmanager
def running_server(workers: int) -> Iterator[Server]:
    server = Server(workers)
    try:
        server.start()
        ready = server.wait_ready()
        print(f"\n== server: workers={workers}, port {server.port}, ready in {ready:.1f} s", flush=True)
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------- a minimal HTTP/1.1 client


def post_bytes(port: int, path: str, body: dict) -> bytes:
    payload = orjson.dumps(body)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def get_bytes(port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            key, _, value = line.partition(b":")
            headers[key.strip().lower()] = value.strip()
    return status, headers


async def read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes]) -> bytes:
    if b"content-length" in headers:
        return await reader.readexactly(int(headers[b"content-length"]))
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    raise ValueError("response without Content-Length or chunked encoding")


class Connection:
    """One keep-alive connection; reconnects after a failure or a `Connection: close`."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=1 << 20)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.connect()
        try:
            self.writer.write(raw)
            status, headers = await read_head(self.reader)
            body = await read_body(self.reader, headers)
        except BaseException:
            self.close()
            raise
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class NdjsonStream:
    """A POST whose answer is chunked NDJSON, read line by line as it arrives.

    Leaving the `async with` closes the connection: in the middle of a stream, that is a disconnect.
    """

    def __init__(self, port: int, path: str, body: dict) -> None:
        self.port, self.raw = port, post_bytes(port, path, body)
        self.rest = b""  # what followed the last newline when the stream ended

    async def __aenter__(self) -> NdjsonStream:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=1 << 24)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.started = time.perf_counter()
            self.writer.write(self.raw)
            status, headers = await read_head(self.reader)
            self.first_byte = time.perf_counter()
            if status != 200 or headers.get(b"transfer-encoding", b"").lower() != b"chunked":
                body = await self.reader.read(2000)
                raise RuntimeError(f"stream answered {status} {headers}: {body[:500]!r}")
        except BaseException:
            self.writer.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()

    async def lines(self) -> AsyncIterator[tuple[float, Any]]:
        """(perf_counter when its chunk arrived, the parsed line) for every line to the end of the stream."""
        pending = b""
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers expected
                self.rest = pending
                return
            pending += (await self.reader.readexactly(size + 2))[:-2]
            arrived = time.perf_counter()
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield arrived, orjson.loads(line)


async def get_once(port: int, path: str, timeout: float) -> tuple[int, bytes]:
    conn = Connection(port)
    try:
        async with asyncio.timeout(timeout):
            return await conn.request(get_bytes(port, path))
    finally:
        conn.close()


def check_run(status: int, body: bytes, steps: int, n_runs: int) -> float | None:
    """The engine time of a good /api/run answer, None for an error (non-200, unparsable, NaN/null, lengths)."""
    if status != 200:
        return None
    try:
        data = orjson.loads(body)  # orjson refuses NaN/Infinity tokens
        runs = data["runs"]
        if len(runs) != n_runs:
            return None
        for run in runs:
            n = run["steps_taken"]
            if not 0 <= n <= steps or len(run["lr"]) != n:
                return None
            for key in ("x", "y", "loss", "grad_norm"):
                column = run[key]
                if len(column) != n + 1 or None in column:
                    return None
        elapsed = float(data["elapsed_ms"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    return elapsed if math.isfinite(elapsed) else None


# ---------------------------------------------------------------------------- measurements


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo = math.floor(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


@dataclass
class Unloaded:
    latency_ms: list[float] = field(default_factory=list)
    engine_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    errors: int = 0


async def measure_unloaded(port: int, n: int) -> Unloaded:
    out = Unloaded()
    raw = post_bytes(port, "/api/run", TYPICAL)
    conn = Connection(port)
    try:
        for i in range(n + 10):  # the first 10 warm up
            started = time.perf_counter()
            async with asyncio.timeout(REQUEST_TIMEOUT):
                status, body = await conn.request(raw)
            latency = (time.perf_counter() - started) * 1e3
            engine = check_run(status, body, TYPICAL["steps"], len(TYPICAL["optimizers"]))
            if i < 10:
                continue
            if engine is None:
                out.errors += 1
            else:
                out.latency_ms.append(latency)
                out.engine_ms.append(engine)
        small = get_bytes(port, "/api/schedules")
        for i in range(60):
            started = time.perf_counter()
            async with asyncio.timeout(REQUEST_TIMEOUT):
                status, _ = await conn.request(small)
            if i >= 10 and status == 200:
                out.floor_ms.append((time.perf_counter() - started) * 1e3)
    finally:
        conn.close()
    return out


@dataclass
class Load:
    workers: int
    clients: int
    window_s: float = 0.0
    latency_ms: list[float] = field(default_factory=list)
    engine_ms: list[float] = field(default_factory=list)
    errors: int = 0  # over the whole run, warm-up included
    total: int = 0
    server_cpu_s: float | None = None
    server_cpu_by_process: list[float] = field(default_factory=list)
    other_cpu_s: float | None = None  # the rest of the machine: noise from other programs
    connections_by_process: list[int] | None = None
    client_cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latency_ms) / self.window_s if self.window_s else math.nan

    @property
    def server_cpu_per_request_ms(self) -> float | None:
        if self.server_cpu_s is None or not self.latency_ms:
            return None
        return self.server_cpu_s / len(self.latency_ms) * 1e3


async def measure_load(server: Server, clients: int, warmup: float, duration: float) -> Load:
    """`clients` keep-alive connections post the typical request in a loop; responses
    completed inside [warm-up end, deadline] are the measurement."""
    out = Load(server.workers, clients)
    raw = post_bytes(server.port, "/api/run", TYPICAL)
    steps, n_runs = TYPICAL["steps"], len(TYPICAL["optimizers"])
    marks: dict[str, tuple[float, dict[int, float] | None, float | None]] = {}

    # Connections are opened one by one while the server is idle: a worker's event loop
    # accepts every pending connection at once, so a burst of 32 would all go to the
    # worker that wakes first, and keep-alive keeps them there.
    conns = [Connection(server.port) for _ in range(clients)]
    for conn in conns:
        await conn.connect()
        await asyncio.sleep(CONNECT_GAP)
    out.connections_by_process = connections_per_process(server.proc.pid, server.port)

    async def client(conn: Connection) -> None:
        try:
            while (started := time.perf_counter()) < deadline:
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        status, body = await conn.request(raw)
                except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    status, body = 0, b""
                    await asyncio.sleep(0.01)  # a dead server: count errors, do not spin
                done = time.perf_counter()
                engine = check_run(status, body, steps, n_runs)
                out.total += 1
                if engine is None:
                    out.errors += 1
                elif window_start <= done <= deadline:
                    out.latency_ms.append((done - started) * 1e3)
                    out.engine_ms.append(engine)
        finally:
            conn.close()

    async def marker() -> None:
        await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
        marks["start"] = (time.process_time(), server.cpu_per_process(), system_busy_seconds())
        await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
        marks["end"] = (time.process_time(), server.cpu_per_process(), system_busy_seconds())

    t0 = time.perf_counter()
    window_start, deadline = t0 + warmup, t0 + warmup + duration
    await asyncio.gather(marker(), *(client(conn) for conn in conns))
    out.window_s = duration
    (c0, s0, m0), (c1, s1, m1) = marks["start"], marks["end"]
    out.client_cpu_s = c1 - c0
    if s0 is not None and s1 is not None:
        out.server_cpu_by_process = sorted((s1[p] - s0.get(p, 0.0) for p in s1), reverse=True)
        out.server_cpu_s = sum(out.server_cpu_by_process)
        if m0 is not None and m1 is not None:
            out.other_cpu_s = max(0.0, (m1 - m0) - out.server_cpu_s - out.client_cpu_s)
    return out


@dataclass
class StreamTry:
    first_byte_ms: float
    first_chunk_ms: float
    get_after_ms: float
    cpu_after: float | None  # cores used by the server in the 0.5 s after the disconnect


async def stream_once(server: Server) -> StreamTry:
    port = server.port
    first_chunk = None
    async with asyncio.timeout(REQUEST_TIMEOUT), NdjsonStream(port, "/api/run/stream", BIG) as stream:
        async with aclosing(stream.lines()) as lines:
            async for arrived, item in lines:
                if item.get("type") == "chunk":
                    first_chunk = arrived
                    break  # and disconnect in the middle of the stream: the server should stop the run
    if first_chunk is None:
        raise RuntimeError("stream ended without a chunk line")
    started, first_byte = stream.started, stream.first_byte
    # Responsive again? A small GET on a new connection, right away.
    t = time.perf_counter()
    status, _ = await get_once(port, "/api/schedules", timeout=REQUEST_TIMEOUT)
    get_after = (time.perf_counter() - t) * 1e3
    if status != 200:
        raise RuntimeError(f"GET /api/schedules after the disconnect answered {status}")
    cpu0, w0 = server.cpu(), time.perf_counter()
    await asyncio.sleep(0.5)
    cpu1, w1 = server.cpu(), time.perf_counter()
    cpu_after = None if cpu0 is None or cpu1 is None else (cpu1 - cpu0) / (w1 - w0)
    return StreamTry((first_byte - started) * 1e3, (first_chunk - started) * 1e3, get_after, cpu_after)


async def measure_stream(server: Server, tries: int) -> list[StreamTry]:
    await stream_once(server)  # warm-up
    return [await stream_once(server) for _ in range(tries)]


# ---------------------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def print_unloaded(u: Unloaded) -> None:
    lat, eng = u.latency_ms, u.engine_ms
    print(
        f"unloaded, {len(lat)} sequential POST /api/run on one keep-alive connection:\n"
        f"  client latency p50 {fmt(median(lat), 2)} ms, p90 {fmt(percentile(lat, 90), 2)} ms, "
        f"p99 {fmt(percentile(lat, 99), 2)} ms, min {fmt(min(lat, default=math.nan), 2)} ms\n"
        f"  engine (elapsed_ms) p50 {fmt(median(eng), 2)} ms -> outside the engine (validation, JSON, HTTP) "
        f"{fmt(median(lat) - median(eng), 2)} ms\n"
        f"  small GET /api/schedules on the same connection: p50 {fmt(median(u.floor_ms), 2)} ms; errors {u.errors}",
        flush=True,
    )


def print_load(r: Load) -> None:
    server = "n/a"
    if r.server_cpu_s is not None:
        busy = [f"{c / r.window_s:.2f}" for c in r.server_cpu_by_process if c / r.window_s >= 0.01]
        server = f"{r.server_cpu_s / r.window_s:.2f} (by process: {', '.join(busy) or '0'})"
    print(
        f"load, {r.clients} clients x {r.window_s:.0f} s (after warm-up), workers={r.workers}:\n"
        f"  {r.rate:.1f} req/s ({len(r.latency_ms)} in the window), latency p50 {fmt(median(r.latency_ms))} ms, "
        f"p90 {fmt(percentile(r.latency_ms, 90))} ms, p99 {fmt(percentile(r.latency_ms, 99))} ms\n"
        f"  engine (elapsed_ms) p50 {fmt(median(r.engine_ms), 2)} ms, p99 {fmt(percentile(r.engine_ms, 99), 2)} ms\n"
        f"  errors {r.errors} of {r.total} requests (warm-up included)\n"
        f"  server CPU per request: {fmt(r.server_cpu_per_request_ms, 2)} ms; connections held by each server "
        f"process: {'n/a' if r.connections_by_process is None else ', '.join(map(str, r.connections_by_process))}\n"
        f"  CPU in the window (cores): server {server}, load generator {r.client_cpu_s / r.window_s:.2f}, "
        f"other programs {'n/a' if r.other_cpu_s is None else f'{r.other_cpu_s / r.window_s:.2f}'}",
        flush=True,
    )


def print_stream(tries: list[StreamTry]) -> None:
    print(f"stream, 16 optimizers x 100000 steps (every 10), {len(tries)} tries (after one warm-up):")
    for t in tries:
        print(
            f"  headers {t.first_byte_ms:6.1f} ms, first chunk line {t.first_chunk_ms:6.1f} ms; after the "
            f"disconnect: GET {t.get_after_ms:5.1f} ms, server CPU {fmt(t.cpu_after, 2)} cores over 0.5 s"
        )
    sys.stdout.flush()


@dataclass
class Results:
    """Everything measured with one worker count."""

    workers: int
    unloaded: Unloaded | None = None
    load: Load | None = None
    stream: list[StreamTry] = field(default_factory=list)


def summary(results: list[Results], generator: str) -> list[str]:
    lines = ["", "==== summary " + "=" * 60, f"load generator: {generator}; at the end: {load_average()}"]
    for r in results:
        if (load := r.load) is not None:
            lines.append(
                f"typical run (4 opt x 500 steps), workers={r.workers}: {load.rate:.1f} req/s, "
                f"p50 {fmt(median(load.latency_ms))} ms, p99 {fmt(percentile(load.latency_ms, 99))} ms, "
                f"engine median {fmt(median(load.engine_ms), 2)} ms, errors {load.errors} "
                f"(server CPU {fmt(load.server_cpu_per_request_ms, 2)} ms/request)"
            )
    for r in results:
        if (u := r.unloaded) is not None:
            lines.append(
                f"unloaded single request, workers={r.workers}: p50 {fmt(median(u.latency_ms), 2)} ms "
                f"(engine {fmt(median(u.engine_ms), 2)} ms); small GET on a keep-alive connection "
                f"p50 {fmt(median(u.floor_ms), 2)} ms"
            )
    for r in results:
        if r.stream:
            firsts = [t.first_chunk_ms for t in r.stream]
            lines.append(
                f"first stream chunk (16 opt x 100000 steps), workers={r.workers}: median {fmt(median(firsts))} ms "
                f"(min {min(firsts):.1f}, max {max(firsts):.1f}); GET after disconnect median "
                f"{fmt(median([t.get_after_ms for t in r.stream]))} ms"
            )

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines.append("targets (from the issue):")
    for r in results:
        if (u := r.unloaded) is not None:
            p50 = median(u.latency_ms)
            lines.append(
                f"  server time <= 10 ms median, workers={r.workers}: unloaded request p50 {p50:.2f} ms "
                f"(client-side, an upper bound on server time) -> {verdict(p50 <= 10)}"
            )
    loads = [r.load for r in results if r.load is not None]
    for load in loads:
        lines.append(
            f"  >= 150 req/s with {load.clients} clients, workers={load.workers}: {load.rate:.1f} "
            f"-> {verdict(load.rate >= 150)}"
        )
    if loads:
        errors = sum(load.errors for load in loads)
        lines.append(f"  zero errors under load: {errors} -> {verdict(errors == 0)}")
    for r in results:
        if r.stream:
            m = median([t.first_chunk_ms for t in r.stream])
            lines.append(f"  first chunk <= 50 ms, workers={r.workers}: {m:.1f} ms -> {verdict(m <= 50)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds of load per worker count")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before the measurement")
    parser.add_argument("--sequential", type=int, default=200, help="unloaded sequential requests (0: skip)")
    parser.add_argument("--stream-tries", type=int, default=5, help="0: skip the stream test")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]

    install_signal_handlers()  # a SIGTERM unwinds like Ctrl-C: the server is stopped in `finally`
    generator = f"python asyncio, raw HTTP/1.1 keep-alive, {args.clients} connections, in-process"
    print(
        f"gdviz HTTP benchmark — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, {load_average()}\nload generator: {generator}",
        flush=True,
    )
    results: list[Results] = []
    try:
        for n in workers:
            with running_server(n) as server:
                r = Results(n)
                results.append(r)
                if args.sequential > 0:
                    r.unloaded = run_async(measure_unloaded(server.port, args.sequential))
                    print_unloaded(r.unloaded)
                if args.duration > 0:
                    r.load = run_async(measure_load(server, args.clients, args.warmup, args.duration))
                    print_load(r.load)
                if args.stream_tries > 0:
                    r.stream = run_async(measure_stream(server, args.stream_tries))
                    print_stream(r.stream)
    except KeyboardInterrupt:
        print("\ninterrupted; the server was stopped", file=sys.stderr)
        return 130
    print("\n".join(summary(results, generator)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
