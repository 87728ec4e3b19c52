"""Sweeps on a surface: one optimizer run from every cell of one or two axes at once, as one batch of rows.

Every cell is the run /api/run makes with that cell's values in place of the request's (README, "Sweeps"):
the same objective, the same noise sequence and mini-batches, the same transformation with the cell's
hyperparameters, noise std and clip threshold as per-row arrays (plan.py's machinery), and the runner's stop
rules: "converged" when ‖∇J‖ ≤ tol before an update, "diverged" when an update leaves θ, J or ∇J not finite
or some |θᵢ| beyond the bound (the cell ends at its last good point), else "max_steps".

A sweep keeps no trajectory, only each row's current point, so it steps a loop of its own rather than the
runner's, whose chunks record every step of every row: on a 256 × 256 map those records cost as much as the
steps. Rows that stopped leave the batch (in bunches, so that removing them costs little).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .batches import MiniBatches
from .errors import InvalidInput, no_check
from .nn.sweep import Axis, axis
from .objective import SurfaceObjective
from .optimizers import OPTIMIZERS, optimizer_params
from .plan import OptimizerChoice, RunSettings, before_update, run_settings
from .runner import CONVERGED, DIVERGED, DIVERGENCE_BOUND, MAX_STEPS, RUNNING, square_bound
from .schedules import ScheduleTable, rate_per_step
from .surfaces import Surface
from .transforms import GradientTransformation, chain

Array = np.ndarray
# Params an axis may take besides the optimizer's numeric hyperparameters.
SETTING_PARAMS = ("betas[0]", "betas[1]", "start.x", "start.y", "noise.std", "clip.max_norm", "clip.value")
MINIMUM_DISTANCE = 1e-3  # a final point this close to one of the surface's minima has reached it
# Rows that stopped keep computing (ignored) until they are this share of the batch, then leave it at once.
LEAVE_SHARE = 1 / 8
# Cells run together: a block's arrays (64 KB each) stay in a core's cache. Measured on SGD on rosenbrock,
# 18 ns a cell-step in blocks of 8 192 against 52 ns in one batch of 65 536 (and 51 ns in blocks of 1 024,
# where numpy's cost per call dominates).
BLOCK_ROWS = 8192


class Cells(NamedTuple):
    """Per cell c (c = j·n₀ + i for axes[0].values[i], axes[1].values[j])."""

    status: Array  # (C,) runner.CONVERGED, DIVERGED or MAX_STEPS
    steps_taken: Array  # (C,)
    final: Array  # (C, 2) the last good point
    final_loss: Array  # (C,) J there
    minimum: Array  # (C,) index into the surface's minima of the one within MINIMUM_DISTANCE, else −1


class SurfaceSweep(NamedTuple):
    """A sweep, planned: its cells' start points and the transformation of any subset of its cells."""

    axes: list[Axis]
    starts: Array  # (C, 2)
    steps: int
    tol: float
    objective: SurfaceObjective
    transform: Callable[[Array], GradientTransformation]  # cell indices (R,) -> the transformation of those rows
    needs_hessian: bool
    params: dict[str, Any]  # the optimizer's hyperparameters, defaults filled (an axis's param: its first value)
    settings: RunSettings  # what every cell uses but for its axes
    minima: Array  # (M, 2)
    batches: MiniBatches | None = None


def sweep_axis(index: int, param: str, values: Sequence[float] | None, span: Any, n: int | None, log: bool) -> Axis:
    """Axis `index` of a request: `values`, or n values over `span` (geometric with `log`); all finite."""
    if log and span is not None and not (span[0] * span[1] > 0):
        raise InvalidInput(f"axes[{index}].range", "a log axis needs two ends of the same sign, neither 0")
    with np.errstate(all="ignore"):  # a span too wide for float64 gives values that are not finite: refused below
        made = axis(param, list(values) if values is not None else None, span, n, log)
    if not np.all(np.isfinite(made.values)):
        raise InvalidInput(f"axes[{index}]", "every value must be a finite number")
    return made


