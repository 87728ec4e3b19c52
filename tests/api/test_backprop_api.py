"""POST /api/backprop: every number of one sample's pass against torch autograd, the weights the
model's initialization gives (the same as /api/train starts from) or the ones given, and refusals."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from tests.backprop_reference import torch_sample_pass  # noqa: E402

from .conftest import put, strict_json  # noqa: E402

FIELDS = ["W", "b", "z", "a", "slope", "da", "delta", "dW", "db"]
RTOL = 1e-12


def body(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "model": {"hidden": [3, 2], "activation": "tanh", "init": "xavier", "seed": 4},
        "task": "classification",
        "sample": {"x": [0.4, -1.1], "y": 1},
    }
    request.update(overrides)
    return request


def backprop(client, request: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/backprop", json=request)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def assert_close(ours, ref, what: str) -> None:
    ours, ref = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} vs torch's {ref.shape}"
    scale = max(float(np.max(np.abs(ref))), 1e-300)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=RTOL * scale, err_msg=what)


def assert_torch_agrees(answer: dict[str, Any], request: dict[str, Any]) -> None:
    """torch's pass from the weights the answer shows, on the sample the request sent."""
    model, sample = request["model"], request["sample"]
    Ws = [np.array(layer["W"]) for layer in answer["layers"]]
    bs = [np.array(layer["b"]) for layer in answer["layers"]]
    ref = torch_sample_pass(Ws, bs, model["activation"], request["task"], sample["x"], sample["y"])
    assert len(answer["layers"]) == len(model["hidden"]) + 1
    for i, (ours, theirs) in enumerate(zip(answer["layers"], ref["layers"], strict=True)):
        for field in FIELDS:
            assert_close(ours[field], theirs[field], f"layers[{i}].{field}")
    for field in ("output", "loss", "dloss_doutput"):
        assert_close(answer[field], ref[field], field)
    if request["task"] == "classification":
        assert_close(answer["probability"], ref["probability"], "probability")
    else:
        assert answer["probability"] is None
    assert answer["x"] == sample["x"] and answer["y"] == sample["y"] and answer["task"] == request["task"]


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize(
    "model",
    [
        {"hidden": [3, 2], "activation": "tanh", "init": "xavier", "seed": 4},
        {"hidden": [4, 4, 4], "activation": "relu", "init": "he", "seed": 1},
        {"hidden": [2], "activation": "sigmoid", "init": "normal", "init_scale": 1.5, "seed": 9},
        {"hidden": [], "activation": "linear", "init": "xavier", "seed": 0},
    ],
    ids=["tanh-3-2", "relu-4-4-4", "sigmoid-2", "no-hidden"],
)
def test_the_pass_equals_torch_autograd(client, task: str, model: dict[str, Any]) -> None:
    y = 0 if model["seed"] % 2 else 1
    request = body(model=model, task=task, sample={"x": [0.4, -1.1], "y": y if task == "classification" else -0.7})
    assert_torch_agrees(backprop(client, request), request)


def test_the_weights_are_the_ones_training_starts_from(client) -> None:
    """The model's init and seed give the same weights as /api/train's `weights.initial`."""
    model = {"hidden": [4, 3], "activation": "leaky_relu", "init": "he", "seed": 12}
    answer = backprop(client, body(model=model))
    training = client.post(
        "/api/train",
        json={"model": model, "steps": 1, "boundary": None, "landscape": None, "include_weights": True},
    )
    assert training.status_code == 200, training.text
    initial = strict_json(training.text)["weights"]["initial"]
    assert [{"W": layer["W"], "b": layer["b"]} for layer in answer["layers"]] == initial
    other = backprop(client, put(body(model=model), "model.seed", 13))
    assert other["layers"][0]["W"] != answer["layers"][0]["W"]


def test_given_weights_are_used(client) -> None:
    rng = np.random.default_rng(3)
    sizes = [2, 3, 2, 1]
    weights = [
        {"W": rng.normal(size=(i, o)).tolist(), "b": rng.normal(size=o).tolist()} for i, o in itertools.pairwise(sizes)
    ]
    for task, y in (("classification", 0), ("regression", 2.5)):
        request = body(task=task, weights=weights, sample={"x": [-0.3, 0.8], "y": y})
        request["model"] = {"hidden": [3, 2], "activation": "sigmoid", "seed": 0}
        answer = backprop(client, request)
        assert [{"W": layer["W"], "b": layer["b"]} for layer in answer["layers"]] == weights
        assert_torch_agrees(answer, request)


def test_defaults_answer_a_pass(client) -> None:
    answer = backprop(client, {})
    assert [len(layer["z"]) for layer in answer["layers"]] == [3, 2, 1]
    assert answer["task"] == "classification" and 0 < answer["probability"] < 1


def refusal(client, request: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/backprop", json=request)
    assert response.status_code == 422, response.text
    (entry,) = response.json()["detail"]
    return entry


@pytest.mark.parametrize(
    ("path", "value", "loc", "words"),
    [
        ("model.hidden", [2, 2, 2, 2], ["model", "hidden"], ["3", "4"]),
        ("model.hidden", [3, 5], ["model", "hidden", 1], ["4"]),
        ("model.hidden", [0], ["model", "hidden", 0], ["1"]),
        ("task", "ranking", ["task"], ["classification", "regression"]),
        ("sample.y", 0.5, ["sample", "y"], ["0", "1"]),
        ("sample.y", True, ["sample", "y"], []),
        ("sample.x", [1.0], ["sample", "x", 1], ["required"]),
        ("sample.x", [1.0, 2.0, 3.0], ["sample", "x"], ["2", "3"]),
        ("sample.x", [1.0, "2"], ["sample", "x", 1], []),
        ("sample.x", [2e6, 0.0], ["sample", "x", 0], ["1000000"]),
        ("weights", [{"W": [[1.0]], "b": [0.0]}], ["weights"], ["3", "1"]),
        ("weights", [{"W": [[1.0, 2.0, 3.0]] * 3, "b": [0.0] * 3}] * 3, ["weights", 0, "W"], ["2", "3"]),
        ("model.activation", "swish", ["model", "activation"], ["tanh"]),
        ("extra", 1, ["extra"], []),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, path, value, loc, words) -> None:
    entry = refusal(client, put(body(), path, value))
    assert entry["loc"] == ["body", *loc]
    for word in words:
        assert word in entry["msg"], entry["msg"]


def test_shapes_of_given_weights_are_checked_layer_by_layer(client) -> None:
    weights = [
        {"W": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], "b": [0.0, 0.0, 0.0]},
        {"W": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "b": [0.0]},
        {"W": [[1.0], [1.0]], "b": [0.0]},
    ]
    entry = refusal(client, body(weights=weights))
    assert entry["loc"] == ["body", "weights", 1, "b"] and "2" in entry["msg"]
    weights[1]["b"] = [0.0, 0.0]
    weights[2]["W"] = [[1.0], [1.0, 2.0]]
    entry = refusal(client, body(weights=weights))
    assert entry["loc"] == ["body", "weights", 2, "W"]


def test_the_schema_documents_the_endpoint(client) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/backprop"]["post"]
    assert "422" in operation["responses"]
    fields = schema["components"]["schemas"]["LayerPassOut"]["properties"]
    assert set(FIELDS) <= set(fields)
