"""POST /api/train/sweep (trainability maps) and POST /api/sweep (sweeps on a surface): many runs in one batch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..errors import engine_errors
from ..gate import RESPONSES, gate
from ..json import FastJSONResponse
from ..models.surface_sweep import SurfaceSweepRequest, SurfaceSweepResponse
from ..models.sweep import SweepRequest, SweepResponse
from ..surface_sweep import PreparedSurfaceSweep, surface_sweep_work
from ..sweep import PreparedSweep, sweep_work

router = APIRouter(prefix="/api")


@router.post(
    "/train/sweep",
    response_model=SweepResponse,
    response_class=FastJSONResponse,
    responses=RESPONSES,
    tags=["networks"],
    summary="Trainability map",
)
async def post_train_sweep(body: SweepRequest, request: Request) -> Response:
    """Trains the request's network once per cell of its `axes` (the learning rate `lr` and the per-layer
    factors `lr_scale[l]`), all cells as one batch from the same initial weights on the same batches and
    dropout masks, and answers each cell's status, steps taken and final loss: each cell as /api/train
    would train it alone (README, "Trainability maps")."""
    with engine_errors():
        return await gate.answer(request, sweep_work(body), lambda check: PreparedSweep(body, check).result())


@router.post(
    "/sweep",
    response_model=SurfaceSweepResponse,
    response_class=FastJSONResponse,
    responses=RESPONSES,
    tags=["runs"],
    summary="Sweep on a surface",
)
async def post_sweep(body: SurfaceSweepRequest, request: Request) -> Response:
    """Runs the request's optimizer once per cell of its `axes` (any numeric hyperparameter, `betas[0]`,
    `betas[1]`, `start.x`, `start.y`, `noise.std`, `clip.max_norm`, `clip.value`), all cells as one batch,
    and answers each cell's status, steps taken, final point and loss, and which of the surface's minima it
    reached: each cell as /api/run would run it alone (README, "Sweeps")."""
    with engine_errors():
        work = await run_in_threadpool(surface_sweep_work, body)
        return await gate.answer(request, work, lambda check: PreparedSurfaceSweep(body).result(check))
