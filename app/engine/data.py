"""The data-defined surfaces: a mean loss over generated data points, in the plane of θ = (w, b).

`linear_regression` is f(w, b) = (1/2n) Σᵢ (w xᵢ + b − yᵢ)², `logistic_regression` is
f(w, b) = (1/n) Σᵢ log(1 + exp(−sᵢ (w xᵢ + b))) with sᵢ = ±1. Each builds, from its parameters,
the data (generated exactly as the README says, so a notebook can redraw them), the full-data loss
with the calling convention of a compiled formula, the loss on any subset of the points (the
mini-batches), and the minimizer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .computed import Array, Loss, is_point, over_points
from .symbolic import Compiled


def linear_data(n: int, noise: float, seed: int, w_true: float, b_true: float) -> tuple[Array, Array]:
    """x uniform in [−1, 1], then y = w_true·x + b_true + noise·z, z standard normal: two draws, in that order."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    y = w_true * x + b_true + noise * rng.standard_normal(n)
    return x, y


def logistic_data(n: int, separation: float, seed: int) -> tuple[Array, Array]:
    """Labels alternate 0, 1, 0, …; x is a standard normal draw moved by −separation (label 0) or
    +separation (label 1). Returns (x, labels) with the labels as 0.0 / 1.0."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    x = rng.standard_normal(n) + separation * (2 * labels - 1)
    return x, labels.astype(np.float64)


def _frozen(*arrays: Array) -> None:
    """The arrays of a cached surface are shared by every request that uses its parameters."""
    for array in arrays:
        array.flags.writeable = False


# ── Linear regression: five sums ──────────────────────────────────────────────────────────────────────


def _linear_functions(sums: list[float], count: int, center: tuple[float, float]) -> Compiled:
    """f = ½·mean((dw·x + db − e)²) around `center` = (w*, b*), the least-squares line of all the data,
    with e = y − (w*x + b*) its residuals, from the sums of (x, x², e, e·x, e²) over `count` points.

    Measured from the least-squares line, every sum is as small as the misfit, so f keeps its digits near
    the minimum where the plain sums of x² and y² would cancel; and a step costs a dozen float operations
    whatever the number of points.
    """
    sx, sxx, se, sex, see = (v / count for v in sums)
    w0, b0 = center

    def value(w: Array, b: Array) -> Array:
        dw, db = w - w0, b - b0
        # A mean of squares: rounding may leave −ε where it is 0; abs keeps it ≥ 0 within the same rounding.
        return abs(0.5 * (sxx * dw * dw + 2.0 * sx * dw * db + db * db - 2.0 * (sex * dw + se * db) + see))

    def value_and_grad(w: Array, b: Array) -> tuple[Array, Array, Array]:
        dw, db = w - w0, b - b0
        gw = sxx * dw + sx * db - sex
        gb = sx * dw + db - se
        return abs(0.5 * (gw * dw + gb * db - sex * dw - se * db + see)), gw, gb

    def hessian(w: Array, b: Array) -> tuple[Array, Array, Array]:
        shape = np.broadcast(w, b).shape
        return np.full(shape, sxx), np.full(shape, sx), np.full(shape, 1.0)

    return Compiled(value, value_and_grad, hessian)


def linear_regression(n: int, noise: float, seed: int, w_true: float, b_true: float) -> Loss:
    x, y = linear_data(n, noise, seed, w_true, b_true)
    design = np.stack([x, np.ones_like(x)], axis=1)  # (n, 2)
    (w_star, b_star), *_ = np.linalg.lstsq(design, y, rcond=None)
    e = y - (w_star * x + b_star)  # (n,)
    features = np.stack([x, x * x, e, e * x, e * e], axis=1)  # (n, 5)
    center = (float(w_star), float(b_star))
    _frozen(x, y, features)

    def subset(idx: Array) -> Compiled:
        # Called every step of a mini-batch run: take + sum + tolist is the quickest way to 5 floats.
        return _linear_functions(features.take(idx, axis=0).sum(axis=0).tolist(), len(idx), center)

    functions = _linear_functions(features.sum(axis=0).tolist(), n, center)
    return Loss(functions, (center,), (x, y), subset)


# ── Logistic regression: per-point margins ─────────────────────────────────────────────────────────────


def _logistic_functions(x: Array, s: Array) -> Compiled:
    """Mean of softplus(−mᵢ), mᵢ = sᵢ(w xᵢ + b) = w uᵢ + b sᵢ with uᵢ = sᵢ xᵢ.

    With t = exp(−|m|) ≤ 1: softplus(−m) = max(−m, 0) + log1p(t), σ(−m) = (1 or t)/(1 + t) and
    σ(m)σ(−m) = t/(1 + t)²: no exp of a large number anywhere, so a huge margin gives a finite loss,
    gradient and Hessian. The same code takes w, b as floats (one point: margins (n,)) or as (K, 1)
    columns (margins (K, n)); sums run over the last axis.
    """
    u = s * x  # (n,)
    uu = u * u  # (n,)
    count = float(len(x))

    def margins(w: Array, b: Array) -> tuple[Array, Array]:
        m = w * u
        m += b * s  # (K, n) or (n,)
        t = np.abs(m)
        np.negative(t, out=t)
        np.exp(t, out=t)  # exp(−|m|)
        return m, t

    def mean_softplus_of_minus(m: Array, t: Array) -> Array:
        np.minimum(m, 0.0, out=m)
        np.negative(m, out=m)  # max(−m, 0), in place
        m += np.log1p(t)
        return m.sum(axis=-1) / count

    def losses(w: Array, b: Array) -> tuple[Array]:
        return (mean_softplus_of_minus(*margins(w, b)),)

    def losses_and_grads(w: Array, b: Array) -> tuple[Array, Array, Array]:
        m, t = margins(w, b)
        q = np.where(m >= 0, t, 1.0)
        q /= 1.0 + t  # σ(−m)
        return mean_softplus_of_minus(m, t), (q @ u) / -count, (q @ s) / -count

    def curvatures(w: Array, b: Array) -> tuple[Array, Array, Array]:
        _, t = margins(w, b)
        r = 1.0 + t
        r *= r
        np.divide(t, r, out=r)  # σ(m)σ(−m)
        return (r @ uu) / count, (r @ x) / count, r.sum(axis=-1) / count  # uᵢsᵢ = xᵢ, sᵢ² = 1

    n = len(x)

    def columns(function: Callable[[Array, Array], tuple[Array, ...]]) -> Callable[[Array, Array], tuple[Array, ...]]:
        return lambda w, b: function(w[:, None], b[:, None])

    def value(w: Array, b: Array) -> Array:
        if is_point(w, b):
            return float(losses(w, b)[0])
        return over_points(columns(losses), w, b, n)[0]

    def value_and_grad(w: Array, b: Array) -> tuple[Array, Array, Array]:
        if is_point(w, b):
            return tuple(float(v) for v in losses_and_grads(w, b))
        return over_points(columns(losses_and_grads), w, b, n)

    def hessian(w: Array, b: Array) -> tuple[Array, Array, Array]:
        return over_points(columns(curvatures), w, b, n)

    return Compiled(value, value_and_grad, hessian)


def separable(x: Array, labels: Array) -> bool:
    """A threshold on x puts every 0 on one side and every 1 on the other (ties included): then the loss
    falls forever along a direction and has no minimizer."""
    zeros, ones = x[labels == 0], x[labels == 1]
    return bool(zeros.max() <= ones.min() or ones.max() <= zeros.min())


def newton_minimum(functions: Compiled, steps: int = 100) -> tuple[float, float]:
    """The minimizer of a strictly convex smooth f by Newton's method, halving a step that would raise f
    (by more than rounding: near the minimum f is level to its last digits, and the full step is right)."""
    theta = np.zeros(2)
    for _ in range(steps):
        f, gw, gb = functions.value_and_grad(float(theta[0]), float(theta[1]))
        hxx, hxy, hyy = (float(h) for h in functions.hessian(float(theta[0]), float(theta[1])))
        step = np.linalg.solve([[hxx, hxy], [hxy, hyy]], [gw, gb])
        scale, level = 1.0, f + 8 * np.finfo(float).eps * abs(f)
        while scale > 1e-12 and functions.value(*(theta - scale * step)) > level:
            scale /= 2
        theta = theta - scale * step
        if np.linalg.norm(scale * step) <= 1e-15 * (1.0 + np.linalg.norm(theta)):
            break
    return float(theta[0]), float(theta[1])


def logistic_regression(n: int, separation: float, seed: int) -> Loss:
    x, labels = logistic_data(n, separation, seed)
    s = 2.0 * labels - 1.0  # (n,)
    _frozen(x, labels, s)

    def subset(idx: Array) -> Compiled:
        return _logistic_functions(x[idx], s[idx])

    functions = _logistic_functions(x, s)
    minima = () if separable(x, labels) else (newton_minimum(functions),)
    return Loss(functions, minima, (x, labels), subset)
