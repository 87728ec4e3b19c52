"""POST /api/train and /api/train/stream (SPEC §5, §7), with torch.optim as the oracle of training.

The oracle starts from the weights the API returns (`include_weights`), builds the same network in
torch (W of shape (fan_in, fan_out), z = a @ W + b) and trains it full-batch with torch.optim, the
L2 penalty added to the loss. Our `loss[i]` (data loss before update i, no penalty) must follow
torch's step for step. Settings are chosen so that training descends smoothly: where a run
oscillates, rounding differences of 1e-16 grow chaotically and no tolerance would mean anything.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.api.json import dumps  # noqa: E402
from gdviz.api.training import PreparedTraining  # noqa: E402
from gdviz.engine.nn.datasets import DATASETS, make_dataset  # noqa: E402
from gdviz.engine.nn.landscape import _random_directions, loss_landscape  # noqa: E402
from gdviz.engine.nn.layers import Dense  # noqa: E402
from gdviz.engine.nn.network import Architecture, flatten, initialize, loss_and_grad, predict  # noqa: E402
from gdviz.engine.nn.train import boundary_grid  # noqa: E402
from tests.torch_reference import TORCH_ACTIVATIONS, TORCH_OPTIMIZERS  # noqa: E402

from .conftest import ndjson, strict_json  # noqa: E402

RTOL = 1e-9


def body(**overrides: Any) -> dict[str, Any]:
    """A small, fast request; `overrides` replace top-level keys."""
    request: dict[str, Any] = {
        "dataset": {"name": "moons", "n": 60, "noise": 0.1, "seed": 0},
        "model": {"hidden": [6, 5], "activation": "tanh", "init": "xavier", "seed": 0},
        "optimizer": {"name": "adam", "params": {"lr": 0.02}},
        "steps": 40,
        "record_every": 10,
        "boundary": {"n": 7},
        "landscape": {"n": 9, "span": 1.0, "method": "pca"},
    }
    request.update(overrides)
    return request


def train(client, request: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/train", json=request)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


# --- 2. torch.optim as the oracle -------------------------------------------------------------


class TorchRun:
    def __init__(self, answer: dict[str, Any], request: dict[str, Any]) -> None:
        model, steps = request["model"], request["steps"]
        initial = answer["weights"]["initial"]
        self.Ws = [torch.tensor(layer["W"], dtype=torch.float64, requires_grad=True) for layer in initial]
        self.bs = [torch.tensor(layer["b"], dtype=torch.float64, requires_grad=True) for layer in initial]
        self.x = torch.tensor(answer["data"]["x"], dtype=torch.float64)
        self.y = torch.tensor(answer["data"]["y"], dtype=torch.float64)
        self.act = TORCH_ACTIVATIONS[model["activation"]]
        self.task = answer["task"]
        l2 = request.get("l2", 0.0)
        params = [p for pair in zip(self.Ws, self.bs, strict=True) for p in pair]
        opt_params = dict(request["optimizer"]["params"])
        if "betas" in opt_params:
            opt_params["betas"] = tuple(opt_params["betas"])
        opt = TORCH_OPTIMIZERS[request["optimizer"]["name"]](params, **opt_params)
        schedule = request.get("schedule")
        sched = None
        if schedule is not None:
            assert schedule["name"] == "cosine"
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, schedule.get("T_max", steps))
        clip = request.get("clip") or {}
        self.loss, self.grad_norm, self.weight_norm, self.accuracy, self.clipped = [], [], [], [], 0
        for step in range(steps + 1):
            opt.zero_grad()
            out = self.output()
            if self.task == "classification":
                data = torch.nn.functional.binary_cross_entropy_with_logits(out, self.y)
                self.accuracy.append(float(((out > 0) == (self.y > 0.5)).double().mean()))
            else:
                data = torch.nn.functional.mse_loss(out, self.y)
            (data + l2 / 2 * sum((W * W).sum() for W in self.Ws)).backward()
            self.loss.append(data.item())
            self.grad_norm.append([float(torch.linalg.norm(W.grad)) for W in self.Ws])
            self.weight_norm.append([float(torch.linalg.norm(W.detach())) for W in self.Ws])
            if step == steps:
                break
            if "max_norm" in clip:
                total = torch.nn.utils.clip_grad_norm_(params, clip["max_norm"])
                self.clipped += int(total > clip["max_norm"])
            if "value" in clip:
                self.clipped += int(max(float(p.grad.abs().max()) for p in params) > clip["value"])
                torch.nn.utils.clip_grad_value_(params, clip["value"])
            opt.step()
            if sched is not None:
                sched.step()

    def output(self) -> torch.Tensor:
        a = self.x
        for W, b in zip(self.Ws[:-1], self.bs[:-1], strict=True):
            a = self.act(a @ W + b)
        return (a @ self.Ws[-1] + self.bs[-1])[:, 0]


def oracle_request(name: str, params: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    request = body(
        optimizer={"name": name, "params": params},
        steps=60,
        record_every=1,
        boundary=None,
        landscape=None,
        include_weights=True,
    )
    request.update(overrides)
    return request


# (optimizer, hyperparameters, dataset, activation): every family, across datasets and activations;
# learning rates that descend without zig-zagging.
ORACLE_CASES = [
    ("sgd", {"lr": 0.5}, "moons", "tanh"),
    ("sgd", {"lr": 0.1, "momentum": 0.9}, "linear", "relu"),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, "gaussians", "sigmoid"),
    ("sgd", {"lr": 0.2, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01}, "xor", "leaky_relu"),
    ("adam", {"lr": 0.02}, "circles", "tanh"),
    ("adam", {"lr": 0.02, "amsgrad": True, "weight_decay": 0.01}, "sine", "tanh"),
    ("adamw", {"lr": 0.02, "weight_decay": 0.1}, "moons", "relu"),
    ("rmsprop", {"lr": 0.003}, "spiral", "tanh"),
    ("rmsprop", {"lr": 0.002, "centered": True, "momentum": 0.5}, "moons", "leaky_relu"),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01}, "xor", "tanh"),
    ("adamax", {"lr": 0.02}, "linear", "linear"),
    ("nadam", {"lr": 0.02}, "moons", "sigmoid"),
    ("radam", {"lr": 0.02, "weight_decay": 0.01, "decoupled_weight_decay": True}, "circles", "relu"),
    ("adadelta", {"lr": 1.0}, "sine", "tanh"),
    ("adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01}, "gaussians", "leaky_relu"),
]

FEATURE_CASES = [
    ("l2", "sgd", {"lr": 0.3, "momentum": 0.5}, {"l2": 0.05}),
    ("l2", "adam", {"lr": 0.02}, {"l2": 0.02}),
    ("cosine", "sgd", {"lr": 0.3, "momentum": 0.5}, {"schedule": {"name": "cosine"}}),
    ("cosine", "adam", {"lr": 0.03}, {"schedule": {"name": "cosine", "T_max": 25}}),
    ("max_norm", "sgd", {"lr": 0.5}, {"clip": {"max_norm": 0.05}}),
    ("max_norm", "adam", {"lr": 0.02}, {"clip": {"max_norm": 0.05}, "l2": 0.01}),
    ("value", "sgd", {"lr": 0.5}, {"clip": {"value": 0.02}}),
]


def assert_follows_torch(client, request: dict[str, Any]) -> TorchRun:
    answer = train(client, request)
    ref = TorchRun(answer, request)
    steps = request["steps"]
    assert answer["status"] == "max_steps"
    assert answer["steps"] == list(range(steps + 1))
    np.testing.assert_allclose(answer["loss"], ref.loss, rtol=RTOL, atol=0, err_msg="loss records")
    np.testing.assert_allclose(
        np.array(answer["grad_norm"]).T, ref.grad_norm, rtol=RTOL, atol=1e-13, err_msg="grad_norm records"
    )
    np.testing.assert_allclose(np.array(answer["weight_norm"]).T, ref.weight_norm, rtol=RTOL, err_msg="weight_norm")
    if answer["task"] == "classification":
        assert answer["accuracy"] == ref.accuracy
    else:
        assert answer["accuracy"] is None
    for ours, W, b in zip(answer["weights"]["final"], ref.Ws, ref.bs, strict=True):
        np.testing.assert_allclose(ours["W"], W.detach().numpy(), rtol=RTOL, atol=1e-12, err_msg="final W")
        np.testing.assert_allclose(ours["b"], b.detach().numpy(), rtol=RTOL, atol=1e-12, err_msg="final b")
    # The run must learn something, or the comparison tests little.
    assert answer["loss"][-1] < 0.95 * answer["loss"][0]
    return ref


@pytest.mark.parametrize(
    ("name", "params", "dataset", "activation"),
    ORACLE_CASES,
    ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items())}-{d}-{a}" for n, p, d, a in ORACLE_CASES],
)
def test_training_follows_torch_optim(client, name, params, dataset, activation) -> None:
    request = oracle_request(name, params)
    request["dataset"] = {"name": dataset, "n": 60, "noise": 0.1, "seed": 1}
    request["model"] = {**request["model"], "activation": activation}
    assert_follows_torch(client, request)


@pytest.mark.parametrize(
    ("feature", "name", "params", "extra"), FEATURE_CASES, ids=[f"{f}-{n}" for f, n, _, _ in FEATURE_CASES]
)
def test_l2_schedules_and_clipping_follow_torch(client, feature, name, params, extra) -> None:
    ref = assert_follows_torch(client, oracle_request(name, params, **extra))
    if "clip" in extra:
        assert ref.clipped > 10, "clipping must happen, or the case tests nothing"


def test_l2_changes_the_run_but_not_what_loss_means(client) -> None:
    plain = train(client, oracle_request("sgd", {"lr": 0.3}))
    penalized = train(client, oracle_request("sgd", {"lr": 0.3}, l2=0.5))
    assert plain["loss"][0] == penalized["loss"][0]  # the data loss, with or without a penalty
    assert penalized["grad_norm"][0][0] != plain["grad_norm"][0][0]  # the gradient holds the penalty
    assert penalized["weight_norm"][0][-1] < plain["weight_norm"][0][-1]


# --- 6. shape of the answer, the stream ------------------------------------------------------


def test_train_answers_every_record_column_by_column(client) -> None:
    request = body(include_weights=True, steps=45, record_every=10)
    answer = train(client, request)
    assert answer["task"] == "classification" and answer["status"] == "max_steps"
    data = make_dataset("moons", 60, 0.1, 0)
    np.testing.assert_array_equal(answer["data"]["x"], data.x)
    np.testing.assert_array_equal(answer["data"]["y"], data.y)
    assert answer["steps"] == [0, 10, 20, 30, 40, 45]
    records = len(answer["steps"])
    assert len(answer["loss"]) == len(answer["accuracy"]) == records
    assert all(0 <= a <= 1 for a in answer["accuracy"])
    assert len(answer["grad_norm"]) == len(answer["weight_norm"]) == 3  # two hidden layers and the output
    assert all(len(column) == records for column in answer["grad_norm"] + answer["weight_norm"])
    assert answer["loss"][-1] < answer["loss"][0]

    arch = Architecture((2, 6, 5, 1), "tanh", "classification")
    initial = flatten_weights(answer["weights"]["initial"])
    final = flatten_weights(answer["weights"]["final"])
    assert [np.shape(layer["W"]) for layer in answer["weights"]["final"]] == [(2, 6), (6, 5), (5, 1)]
    assert [np.shape(layer["b"]) for layer in answer["weights"]["final"]] == [(6,), (5,), (1,)]
    for theta, i in ((initial, 0), (final, -1)):
        loss, _, _, grads = loss_and_grad(arch, theta, data.x, data.y)
        assert answer["loss"][i] == loss
        assert [column[i] for column in answer["grad_norm"]] == [float(np.linalg.norm(g.W)) for g in grads]

    boundary = answer["boundary"]
    grid = boundary_grid(data, 7)
    np.testing.assert_array_equal(boundary["x"], grid.x)
    np.testing.assert_array_equal(boundary["y"], grid.y)
    assert [frame["step"] for frame in boundary["frames"]] == answer["steps"]
    for frame in boundary["frames"]:
        z = np.array(frame["z"])
        assert z.shape == (7, 7) and np.all((z >= 0) & (z <= 1))  # class-1 probabilities
    # z[j][i] at (x[i], y[j]) of the final weights.
    z = np.array(boundary["frames"][-1]["z"])
    for i, j in ((0, 6), (3, 2), (6, 0)):
        logit = predict(arch, final, np.array([[grid.x[i], grid.y[j]]]))[0]
        assert z[j, i] == pytest.approx(1 / (1 + math.exp(-logit)), rel=1e-12)


def flatten_weights(layers: list[dict[str, Any]]) -> np.ndarray:
    return flatten([Dense(np.vstack([layer["W"], layer["b"]])) for layer in layers])


def test_regression_has_no_accuracy_and_raw_predictions_as_frames(client) -> None:
    request = body(dataset={"name": "sine", "n": 50}, include_weights=True)
    answer = train(client, request)
    assert answer["task"] == "regression" and answer["accuracy"] is None
    assert answer["loss"][-1] < answer["loss"][0]
    data = make_dataset("sine", 50, 0.1, 0)
    grid = boundary_grid(data, 7)
    gx, gy = np.meshgrid(grid.x, grid.y)
    arch = Architecture((2, 6, 5, 1), "tanh", "regression")
    final = flatten_weights(answer["weights"]["final"])
    expected = predict(arch, final, np.column_stack([gx.ravel(), gy.ravel()])).reshape(7, 7)
    np.testing.assert_allclose(answer["boundary"]["frames"][-1]["z"], expected, rtol=1e-12, atol=1e-15)
    answer = train(client, body(boundary=None, landscape=None))
    assert answer["boundary"] is None and answer["landscape"] is None and answer["weights"] is None


def test_the_stream_sends_the_same_records_as_train(client) -> None:
    for request in (
        body(include_weights=True, steps=35, record_every=5),
        body(dataset={"name": "linear", "n": 40}, landscape={"n": 5, "method": "random"}, steps=12, record_every=4),
    ):
        answer = train(client, request)
        response = client.post("/api/train/stream", json=request)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = ndjson(response.text)
        kinds = [line["type"] for line in lines]
        records = [line for line in lines if line["type"] == "record"]
        assert kinds == ["start"] + ["record"] * len(records) + ["landscape", "end", "done"]
        start, scape, end = lines[0], lines[-3], lines[-2]
        assert start["task"] == answer["task"] and start["data"] == answer["data"]
        assert start["boundary"] == {k: v for k, v in answer["boundary"].items() if k != "frames"}
        assert [r["step"] for r in records] == answer["steps"]
        assert [r["loss"] for r in records] == answer["loss"]
        accuracy = [r["accuracy"] for r in records]
        assert accuracy == (answer["accuracy"] or [None] * len(records))
        for layer, (grad, weight) in enumerate(zip(answer["grad_norm"], answer["weight_norm"], strict=True)):
            assert [r["grad_norm"][layer] for r in records] == grad
            assert [r["weight_norm"][layer] for r in records] == weight
        assert [r["z"] for r in records] == [frame["z"] for frame in answer["boundary"]["frames"]]
        assert {k: v for k, v in scape.items() if k != "type"} == answer["landscape"]
        assert end["status"] == answer["status"] and end["weights"] == answer["weights"]


# --- 5. landscape through the API ------------------------------------------------------------


@pytest.mark.parametrize("method", ["pca", "random"])
def test_landscape_centre_is_the_final_loss_and_the_path_ends_there(client, method) -> None:
    request = body(landscape={"n": 11, "span": 1.0, "method": method}, include_weights=True, steps=50, record_every=5)
    request["model"]["seed"] = 4
    answer = train(client, request)
    scape = answer["landscape"]
    n = 11
    assert len(scape["a"]) == len(scape["b"]) == n
    assert np.shape(scape["loss"]) == (n, n)
    assert len(scape["path"]["a"]) == len(scape["path"]["b"]) == len(answer["steps"])
    assert scape["loss"][n // 2][n // 2] == pytest.approx(answer["loss"][-1], rel=1e-12)
    assert abs(scape["path"]["a"][-1]) < 1e-12 and abs(scape["path"]["b"][-1]) < 1e-12
    initial = flatten_weights(answer["weights"]["initial"])
    final = flatten_weights(answer["weights"]["final"])
    start = np.array([scape["path"]["a"][0], scape["path"]["b"][0]])
    assert np.linalg.norm(start) > 0
    if method == "pca":
        # An orthonormal projection is never longer than the move it projects; the first principal
        # direction carries most of a smooth descent.
        assert np.linalg.norm(start) <= np.linalg.norm(initial - final) * (1 + 1e-12)
        assert np.linalg.norm(start) > 0.5 * np.linalg.norm(initial - final)
        assert max(np.abs(scape["path"]["a"])) <= scape["a"][-1]
    else:
        arch = Architecture((2, 6, 5, 1), "tanh", "classification")
        directions = _random_directions(arch, final, 4)
        coords, *_ = np.linalg.lstsq(directions.T, initial - final, rcond=None)
        np.testing.assert_allclose(start, coords, rtol=1e-9, atol=1e-12)
        assert scape["a"][-1] == 1.0 and scape["b"][0] == -1.0


def test_a_landscape_that_overflows_is_null_there_not_nan() -> None:
    arch = Architecture((2, 8, 8, 1), "linear", "regression")
    data = make_dataset("linear", 20, 0.1, 0)
    final = initialize(arch, "normal", 0, 1e60)  # the loss overflows away from the centre
    path = np.stack([final * 1.5, final * 1.2 + 1.0, final])
    scape = loss_landscape(arch, data.x, data.y, final, path, 5, 1.0, "random", 0)
    assert np.isnan(scape.loss).any() and np.isfinite(scape.loss).any()
    encoded = strict_json(dumps(PreparedTraining.landscape(scape)).decode())
    grid = np.array(encoded["loss"], dtype=float)  # None -> nan
    np.testing.assert_array_equal(np.isnan(grid), np.isnan(scape.loss))
    assert any(v is None for row in encoded["loss"] for v in row)


def test_a_two_record_run_still_has_a_landscape(client) -> None:
    # Two records span one direction: PCA falls back to random directions, ±span.
    answer = train(client, body(steps=5, record_every=5, landscape={"n": 5, "span": 0.5, "method": "pca"}))
    assert answer["steps"] == [0, 5]
    assert answer["landscape"]["a"] == [-0.5, -0.25, 0.0, 0.25, 0.5]
    assert answer["landscape"]["loss"][2][2] == pytest.approx(answer["loss"][-1], rel=1e-12)


# --- 6. limits and divergence ----------------------------------------------------------------


def with_(path: str, value: Any) -> dict[str, Any]:
    request = copy.deepcopy(body())
    *parents, last = path.split(".")
    node = request
    for part in parents:
        node = node[part]
    node[last] = value
    return request


LIMITS = [
    (with_("model.hidden", [4] * 9), "model.hidden"),
    (with_("model.hidden", [8, 65]), "model.hidden[1]"),
    (with_("model.hidden", [0]), "model.hidden[0]"),
    (with_("dataset.n", 2001), "dataset.n"),
    (with_("dataset.n", 3), "dataset.n"),
    (with_("dataset.noise", -0.1), "dataset.noise"),
    (with_("landscape.n", 62), "landscape.n"),
    (with_("landscape.method", "hessian"), "landscape.method"),
    (with_("landscape.span", 0), "landscape.span"),
    (with_("boundary.n", 201), "boundary.n"),
    (with_("dataset.name", "mnist"), "dataset.name"),
    (with_("model.activation", "swish"), "model.activation"),
    (with_("model.init", "orthogonal"), "model.init"),
    (with_("model.init_scale", 0), "model.init_scale"),
    (with_("dropout", 1.0), "dropout"),
    (with_("dropout", -0.1), "dropout"),
    (with_("l2", -0.01), "l2"),
    (with_("batch_size", 0), "batch_size"),
    (with_("optimizer", {"name": "newton"}), "optimizer.name"),
    (with_("optimizer", {"name": "saddle_free_newton"}), "optimizer.name"),
    (with_("optimizer", {"name": "lbfgs"}), "optimizer"),
    (with_("optimizer.params", {"lr": 0}), "optimizer.params.lr"),
    (with_("optimizer.params", {"momentum": 0.9}), "optimizer.params.momentum"),
    (with_("steps", 0), "steps"),
    (with_("steps", 20_001), "steps"),
    ({**body(), "steps": 20_000, "record_every": 1}, "record_every"),
    (with_("record_every", 0), "record_every"),
    (with_("clip", {"max_norm": 1, "value": 1}), "clip"),
    (with_("schedule", {"name": "cosine", "T_max": 0}), "schedule.T_max"),
    (with_("surprise", 1), "surprise"),
]


@pytest.mark.parametrize(("request_body", "field"), LIMITS, ids=[field for _, field in LIMITS])
@pytest.mark.parametrize("route", ["/api/train", "/api/train/stream"])
def test_limits_answer_422_naming_the_field(client, route, request_body, field) -> None:
    response = client.post(route, json=request_body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(error["msg"].startswith(field) for error in detail), detail


def test_the_largest_allowed_network_trains(client) -> None:
    request = body(model={"hidden": [64] * 8}, steps=3, record_every=1, landscape={"n": 3})
    answer = train(client, request)
    assert len(answer["grad_norm"]) == 9 and answer["status"] == "max_steps"


def test_a_diverging_training_stops_at_its_last_finite_record(client) -> None:
    request = body(
        dataset={"name": "linear", "n": 100},
        model={"hidden": [8, 8], "activation": "linear", "init": "normal", "init_scale": 10},
        optimizer={"name": "sgd", "params": {"lr": 1.0}},
        steps=100,
        record_every=1,
        include_weights=True,
    )
    for route in ("/api/train", "/api/train/stream"):
        response = client.post(route, json=request)
        assert response.status_code == 200
        lines = [strict_json(response.text)] if route == "/api/train" else ndjson(response.text)
        assert "NaN" not in response.text and "Infinity" not in response.text
    answer = train(client, request)
    assert answer["status"] == "diverged"
    assert 0 < len(answer["steps"]) < 101 and answer["steps"][-1] < 100
    assert all(math.isfinite(v) for v in answer["loss"])
    assert all(math.isfinite(v) for column in answer["grad_norm"] + answer["weight_norm"] for v in column)
    assert all(math.isfinite(v) for layer in answer["weights"]["final"] for row in layer["W"] for v in row)
    assert answer["loss"][-1] > 1e3 * answer["loss"][0] or len(answer["steps"]) <= 2
    assert lines[-2]["type"] == "end" and lines[-2]["status"] == "diverged"


# --- 3. dropout through the API --------------------------------------------------------------


def test_dropout_records_are_evaluations_of_the_weights(client) -> None:
    request = body(dropout=0.5, include_weights=True, steps=30, record_every=10, l2=0.01)
    request["model"] = {"hidden": [16, 16], "activation": "relu", "init": "he", "seed": 2}
    dropped = train(client, request)
    plain = train(client, {**request, "dropout": 0.0})
    arch = Architecture((2, 16, 16, 1), "relu", "classification")
    data = make_dataset("moons", 60, 0.1, 0)
    final = flatten_weights(dropped["weights"]["final"])
    loss, _, _, grads = loss_and_grad(arch, final, data.x, data.y, 0.01)
    assert dropped["loss"][-1] == loss
    assert [column[-1] for column in dropped["grad_norm"]] == [float(np.linalg.norm(g.W)) for g in grads]
    assert dropped["loss"][0] == plain["loss"][0]
    assert dropped["loss"][-1] != plain["loss"][-1]
    assert dropped["weights"]["final"] != plain["weights"]["final"]
    assert train(client, request) == dropped  # reproducible


# --- 7. vanishing gradients ------------------------------------------------------------------


def first_over_last(client, activation: str, init: str, seed: int) -> float:
    request = body(
        model={"hidden": [8, 8, 8, 8], "activation": activation, "init": init, "init_scale": 1.0, "seed": seed},
        dataset={"name": "moons", "n": 200, "noise": 0.1, "seed": 0},
        steps=1,
        record_every=1,
        boundary=None,
        landscape=None,
    )
    grad_norm = train(client, request)["grad_norm"]
    assert len(grad_norm) == 5
    return grad_norm[0][0] / grad_norm[-1][0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigmoid_gradients_vanish_toward_the_input_and_relu_he_or_tanh_xavier_keep_them(client, seed) -> None:
    sigmoid_normal = first_over_last(client, "sigmoid", "normal", seed)
    relu_he = first_over_last(client, "relu", "he", seed)
    tanh_xavier = first_over_last(client, "tanh", "xavier", seed)
    assert sigmoid_normal < 0.1
    assert 0.2 < relu_he < 5
    assert 0.2 < tanh_xavier < 5
    assert min(relu_he, tanh_xavier) > 5 * sigmoid_normal
    # Xavier does not rescue sigmoid: its slope is at most 1/4, so each layer still shrinks the
    # gradient about fourfold (Glorot & Bengio's derivation assumes a unit slope at 0).
    assert first_over_last(client, "sigmoid", "xavier", seed) < 0.1


def test_datasets_route_lists_every_dataset_with_its_task(client) -> None:
    answer = client.get("/api/datasets").json()
    assert answer == [
        {"name": name, "task": d.task, "title": d.title, "description": d.description} for name, d in DATASETS.items()
    ]
    assert {d["task"] for d in answer} == {"classification", "regression"}
