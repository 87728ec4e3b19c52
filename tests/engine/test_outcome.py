"""Outcomes: where each run ended, judged on its surface (minimum, saddle, flat, unbounded, diverging, moving)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from gdviz.engine import outcome
from gdviz.engine.outcome import OUTCOME_NAMES, OUTCOMES
from gdviz.engine.plan import RunPlan, plan_run
from gdviz.engine.runner import STATUS_NAMES, Chunk, collect, run
from gdviz.engine.surfaces import Surface, resolve_builtin, resolve_custom

from .helpers import opt, run_batch

QUADRATIC = resolve_builtin("quadratic")  # ½(x² + 10y²): GD is stable for lr < 2/10
SADDLE = resolve_builtin("saddle")  # x² − y², saddle at the origin
MONKEY = resolve_builtin("monkey_saddle")  # x³ − 3xy²: its Hessian vanishes at the origin
ROSENBROCK = resolve_builtin("rosenbrock")


def _collect(plan: RunPlan, **kw: Any) -> list[Chunk]:
    """Every optimizer of the plan run to the end, judged against the surface's scale, as the API runs them."""
    results: list[Chunk] = [None] * len(plan.batches)  # type: ignore[list-item]
    for batch in plan.batches:
        results[batch.index] = run_batch(plan, batch, scale=plan.scale, **kw)
    return results


def ends(surface: Surface, start: Sequence[float] | None, steps: int, name: str, **kw: Any) -> tuple[str, str]:
    """(status, outcome) of one optimizer `name` (its hyperparameters in `params`) from one start."""
    params = kw.pop("params", {})
    plan = plan_run(surface, start or surface.start, steps, [opt(name, **params)], **kw)
    (result,) = _collect(plan)
    return STATUS_NAMES[int(result.status[0])], OUTCOME_NAMES[int(result.outcome[0])]


def test_the_codes_name_exactly_the_six_outcomes() -> None:
    assert OUTCOMES == ("minimum", "saddle", "flat", "unbounded", "diverging", "moving")
    assert sorted(OUTCOME_NAMES.values()) == sorted(OUTCOMES) and outcome.NONE not in OUTCOME_NAMES


# --- saddles: a stop there is no success -------------------------------------------------------


def test_newton_started_on_the_saddles_ridge_stops_at_the_saddle() -> None:
    # Newton jumps to the stationary point of the quadratic model, which is the saddle itself.
    assert ends(SADDLE, (-1.5, 0.0), 60, "newton") == ("converged", "saddle")
    assert ends(SADDLE, None, 60, "newton") == ("converged", "saddle")


def test_saddle_free_newton_runs_off_toward_minus_infinity() -> None:
    assert ends(SADDLE, None, 60, "saddle_free_newton") == ("diverged", "unbounded")
    assert ends(SADDLE, (-1.5, 0.001), 60, "saddle_free_newton") == ("diverged", "unbounded")


def test_gradient_descent_on_the_ridge_stalls_at_the_saddle_and_noise_lets_it_leave() -> None:
    # x shrinks by 0.9 a step, y = 0 stays 0: after 100 steps the run sits 4e-5 from the saddle.
    assert ends(SADDLE, (-1.5, 0.0), 100, "sgd", params={"lr": 0.05}) == ("max_steps", "saddle")
    noisy = ends(SADDLE, (-1.5, 0.0), 100, "sgd", params={"lr": 0.05}, noise_std=0.2)
    assert noisy == ("max_steps", "unbounded")


def test_a_run_still_falling_at_any_pace_far_below_the_surface_is_unbounded() -> None:
    # Adam's steps are about lr long: y grows linearly, J = x² − y² falls past −600 and still falls.
    assert ends(SADDLE, None, 500, "adam", params={"lr": 0.05}) == ("max_steps", "unbounded")
    # The same escape, only begun: still on the plotted domain, so still on its way.
    assert ends(SADDLE, (-1.5, 0.001), 60, "sgd", params={"lr": 0.05}) == ("max_steps", "moving")


def test_a_maximum_is_not_a_minimum() -> None:
    # Started exactly on the top of −x² − y²: zero gradient, stopped at once, both curvatures negative.
    assert ends(resolve_custom("-x**2 - y**2"), (0.0, 0.0), 10, "sgd", params={"lr": 0.1}) == ("converged", "saddle")


