"""rnn_cliff: the loss of a one-unit recurrent network unrolled for T steps, the exploding-gradient cliff of
Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks".

    x_t = w·σ(x_{t−1}) + b   (t = 1 … T, x_0 given),   f(w, b) = (σ(x_T) − target)²

The gradient is backpropagation through time: the forward pass keeps each σ(x_{t−1}), the backward pass
carries δ_t = ∂f/∂x_t back, δ_{t−1} = δ_t·w·σ'(x_{t−1}). The Hessian is exact: the forward pass also carries
the first and second derivatives of x_t in (w, b) (forward mode), chained into f at the end. Where the
iterated map is about to switch between its two stable states, x_T jumps: that is the cliff.

Each function runs on one trajectory as Python floats (the run loop's case) or vectorized over points;
the same recurrence serves both, only the sigmoid differs (`computed.sigmoids` and `sigmoids_of_float`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .computed import Array, Loss, is_point, over_points, sigmoids, sigmoids_of_float
from .symbolic import Compiled

Sigmoids = Callable[[Array], tuple[Array, Array]]
Clip = Callable[[Array, float], Array] | None

# Where w·σ'(x) stays above 1 for many steps, the derivatives grow like its T-th power. Held exactly at an
# unstable fixed point of the map (b = x0 − w·σ(x0), an exact cancellation), with |w| near 1e6, that power
# is beyond float64. There, and only there, the derivatives saturate at these bounds (far steeper than any
# step can use, still numbers with the right signs, whose squares and norms are finite too) instead of
# overflowing: a point whose first pass went past them is computed again with `clip`.
SATURATED = 1e150
ROOT_SATURATED = 1e75


def _clip_float(v: float, bound: float) -> float:
    return min(max(v, -bound), bound)


def _clip_array(v: Array, bound: float) -> Array:
    return np.clip(v, -bound, bound)


def _final(w: Array, b: Array, steps: int, x0: float, sig: Sigmoids) -> Array:
    x = x0
    for _ in range(steps):
        x = w * sig(x)[0] + b
    return x


def _backprop(
    w: Array, b: Array, steps: int, x0: float, target: float, sig: Sigmoids, clip: Clip = None
) -> tuple[Array, ...]:
    """f and its gradient by backpropagation through time (δ held within ±SATURATED by `clip`, if given)."""
    x, kept = x0, []
    for _ in range(steps):  # forward: keep (σ, σ(−·)) of x_{t−1}, what step t read
        s, s_minus = sig(x)
        kept.append((s, s_minus))
        x = w * s + b
    s, s_minus = sig(x)
    error = s - target
    delta = 2.0 * error * s * s_minus  # ∂f/∂x_T
    gw = gb = 0.0
    for t in range(steps - 1, -1, -1):  # backward: step t+1 added w·σ(x_t) + b
        s, s_minus = kept[t]
        gw = gw + delta * s
        gb = gb + delta
        if t:
            delta = delta * w * s * s_minus  # ∂f/∂x_t = ∂f/∂x_{t+1} · w σ'(x_t)
            if clip:
                delta = clip(delta, SATURATED)
    return error * error, gw, gb


def _second_order(
    w: Array, b: Array, steps: int, x0: float, target: float, sig: Sigmoids, clip: Clip = None
) -> tuple[Array, ...]:
    """The Hessian by forward mode: x_t and its derivatives p = ∂x_t/∂(w, b), pp = ∂²x_t/∂(w, b)² (held
    within ±SATURATED^(1/2) and ±SATURATED by `clip`, if given)."""
    x = x0
    pw = pb = pww = pwb = pbb = 0.0  # x_0 does not depend on (w, b)
    for _ in range(steps):
        s, s_minus = sig(x)
        d1 = s * s_minus  # σ'(x_{t−1})
        d2 = d1 * (s_minus - s)  # σ''(x_{t−1}) = σ'(1 − 2σ)
        wd1, wd2 = w * d1, w * d2
        pww, pwb, pbb = (
            2.0 * d1 * pw + wd2 * pw * pw + wd1 * pww,
            d1 * pb + wd2 * pw * pb + wd1 * pwb,
            wd2 * pb * pb + wd1 * pbb,
        )
        pw, pb = s + wd1 * pw, 1.0 + wd1 * pb
        if clip:
            pw, pb = clip(pw, ROOT_SATURATED), clip(pb, ROOT_SATURATED)
            pww, pwb, pbb = clip(pww, SATURATED), clip(pwb, SATURATED), clip(pbb, SATURATED)
        x = w * s + b
    s, s_minus = sig(x)
    d1 = s * s_minus
    error = s - target
    g1 = 2.0 * error * d1  # ∂f/∂x_T
    g2 = 2.0 * (d1 * d1 + error * d1 * (s_minus - s))  # ∂²f/∂x_T²
    return g2 * pw * pw + g1 * pww, g2 * pw * pb + g1 * pwb, g2 * pb * pb + g1 * pbb


def _saturating(derivatives: Callable[..., tuple[Array, ...]], w: Array, b: Array) -> tuple[Array, ...]:
    """`derivatives`(w, b, sig, clip) of flat arrays, computed again with `clip` where the first pass
    went past SATURATED (or overflowed)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = derivatives(w, b, sigmoids, None)
        tame = np.logical_and.reduce([np.abs(v) <= SATURATED for v in out])  # NaN is not
    if np.all(tame):
        return out
    again = derivatives(w[~tame], b[~tame], sigmoids, _clip_array)
    fixed = tuple(np.array(o, dtype=np.float64) for o in out)
    for column, redone in zip(fixed, again, strict=True):
        column[~tame] = redone
    return fixed


