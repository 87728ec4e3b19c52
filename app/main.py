"""Wires the app: routers, static files (Plotly from the installed package), templates, errors."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles

from . import __version__
from .api.errors import validation_handler
from .api.routes import catalog, grid, pages, runs, train
from .assets import asset_dir


def create_app() -> FastAPI:
    app = FastAPI(
        title="gdviz",
        version=__version__,
        description="Gradient descent visualizer: optimizer trajectories on 2D loss surfaces. "
        "Every 422 names the offending field in `loc` and at the start of `msg`.",
    )
    app.add_exception_handler(RequestValidationError, validation_handler)
    for module in (catalog, grid, runs, train, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=asset_dir("static")), name="static")
    return app


app = create_app()
