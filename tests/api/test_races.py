"""POST /api/train and /api/train/stream with `optimizers`: a race of several optimizers on one network.

Each run must answer exactly what the single-optimizer request answers; the single request is
itself checked against torch.optim in test_train.py, and one race run is checked here too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.api.gate import train_work  # noqa: E402
from gdviz.api.models.train import TrainRequest  # noqa: E402
from gdviz.settings import settings  # noqa: E402

from .conftest import ndjson, strict_json  # noqa: E402
from .test_train import RTOL, TorchRun, body, train  # noqa: E402

RUN_KEYS = (
    "steps",
    "loss",
    "accuracy",
    "test_loss",
    "test_accuracy",
    "grad_norm",
    "weight_norm",
    "boundary",
    "weights",
    "status",
    "steps_taken",
)
ENTRIES = [
    {"name": "adam", "params": {"lr": 0.02}},
    {"name": "sgd", "params": {"lr": 0.5, "momentum": 0.9}, "label": "heavy ball"},
    {"name": "rmsprop", "params": {"lr": 0.01}},
    {"name": "adam", "params": {"lr": 0.02}},
]


def race(**overrides: Any) -> dict[str, Any]:
    request = body(optimizers=ENTRIES, include_weights=True, **overrides)
    del request["optimizer"]
    return request


def single(request: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    alone = {k: v for k, v in request.items() if k != "optimizers"}
    return alone | {"optimizer": {k: v for k, v in entry.items() if k != "label"}}


@pytest.mark.parametrize(
    "extra",
    [{}, {"batch_size": 9, "dropout": 0.2, "test_fraction": 0.2}, {"dataset": {"name": "sine", "n": 50}}],
    ids=["full-batch", "mini-batch-dropout-test", "regression"],
)
def test_every_run_answers_what_the_single_request_answers(client, extra) -> None:
    request = race(**extra)
    answer = train(client, request)
    assert set(answer) == {"task", "data", "runs", "landscape"}
    assert [r["label"] for r in answer["runs"]] == ["Adam", "heavy ball", "RMSProp", "Adam (2)"]
    assert [r["optimizer"] for r in answer["runs"]] == ["adam", "sgd", "rmsprop", "adam"]
    assert answer["runs"][1]["params"] == {
        "lr": 0.5,
        "momentum": 0.9,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
    }
    for run, entry in zip(answer["runs"], ENTRIES, strict=True):
        alone = train(client, single(request, entry))
        assert alone["data"] == answer["data"] and alone["task"] == answer["task"]
        for key in RUN_KEYS:
            assert run[key] == alone[key], key  # bit for bit: the same JSON numbers
    # The same start for all, and different optimizers went different ways.
    first = answer["runs"][0]
    assert all(r["weights"]["initial"] == first["weights"]["initial"] for r in answer["runs"])
    assert answer["runs"][1]["loss"] != first["loss"]
    assert answer["runs"][3]["loss"] == first["loss"]


def test_a_race_run_follows_torch_optim(client) -> None:
    request = race(steps=40, record_every=1, boundary=None, landscape=None)
    answer = train(client, request)
    for run, entry in zip(answer["runs"][:3], ENTRIES[:3], strict=True):
        ref = TorchRun(
            {"task": answer["task"], "data": answer["data"], "weights": run["weights"]}, single(request, entry)
        )
        np.testing.assert_allclose(run["loss"], ref.loss, rtol=RTOL, atol=0)
        assert run["loss"][-1] < 0.95 * run["loss"][0]


def test_one_landscape_holds_a_path_per_run_from_the_common_start(client) -> None:
    answer = train(client, race(landscape={"n": 7, "span": 1.0, "method": "pca"}))
    scape = answer["landscape"]
    assert set(scape) == {"a", "b", "loss", "paths"}
    assert np.array(scape["loss"]).shape == (7, 7)
    assert len(scape["paths"]) == len(ENTRIES)
    starts = {(p["a"][0], p["b"][0]) for p in scape["paths"]}
    assert len(starts) == 1
    for path, run in zip(scape["paths"], answer["runs"], strict=True):
        assert len(path["a"]) == len(path["b"]) == len(run["steps"])
        assert max(map(abs, path["a"] + path["b"])) <= scape["a"][-1]
    # A race of one has the single training's landscape.
    request = race(landscape={"n": 5, "span": 1.0, "method": "pca"})
    request["optimizers"] = ENTRIES[:1]
    one = train(client, request)["landscape"]
    alone = train(client, single(request, ENTRIES[0]))["landscape"]
    assert (one["a"], one["b"], one["loss"]) == (alone["a"], alone["b"], alone["loss"])
    assert one["paths"] == [alone["path"]]


def test_the_stream_tags_each_record_with_its_run(client) -> None:
    request = race(test_fraction=0.2)
    answer = train(client, request)
    with client.stream("POST", "/api/train/stream", json=request) as response:
        assert response.status_code == 200
        lines = ndjson(response.read().decode())
    start, *middle, done = lines
    assert start["type"] == "start" and done == {"type": "done"}
    assert start["data"] == answer["data"]
    assert start["runs"] == [{k: r[k] for k in ("label", "optimizer", "params", "model")} for r in answer["runs"]]
    assert start["runs"][0]["model"] == {"activation": "tanh", "init": "xavier", "init_scale": 1.0}
    records = [line for line in middle if line["type"] == "record"]
    assert [r["run"] for r in records[: len(ENTRIES) * 2]] == list(range(len(ENTRIES))) * 2  # one of each in turn
    for index, run in enumerate(answer["runs"]):
        mine = [r for r in records if r["run"] == index]
        assert [r["step"] for r in mine] == run["steps"]
        assert [r["loss"] for r in mine] == run["loss"]
        assert [r["test_loss"] for r in mine] == run["test_loss"]
        assert [r["z"] for r in mine] == [f["z"] for f in run["boundary"]["frames"]]
        (end,) = [line for line in middle if line["type"] == "end" and line["run"] == index]
        assert (end["status"], end["steps_taken"], end["weights"]) == (
            run["status"],
            run["steps_taken"],
            run["weights"],
        )
    (scape,) = [line for line in middle if line["type"] == "landscape"]
    assert middle[-1] is scape  # after every run has ended
    assert {k: v for k, v in scape.items() if k != "type"} == answer["landscape"]


def test_a_diverging_run_ends_alone_and_the_others_go_on(client) -> None:
    request = race(
        dataset={"name": "linear", "n": 60, "noise": 0.1, "seed": 0}, model={"hidden": [6], "activation": "linear"}
    )
    request["optimizers"] = [ENTRIES[0], {"name": "sgd", "params": {"lr": 900}}]
    runs = train(client, request)["runs"]
    assert [r["status"] for r in runs] == ["max_steps", "diverged"]
    assert runs[0]["steps_taken"] == request["steps"] and runs[1]["steps_taken"] < request["steps"]


@pytest.mark.parametrize("route", ["/api/train", "/api/train/stream"])
@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"optimizer": {"name": "sgd"}}, ["body", "optimizers"]),
        ({"optimizers": []}, ["body", "optimizers"]),
        ({"optimizers": [{"name": "sgd"}] * 9}, ["body", "optimizers"]),
        ({"optimizers": [{"name": "sgd"}, {"name": "newton"}]}, ["body", "optimizers", 1, "name"]),
        ({"optimizers": [{"name": "sgd", "params": {"momentum": 0.5, "nesterov": True, "dampening": 0.1}}]}, None),
    ],
    ids=["both", "none", "nine", "needs-hessian", "bad-params"],
)
def test_refusals_name_the_field(client, route, change, loc) -> None:
    response = client.post(route, json=race() | change)
    assert response.status_code == 422, response.text
    (detail,) = strict_json(response.text)["detail"]
    assert detail["loc"] == (loc or ["body", "optimizers", 0, "params", "nesterov"])


def test_the_gate_counts_every_run_and_refuses_a_race_too_big_before_it_starts(client) -> None:
    request = race(steps=4000, record_every=100, model={"hidden": [48, 48, 48], "activation": "tanh"})
    request["dataset"] = {"name": "moons", "n": 2000, "noise": 0.1, "seed": 0}
    one = train_work(TrainRequest.model_validate(single(request, ENTRIES[0])))
    eight = train_work(TrainRequest.model_validate(request | {"optimizers": ENTRIES * 2}))
    assert eight.seconds > 7 * one.seconds
    assert one.seconds < settings.max_work_seconds < eight.seconds, "the case must fit alone and not eight times"
    response = client.post("/api/train", json=request | {"optimizers": ENTRIES * 2})
    assert response.status_code == 422
    (detail,) = response.json()["detail"]
    assert detail["type"] == "too_much_work"
    assert detail["ctx"] == {"estimate": eight.seconds, "limit": settings.max_work_seconds}
    assert "number of optimizers" in detail["msg"]
