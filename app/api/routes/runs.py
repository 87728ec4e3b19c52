"""POST /api/run and /api/run/stream: optimizer trajectories on a surface."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..convert import PreparedRun
from ..errors import engine_errors
from ..json import FastJSONResponse
from ..models.runs import RunRequest, RunResponse
from ..streaming import RunStream

router = APIRouter(prefix="/api", tags=["runs"])

_STREAM_DOC = {
    200: {
        "description": "NDJSON: a `start` line, `chunk` lines (per run, interleaved), an `end` line per run, `done`.",
        "content": {"application/x-ndjson": {}},
    }
}


def _compute(request: RunRequest) -> dict:
    return PreparedRun(request).result()


@router.post("/run", response_model=RunResponse, response_class=FastJSONResponse, summary="Run optimizers")
async def post_run(request: RunRequest) -> FastJSONResponse:
    """Runs every optimizer from the same start on the same surface (SPEC §4) and answers
    columnar arrays: `x[k], y[k]` = θₖ, `loss[k]` = J(θₖ), `grad_norm[k]` = ‖∇J(θₖ)‖, `lr[k]`."""
    with engine_errors():
        return FastJSONResponse(await run_in_threadpool(_compute, request))


@router.post("/run/stream", response_class=StreamingResponse, responses=_STREAM_DOC, summary="Run, streamed")
async def post_run_stream(request: RunRequest) -> StreamingResponse:
    """The same run as POST /api/run, streamed as NDJSON while it computes; the chunks of
    run i, concatenated field by field, equal run i of /api/run."""
    with engine_errors():
        stream = await run_in_threadpool(RunStream, request)
    return StreamingResponse(stream.lines(), media_type="application/x-ndjson")
