"""The one run loop: advances a batch of B trajectories and yields them in chunks.

The stop rules (README, "The JSON API": converged, diverged, max_steps) are
checked once per chunk on the recorded arrays rather than every step: a row
that stops keeps computing until the chunk ends, but its records are cut
exactly where it stopped, so the result is the same as a per-step check, at a
fraction of the per-step cost. Nothing non-finite leaves the loop: a row's
records end at its last good point.

The chunk buffers are allocated once and reused: a consumer must take what it
needs from a chunk before asking for the next one (`collect` copies).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from . import outcome
from .batches import MiniBatches
from .errors import InvalidInput
from .objective import Objective
from .transforms import GradientTransformation

Array = np.ndarray

RUNNING, CONVERGED, DIVERGED, MAX_STEPS = 0, 1, 2, 3
STATUS_NAMES = {CONVERGED: "converged", DIVERGED: "diverged", MAX_STEPS: "max_steps"}
DIVERGENCE_BOUND = 1e8
CHUNK_ELEMENTS = 1 << 18  # bounds a chunk's memory for large batches


class Chunk(NamedTuple):
    """Steps [offset, offset + n) of every row; row b holds `counts[b]` points of them.

    `theta[i]`, `loss[i]`, `grad_sq[i]` belong to step offset + i; `lr[i]` is the
    rate of the update that follows it, present for the first `lr_counts[b]` points.
    Rows whose `status` is not RUNNING ended in this chunk after `steps_taken` updates,
    and `outcome` says where that left them (outcome.py; NONE for rows still running).
    The chunk holds ‖∇J‖²: a consumer takes square roots of the points it keeps only.
    """

    offset: int
    theta: Array  # (n + 1, B, D)
    loss: Array  # (n + 1, B)
    grad_sq: Array  # (n + 1, B) ‖∇J‖²
    lr: Array  # (n, B)
    counts: Array  # (B,)
    lr_counts: Array  # (B,)
    status: Array  # (B,) RUNNING or the final status
    steps_taken: Array  # (B,)
    outcome: Array  # (B,) outcome.NONE or the row's outcome
    # On mini-batches: the batch objective at θ of each update (n, B), and each update's batch (n arrays).
    batch_loss: Array | None = None
    batches: list[Array] | None = None

    @property
    def grad_norm(self) -> Array:
        return np.sqrt(self.grad_sq)


def run(
    objective: Objective,
    transform: GradientTransformation,
    start: Array,
    steps: int,
    lr: Array,
    *,
    tol: float = 0.0,
    needs_hessian: bool = False,
    first_chunk: int = 32,
    max_chunk: int = 4096,
    scale: outcome.Scale | None = None,
    batches: MiniBatches | None = None,
) -> Iterator[Chunk]:
    """Run `transform` on `objective` from `start` (B, D) for up to `steps` updates.

    `lr` (steps, B) is the learning rate of each update, for the records. The
    first chunk is small so that a stream can show something at once; chunks
    then double up to `max_chunk`. `scale` is the surface's, against which each
    row's outcome is judged when it ends (default: a box around the start points).
    With `batches`, update k follows the gradient (and Hessian) of the objective on batch k,
    while the records stay the full data's J and ‖∇J‖ (README, "Mini-batches").
    """
    theta = np.array(start, dtype=np.float64, ndmin=2)
    batch, dim = theta.shape
    max_chunk = max(1, min(max_chunk, steps, CHUNK_ELEMENTS // (batch * dim)))
    # (steps, D, B) seen as (steps, B, D): each coordinate of a step is contiguous,
    # so a surface reads x = θ[:, 0] at full speed on large batches.
    xs = np.empty((max_chunk + 1, dim, batch)).transpose(0, 2, 1)
    gs = np.empty((max_chunk + 1, dim, batch)).transpose(0, 2, 1)
    ls = np.empty((max_chunk + 1, batch))
    # errstate is entered per chunk, never held across a yield: a stream resumes
    # this generator from another thread, where numpy's context is not the same.
    with np.errstate(all="ignore"):
        xs[0] = theta
        objective.evaluate(xs[0], ls[0], gs[0])
        # A finite ‖g‖² means finite components that also do not square past float64.
        if not (np.all(np.isfinite(ls[0])) and np.all(np.isfinite(np.sum(gs[0] * gs[0], axis=-1)))):
            raise InvalidInput("start", "the loss or its gradient is not finite at the start point")
        hessian = objective.hessian(xs[0]) if needs_hessian and batches is None else None
        state = transform.init(xs[0])
        scale = outcome.scale_around(objective, xs[0]) if scale is None else scale
        extremes = outcome.Extremes(ls[0], steps)
    tol_sq = square_bound(tol)
    status = np.full(batch, RUNNING, dtype=np.int8)
    offset, size = 0, min(first_chunk, max_chunk)
    update, evaluate, add = transform.update, objective.evaluate, np.add  # looked up once, not per step
    sampler = batches.sampler() if batches is not None else None
    bls = np.empty((max_chunk, batch)) if batches is not None else None
    xv: list[Array] = []
    while offset < steps and np.any(status == RUNNING):
        n = min(size, steps - offset)
        if len(xv) < n + 1:
            # Per-step views of the buffers' rows, made again only when chunks grow: indexing
            # a list is cheaper than slicing an array, and a view costs a tenth of a step.
            xv, lv, gv = list(xs[: n + 1]), list(ls[: n + 1]), list(gs[: n + 1])
            blv = list(bls[:n]) if bls is not None else []
        taken: list[Array] | None = None
        with np.errstate(all="ignore"):
            views = (gv[:n], xv[:n], xv[1 : n + 1], lv[1 : n + 1], gv[1 : n + 1])
            if sampler is None:
                for g, x, x_next, loss_next, g_next in zip(*views, strict=True):
                    if hessian is None:
                        updates, state = update(g, state, x)
                    else:
                        updates, state = update(g, state, x, hessian=hessian)
                    add(x, updates, x_next)  # out= as a keyword costs a fifth more
                    evaluate(x_next, loss_next, g_next)
                    if needs_hessian:
                        hessian = objective.hessian(x_next)
            else:
                taken = sampler.take(n)
                on = batches.loss_on
                steps_in = zip(taken, blv[:n], zip(*views, strict=True), strict=True)
                for idx, batch_loss, (_, x, x_next, loss_next, g_next) in steps_in:
                    part = objective.with_loss(on(idx))
                    g = np.empty((batch, dim))  # the optimizer may keep it (momentum's first buffer)
                    part.evaluate(x, batch_loss, g)
                    if needs_hessian:
                        updates, state = update(g, state, x, hessian=part.hessian(x))
                    else:
                        updates, state = update(g, state, x)
                    add(x, updates, x_next)
                    evaluate(x_next, loss_next, g_next)
            window = lr[offset : offset + n]
            chunk = _cut(offset, xs[: n + 1], ls[: n + 1], gs[: n + 1], window, status, tol_sq, offset + n == steps)
            if taken is not None:
                chunk = chunk._replace(batch_loss=bls[:n], batches=taken)
            extremes.update(offset, chunk.loss, chunk.counts)
            ended = (status == RUNNING) & (chunk.status != RUNNING)
            if np.any(ended):
                chunk.outcome[ended] = outcome.classify(objective, scale, _ends(chunk, gs, ended, extremes))
        status = np.where(status == RUNNING, chunk.status, status)
        offset, size = offset + n, min(2 * size, max_chunk)
        yield chunk
        xs[0], ls[0], gs[0] = xs[n], ls[n], gs[n]


def _ends(chunk: Chunk, gs: Array, ended: Array, extremes: outcome.Extremes) -> outcome.Ends:
    """The last point of each row that ended in `chunk`, with what its extremes gathered."""
    rows = np.flatnonzero(ended)
    last = chunk.counts[rows] - 1
    status = chunk.status[rows]
    return outcome.Ends(
        diverged=status == DIVERGED,
        converged=status == CONVERGED,
        theta=chunk.theta[last, rows],
        previous=chunk.theta[np.maximum(last - 1, 0), rows],
        loss=chunk.loss[last, rows],
        grad=gs[last, rows],
        start_loss=extremes.start_loss[rows],
        before_low=extremes.before_low[rows],
        before_high=extremes.before_high[rows],
        tail_low=extremes.tail_low[rows],
        tail_high=extremes.tail_high[rows],
    )


def square_bound(tol: float) -> float:
    """The largest s with √s ≤ tol, so that ‖g‖ ≤ tol ⇔ ‖g‖² ≤ s exactly (√ is correctly
    rounded and monotone), and the stop rule needs no square roots."""
    s = tol * tol
    while math.sqrt(s) > tol:
        s = math.nextafter(s, 0.0)
    while math.sqrt(math.nextafter(s, math.inf)) <= tol:
        s = math.nextafter(s, math.inf)
    return s


def _cut(offset: int, xs: Array, ls: Array, gs: Array, lr: Array, before: Array, tol_sq: float, last: bool) -> Chunk:
    """Find where each running row stops inside this chunk: converged before an update, diverged after one."""
    n, batch = lr.shape
    # Reductions over D run on the (steps, D, B) layout underneath: contiguous in B.
    g, x = gs.transpose(0, 2, 1), xs.transpose(0, 2, 1)
    # ‖g‖² (n + 1, B) and the bound on every |θᵢ| plane by plane: a fifth cheaper than
    # reductions over the middle axis. A finite ‖g‖² means finite components whose norm
    # is finite too; NaN is never inside the bound.
    sq = g[:, 0] * g[:, 0]
    inside = np.abs(x[1:, 0]) <= DIVERGENCE_BOUND
    for d in range(1, g.shape[1]):
        sq += g[:, d] * g[:, d]
        inside &= np.abs(x[1:, d]) <= DIVERGENCE_BOUND
    converged = sq[:n] <= tol_sq  # tested before update i
    stops = converged | ~(inside & np.isfinite(ls[1:]) & np.isfinite(sq[1:]))  # update i is not to count
    running = before == RUNNING
    stopped = running & np.any(stops, axis=0)
    status = np.full(batch, RUNNING, dtype=np.int8)
    first = np.full(batch, n)
    if np.any(stopped):
        first[stopped] = np.argmax(stops[:, stopped], axis=0)
        status[stopped] = np.where(converged[first[stopped], np.flatnonzero(stopped)], CONVERGED, DIVERGED)
    counts = np.where(stopped, first + 1, n)
    if last:
        status[running & ~stopped] = MAX_STEPS
        counts = np.where(stopped, counts, n + 1)
    counts = np.where(running, counts, 0)
    lr_counts = np.where(stopped, first, np.minimum(counts, n))
    return Chunk(offset, xs, ls, sq, lr, counts, lr_counts, status, offset + lr_counts, np.zeros(batch, dtype=np.int8))


class Piece(NamedTuple):
    """The points of one trajectory in one chunk, thinned to every k-th step (and the last)."""

    step: Array  # (m,) step indices
    theta: Array  # (m, D)
    loss: Array  # (m,)
    grad_norm: Array  # (m,)
    lr: Array  # (m',) rates of the updates after the first m' points
    batch_loss: Array | None = None  # (m',) on mini-batches: the batch objective at those points
    batches: list[Array] | None = None  # (m') the batch of each of those updates, when kept


def kept_points(chunk: Chunk, row: int, every: int = 1) -> tuple[Array, Array, Array]:
    """Row `row`'s points of `chunk` thinned to every k-th step (and the last): their step indices,
    their indices into the chunk, and those of them that have an update after them."""
    count, lr_count = int(chunk.counts[row]), int(chunk.lr_counts[row])
    steps = np.arange(chunk.offset, chunk.offset + count)
    keep = steps % every == 0
    if count and chunk.status[row] != RUNNING:
        keep[-1] = True  # a trajectory's last point is always kept
    index = np.flatnonzero(keep)
    return steps, index, index[index < lr_count]


def piece(chunk: Chunk, row: int, every: int = 1) -> Piece:
    steps, index, updated = kept_points(chunk, row, every)
    return Piece(
        steps[index],
        chunk.theta[index, row],
        chunk.loss[index, row],
        np.sqrt(chunk.grad_sq[index, row]),
        chunk.lr[updated, row],
        None if chunk.batch_loss is None else chunk.batch_loss[updated, row],
        None if chunk.batches is None else [chunk.batches[i] for i in updated],
    )


def collect(chunks: Iterator[Chunk], steps: int, keep_batches: bool = False) -> Chunk:
    """Join a run's chunks into one chunk covering steps [0, steps_taken] of every row
    (with the batch of every update only when `keep_batches`: they can be many)."""
    first = next(chunks)
    batch, dim = first.theta.shape[1:]
    theta = np.empty((steps + 1, batch, dim))
    loss, sq, lr = np.empty((steps + 1, batch)), np.empty((steps + 1, batch)), np.empty((steps, batch))
    counts = np.zeros(batch, dtype=np.int64)
    status = np.full(batch, RUNNING, dtype=np.int8)
    taken = np.zeros(batch, dtype=np.int64)
    ends = np.zeros(batch, dtype=np.int8)
    on_batches = first.batch_loss is not None
    batch_loss = np.empty((steps, batch)) if on_batches else None
    batches: list[Array] | None = [] if on_batches and keep_batches else None
    for c in itertools.chain([first], chunks):
        span = slice(c.offset, c.offset + c.theta.shape[0])
        theta[span], loss[span], sq[span] = c.theta, c.loss, c.grad_sq
        lr[c.offset : c.offset + c.lr.shape[0]] = c.lr
        if batch_loss is not None:
            batch_loss[c.offset : c.offset + c.lr.shape[0]] = c.batch_loss
        if batches is not None:
            batches.extend(c.batches)
        counts += c.counts
        ended = (c.status != RUNNING) & (status == RUNNING)
        status[ended], taken[ended], ends[ended] = c.status[ended], c.steps_taken[ended], c.outcome[ended]
    end = int(np.max(counts))
    whole = Chunk(0, theta[:end], loss[:end], sq[:end], lr[: end - 1], counts, counts - 1, status, taken, ends)
    if batch_loss is None:
        return whole
    return whole._replace(batch_loss=batch_loss[: end - 1], batches=batches)