def plan_sweep(
    surface: Surface,
    start: Sequence[float],
    steps: int,
    optimizer: OptimizerChoice,
    axes: list[Axis],
    *,
    tol: float = 0.0,
    **shared: Any,
) -> SurfaceSweep:
    """The cells of `axes` (one or two, on different params), each a run of `optimizer` from `start` with the
    request's settings `shared` (plan_run's keywords), but for the axes' params. A cell that /api/run would
    refuse (a hyperparameter out of bounds, a start where J or ∇J is not finite) is an InvalidInput naming it."""
    definition = OPTIMIZERS.get(optimizer.name)
    if definition is None:
        optimizer_params(optimizer.name, {}, "optimizer")  # refuses it, naming the known ones
    numeric = [p.name for p in definition.params if p.type == "float"]
    has_betas = any(p.type == "betas" for p in definition.params)
    for i, a in enumerate(axes):
        known = a.param in numeric or (a.param in SETTING_PARAMS and (has_betas or not a.param.startswith("betas")))
        if not known:
            names = [*numeric, *(p for p in SETTING_PARAMS if has_betas or not p.startswith("betas"))]
            raise InvalidInput(
                f"axes[{i}].param",
                f"'{a.param}' is not a param a {definition.title} sweep can take (known: {', '.join(names)})",
            )
    if len(axes) == 2 and axes[0].param == axes[1].param:
        raise InvalidInput("axes", f"the two axes are both on {axes[0].param}: give them different params")
    grids = [g.ravel() for g in np.meshgrid(*(a.values for a in axes))]  # two axes: cell j·n₀ + i
    by_param = dict(zip((a.param for a in axes), grids, strict=True))
    firsts = {a.param: float(a.values[0]) for a in axes}

    given = dict(optimizer.params)
    betas = [p.default for p in definition.params if p.type == "betas"]
    if any(p.startswith("betas") for p in firsts):
        pair = list(given.get("betas", betas[0]))
        for k in (0, 1):
            pair[k] = firsts.get(f"betas[{k}]", pair[k])
        given["betas"] = pair
    given |= {p: v for p, v in firsts.items() if p in numeric}
    params = _checked_cells(optimizer.name, given, axes)
    if "clip.max_norm" in by_param or "clip.value" in by_param:
        shared = {**shared, "max_norm": None, "clip_value": None}  # a clip axis replaces the request's clip
    for i, a in enumerate(axes):
        if a.param == "noise.std" and np.any(a.values < 0):
            raise InvalidInput(f"axes[{i}]", "a noise std must be ≥ 0")
        if a.param.startswith("clip.") and np.any(a.values <= 0):
            raise InvalidInput(f"axes[{i}]", "a clip threshold must be > 0")
    (used,) = run_settings([OptimizerChoice(optimizer.name, given)], steps, surface=surface, **shared)

    count = len(grids[0])
    starts = np.empty((count, 2))
    starts[:, 0] = by_param.get("start.x", start[0])
    starts[:, 1] = by_param.get("start.y", start[1])
    objective = SurfaceObjective(surface.functions, used.l1, used.l2)
    _check_starts(objective, starts, axes)

    columns = {p: grid[:, None] for p, grid in by_param.items() if p in numeric}
    beta_columns = {int(p[-2]): grid[:, None] for p, grid in by_param.items() if p.startswith("betas")}
    noise = by_param.get("noise.std")
    norms, values_at = by_param.get("clip.max_norm"), by_param.get("clip.value")
    lr = columns.get("lr")

    # Newton's damping goes into (R, 2, 2) Hessians and must stay a (R, 1) column.
    spread = (lambda column: column) if definition.needs_hessian else _spread

    def transform(rows: Array) -> GradientTransformation:
        values = {**params, **{p: spread(column[rows]) for p, column in columns.items()}}
        if beta_columns:
            pair = (spread(beta_columns[k][rows]) if k in beta_columns else params["betas"][k] for k in (0, 1))
            values["betas"] = tuple(pair)
        if lr is None:
            rate: Any = rate_per_step(used.schedule, used.schedule_params, float(params["lr"]), steps)
        elif used.schedule == "constant":
            rate = values["lr"]
        else:
            rate = _rates(ScheduleTable(used.schedule, used.schedule_params, lr[rows, 0], steps))
        steps_in = before_update(
            used.noise_std if noise is None else _spread(noise[rows, None]),
            used.noise_seed,
            used.max_norm if norms is None else _spread(norms[rows, None]),
            used.clip_value if values_at is None else _spread(values_at[rows, None]),
        )
        return chain(*steps_in, definition.build(**{**values, "lr": rate}))

    minima = np.array([(m.x, m.y) for m in surface.minima], dtype=np.float64).reshape(-1, 2)
    mini = None if used.batch is None else MiniBatches(used.batch, len(surface.data[0]), surface.loss_on)
    return SurfaceSweep(
        axes, starts, steps, tol, objective, transform, definition.needs_hessian, params, used, minima, mini
    )