# --- where the Hessian cannot tell -------------------------------------------------------------


def test_newton_on_the_monkey_saddle_stops_at_the_saddle_its_hessian_cannot_see() -> None:
    # θ ← θ/2 on a cubic: the run reaches the origin, where H = 0; the values around tell.
    assert ends(MONKEY, None, 500, "newton") == ("converged", "saddle")


def test_a_minimum_with_no_curvature_is_still_a_minimum() -> None:
    # Newton on x⁴ + y⁴ shrinks θ by 2/3 a step down to 0, where the Hessian is 0 too.
    assert ends(resolve_custom("x**4 + y**4"), None, 500, "newton") == ("converged", "minimum")


def test_a_level_plateau_is_flat() -> None:
    # Far out on exp(−x² − y²) the loss and its gradient are 0 in float64: nothing tells which way is down.
    assert ends(resolve_custom("exp(-x**2 - y**2)"), (30.0, 30.0), 10, "sgd", params={"lr": 0.1}) == (
        "converged",
        "flat",
    )


def test_a_run_stalled_on_a_plateau_is_flat_and_one_crawling_downhill_is_moving() -> None:
    # tanh(x)² far out: the gradient is small but not nil (about 1e-8 at x = 8), the loss level.
    plateau = resolve_custom("tanh(x - 2)**2 + tanh(y - 2)**2", ((-10.0, 10.0), (-10.0, 10.0)))
    assert ends(plateau, (9.0, 9.5), 200, "sgd", params={"lr": 0.1}) == ("max_steps", "flat")
    # The same lr on the slope of the same surface: still on its way.
    assert ends(plateau, (3.5, 3.5), 5, "sgd", params={"lr": 0.1}) == ("max_steps", "moving")


# --- minima, blow-ups, runs on their way ------------------------------------------------------


def test_gradient_descent_on_a_quadratic_reaches_the_minimum_with_or_without_tol() -> None:
    assert ends(QUADRATIC, None, 500, "sgd", params={"lr": 0.1}) == ("max_steps", "minimum")
    assert ends(QUADRATIC, None, 500, "sgd", params={"lr": 0.1}, tol=1e-9) == ("converged", "minimum")


def test_a_run_that_has_not_arrived_is_moving() -> None:
    # lr 0.01: the slow direction shrinks by 0.99 a step, still 0.016 away after 500 steps.
    assert ends(QUADRATIC, None, 500, "sgd", params={"lr": 0.01}) == ("max_steps", "moving")


def test_adam_mid_way_on_rosenbrock_is_moving() -> None:
    assert ends(ROSENBROCK, None, 30, "adam", params={"lr": 0.05}) == ("max_steps", "moving")
    assert ends(ROSENBROCK, None, 500, "sgd", params={"lr": 0.001}) == ("max_steps", "moving")


def test_newton_on_rosenbrock_stops_at_the_minimum() -> None:
    assert ends(ROSENBROCK, None, 30, "newton") == ("converged", "minimum")


@pytest.mark.parametrize("lr", [0.21, 0.25, 1.0])
def test_a_learning_rate_too_large_diverges(lr: float) -> None:
    assert ends(QUADRATIC, None, 500, "sgd", params={"lr": lr}) == ("diverged", "diverging")


@pytest.mark.parametrize("lr", [0.2005, 0.203])
def test_a_run_still_growing_when_its_steps_run_out_is_diverging(lr: float) -> None:
    # |1 − 10·lr| a little above 1: the loss grows geometrically but stays below 1e8 for 500 steps.
    assert ends(QUADRATIC, None, 500, "sgd", params={"lr": lr}) == ("max_steps", "diverging")


def test_a_run_that_has_only_just_begun_to_grow_is_moving() -> None:
    # |1 − 10·0.2005| = 1.005: after 60 steps the run has grown by a third, well inside the plot.
    assert ends(QUADRATIC, None, 60, "sgd", params={"lr": 0.2005}) == ("max_steps", "moving")


def test_blowing_up_on_a_surface_bounded_below_is_diverging_not_unbounded() -> None:
    assert ends(ROSENBROCK, None, 50, "sgd", params={"lr": 1.0}) == ("diverged", "diverging")


