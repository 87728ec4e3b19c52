"""The run loop: batches equal single runs bit for bit, the stop rules, chunking, and the engine's imports."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from gdviz.engine import runner
from gdviz.engine.errors import InvalidInput
from gdviz.engine.objective import SurfaceObjective
from gdviz.engine.plan import plan_run
from gdviz.engine.runner import CONVERGED, DIVERGED, DIVERGENCE_BOUND, MAX_STEPS, STATUS_NAMES, collect, piece, run
from gdviz.engine.surfaces import resolve_builtin, resolve_custom

from .helpers import assert_same_row, opt, row, run_batch, single, trajectory

ENGINE = Path(__file__).resolve().parents[2] / "app" / "engine"
WEB_LIBRARIES = {"fastapi", "starlette", "pydantic", "jinja2", "uvicorn", "orjson", "httpx"}


SWEEP_OPTIMIZERS = [
    opt("sgd", lr=1e-3, momentum=0.9, nesterov=True),
    opt("adam", lr=0.05, amsgrad=True),
    opt("rmsprop", lr=0.01, centered=True),
    opt("newton", lr=0.5, damping=0.1),
    opt("lion", lr=0.01),
]


@pytest.mark.parametrize("surface_name", ["rosenbrock", "rastrigin", "ackley", "goldstein_price"])
def test_a_sweep_of_start_points_equals_single_runs(surface_name: str) -> None:
    surface = resolve_builtin(surface_name)
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(5)
    starts = np.column_stack([rng.uniform(x0, x1, 37), rng.uniform(y0, y1, 37)])
    steps = 150
    kw = {"schedule": ("cosine", {"T_max": 60}), "noise_std": 0.1, "max_norm": 100.0}
    _, results = trajectory(surface, starts, steps, SWEEP_OPTIMIZERS, **kw)
    assert len(results) == len(SWEEP_OPTIMIZERS)
    for choice, result in zip(SWEEP_OPTIMIZERS, results, strict=True):
        assert result.theta.shape[1] == len(starts)
        for b in [0, 1, 17, 36]:
            alone = single(surface, starts[b], steps, choice.name, choice.params, **kw)
            assert_same_row(row(result, b), alone)


def test_optimizers_of_one_request_equal_their_single_runs() -> None:
    surface = resolve_builtin("ackley")
    choices = [opt("adam", lr=lr) for lr in (0.01, 0.05, 0.2)] + [opt("sgd", lr=0.01, momentum=0.5)]
    kw = {"schedule": ("warmup_cosine", {}), "noise_std": 0.3, "noise_seed": 11, "clip_value": 2.0, "l2": 0.01}
    plan, results = trajectory(surface, (-4.0, 3.5), 200, choices, **kw)
    assert [p["lr"] for p in plan.params] == [0.01, 0.05, 0.2, 0.01]
    for choice, result in zip(choices, results, strict=True):
        assert_same_row(row(result, 0), single(surface, (-4.0, 3.5), 200, choice.name, choice.params, **kw))
    lrs = [row(r, 0).lr for r in results]
    np.testing.assert_allclose(lrs[1], 5 * lrs[0], rtol=1e-15)  # each optimizer gets its own schedule
    assert not np.array_equal(row(results[0], 0).theta, row(results[1], 0).theta)


def test_stop_rules_are_per_row_inside_a_batch() -> None:
    plan, result = _mixed_plan()
    rows = [row(result, b) for b in range(len(MIXED_STARTS))]
    assert [STATUS_NAMES[r.status] for r in rows] == MIXED_STATUSES
    for b, batched in enumerate(rows):
        alone = single(resolve_custom(MIXED_SURFACE), MIXED_STARTS[b], plan.steps, "sgd", {"lr": 0.1}, tol=plan.tol)
        assert_same_row(batched, alone)


# --- divergence ----------------------------------------------------------------------------


def test_divergence_stops_at_the_last_good_point() -> None:
    surface = resolve_builtin("rosenbrock")
    run_ = single(surface, (-1.2, 1.0), 100, "sgd", {"lr": 1.0})
    assert run_.status == DIVERGED
    k = run_.steps_taken
    assert len(run_.theta) == len(run_.loss) == len(run_.grad_norm) == k + 1 and len(run_.lr) == k
    for values in (run_.theta, run_.loss, run_.grad_norm, run_.lr):
        assert np.all(np.isfinite(values))
    assert np.all(np.abs(run_.theta) <= DIVERGENCE_BOUND)
    # Update k, by hand from the last point, is the bad one.
    with np.errstate(all="ignore"):
        theta = run_.theta[-1]
        _, gx, gy = surface.functions.value_and_grad(theta[0], theta[1])
        x, y = theta - 1.0 * np.array([gx, gy])
        f, gx, gy = surface.functions.value_and_grad(x, y)
        good = all(np.isfinite(v) for v in (x, y, f, gx, gy, np.hypot(gx, gy))) and max(abs(x), abs(y)) <= 1e8
    assert not good


def test_divergence_bound_on_the_coordinates() -> None:
    # −x² with lr 1: x triples at every step, the loss stays finite; 3¹⁶ ≤ 1e8 < 3¹⁷.
    run_ = single(resolve_custom("-x**2"), (1.0, 0.0), 50, "sgd", {"lr": 1.0})
    assert run_.status == DIVERGED and run_.steps_taken == 16
    assert run_.theta[-1, 0] == 3.0**16


def test_a_gradient_norm_that_overflows_counts_as_divergence() -> None:
    # ∇f = −1e150·θ and lr·1e150 = 1: θ doubles at every step while θ, f and ∇f stay
    # finite, until ‖∇f‖² passes float64's range (θᵢ > 9.5e3, that is θ₂₄ = 1e-3·2²⁴).
    run_ = single(resolve_custom("-1e150*(x**2 + y**2)/2"), (1e-3, 1e-3), 50, "sgd", {"lr": 1e-150})
    assert run_.status == DIVERGED and run_.steps_taken == 23
    np.testing.assert_allclose(run_.theta[-1], [1e-3 * 2**23] * 2, rtol=1e-12)
    assert np.all(np.isfinite(run_.grad_norm))


def test_an_overflowing_gradient_norm_at_the_start_is_invalid() -> None:
    surface = resolve_custom("1e200*(x + y)")  # ∇f = (1e200, 1e200): finite, its norm is not
    with pytest.raises(InvalidInput) as caught:
        single(surface, (0.0, 0.0), 5, "sgd", {"lr": 1e-3})
    assert caught.value.field == "start"


# --- convergence ---------------------------------------------------------------------------


def test_tolerance_converges_before_the_update() -> None:
    surface = resolve_custom("x**2 + 3*y**2")
    tol = 1e-6
    run_ = single(surface, (-2.0, 2.0), 1000, "sgd", {"lr": 0.05}, tol=tol)
    assert run_.status == CONVERGED
    assert run_.grad_norm[-1] <= tol and np.all(run_.grad_norm[:-1] > tol)
    assert run_.steps_taken == len(run_.theta) - 1 == len(run_.lr)


TOLERANCES = [0.0, 5e-324, 1e-200, 1e-160, 3e-9, 1e-6, 0.1, 1.0, 7.3, 1e150, 1e200, 1.7e308]


@pytest.mark.parametrize("tol", TOLERANCES + list(np.random.default_rng(5).uniform(1e-9, 10.0, 40)))
def test_the_squared_stop_bound_is_exact(tol: float) -> None:
    # The stop rule compares ‖g‖² with this bound: it must be the last square whose root is ≤ tol.
    bound = runner.square_bound(tol)
    assert math.sqrt(bound) <= tol < math.sqrt(math.nextafter(bound, math.inf))


def test_a_norm_exactly_at_the_tolerance_converges() -> None:
    # ‖∇f(3, 4)‖ = ‖(3, 4)‖ = 5 exactly on f = (x² + y²)/2: tol 5 stops before the first update.
    surface = resolve_custom("(x**2 + y**2)/2")
    assert single(surface, (3.0, 4.0), 10, "sgd", {"lr": 0.1}, tol=5.0).status == CONVERGED
    below = single(surface, (3.0, 4.0), 10, "sgd", {"lr": 0.1}, tol=math.nextafter(5.0, 0.0))
    assert below.steps_taken > 0


def test_the_point_after_the_last_update_is_not_tested() -> None:
    surface = resolve_custom("x**2 + 3*y**2")
    tol = 1e-6
    k = single(surface, (-2.0, 2.0), 1000, "sgd", {"lr": 0.05}, tol=tol).steps_taken
    just_there = single(surface, (-2.0, 2.0), k, "sgd", {"lr": 0.05}, tol=tol)
    assert just_there.status == MAX_STEPS and just_there.steps_taken == k
    assert just_there.grad_norm[-1] <= tol
    one_more = single(surface, (-2.0, 2.0), k + 1, "sgd", {"lr": 0.05}, tol=tol)
    assert one_more.status == CONVERGED and one_more.steps_taken == k


@pytest.mark.parametrize(("expression", "start"), [("x**2 + y**2", (0.0, 0.0)), ("x**2 - y**2", (0.0, 0.0))])
def test_a_stationary_start_takes_no_step(expression: str, start: tuple[float, float]) -> None:
    run_ = single(resolve_custom(expression), start, 10, "adam", {"lr": 0.1})
    assert run_.status == CONVERGED and run_.steps_taken == 0
    assert run_.theta.shape == (1, 2) and run_.lr.shape == (0,)


def test_max_steps_without_tolerance() -> None:
    run_ = single(resolve_builtin("rosenbrock"), (-1.2, 1.0), 25, "adam", {"lr": 0.01})
    assert run_.status == MAX_STEPS and run_.steps_taken == 25
    assert run_.theta.shape == (26, 2) and run_.lr.shape == (25,)
    np.testing.assert_array_equal(run_.theta[0], [-1.2, 1.0])


@pytest.mark.parametrize(
    ("expression", "start"),
    [("log(x)", (-2.0, 2.0)), ("sqrt(x) + y", (-1.0, 0.0)), ("x**2", (float("nan"), 0.0)), ("x", (np.inf, 0.0))],
)
def test_a_non_finite_start_is_invalid(expression: str, start: tuple[float, float]) -> None:
    with pytest.raises(InvalidInput) as caught:
        single(resolve_custom(expression), start, 10, "sgd", {"lr": 0.1})
    assert caught.value.field == "start"


# --- chunks ----------------------------------------------------------------------------------

MIXED_SURFACE = "x**4 + y**2"
# sgd lr 0.1, tol 1e-2: slow, diverging, stationary, quick and unfinished rows in one batch.
MIXED_STARTS = [(0.5, 0.5), (1.0, -1.0), (3.0, 0.0), (0.0, 0.0), (0.3, 0.05), (1.5, 2.0)]
MIXED_STATUSES = ["max_steps", "max_steps", "diverged", "converged", "converged", "converged"]


def _mixed_plan():
    plan = plan_run(resolve_custom(MIXED_SURFACE), MIXED_STARTS, 60, [opt("sgd", lr=0.1)], tol=1e-2)
    return plan, run_batch(plan, plan.batches[0])


def _chunks(plan, **kw):
    (batch,) = plan.batches
    return run(
        plan.objective, batch.transform, batch.start, plan.steps, batch.lr, tol=plan.tol, needs_hessian=False, **kw
    )


@pytest.mark.parametrize(("first_chunk", "max_chunk"), [(1, 1), (1, 4), (3, 7), (32, 4096), (100, 100)])
def test_chunks_concatenated_equal_collect(first_chunk: int, max_chunk: int) -> None:
    plan, whole = _mixed_plan()
    pieces: list[list] = [[] for _ in MIXED_STARTS]
    ends: dict[int, tuple[int, int]] = {}
    offsets = []
    for chunk in _chunks(plan, first_chunk=first_chunk, max_chunk=max_chunk):
        offsets.append(chunk.offset)
        for b in range(len(MIXED_STARTS)):
            pieces[b].append(piece(chunk, b))  # taken before the next chunk reuses the buffers
            if chunk.status[b] != 0:
                assert b not in ends, "a row ends once"
                ends[b] = (int(chunk.status[b]), int(chunk.steps_taken[b]))
    assert offsets == sorted(offsets) and offsets[0] == 0
    for b in range(len(MIXED_STARTS)):
        expected = row(whole, b)
        parts = pieces[b]
        np.testing.assert_array_equal(np.concatenate([p.theta for p in parts]), expected.theta)
        np.testing.assert_array_equal(np.concatenate([p.loss for p in parts]), expected.loss)
        np.testing.assert_array_equal(np.concatenate([p.grad_norm for p in parts]), expected.grad_norm)
        np.testing.assert_array_equal(np.concatenate([p.lr for p in parts]), expected.lr)
        np.testing.assert_array_equal(np.concatenate([p.step for p in parts]), np.arange(len(expected.theta)))
        assert ends[b] == (expected.status, expected.steps_taken)
    # Chunk sizes change nothing in the collected result either.
    again = collect(_chunks(plan, first_chunk=first_chunk, max_chunk=max_chunk), plan.steps)
    for field in ("theta", "loss", "grad_norm", "lr", "counts", "status", "steps_taken"):
        np.testing.assert_array_equal(getattr(again, field), getattr(whole, field))


@pytest.mark.parametrize("every", [1, 2, 3, 7, 10, 1000])
@pytest.mark.parametrize("chunking", [{}, {"first_chunk": 1, "max_chunk": 4}])
def test_piece_keeps_every_kth_point_and_the_last(every: int, chunking: dict) -> None:
    plan, whole = _mixed_plan()
    for b in range(len(MIXED_STARTS)):
        expected = row(whole, b)
        parts = [piece(chunk, b, every) for chunk in _chunks(plan, **chunking)]
        steps = np.concatenate([p.step for p in parts])
        last = len(expected.theta) - 1
        kept = sorted({*range(0, last + 1, every), last})
        np.testing.assert_array_equal(steps, kept)
        np.testing.assert_array_equal(np.concatenate([p.theta for p in parts]), expected.theta[kept])
        np.testing.assert_array_equal(np.concatenate([p.loss for p in parts]), expected.loss[kept])
        np.testing.assert_array_equal(np.concatenate([p.grad_norm for p in parts]), expected.grad_norm[kept])
        # A kept point's lr is there when an update follows it.
        with_update = [k for k in kept if k < expected.steps_taken]
        np.testing.assert_array_equal(np.concatenate([p.lr for p in parts]), expected.lr[with_update])


# --- layering --------------------------------------------------------------------------------


def test_the_engine_imports_no_web_library() -> None:
    files = sorted(ENGINE.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in WEB_LIBRARIES, f"{path.name} imports {name}"


@pytest.mark.parametrize(
    "expression", ["x**(1/3) + y", "1/x + y**2", "x**7 - y**5", "exp(x)*y", "(x - 1)**2.5 + y**-3"]
)
def test_a_lone_point_is_evaluated_as_in_a_batch_where_python_floats_would_raise(expression: str) -> None:
    """A lone point runs on Python floats, which raise (1/0, x**7 overflowing) or turn complex
    ((-8)**(1/3)) where numpy returns inf or nan: it must still equal the same point in a batch."""
    objective = SurfaceObjective(resolve_custom(expression).functions)
    points = np.array([[-8.0, 2.0], [0.0, 0.0], [1e60, -1e70], [800.0, 3.0], [0.5, -0.0], [2.0, 1.5]])
    loss, grad = np.empty(len(points)), np.empty((len(points), 2))
    with np.errstate(all="ignore"):
        objective.evaluate(points, loss, grad)
        for k, point in enumerate(points):
            one_loss, one_grad = np.empty(1), np.empty((1, 2))
            objective.evaluate(point[None, :], one_loss, one_grad)
            np.testing.assert_array_equal(one_loss, loss[k : k + 1])
            np.testing.assert_array_equal(one_grad, grad[k : k + 1])
    assert not np.all(np.isfinite(loss)), "no point reached the numpy fallback"