def _checked_cells(name: str, given: Mapping[str, Any], axes: list[Axis]) -> dict[str, Any]:
    """The optimizer's hyperparameters with each axis at its first value, after checking every axis's values with
    the other axis at its first. Each of torch's rules holds for one param at a time and allows an interval of it
    (a bound, Nesterov's momentum > 0 and dampening = 0), so an axis's values all pass when its smallest and its
    largest do: those two are checked, and a cell is refused exactly when some cell is."""
    firsts = {a.param: float(a.values[0]) for a in axes}
    for i, a in enumerate(axes):
        if a.param.startswith(("start.", "noise.", "clip.")):
            continue
        for k in sorted({int(np.argmin(a.values)), int(np.argmax(a.values))}):
            value = float(a.values[k])
            trial = dict(given)
            if a.param.startswith("betas"):
                pair = list(trial["betas"])
                pair[int(a.param[-2])] = value
                trial["betas"] = pair
            else:
                trial[a.param] = value
            try:
                optimizer_params(name, trial, "optimizer")
            except InvalidInput as refused:
                named = " and ".join(f"{p} = {v:g}" for p, v in {**firsts, a.param: value}.items())
                raise InvalidInput(
                    f"axes[{i}].values[{k}]",
                    f"the cell with {named} is a run /api/run refuses: {refused.field} {refused.message}",
                ) from None
    return optimizer_params(name, given, "optimizer")


