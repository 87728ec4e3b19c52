"""HTTP benchmark of the gdviz server (see bench/README.md, section bench_api.py).

Run from the repository root:  python bench/bench_api.py  [--duration 15] [--clients 32] [--workers 1,2] [--room-only]

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

All three run for each `--workers` value (default 1 and 2), on a fresh server each.
Then, unless `--room-duration 0`, a room (`--room-only` runs only this part), on a fresh
server with `--room-workers` (2):

4. a class-sized load: `--room-clients` (100) light clients (the explorer's page, catalog,
   grid and streamed runs, a notebook's typical run; each thinks about `--room-think` s
   between requests) for `--room-duration` (20) s while `--room-heavy` (6) clients send
   heavy requests (16 Adam x 100 000 steps, a 3x64 network on 2000 points, Newton's
   methods on a long formula): the light requests' latency and errors, the heavy ones'
   outcomes (done / 503 / cut / other), the server's CPU and its peak memory (RSS of all
   its processes, sampled every 100 ms);
5. 50 streams of the 16 x 100 000 run opened and never read, held `--room-hold` (10) s:
   how many were admitted, the server's RSS growth and CPU, then after closing them;
6. the reproductions (a)-(j) of requests that could take the server from everyone, each
   checked against the live server and printed as one line ending in ok or FAILED;
   (h), SIGTERM during a stream, stops the server and comes last.

About 2-3 minutes in all on a 2-core machine. The load generator is a minimal asyncio
HTTP/1.1 client (raw sockets, Content-Length/chunked bodies, gzip) in this process: it
shares the machine's cores with the server, so its CPU and that of other programs are
printed.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import math
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

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
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# ---------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ProcessStat(NamedTuple):
    group: int
    cpu_seconds: float  # user + system
    rss_bytes: int


def process_stat(pid: int) -> ProcessStat | None:
    """From /proc/<pid>/stat; None when the process is gone (or a zombie, which holds no memory)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            rest = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    # rest[0] is field 3 (state): pgrp is field 5, utime 14, stime 15, rss (pages) 24.
    if rest[0] in (b"Z", b"X"):
        return None
    return ProcessStat(int(rest[2]), (int(rest[11]) + int(rest[12])) / CLOCK_TICK, int(rest[21]) * PAGE_SIZE)


def group_stats(pgid: int) -> dict[int, ProcessStat] | None:
    """Every live process of a process group (Linux /proc; None elsewhere)."""
    if not os.path.isdir("/proc/self"):
        return None
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := process_stat(int(name))) is not None and stat.group == pgid:
            found[int(name)] = stat
    return found


def group_cpu_seconds(pgid: int) -> dict[int, float] | None:
    """User + system CPU seconds of each live process of a process group (Linux /proc; None elsewhere)."""
    stats = group_stats(pgid)
    return None if stats is None else {pid: stat.cpu_seconds for pid, stat in stats.items()}


class TcpEnd(NamedTuple):
    """One end of an established IPv4 connection, as /proc/net/tcp lists it."""

    server: bool  # the end on `port` (the server's), else the client's
    send_queue: int  # bytes written and not yet acknowledged by the other end
    receive_queue: int  # bytes received and not yet read
    inode: str


def tcp_ends(port: int) -> list[TcpEnd]:
    """Both ends of every established connection to `port` on this machine (raises OSError without /proc)."""
    ends = []
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, remote = (int(a.rsplit(":", 1)[1], 16) for a in fields[1:3])
            if fields[3] == "01" and port in (local, remote):  # 01: ESTABLISHED
                send, receive = (int(q, 16) for q in fields[4].split(":"))
                ends.append(TcpEnd(local == port, send, receive, f"socket:[{fields[9]}]"))
    return ends


def connections_per_process(pgid: int, port: int) -> list[int] | None:
    """Established TCP connections on `port` held by each process of a process group (Linux /proc)."""
    try:
        inodes = {end.inode for end in tcp_ends(port) if end.server}
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


