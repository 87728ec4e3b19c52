"""POST /api/run and /api/run/stream: optimizer trajectories on a surface."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..convert import PreparedRun
from ..errors import engine_errors
from ..gate import RESPONSES, gate, run_work
from ..json import FastJSONResponse
from ..models.runs import RunRequest, RunResponse
from ..streaming import RunStream

router = APIRouter(prefix="/api", tags=["runs"])

_STREAM_DOC = {
    200: {
        "description": "NDJSON: a `start` line, `chunk` lines (per run, interleaved), "
        "an `end` line per run (`status`, `outcome`, `steps_taken`), `done`.",
        "content": {"application/x-ndjson": {}},
    },
    **RESPONSES,
}


@router.post(
    "/run", response_model=RunResponse, response_class=FastJSONResponse, responses=RESPONSES, summary="Run optimizers"
)
async def post_run(body: RunRequest, request: Request) -> Response:
    """Runs every optimizer from the same start on the same surface and answers columnar arrays:
    `x[k], y[k]` = θₖ, `loss[k]` = J(θₖ), `grad_norm[k]` = ‖∇J(θₖ)‖, `lr[k]`."""
    with engine_errors():
        work = await run_in_threadpool(run_work, body)
        return await gate.answer(request, work, lambda check: PreparedRun(body).result(check))


@router.post("/run/stream", response_class=StreamingResponse, responses=_STREAM_DOC, summary="Run, streamed")
async def post_run_stream(body: RunRequest) -> Response:
    """The same run as POST /api/run, streamed as NDJSON while it computes; the chunks of
    run i, concatenated field by field, equal run i of /api/run."""
    with engine_errors():
        work = await run_in_threadpool(run_work, body)
        stream, token = await gate.prepare(work, lambda check: RunStream(body))
    return gate.stream(work, token, stream.head, stream.next_lines)
