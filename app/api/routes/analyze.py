"""POST /api/analyze and /api/analyze/momentum: the curvature behind a run (README, "Why it happens")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..analysis import analyze, analyze_work, momentum, momentum_work
from ..errors import engine_errors
from ..gate import RESPONSES, gate
from ..models.analyze import AnalyzeRequest, AnalyzeResponse, MomentumRequest, MomentumResponse

router = APIRouter(prefix="/api", tags=["analysis"])


@router.post("/analyze", response_model=AnalyzeResponse, responses=RESPONSES, summary="Curvature at a point")
async def post_analyze(body: AnalyzeRequest, request: Request) -> Response:
    """J, ∇J and ∇²J at `point`, the Hessian's eigenvalues and unit eigenvectors, the condition number, the
    largest stable step of plain GD (2/λ₂) and the kind of point (README, "Why it happens")."""
    with engine_errors():
        work = await run_in_threadpool(analyze_work, body)
        return await gate.answer(request, work, lambda check: analyze(body))


@router.post("/analyze/momentum", response_model=MomentumResponse, responses=RESPONSES, summary="Momentum map")
async def post_analyze_momentum(body: MomentumRequest, request: Request) -> Response:
    """The convergence rate of torch's SGD with momentum over a grid of (lr, β), on the quadratic of the
    given curvatures or of a surface's Hessian at a point: rate[j][i] < 1 converges (README, "Why it happens")."""
    with engine_errors():
        work = await run_in_threadpool(momentum_work, body)
        return await gate.answer(request, work, lambda check: momentum(body))
