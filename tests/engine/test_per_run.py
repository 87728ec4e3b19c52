"""Per-run settings: each optimizer entry's own schedule, clipping, noise and regularization.

A run with its own settings equals, bit for bit, the same run requested alone with those
settings as the request's; `None` turns a setting off; a setting left out is the request's.
Runs that differ only in such settings (not in regularization) share one batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gdviz.engine.errors import InvalidInput
from gdviz.engine.plan import OptimizerChoice, RunPlan, RunSettings, plan_run
from gdviz.engine.runner import MAX_STEPS, Chunk, collect, run
from gdviz.engine.surfaces import resolve_builtin
from gdviz.engine.transforms import NOISE_AHEAD, NOISE_BLOCK

from .helpers import Row, assert_same_row, row, single

ROSENBROCK = resolve_builtin("rosenbrock")
ACKLEY = resolve_builtin("ackley")
START = (-1.5, 2.0)
STEPS = 300


def run_runs(plan: RunPlan) -> list[Row]:
    """Every run of a plan, in the request's order, whatever batches they share."""
    rows: list[Row | None] = [None] * len(plan.params)
    for batch in plan.batches:
        whole: Chunk = collect(
            run(batch.objective, batch.transform, batch.start, plan.steps, batch.lr, needs_hessian=batch.needs_hessian),
            plan.steps,
        )
        for j, index in enumerate(batch.runs):
            (b,) = range(*batch.rows(j).indices(len(batch.start)))
            rows[index] = row(whole, b)
    assert all(r is not None for r in rows)
    return rows  # type: ignore[return-value]


def alone_kw(settings: RunSettings) -> dict[str, Any]:
    """plan_run's keywords that request `settings` for every run."""
    return {
        "schedule": (settings.schedule, settings.schedule_params),
        "max_norm": settings.max_norm,
        "clip_value": settings.clip_value,
        "noise_std": settings.noise_std,
        "noise_seed": settings.noise_seed,
        "l1": settings.l1,
        "l2": settings.l2,
    }


def assert_each_equals_alone(surface: Any, choices: list[OptimizerChoice], **request: Any) -> RunPlan:
    plan = plan_run(surface, START, STEPS, choices, **request)
    for choice, used, got in zip(choices, plan.settings, run_runs(plan), strict=True):
        assert_same_row(got, single(surface, START, STEPS, choice.name, choice.params, **alone_kw(used)))
    return plan


SGD = {"lr": 1e-3, "momentum": 0.9}
ADAM = {"lr": 0.05}

