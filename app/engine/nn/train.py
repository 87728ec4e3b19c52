"""Training a tiny network: the optimizers, schedules and clipping of the 2D engine on a flat weight vector.

`train(...)` yields one Record every `record_every` steps (and at the end), then the
final landscape; /api/train collects them, the stream route sends them as they come.
`race(...)` trains several optimizers (each on its own activation and initial weights, or all on the same
ones) on the same batches, one record of each in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from ..errors import InvalidInput, no_check
from ..optimizers import OPTIMIZERS, optimizer_params
from ..schedules import rate_per_step, schedule_params
from ..transforms import chain, clip, clip_by_global_norm
from .datasets import Dataset
from .histograms import layer_histograms
from .landscape import Landscape, RaceLandscape, loss_landscape, race_landscape
from .layers import LOSSES
from .network import Architecture, Pass, Workspace, gradients, predict, unflatten
from .sharpness import Sharpness, adam_preconditioner, eigenproblems
from .split import scores, split

Array = np.ndarray


class TrainSpec(NamedTuple):
    arch: Architecture
    theta0: Array  # (P,) initial weights
    optimizer: str
    params: dict
    steps: int
    batch_size: int | None
    l2: float = 0.0
    dropout: float = 0.0
    max_norm: float | None = None
    clip_value: float | None = None
    schedule: tuple[str, dict] | None = None
    record_every: int = 10
    boundary_n: int | None = 50
    landscape: tuple[int, float, str] | None = (21, 1.0, "pca")
    seed: int = 0
    test_fraction: float = 0.0  # held out of training (split.py)
    split_seed: int = 0  # the dataset's seed, which alone picks the held-out points
    field: str = "optimizer"  # the request field a refused optimizer is named by
    lr_scale: tuple[float, ...] | None = None  # per layer (hidden ones, then the output): × the schedule's lr
    sharpness: bool = False  # each record: λ_max of the objective's Hessian (and Adam's preconditioned one)
    histograms: bool = False  # each record: a histogram of every hidden layer's activations


class Record(NamedTuple):
    step: int
    loss: float  # full data, no penalty, no dropout
    accuracy: float | None
    grad_norm: list[float]  # per layer: ‖∂(loss + penalty)/∂W‖_F, full batch, before clipping
    weight_norm: list[float]
    boundary: Array | None  # (n, n) predictions on the boundary grid
    theta: Array
    test_loss: float | None = None  # on the held-out points, as `loss` on the training points
    test_accuracy: float | None = None
    sharpness: float | None = None  # λ_max of the Hessian of loss + penalty on the training points
    preconditioned_sharpness: float | None = None  # λ_max(P⁻¹H), Adam's P after `step` updates
    activations: list[Array] | None = None  # per hidden layer: counts on histograms.EDGES[activation]


class Boundary(NamedTuple):
    x: Array  # (n,)
    y: Array  # (n,)


def boundary_grid(data: Dataset, n: int) -> Boundary:
    lo, hi = data.x.min(axis=0), data.x.max(axis=0)
    pad = 0.1 * (hi - lo) + 1e-9
    return Boundary(np.linspace(lo[0] - pad[0], hi[0] + pad[0], n), np.linspace(lo[1] - pad[1], hi[1] + pad[1], n))


def _record(
    spec: TrainSpec,
    data: Dataset,
    theta: Array,
    step: int,
    grid: Boundary | None,
    test: Dataset | None = None,
    workspace: Workspace | None = None,
    computed: tuple[Pass, Array] | None = None,
) -> Record:
    """`computed`: the full-data pass and gradient at θ when the training step has them already."""
    arch = spec.arch
    layers = unflatten(arch, theta)
    # The forward pass of the gradient gives the outputs too.
    cache, grad = computed or gradients(arch, layers, data.x, data.y, spec.l2, workspace=workspace)
    grads = unflatten(arch, grad)
    output = cache.output
    data_loss = LOSSES[arch.task].value(output, data.y)
    accuracy = float(np.mean((output > 0) == (data.y > 0.5))) if arch.task == "classification" else None
    # Before the boundary's pass, which may reuse the workspace's buffers (a grid of as many points).
    counts = layer_histograms(arch.activation, cache.activations) if spec.histograms else None
    frame = None
    if grid is not None:
        gx, gy = np.meshgrid(grid.x, grid.y)  # (n, n): frame[j, i] at x[i], y[j]
        logits = predict(arch, theta, np.column_stack([gx.ravel(), gy.ravel()]), workspace).reshape(gx.shape)
        frame = 1 / (1 + np.exp(-logits)) if arch.task == "classification" else logits.copy()  # off the buffer
    held = scores(arch, theta, test) if test is not None else None
    return Record(
        step,
        data_loss,
        accuracy,
        [float(np.linalg.norm(g.W)) for g in grads],
        [float(np.linalg.norm(layer.W)) for layer in layers],
        frame,
        theta.copy(),
        held.loss if held else None,
        held.accuracy if held else None,
        activations=counts,
    )


def layer_factors(arch: Architecture, lr_scale: tuple[float, ...] | None) -> Array | None:
    """(1, P): each weight's factor of the learning rate, lr_scale[l] on every entry of layer l's W̃
    (None when every factor is 1, which leaves the training's numbers exactly as they were)."""
    if lr_scale is None or all(f == 1.0 for f in lr_scale):
        return None
    sizes = [(fan_in + 1) * fan_out for (fan_in, fan_out), _ in arch.shapes]
    if len(lr_scale) != len(sizes):
        raise InvalidInput("lr_scale", f"needs {len(sizes)} factors (one per hidden layer, then the output layer)")
    return np.repeat(np.asarray(lr_scale, dtype=np.float64), sizes)[None, :]


def scaled_rate(rate: float | Callable[[int], float], factors: Array | None) -> float | Array | Callable[[int], Array]:
    """The learning rate per weight: layer l's is lr_scale[l] × lr(k), as torch's param groups give it. The
    rate reaches only the final `−lr·u` of every optimizer (AdamW's decoupled decay included), so the
    factor there is each group's own rate."""
    if factors is None:
        return rate
    if callable(rate):
        return lambda k: rate(k) * factors
    return rate * factors


def _finite(record: Record) -> bool:
    values = [record.loss, *record.grad_norm, *record.weight_norm]
    return bool(np.all(np.isfinite(values)) and np.all(np.isfinite(record.theta)))


CHECK_EVERY = 16  # steps between two calls of the caller's check
MAX_PARAMETER = 1e8  # a weight beyond this has diverged, as a point of a run on a surface has


def _finite_values(values: Array) -> bool:
    return bool(np.isfinite(values.max()) and np.isfinite(values.min()))  # NaN propagates; no temporary


def _bounded(theta: Array) -> bool:
    return bool(theta.max() <= MAX_PARAMETER and theta.min() >= -MAX_PARAMETER)  # NaN fails both


def train(spec: TrainSpec, data: Dataset, check: Callable[[], None] = no_check) -> Iterator[Record | Landscape | str]:
    """Yields Records, then (if asked) the Landscape, then the status string. `check()` is
    called every few steps and may raise to stop the training (its client left).

    The training stops "diverged" at the first step whose weights are not finite or beyond
    ±MAX_PARAMETER, or whose gradient is not finite; its records end with one at the last good step."""
    definition = OPTIMIZERS[spec.optimizer]
    if definition.needs_hessian:
        raise InvalidInput(f"{spec.field}.name", f"'{spec.optimizer}' needs a Hessian, which networks do not provide")
    values = optimizer_params(spec.optimizer, spec.params, spec.field)
    name, given = spec.schedule or ("constant", {})
    steps_in = [clip_by_global_norm(spec.max_norm)] if spec.max_norm is not None else []
    if spec.clip_value is not None:
        steps_in.append(clip(spec.clip_value))
    rate = rate_per_step(name, schedule_params(name, given, spec.steps), values["lr"], spec.steps)
    rate = scaled_rate(rate, layer_factors(spec.arch, spec.lr_scale))
    transform = chain(*steps_in, definition.build(**{**values, "lr": rate}))

    grid = boundary_grid(data, spec.boundary_n) if spec.boundary_n else None  # over all points, held out or not
    data, test = split(data, spec.test_fraction, spec.split_seed)[:2]
    n = data.x.shape[0]
    batch = n if spec.batch_size is None else min(spec.batch_size, n)
    rng = np.random.default_rng(spec.seed + 1)  # shuffles and dropout masks
    theta = spec.theta0[None, :].copy()  # (1, P): one trajectory of the engine's (B, D) shape
    layers = unflatten(spec.arch, theta[0])  # views of θ, which every step updates in place
    state = transform.init(theta)
    last_good = spec.theta0.copy()  # θ before the latest update
    workspace = Workspace(spec.arch)  # every pass's large arrays, allocated once
    # Full batch without dropout: the update at a recorded step takes the record's own gradient.
    shares = batch == n and not spec.dropout > 0
    order, cursor = rng.permutation(n), 0
    path, status, step = [], "max_steps", 0
    curvature = Sharpness(spec.arch, data.x, data.y, spec.l2, spec.seed) if spec.sharpness else None
    # Adam's preconditioner (from its state) when the optimizer is Adam or AdamW without AMSGrad.
    betas = values["betas"] if eigenproblems(spec.optimizer, values) == 2 else None
    while True:
        # errstate never spans a yield (a stream resumes this generator from another
        # thread), so it is entered once per stretch between two records, not per step.
        check()
        with np.errstate(all="ignore"):
            computed = gradients(spec.arch, layers, data.x, data.y, spec.l2, workspace=workspace) if shares else None
            record = _record(spec, data, theta[0], step, grid, test, workspace, computed)
        if not _finite(record):
            status = "diverged"
            break
        if curvature is not None:
            pre = adam_preconditioner(state, *betas, values["eps"]) if betas is not None else None
            sharp, pre_sharp = curvature.at(record.theta, pre, check)
            record = record._replace(sharpness=sharp, preconditioned_sharpness=pre_sharp)
        path.append(record.theta)
        yield record
        if step == spec.steps or status == "diverged":
            break
        stop = min((step // spec.record_every + 1) * spec.record_every, spec.steps)
        with np.errstate(all="ignore"):
            for k in range(step, stop):
                if k % CHECK_EVERY == 0:
                    check()
                if cursor + batch > n and batch < n:  # a new epoch: a new shuffle
                    order, cursor = rng.permutation(n), 0
                rows = order[cursor : cursor + batch] if batch < n else slice(None)
                cursor += batch
                if k == step and computed is not None:
                    grad = computed[1]
                else:
                    x, y = data.x[rows], data.y[rows]
                    _, grad = gradients(spec.arch, layers, x, y, spec.l2, spec.dropout, rng, workspace)
                if not _finite_values(grad):  # θₖ is not good: back to θₖ₋₁, unless θₖ was just recorded
                    if k > step:
                        theta[0], k = last_good, k - 1
                    stop, status = k, "diverged"
                    break
                last_good[:] = theta[0]
                updates, state = transform.update(grad[None, :], state, theta)
                np.add(theta, updates, out=theta)
                if not _bounded(theta):  # θₖ₊₁ is not good: θₖ is the last
                    theta[0], stop, status = last_good, k, "diverged"
                    break
        if stop == step:  # diverged right after the last record, which ends the records
            break
        step = stop
    if spec.landscape is not None and path:
        size, span, method = spec.landscape
        final = path[-1]
        yield loss_landscape(
            spec.arch, data.x, data.y, final, np.stack(path), size, span, method, spec.seed, check, workspace
        )
    yield status


def race(
    specs: list[TrainSpec], data: Dataset, check: Callable[[], None] = no_check
) -> Iterator[tuple[int, Record | str] | RaceLandscape]:
    """Several trainings of networks of one shape that differ in their optimizer, and possibly in their
    activation and initial weights (`arch`, `theta0`): yields (run, Record) one record of each run in turn,
    (run, status) when a run ends, then (if asked, and only when every run shares the activation and the
    initial weights: one loss function, one start) the one RaceLandscape of them all.

    Each run is `train` itself without its landscape, so it equals the single training: its shuffles and
    dropout masks come from the model's seed alone, the same in every run."""
    runs = [train(spec._replace(landscape=None), data, check) for spec in specs]
    pending = [next(run) for run in runs]  # every optimizer checked before the race starts
    paths: list[list[Array]] = [[] for _ in specs]
    statuses: list[str] = ["max_steps"] * len(specs)
    live = list(range(len(specs)))
    while live:
        for r in tuple(live):
            item = pending[r]
            if isinstance(item, Record):
                paths[r].append(item.theta)
                yield r, item
                pending[r] = next(runs[r])
            else:
                statuses[r] = item
                live.remove(r)
                yield r, item
    spec = specs[0]
    if spec.landscape is None or not all(paths):  # every run starts from θ₀: all have records, or none
        return
    if not all(s.arch == spec.arch and np.array_equal(s.theta0, spec.theta0) for s in specs):
        return  # each run has its own loss or start: no one plane through one loss shows them all
    size, span, method = spec.landscape
    shaping = [r for r, status in enumerate(statuses) if status != "diverged"] or list(range(len(specs)))
    train_data = split(data, spec.test_fraction, spec.split_seed).train
    stacked = [np.stack(p) for p in paths]
    yield race_landscape(spec.arch, train_data.x, train_data.y, stacked, shaping, size, span, method, spec.seed, check)
