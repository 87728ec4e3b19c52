"""POST /api/train and /api/train/stream: tiny networks, trained in numpy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from ...engine.nn.datasets import DATASETS
from ..errors import engine_errors
from ..gate import RESPONSES, gate, train_work
from ..i18n import api_lang, entity
from ..json import FastJSONResponse
from ..models.catalog import DatasetInfo
from ..models.train import RaceResponse, TrainRequest, TrainResponse
from ..training import prepare
from .catalog import LangQuery

router = APIRouter(prefix="/api", tags=["networks"])

_STREAM_DOC = {
    200: {
        "description": "NDJSON: `start` (task, data, boundary grid), a `record` line per record, "
        "`landscape`, `end` (status, weights), `done`. A race (`optimizers`): `start` adds `runs` (label, "
        "optimizer, params, model); `record` and `end` lines carry their `run` (index), one record of each run in "
        "turn, an `end` as each run ends; then one `landscape` with `paths` (one per run; none when the runs "
        "differ in activation or initial weights) and `done`.",
        "content": {"application/x-ndjson": {}},
    },
    **RESPONSES,
}


@router.get("/datasets", response_model=list[DatasetInfo], summary="Datasets for tiny networks")
def list_datasets(lang: LangQuery = None) -> list[DatasetInfo]:
    """Every dataset a network can train on, with its task (classification or regression)."""
    lang = api_lang(lang)
    return [
        DatasetInfo(
            name=name,
            task=d.task,
            title=entity(lang, "datasets", name, "title", d.title),
            description=entity(lang, "datasets", name, "description", d.description),
        )
        for name, d in DATASETS.items()
    ]


@router.post(
    "/train",
    response_model=TrainResponse | RaceResponse,
    response_class=FastJSONResponse,
    responses=RESPONSES,
    summary="Train",
)
async def post_train(body: TrainRequest, request: Request) -> Response:
    """Trains the network and answers every record, the decision-boundary frames and the loss landscape;
    with `optimizers`, one run per optimizer from the same initial weights and one shared landscape."""
    with engine_errors():
        return await gate.answer(request, train_work(body), lambda check: prepare(body, check).result())


@router.post("/train/stream", response_class=StreamingResponse, responses=_STREAM_DOC, summary="Train, streamed")
async def post_train_stream(body: TrainRequest) -> Response:
    """The same training as POST /api/train, one NDJSON line per record as training proceeds."""
    work = train_work(body)
    with engine_errors():
        training, token = await gate.prepare(work, lambda check: prepare(body, check))
    return gate.stream(work, token, training.stream_head(), training.next_line)
