"""POST /api/train and /api/train/stream: a race whose runs carry their own `model` (activation, init,
init_scale), to set initialisations and activations side by side on the same batches.

Each run must answer exactly what the single request with that model and optimizer answers (which
test_train.py checks against torch); a race of several loss functions or starts has no shared landscape.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.api.gate import train_work  # noqa: E402
from gdviz.api.models.train import TrainRequest  # noqa: E402

from .conftest import ndjson, strict_json  # noqa: E402
from .test_train import body, train  # noqa: E402

SGD = {"name": "sgd", "params": {"lr": 0.3, "momentum": 0.5}}
ENTRIES = [
    {**SGD, "model": {"activation": "sigmoid", "init": "xavier"}},
    {**SGD, "model": {"activation": "relu", "init": "he"}},
    {"name": "adam", "params": {"lr": 0.02}},  # the request's model: tanh, xavier
    {**SGD, "model": {"init": "normal", "init_scale": 0.5}, "label": "small normal"},
]
# What each run of a race answers besides what the single training answers.
RUN_ONLY = {"label", "optimizer", "params", "model"}


def race(entries: list[dict[str, Any]] = ENTRIES, **overrides: Any) -> dict[str, Any]:
    request = body(optimizers=entries, include_weights=True, **overrides)
    del request["optimizer"]
    return request


def single(request: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """The one training a race entry stands for: its optimizer, and the request's model with its fields."""
    alone = {k: v for k, v in request.items() if k != "optimizers"}
    model = request["model"] | entry.get("model", {})
    return alone | {"model": model, "optimizer": {k: v for k, v in entry.items() if k not in ("label", "model")}}


def post_train_work(request: dict[str, Any]) -> float:
    return train_work(TrainRequest.model_validate(request)).seconds


@pytest.mark.parametrize(
    "extra",
    [
        {"sharpness": True, "histograms": True, "record_weights": True},
        {"batch_size": 9, "dropout": 0.2, "test_fraction": 0.2, "histograms": True},
        {"dataset": {"name": "sine", "n": 50}, "sharpness": True, "lr_scale": [1.0, 0.5, 2.0]},
    ],
    ids=["full-batch-everything", "mini-batch-dropout-test", "regression-lr-scale"],
)
def test_every_run_answers_what_the_single_request_with_its_model_answers(client, extra) -> None:
    request = race(**extra)
    answer = train(client, request)
    assert answer["landscape"] is None  # four networks: no one plane
    for run, entry in zip(answer["runs"], ENTRIES, strict=True):
        alone = train(client, single(request, entry))
        assert alone["data"] == answer["data"] and alone["task"] == answer["task"]
        assert set(run) - RUN_ONLY == set(alone) - {"task", "data", "landscape"}
        for key in set(run) - RUN_ONLY:
            assert run[key] == alone[key], key  # bit for bit: the same JSON numbers
    # Each run started from its own init's weights (xavier's twice: the same seed draws the same), and the
    # histograms are on its activation's edges.
    starts = [run["weights"]["initial"] for run in answer["runs"]]
    assert starts[0] == starts[2] and len({str(starts[i]) for i in (0, 1, 3)}) == 3
    if extra.get("histograms"):
        assert answer["runs"][0]["activations"][0][0]["edges"][-1] == 1.0  # sigmoid: [0, 1]
        assert answer["runs"][1]["activations"][0][0]["edges"][-1] == 4.0  # relu: [0, 4]
    assert answer["runs"][0]["loss"] != answer["runs"][1]["loss"]


def test_every_run_echoes_the_model_it_used(client) -> None:
    request = race(model={"hidden": [6, 5], "activation": "tanh", "init": "xavier", "init_scale": 2.0, "seed": 0})
    runs = train(client, request)["runs"]
    assert [r["model"] for r in runs] == [
        {"activation": "sigmoid", "init": "xavier", "init_scale": 2.0},
        {"activation": "relu", "init": "he", "init_scale": 2.0},
        {"activation": "tanh", "init": "xavier", "init_scale": 2.0},
        {"activation": "tanh", "init": "normal", "init_scale": 0.5},
    ]
    assert [r["label"] for r in runs] == [
        "SGD · sigmoid, xavier",
        "SGD · relu, he",
        "Adam · tanh, xavier",
        "small normal",  # the request's label wins
    ]


