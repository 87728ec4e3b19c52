"""Mini-batches on data-defined surfaces, against a torch loop that draws the same batches.

The batches are re-derived here from the README's rule (a permutation per epoch cut into slices,
or `rng.integers` per update), the loss of each batch is written again in torch, and every record
(θ, the full-data J and ‖∇J‖, the batch objective) must agree in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gdviz.engine.batches import BatchSpec, Sampler
from gdviz.engine.errors import InvalidInput
from gdviz.engine.plan import OptimizerChoice, plan_run
from gdviz.engine.runner import MAX_STEPS, collect, run
from gdviz.engine.surfaces import resolve_builtin

from .helpers import opt, run_plan

torch = pytest.importorskip("torch")
from tests.torch_reference import TORCH_OPTIMIZERS  # noqa: E402

LINEAR = resolve_builtin("linear_regression", {"n": 100, "seed": 3})
LOGISTIC = resolve_builtin("logistic_regression", {"n": 60, "seed": 1, "separation": 0.5})
START = (-1.5, -1.0)
RTOL, ATOL = 1e-11, 1e-12


def spec_batches(n: int, size: int, seed: int, replace: bool, count: int) -> list[np.ndarray]:
    """The batches as the README states them, written out again."""
    rng = np.random.default_rng(seed)
    if replace:
        return [rng.integers(0, n, size) for _ in range(count)]
    out: list[np.ndarray] = []
    while len(out) < count:
        perm = rng.permutation(n)
        out.extend(perm[i : i + size] for i in range(0, n, size))
    return out[:count]


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize(("n", "size"), [(10, 3), (12, 4), (7, 7), (5, 1)])
def test_the_sampler_draws_the_batches_of_the_readme(n: int, size: int, replace: bool) -> None:
    sampler = Sampler(n, BatchSpec(size, 11, replace))
    got = sampler.take(5) + sampler.take(1) + sampler.take(9)  # asked for in pieces, as chunks do
    want = spec_batches(n, size, 11, replace, 15)
    assert len(got) == 15
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    if not replace:
        # An epoch visits every point once; its last slice is shorter when size does not divide n.
        per_epoch = -(-n // size)
        assert sorted(np.concatenate(got[:per_epoch]).tolist()) == list(range(n))
        assert len(got[per_epoch - 1]) == n - size * (per_epoch - 1)


def torch_loss(surface: Any, theta: Any, idx: np.ndarray | None) -> Any:
    """The mean loss over the points idx (all of them when None), written from the README's formulas."""
    x = torch.tensor(surface.data[0], dtype=torch.float64)
    y = torch.tensor(surface.data[1], dtype=torch.float64)
    if idx is not None:
        index = torch.from_numpy(np.asarray(idx))
        x, y = x[index], y[index]
    w, b = theta[0], theta[1]
    if surface.name == "linear_regression":
        return 0.5 * ((w * x + b - y) ** 2).mean()
    s = 2 * y - 1
    return torch.nn.functional.softplus(-s * (w * x + b)).mean()


def torch_loop(
    surface: Any,
    steps: int,
    name: str,
    params: dict[str, Any],
    batches: list[np.ndarray] | None,
    *,
    l1: float = 0.0,
    l2: float = 0.0,
    max_norm: float | None = None,
    noise_std: float = 0.0,
) -> dict[str, np.ndarray]:
    theta = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = TORCH_OPTIMIZERS[name]([theta], **params)
    noise = noise_std * np.random.default_rng(0).standard_normal((steps, 2))
    out: dict[str, list] = {"theta": [], "loss": [], "grad_norm": [], "batch_loss": []}

    def objective(idx: np.ndarray | None) -> Any:
        penalty = l1 * theta.abs().sum() + l2 / 2 * (theta * theta).sum()
        return torch_loss(surface, theta, idx) + penalty

    def record() -> None:
        (grad,) = torch.autograd.grad(objective(None), theta)
        out["theta"].append(theta.detach().numpy().copy())
        out["loss"].append(objective(None).item())
        out["grad_norm"].append(float(grad.norm()))

    for k in range(steps):
        record()
        optimizer.zero_grad()
        loss = objective(None if batches is None else batches[k])
        out["batch_loss"].append(loss.item())
        loss.backward()
        if noise_std:
            theta.grad.add_(torch.from_numpy(noise[k]))
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_([theta], max_norm)
        optimizer.step()
    record()
    return {key: np.array(value) for key, value in out.items()}


def ours(surface: Any, steps: int, choice: OptimizerChoice, **kw: Any) -> dict[str, np.ndarray]:
    plan = plan_run(surface, START, steps, [choice], **kw)
    (batch,) = plan.batches
    chunks = run(
        batch.objective,
        batch.transform,
        batch.start,
        steps,
        batch.lr,
        needs_hessian=batch.needs_hessian,
        batches=batch.batches,
    )
    whole = collect(chunks, steps, True)
    assert whole.status[0] == MAX_STEPS
    out = {
        "theta": whole.theta[:, 0],
        "loss": whole.loss[:, 0],
        "grad_norm": np.sqrt(whole.grad_sq[:, 0]),
        "batch_loss": None if whole.batch_loss is None else whole.batch_loss[:, 0],
    }
    out["batches"] = whole.batches
    return out