def request_bytes(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def post_bytes(port: int, path: str, body: dict | bytes, headers: dict[str, str] | None = None) -> bytes:
    """A JSON POST; `body` given as bytes is sent as is (JSON that orjson cannot write, or not JSON at all)."""
    payload = body if isinstance(body, bytes) else orjson.dumps(body)
    return request_bytes(port, "POST", path, payload, {"Content-Type": "application/json", **(headers or {})})


def get_bytes(port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    return request_bytes(port, "GET", path, None, headers)


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


class Reply(NamedTuple):
    status: int
    headers: dict[bytes, bytes]
    body: bytes  # decompressed when it came gzipped
    wire_bytes: int  # the body as it came over the connection

    def json(self) -> Any:
        """The parsed body, None when it is not JSON."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None

    def detail(self) -> dict:
        """The first entry of a refusal's `detail` list ({} when there is none)."""
        data = self.json()
        detail = data.get("detail") if isinstance(data, dict) else None
        return detail[0] if isinstance(detail, list) and detail and isinstance(detail[0], dict) else {}


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
        reply = await self.exchange(raw)
        return reply.status, reply.body

    async def exchange(self, raw: bytes) -> Reply:
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
        wire = len(body)
        if headers.get(b"content-encoding", b"").lower() == b"gzip":
            body = gzip.decompress(body)
        return Reply(status, headers, body, wire)

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


async def exchange_once(port: int, raw: bytes, timeout: float = REQUEST_TIMEOUT) -> Reply:
    """One request on a connection of its own (as a script without a session sends it)."""
    conn = Connection(port)
    try:
        async with asyncio.timeout(timeout):
            return await conn.exchange(raw)
    finally:
        conn.close()


async def get_once(port: int, path: str, timeout: float) -> tuple[int, bytes]:
    reply = await exchange_once(port, get_bytes(port, path), timeout)
    return reply.status, reply.body


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


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


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


CpuSnapshot = tuple[float, dict[int, float] | None, float | None]


def cpu_snapshot(server: Server) -> CpuSnapshot:
    """This process's CPU, each server process's, and the whole machine's, at one moment."""
    return time.process_time(), server.cpu_per_process(), system_busy_seconds()


def cpu_between(start: CpuSnapshot, end: CpuSnapshot) -> tuple[float, list[float], float | None, float | None]:
    """CPU seconds between two snapshots: the load generator, each server process (largest first), the
    server in all, and the rest of the machine (other programs)."""
    (c0, s0, m0), (c1, s1, m1) = start, end
    by_process: list[float] = []
    server = other = None
    if s0 is not None and s1 is not None:
        by_process = sorted((s1[p] - s0.get(p, 0.0) for p in s1), reverse=True)
        server = sum(by_process)
        if m0 is not None and m1 is not None:
            other = max(0.0, (m1 - m0) - server - (c1 - c0))
    return c1 - c0, by_process, server, other


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
        marks["start"] = cpu_snapshot(server)
        await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
        marks["end"] = cpu_snapshot(server)

    t0 = time.perf_counter()
    window_start, deadline = t0 + warmup, t0 + warmup + duration
    await asyncio.gather(marker(), *(client(conn) for conn in conns))
    out.window_s = duration
    out.client_cpu_s, out.server_cpu_by_process, out.server_cpu_s, out.other_cpu_s = cpu_between(
        marks["start"], marks["end"]
    )
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


# ---------------------------------------------------------------------------- a room: a class-sized load
#
# One laptop serving a lecture hall: a hundred students' browsers and notebooks send light
# requests while a few send heavy ones, on the real server with two workers. Then the
# memory that unread streams hold, and the reproductions of requests that once could take
# the server from everyone, each checked against the live server.

GZIP = {"Accept-Encoding": "gzip"}  # what browsers and notebook clients (requests, httpx) send
ROOM_GRID = {"surface": {"name": "rosenbrock"}, "n": 100}

# Heavy requests a student may send: each needs seconds of a core, all fit the default budget.
ADAM_16 = {
    "surface": {"name": "rosenbrock"},
    "start": [-1.5, 2.0],
    "steps": 100_000,
    "every": 100,
    "optimizers": [{"name": "adam", "params": {"lr": 1e-3}}] * 16,
}
NETWORK_3X64 = {
    "dataset": {"name": "spiral", "n": 2000},
    "model": {"hidden": [64, 64, 64]},
    "steps": 2000,
    "record_every": 2000,
    "boundary": None,
    "landscape": None,
}


def long_formula(limit: int = 300) -> str:
    """A polynomial of nearly `limit` characters: cheap to differentiate, costly per step for Newton's
    methods (their Hessian is evaluated at every step)."""
    formula = "0.1*x**2+0.1*y**2"
    for a, b in [(1.1, 0.7), (0.9, 1.3), (1.7, 0.4), (0.6, 1.9), (1.4, 1.2), (0.8, 0.5), (1.6, 1.1), (0.3, 0.2)]:
        for c, d in [(a, b), (b, a), (a + 0.5, b + 0.5)]:
            term = f"+0.02*(x-{c:g})**2*(y+{d:g})**2"
            if len(formula) + len(term) > limit:
                return formula
            formula += term
    return formula


LONG_FORMULA = long_formula()
NEWTON_LONG = {
    "surface": {"expression": LONG_FORMULA},
    "start": [0.5, 0.5],
    "steps": 20_000,
    "every": 10,
    "optimizers": [{"name": "newton", "params": {"damping": 1.0}}, {"name": "saddle_free_newton"}],
}
NEWTON_OVER_BUDGET = {
    "surface": {"expression": LONG_FORMULA},
    "start": [0.5, 0.5],
    "steps": 100_000,
    "optimizers": [{"name": "newton", "params": {"damping": 1.0}}] * 16,
}
HEAVY_HEAD_START = 2.0  # s: the heavy clients start first, so that heavy work runs during the whole window
UNREAD_LIMIT = 1 << 16  # the reader's buffer of an unread stream: asyncio stops reading at twice this


def json_ok(reply: Reply) -> bool:
    return reply.status == 200 and reply.json() is not None


def page_ok(reply: Reply) -> bool:
    return reply.status == 200 and b"<html" in reply.body[:2000].lower()


def grid_ok(reply: Reply) -> bool:
    data = reply.json() if reply.status == 200 else None
    n = ROOM_GRID["n"]
    return isinstance(data, dict) and len(data.get("z", [])) == n and all(len(row) == n for row in data["z"])


def typical_ok(reply: Reply) -> bool:
    return check_run(reply.status, reply.body, TYPICAL["steps"], len(TYPICAL["optimizers"])) is not None


def ndjson_ok(reply: Reply, runs: int) -> bool:
    """A whole run stream: every line JSON, one `end` per run, `done` last."""
    if reply.status != 200:
        return False
    try:
        lines = [orjson.loads(line) for line in reply.body.splitlines() if line]
    except orjson.JSONDecodeError:
        return False
    ends = sum(line.get("type") == "end" for line in lines)
    return bool(lines) and lines[-1].get("type") == "done" and ends == runs


def heavy_ok(reply: Reply) -> bool:
    """A whole run (its runs) or training (its losses) answer."""
    data = reply.json() if reply.status == 200 else None
    return isinstance(data, dict) and bool(data.get("runs") or data.get("loss"))


class Kind(NamedTuple):
    """One kind of request of the room's mix."""

    name: str
    raw: bytes
    check: Callable[[Reply], bool]
    weight: int = 1


def light_kinds(port: int) -> list[Kind]:
    """The explorer's page load and runs, and a notebook's typical run, in the proportions of a room."""
    return [
        Kind("GET /", get_bytes(port, "/", GZIP), page_ok),
        Kind("GET /api/surfaces", get_bytes(port, "/api/surfaces", GZIP), json_ok),
        Kind("GET /api/optimizers", get_bytes(port, "/api/optimizers", GZIP), json_ok),
        Kind("POST /api/grid n=100", post_bytes(port, "/api/grid", ROOM_GRID, GZIP), grid_ok, 2),
        Kind(
            "POST /api/run/stream 4x500",
            post_bytes(port, "/api/run/stream", TYPICAL, GZIP),
            lambda r: ndjson_ok(r, len(TYPICAL["optimizers"])),
            2,
        ),
        Kind("POST /api/run 4x500", post_bytes(port, "/api/run", TYPICAL, GZIP), typical_ok, 3),
    ]


def heavy_kinds(port: int) -> list[Kind]:
    return [
        Kind("adam 16x100000 every 100", post_bytes(port, "/api/run", ADAM_16, GZIP), heavy_ok),
        Kind(
            "network 3x64, 2000 spiral points, 2000 steps", post_bytes(port, "/api/train", NETWORK_3X64, GZIP), heavy_ok
        ),
        Kind(
            f"newton 2x20000 on a {len(LONG_FORMULA)}-char formula",
            post_bytes(port, "/api/run", NEWTON_LONG, GZIP),
            heavy_ok,
        ),
    ]


class RssSampler:
    """The server's memory: the resident set of every process of its group (supervisor, workers and
    any child they fork), summed, every `period` s from /proc, in a thread of its own so that the
    samples keep their pace while the event loop is busy. The group is listed once a second (a scan
    of /proc costs milliseconds); in between only its known processes are read."""

    def __init__(self, pgid: int, period: float = 0.1, rescan: float = 1.0) -> None:
        self.pgid, self.period, self.rescan = pgid, period, rescan
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def run(self) -> None:
        pids: list[int] = []
        next_scan = 0.0
        while not self.stopped.is_set():
            now = time.perf_counter()
            if now >= next_scan:
                pids, next_scan = list(group_stats(self.pgid) or {}), now + self.rescan
            stats = [stat for pid in pids if (stat := process_stat(pid)) is not None and stat.group == self.pgid]
            if stats:
                self.samples.append((now, sum(stat.rss_bytes for stat in stats)))
            self.stopped.wait(self.period)

    def peak(self, since: float, until: float = math.inf) -> int | None:
        return max((rss for t, rss in self.samples if since <= t <= until), default=None)

    def latest(self) -> int | None:
        return self.samples[-1][1] if self.samples else None

    async def fresh(self) -> int | None:
        """A sample taken after now (the latest one when none comes within 2 s: the server is gone)."""
        asked = time.perf_counter()
        while (not self.samples or self.samples[-1][0] < asked) and time.perf_counter() - asked < 2.0:
            await asyncio.sleep(self.period / 2)
        return self.latest()


def megabytes(n: float | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:.0f} MB"


async def server_cores(server: Server, seconds: float) -> float | None:
    """The server's CPU (cores) over the next `seconds`."""
    c0, t0 = server.cpu(), time.perf_counter()
    await asyncio.sleep(seconds)
    c1, t1 = server.cpu(), time.perf_counter()
    return None if c0 is None or c1 is None else (c1 - c0) / (t1 - t0)


async def settle(server: Server, cores: float = 0.1, limit: float = 15.0) -> float:
    """Wait (at most `limit` s) until the server uses less than `cores` over half a second: work that an
    earlier test cut winds down before the next measurement. Returns the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        used = await server_cores(server, 0.5)
        if used is None or used < cores:
            break
    return time.perf_counter() - started


@dataclass
class Outcome:
    kind: str
    ms: float
    status: int  # 0: no answer (timeout, connection error)
    result: str  # light: "ok" or "error"; heavy: "done", "503", "cut" or "other"
    note: str = ""


@dataclass
class RoomLoad:
    clients: int
    heavy_clients: int
    duration: float
    think: float
    light: list[Outcome] = field(default_factory=list)
    heavy: list[Outcome] = field(default_factory=list)
    client_cpu_s: float = 0.0
    server_cpu_by_process: list[float] = field(default_factory=list)
    server_cpu_s: float | None = None
    other_cpu_s: float | None = None
    connections_by_process: list[int] | None = None
    rss_before: int | None = None
    rss_peak: int | None = None

    @property
    def light_ms(self) -> list[float]:
        return [o.ms for o in self.light if o.result == "ok"]

    @property
    def light_errors(self) -> int:
        return sum(o.result != "ok" for o in self.light)

    def heavy_counts(self) -> dict[str, int]:
        return {result: sum(o.result == result for o in self.heavy) for result in ("done", "503", "cut", "other")}


ANSWER_ERRORS = (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)


async def warm_room(port: int) -> None:
    """Each light request a few times on fresh connections, so that both workers have imported and
    compiled what they serve before the measurement (a room's first minute is not what it measures)."""
    for kind in light_kinds(port):
        for _ in range(4):
            await exchange_once(port, kind.raw)


async def room_load(
    server: Server, sampler: RssSampler, clients: int, heavy_clients: int, duration: float, think: float, drain: float
) -> RoomLoad:
    """`heavy_clients` loop on heavy requests (a new connection each, as a script without a session;
    after a 503 they wait its Retry-After); `clients` light clients each keep one connection, as a
    browser does, and send a request of the mix, then think 0.5–1.5 × `think` s. Light requests
    start after the heavy ones and run for `duration` s; heavy clients then start nothing new, and
    whatever is still running `drain` s later is cut (the connection closed)."""
    port = server.port
    out = RoomLoad(clients, heavy_clients, duration, think)
    kinds, heavy = light_kinds(port), heavy_kinds(port)
    weights = [kind.weight for kind in kinds]
    out.rss_before = await sampler.fresh()
    t0 = time.perf_counter()
    light_start = t0 + max(HEAVY_HEAD_START, clients * CONNECT_GAP + 1.0)
    deadline = light_start + duration
    cut_at = deadline + drain

    async def heavy_client(i: int) -> None:
        n = i
        while (started := time.perf_counter()) < deadline:
            kind = heavy[n % len(heavy)]
            n += 1
            try:
                reply = await exchange_once(port, kind.raw, timeout=cut_at - started)
            except TimeoutError:
                out.heavy.append(Outcome(kind.name, (time.perf_counter() - started) * 1e3, 0, "cut"))
                continue
            except ANSWER_ERRORS as error:
                ms = (time.perf_counter() - started) * 1e3
                out.heavy.append(Outcome(kind.name, ms, 0, "other", type(error).__name__))
                await asyncio.sleep(0.1)
                continue
            ms = (time.perf_counter() - started) * 1e3
            if reply.status == 200 and kind.check(reply):
                out.heavy.append(Outcome(kind.name, ms, 200, "done"))
            elif reply.status == 503:
                out.heavy.append(Outcome(kind.name, ms, 503, "503", reply.detail().get("msg", "")))
                retry = float(reply.headers.get(b"retry-after", b"1"))
                await asyncio.sleep(min(retry, max(0.0, deadline - time.perf_counter())))
            else:
                note = reply.detail().get("msg", "") or reply.body[:200].decode(errors="replace")
                out.heavy.append(Outcome(kind.name, ms, reply.status, "other", note))

    async def light_client(i: int, conn: Connection) -> None:
        rng = random.Random(i)
        try:
            # Students do not click in step: the first requests are spread over one think time.
            await asyncio.sleep(max(0.0, light_start - time.perf_counter()) + rng.uniform(0, think))
            while (started := time.perf_counter()) < deadline:
                kind = rng.choices(kinds, weights)[0]
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        reply = await conn.exchange(kind.raw)
                    status, good = reply.status, kind.check(reply)
                except ANSWER_ERRORS:
                    status, good = 0, False
                ms = (time.perf_counter() - started) * 1e3
                out.light.append(Outcome(kind.name, ms, status, "ok" if good else "error"))
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        finally:
            conn.close()

    marks: dict[str, CpuSnapshot] = {}

    async def marker() -> None:
        await asyncio.sleep(max(0.0, light_start - time.perf_counter()))
        marks["start"] = cpu_snapshot(server)
        await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
        marks["end"] = cpu_snapshot(server)

    tasks = [asyncio.create_task(heavy_client(i)) for i in range(heavy_clients)]
    conns = [Connection(port) for _ in range(clients)]
    try:
        # As in measure_load: one by one, so that both workers get some of the keep-alive connections.
        for conn in conns:
            await conn.connect()
            await asyncio.sleep(CONNECT_GAP)
        out.connections_by_process = connections_per_process(server.proc.pid, port)
        tasks += [asyncio.create_task(light_client(i, conn)) for i, conn in enumerate(conns)]
        tasks.append(asyncio.create_task(marker()))
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        for conn in conns:
            conn.close()
    out.client_cpu_s, out.server_cpu_by_process, out.server_cpu_s, out.other_cpu_s = cpu_between(
        marks["start"], marks["end"]
    )
    out.rss_peak = sampler.peak(t0)
    return out


@dataclass
class Held:
    """Streams opened and never read."""

    count: int
    statuses: dict[int, int] = field(default_factory=dict)  # status -> how many (0: no answer)
    head_ms: list[float] = field(default_factory=list)
    hold_s: float = 0.0
    rss_before: int | None = None
    rss_peak: int | None = None
    rss_after: int | None = None
    cpu_holding: float | None = None  # cores over the second half of the hold
    cpu_after: float | None = None  # cores from 1 to 2 s after the streams were closed
    readyz: int | None = None  # the status of GET /readyz while they were held
    queued: int | None = None  # bytes in the connections' kernel buffers at the end of the hold
    refusal: str = ""  # the message of the first 503

    @property
    def growth(self) -> int | None:
        return None if self.rss_peak is None or self.rss_before is None else self.rss_peak - self.rss_before


def queued_bytes(port: int) -> int | None:
    """Bytes in the kernel's buffers of the connections to `port`, both ends: written by the server and not
    yet read by its clients (kernel memory, in no process's RSS)."""
    try:
        return sum(end.send_queue + end.receive_queue for end in tcp_ends(port))
    except (OSError, ValueError, IndexError):
        return None


async def unread_streams(server: Server, sampler: RssSampler, count: int, hold: float) -> Held:
    """`count` streams of the 16 × 100 000 run, opened at once; of each only the response head is
    read (the reader's buffer is small, so the rest stays in the socket buffers); held `hold` s,
    then closed. The server should stop computing once the buffers are full."""
    port = server.port
    out = Held(count, hold_s=hold)
    await settle(server)
    out.rss_before = await sampler.fresh()
    raw = post_bytes(port, "/api/run/stream", BIG)
    opened = time.perf_counter()

    async def open_one() -> asyncio.StreamWriter | None:
        status, writer = 0, None
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                reader, writer = await asyncio.open_connection(HOST, port, limit=UNREAD_LIMIT)
                writer.write(raw)
                status, headers = await read_head(reader)
                out.head_ms.append((time.perf_counter() - started) * 1e3)
                if status != 200:
                    body = await read_body(reader, headers)
                    if status == 503 and not out.refusal:
                        out.refusal = Reply(status, headers, body, len(body)).detail().get("msg", "")
        except ANSWER_ERRORS:
            status = 0
        out.statuses[status] = out.statuses.get(status, 0) + 1
        if status == 200 or writer is None:
            return writer
        writer.close()
        return None

    writers = [w for w in await asyncio.gather(*(open_one() for _ in range(count))) if w is not None]
    try:
        await asyncio.sleep(max(0.0, hold / 2 - (time.perf_counter() - opened)))
        out.readyz = (await get_once(port, "/readyz", timeout=REQUEST_TIMEOUT))[0]
        out.cpu_holding = await server_cores(server, max(0.5, opened + hold - time.perf_counter()))
        out.queued = queued_bytes(port)
    finally:
        for writer in writers:
            writer.close()
    closed = time.perf_counter()
    out.rss_peak = sampler.peak(opened, closed)
    await asyncio.sleep(1.0)
    out.cpu_after = await server_cores(server, 1.0)
    out.rss_after = await sampler.fresh()
    return out


def held_line(h: Held) -> str:
    statuses = ", ".join(f"{n} x {status or 'no answer'}" for status, n in sorted(h.statuses.items()))
    refusal = f' ("{h.refusal}")' if h.refusal else ""
    return (
        f"{h.count} unread streams of 16 opt x 100000 steps: {statuses}{refusal}; heads median "
        f"{fmt(median(h.head_ms), 0)} ms, max {fmt(max(h.head_ms, default=math.nan), 0)} ms; held {h.hold_s:.0f} s: "
        f"server RSS {megabytes(h.rss_before)} -> peak {megabytes(h.rss_peak)} (growth {megabytes(h.growth)}), "
        f"server CPU {fmt(h.cpu_holding, 2)} cores over the second half, GET /readyz {h.readyz}, "
        f"{megabytes(h.queued)} waiting in the sockets' kernel buffers; closed: RSS {megabytes(h.rss_after)} "
        f"after 2 s, server CPU {fmt(h.cpu_after, 2)} cores 1-2 s after"
    )


# ---------------------------------------------------------------------------- a room: the reproductions


class Repro(NamedTuple):
    key: str
    text: str  # what was sent, what came back, how long
    ok: bool
    rss: int | None = None  # the server's memory right after


def refusal_text(reply: Reply) -> str:
    detail = reply.detail()
    ctx = detail.get("ctx")
    numbers = "" if not isinstance(ctx, dict) else " ctx " + ", ".join(f"{k} {v:.4g}" for k, v in ctx.items())
    return f'{reply.status}{numbers} "{str(detail.get("msg", reply.body[:120].decode(errors="replace")))[:110]}"'


async def timed(port: int, raw: bytes, timeout: float = REQUEST_TIMEOUT) -> tuple[Reply, float]:
    started = time.perf_counter()
    reply = await exchange_once(port, raw, timeout)
    return reply, (time.perf_counter() - started) * 1e3


async def repro_a(server: Server) -> Repro:
    body = {"steps": 20000, "record_every": 10, "boundary": {"n": 200}}
    reply, ms = await timed(server.port, post_bytes(server.port, "/api/train", body))
    ctx = reply.detail().get("ctx") or {}
    ok = reply.status == 422 and "estimate" in ctx and "limit" in ctx and ms < 1000
    return Repro("a", f"POST /api/train {orjson.dumps(body).decode()} -> {refusal_text(reply)} in {ms:.0f} ms", ok)


async def repro_b(server: Server) -> Repro:
    port = server.port
    reply, ms = await timed(port, post_bytes(port, "/api/run", NEWTON_OVER_BUDGET))
    refused = reply.status == 422 and "estimate" in (reply.detail().get("ctx") or {})
    # A heavy run whose client gives up after 1 s: the server should be idle a second later.
    await settle(server)
    conn = Connection(port)
    before = server.cpu()
    try:
        async with asyncio.timeout(1.0):
            early = await conn.exchange(post_bytes(port, "/api/run", ADAM_16))
        left = f"answered {early.status} within 1 s"
    except TimeoutError:
        left = "left after 1 s"
    finally:
        conn.close()
    at_leave = server.cpu()
    during = None if before is None or at_leave is None else at_leave - before
    first = await server_cores(server, 1.0)
    second = await server_cores(server, 1.0)
    idle = second is not None and second < 0.15 and (during or 0) > 0.3
    text = (
        f"16 newton x 100000 steps on a {len(LONG_FORMULA)}-char formula to /api/run -> {refusal_text(reply)} "
        f"in {ms:.0f} ms; 16 adam x 100000 (every 100) to /api/run, {left}: server CPU {fmt(during, 2)} s in that "
        f"second, then {fmt(first, 2)} cores in the 1st second after, {fmt(second, 2)} in the 2nd"
    )
    return Repro("b", text, refused and idle)


def nested_exp(depth: int, constant: float) -> str:
    """exp(x*exp(x*…exp(x*y)…)) + constant: its second derivatives grow fast with the depth."""
    return "exp(x*" * depth + "y" + ")" * depth + f"+{constant:g}"


async def repro_c(server: Server) -> Repro:
    """The deepest of these formulas that is accepted (depth 8, the slowest to compile) and the first refused
    (depth 9), each with two constants; idle (the first constant twice), then again while four heavy runs
    compute, with eight different small formulas at the same moment (concurrent parses)."""
    port = server.port

    def grid(expression: str) -> bytes:
        return post_bytes(port, "/api/grid", {"surface": {"expression": expression}, "n": 50})

    asked = [(depth, constant) for depth in (8, 9) for constant in (1, 2)]
    answers: dict[tuple[int, int], list[tuple[int, str, bytes]]] = {key: [] for key in asked}

    async def ask(key: tuple[int, int]) -> float:
        reply, ms = await timed(port, grid(nested_exp(*key)))
        answers[key].append((reply.status, str(reply.detail().get("msg", "")), reply.body))
        return ms

    idle_ms = [await ask(key) for key in [*asked, (8, 1), (9, 1)]]
    heavy = [asyncio.create_task(exchange_once(port, post_bytes(port, "/api/run", ADAM_16))) for _ in range(4)]
    try:
        await asyncio.sleep(1.0)
        small = [grid(f"x**2 + {k}*y**2 + sin({k}*x)") for k in range(1, 9)]
        loaded = await asyncio.gather(
            *(ask(key) for key in asked), *(exchange_once(port, raw) for raw in small), return_exceptions=True
        )
    finally:
        for task in heavy:
            task.cancel()
        await asyncio.gather(*heavy, return_exceptions=True)
    small_ok = sum(isinstance(r, Reply) and r.status == 200 for r in loaded[len(asked) :])
    loaded_ms = [ms for ms in loaded[: len(asked)] if isinstance(ms, float)]
    # One depth, one decision (status and message) whatever the constant and the load; one body, the same bytes.
    same = True
    summary = []
    for depth in (8, 9):
        got = [answer for (d, _), answers_of in answers.items() if d == depth for answer in answers_of]
        same &= len({(status, msg) for status, msg, _ in got}) == 1
        same &= len({body for status, msg, body in answers[(depth, 1)]}) == 1
        summary.append(f"depth {depth}: " + ",".join(str(status) for status, _, _ in got))
    refusal = next((msg for got in answers.values() for status, msg, _ in got if status == 422), "")
    text = (
        f"/api/grid n=50 of {nested_exp(8, 1)} (depth 8) and depth 9, with +1 and +2; "
        f"{sum(map(len, answers.values()))} requests, the last {len(asked)} with 4 heavy runs computing: "
        f"{'; '.join(summary)} (idle max {fmt(max(idle_ms), 0)} ms, loaded max "
        f"{fmt(max(loaded_ms, default=math.nan), 0)} ms); same answers: {'yes' if same else 'NO'}; "
        f'8 concurrent small formulas: {small_ok}/8 answered 200; refusal "{refusal[:90]}"'
    )
    return Repro("c", text, same and small_ok == len(small) and len(loaded_ms) == len(asked))


class BodyTry(NamedTuple):
    status: int  # 0: no answer
    ms: float  # from sending the head to the answer's head (or to the error)
    taken: int  # bytes of the body the connection had taken by then
    answer: int  # bytes of the answer's body
    error: str  # why there was no answer

    def __str__(self) -> str:
        got = f"{self.status} ({self.answer} bytes)" if self.status else f"NO ANSWER ({self.error})"
        return f"{got} after {self.ms:.0f} ms, {self.taken / 2**20:.1f} MB taken"


async def post_body(port: int, body: bytes, chunked: bool = False) -> BodyTry:
    """POST `body` to /api/run as fast as the connection takes it, reading the answer meanwhile: a server
    that refuses a large body before reading it answers while the client is still sending."""
    reader, writer = await asyncio.open_connection(HOST, port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = f"POST /api/run HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    sent = 0

    async def pump() -> None:
        nonlocal sent
        view = memoryview(body)
        while sent < len(body):
            piece = view[sent : sent + (1 << 20)]
            writer.write(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
            await writer.drain()
            sent += len(piece)
        if chunked:
            writer.write(b"0\r\n\r\n")

    started = time.perf_counter()
    writer.write(head.encode())
    pumping = asyncio.create_task(pump())
    status, answer, error = 0, 0, ""
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            status, headers = await read_head(reader)
            ms = (time.perf_counter() - started) * 1e3
            answer = len(await read_body(reader, headers))
    except ANSWER_ERRORS as caught:
        # The server closed the connection with body bytes still unread: the kernel then resets it, and
        # the client may lose the answer that was already on its way.
        ms = (time.perf_counter() - started) * 1e3
        error = f"{type(caught).__name__}: {caught}" if not status else ""
    finally:
        pumping.cancel()
        await asyncio.gather(pumping, return_exceptions=True)  # the pump meets the same reset: expected
        writer.close()
    return BodyTry(status, ms, sent, answer, error)


def unknown_keys(size: int) -> bytes:
    """A run request padded with unknown keys to about `size` bytes of JSON."""
    body = dict(TYPICAL)
    per_key = len(b'"unknown_000000":0,')
    body.update({f"unknown_{i:06d}": 0 for i in range(size // per_key)})
    return orjson.dumps(body)


async def repro_e(server: Server) -> Repro:
    port = server.port
    meanwhile: list[float] = []
    failures = 0
    stop = asyncio.Event()

    async def light() -> None:
        nonlocal failures
        conn = Connection(port)
        try:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        status, _ = await conn.request(post_bytes(port, "/api/run", TYPICAL))
                except ANSWER_ERRORS:
                    status = 0
                meanwhile.append((time.perf_counter() - started) * 1e3)
                failures += status != 200
        finally:
            conn.close()

    filler = b" " * (50 << 20)
    tries: dict[bool, list[BodyTry]] = {False: [], True: []}
    prober = asyncio.create_task(light())
    try:
        # For 2 s, both framings in turn: whether the answer arrives before the reset varies from one try to
        # the next, and the light requests need some time to show whether they are held up.
        started = time.perf_counter()
        while time.perf_counter() - started < 2.0 or len(tries[True]) < 3:
            for chunked in (False, True):
                tries[chunked].append(await post_body(port, filler, chunked))
    finally:
        stop.set()
        await prober
    over = await post_body(port, unknown_keys(int(2.3 * 2**20)))
    under_body = unknown_keys(900 * 1024)
    under, under_ms = await timed(port, post_bytes(port, "/api/run", under_body))
    refused = all(t.status == 413 and t.ms < 1000 for t in [*tries[False], *tries[True], over])
    unharmed = failures == 0 and bool(meanwhile) and max(meanwhile) < 1000

    def outcomes(got: list[BodyTry]) -> str:
        answered = [t for t in got if t.status]
        lost = [t for t in got if not t.status]
        statuses = sorted({t.status for t in answered})
        text = f"{len(answered)} x {statuses} in max {fmt(max((t.ms for t in answered), default=math.nan), 0)} ms"
        return text + (f", {len(lost)} x NO ANSWER ({lost[0].error} after {lost[0].ms:.0f} ms)" if lost else "")

    text = (
        f"50 MB bodies to /api/run for 2 s ({max(t.taken for t in [*tries[False], *tries[True]]) / 2**20:.0f} MB "
        f"taken at most), Content-Length: {outcomes(tries[False])}; chunked: {outcomes(tries[True])}; "
        f"{len(meanwhile)} typical runs meanwhile: max "
        f"{fmt(max(meanwhile, default=math.nan), 0)} ms, {failures} failed; 2.3 MB of unknown keys -> {over}; "
        f"{len(under_body) / 2**10:.0f} KB of unknown keys -> {under.status} ({under.wire_bytes} bytes) in "
        f"{under_ms:.0f} ms"
    )
    return Repro("e", text, refused and unharmed and under.status == 422)


async def repro_f(server: Server) -> Repro:
    # Written with the standard library: orjson refuses integers beyond 64 bits.
    body = json.dumps({**TYPICAL, "schedule": {"name": "cosine", "T_max": 2**64}}).encode()
    reply, ms = await timed(server.port, post_bytes(server.port, "/api/run", body))
    text = f'/api/run with "schedule": {{"name": "cosine", "T_max": {2**64}}} -> {refusal_text(reply)} in {ms:.0f} ms'
    return Repro("f", text, reply.status == 422)


ASSET = re.compile(rb"""(?:src|href|spec-url|data-openapi-url)\s*=\s*["']([^"']+)["']""")


async def repro_g(server: Server) -> Repro:
    port = server.port
    parts, ok = [], True
    for page in ("/docs", "/redoc"):
        reply = await exchange_once(port, get_bytes(port, page))
        urls = sorted({m.decode() for m in ASSET.findall(reply.body)})
        external = [u for u in urls if u.startswith(("http:", "https:", "//"))]
        served = [u for u in urls if u not in external and not u.startswith(("#", "data:"))]
        statuses = [(await exchange_once(port, get_bytes(port, u))).status for u in served]
        missing = [u for u, s in zip(served, statuses, strict=True) if s != 200]
        ok &= reply.status == 200 and not external and not missing and bool(served)
        parts.append(
            f"{page} {reply.status}: {len(served)} assets served ({sum(s == 200 for s in statuses)} x 200)"
            + (f", missing {missing}" if missing else "")
            + (f", EXTERNAL {external}" if external else ", no external URL")
        )
    return Repro("g", "; ".join(parts), ok)


async def repro_i() -> Repro:
    """In a fresh interpreter started outside the repository (its app/ must not be on the path)."""
    code = (
        "import importlib.util, json, gdviz; "
        "print(json.dumps({'gdviz': gdviz.__file__, 'app': str(importlib.util.find_spec('app'))}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with tempfile.TemporaryDirectory() as outside:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, cwd=outside, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        out, err = await process.communicate()
    if process.returncode != 0:
        return Repro("i", f"import gdviz from {tempfile.gettempdir()}: failed: {err.decode()[-200:]}", False)
    found = orjson.loads(out)
    text = (
        f"import gdviz (outside the repository) -> {found['gdviz']}; importlib.util.find_spec('app') -> {found['app']}"
    )
    return Repro("i", text, found["app"] == "None")


async def repro_j(server: Server) -> Repro:
    port = server.port
    parts, ok = [], True
    for label, body in (
        ('"steps": true', {**TYPICAL, "steps": True}),
        ('"lr": "0.1"', {**TYPICAL, "optimizers": [{"name": "adam", "params": {"lr": "0.1"}}]}),
    ):
        reply = await exchange_once(port, post_bytes(port, "/api/run", body))
        ok &= reply.status == 422
        parts.append(f"{label} -> {reply.status} {reply.detail().get('loc')}")
    for path, expect in (("/livez", {"status": "ok"}), ("/readyz", {"status": "ready"}), ("/api/version", None)):
        reply = await exchange_once(port, get_bytes(port, path))
        data = reply.json()
        good = reply.status == 200 and (data == expect if expect else isinstance(data, dict) and "version" in data)
        ok &= good
        parts.append(f"{path} -> {reply.status} {reply.body.decode(errors='replace')[:40]}")
    asking = {
        "Origin": "http://example.org",  # another origin than the server's
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    preflight = await exchange_once(port, request_bytes(port, "OPTIONS", "/api/run", headers=asking))
    allow = preflight.headers.get(b"access-control-allow-origin", b"-").decode()
    credentials = b"access-control-allow-credentials" in preflight.headers
    ok &= preflight.status == 200 and allow == "*" and not credentials
    parts.append(f"CORS preflight -> {preflight.status}, allow-origin {allow}, credentials {credentials}")
    for _ in range(2):  # the first compresses the file, the second comes from the server's cache
        plotly, ms = await timed(port, get_bytes(port, "/static/vendor/plotly.min.js", GZIP))
        encoding = plotly.headers.get(b"content-encoding", b"none").decode()
        ok &= plotly.status == 200 and encoding == "gzip"
        parts.append(
            f"plotly.min.js {plotly.status} {encoding} {megabytes(plotly.wire_bytes)} of {megabytes(len(plotly.body))} "
            f"in {ms:.0f} ms"
        )
    return Repro("j", "; ".join(parts), ok)


def alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if process_stat(pid) is not None]


async def repro_h(server: Server) -> Repro:
    """SIGTERM to the supervisor (as a process manager sends it) while a stream is open; the server is
    gone after it, so this comes last."""
    port = server.port
    pids = list(group_stats(server.proc.pid) or {})
    ending = "?"
    sent = math.nan
    async with NdjsonStream(port, "/api/run/stream", BIG) as stream:
        async with aclosing(stream.lines()) as lines:
            first = await anext(lines)
            sent = time.perf_counter()
            server.proc.send_signal(signal.SIGTERM)
            last = first[1]
            try:
                async with asyncio.timeout(10.0):
                    async for _, item in lines:
                        last = item
                ending = f"ended, last line {last.get('type')!r}"
            except TimeoutError:
                ending = "still open after 10 s"
            except ANSWER_ERRORS:
                ending = "was cut (the connection closed without the stream's last chunk)"
    stream_end = (time.perf_counter() - sent) * 1e3
    supervisor = workers = math.nan
    while time.perf_counter() - sent < 10.0:
        now = time.perf_counter()
        if math.isnan(supervisor) and server.proc.poll() is not None:
            supervisor = (now - sent) * 1e3
        if math.isnan(workers) and not alive(pids):
            workers = (now - sent) * 1e3
        if not math.isnan(supervisor) and not math.isnan(workers):
            break
        await asyncio.sleep(0.02)
    left = alive(pids)
    text = (
        f"SIGTERM to the supervisor during a 16 x 100000 stream ({len(pids)} server processes): the stream {ending} "
        f"after {stream_end:.0f} ms; supervisor exited after {fmt(supervisor, 0)} ms, all processes gone after "
        f"{fmt(workers, 0)} ms" + (f"; STILL ALIVE: {left}" if left else "")
    )
    return Repro("h", text, not left and workers < 5000 and supervisor < 5000)


async def reproductions(server: Server, sampler: RssSampler, hold: float) -> list[Repro]:
    """Each check on the idle server, in turn, printed as it completes; (h) stops the server, so it is last."""
    out: list[Repro] = []

    async def held_100() -> Repro:
        held = await unread_streams(server, sampler, 100, hold)
        ok = held.growth is not None and held.growth < 300 * 2**20 and (held.cpu_after or 0) < 0.15
        return Repro("d", held_line(held), ok)

    checks: list[tuple[str, Callable[[], Coroutine[Any, Any, Repro]]]] = [
        ("a", lambda: repro_a(server)),
        ("b", lambda: repro_b(server)),
        ("c", lambda: repro_c(server)),
        ("d", held_100),
        ("e", lambda: repro_e(server)),
        ("f", lambda: repro_f(server)),
        ("g", lambda: repro_g(server)),
        ("i", repro_i),
        ("j", lambda: repro_j(server)),
        ("h", lambda: repro_h(server)),
    ]
    for key, check in checks:
        if key != "h":
            await settle(server)
        try:
            repro = await check()
        except Exception as error:  # one broken check must not hide the others
            repro = Repro(key, f"the check itself failed: {type(error).__name__}: {error}", False)
        repro = repro._replace(rss=None if key == "h" else await sampler.fresh())
        print(repro_line(repro), flush=True)
        out.append(repro)
    return out


def repro_line(r: Repro) -> str:
    memory = "" if r.rss is None else f" [server RSS {megabytes(r.rss)}]"
    return f"  ({r.key}) {r.text}{memory} -> {'ok' if r.ok else 'FAILED'}"


@dataclass
class Room:
    workers: int
    load: RoomLoad | None = None
    held: Held | None = None
    repros: list[Repro] = field(default_factory=list)


def measure_room(args: argparse.Namespace) -> Room:
    room = Room(args.room_workers)
    with running_server(args.room_workers) as server, RssSampler(server.proc.pid) as sampler:
        run_async(warm_room(server.port))
        room.load = run_async(
            room_load(
                server,
                sampler,
                args.room_clients,
                args.room_heavy,
                args.room_duration,
                args.room_think,
                args.room_drain,
            )
        )
        print_room_load(room.load)
        if args.room_hold > 0:
            room.held = run_async(unread_streams(server, sampler, 50, args.room_hold))
            print("unread streams:\n  " + held_line(room.held), flush=True)
            print("reproductions (each against the live server):", flush=True)
            room.repros = run_async(reproductions(server, sampler, args.room_hold))
    return room


def print_room_load(r: RoomLoad) -> None:
    light = r.light_ms
    window = r.duration
    lines = [
        f"room: {r.clients} light clients (think {0.5 * r.think:g}-{1.5 * r.think:g} s) + {r.heavy_clients} heavy "
        f"clients, {r.duration:.0f} s:",
        f"  light: {len(r.light)} requests ({len(r.light) / window:.1f}/s), errors {r.light_errors}; latency "
        f"p50 {fmt(median(light))} ms, p95 {fmt(percentile(light, 95))} ms, p99 {fmt(percentile(light, 99))} ms, "
        f"max {fmt(max(light, default=math.nan))} ms",
    ]
    for kind in dict.fromkeys(o.kind for o in r.light):
        got = [o for o in r.light if o.kind == kind]
        ms = [o.ms for o in got if o.result == "ok"]
        errors = [o.status for o in got if o.result != "ok"]
        lines.append(
            f"    {kind:<28} {len(got):4d}: p50 {fmt(median(ms)):>6} ms, p99 {fmt(percentile(ms, 99)):>6} ms"
            + (f", errors {len(errors)} (statuses {sorted(set(errors))})" if errors else "")
        )
    counts = r.heavy_counts()
    lines.append("  heavy: " + ", ".join(f"{result} {n}" for result, n in counts.items()))
    for kind in dict.fromkeys(o.kind for o in r.heavy):
        got = [o for o in r.heavy if o.kind == kind]
        by_result = []
        for result in ("done", "503", "cut", "other"):
            ms = sorted(o.ms / 1e3 for o in got if o.result == result)
            if ms:
                by_result.append(f"{result} {len(ms)} ({', '.join(f'{s:.1f}' for s in ms)} s)")
        lines.append(f"    {kind}: " + "; ".join(by_result))
    notes: dict[str, int] = {}
    for o in r.heavy:
        if o.result in ("503", "other"):
            key = f"{o.status or 'no answer'} {o.note[:150]}"
            notes[key] = notes.get(key, 0) + 1
    lines += [f"    {n} x {note}" for note, n in notes.items()]
    server = "n/a"
    if r.server_cpu_s is not None:
        busy = [f"{c / window:.2f}" for c in r.server_cpu_by_process if c / window >= 0.01]
        server = f"{r.server_cpu_s / window:.2f} (by process: {', '.join(busy) or '0'})"
    lines += [
        f"  CPU in the window (cores): server {server}, load generator {r.client_cpu_s / window:.2f}, other "
        f"programs {'n/a' if r.other_cpu_s is None else f'{r.other_cpu_s / window:.2f}'}; light connections held "
        f"by each server process: {'n/a' if r.connections_by_process is None else r.connections_by_process}",
        f"  server RSS (supervisor + workers, every 100 ms): {megabytes(r.rss_before)} before, peak "
        f"{megabytes(r.rss_peak)}",
    ]
    print("\n".join(lines), flush=True)


# ---------------------------------------------------------------------------- report


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


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


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

    if results:
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


def room_summary(room: Room) -> list[str]:
    lines = []
    if (load := room.load) is not None:
        light, counts = load.light_ms, load.heavy_counts()
        done = [o.ms / 1e3 for o in load.heavy if o.result == "done"]
        p99 = percentile(light, 99)
        lines += [
            f"room, workers={room.workers}, {load.clients} light + {load.heavy_clients} heavy clients, "
            f"{load.duration:.0f} s: light {len(load.light)} requests, errors {load.light_errors}, "
            f"p50 {fmt(median(light))} / p95 {fmt(percentile(light, 95))} / p99 {fmt(p99)} ms",
            "  heavy: " + ", ".join(f"{result} {n}" for result, n in counts.items()) + f"; done in "
            f"{fmt(min(done, default=math.nan))}-{fmt(max(done, default=math.nan))} s; peak server RSS "
            f"{megabytes(load.rss_peak)} (before {megabytes(load.rss_before)})",
            f"  target light p99 < 1 s: {fmt(p99)} ms -> {verdict(p99 < 1000)}; no light errors: "
            f"{load.light_errors} -> {verdict(load.light_errors == 0)}",
        ]
    if (held := room.held) is not None:
        admitted = held.statuses.get(200, 0)
        small = held.growth is not None and held.growth < 300 << 20
        lines.append(
            f"  50 unread streams: {admitted} x 200, {held.statuses.get(503, 0)} x 503; RSS growth "
            f"{megabytes(held.growth)} (target < 300 MB -> {verdict(small)}),"
            f" after closing {megabytes(held.rss_after)}, CPU {fmt(held.cpu_after, 2)} cores; all 50 admitted -> "
            f"{verdict(admitted == held.count)}"
        )
    if room.repros:
        passed = [r.key for r in room.repros if r.ok]
        failed = [r.key for r in room.repros if not r.ok]
        lines.append(
            f"  reproductions: {len(passed)} of {len(room.repros)} ok"
            + (f"; FAILED: {', '.join(f'({k})' for k in failed)}" if failed else "")
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds of load per worker count")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before the measurement")
    parser.add_argument("--sequential", type=int, default=200, help="unloaded sequential requests (0: skip)")
    parser.add_argument("--stream-tries", type=int, default=5, help="0: skip the stream test")
    room = parser.add_argument_group("room (a class-sized load, then the reproductions)")
    room.add_argument("--room-only", action="store_true", help="skip the per-worker-count measurements")
    room.add_argument("--room-duration", type=float, default=20.0, help="seconds of light load (0: skip the room)")
    room.add_argument("--room-workers", type=int, default=2)
    room.add_argument("--room-clients", type=int, default=100, help="light clients")
    room.add_argument("--room-heavy", type=int, default=6, help="heavy clients")
    room.add_argument(
        "--room-think", type=float, default=1.0, help="mean seconds a light client waits between requests"
    )
    room.add_argument("--room-drain", type=float, default=25.0, help="seconds heavy requests may finish after the load")
    room.add_argument("--room-hold", type=float, default=10.0, help="seconds unread streams are held (0: no streams)")
    args = parser.parse_args(argv)
    workers = [] if args.room_only else [int(w) for w in args.workers.split(",")]

    install_signal_handlers()  # a SIGTERM unwinds like Ctrl-C: the server is stopped in `finally`
    generator = f"python asyncio, raw HTTP/1.1 keep-alive, {args.clients} connections, in-process"
    print(
        f"gdviz HTTP benchmark — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, {load_average()}\nload generator: {generator}",
        flush=True,
    )
    results: list[Results] = []
    room: Room | None = None
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
        if args.room_duration > 0:
            room = measure_room(args)
    except KeyboardInterrupt:
        print("\ninterrupted; the server was stopped", file=sys.stderr)
        return 130
    print("\n".join(summary(results, generator) + (room_summary(room) if room is not None else [])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