def test_running_down_a_valley_of_the_monkey_saddle_is_unbounded() -> None:
    assert ends(MONKEY, None, 500, "sgd", params={"lr": 0.01}) == ("diverged", "unbounded")


# --- one implementation for every row ---------------------------------------------------------


MIXED = [
    (SADDLE, (-1.5, 0.0), "newton", {}),
    (SADDLE, (-1.8, 0.05), "saddle_free_newton", {}),
    (QUADRATIC, (-2.5, 1.5), "sgd", {"lr": 0.21}),
    (QUADRATIC, (-2.5, 1.5), "sgd", {"lr": 0.2005}),
    (MONKEY, (1.5, 0.5), "sgd", {"lr": 0.01}),
    (resolve_builtin("himmelblau"), (-0.5, -0.5), "sgd", {"lr": 0.0003}),
]


@pytest.mark.parametrize(("surface", "name", "params"), [(s, n, p) for s, _, n, p in MIXED])
def test_batched_rows_are_judged_as_single_runs(surface: Surface, name: str, params: dict[str, Any]) -> None:
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(3)
    starts = np.column_stack([rng.uniform(x0, x1, 24), rng.uniform(y0, y1, 24)])
    starts[0] = (starts[0, 0], 0.0)  # one on the x-axis: the saddle's ridge
    plan = plan_run(surface, starts, 400, [opt(name, **params)])
    (batch,) = _collect(plan)
    assert np.all(batch.outcome != outcome.NONE)
    for b, start in enumerate(starts):
        alone = plan_run(surface, start, 400, [opt(name, **params)])
        (single,) = _collect(alone)
        assert batch.outcome[b] == single.outcome[0], f"row {b} from {start}"


@pytest.mark.parametrize(("first_chunk", "max_chunk"), [(1, 1), (1, 4), (3, 7), (100, 100)])
def test_chunk_sizes_change_no_outcome(first_chunk: int, max_chunk: int) -> None:
    starts = [start for _, start, _, _ in MIXED]
    plan = plan_run(QUADRATIC, starts, 300, [opt("sgd", lr=0.2005), opt("sgd", lr=0.1), opt("newton")], tol=1e-12)
    whole = _collect(plan)
    pieces = _collect(plan, first_chunk=first_chunk, max_chunk=max_chunk)
    for a, b in zip(whole, pieces, strict=True):
        np.testing.assert_array_equal(a.outcome, b.outcome)
    names = {OUTCOME_NAMES[int(code)] for result in whole for code in result.outcome}
    assert names == {"minimum", "diverging", "moving"}  # y = 0 and lr 0.2005 converges; y ≠ 0 grows


def test_without_a_surface_scale_the_runner_judges_around_the_start() -> None:
    plan = plan_run(QUADRATIC, (-2.5, 1.5), 500, [opt("sgd", lr=0.1), opt("sgd", lr=0.21)])
    judged = [
        OUTCOME_NAMES[int(collect(run(plan.objective, b.transform, b.start, 500, b.lr), 500).outcome[0])]
        for b in plan.batches
    ]
    assert judged == ["minimum", "diverging"]


def test_the_scale_is_the_domain_and_the_spread_of_the_loss_over_it() -> None:
    plan = plan_run(QUADRATIC, (-2.5, 1.5), 10, [opt("sgd", lr=0.1)])
    scale = plan.scale
    np.testing.assert_array_equal(scale.centre, [0.0, 0.0])
    assert scale.radius == pytest.approx(np.hypot(3.0, 2.0))
    assert scale.low == 0.0  # the grid holds the origin
    assert scale.high == pytest.approx((3.0**2 + 10 * 2.0**2) / 2)  # a corner


def test_the_tail_is_the_last_quarter_of_the_steps() -> None:
    extremes = outcome.Extremes(np.array([5.0]), 8)  # steps 0 … 8: before = 0 … 5, tail = 6 … 8
    extremes.update(0, np.array([[5.0], [1.0], [7.0], [2.0]]), np.array([4]))
    extremes.update(4, np.array([[3.0], [9.0], [0.5], [4.0], [6.0]]), np.array([5]))
    assert (extremes.before_low[0], extremes.before_high[0]) == (1.0, 9.0)
    assert (extremes.tail_low[0], extremes.tail_high[0]) == (0.5, 6.0)
