"""`gdviz serve`: start the web app with uvicorn."""

from __future__ import annotations

import argparse
import os
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
        return sock


def serve(host: str, port: int, reload: bool, workers: int) -> None:
    # One BLAS thread per worker: a server scales with --workers, and a multithreaded
    # BLAS on a busy machine made a training 5× slower for twice the CPU. Set before
    # numpy is imported (by the app, in this process or the workers it starts).
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    config = _Config("gdviz.main:app", host=host, port=port, reload=reload, workers=workers, log_level="info")
    server = uvicorn.Server(config)
    try:  # as uvicorn.run does, with our socket
        if config.should_reload:
            ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
        elif config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
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
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.reload, args.workers)


if __name__ == "__main__":
    main()
