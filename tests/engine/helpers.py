"""Shared helpers of the engine tests: run a plan to the end and read one row of the result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from gdviz.engine.plan import Batch, OptimizerChoice, RunPlan, plan_run
from gdviz.engine.runner import Chunk, collect, run
from gdviz.engine.surfaces import Surface


def opt(name: str, **params: Any) -> OptimizerChoice:
    """`opt("adam", lr=0.1)`: an optimizer choice with its hyperparameters as keywords."""
    return OptimizerChoice(name, params)


def run_batch(plan: RunPlan, batch: Batch, **kw: Any) -> Chunk:
    """Run one batch of a plan to the end and join its chunks (`kw` goes to `runner.run`)."""
    chunks = run(
        batch.objective,
        batch.transform,
        batch.start,
        plan.steps,
        batch.lr,
        tol=plan.tol,
        needs_hessian=batch.needs_hessian,
        batches=batch.batches,
        **kw,
    )
    return collect(chunks, plan.steps)


def run_plan(plan: RunPlan, **kw: Any) -> list[Chunk]:
    """Every optimizer of a plan, in the request's order: its collected batch, one row per start point."""
    results: list[Chunk | None] = [None] * len(plan.params)
    for batch in plan.batches:
        results[batch.index] = run_batch(plan, batch, **kw)
    assert all(r is not None for r in results), "the plan's batches must cover every optimizer"
    return results  # type: ignore[return-value]


def trajectory(
    surface: Surface,
    start: Sequence[float] | np.ndarray,
    steps: int,
    optimizers: Sequence[OptimizerChoice],
    **kw: Any,
) -> tuple[RunPlan, list[Chunk]]:
    """Plan and run a request; `kw` are `plan_run`'s keywords (schedule, clip, noise, l1, l2, tol)."""
    plan = plan_run(surface, start, steps, optimizers, **kw)
    return plan, run_plan(plan)


class Row(NamedTuple):
    """The valid records of one trajectory of a collected run."""

    theta: np.ndarray  # (n, 2)
    loss: np.ndarray  # (n,)
    grad_norm: np.ndarray  # (n,)
    lr: np.ndarray  # (n - 1,)
    status: int
    steps_taken: int


def assert_same_row(a: Row, b: Row) -> None:
    """Two runs' rows are the same run: every recorded value equal, bit for bit."""
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.grad_norm, b.grad_norm)
    np.testing.assert_array_equal(a.lr, b.lr)
    assert (a.status, a.steps_taken) == (b.status, b.steps_taken)


def row(result: Chunk, b: int = 0) -> Row:
    n = int(result.counts[b])
    return Row(
        result.theta[:n, b].copy(),
        result.loss[:n, b].copy(),
        result.grad_norm[:n, b].copy(),
        result.lr[: n - 1, b].copy(),
        int(result.status[b]),
        int(result.steps_taken[b]),
    )


def single(
    surface: Surface, start: Sequence[float], steps: int, name: str, params: Mapping[str, Any] | None = None, **kw: Any
) -> Row:
    """One trajectory of one optimizer: its row."""
    _, results = trajectory(surface, start, steps, [OptimizerChoice(name, dict(params or {}))], **kw)
    return row(results[0], 0)