CASES = [
    (LINEAR, "sgd", {"lr": 0.3}, BatchSpec(10), {}),
    (LINEAR, "sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, BatchSpec(7, seed=5), {}),
    (LINEAR, "adam", {"lr": 0.05}, BatchSpec(1, seed=2, replace=True), {}),
    (LINEAR, "sgd", {"lr": 0.2}, BatchSpec(16, seed=9), {"l1": 0.05, "l2": 0.1, "max_norm": 0.5}),
    (LINEAR, "rmsprop", {"lr": 0.01}, BatchSpec(5), {"noise_std": 0.3}),
    (LOGISTIC, "sgd", {"lr": 0.5, "momentum": 0.5}, BatchSpec(8, seed=4), {}),
    (LOGISTIC, "adagrad", {"lr": 0.3}, BatchSpec(3, replace=True), {"l2": 0.01}),
]


@pytest.mark.parametrize(("surface", "name", "params", "spec", "settings"), CASES)
def test_mini_batch_runs_equal_a_torch_loop_on_the_same_batches(
    surface: Any, name: str, params: dict[str, Any], spec: BatchSpec, settings: dict[str, Any]
) -> None:
    steps = 120
    got = ours(surface, steps, OptimizerChoice(name, params), batch=spec, **settings)
    batches = spec_batches(len(surface.data[0]), spec.size, spec.seed, spec.replace, steps)
    want = torch_loop(surface, steps, name, params, batches, **settings)
    for key in ("theta", "loss", "grad_norm", "batch_loss"):
        np.testing.assert_allclose(got[key], want[key], rtol=RTOL, atol=ATOL, err_msg=key)
    for a, b in zip(got["batches"], batches, strict=True):
        np.testing.assert_array_equal(a, b)
    # The batch objective is not the full one: the case would test nothing if they agreed.
    assert not np.allclose(got["batch_loss"], got["loss"][:-1])


@pytest.mark.parametrize("surface", [LINEAR, LOGISTIC], ids=["linear", "logistic"])
def test_newton_on_a_batch_takes_the_batch_hessian(surface: Any) -> None:
    steps, lr = 6, 0.5
    spec = BatchSpec(20, seed=1)
    got = ours(surface, steps, OptimizerChoice("newton", {"lr": lr}), batch=spec)
    batches = spec_batches(len(surface.data[0]), 20, 1, False, steps)
    theta = torch.tensor(START, dtype=torch.float64)
    for k in range(steps + 1):
        np.testing.assert_allclose(got["theta"][k], theta.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"step {k}")
        if k == steps:
            break
        t = theta.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(torch_loss(surface, t, batches[k]), t)
        h = torch.autograd.functional.hessian(lambda v, k=k: torch_loss(surface, v, batches[k]), theta)
        theta = theta - lr * torch.linalg.solve(h, g)
    # With the full data's Hessian the path would be another one.
    full = ours(surface, steps, OptimizerChoice("newton", {"lr": lr}))
    assert not np.allclose(full["theta"][1:], got["theta"][1:])


def test_without_batches_there_is_no_batch_loss() -> None:
    plan = plan_run(LINEAR, START, 20, [opt("sgd", lr=0.1)])
    (whole,) = run_plan(plan)
    assert whole.batch_loss is None and whole.batches is None
    assert plan.settings[0].batch is None


def test_gd_minibatch_and_sgd_in_one_request_each_equal_the_run_alone() -> None:
    steps = 80
    choices = [
        OptimizerChoice("sgd", {"lr": 0.3}, {"batch": None}),
        OptimizerChoice("sgd", {"lr": 0.3}),
        OptimizerChoice("sgd", {"lr": 0.3}, {"batch": {"size": 1, "replace": False}}),
    ]
    plan = plan_run(LINEAR, START, steps, choices, batch=BatchSpec(10, seed=7))
    assert [s.batch for s in plan.settings] == [None, BatchSpec(10, 7), BatchSpec(1, 7)]
    assert len(plan.batches) == 3, "runs on different batches cannot share a batch of rows"
    rows: dict[int, Any] = {}
    for batch in plan.batches:
        whole = collect(
            run(batch.objective, batch.transform, batch.start, steps, batch.lr, batches=batch.batches), steps
        )
        rows[batch.index] = whole
    for i, spec in enumerate([None, BatchSpec(10, 7), BatchSpec(1, 7)]):
        alone = ours(LINEAR, steps, OptimizerChoice("sgd", {"lr": 0.3}), batch=spec)
        np.testing.assert_array_equal(rows[i].theta[:, 0], alone["theta"])
        if spec is None:
            assert rows[i].batch_loss is None
        else:
            np.testing.assert_array_equal(rows[i].batch_loss[:, 0], alone["batch_loss"])
    # Full batch is plain GD: its path is smooth, SGD's is not (the point of the comparison).
    assert not np.array_equal(rows[0].theta, rows[2].theta)


def test_runs_with_the_same_batches_share_a_batch_of_rows() -> None:
    choices = [OptimizerChoice("sgd", {"lr": 0.3}), OptimizerChoice("sgd", {"lr": 0.3}, {"clip": {"max_norm": 0.1}})]
    plan = plan_run(LINEAR, START, 30, choices, batch=BatchSpec(10))
    assert len(plan.batches) == 1 and plan.batches[0].runs == (0, 1)


@pytest.mark.parametrize(
    ("surface", "kw", "overrides", "field"),
    [
        (resolve_builtin("rosenbrock"), {"batch": BatchSpec(2)}, {}, "batch"),
        (resolve_builtin("rosenbrock"), {}, {"batch": {"size": 2}}, "optimizers[0].batch"),
        (LINEAR, {"batch": BatchSpec(101)}, {}, "batch.size"),
        (LINEAR, {}, {"batch": {"size": 0}}, "optimizers[0].batch.size"),
    ],
)
def test_batches_are_refused_off_data_or_past_n(surface: Any, kw: dict, overrides: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_run(surface, START, 10, [OptimizerChoice("sgd", {"lr": 0.1}, overrides)], **kw)
    assert caught.value.field == field