def _check_starts(objective: SurfaceObjective, starts: Array, axes: list[Axis]) -> None:
    """Every cell's start must have a finite J and ∇J (as /api/run's start must); the first that has not is named."""
    loss, grad = np.empty(len(starts)), np.empty((len(starts), 2))
    with np.errstate(all="ignore"):
        objective.evaluate(starts, loss, grad)
        good = np.isfinite(loss) & np.isfinite(np.sum(grad * grad, axis=-1))
    if good.all():
        return
    cell = int(np.argmin(good))
    n0 = len(axes[0].values)
    where = [(0, cell % n0), (1, cell // n0)][: len(axes)]
    named = ", ".join(f"{axes[a].param} = {axes[a].values[k]:g} (axes[{a}].values[{k}])" for a, k in where)
    index = "".join(f"[{k}]" for _, k in reversed(where))
    x, y = starts[cell]
    raise InvalidInput(
        "axes", f"cell {index} ({named}) starts at ({x:g}, {y:g}), where the loss or its gradient is not finite"
    )


def _rates(table: ScheduleTable) -> Callable[[int], Array]:
    """The learning rate of rows whose lr differ under a schedule: a (R, 1) column per step, from the closed form
    the single run reads (rate_per_row's block of steps ahead would be steps × rows: gigabytes on a large map)."""
    return lambda k: table[k : k + 1].reshape(-1, 1)


def sweep(plan: SurfaceSweep, check: Callable[[], None] = no_check) -> Cells:
    """Run every cell of `plan` for up to its steps; `check()` runs before every step and may raise. The cells
    run in blocks of about BLOCK_ROWS, each block all its steps before the next: cells are independent (each
    block draws the same noise and mini-batches as a whole batch would), and a block's arrays stay in a core's
    cache."""
    count = len(plan.starts)
    status = np.full(count, RUNNING, dtype=np.int8)
    taken = np.zeros(count, dtype=np.int64)
    final = plan.starts.copy()
    final_loss = np.empty(count)
    for cells in np.array_split(np.arange(count), -(-count // BLOCK_ROWS)):
        _run(plan, cells, check, status, taken, final, final_loss)
    return Cells(status, taken, final, final_loss, nearest_minimum(final, plan.minima))


def _run(plan: SurfaceSweep, cells: Array, check: Callable[[], None], *out: Array) -> None:
    """Run the cells `cells` (the batch's rows) to their ends, writing status, steps taken, final point and loss
    into `out`."""
    objective, needs_hessian = plan.objective, plan.needs_hessian
    tol_sq = square_bound(plan.tol)
    theta = _columns(plan.starts[cells])
    loss, grad = np.empty(len(cells)), _empty(len(cells))
    transform = plan.transform(cells)
    sampler = plan.batches.sampler() if plan.batches is not None else None
    with np.errstate(all="ignore"):
        objective.evaluate(theta, loss, grad)
        sq = _squared_norm(grad)
        state = transform.init(theta)
        alive = np.ones(len(cells), dtype=bool)
        for k in range(plan.steps):
            check()
            converged = sq <= tol_sq
            if converged.any():
                _end(converged & alive, CONVERGED, k, cells, theta, loss, alive, *out)
            if len(cells) - np.count_nonzero(alive) >= max(1, LEAVE_SHARE * len(cells)):
                if not alive.any():
                    return
                cells, theta, loss, grad, sq, state = _keep(alive, cells, theta, loss, grad, sq, state)
                alive = np.ones(len(cells), dtype=bool)
                transform = plan.transform(cells)
            if sampler is None:
                g, part = grad, objective
            else:
                part = objective.with_loss(plan.batches.loss_on(sampler.take(1)[0]))
                g = _empty(len(cells))
                part.evaluate(theta, np.empty(len(cells)), g)
            if needs_hessian:
                updates, state = transform.update(g, state, theta, hessian=part.hessian(theta))
            else:
                updates, state = transform.update(g, state, theta)
            # New arrays every step: the optimizer may keep the gradient it was given (momentum's first buffer).
            nxt, nxt_loss, nxt_grad = _empty(len(cells)), np.empty(len(cells)), _empty(len(cells))
            np.add(theta, updates, out=nxt)
            objective.evaluate(nxt, nxt_loss, nxt_grad)
            nxt_sq = _squared_norm(nxt_grad)
            good = np.isfinite(nxt_loss) & np.isfinite(nxt_sq)
            for d in range(nxt.shape[1]):
                good &= np.abs(nxt[:, d]) <= DIVERGENCE_BOUND  # NaN is never inside
            if not good.all():
                _end(~good & alive, DIVERGED, k, cells, theta, loss, alive, *out)
            theta, loss, grad, sq = nxt, nxt_loss, nxt_grad, nxt_sq
        _end(alive, MAX_STEPS, plan.steps, cells, theta, loss, alive, *out)


def nearest_minimum(points: Array, minima: Array) -> Array:
    """For each point (C, 2), the index of the nearest of `minima` (M, 2) within MINIMUM_DISTANCE, else −1."""
    if not len(minima):
        return np.full(len(points), -1, dtype=np.int64)
    distance = np.hypot(points[:, None, 0] - minima[None, :, 0], points[:, None, 1] - minima[None, :, 1])  # (C, M)
    nearest = np.argmin(distance, axis=1)
    return np.where(distance[np.arange(len(points)), nearest] <= MINIMUM_DISTANCE, nearest, -1)


def _end(rows: Array, code: int, step: int, cells: Array, theta: Array, loss: Array, alive: Array, *out: Array) -> None:
    """The batch rows `rows` stop with `code` after `step` updates, at `theta` and `loss`."""
    if not rows.any():
        return
    status, taken, final, final_loss = out
    ended = cells[rows]
    status[ended], taken[ended], final[ended], final_loss[ended] = code, step, theta[rows], loss[rows]
    alive &= ~rows


def _empty(rows: int) -> Array:
    """(R, 2) laid out coordinate by coordinate, as the runner's buffers are: a surface reads x = θ[:, 0]
    contiguously, and numpy runs fastest when every operand of an operation shares one layout."""
    return np.empty((2, rows)).T


def _spread(column: Array) -> Array:
    """A (R, 1) column of per-row hyperparameters as (R, 2), each row's value for both coordinates, laid out as θ:
    numpy multiplies two arrays of one shape and layout about three times faster than a column and an array."""
    return _columns(np.broadcast_to(column, (len(column), 2)))


def _columns(values: Array) -> Array:
    out = _empty(len(values))
    out[...] = values
    return out


def _squared_norm(grad: Array) -> Array:
    sq = grad[:, 0] * grad[:, 0]
    for d in range(1, grad.shape[1]):
        sq += grad[:, d] * grad[:, d]
    return sq


def _keep(alive: Array, cells: Array, *arrays: Any) -> tuple:
    """The batch without its stopped rows: the cells, then each array's and the optimizer state's kept rows."""
    return (cells[alive], *(_rows(a, alive) for a in arrays))


def _rows(value: Any, rows: Array) -> Any:
    """The kept rows of every per-row array in an optimizer state ((R,), (R, 1), (R, 2), Newton's (R, 2, 2)),
    in the batch's layout; counts and scalars stay."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value
        kept = value[rows]
        return _columns(kept) if kept.ndim == 2 and kept.shape[1] == 2 else kept
    if isinstance(value, tuple):
        parts = [_rows(v, rows) for v in value]
        return type(value)(*parts) if hasattr(value, "_fields") else tuple(parts)
    return value
