"""How a run ended, judged on its surface: at a minimum, at a saddle, on flat ground, off toward −∞,
blowing up, or still on its way (README, "The JSON API").

The stop status says why the loop stopped; the outcome says where that left the run, which is
what a learner reads. Everything is measured against the surface's own scale (`Scale`): R is
half the diagonal of the plotted domain and S the spread of J over a grid on it, so gradients
compare with S/R and curvatures with S/R². The thresholds:

- A run is *at* a stationary point when it stopped "converged" (‖∇J‖ ≤ tol: the caller's own
  word for stationary), or when its gradient has vanished (‖∇J‖ ≤ VANISHED·S/R), or when the
  stationary point of the local quadratic model (the Newton step ‖H⁺∇J‖) and its own last step
  are both within NEAR·R: closer than a third of a pixel on a 600-pixel plot of the domain.
- There, the Hessian tells the kind: every eigenvalue > CURVED·S/R² is a minimum, one below
  −CURVED·S/R² a saddle (or a maximum: not a minimum). When the Hessian cannot tell (a monkey
  saddle, x⁴ at 0), J is probed at PROBE·R along its eigenvectors and their diagonals: a lower
  value makes it a saddle; none lower and some higher a minimum (the bottom of a valley that is
  level along its floor, as a curve f(x) drawn in the plane is along y); all level (within
  LEVEL·S) flat ground.
- A run that stopped "diverged" ran off toward −∞ ("unbounded") when its last good loss is the
  lowest of the run, below the start, and far off the surface's scale (below the domain's lowest
  J by S, or farther than FAR·R from the domain's centre); otherwise it blew up ("diverging").
- A run that used all its steps and is not at a stationary point is compared over the last
  1/TAIL of its steps with the steps before: it is "diverging" when its highest loss there is
  above the domain's highest J by S and at least GROWTH times as far above the domain's lowest J
  as anything before (growing geometrically, not bouncing once); "unbounded" when its lowest loss
  there is below the domain's lowest J by S and lower than anything before (still falling, at
  any pace); stalled on flat ground ("flat") when its loss over that tail is level within STALLED·S
  and its last step is within NEAR·R (a plateau, where the gradient is small but not nil); "moving"
  otherwise.

One Hessian per ended run, and a probe of a few points only where the Hessian cannot tell.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .objective import Objective

Array = np.ndarray

OUTCOMES = ("minimum", "saddle", "flat", "unbounded", "diverging", "moving")
NONE, MINIMUM, SADDLE, FLAT, UNBOUNDED, DIVERGING, MOVING = range(7)  # NONE: the run has not ended
OUTCOME_NAMES = dict(enumerate(OUTCOMES, start=1))

NEAR = 1e-3
VANISHED = 1e-6
CURVED = 1e-6
PROBE = 1e-2
LEVEL = 1e-10
FAR = 10.0
TAIL = 4
GROWTH = 2.0
STALLED = 1e-6
GRID_POINTS = 289  # 17 × 17 on a surface's domain


class Scale(NamedTuple):
    """The size of the region a surface is shown on, and of J over it."""

    centre: Array  # (D,)
    radius: float  # R: half the diagonal of the domain
    low: float  # the lowest finite J on a grid over the domain
    high: float  # the highest

    @property
    def span(self) -> float:
        """S: the spread of J over the domain (1 where J is level there, so thresholds stay positive)."""
        spread = self.high - self.low
        return spread if spread > 0 else 1.0


def box_scale(objective: Objective, lows: Array, highs: Array) -> Scale:
    """The scale of J over the box [lows, highs] (D,), from a grid of about GRID_POINTS points."""
    lows, highs = np.asarray(lows, dtype=np.float64), np.asarray(highs, dtype=np.float64)
    dim = lows.shape[0]
    n = max(2, round(GRID_POINTS ** (1 / dim)))
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(lows, highs, strict=True)]
    points = np.stack([a.ravel() for a in np.meshgrid(*axes)], axis=-1)  # (n^D, D)
    loss, grad = np.empty(len(points)), np.empty_like(points)
    with np.errstate(all="ignore"):
        objective.evaluate(points, loss, grad)
    finite = loss[np.isfinite(loss)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    radius = float(np.linalg.norm(highs - lows)) / 2
    return Scale((lows + highs) / 2, radius if radius > 0 else 1.0, low, high)


def scale_around(objective: Objective, starts: Array) -> Scale:
    """A scale for runs with no surface domain at hand: a box around the start points (B, D)."""
    starts = np.asarray(starts, dtype=np.float64)
    reach = 1.0 + np.max(np.abs(starts))
    return box_scale(objective, starts.min(axis=0) - reach, starts.max(axis=0) + reach)


class Extremes:
    """Per row, the lowest and highest loss before the last 1/TAIL of the steps and within it,
    gathered chunk by chunk, so that a run's end can be judged without keeping its history."""

    def __init__(self, start_loss: Array, steps: int) -> None:
        batch = start_loss.shape[0]
        self.start_loss = start_loss.copy()  # (B,)
        self.tail_start = max(1, steps - steps // TAIL)  # the first step of the tail; step 0 is always before it
        self.before_low, self.before_high = np.full(batch, np.inf), np.full(batch, -np.inf)
        self.tail_low, self.tail_high = np.full(batch, np.inf), np.full(batch, -np.inf)

    def update(self, offset: int, loss: Array, counts: Array) -> None:
        """Take in steps offset … offset + n of a chunk's `loss` (n + 1, B), row b's first `counts[b]` of them."""
        index = np.arange(loss.shape[0])[:, None]
        valid = index < counts
        if offset < self.tail_start:
            before = valid & (index + offset < self.tail_start)
            self.before_low = np.minimum(self.before_low, np.min(np.where(before, loss, np.inf), axis=0))
            self.before_high = np.maximum(self.before_high, np.max(np.where(before, loss, -np.inf), axis=0))
        if offset + loss.shape[0] > self.tail_start:
            tail = valid & (index + offset >= self.tail_start)
            self.tail_low = np.minimum(self.tail_low, np.min(np.where(tail, loss, np.inf), axis=0))
            self.tail_high = np.maximum(self.tail_high, np.max(np.where(tail, loss, -np.inf), axis=0))


class Ends(NamedTuple):
    """The last recorded point of k ended runs, and what their Extremes gathered."""

    diverged: Array  # (k,) bool: stopped "diverged"
    converged: Array  # (k,) bool: stopped "converged"
    theta: Array  # (k, D) the last good point
    previous: Array  # (k, D) the point before it (used for runs that used all their steps)
    loss: Array  # (k,)
    grad: Array  # (k, D) ∇J there
    start_loss: Array  # (k,)
    before_low: Array  # (k,)
    before_high: Array  # (k,)
    tail_low: Array  # (k,)
    tail_high: Array  # (k,)


def classify(objective: Objective, scale: Scale, ends: Ends) -> Array:
    """The outcome code (k,) of each ended run (module docstring: the rules and thresholds)."""
    with np.errstate(all="ignore"):
        out = np.full(ends.loss.shape[0], MOVING, dtype=np.int8)
        span, radius = scale.span, scale.radius
        far = (np.linalg.norm(ends.theta - scale.centre, axis=-1) > FAR * radius) | (ends.loss < scale.low - span)
        lowest = ends.loss <= np.minimum(ends.before_low, ends.tail_low)
        downhill = ends.diverged & lowest & (ends.loss < ends.start_loss) & far
        out[ends.diverged] = DIVERGING
        out[downhill] = UNBOUNDED
        judged = np.flatnonzero(~ends.diverged)
        if judged.size:
            out[judged] = _at_rest(objective, scale, ends, judged)
        rising = (ends.tail_high > scale.high + span) & (
            ends.tail_high - scale.low >= GROWTH * (ends.before_high - scale.low)
        )
        falling = (ends.tail_low < scale.low - span) & (ends.tail_low < ends.before_low)
        moving = out == MOVING
        out[moving & falling] = UNBOUNDED
        out[moving & rising] = DIVERGING  # losses swinging both ways past the domain's: blowing up
        last_step = np.linalg.norm(ends.theta - ends.previous, axis=-1)
        level = ends.tail_high - ends.tail_low <= STALLED * span
        out[(out == MOVING) & ~ends.diverged & level & (last_step <= NEAR * radius)] = FLAT
        return out


def _at_rest(objective: Objective, scale: Scale, ends: Ends, rows: Array) -> Array:
    """MINIMUM, SADDLE or FLAT where the runs `rows` stopped at a stationary point, MOVING where they did not."""
    theta, grad = ends.theta[rows], ends.grad[rows]
    span, radius = scale.span, scale.radius
    curved, vanished = CURVED * span / radius**2, VANISHED * span / radius
    hessian = objective.hessian(theta)  # (k, D, D)
    sound = np.all(np.isfinite(hessian), axis=(1, 2))
    eigenvalues, vectors = np.zeros(theta.shape), np.repeat(np.eye(theta.shape[1])[None], len(theta), axis=0)
    if np.all(sound):
        eigenvalues, vectors = np.linalg.eigh(hessian)
    elif np.any(sound):  # a Hessian that is not finite (a kink, a pole) cannot tell: the probe will
        eigenvalues[sound], vectors[sound] = np.linalg.eigh(hessian[sound])
    # The Newton step in the eigenbasis: a component along a direction without curvature counts only if it is nil.
    along = (grad[:, None, :] @ vectors)[:, 0]  # (k, D): vᵢ·∇J
    bent = np.abs(eigenvalues) > curved
    steps = np.where(bent, along / np.where(bent, eigenvalues, 1.0), np.where(np.abs(along) <= vanished, 0.0, np.inf))
    newton = np.linalg.norm(steps, axis=-1)
    last_step = np.linalg.norm(theta - ends.previous[rows], axis=-1)
    arrived = (newton <= NEAR * radius) & (last_step <= NEAR * radius)
    resting = ends.converged[rows] | (np.linalg.norm(grad, axis=-1) <= vanished) | arrived
    kind = np.where(eigenvalues[:, 0] > curved, MINIMUM, np.where(eigenvalues[:, 0] < -curved, SADDLE, FLAT))
    unsure = resting & (kind == FLAT)
    if np.any(unsure):
        kind[unsure] = _probe(objective, scale, theta[unsure], ends.loss[rows][unsure], vectors[unsure])
    return np.where(resting, kind, MOVING).astype(np.int8)


def _probe(objective: Objective, scale: Scale, theta: Array, loss: Array, vectors: Array) -> Array:
    """SADDLE if J is lower somewhere at PROBE·R along the eigenvectors (k, D, D) or their diagonals,
    MINIMUM if lower nowhere and higher somewhere (a valley level along its floor is still its
    bottom), FLAT if level everywhere there."""
    k, dim = theta.shape
    columns = [vectors[:, :, i] for i in range(dim)]
    for i in range(dim):
        for j in range(i + 1, dim):
            columns += [(columns[i] + columns[j]) / np.sqrt(2), (columns[i] - columns[j]) / np.sqrt(2)]
    directions = np.stack(columns + [-c for c in columns], axis=1)  # (k, m, D)
    points = (theta[:, None, :] + PROBE * scale.radius * directions).reshape(-1, dim)
    values, grad = np.empty(len(points)), np.empty_like(points)
    objective.evaluate(points, values, grad)
    rise = values.reshape(k, -1) - loss[:, None]  # (k, m)
    level = LEVEL * scale.span + 8 * np.finfo(np.float64).eps * np.abs(loss[:, None])
    lower = np.any(rise < -level, axis=1)
    higher = np.any(rise > level, axis=1)
    return np.where(lower, SADDLE, np.where(higher, MINIMUM, FLAT))
