"""Wires the app: routers, static files (Plotly from the installed package), templates, errors, headers."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .api.body import BodyLimit
from .api.errors import http_error_handler, validation_handler
from .api.gate import gate
from .api.headers import add_header_middleware
from .api.models.base import Refusal
from .api.routes import analyze, backprop, catalog, decks, docs, grid, health, pages, runs, sweep, train
from .assets import asset_dir
from .cli import follow_supervisor

SWITCH_INTERVAL = 0.001


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    follow_supervisor()
    # The event loop and light requests wait for the interpreter lock that heavy computations
    # hold; a shorter switch interval (default 5 ms) hands it over sooner.
    sys.setswitchinterval(SWITCH_INTERVAL)
    yield
    gate.cancel_all()  # at shutdown, computations still running stop at their next check


def create_app() -> FastAPI:
    app = FastAPI(
        title="gdviz",
        version=__version__,
        description="Gradient descent visualizer: optimizer trajectories on 2D loss surfaces. "
        'Every refusal has the shape `{"detail": [{"loc", "msg", "type"}]}`; a 422 names the offending '
        "field in `loc` and at the start of `msg`; work over the budget is a 422 with `ctx` {estimate, limit}.",
        # Served by the docs router from the app's own assets, not FastAPI's pages that load them from a CDN.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # The body limits hold for every request, whatever its route (api/body.py).
        responses={
            408: {"model": Refusal, "description": "The request body stalled: its next part came too late."},
            413: {
                "model": Refusal,
                "description": "The request body is over the size limit (`max_body_bytes`, 1 MiB by default).",
            },
        },
    )
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    for module in (catalog, grid, runs, analyze, train, sweep, backprop, decks, health, pages, docs):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=asset_dir("static")), name="static")
    # Added before the header middleware, so it runs inside it: a 413 or 408 carries CORS and CSP too.
    app.add_middleware(BodyLimit)
    add_header_middleware(app)
    return app


app = create_app()
