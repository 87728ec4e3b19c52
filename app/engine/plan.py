"""Turns a run request (plain values) into one batch: objective, transformation chain, lr table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .errors import InvalidInput
from .objective import SurfaceObjective
from .optimizers import OPTIMIZERS, optimizer_params
from .outcome import Scale, box_scale
from .schedules import ScheduleTable, rate_per_step, schedule_params
from .surfaces import Surface
from .transforms import (
    GradientTransformation,
    chain,
    clip,
    clip_by_global_norm,
    gaussian_noise,
)

Array = np.ndarray


class OptimizerChoice(NamedTuple):
    name: str
    params: Mapping[str, Any]


class Batch(NamedTuple):
    """One optimizer of the request, run from every start point (B rows)."""

    index: int  # into the request's optimizers
    transform: GradientTransformation
    start: Array  # (B, 2)
    lr: ScheduleTable  # (steps, B), computed for the steps asked
    needs_hessian: bool


class RunPlan(NamedTuple):
    objective: SurfaceObjective
    scale: Scale  # of J over the surface's domain: what each run's outcome is judged against
    batches: list[Batch]
    steps: int
    tol: float
    params: list[dict[str, Any]]  # every optimizer's hyperparameters, defaults filled
    schedule: dict[str, Any]


def plan_run(
    surface: Surface,
    start: Sequence[float] | Array,
    steps: int,
    optimizers: Sequence[OptimizerChoice],
    *,
    schedule: tuple[str, Mapping[str, Any]] | None = None,
    max_norm: float | None = None,
    clip_value: float | None = None,
    noise_std: float = 0.0,
    noise_seed: int = 0,
    l1: float = 0.0,
    l2: float = 0.0,
    tol: float = 0.0,
) -> RunPlan:
    """One batch per optimizer, with one row per start point: `start` is (2,) or, for a
    sweep, (B, 2). Different optimizers gain nothing from sharing arrays (a batch of
    two costs more per step than two batches of one), so they do not share one."""
    if max_norm is not None and clip_value is not None:
        raise InvalidInput("clip", "give either max_norm or value, not both")
    params = [optimizer_params(o.name, o.params, f"optimizers[{i}]") for i, o in enumerate(optimizers)]
    starts = np.array(start, dtype=np.float64, ndmin=2)
    schedule_name, given = schedule or ("constant", {})
    schedule_values = schedule_params(schedule_name, given, steps)
    lr = ScheduleTable(schedule_name, schedule_values, np.array([p["lr"] for p in params]), steps)
    shared = [gaussian_noise(noise_std, noise_seed, 2)] if noise_std else []
    if max_norm is not None:
        shared.append(clip_by_global_norm(max_norm))
    if clip_value is not None:
        shared.append(clip(clip_value))
    batches = []
    for i, (choice, values) in enumerate(zip(optimizers, params, strict=True)):
        optimizer = OPTIMIZERS[choice.name]
        rate = rate_per_step(schedule_name, schedule_values, values["lr"], steps)
        transform = chain(*shared, optimizer.build(**{**values, "lr": rate}))
        batches.append(Batch(i, transform, starts.copy(), lr.column(i, len(starts)), optimizer.needs_hessian))
    objective = SurfaceObjective(surface.functions, l1, l2)
    (x0, x1), (y0, y1) = surface.domain
    return RunPlan(
        objective=objective,
        scale=box_scale(objective, np.array([x0, y0]), np.array([x1, y1])),
        batches=batches,
        steps=steps,
        tol=tol,
        params=params,
        schedule={"name": schedule_name, **schedule_values},
    )
