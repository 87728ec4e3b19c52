"""Tables over the optimizer registry: every optimizer converges, every hyperparameter matters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gdviz.engine.errors import InvalidInput
from gdviz.engine.optimizers import OPTIMIZERS, optimizer_params
from gdviz.engine.plan import OptimizerChoice, plan_run
from gdviz.engine.runner import DIVERGED, collect, run
from gdviz.engine.surfaces import resolve_builtin, resolve_custom

from .helpers import row, single

PARABOLA = resolve_custom("x**2 + y**2")
ROSENBROCK = resolve_builtin("rosenbrock")

# optimizer: (hyperparameters, steps) from (-2, 2) to ‖θ‖ < 1e-3 on x² + y².
PARABOLA_SETTINGS: dict[str, tuple[dict[str, Any], int]] = {
    "sgd": ({"lr": 0.1}, 100),
    "adagrad": ({"lr": 0.5}, 300),
    "rmsprop": ({"lr": 3e-3}, 1000),
    "adam": ({"lr": 0.1}, 300),
    "adamw": ({"lr": 0.1}, 300),
    "adamax": ({"lr": 0.1}, 300),
    "nadam": ({"lr": 0.1}, 300),
    "radam": ({"lr": 0.1}, 300),
    "adadelta": ({"lr": 1.0}, 1000),
    "newton": ({}, 3),
    "saddle_free_newton": ({}, 10),
    "lion": ({"lr": 0.01}, 1000),
}

# optimizer: (hyperparameters, steps, run options) from (-1.2, 1) to within 0.05 of (1, 1).
# Plain SGD needs momentum to get down the valley in time; RAdam's first steps are
# un-normalized momentum steps, so it gets its gradient clipped; Adadelta and Lion
# keep circling the minimum at a constant rate unless it anneals. AdamW's default decay
# (1e-2) settles 0.07 away from (1, 1): decoupled decay moves the fixed point.
ROSENBROCK_SETTINGS: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {
    "sgd": ({"lr": 1e-3, "momentum": 0.9}, 3000, {}),
    "adagrad": ({"lr": 1.0}, 6000, {}),
    "rmsprop": ({"lr": 3e-4, "momentum": 0.9}, 3000, {}),
    "adam": ({"lr": 0.02}, 3000, {}),
    "adamw": ({"lr": 0.02, "weight_decay": 1e-3}, 3000, {}),
    "adamax": ({"lr": 0.1}, 3000, {}),
    "nadam": ({"lr": 0.02}, 4000, {}),
    "radam": ({"lr": 0.01}, 3000, {"max_norm": 10.0}),
    "adadelta": ({"lr": 1.0}, 5000, {"schedule": ("cosine", {})}),
    "newton": ({}, 50, {}),
    "saddle_free_newton": ({}, 50, {}),
    "lion": ({"lr": 0.01}, 2000, {"schedule": ("cosine", {})}),
}


def test_tables_cover_the_registry() -> None:
    assert set(PARABOLA_SETTINGS) == set(OPTIMIZERS)
    assert set(ROSENBROCK_SETTINGS) == set(OPTIMIZERS)
    assert set(BASELINE) == set(OPTIMIZERS)
    assert set(ALTERNATIVES) == set(OPTIMIZERS)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_converges_on_a_parabola(name: str) -> None:
    params, steps = PARABOLA_SETTINGS[name]
    run = single(PARABOLA, (-2.0, 2.0), steps, name, params)
    assert run.status != DIVERGED
    assert np.linalg.norm(run.theta[-1]) < 1e-3
    assert run.loss[-1] < 1e-6 and run.loss[-1] < run.loss[0]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_gets_close_to_the_rosenbrock_minimum(name: str) -> None:
    params, steps, options = ROSENBROCK_SETTINGS[name]
    run = single(ROSENBROCK, (-1.2, 1.0), steps, name, params, **options)
    assert run.status != DIVERGED
    assert np.linalg.norm(run.theta[-1] - [1.0, 1.0]) < 0.05
    assert run.loss[-1] < 1e-2


# A setting every hyperparameter is compared from (100 steps on Rosenbrock from (-1.2, 1)).
BASELINE: dict[str, dict[str, Any]] = {
    "sgd": {"lr": 1e-3},
    "adagrad": {"lr": 0.3},
    "rmsprop": {"lr": 3e-3},
    "adam": {"lr": 0.03},
    "adamw": {"lr": 0.03},
    "adamax": {"lr": 0.05},
    "nadam": {"lr": 0.02},
    "radam": {"lr": 3e-3},
    "adadelta": {"lr": 0.3},
    "newton": {"lr": 0.5},
    "saddle_free_newton": {"lr": 0.5},
    "lion": {"lr": 0.01},
}

# optimizer: {hyperparameter: other value, or (other value, settings it needs on both sides)}.
# Numbers that only matter when large enough (eps) get a large value.
ALTERNATIVES: dict[str, dict[str, Any]] = {
    "sgd": {
        "lr": 5e-4,
        "momentum": 0.5,
        "dampening": (0.5, {"momentum": 0.5}),
        "weight_decay": 0.5,
        "nesterov": (True, {"momentum": 0.5}),
    },
    "adagrad": {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.5, "initial_accumulator_value": 1.0, "eps": 1.0},
    "rmsprop": {"lr": 1e-3, "alpha": 0.5, "eps": 1.0, "weight_decay": 0.5, "momentum": 0.5, "centered": True},
    "adam": {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1.0, "weight_decay": 0.5, "amsgrad": True},
    "adamw": {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1.0, "weight_decay": 0.5, "amsgrad": True},
    "adamax": {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1.0, "weight_decay": 0.5},
    "nadam": {
        "lr": 0.01,
        "betas": (0.5, 0.9),
        "eps": 1.0,
        "weight_decay": 0.5,
        "momentum_decay": 0.1,
        "decoupled_weight_decay": (True, {"weight_decay": 0.5}),
    },
    "radam": {
        "lr": 1e-3,
        "betas": (0.5, 0.9),
        "eps": 1.0,
        "weight_decay": 0.5,
        "decoupled_weight_decay": (True, {"weight_decay": 0.5}),
    },
    "adadelta": {"lr": 1.0, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.5},
    "newton": {"lr": 1.0, "damping": 1.0},
    "saddle_free_newton": {"lr": 1.0, "damping": 1.0},
    "lion": {"lr": 3e-3, "betas": (0.5, 0.9), "weight_decay": 0.5},
}

CHANGES = [
    pytest.param(name, param.name, id=f"{name}-{param.name}")
    for name, optimizer in OPTIMIZERS.items()
    for param in optimizer.params
]


@pytest.mark.parametrize(("name", "param"), CHANGES)
def test_every_hyperparameter_changes_the_trajectory(name: str, param: str) -> None:
    assert param in ALTERNATIVES[name], f"no alternative value for {name}.{param}"
    other = ALTERNATIVES[name][param]
    other, needs = other if isinstance(other, tuple) and isinstance(other[1], dict) else (other, {})
    base = {**BASELINE[name], **needs}
    default = {p.name: p.default for p in OPTIMIZERS[name].params}[param]
    assert base.get(param, default) != other, "the alternative must differ from the baseline"
    before = single(ROSENBROCK, (-1.2, 1.0), 100, name, base)
    after = single(ROSENBROCK, (-1.2, 1.0), 100, name, {**base, param: other})
    assert before.status != DIVERGED and after.status != DIVERGED
    n = min(len(before.theta), len(after.theta))
    assert np.max(np.abs(before.theta[:n] - after.theta[:n])) > 1e-6, f"{name}.{param} = {other} changed nothing"


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_defaults_fill_in_and_unknown_hyperparameters_are_refused(name: str) -> None:
    filled = optimizer_params(name, {}, "optimizers[3]")
    assert filled == {p.name: p.default for p in OPTIMIZERS[name].params}
    with pytest.raises(InvalidInput) as caught:
        optimizer_params(name, {"momentum_of_inertia": 1.0}, "optimizers[3]")
    assert caught.value.field == "optimizers[3].params.momentum_of_inertia"


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("lr", [0.0, -1e-3, 1e3 * 1.01, float("nan"), float("inf")])
def test_learning_rate_bounds(name: str, lr: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        optimizer_params(name, {"lr": lr}, "optimizers[0]")
    assert caught.value.field == "optimizers[0].params.lr"


def test_unknown_optimizer_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        optimizer_params("adamant", {}, "optimizers[1]")
    assert caught.value.field == "optimizers[1].name"


def _per_row(first: Any, second: Any) -> Any:
    """Two rows' values of one hyperparameter as the engine takes a sweep: (2, 1) arrays."""
    if isinstance(first, tuple):
        return tuple(_per_row(a, b) for a, b in zip(first, second, strict=True))
    return np.array([[first], [second]], dtype=np.float64)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_hyperparameters_per_row_equal_single_runs(name: str) -> None:
    # A sweep over hyperparameters runs one transformation with (B, 1) arrays for them;
    # each row must equal the run with its own plain values. Flags choose code, so they stay
    # shared. Adam's β₁ᵗ and β₂ᵗ are Python floats for one value (as torch computes them) but
    # numpy's vectorized pow for a row of values, which may round the last bit differently.
    optimizer = OPTIMIZERS[name]
    base = optimizer_params(name, BASELINE[name], "optimizers[0]")
    other = dict(base)
    for param in optimizer.params:
        alternative = ALTERNATIVES[name][param.name]
        needs_others = isinstance(alternative, tuple) and isinstance(alternative[1], dict)
        if param.type in ("float", "betas") and not needs_others:
            other[param.name] = alternative
    values = {
        p.name: base[p.name] if p.type == "bool" else _per_row(base[p.name], other[p.name]) for p in optimizer.params
    }
    steps, start = 60, np.array([[-1.2, 1.0], [-1.2, 1.0]])
    plan = plan_run(ROSENBROCK, start, steps, [OptimizerChoice(name, {})])
    lr_table, hessian = np.broadcast_to(values["lr"].T, (steps, 2)), optimizer.needs_hessian
    chunks = run(plan.objective, optimizer.build(**values), start, steps, lr_table, needs_hessian=hessian)
    swept = collect(chunks, steps)
    for b, params in enumerate((base, other)):
        alone = single(ROSENBROCK, (-1.2, 1.0), steps, name, params)
        assert alone.status != DIVERGED
        np.testing.assert_allclose(row(swept, b).theta, alone.theta, rtol=1e-13, atol=0, err_msg=f"row {b}")
    assert not np.array_equal(row(swept, 0).theta, row(swept, 1).theta)
