"""POST /api/train and /api/train/stream: tiny networks, trained in numpy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...engine.nn.datasets import DATASETS
from ..errors import engine_errors
from ..json import FastJSONResponse, dumps
from ..models.train import TrainRequest, TrainResponse
from ..training import PreparedTraining

router = APIRouter(prefix="/api", tags=["networks"])

_STREAM_DOC = {
    200: {
        "description": "NDJSON: `start` (task, data, boundary grid), a `record` line per record, "
        "`landscape`, `end` (status, weights), `done`.",
        "content": {"application/x-ndjson": {}},
    }
}


@router.get("/datasets", summary="Datasets for tiny networks")
def list_datasets() -> list[dict[str, str]]:
    return [{"name": name, "task": task} for name, (task, _) in DATASETS.items()]


def _result(request: TrainRequest) -> dict:
    return PreparedTraining(request).result()


@router.post("/train", response_model=TrainResponse, response_class=FastJSONResponse, summary="Train a network")
async def post_train(request: TrainRequest) -> FastJSONResponse:
    """Trains the network and answers every record, the decision-boundary frames and the loss landscape."""
    with engine_errors():
        return FastJSONResponse(await run_in_threadpool(_result, request))


@router.post("/train/stream", response_class=StreamingResponse, responses=_STREAM_DOC, summary="Train, streamed")
async def post_train_stream(request: TrainRequest) -> StreamingResponse:
    """The same training as POST /api/train, one NDJSON line per record as training proceeds."""
    with engine_errors():
        training = await run_in_threadpool(PreparedTraining, request)

    async def lines() -> AsyncIterator[bytes]:
        yield dumps({"type": "start", **training.head()}) + b"\n"
        source: Iterator[dict] = training.lines()
        while (line := await run_in_threadpool(next, source, None)) is not None:
            yield dumps(line) + b"\n"
        yield dumps({"type": "done"}) + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")
