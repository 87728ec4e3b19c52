"""Sweeps on a surface (engine/sweep.py): every sampled cell equals the single run of its configuration
(status, steps taken, final point and loss), whatever the axes; cells a run refuses are named; torch's own
optimizers give the same final points."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gdviz.engine.errors import InvalidInput
from gdviz.engine.nn.sweep import Axis
from gdviz.engine.plan import OptimizerChoice
from gdviz.engine.runner import CONVERGED, DIVERGED, MAX_STEPS
from gdviz.engine.surfaces import resolve_builtin, resolve_custom
from gdviz.engine.sweep import Cells, nearest_minimum, plan_sweep, sweep, sweep_axis

from .helpers import row, trajectory


def cell_values(axes: list[Axis], cell: int) -> dict[str, float]:
    """The axes' values of cell c = j·n₀ + i."""
    n0 = len(axes[0].values)
    at = [cell % n0, cell // n0]
    return {a.param: float(a.values[at[k]]) for k, a in enumerate(axes)}


def alone(start: tuple[float, float], params: dict[str, Any], kw: dict[str, Any], values: dict[str, float]) -> tuple:
    """The single run of a cell: its start, hyperparameters and settings, the cell's values in place."""
    start = (values.get("start.x", start[0]), values.get("start.y", start[1]))
    params, kw = dict(params), dict(kw)
    for param, value in values.items():
        if param.startswith("betas"):
            pair = list(params.get("betas", (0.9, 0.999)))
            pair[int(param[-2])] = value
            params["betas"] = tuple(pair)
        elif param == "noise.std":
            kw["noise_std"] = value
        elif param.startswith("clip."):
            kw["max_norm"], kw["clip_value"] = (value, None) if param == "clip.max_norm" else (None, value)
        elif not param.startswith("start."):
            params[param] = value
    return start, params, kw


def sampled(cells: Cells, count: int = 6) -> list[int]:
    """A few cells of every status, and a few at random."""
    picks: list[int] = []
    for code in (CONVERGED, DIVERGED, MAX_STEPS):
        picks += np.flatnonzero(cells.status == code)[:3].tolist()
    rng = np.random.default_rng(1)
    picks += rng.integers(0, len(cells.status), count).tolist()
    return sorted(set(picks))


CASES = {
    "sgd-lr-momentum-diverging": (
        "rosenbrock",
        (-1.5, 2.0),
        300,
        "sgd",
        {"lr": 1e-3},
        [Axis("lr", np.geomspace(1e-4, 1e-2, 7)), Axis("momentum", np.array([0.0, 0.5, 0.9, 0.99]))],
        {},
    ),
    "adam-betas": (
        "rosenbrock",
        (-1.5, 2.0),
        200,
        "adam",
        {"lr": 0.05},
        [Axis("betas[0]", np.array([0.0, 0.5, 0.9])), Axis("betas[1]", np.array([0.5, 0.9, 0.999]))],
        {},
    ),
    "adam-basins-converging": (
        "himmelblau",
        (0.0, 0.0),
        300,
        "adam",
        {"lr": 0.1},
        [Axis("start.x", np.linspace(-5, 5, 9)), Axis("start.y", np.linspace(-5, 5, 7))],
        {"tol": 1e-3},
    ),
    "gd-basins": (
        "himmelblau",
        (0.0, 0.0),
        300,
        "sgd",
        {"lr": 0.01},
        [Axis("start.x", np.linspace(-5, 5, 6)), Axis("start.y", np.linspace(-5, 5, 5))],
        {"tol": 1e-8},
    ),
    "noise-std": (
        "quadratic",
        (-2.5, 1.5),
        200,
        "sgd",
        {"lr": 0.1, "momentum": 0.9},
        [Axis("noise.std", np.array([0.0, 0.1, 1.0, 10.0]))],
        {"noise_seed": 3},
    ),
    "clip-norm-replaces-the-request-clip": (
        "rosenbrock",
        (-1.5, 2.0),
        300,
        "sgd",
        {"lr": 1e-2},
        [Axis("clip.max_norm", np.array([0.1, 1.0, 10.0, 1e3])), Axis("lr", np.array([1e-3, 1e-2]))],
        {"clip_value": 0.5},
    ),
    "rmsprop-clip-value": (
        "rosenbrock",
        (-1.5, 2.0),
        200,
        "rmsprop",
        {"lr": 0.01, "momentum": 0.5},
        [Axis("clip.value", np.array([0.01, 1.0, 100.0])), Axis("alpha", np.array([0.5, 0.99]))],
        {},
    ),
    "lr-under-a-schedule-with-l2": (
        "rosenbrock",
        (-1.5, 2.0),
        200,
        "sgd",
        {"lr": 1e-3, "momentum": 0.9},
        [Axis("lr", np.geomspace(1e-4, 3e-3, 5))],
        {"schedule": ("cosine", {"eta_min": 1e-5}), "l2": 0.1},
    ),
    "mini-batches": (
        "linear_regression",
        (-2.0, -2.0),
        150,
        "sgd",
        {"lr": 0.1},
        [Axis("lr", np.array([0.01, 0.1, 1.0, 5.0])), Axis("momentum", np.array([0.0, 0.9]))],
        {"batch": None},  # filled below: a BatchSpec
    ),
    "newton-on-mini-batches": (
        "linear_regression",
        (-2.0, -2.0),
        60,
        "newton",
        {"lr": 0.5},
        [Axis("damping", np.array([0.0, 1.0])), Axis("start.x", np.array([-2.0, 3.0]))],
        {"batch": None},
    ),
    "newton-damping-by-start": (
        "himmelblau",
        (0.0, 0.0),
        40,
        "newton",
        {},
        [Axis("damping", np.array([0.0, 1.0, 10.0])), Axis("start.x", np.array([-4.0, -0.3, 3.5]))],
        {"tol": 1e-10},
    ),
    "saddle-free-newton-basins": (
        "himmelblau",
        (0.0, 0.0),
        40,
        "saddle_free_newton",
        {"lr": 0.5},
        [Axis("start.y", np.linspace(-4, 4, 5)), Axis("start.x", np.linspace(-4, 4, 4))],
        {"tol": 1e-9},
    ),
    "lion-and-nadam-and-adagrad": (
        "booth",
        (-5.0, 5.0),
        150,
        "lion",
        {"lr": 0.05},
        [Axis("betas[1]", np.array([0.0, 0.9, 0.99])), Axis("weight_decay", np.array([0.0, 0.1]))],
        {},
    ),
    "nadam-momentum-decay": (
        "beale",
        (1.0, 1.5),
        150,
        "nadam",
        {"lr": 0.01},
        [Axis("momentum_decay", np.array([0.0, 4e-3, 0.1]))],
        {},
    ),
    "adagrad-decay-by-accumulator": (
        "six_hump_camel",
        (1.5, 1.0),
        150,
        "adagrad",
        {"lr": 0.5},
        [Axis("lr_decay", np.array([0.0, 0.01])), Axis("initial_accumulator_value", np.array([0.0, 1.0]))],
        {},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_sampled_cell_equals_its_run_alone(case: str) -> None:
    name, start, steps, optimizer, params, axes, kw = CASES[case]
    surface = resolve_builtin(name, {})
    if "batch" in kw:
        from gdviz.engine.batches import BatchSpec

        kw = {**kw, "batch": BatchSpec(10, seed=4)}
    cells = sweep(plan_sweep(surface, start, steps, OptimizerChoice(optimizer, params), axes, **kw))
    assert cells.status.shape == (np.prod([len(a.values) for a in axes]),)
    for cell in sampled(cells):
        cell_start, cell_params, cell_kw = alone(start, params, kw, cell_values(axes, cell))
        _, (result,) = trajectory(surface, cell_start, steps, [OptimizerChoice(optimizer, cell_params)], **cell_kw)
        expected = row(result)
        where = f"cell {cell} {cell_values(axes, cell)}"
        assert (cells.status[cell], cells.steps_taken[cell]) == (expected.status, expected.steps_taken), where
        np.testing.assert_allclose(cells.final[cell], expected.theta[-1], rtol=1e-9, atol=1e-12, err_msg=where)
        np.testing.assert_allclose(cells.final_loss[cell], expected.loss[-1], rtol=1e-9, atol=1e-12, err_msg=where)


def test_the_cases_reach_every_kind_of_end() -> None:
    """The table above is worth its name: diverged, converged and max_steps cells are among its cells."""
    seen: set[int] = set()
    for case in ("sgd-lr-momentum-diverging", "adam-basins-converging", "mini-batches"):
        name, start, steps, optimizer, params, axes, kw = CASES[case]
        if "batch" in kw:
            from gdviz.engine.batches import BatchSpec

            kw = {**kw, "batch": BatchSpec(10, seed=4)}
        plan = plan_sweep(resolve_builtin(name, {}), start, steps, OptimizerChoice(optimizer, params), axes, **kw)
        seen |= set(sweep(plan).status.tolist())
    assert seen == {CONVERGED, DIVERGED, MAX_STEPS}


def test_basins_name_the_minimum_each_start_reaches() -> None:
    surface = resolve_builtin("himmelblau", {})
    axes = [Axis("start.x", np.linspace(-4.5, 4.5, 10)), Axis("start.y", np.linspace(-4.5, 4.5, 10))]
    cells = sweep(plan_sweep(surface, surface.start, 500, OptimizerChoice("sgd", {"lr": 0.01}), axes))
    assert set(cells.minimum.tolist()) == {0, 1, 2, 3}, "GD finds each of Himmelblau's four minima from some start"
    minima = np.array([(m.x, m.y) for m in surface.minima])
    for cell in range(len(cells.minimum)):
        distance = np.hypot(*(cells.final[cell] - minima).T)
        assert cells.minimum[cell] == (np.argmin(distance) if distance.min() <= 1e-3 else -1)


def test_nearest_minimum_takes_the_closest_within_the_distance_only() -> None:
    minima = np.array([[0.0, 0.0], [1.0, 0.0]])
    points = np.array([[0.0, 9e-4], [1.0005, 0.0], [0.5, 0.0], [0.0, 1.1e-3]])
    assert nearest_minimum(points, minima).tolist() == [0, 1, -1, -1]
    assert nearest_minimum(points, np.empty((0, 2))).tolist() == [-1, -1, -1, -1]


def test_a_custom_formula_has_no_minima_to_name() -> None:
    surface = resolve_custom("x**2 + y**2", None, None)
    axes = [Axis("lr", np.array([0.25, 0.5]))]
    cells = sweep(plan_sweep(surface, (1.0, 1.0), 100, OptimizerChoice("sgd", {"lr": 0.1}), axes, tol=1e-12))
    assert cells.minimum.tolist() == [-1, -1] and set(cells.status.tolist()) == {CONVERGED}
    assert np.all(np.abs(cells.final) < 1e-12)


@pytest.mark.parametrize(
    ("optimizer", "params", "axes", "field", "words"),
    [
        ("sgd", {}, [Axis("nesterov", np.array([1.0]))], "axes[0].param", "not a param"),
        ("sgd", {}, [Axis("betas[0]", np.array([0.5]))], "axes[0].param", "not a param"),
        ("adam", {}, [Axis("amsgrad", np.array([1.0]))], "axes[0].param", "not a param"),
        (
            "sgd",
            {"nesterov": True, "momentum": 0.9},
            [Axis("lr", np.array([0.1])), Axis("momentum", np.array([0.5, 0.0]))],
            "axes[1].values[1]",
            "momentum = 0",
        ),
        (
            "sgd",
            {"nesterov": True, "momentum": 0.9},
            [Axis("momentum", np.array([0.9, 0.5])), Axis("dampening", np.array([0.1, 0.0]))],
            "axes[0].values[0]",
            "the cell with momentum = 0.9 and dampening = 0.1 is a run /api/run refuses: "
            "optimizer.params.nesterov needs dampening = 0",
        ),
        ("adam", {}, [Axis("betas[1]", np.array([0.9, 1.0]))], "axes[0].values[1]", "betas[1] must be < 1"),
        ("sgd", {}, [Axis("lr", np.array([1e-3, -1.0]))], "axes[0].values[1]", "lr must be > 0"),
        ("sgd", {}, [Axis("noise.std", np.array([-1.0]))], "axes[0]", "≥ 0"),
        ("sgd", {}, [Axis("clip.value", np.array([0.0]))], "axes[0]", "> 0"),
        ("sgd", {}, [Axis("lr", np.array([0.1])), Axis("lr", np.array([0.2]))], "axes", "different params"),
    ],
)
def test_a_cell_a_run_would_refuse_is_named(optimizer, params, axes, field, words) -> None:
    surface = resolve_builtin("rosenbrock", {})
    with pytest.raises(InvalidInput) as refused:
        plan_sweep(surface, surface.start, 10, OptimizerChoice(optimizer, params), axes)
    assert refused.value.field == field and words in refused.value.message, refused.value


def test_a_cell_starting_where_the_loss_is_not_finite_is_named() -> None:
    surface = resolve_custom("log(x) + y**2", None, None)
    axes = [Axis("start.y", np.array([0.0, 1.0])), Axis("start.x", np.array([2.0, 1.0, -1.0]))]
    with pytest.raises(InvalidInput) as refused:
        plan_sweep(surface, (1.0, 1.0), 10, OptimizerChoice("sgd", {"lr": 0.1}), axes)
    assert refused.value.field == "axes"
    assert "cell [2][0]" in refused.value.message and "start.x = -1 (axes[1].values[2])" in refused.value.message


def test_axes_spaced_as_numpy_spaces_them_and_log_needs_one_sign() -> None:
    np.testing.assert_array_equal(sweep_axis(0, "lr", None, (1e-4, 1.0), 5, True).values, np.geomspace(1e-4, 1, 5))
    np.testing.assert_array_equal(sweep_axis(0, "momentum", None, (0, 0.9), 4, False).values, np.linspace(0, 0.9, 4))
    with pytest.raises(InvalidInput, match="same sign"):
        sweep_axis(1, "start.x", None, (-1.0, 1.0), 5, True)
    with pytest.raises(InvalidInput, match="finite"):
        sweep_axis(0, "start.x", None, (-1e308, 1e308), 5, False)


def test_stopped_rows_leave_the_batch_without_changing_the_others() -> None:
    """Rows that stop early leave the batch in bunches (their optimizer state with them); the rows left run on
    as they would alone, bit for bit."""
    surface = resolve_builtin("rosenbrock", {})
    lrs = np.geomspace(1e-4, 2e-2, 40)  # the upper part diverges, at steps 3 to 9
    choice = OptimizerChoice("sgd", {"lr": 1e-3, "momentum": 0.9})
    cells = sweep(plan_sweep(surface, (-1.5, 2.0), 300, choice, [Axis("lr", lrs)]))
    diverged = cells.status == DIVERGED
    assert 10 <= np.count_nonzero(diverged) <= 30 and len(set(cells.steps_taken[diverged].tolist())) >= 3
    for cell in (0, 10, 22, 23, 39):
        single = sweep(plan_sweep(surface, (-1.5, 2.0), 300, choice, [Axis("lr", lrs[cell : cell + 1])]))
        assert (cells.status[cell], cells.steps_taken[cell]) == (single.status[0], single.steps_taken[0])
        np.testing.assert_array_equal(cells.final[cell], single.final[0])


def test_sampled_cells_equal_torch_optimizers() -> None:
    torch = pytest.importorskip("torch")
    surface = resolve_builtin("rosenbrock", {})
    start, steps = (-1.5, 2.0), 200
    cases = [
        ("sgd", [Axis("lr", np.geomspace(1e-4, 1e-3, 4)), Axis("momentum", np.array([0.0, 0.9]))], {}),
        ("adam", [Axis("betas[0]", np.array([0.5, 0.9])), Axis("betas[1]", np.array([0.9, 0.999]))], {"lr": 0.01}),
    ]
    for name, axes, params in cases:
        cells = sweep(plan_sweep(surface, start, steps, OptimizerChoice(name, params), axes))
        assert np.all(cells.status == MAX_STEPS)
        for cell in range(len(cells.status)):
            values = cell_values(axes, cell)
            _, cell_params, _ = alone(start, params, {}, values)
            p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
            make = torch.optim.SGD if name == "sgd" else torch.optim.Adam
            optimizer = make([p], **cell_params)
            for _ in range(steps):
                optimizer.zero_grad()
                loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
                loss.backward()
                optimizer.step()
            np.testing.assert_allclose(cells.final[cell], p.detach().numpy(), rtol=1e-9, err_msg=str(values))


@pytest.mark.parametrize(
    ("name", "optimizer", "params", "kw"),
    [
        ("quadratic", "sgd", {"lr": 0.3, "momentum": 0.9}, {"noise_std": 0.5, "noise_seed": 2}),
        ("linear_regression", "sgd", {"lr": 0.5, "momentum": 0.5}, {"batch": True, "l2": 0.1}),
    ],
)
def test_cells_run_in_blocks_as_they_run_in_one_batch(monkeypatch, name, optimizer, params, kw) -> None:
    """Each block draws the same noise and mini-batches as one batch would: splitting changes no cell."""
    from gdviz.engine import sweep as module
    from gdviz.engine.batches import BatchSpec

    if kw.get("batch"):
        kw = {**kw, "batch": BatchSpec(7, seed=1, replace=False)}
    surface = resolve_builtin(name, {})
    axes = [Axis("lr", np.geomspace(0.01, 8.0, 9)), Axis("start.x", np.linspace(-2, 2, 5))]
    plan = plan_sweep(surface, surface.start, 120, OptimizerChoice(optimizer, params), axes, **kw)
    whole = sweep(plan)
    monkeypatch.setattr(module, "BLOCK_ROWS", 4)
    blocks = sweep(plan)
    assert len(set(whole.status.tolist())) > 1, "some cells diverge and some do not: rows leave the blocks"
    np.testing.assert_array_equal(blocks.status, whole.status)
    np.testing.assert_array_equal(blocks.steps_taken, whole.steps_taken)
    np.testing.assert_array_equal(blocks.final, whole.final)
    np.testing.assert_array_equal(blocks.final_loss, whole.final_loss)
