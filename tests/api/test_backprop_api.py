"""POST /api/backprop: every number of one sample's pass against torch autograd, the weights the
model's initialization gives (the same as /api/train starts from) or the ones given, and refusals."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine.optimizers import OPTIMIZERS  # noqa: E402
from tests.backprop_reference import torch_sample_pass, torch_update  # noqa: E402

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


# ── The update: one step of the request's optimizer, against torch.optim ─────────────────────────────

# Every optimizer networks allow (tests/engine turns each option; here the API's path for each).
UPDATES = [
    ("sgd", {"lr": 0.3, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("adam", {"lr": 0.1}),
    ("adamw", {"lr": 0.1, "amsgrad": True}),
    ("adamax", {"lr": 0.1}),
    ("nadam", {"lr": 0.1}),
    ("radam", {"lr": 0.1, "decoupled_weight_decay": True, "weight_decay": 0.2}),
    ("adadelta", {"lr": 1.0}),
    ("lion", {"lr": 0.1, "weight_decay": 0.1}),
]


def test_every_optimizer_networks_allow_is_checked() -> None:
    assert {name for name, _ in UPDATES} == {name for name, d in OPTIMIZERS.items() if not d.needs_hessian}


@pytest.mark.parametrize(("name", "params"), UPDATES, ids=[name for name, _ in UPDATES])
def test_the_update_equals_torch_optim(client, name: str, params: dict[str, Any]) -> None:
    request = body(optimizer={"name": name, "params": params}, task="regression", sample={"x": [0.4, -1.1], "y": 0.3})
    answer = backprop(client, request)
    update = answer["update"]
    assert update["optimizer"] == name and all(update["params"][k] == v for k, v in params.items())
    Ws = [np.array(layer["W"]) for layer in answer["layers"]]
    bs = [np.array(layer["b"]) for layer in answer["layers"]]
    ref = torch_update(Ws, bs, "tanh", "regression", [0.4, -1.1], 0.3, name, params)
    assert len(update["layers"]) == len(ref) == 3
    for i, (ours, theirs) in enumerate(zip(update["layers"], ref, strict=True)):
        assert_close(ours["W"], theirs["W"], f"update.layers[{i}].W")
        assert_close(ours["b"], theirs["b"], f"update.layers[{i}].b")
        assert_close(ours["step"]["W"], theirs["W"] - Ws[i], f"update.layers[{i}].step.W")
        assert_close(ours["step"]["b"], theirs["b"] - bs[i], f"update.layers[{i}].step.b")
        torch_state = {key: value for key, value in theirs["state"].items() if key not in ("mu_product",)}
        assert set(torch_state) <= set(ours["state"]), (set(torch_state), set(ours["state"]))
        for key, value in torch_state.items():
            assert_close(ours["state"][key]["W"], value["W"], f"update.layers[{i}].state.{key}.W")
            assert_close(ours["state"][key]["b"], value["b"], f"update.layers[{i}].state.{key}.b")
    new = [{"W": layer["W"], "b": layer["b"]} for layer in update["layers"]]
    assert_close(update["loss"], backprop(client, {**request, "weights": new})["loss"], "update.loss")


def test_adam_shows_its_bias_corrected_moments_and_step(client) -> None:
    answer = backprop(client, body(optimizer={"name": "adam", "params": {"lr": 0.05, "betas": [0.8, 0.99]}}))
    for layer, update in zip(answer["layers"], answer["update"]["layers"], strict=True):
        state = update["state"]
        g = np.array(layer["dW"])
        assert_close(state["m_hat"]["W"], np.array(state["exp_avg"]["W"]) / (1 - 0.8), "m̂ = m/(1 − β₁)")
        assert_close(state["v_hat"]["W"], np.array(state["exp_avg_sq"]["W"]) / (1 - 0.99), "v̂ = v/(1 − β₂)")
        assert_close(state["m_hat"]["W"], g, "m̂ = g on the first step")
        step = -0.05 * np.array(state["m_hat"]["W"]) / (np.sqrt(state["v_hat"]["W"]) + 1e-8)
        assert_close(update["step"]["W"], step, "step = −lr·m̂/(√v̂ + ε)")


def test_the_default_update_is_sgd_at_lr_0_1(client) -> None:
    answer = backprop(client, body())
    assert answer["update"]["optimizer"] == "sgd" and answer["update"]["params"]["lr"] == 0.1
    for layer, update in zip(answer["layers"], answer["update"]["layers"], strict=True):
        assert_close(update["W"], np.array(layer["W"]) - 0.1 * np.array(layer["dW"]), "W − 0.1·∂L/∂W")
        assert update["state"] == {}


@pytest.mark.parametrize(
    ("optimizer", "loc", "words"),
    [
        ({"name": "newton"}, ["optimizer", "name"], ["Hessian"]),
        ({"name": "saddle_free_newton", "params": {"lr": 0.5}}, ["optimizer", "name"], ["Hessian"]),
        ({"name": "sgd", "params": {"lr": -0.1}}, ["optimizer", "sgd", "params", "lr"], ["0"]),
        ({"name": "adam", "params": {"momentum": 0.9}}, ["optimizer", "adam", "params", "momentum"], []),
        ({"name": "adam", "params": {"betas": [0.9, 1.0]}}, ["optimizer", "adam", "params", "betas", 1], ["1"]),
        ({"name": "sgd", "params": {"lr": 0.1, "nesterov": True}}, ["optimizer", "params", "nesterov"], ["momentum"]),
        ({"name": "sgd", "params": {"lr": 1e3, "weight_decay": 1e308}}, ["optimizer", "params"], ["float64"]),
        ({"name": "gd"}, ["optimizer"], ["sgd"]),
        ({"params": {"lr": 0.1}}, ["optimizer"], []),
    ],
)
def test_a_bad_optimizer_is_a_422_naming_the_field(client, optimizer, loc, words) -> None:
    entry = refusal(client, body(optimizer=optimizer))
    assert entry["loc"] == ["body", *loc], entry
    assert entry["msg"].startswith("optimizer"), entry["msg"]
    for word in words:
        assert word in entry["msg"], entry["msg"]