@pytest.mark.parametrize(
    ("models", "labels"),
    [
        ([{"activation": "sigmoid"}, {"activation": "relu"}], ["SGD · sigmoid", "SGD · relu"]),
        ([{"init": "xavier"}, {"init": "he"}], ["SGD · xavier", "SGD · he"]),
        (
            [{"init": "normal", "init_scale": 0.5}, {"init": "normal", "init_scale": 2}],
            ["SGD · normal σ=0.5", "SGD · normal σ=2"],
        ),
        ([{"activation": "relu"}, {"activation": "relu"}, {}], ["SGD · relu", "SGD · relu (2)", "SGD · tanh"]),
        # The request's own model, or a scale its init does not read: one network, plain labels.
        ([{"activation": "tanh", "init": "xavier"}, {"init_scale": 3}], ["SGD", "SGD (2)"]),
    ],
    ids=["activation", "init", "normal-scale", "repeated", "same-network"],
)
def test_labels_name_only_what_sets_the_runs_apart(client, models, labels) -> None:
    request = race([{**SGD, "model": m} for m in models], boundary=None, landscape=None, steps=10)
    assert [r["label"] for r in train(client, request)["runs"]] == labels


def test_runs_of_one_network_keep_the_shared_landscape(client) -> None:
    plain = race([SGD, {"name": "adam", "params": {"lr": 0.02}}])
    same = race([{**SGD, "model": {"activation": "tanh"}}, {"name": "adam", "params": {"lr": 0.02}, "model": {}}])
    scale = race([{**SGD, "model": {"init_scale": 5}}, {"name": "adam", "params": {"lr": 0.02}}])  # xavier: unread
    expected = train(client, plain)["landscape"]
    assert expected is not None and len(expected["paths"]) == 2
    for request in (same, scale):
        assert train(client, request)["landscape"] == expected
        assert post_train_work(request) == post_train_work(plain)


@pytest.mark.parametrize(
    "models",
    [[{}, {"activation": "relu"}], [{}, {"init": "he"}], [{"init": "normal"}, {"init": "normal", "init_scale": 2}]],
    ids=["activation", "init", "normal-scale"],
)
def test_runs_of_different_networks_have_no_landscape_and_it_costs_nothing(client, models) -> None:
    request = race([{**SGD, "model": m} for m in models], steps=20)
    assert train(client, request)["landscape"] is None
    big = request | {"landscape": {"n": 61, "span": 1.0, "method": "pca"}}
    assert post_train_work(big) == post_train_work(request | {"landscape": None})
    work = train_work(TrainRequest.model_validate(big))
    assert work.seconds_field != "landscape.n" and work.bytes_field != "landscape.n"
    # The same race on one network pays for its plane.
    shared = race([SGD, SGD], steps=20)
    assert post_train_work(shared | {"landscape": {"n": 61}}) > post_train_work(shared | {"landscape": None})


def test_the_budget_counts_every_run_with_its_own_activation() -> None:
    request = race(
        [{**SGD, "model": {"activation": "sigmoid"}}, {**SGD, "model": {"activation": "relu"}}],
        steps=2000,
        model={"hidden": [32, 32, 32], "activation": "tanh"},
        dataset={"name": "moons", "n": 1000, "noise": 0.1, "seed": 0},
    )
    alone = [single(request, entry) | {"landscape": None} for entry in request["optimizers"]]
    assert post_train_work(request) == pytest.approx(sum(map(post_train_work, alone)), rel=1e-12)
    sigmoid, relu = map(post_train_work, alone)
    assert sigmoid != relu  # the activation's own cost, not the request's