def _saturating_float(derivatives: Callable[..., tuple[float, ...]], w: float, b: float) -> tuple[float, ...]:
    """The same on one point, in Python floats (which overflow to inf without a warning)."""
    w, b = float(w), float(b)
    out = derivatives(w, b, sigmoids_of_float, None)
    if all(abs(v) <= SATURATED for v in out):
        return out
    return derivatives(w, b, sigmoids_of_float, _clip_float)


def cliff_functions(steps: int, x0: float, target: float) -> Compiled:
    """The three functions of the cliff for T = `steps`: f, (f, ∂f/∂w, ∂f/∂b), (f_ww, f_wb, f_bb)."""

    def backprop(w: Array, b: Array, sig: Sigmoids, clip: Clip) -> tuple[Array, ...]:
        return _backprop(w, b, steps, x0, target, sig, clip)

    def second_order(w: Array, b: Array, sig: Sigmoids, clip: Clip) -> tuple[Array, ...]:
        return _second_order(w, b, steps, x0, target, sig, clip)

    def value(w: Array, b: Array) -> Array:
        if is_point(w, b):
            return (sigmoids_of_float(_final(w, b, steps, x0, sigmoids_of_float))[0] - target) ** 2

        def values(ws: Array, bs: Array) -> tuple[Array]:
            return ((sigmoids(_final(ws, bs, steps, x0, sigmoids))[0] - target) ** 2,)

        return over_points(values, w, b, 1)[0]

    def value_and_grad(w: Array, b: Array) -> tuple[Array, Array, Array]:
        if is_point(w, b):
            return _saturating_float(backprop, w, b)
        # The backward pass keeps 2T arrays of the points: chunked to bound that memory.
        return over_points(lambda ws, bs: _saturating(backprop, ws, bs), w, b, 2 * steps)

    def hessian(w: Array, b: Array) -> tuple[Array, Array, Array]:
        if np.size(w) == 1 and np.size(b) == 1:  # one run's Newton step: the float path, shaped as asked
            shape = np.broadcast(w, b).shape
            h = _saturating_float(second_order, np.ravel(w)[0], np.ravel(b)[0])
            return tuple(np.full(shape, v) for v in h)
        return over_points(lambda ws, bs: _saturating(second_order, ws, bs), w, b, 1)

    return Compiled(value, value_and_grad, hessian)


def rnn_cliff(T: int, x0: float, target: float) -> Loss:
    """Its global minima form a curve (σ(x_T) = target), so none is listed."""
    return Loss(cliff_functions(T, x0, target))
