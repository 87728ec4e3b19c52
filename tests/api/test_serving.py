"""Serving a room, against the real server: work stops when its client leaves, heavy work is
admitted through a short queue, slow readers are dropped, SIGTERM ends everything within 5 s."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..server import Server, running_server
from .conftest import rosenbrock_run

TICKS = os.sysconf("SC_CLK_TCK")
# About 7 s of Adam: long enough to notice it running, well inside the default budget.
LONG_RUN = rosenbrock_run(steps=100_000, every=50, optimizers=[{"name": "adam", "params": {"lr": 1e-3}}] * 12)
LONG_TRAINING = {
    "dataset": {"name": "spiral", "n": 2000},
    "model": {"hidden": [64, 64, 64]},
    "steps": 2000,
    "record_every": 2000,
    "boundary": None,
    "landscape": None,
}


def _pids(root: int) -> list[int]:
    """The process and all its descendants."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            todo.extend(int(c) for c in children)
    return found


def _cpu_seconds(root: int) -> float:
    total = 0
    for pid in _pids(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _busy_after(server: Server, leave: float, window: float = 1.0) -> float:
    """CPU seconds the server spends in a `window` starting `leave` seconds after now."""
    time.sleep(leave)
    before = _cpu_seconds(server.process.pid)
    time.sleep(window)
    return _cpu_seconds(server.process.pid) - before


def _all_gone(pids: list[int], within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("serving")) as running:
        yield running


@pytest.mark.parametrize(("path", "body"), [("/api/run", LONG_RUN), ("/api/train", LONG_TRAINING)])
def test_a_whole_answer_stops_its_work_when_the_client_leaves(server, path, body):
    with httpx.Client(base_url=server.base) as client:
        client.post("/api/run", json=rosenbrock_run(steps=10))  # warm: imports and compiled formulas
        start = _cpu_seconds(server.process.pid)
        with pytest.raises(httpx.ReadTimeout):
            client.post(path, json=body, timeout=httpx.Timeout(5.0, read=1.0))
    assert _cpu_seconds(server.process.pid) - start > 0.5, "the request did start computing"
    # Within a second of the client leaving, the server is idle again.
    assert _busy_after(server, leave=1.0) < 0.15


@pytest.mark.parametrize(("path", "body"), [("/api/run/stream", LONG_RUN), ("/api/train/stream", LONG_TRAINING)])
def test_a_stream_stops_its_work_when_the_client_leaves(server, path, body):
    with httpx.Client(base_url=server.base, timeout=10) as client:
        with client.stream("POST", path, json=body) as response:
            lines = response.iter_lines()  # held: dropping the iterator would close the connection
            assert json.loads(next(lines))["type"] == "start"
            started = _cpu_seconds(server.process.pid)
            time.sleep(0.5)
            assert _cpu_seconds(server.process.pid) - started > 0.2, "the stream was computing"
    assert _busy_after(server, leave=1.0) < 0.15


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_during_a_stream_ends_the_server_within_five_seconds(tmp_path, workers):
    with running_server(tmp_path, "--workers", str(workers)) as running:
        with httpx.Client(base_url=running.base, timeout=10) as client:
            with client.stream("POST", "/api/run/stream", json=LONG_RUN) as response:
                lines = response.iter_lines()
                assert json.loads(next(lines))["type"] == "start"
                pids = _pids(running.process.pid)
                assert len(pids) >= workers
                sent = time.monotonic()
                running.process.send_signal(signal.SIGTERM)
                running.process.wait(timeout=10)
                assert time.monotonic() - sent < 5
    assert _all_gone(pids), "a worker outlived the server"


def test_killing_the_supervisor_does_not_orphan_its_workers(tmp_path):
    with running_server(tmp_path, "--workers", "2") as running:
        deadline = time.monotonic() + 10
        while len(workers := _pids(running.process.pid)[1:]) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) >= 2
        running.process.kill()
        running.process.wait(timeout=5)
        assert _all_gone(workers)


def test_heavy_work_beyond_the_queue_is_a_503_with_retry_after(tmp_path):
    env = {"GDVIZ_HEAVY_SLOTS": "1", "GDVIZ_HEAVY_QUEUE": "1"}
    with running_server(tmp_path, env=env) as running:
        answers: list[httpx.Response] = []

        def heavy() -> None:
            with httpx.Client(base_url=running.base, timeout=60) as client:
                answers.append(client.post("/api/run", json=LONG_RUN))

        threads = [threading.Thread(target=heavy) for _ in range(2)]
        for thread in threads:
            thread.start()
            time.sleep(0.3)
        with httpx.Client(base_url=running.base, timeout=10) as client:
            busy = client.post("/api/run", json=LONG_RUN)
            ready = client.get("/readyz")
            light = client.post("/api/run", json=rosenbrock_run(steps=100))
        assert busy.status_code == 503 and busy.headers["retry-after"].isdigit()
        assert busy.json()["detail"][0]["type"] == "busy"
        assert ready.status_code == 503 and "retry-after" in ready.headers
        assert light.status_code == 200 and len(light.json()["runs"][0]["x"]) == 101, "light work never waits"
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(a.status_code for a in answers) == [200, 200], "the queued request ran after the first"
        with httpx.Client(base_url=running.base, timeout=10) as client:
            assert client.get("/readyz").json() == {"status": "ready"}


def test_a_reader_that_takes_nothing_is_dropped(tmp_path):
    env = {"GDVIZ_SEND_TIMEOUT_SECONDS": "1", "GDVIZ_MAX_STREAMS": "2"}
    with running_server(tmp_path, env=env) as running:
        with httpx.Client(base_url=running.base, timeout=10) as client:
            held = [client.stream("POST", "/api/run/stream", json=LONG_RUN) for _ in range(2)]
            responses = [h.__enter__() for h in held]  # the headers arrive, the bodies are never read
            assert all(r.status_code == 200 for r in responses)
            refused = client.post("/api/run/stream", json=rosenbrock_run(steps=10))
            assert refused.status_code == 503 and "2 streams are open" in refused.json()["detail"][0]["msg"]
            # Once the socket buffers are full, a stream waits for its reader; after 1 s it is dropped.
            deadline = time.monotonic() + 30
            while (answer := client.post("/api/run/stream", json=rosenbrock_run(steps=10))).status_code == 503:
                assert time.monotonic() < deadline, "the unread streams were never dropped"
                time.sleep(0.5)
            assert answer.text.splitlines()[-1] == '{"type":"done"}'
            for h in held:
                h.__exit__(None, None, None)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_50_mb_body_gets_its_413_every_time(server, chunked):
    """The server answers before the body is read and skips the rest: a client still sending
    is never reset, which could destroy the 413 before it is read."""
    body = b"x" * (50 * 2**20)
    head = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    for _ in range(10):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                f"POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{head}\r\n\r\n".encode()
            )
            if chunked:
                for k in range(0, len(body), 2**20):
                    sock.sendall(b"%x\r\n%s\r\n" % (2**20, body[k : k + 2**20]))
                sock.sendall(b"0\r\n\r\n")
            else:
                sock.sendall(body)
            answer = b""
            while b"}]}" not in answer and (data := sock.recv(65536)):
                answer += data
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
        assert b'"type":"body_too_large"' in answer
