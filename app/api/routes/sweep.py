"""POST /api/train/sweep: trainability maps, every cell's network trained in one batch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..errors import engine_errors
from ..gate import RESPONSES, gate
from ..json import FastJSONResponse
from ..models.sweep import SweepRequest, SweepResponse
from ..sweep import PreparedSweep, sweep_work

router = APIRouter(prefix="/api", tags=["networks"])


@router.post(
    "/train/sweep",
    response_model=SweepResponse,
    response_class=FastJSONResponse,
    responses=RESPONSES,
    summary="Trainability map",
)
async def post_train_sweep(body: SweepRequest, request: Request) -> Response:
    """Trains the request's network once per cell of its `axes` (the learning rate `lr` and the per-layer
    factors `lr_scale[l]`), all cells as one batch from the same initial weights on the same batches and
    dropout masks, and answers each cell's status, steps taken and final loss: each cell as /api/train
    would train it alone (README, "Trainability maps")."""
    with engine_errors():
        return await gate.answer(request, sweep_work(body), lambda check: PreparedSweep(body, check).result())
