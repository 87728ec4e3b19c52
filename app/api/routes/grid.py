"""POST /api/grid: surface values for contour and 3D plots."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ..convert import grid
from ..errors import engine_errors
from ..json import FastJSONResponse
from ..models.surfaces import GridRequest, GridResponse

router = APIRouter(prefix="/api", tags=["surfaces"])


@router.post("/grid", response_model=GridResponse, response_class=FastJSONResponse, summary="Surface on a grid")
async def post_grid(request: GridRequest) -> FastJSONResponse:
    """`z[j][i] = f(x[i], y[j])` (Plotly's convention) on `linspace(lo, hi, n)` in x and y; null where not finite."""
    with engine_errors():
        return FastJSONResponse(await run_in_threadpool(grid, request))