def test_the_stream_echoes_the_models_and_sends_no_landscape_for_different_networks(client) -> None:
    request = race(test_fraction=0.2, histograms=True)
    answer = train(client, request)
    with client.stream("POST", "/api/train/stream", json=request) as response:
        assert response.status_code == 200
        lines = ndjson(response.read().decode())
    start, *middle, done = lines
    assert start["type"] == "start" and done == {"type": "done"}
    assert start["runs"] == [{k: r[k] for k in ("label", "optimizer", "params", "model")} for r in answer["runs"]]
    assert start["runs"][1]["model"] == {"activation": "relu", "init": "he", "init_scale": 1.0}
    assert not [line for line in middle if line["type"] == "landscape"]
    for index, run in enumerate(answer["runs"]):
        mine = [r for r in middle if r["type"] == "record" and r["run"] == index]
        assert [r["loss"] for r in mine] == run["loss"]
        assert [r["activations"] for r in mine] == run["activations"]
        (end,) = [line for line in middle if line["type"] == "end" and line["run"] == index]
        assert end["weights"] == run["weights"]


@pytest.mark.parametrize("route", ["/api/train", "/api/train/stream"])
@pytest.mark.parametrize(
    ("model", "field"),
    [
        ({"hidden": [3]}, "optimizers[1].model.hidden"),
        ({"seed": 1}, "optimizers[1].model.seed"),
        ({"activation": "swish"}, "optimizers[1].model.activation"),
        ({"init": "lecun"}, "optimizers[1].model.init"),
        ({"init_scale": 0}, "optimizers[1].model.init_scale"),
        ({"init_scale": True}, "optimizers[1].model.init_scale"),
        ("relu", "optimizers[1].model"),
    ],
    ids=["hidden", "seed", "activation", "init", "scale-zero", "scale-bool", "not-an-object"],
)
def test_refusals_name_the_runs_model_field(client, route, model, field) -> None:
    request = race([SGD, {**SGD, "model": model}])
    response = client.post(route, json=request)
    assert response.status_code == 422, response.text
    (detail,) = strict_json(response.text)["detail"]
    assert detail["msg"].startswith(f"{field}: "), detail
    assert detail["loc"][:3] == ["body", "optimizers", 1] and detail["loc"][-1] == field.rsplit(".", 1)[-1]


def test_a_single_optimizer_takes_no_model_of_its_own(client) -> None:
    response = client.post("/api/train", json=body(optimizer={**SGD, "model": {"activation": "relu"}}))
    assert response.status_code == 422
    (detail,) = strict_json(response.text)["detail"]
    assert detail["msg"].startswith("optimizer.model: ")


def test_the_schema_documents_the_runs_model(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    model = schemas["RunModelConfig"]
    assert set(model["properties"]) == {"activation", "init", "init_scale"}
    assert all(p.get("description") for p in model["properties"].values())
    entry = schemas["RaceSgdOptimizer"]["properties"]["model"]
    assert "landscape" in entry["description"] and "seed" in entry["description"]
    assert "null" in schemas["RaceResponse"]["properties"]["landscape"]["description"]
    assert set(schemas["RunModel"]["required"]) == {"activation", "init", "init_scale"}


def test_an_init_race_shows_the_vanishing_gradient(client) -> None:
    """The lesson itself: deep sigmoid layers start with gradients that fade toward the input; ReLU with He
    keeps them of one size (Glorot & Bengio 2010, He et al. 2015)."""
    request = race(
        [{**SGD, "model": {"activation": "sigmoid", "init": "xavier"}}, {**SGD, "model": {"activation": "relu"}}],
        model={"hidden": [16] * 6, "activation": "tanh", "init": "he", "seed": 1},
        steps=1,
        boundary=None,
    )
    sigmoid, relu = (np.array(run["grad_norm"])[:, 0] for run in train(client, request)["runs"])
    assert sigmoid[0] < 0.05 * sigmoid[-2]  # the first layer's gradient, far below the last hidden one's
    assert relu[0] > 0.1 * relu[-2]
