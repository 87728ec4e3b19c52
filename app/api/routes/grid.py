"""POST /api/grid: surface values for contour and 3D plots."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..convert import grid
from ..errors import engine_errors
from ..gate import RESPONSES, gate, grid_work
from ..json import FastJSONResponse
from ..models.surfaces import GridRequest, GridResponse

router = APIRouter(prefix="/api", tags=["surfaces"])


@router.post(
    "/grid", response_model=GridResponse, response_class=FastJSONResponse, responses=RESPONSES, summary="Surface grid"
)
async def post_grid(body: GridRequest, request: Request) -> Response:
    """`z[j][i] = f(x[i], y[j])` (Plotly's convention) on `linspace(lo, hi, n)` in x and y; null where not finite."""
    with engine_errors():
        work = await run_in_threadpool(grid_work, body)
        return await gate.answer(request, work, lambda check: grid(body))
