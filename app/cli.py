"""`gdviz serve`: start the web app with uvicorn."""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket

import uvicorn
from uvicorn.supervisors import ChangeReload, Multiprocess


class _Config(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        # uvicorn binds the shared socket of several workers with protocol 0, so asyncio
        # never sets TCP_NODELAY on their connections and small answers wait ~40 ms for
        # Nagle; on Linux the accepted connections inherit it from the listening socket.
        sock = super().bind_socket()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # A bounded send buffer (the kernel doubles it): a stream whose reader stopped reading
        # blocks after about half a megabyte instead of computing ahead into megabytes of buffer.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        return sock


# Set by `serve` for the workers it starts: a worker whose supervisor dies exits too.
SUPERVISOR_PID = "GDVIZ_SUPERVISOR_PID"
PR_SET_PDEATHSIG = 1
# On SIGTERM, open requests and streams get this long before they are cut, so that the
# server (its workers included) is gone within 5 s.
GRACEFUL_SECONDS = 2
SEND_BUFFER_BYTES = 256 * 1024
MAX_CONNECTIONS = 512  # per worker; more are answered 503 at once


def follow_supervisor() -> None:
    """In a worker of `gdviz serve --workers N`: ask the kernel for SIGTERM when the supervisor
    dies, so that killing it never leaves orphaned workers holding the port."""
    supervisor = os.environ.get(SUPERVISOR_PID)
    if not supervisor or not hasattr(os, "getppid"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: nothing to ask
        return
    if str(os.getppid()) != supervisor:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def serve(host: str, port: int, reload: bool, workers: int) -> None:
    # One BLAS thread per worker: a server scales with --workers, and a multithreaded
    # BLAS on a busy machine made a training 5× slower for twice the CPU. Set before
    # numpy is imported (by the app, in this process or the workers it starts).
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    if workers > 1:
        os.environ[SUPERVISOR_PID] = str(os.getpid())
    config = _Config(
        "gdviz.main:app",
        host=host,
        port=port,
        reload=reload,
        workers=workers,
        log_level="info",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        limit_concurrency=MAX_CONNECTIONS,
    )
    server = uvicorn.Server(config)
    try:  # as uvicorn.run does, with our socket
        if config.should_reload:
            ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
        elif config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run(sockets=[config.bind_socket()])
    except KeyboardInterrupt:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="gdviz", description="gdviz: a gradient descent visualizer")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="start the web app (http://127.0.0.1:8000 by default)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    run.add_argument("--workers", type=int, default=1, help="worker processes (one per core suits a server)")
    run.add_argument(
        "--budget",
        type=float,
        metavar="SECONDS",
        help="the most computation one request may need, in estimated seconds of one core (default 60); "
        "a private server may raise it (the same as GDVIZ_MAX_WORK_SECONDS)",
    )
    args = parser.parse_args(argv)
    if args.budget is not None:  # read by the settings of every worker this process starts
        os.environ["GDVIZ_MAX_WORK_SECONDS"] = repr(args.budget)
    serve(args.host, args.port, args.reload, args.workers)


if __name__ == "__main__":
    main()
