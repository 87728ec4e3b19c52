"""`include_state` on /api/run and /api/run/stream: the optimizer's state after every update against torch's
`optimizer.state`, step by step in float64, and the gradient, step and effective learning rate beside it."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

torch = pytest.importorskip("torch")
from tests.torch_reference import TORCH_OPTIMIZERS  # noqa: E402

from .conftest import ndjson, strict_json  # noqa: E402

STEPS = 40
START = (-1.2, 1.0)
INSIDE = {"grad", "step", "effective_lr"}  # beside the optimizer's own state

# Every optimizer torch has, with settings under which it keeps each of its state entries.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("sgd", {"lr": 1e-3, "momentum": 0.9}),
    ("sgd", {"lr": 1e-3, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1}),
    ("sgd", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.5}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.05, "amsgrad": True}),
    ("adamax", {"lr": 0.05}),
    ("nadam", {"lr": 0.05}),
    ("radam", {"lr": 1e-3, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("adadelta", {"lr": 1.0, "rho": 0.8}),
]


def rosenbrock(t: Any) -> Any:
    return (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2


def torch_states(name: str, params: dict[str, Any], steps: int, noise_std: float = 0.0, max_norm: float | None = None):
    """torch's θ, received gradient and `optimizer.state` after each of `steps` updates on Rosenbrock."""
    cls = TORCH_OPTIMIZERS[name]
    known = inspect.signature(cls).parameters
    theta = torch.tensor(START, requires_grad=True)
    opt = cls([theta], **{k: tuple(v) if isinstance(v, list) else v for k, v in params.items() if k in known})
    noise = noise_std * np.random.default_rng(0).standard_normal((steps, 2))
    grads, states = [], []
    for k in range(steps):
        opt.zero_grad()
        rosenbrock(theta).backward()
        if noise_std:
            theta.grad.add_(torch.from_numpy(noise[k]))
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_([theta], max_norm)
        grads.append(theta.grad.numpy().copy())
        opt.step()
        states.append({key: value.detach().numpy().copy() for key, value in opt.state[theta].items() if key != "step"})
    return np.array(grads), states


def run(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/run", json=body)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def body_of(name: str, params: dict[str, Any], steps: int = STEPS, **extra: Any) -> dict[str, Any]:
    return {
        "surface": {"name": "rosenbrock"},
        "start": list(START),
        "steps": steps,
        "optimizers": [{"name": name, "params": params}],
        "include_state": True,
        **extra,
    }


def assert_close(ours: Any, theirs: Any, what: str) -> None:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    scale = max(1e-300, float(np.max(np.abs(theirs))))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12 * scale, err_msg=what)


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_state_equals_torch_step_by_step(client: TestClient, name: str, params: dict[str, Any]) -> None:
    answer = run(client, body_of(name, params))["runs"][0]
    assert answer["status"] == "max_steps"
    grads, states = torch_states(name, params, STEPS)
    state = answer["state"]
    assert set(state) - INSIDE == set(states[0]), "the same state entries as torch keeps, by torch's names"
    for key in set(state) - INSIDE:
        assert len(state[key]) == STEPS
        for k in range(STEPS):
            # NAdam's μ product is one number in torch; the API gives it for both coordinates.
            theirs = np.broadcast_to(states[k][key], (2,))
            assert_close(state[key][k], theirs, f"{key} after update {k}")
    assert_close(state["grad"], grads, "the gradient received")


def test_step_and_effective_lr_follow_the_trajectory(client: TestClient) -> None:
    answer = run(client, body_of("adagrad", {"lr": 0.1}))["runs"][0]
    theta = np.column_stack([answer["x"], answer["y"]])
    step, grad = np.array(answer["state"]["step"]), np.array(answer["state"]["grad"])
    np.testing.assert_array_equal(step, theta[1:] - theta[:-1])
    np.testing.assert_array_equal(np.array(answer["state"]["effective_lr"]), -step / grad)
    # AdaGrad's per-coordinate rate lr/√Σg² only shrinks.
    effective = np.array(answer["state"]["effective_lr"])
    assert np.all(np.diff(effective, axis=0) < 0)


def test_the_gradient_is_the_one_received_after_noise_and_clipping(client: TestClient) -> None:
    params = {"lr": 1e-3, "momentum": 0.9}
    body = body_of("sgd", params, noise={"std": 5.0, "seed": 0}, clip={"max_norm": 20.0})
    state = run(client, body)["runs"][0]["state"]
    grads, states = torch_states("sgd", params, STEPS, noise_std=5.0, max_norm=20.0)
    assert_close(state["grad"], grads, "noisy, clipped gradient")
    assert np.max(np.linalg.norm(grads, axis=1)) <= 20.0 + 1e-9  # clipped: so the case tests something
    assert_close(state["momentum_buffer"], [s["momentum_buffer"] for s in states], "momentum_buffer")


def test_effective_lr_is_null_where_the_gradient_is_zero(client: TestClient) -> None:
    body = body_of("adam", {"lr": 0.1}, steps=5)
    body["surface"] = {"expression": "x**2 + 0*y"}
    body["start"] = [1.0, 2.0]
    state = run(client, body)["runs"][0]["state"]
    assert all(g[1] == 0 for g in state["grad"])
    assert all(e[1] is None and e[0] > 0 for e in state["effective_lr"])


