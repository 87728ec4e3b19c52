"""The curvature behind a run: J, ∇J and ∇²J at a point, and the momentum map of a quadratic (README, "Why")."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import InvalidInput
from .objective import SurfaceObjective
from .surfaces import Surface

Array = np.ndarray
# An eigenvalue this small beside the largest is taken as zero: round-off of a Hessian written
# in float64 leaves about that much where the exact curvature vanishes.
FLAT = 1e-12


class PointAnalysis(NamedTuple):
    """What the second-order picture says about one point of J."""

    value: float
    gradient: Array  # (2,)
    hessian: Array  # (2, 2)
    eigenvalues: Array  # (2,) λ₁ ≤ λ₂
    eigenvectors: Array  # (2, 2) unit rows, in the order of the eigenvalues
    condition_number: float | None  # |λ|max / |λ|min; None where |λ|min is flat beside |λ|max
    gd_lr_max: float | None  # 2/λ₂, the largest learning rate plain GD is stable at; None when λ₂ ≤ 0
    curvature: str  # "convex", "concave", "saddle" or "flat"


def analyze_point(surface: Surface, point: tuple[float, float], l1: float = 0.0, l2: float = 0.0) -> PointAnalysis:
    """J = f + l1·Σ|θᵢ| + (l2/2)·Σθᵢ² at `point`, its gradient, and its Hessian's eigen-decomposition."""
    objective = SurfaceObjective(surface.functions, l1, l2)
    theta = np.array([point], dtype=np.float64)  # (1, 2)
    loss, grad = np.empty(1), np.empty((1, 2))
    with np.errstate(all="ignore"):
        objective.evaluate(theta, loss, grad)
        hessian = objective.hessian(theta)[0]
    if not (np.isfinite(loss[0]) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hessian))):
        raise InvalidInput("point", "the loss, its gradient or its Hessian is not finite there")
    eigenvalues, columns = np.linalg.eigh(hessian)
    vectors = columns.T.copy()
    # An eigenvector's sign is arbitrary: pointing each one to the right (or up) keeps the drawn axes steady.
    flip = (vectors[:, 0] < 0) | ((vectors[:, 0] == 0) & (vectors[:, 1] < 0))
    vectors[flip] *= -1
    sizes = np.abs(eigenvalues)
    largest, smallest = float(np.max(sizes)), float(np.min(sizes))
    flat = largest == 0 or smallest <= FLAT * largest
    if flat:
        curvature = "flat"
    elif eigenvalues[0] > 0:
        curvature = "convex"
    elif eigenvalues[1] < 0:
        curvature = "concave"
    else:
        curvature = "saddle"
    top = float(eigenvalues[1])
    return PointAnalysis(
        value=float(loss[0]),
        gradient=grad[0],
        hessian=hessian,
        eigenvalues=eigenvalues,
        eigenvectors=vectors,
        condition_number=None if flat else largest / smallest,
        gd_lr_max=2.0 / top if top > 0 else None,
        curvature=curvature,
    )


def momentum_rates(eigenvalues: Array, lrs: Array, momenta: Array, nesterov: bool = False) -> Array:
    """rate[j, i] (m, n): the spectral radius of the linear map one steady step of torch's
    SGD(lr=lrs[i], momentum=momenta[j], nesterov) applies to (θ, buf) on f = ½λθ², the largest
    over `eigenvalues`. Below 1 a run converges, at that factor per step (Goh 2017, "Why Momentum
    Really Works").

    With g = λθ and buf ← μ·buf + g, the map is [[1 − lr·λ, −lr·μ], [λ, μ]] (trace 1 − lr·λ + μ,
    determinant μ); with Nesterov, θ ← θ − lr·(g + μ·buf) makes it [[1 − lr·λ(1 + μ), −lr·μ²], [λ, μ]]
    (trace 1 − lr·λ(1 + μ) + μ, determinant μ(1 − lr·λ)). A 2×2 map with trace T and determinant D
    has eigenvalues T/2 ± √(T²/4 − D): real, the radius is |T|/2 + √(T²/4 − D); complex, √D.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)[:, None, None]  # (k, 1, 1)
    lr = np.asarray(lrs, dtype=np.float64)[None, None, :]  # (1, 1, n)
    mu = np.asarray(momenta, dtype=np.float64)[None, :, None]  # (1, m, 1)
    step = lr * lam  # (k, 1, n)
    with np.errstate(all="ignore"):
        # The discriminant T²/4 − D written so that nothing cancels where lr·λ is small (at lr = 0
        # the radius is exactly 1): (1 − μ − s)² − 4sμ, and with Nesterov q((1 − μ)²q − 4μs), q = 1 − s.
        if nesterov:
            q = 1 - step
            half = 0.5 * (1 + mu) * q  # (k, m, n)
            disc = 0.25 * q * ((1 - mu) ** 2 * q - 4 * mu * step)
            det = mu * q
        else:
            half = 0.5 * (1 - step + mu)
            disc = 0.25 * ((1 - mu - step) ** 2 - 4 * step * mu)
            det = np.broadcast_to(mu, half.shape)
        real = disc >= 0
        # NaN where the arithmetic left float64 (∞ − ∞): neither real nor complex, the answer's null.
        complex_ = np.where(disc < 0, np.sqrt(np.abs(det)), np.nan)
        radius = np.where(real, np.abs(half) + np.sqrt(np.where(real, disc, 0.0)), complex_)
    return np.max(radius, axis=0)  # (m, n)


class RateMap(NamedTuple):
    lr: Array  # (n,)
    momentum: Array  # (m,)
    rate: Array  # (m, n) the spectral radius of one step, largest over the eigenvalues
    eigenvalues: Array  # (k,) the curvatures it was computed for


class RateAxis(NamedTuple):
    """An axis of the momentum map: n values over `span` (None: the default), geometric with `log`."""

    span: tuple[float, float] | None
    n: int
    log: bool = False


def positive_curvatures(surface: Surface, point: tuple[float, float], l1: float = 0.0, l2: float = 0.0) -> Array:
    """The positive eigenvalues of ∇²J at `point`: the directions in which a quadratic model has a minimum."""
    eigenvalues = analyze_point(surface, point, l1, l2).eigenvalues
    positive = eigenvalues[eigenvalues > 0]
    if not len(positive):
        raise InvalidInput("point", "the Hessian there has no positive eigenvalue: no quadratic bowl to map")
    return positive


def momentum_map(eigenvalues: Array, lr: RateAxis, momentum: RateAxis, nesterov: bool = False) -> RateMap:
    """The momentum map over `lr` × `momentum`; the lr axis defaults to [0, 4/λmax] ([4/λmax·10⁻³, 4/λmax] on
    a log axis), past the 2/λmax where plain GD stops converging."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    top = 4.0 / float(np.max(lam))
    lrs = _axis_values("lr", lr, (1e-3 * top, top) if lr.log else (0.0, top))
    momenta = _axis_values("momentum", momentum, (0.0, 0.999))
    return RateMap(lrs, momenta, momentum_rates(lam, lrs, momenta, nesterov), lam)


def _axis_values(field: str, axis: RateAxis, default: tuple[float, float]) -> Array:
    lo, hi = axis.span or default
    if axis.log and lo <= 0:
        raise InvalidInput(f"{field}.range", "a log axis needs lo > 0")
    with np.errstate(all="ignore"):
        values = np.geomspace(lo, hi, axis.n) if axis.log else np.linspace(lo, hi, axis.n)
    if not np.all(np.isfinite(values)):
        raise InvalidInput(f"{field}.range", "its values are not all finite float64 numbers")
    return values