# Per setting kind: entries of one optimizer that differ in that setting only (and the request's own).
KINDS: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "schedule": (
        [{}, {"schedule": ("cosine", {})}, {"schedule": ("step", {"step_size": 50, "gamma": 0.5})}, {"schedule": None}],
        {"schedule": ("exponential", {"gamma": 0.995})},
    ),
    "clip by norm": ([{}, {"clip": {"max_norm": 1.0}}, {"clip": None}, {"clip": {"max_norm": 50.0}}], {}),
    "clip by value": ([{"clip": {"value": 0.5}}, {}, {"clip": {"value": 3.0}}], {"clip_value": 2.0}),
    "noise": ([{}, {"noise": {"std": 2.0}}, {"noise": None}, {"noise": {"std": 0.5}}], {"noise_std": 1.0}),
    "regularization": (
        [{}, {"regularization": {"l1": 0.5}}, {"regularization": {"l2": 1.0}}, {"regularization": None}],
        {"l1": 0.1, "l2": 0.1},
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize(("name", "params"), [("sgd", SGD), ("adam", ADAM)])
def test_each_setting_kind_equals_the_run_alone(kind: str, name: str, params: dict[str, Any]) -> None:
    entries, request = KINDS[kind]
    choices = [OptimizerChoice(name, params, overrides) for overrides in entries]
    plan = assert_each_equals_alone(ROSENBROCK, choices, noise_seed=7, **request)
    trajectories = [r.theta for r in run_runs(plan)]
    assert not np.array_equal(trajectories[0], trajectories[1]), "the setting must change the run"


def test_mixes_of_settings_and_optimizers_equal_their_runs_alone() -> None:
    choices = [
        OptimizerChoice("sgd", SGD),
        OptimizerChoice("sgd", SGD, {"clip": None, "schedule": ("warmup_cosine", {}), "noise": {"std": 0.0}}),
        OptimizerChoice("sgd", SGD, {"noise": {"std": 3.0}, "clip": {"value": 1.0}}),
        OptimizerChoice("adam", ADAM, {"schedule": ("cyclic", {"base_lr": 0.01}), "regularization": {"l1": 0.2}}),
        OptimizerChoice("adam", ADAM, {"regularization": {"l1": 0.2}, "clip": None}),
        OptimizerChoice("newton", {"lr": 0.5}, {"schedule": ("cosine", {}), "regularization": {"l2": 0.5}}),
        OptimizerChoice("newton", {"lr": 0.5}, {"noise": {"std": 0.1}}),
    ]
    request = {"max_norm": 5.0, "noise_std": 0.3, "noise_seed": 3, "schedule": ("step", {})}
    plan = assert_each_equals_alone(ACKLEY, choices, **request)
    assert [b.runs for b in plan.batches] == [(0, 1, 2), (3, 4), (5,), (6,)]


def test_null_turns_a_setting_off_and_absence_inherits_it() -> None:
    request = {"schedule": ("cosine", {}), "max_norm": 1.0, "noise_std": 0.5, "noise_seed": 2, "l1": 0.1, "l2": 0.2}
    off = {"schedule": None, "clip": None, "noise": None, "regularization": None}
    choices = [OptimizerChoice("sgd", SGD), OptimizerChoice("sgd", SGD, off)]
    plan = plan_run(ROSENBROCK, START, STEPS, choices, **request)
    inherited, turned_off = plan.settings
    assert inherited == RunSettings("cosine", {"T_max": STEPS, "eta_min": 0.0}, 1.0, None, 0.5, 2, 0.1, 0.2)
    assert turned_off == RunSettings("constant", {}, None, None, 0.0, 2, 0.0, 0.0)
    first, second = run_runs(plan)
    assert_same_row(first, single(ROSENBROCK, START, STEPS, "sgd", SGD, **request))
    assert_same_row(second, single(ROSENBROCK, START, STEPS, "sgd", SGD))


def test_runs_differing_only_in_settings_share_a_batch_and_regularization_splits_it() -> None:
    entries = [{}, {"clip": {"max_norm": 1.0}}, {"noise": {"std": 1.0}}, {"schedule": ("cosine", {})}]
    plan = plan_run(ROSENBROCK, START, STEPS, [OptimizerChoice("sgd", SGD, e) for e in entries])
    (batch,) = plan.batches
    assert batch.runs == (0, 1, 2, 3) and batch.start.shape == (4, 2)
    lr = batch.lr[0:STEPS]
    np.testing.assert_array_equal(lr[:, 0], np.full(STEPS, 1e-3))
    assert lr[-1, 3] < 1e-4  # the cosine run's own schedule, in its own column
    regularized = plan_run(ROSENBROCK, START, STEPS, [OptimizerChoice("sgd", SGD, {"regularization": {"l2": 1.0}})] * 2)
    assert [b.runs for b in regularized.batches] == [(0, 1)]
    mixed = [OptimizerChoice("sgd", SGD), OptimizerChoice("sgd", SGD, {"regularization": {"l2": 1.0}})]
    assert [b.runs for b in plan_run(ROSENBROCK, START, STEPS, mixed).batches] == [(0,), (1,)]


def test_a_sweep_of_starts_with_per_run_settings_equals_single_runs() -> None:
    starts = np.array([[-1.5, 2.0], [0.5, -0.5], [1.8, 2.5]])
    choices = [OptimizerChoice("adam", ADAM), OptimizerChoice("adam", ADAM, {"clip": {"max_norm": 0.5}})]
    plan = plan_run(ROSENBROCK, starts, 100, choices)
    (batch,) = plan.batches
    whole = collect(run(batch.objective, batch.transform, batch.start, 100, batch.lr), 100)
    for j, used in enumerate(plan.settings):
        for s, start in enumerate(starts):
            b = batch.rows(j).start + s
            assert_same_row(row(whole, b), single(ROSENBROCK, start, 100, "adam", ADAM, **alone_kw(used)))


def test_per_row_noise_on_a_large_sweep_equals_single_runs() -> None:
    # 3 runs × 50 starts: past the rows whose noise is scaled a block ahead, so std·z[k] is formed per step.
    rng = np.random.default_rng(1)
    starts = np.column_stack([rng.uniform(-2, 2, 50), rng.uniform(-1, 3, 50)])
    entries = [{}, {"noise": {"std": 2.0}}, {"noise": None}]
    plan = plan_run(ROSENBROCK, starts, 60, [OptimizerChoice("sgd", SGD, e) for e in entries], noise_std=0.5)
    (batch,) = plan.batches
    assert batch.start.shape == (150, 2) and 150 * NOISE_BLOCK * 2 > NOISE_AHEAD
    whole = collect(run(batch.objective, batch.transform, batch.start, 60, batch.lr), 60)
    for j, used in enumerate(plan.settings):
        for s in (0, 31, 49):
            alone = single(ROSENBROCK, starts[s], 60, "sgd", SGD, **alone_kw(used))
            assert_same_row(row(whole, batch.rows(j).start + s), alone)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"batch": {"size": 4}}, "optimizers[1].batch"),
        ({"momentum": 0.9}, "optimizers[1].momentum"),
        ({"clip": {"max_norm": 1.0, "value": 1.0}}, "optimizers[1].clip"),
        ({"schedule": ("step", {"gamma": 2.0})}, "optimizers[1].schedule.gamma"),
        ({"schedule": ("sawtooth", {})}, "optimizers[1].schedule.name"),
    ],
)
def test_bad_per_run_settings_name_their_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_run(ROSENBROCK, START, 10, [OptimizerChoice("sgd", SGD), OptimizerChoice("sgd", SGD, overrides)])
    assert caught.value.field == field