def test_lion_keeps_its_exp_avg_and_newton_nothing(client: TestClient) -> None:
    b1, b2 = 0.9, 0.99
    answer = run(client, body_of("lion", {"lr": 1e-3}))["runs"][0]
    m = np.zeros(2)
    for k, g in enumerate(np.array(answer["state"]["grad"])):
        m = b2 * m + (1 - b2) * g  # Chen et al. 2023: the momentum is updated after the step
        assert_close(answer["state"]["exp_avg"][k], m, f"exp_avg after update {k}")
    assert set(answer["state"]) == INSIDE | {"exp_avg"}
    _ = b1
    newton = run(client, body_of("newton", {"lr": 0.5}))["runs"][0]
    assert set(newton["state"]) == INSIDE and len(newton["state"]["step"]) == newton["steps_taken"]


def test_state_changes_nothing_else(client: TestClient) -> None:
    body = body_of("adam", {"lr": 0.05}, every=3)
    body["optimizers"].append({"name": "sgd", "params": {"lr": 1e-3, "momentum": 0.9}})
    with_state = run(client, body)
    without = run(client, {**body, "include_state": False})
    states = []
    for ours, plain in zip(with_state["runs"], without["runs"], strict=True):
        states.append(ours.pop("state"))
        assert ours == plain
        assert all(len(column) == len(ours["lr"]) for column in states[-1].values()), "one entry per kept update"
    full = run(client, body_of("adam", {"lr": 0.05}))["runs"][0]["state"]["exp_avg"]
    assert states[0]["exp_avg"] == full[::3][: len(with_state["runs"][0]["lr"])]


def test_a_diverged_run_has_state_for_its_good_updates(client: TestClient) -> None:
    answer = run(client, body_of("sgd", {"lr": 0.1, "momentum": 0.9}, steps=200))["runs"][0]
    assert answer["status"] == "diverged"
    assert all(len(column) == answer["steps_taken"] for column in answer["state"].values())


def test_stream_chunks_carry_the_same_state(client: TestClient) -> None:
    body = body_of("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}, steps=300)
    body["optimizers"].append({"name": "adam", "params": {"lr": 0.05}})
    whole = run(client, body)
    response = client.post("/api/run/stream", json=body)
    assert response.status_code == 200
    chunks = [line for line in ndjson(response.text) if line["type"] == "chunk"]
    assert len({line["run"] for line in chunks}) == 2 and len(chunks) > 4
    for i, expected in enumerate(whole["runs"]):
        mine = [line for line in chunks if line["run"] == i]
        for key, column in expected["state"].items():
            assert [pair for line in mine for pair in line["state"][key]] == column, key


def test_a_thinned_stream_carries_the_kept_updates(client: TestClient) -> None:
    body = body_of("adam", {"lr": 0.05}, steps=500, every=7)
    whole = run(client, body)["runs"][0]
    lines = [line for line in ndjson(client.post("/api/run/stream", json=body).text) if line["type"] == "chunk"]
    assert len(lines) > 2
    for key, column in whole["state"].items():
        assert [pair for line in lines for pair in line["state"][key]] == column, key
    full = run(client, body_of("adam", {"lr": 0.05}, steps=500))["runs"][0]["state"]
    assert whole["state"]["exp_avg_sq"] == full["exp_avg_sq"][::7]


def test_mini_batches_give_the_batch_gradient(client: TestClient) -> None:
    body = body_of("sgd", {"lr": 0.05, "momentum": 0.5}, steps=30, batch={"size": 4, "seed": 1})
    body["surface"] = {"name": "linear_regression"}
    body.pop("start")
    answer = run(client, body)["runs"][0]
    grad, buf = np.array(answer["state"]["grad"]), np.array(answer["state"]["momentum_buffer"])
    assert len(grad) == answer["steps_taken"] == 30
    np.testing.assert_allclose(buf[1:], 0.5 * buf[:-1] + grad[1:], rtol=1e-12)  # torch's buf ← μ·buf + g
    # A batch's gradient is not the full data's: its norm differs from the recorded ‖∇J‖ at the same points.
    assert not np.allclose(np.linalg.norm(grad, axis=1), answer["grad_norm"][:-1])


def test_the_state_counts_in_the_answer_size(client: TestClient) -> None:
    from gdviz.api.gate import run_work
    from gdviz.api.models.runs import RunRequest
    from gdviz.settings import settings

    body = body_of("sgd", {"lr": 1e-4, "momentum": 0.9}, steps=100_000)
    body["optimizers"] *= 4
    plain = run_work(RunRequest.model_validate({**body, "include_state": False}))
    assert plain.answer_bytes < settings.max_answer_bytes  # this one alone would be answered
    response = client.post("/api/run", json=body)
    assert response.status_code == 422
    (entry,) = response.json()["detail"]
    assert entry["ctx"]["limit"] == settings.max_answer_bytes < entry["ctx"]["estimate"]
    assert "MB" in entry["msg"] and entry["loc"][-1] == "every"


def test_a_run_with_state_stops_at_its_checks() -> None:
    from gdviz.api.convert import PreparedRun
    from gdviz.api.models.runs import RunRequest
    from gdviz.engine.errors import Cancelled

    calls = 0

    def check() -> None:  # the gate's check: the client left after three chunks
        nonlocal calls
        calls += 1
        if calls > 3:
            raise Cancelled

    prepared = PreparedRun(RunRequest.model_validate(body_of("adam", {"lr": 1e-4}, steps=100_000)))
    with pytest.raises(Cancelled):
        prepared.result(check)
    recorder = prepared.recorders[0]
    assert 0 < sum(len(part.steps) for part in recorder.parts) < 100_000, "it stopped part of the way"
