"""Turns a run request (plain values) into batches: objective, transformation chain, lr table.

Each optimizer entry may carry its own settings (schedule, clipping, noise, regularization)
in place of the request's. Runs of one optimizer with the same hyperparameters and the same
regularization share a batch whatever their other settings: a batch of four rows costs about
what one row does, and each setting that differs becomes a `(B, 1)` array over the rows
(a clip threshold of ∞, a noise std of 0 leave a row as it would be alone). Regularization
changes J itself, which the outcome of a run is judged on, so it splits batches instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from .batches import BatchSpec, MiniBatches
from .errors import InvalidInput
from .objective import SurfaceObjective
from .optimizers import OPTIMIZERS, optimizer_params
from .outcome import Scale, box_scale
from .schedules import RowTables, ScheduleTable, rate_per_row, rate_per_step, schedule_params
from .surfaces import Surface
from .transforms import (
    GradientTransformation,
    Hyper,
    chain,
    clip,
    clip_by_global_norm,
    gaussian_noise,
    is_zero,
)

Array = np.ndarray
NO_OVERRIDES: Mapping[str, Any] = MappingProxyType({})
PER_RUN = ("schedule", "clip", "noise", "regularization", "batch")


class OptimizerChoice(NamedTuple):
    """One optimizer entry. `overrides` holds its own settings: a key present replaces the
    request's (None turns that setting off for this run), a key absent inherits it. Values:
    `schedule` (name, params), `clip` {"max_norm": c} or {"value": v}, `noise` {"std": s},
    `regularization` {"l1": a, "l2": b}, `batch` {"size": B, "replace": r} (the seed is the request's)."""

    name: str
    params: Mapping[str, Any]
    overrides: Mapping[str, Any] = NO_OVERRIDES


class RunSettings(NamedTuple):
    """The settings one run actually uses, defaults filled."""

    schedule: str
    schedule_params: dict[str, Any]
    max_norm: float | None
    clip_value: float | None
    noise_std: float
    noise_seed: int
    l1: float
    l2: float
    batch: BatchSpec | None = None  # mini-batches on a data-defined surface; None: the full data


class Batch(NamedTuple):
    """Runs of one optimizer and hyperparameters, each from every start point: run `runs[j]`
    from start s is row j·S + s (S start points)."""

    runs: tuple[int, ...]  # into the request's optimizers
    transform: GradientTransformation
    start: Array  # (B, 2)
    lr: ScheduleTable | RowTables  # (steps, B), computed for the steps asked
    needs_hessian: bool
    objective: SurfaceObjective
    scale: Scale  # of this batch's J over the surface's domain
    batches: MiniBatches | None = None  # the rows' mini-batches (rows of a batch share them)

    @property
    def index(self) -> int:
        """The first run of the batch (the only one when the batch is a single run)."""
        return self.runs[0]

    def rows(self, j: int) -> slice:
        """The rows of the batch's j-th run."""
        starts = len(self.start) // len(self.runs)
        return slice(j * starts, (j + 1) * starts)


class RunPlan(NamedTuple):
    objective: SurfaceObjective  # the request's J (its own regularization)
    scale: Scale  # of the request's J over the surface's domain: what each run's outcome is judged against
    batches: list[Batch]
    steps: int
    tol: float
    params: list[dict[str, Any]]  # every optimizer's hyperparameters, defaults filled
    schedule: dict[str, Any]  # the request's schedule, resolved
    settings: list[RunSettings]  # what each run uses


def plan_run(
    surface: Surface,
    start: Sequence[float] | Array,
    steps: int,
    optimizers: Sequence[OptimizerChoice],
    *,
    tol: float = 0.0,
    **shared: Any,
) -> RunPlan:
    """Batches of the request's runs, with one row per run and start point: `start` is (2,)
    or, for a sweep, (B, 2). `shared` are the request's settings (run_settings's keywords).
    Different optimizers gain nothing from sharing arrays (a batch of two costs more per step
    than two batches of one), so they do not share one; nor do runs on different mini-batches."""
    params = [optimizer_params(o.name, o.params, f"optimizers[{i}]") for i, o in enumerate(optimizers)]
    starts = np.array(start, dtype=np.float64, ndmin=2)
    settings = run_settings(optimizers, steps, surface=surface, **shared)
    request_schedule = _schedule(shared.get("schedule"), steps, "schedule")
    groups: dict[tuple, list[int]] = {}
    for i, (choice, values) in enumerate(zip(optimizers, params, strict=True)):
        used = settings[i]
        key = (choice.name, tuple(sorted(values.items())), used.l1, used.l2, used.batch)
        groups.setdefault(key, []).append(i)
    objectives: dict[tuple[float, float], tuple[SurfaceObjective, Scale]] = {}

    def objective(l1: float, l2: float) -> tuple[SurfaceObjective, Scale]:
        if (l1, l2) not in objectives:
            j = SurfaceObjective(surface.functions, l1, l2)
            (x0, x1), (y0, y1) = surface.domain
            objectives[(l1, l2)] = (j, box_scale(j, np.array([x0, y0]), np.array([x1, y1])))
        return objectives[(l1, l2)]

    batches = []
    for (name, _, g_l1, g_l2, spec), runs in groups.items():
        optimizer = OPTIMIZERS[name]
        transform, lr = batch_chain(optimizer.build, params[runs[0]], [settings[i] for i in runs], len(starts), steps)
        j, scale = objective(g_l1, g_l2)
        rows = np.tile(starts, (len(runs), 1))
        mini = None if spec is None else MiniBatches(spec, len(surface.data[0]), surface.loss_on)
        batches.append(Batch(tuple(runs), transform, rows, lr, optimizer.needs_hessian, j, scale, mini))
    request_objective, request_scale = objective(float(shared.get("l1", 0.0)), float(shared.get("l2", 0.0)))
    return RunPlan(
        objective=request_objective,
        scale=request_scale,
        batches=batches,
        steps=steps,
        tol=tol,
        params=params,
        schedule={"name": request_schedule[0], **request_schedule[1]},
        settings=settings,
    )


def run_settings(
    optimizers: Sequence[OptimizerChoice],
    steps: int,
    *,
    surface: Surface,
    schedule: tuple[str, Mapping[str, Any]] | None = None,
    max_norm: float | None = None,
    clip_value: float | None = None,
    noise_std: float = 0.0,
    noise_seed: int = 0,
    l1: float = 0.0,
    l2: float = 0.0,
    batch: BatchSpec | None = None,
) -> list[RunSettings]:
    """What each run of a request will use: the request's settings with each entry's own in their place."""
    if max_norm is not None and clip_value is not None:
        raise InvalidInput("clip", "give either max_norm or value, not both")
    if batch is not None:
        batch = _batch_spec(surface, batch, "batch")
    shared = RunSettings(
        *_schedule(schedule, steps, "schedule"), max_norm, clip_value, noise_std, noise_seed, l1, l2, batch
    )
    seed = batch.seed if batch is not None else 0
    return [_settings(shared, o.overrides, steps, f"optimizers[{i}]", surface, seed) for i, o in enumerate(optimizers)]


def _batch_spec(surface: Surface, spec: BatchSpec, field: str) -> BatchSpec:
    """A batch spec checked against the surface: mini-batches need data, and at most n points."""
    if surface.data is None:
        raise InvalidInput(field, f"mini-batches need a data-defined surface ('{surface.name}' has no data points)")
    n = len(surface.data[0])
    if not 1 <= spec.size <= n:
        raise InvalidInput(f"{field}.size", f"must lie in [1, {n}] (the surface has {n} data points)")
    return spec


def _schedule(schedule: tuple[str, Mapping[str, Any]] | None, steps: int, field: str) -> tuple[str, dict[str, Any]]:
    name, given = schedule or ("constant", {})
    return name, schedule_params(name, given, steps, field)


def _settings(
    shared: RunSettings, overrides: Mapping[str, Any], steps: int, field: str, surface: Surface, seed: int
) -> RunSettings:
    """One run's settings: the request's, with the entry's own in place of those it names."""
    for key in overrides:
        if key not in PER_RUN:
            raise InvalidInput(f"{field}.{key}", f"is not a per-run setting (known: {', '.join(PER_RUN)})")
    out = shared
    if "schedule" in overrides:
        name, values = _schedule(overrides["schedule"], steps, f"{field}.schedule")
        out = out._replace(schedule=name, schedule_params=values)
    if "clip" in overrides:
        given = overrides["clip"] or {}
        if set(given) - {"max_norm", "value"} or len(given) > 1:
            raise InvalidInput(f"{field}.clip", "give either max_norm or value, not both")
        out = out._replace(max_norm=given.get("max_norm"), clip_value=given.get("value"))
    if "noise" in overrides:
        out = out._replace(noise_std=float((overrides["noise"] or {}).get("std", 0.0)))
    if "regularization" in overrides:
        given = overrides["regularization"] or {}
        out = out._replace(l1=float(given.get("l1", 0.0)), l2=float(given.get("l2", 0.0)))
    if "batch" in overrides:
        given = overrides["batch"]
        spec = None
        if given is not None:
            spec = BatchSpec(int(given["size"]), seed, bool(given.get("replace", False)))
            spec = _batch_spec(surface, spec, f"{field}.batch")
        out = out._replace(batch=spec)
    return out


def _per_row(values: list[float], starts: int) -> float | Array:
    """One value per run: a number when the runs agree, else a (B, 1) column over the batch's rows."""
    if all(v == values[0] for v in values):
        return values[0]
    return np.repeat(np.array(values, dtype=np.float64), starts)[:, None]


def batch_chain(
    build: Any, values: dict[str, Any], settings: list[RunSettings], starts: int, steps: int
) -> tuple[GradientTransformation, ScheduleTable | RowTables]:
    """The transformation of a batch of runs that share `values` and may differ in `settings`,
    and its lr table; settings the runs share stay plain numbers (the single-run fast paths)."""
    rows = starts * len(settings)
    inf = float("inf")
    norms, values_at = [s.max_norm for s in settings], [s.clip_value for s in settings]
    steps_in = before_update(
        _per_row([s.noise_std for s in settings], starts),
        settings[0].noise_seed,
        _per_row([c or inf for c in norms], starts) if any(c is not None for c in norms) else None,
        _per_row([c or inf for c in values_at], starts) if any(c is not None for c in values_at) else None,
    )
    lr = values["lr"]
    kinds = {(s.schedule, tuple(sorted(s.schedule_params.items()))) for s in settings}
    first = settings[0]
    if len(kinds) == 1:
        table = ScheduleTable(first.schedule, first.schedule_params, np.full(rows, lr), steps)
        rate: Any = rate_per_step(first.schedule, first.schedule_params, lr, steps)
    else:
        tables = [ScheduleTable(s.schedule, s.schedule_params, np.full(starts, lr), steps) for s in settings]
        columns = [np.arange(j * starts, (j + 1) * starts) for j in range(len(settings))]
        table = RowTables(tables, columns, rows)
        rate = rate_per_row(table)
    return chain(*steps_in, build(**{**values, "lr": rate})), table


def before_update(
    noise_std: Hyper, noise_seed: int, max_norm: Hyper | None, clip_value: Hyper | None
) -> list[GradientTransformation]:
    """What a gradient goes through before the optimizer, in the order of a run's step: noise, then clipping
    by norm, then by value. Each setting is a number or a (B, 1) column over the batch's rows (a noise std of 0,
    a threshold of ∞ leave a row as it would be alone); a std of 0 everywhere or a threshold of None adds
    no transformation."""
    steps_in: list[GradientTransformation] = []
    if not is_zero(noise_std):
        steps_in.append(gaussian_noise(noise_std, noise_seed, 2))
    if max_norm is not None:
        steps_in.append(clip_by_global_norm(max_norm))
    if clip_value is not None:
        steps_in.append(clip(clip_value))
    return steps_in