def test_a_mixed_request_equals_torch_step_for_step() -> None:
    """SGD with and without clipping by norm, Adam with a cosine schedule and Adam with value clipping
    and noise, in one request, each against torch.optim's own loop."""
    pytest.importorskip("torch")
    from .test_torch_oracle import ATOL, RTOL, torch_trajectory
    from .test_torch_oracle import ROSENBROCK as TORCH_ROSENBROCK

    steps = 200
    entries = [
        ("sgd", {"lr": 1e-3}, {}),
        ("sgd", {"lr": 1e-3}, {"clip": None}),
        ("adam", {"lr": 0.03}, {"schedule": ("cosine", {}), "clip": None}),
        ("adam", {"lr": 0.03}, {"clip": {"value": 5.0}}),
        ("sgd", {"lr": 1e-3}, {"noise": {"std": 0.5}}),
        ("adam", {"lr": 0.03}, {"regularization": {"l2": 0.5}}),
    ]
    request = {"max_norm": 2.0, "noise_seed": 4}
    choices = [OptimizerChoice(name, params, overrides) for name, params, overrides in entries]
    plan = plan_run(ROSENBROCK, TORCH_ROSENBROCK.start, steps, choices, **request)
    rows = run_runs(plan)
    for (name, params, _), used, ours in zip(entries, plan.settings, rows, strict=True):
        ref = torch_trajectory(TORCH_ROSENBROCK, steps, name, params, **alone_kw(used))
        assert ours.status == MAX_STEPS
        np.testing.assert_allclose(ours.theta, ref.theta, rtol=RTOL, atol=ATOL, err_msg=f"{name} {used}")
        np.testing.assert_allclose(ours.loss, ref.loss, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(ours.grad_norm, ref.grad_norm, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(ours.lr, ref.lr, rtol=RTOL, atol=ATOL)
    assert np.any(rows[0].grad_norm[:-1] > 2.0), "clipping must have happened"
    assert not np.array_equal(rows[0].theta, rows[1].theta)
