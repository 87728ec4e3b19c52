"""Trainability maps: one network trained at many learning rates at once, as one batch of networks.

Every cell is the training `train()` runs with that cell's learning rate and per-layer factors: the
same initial weights, the same mini-batches and dropout masks (one generator, drawn once a step for
every cell, in train()'s order), the same optimizer on the cells' rows of one (C, P) weight array, and
train()'s rule for divergence, records included (see `sweep`). A cell that diverged leaves the batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..errors import InvalidInput, no_check
from ..optimizers import OPTIMIZERS, optimizer_params
from ..schedules import ScheduleTable, rate_per_row, schedule_params
from ..transforms import GradientTransformation, chain, clip, clip_by_global_norm
from .datasets import Dataset
from .layers import LOSSES
from .network import Architecture, Workspace, dropout_masks, gradients, unflatten
from .split import split
from .train import MAX_PARAMETER, TrainSpec

Array = np.ndarray
# Networks per pass: enough to spread numpy's per-call cost, few enough that a layer's activations
# ((networks, units, N) float64) stay in a core's cache between the passes' dozen operations on them.
PASS_VALUES = 1 << 17


class Cells(NamedTuple):
    status: Array  # (C,) "diverged" or "max_steps"
    steps_taken: Array  # (C,) the step of each cell's last good record
    final_loss: Array  # (C,) the training data's loss there (no penalty, no dropout), as that record's `loss`


class Axis(NamedTuple):
    param: str  # "lr", or "lr_scale[l]": layer l's factor
    values: Array  # (n,)


def axis(param: str, values: list[float] | None, span: tuple[float, float] | None, n: int | None, log: bool) -> Axis:
    """An axis of `values`, or of n values from span[0] to span[1] (numpy.geomspace with `log`, else linspace)."""
    if values is not None:
        return Axis(param, np.asarray(values, dtype=np.float64))
    if span is None or n is None:
        raise InvalidInput("axes", "an axis needs `values`, or `range` with `n`")
    return Axis(param, np.geomspace(*span, n) if log else np.linspace(*span, n))


def cell_rates(axes: list[Axis], lr: float, lr_scale: tuple[float, ...]) -> tuple[Array, Array]:
    """Each cell's learning rate (C,) and per-layer factors (C, layers): the given ones, but for the axes'
    params. Cell j·n₀ + i has axes[0].values[i] and axes[1].values[j] (one axis: cell i has its values[i])."""
    grids = [grid.ravel() for grid in np.meshgrid(*(a.values for a in axes))]  # two axes: (n₁, n₀) each
    count = len(grids[0])
    rates = np.full(count, float(lr))
    factors = np.tile(np.asarray(lr_scale, dtype=np.float64), (count, 1))
    for i, (a, grid) in enumerate(zip(axes, grids, strict=True)):
        if a.param == "lr":
            rates = grid
            continue
        named = re.fullmatch(r"lr_scale\[(\d)\]", a.param)
        layer = int(named.group(1)) if named else -1
        if not 0 <= layer < len(lr_scale):
            last = len(lr_scale) - 1
            raise InvalidInput(
                f"axes[{i}].param",
                f"'{a.param}' names no layer: the network has {len(lr_scale)} (lr_scale[0] … lr_scale[{last}], "
                "the hidden layers, then the output layer)",
            )
        factors[:, layer] = grid
    return rates, factors


def group_size(arch: Architecture, points: int, cells: int) -> int:
    """How many networks one pass of `points` samples holds."""
    return max(1, min(cells, PASS_VALUES // (max(arch.sizes[1:-1], default=1) * max(points, 1))))


def sweep(spec: TrainSpec, lr: Array, lr_scale: Array, data: Dataset, check: Callable[[], None] = no_check) -> Cells:
    """Train `spec` once per cell: cell c with learning rate lr[c] (C,) and per-layer factors lr_scale[c]
    (C, layers), in place of the optimizer's lr and spec.lr_scale.

    As train(): a record every `record_every` steps and at the end (a full-data pass: the loss, the
    gradient's and the weights' norms must be finite); after an update, a gradient that is not finite
    ends the cell at the weights before it (at θₖ itself when step k was just recorded, else at θₖ₋₁),
    and weights beyond ±MAX_PARAMETER end it at the weights before the update; a record there is its
    last if finite, else its previous record is. `check()` runs before every pass and may raise."""
    arch = spec.arch
    definition = OPTIMIZERS[spec.optimizer]
    if definition.needs_hessian:
        raise InvalidInput(f"{spec.field}.name", f"'{spec.optimizer}' needs a Hessian, which networks do not provide")
    values = optimizer_params(spec.optimizer, spec.params, spec.field)
    name, given = spec.schedule or ("constant", {})
    schedule = schedule_params(name, given, spec.steps)
    sizes = [(fan_in + 1) * fan_out for (fan_in, fan_out), _ in arch.shapes]
    lr = np.asarray(lr, dtype=np.float64)
    factors = np.repeat(np.asarray(lr_scale, dtype=np.float64), sizes, axis=1)  # (C, P): each weight's factor
    clipping = [clip_by_global_norm(spec.max_norm)] if spec.max_norm is not None else []
    if spec.clip_value is not None:
        clipping.append(clip(spec.clip_value))

    def optimizer(cells: Array) -> GradientTransformation:
        """The optimizer of the batch's rows (cells `cells`): layer l's rate is lr_scale[c, l]·lr(k) of lr[c]."""
        per_weight = factors[cells]
        if name == "constant":
            rate: Any = lr[cells, None] * per_weight
        else:
            per_cell = rate_per_row(ScheduleTable(name, schedule, lr[cells], spec.steps))  # k -> (C, 1)
            rate = lambda k: per_cell(k) * per_weight  # noqa: E731
        return chain(*clipping, definition.build(**{**values, "lr": rate}))

    train_data = split(data, spec.test_fraction, spec.split_seed).train
    x, y = train_data.x, train_data.y
    n = x.shape[0]
    batch = n if spec.batch_size is None else min(spec.batch_size, n)
    count = len(lr)
    run = _Batch(arch, spec.l2, group_size(arch, max(n, batch), count), check)
    cells = np.arange(count)  # the batch's rows: which cell each one trains
    theta = np.repeat(spec.theta0[None, :], count, axis=0)  # (C, P)
    transform = optimizer(cells)
    state = transform.init(theta)
    last_good = theta.copy()  # each row's weights before the latest update
    reached = np.zeros(count, dtype=bool)
    steps_taken = np.zeros(count, dtype=np.int64)
    final_loss = np.empty(count)

    rng = np.random.default_rng(spec.seed + 1)  # shuffles and dropout masks: train()'s generator, train()'s order
    shares = batch == n and not spec.dropout > 0  # a record's full-data gradient is the step's own
    order, cursor = rng.permutation(n), 0
    with np.errstate(all="ignore"):
        for k in range(spec.steps + 1):
            if not len(cells):
                break
            recording = k % spec.record_every == 0 or k == spec.steps
            grad = np.empty_like(theta)  # a new array each step: an optimizer's state may hold the last one
            if recording:
                loss, good = run.record(theta, x, y, out=grad if shares else None)
                if k == 0:
                    final_loss[:] = loss  # a cell whose first record fails ends at θ₀ all the same
                steps_taken[cells[good]], final_loss[cells[good]] = k, loss[good]
                if k == spec.steps:
                    reached[cells[good]] = True
                    break
                if not good.all():  # these cells end at their previous record
                    cells, theta, last_good, grad, state = _keep(good, cells, theta, last_good, grad, state)
                    transform = optimizer(cells)
            if cursor + batch > n and batch < n:  # a new epoch: a new shuffle
                order, cursor = rng.permutation(n), 0
            rows = order[cursor : cursor + batch] if batch < n else slice(None)
            cursor += batch
            if not (recording and shares):
                masks = dropout_masks(arch, rng, batch, spec.dropout) if spec.dropout > 0 else None
                run.gradients(theta, x[rows], y[rows], grad, masks)
            # A gradient that is not finite: back to θₖ₋₁, unless θₖ was just recorded.
            stopped = ~_finite_rows(grad)
            revisit = [] if recording or not stopped.any() else [(stopped, last_good[stopped], k - 1)]
            last_good[:] = theta
            updates, state = transform.update(grad, state, theta)
            np.add(theta, updates, out=theta)
            beyond = ~stopped & ~_bounded_rows(theta)  # θₖ₊₁ is not good: θₖ is the last
            if beyond.any():
                theta[beyond] = last_good[beyond]
                if not recording:
                    revisit.append((beyond, theta[beyond], k))
            for which, weights, step in revisit:  # a record at the cell's last good weights, if it is finite
                if step % spec.record_every:  # not recorded yet
                    loss, good = run.record(weights, x, y)
                    ended = cells[which][good]
                    steps_taken[ended], final_loss[ended] = step, loss[good]
            ended = stopped | beyond
            if ended.any():
                cells, theta, last_good, grad, state = _keep(~ended, cells, theta, last_good, grad, state)
                transform = optimizer(cells)
    status = np.where(reached, "max_steps", "diverged")
    return Cells(status, steps_taken, final_loss)


class _Batch:
    """Forward and backward passes of a batch of networks, a group of rows at a time."""

    def __init__(self, arch: Architecture, l2: float, group: int, check: Callable[[], None]) -> None:
        self.arch, self.l2, self.group, self.check = arch, l2, group, check
        self.workspace = Workspace(arch, group)
        self.full: Array | None = None  # the gradient of a record that is not the step's

    def gradients(
        self, theta: Array, x: Array, y: Array, out: Array, masks: list[Array] | None = None, loss: Array | None = None
    ) -> None:
        """Each row's gradient on (x, y) into `out` (and with `loss`, its data loss)."""
        for start in range(0, len(theta), self.group):
            self.check()
            rows = slice(start, start + self.group)
            layers = unflatten(self.arch, theta[rows])
            cache, _ = gradients(self.arch, layers, x, y, self.l2, workspace=self.workspace, masks=masks, out=out[rows])
            if loss is not None:
                loss[rows] = LOSSES[self.arch.task].value(cache.output, y)

    def record(self, theta: Array, x: Array, y: Array, out: Array | None = None) -> tuple[Array, Array]:
        """(loss, finite) of each row's record on the full data: train()'s check of a record (the loss,
        every layer's ‖∂/∂W‖² and ‖W‖², θ all finite). `out` receives the gradient when given."""
        if out is None:
            if self.full is None or self.full.shape[0] < len(theta):
                self.full = np.empty((max(len(theta), self.group), self.arch.size))
            out = self.full[: len(theta)]
        loss = np.empty(len(theta))
        self.gradients(theta, x, y, out, loss=loss)
        good = np.isfinite(loss) & _finite_rows(theta)
        for part, layer in zip(unflatten(self.arch, out), unflatten(self.arch, theta), strict=True):
            good &= np.isfinite(np.sum(part.W * part.W, axis=(-2, -1)))  # as train()'s norms overflow
            good &= np.isfinite(np.sum(layer.W * layer.W, axis=(-2, -1)))
        return loss, good


def _finite_rows(values: Array) -> Array:
    return np.isfinite(values.max(axis=-1)) & np.isfinite(values.min(axis=-1))  # NaN propagates


def _bounded_rows(theta: Array) -> Array:
    return (theta.max(axis=-1) <= MAX_PARAMETER) & (theta.min(axis=-1) >= -MAX_PARAMETER)  # NaN fails both


def _keep(rows: Array, cells: Array, *arrays: Any) -> tuple:
    """The batch without the rows that ended: the cells, then each array's and the state's kept rows."""
    return (cells[rows], *(_rows(a, rows) for a in arrays))


def _rows(value: Any, rows: Array) -> Any:
    """The kept rows of every (C, P) array in an optimizer state (counts and scalars stay)."""
    if isinstance(value, np.ndarray):
        return value[rows] if value.ndim == 2 else value
    if isinstance(value, tuple):
        parts = [_rows(v, rows) for v in value]
        return type(value)(*parts) if hasattr(value, "_fields") else tuple(parts)
    return value
