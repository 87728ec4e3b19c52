"""Sharpness: the largest eigenvalue of the training objective's Hessian, without forming the Hessian.

The objective is the full-batch data loss plus (l2/2)·Σ‖W‖² (no dropout), a function of every
weight and bias. Its Hessian times a vector v is exact and costs about two gradients: Pearlmutter's
R-operator (1994) carries the directional derivative R{·} = d/dε (·)(θ + εv) through the forward
pass and back through backpropagation, which needs the second derivative of each activation and of
the loss. Lanczos iterations on those products give the largest (algebraic) eigenvalue; each record
starts from the previous record's eigenvector, so a slowly turning Hessian costs a few products.

Adam's preconditioned sharpness is the largest eigenvalue of P⁻¹H with P = (1 − β₁ᵗ)·diag(√v̂ + ε)
(Cohen et al. 2022), found as the largest of the symmetric P^{-1/2} H P^{-1/2}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..errors import no_check
from ..scalers import AdamState
from .network import Architecture, unflatten

Array = np.ndarray

RTOL = 1e-7  # Lanczos stops when ‖Hq − λq‖ ≤ RTOL·|λ|: the eigenvalue is then within RTOL relative
MIN_ITERATIONS = 6  # a warm start that is almost an eigenvector still looks around this far
MAX_ITERATIONS = 120
NUDGE = 0.1  # the share of a fresh random direction in a warm start: a new top eigenvector is never missed


def _tanh(z: Array) -> tuple[Array, Array, Array]:
    a = np.tanh(z)
    d1 = 1 - a * a
    return a, d1, -2 * a * d1


def _sigmoid(z: Array) -> tuple[Array, Array, Array]:
    a = 1 / (1 + np.exp(-z))
    d1 = a * (1 - a)
    return a, d1, d1 * (1 - 2 * a)


def _relu(z: Array) -> tuple[Array, Array, Array]:
    # torch's slope at exactly 0 is 0; the second derivative is 0 wherever it exists.
    return np.maximum(z, 0.0), (z > 0).astype(z.dtype), np.zeros_like(z)


def _leaky_relu(z: Array) -> tuple[Array, Array, Array]:
    slope = np.where(z > 0, 1.0, 0.01)
    return z * slope, slope, np.zeros_like(z)


def _linear(z: Array) -> tuple[Array, Array, Array]:
    return z.copy(), np.ones_like(z), np.zeros_like(z)


# f(z), f'(z), f''(z) of each activation.
DERIVATIVES: dict[str, Callable[[Array], tuple[Array, Array, Array]]] = {
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "linear": _linear,
}


def _loss_derivatives(task: str, out: Array, y: Array) -> tuple[Array, Array]:
    """∂L/∂zₙ and ∂²L/∂zₙ² of the mean loss over N outputs: BCE with logits, or MSE."""
    n = out.shape[0]
    if task == "classification":
        s = 1 / (1 + np.exp(-out))
        return (s - y) / n, s * (1 - s) / n
    return 2 * (out - y) / n, np.full_like(out, 2 / n)


class Curvature:
    """The Hessian of data loss + (l2/2)·Σ‖W‖² at θ as an operator: `product(v)` = H v.

    The forward and backward passes at θ are kept (feature-major, one column per sample, ã = [a; 1]
    as network.py holds them); each product runs the R-forward and R-backward passes over them."""

    def __init__(self, arch: Architecture, theta: Array, x: Array, y: Array, l2: float = 0.0) -> None:
        self.arch, self.l2 = arch, l2
        self.layers = unflatten(arch, theta)
        act = DERIVATIVES[arch.activation]
        n = x.shape[0]
        a_in = np.vstack([x.T, np.ones((1, n))])
        self.inputs, self.slopes, self.curves, self.zs = [], [], [], []
        for layer in self.layers[:-1]:
            self.inputs.append(a_in)
            z = layer.Wb.T @ a_in
            a, d1, d2 = act(z)
            self.zs.append(z)
            self.slopes.append(d1)
            self.curves.append(d2)
            a_in = np.vstack([a, np.ones((1, n))])
        self.inputs.append(a_in)
        out = (self.layers[-1].Wb.T @ a_in)[0]
        dz, self.d2loss = _loss_derivatives(arch.task, out, y)
        # δ = ∂L/∂z of every layer, and ∂L/∂a of every hidden one.
        self.deltas: list[Array] = [np.empty(0)] * len(self.layers)
        self.das: list[Array] = [np.empty(0)] * (len(self.layers) - 1)
        delta = dz[None, :]
        for i in range(len(self.layers) - 1, -1, -1):
            self.deltas[i] = delta
            if i > 0:
                self.das[i - 1] = self.layers[i].W @ delta
                delta = self.das[i - 1] * self.slopes[i - 1]

    @property
    def size(self) -> int:
        return self.arch.size

    def product(self, v: Array) -> Array:
        """H v (P,) for a direction v (P,) of all weights and biases."""
        vs = unflatten(self.arch, v)
        count = len(self.layers)
        rz: list[Array] = []
        ra: Array | None = None  # R{a} of the layer below (None under the first layer: the data)
        for i in range(count):
            z = vs[i].Wb.T @ self.inputs[i]
            if ra is not None:
                z += self.layers[i].W.T @ ra
            rz.append(z)
            if i < count - 1:
                ra = self.slopes[i] * z
        hv = np.empty(self.arch.size)
        parts = unflatten(self.arch, hv)
        rdelta = self.d2loss[None, :] * rz[-1]
        for i in range(count - 1, -1, -1):
            delta = self.deltas[i]
            grad = parts[i].Wb
            np.matmul(self.inputs[i], rdelta.T, out=grad)  # ã R{δ}ᵀ
            if i > 0:
                ra_below = self.slopes[i - 1] * rz[i - 1]
                grad[:-1] += ra_below @ delta.T  # R{ã} δᵀ (R of the row of ones is 0)
                rda = vs[i].W @ delta + self.layers[i].W @ rdelta
                rdelta = rda * self.slopes[i - 1] + self.das[i - 1] * self.curves[i - 1] * rz[i - 1]
            if self.l2:
                grad[:-1] += self.l2 * vs[i].W
        return hv


class Eigen(NamedTuple):
    value: float
    vector: Array  # (P,) unit
    products: int  # Hessian-vector products it took


def largest_eigenvalue(
    product: Callable[[Array], Array],
    size: int,
    start: Array | None,
    rng: np.random.Generator,
    check: Callable[[], None] = no_check,
) -> Eigen:
    """The largest eigenvalue of a symmetric operator by Lanczos with full reorthogonalization,
    from `start` (the previous eigenvector) nudged by a random direction, or from a random one."""
    fresh = rng.standard_normal(size)
    fresh /= np.linalg.norm(fresh)
    q = fresh if start is None else start / np.linalg.norm(start) + NUDGE * fresh
    q = q / np.linalg.norm(q)
    basis = np.empty((min(size, MAX_ITERATIONS), size))
    alphas: list[float] = []
    betas: list[float] = []
    value, coefficients = 0.0, np.ones(1)
    for j in range(basis.shape[0]):
        if j % 4 == 3:
            check()
        basis[j] = q
        w = product(q)
        alphas.append(float(q @ w))
        # Full reorthogonalization (twice is enough): the few vectors are cheap next to a product.
        for _ in range(2):
            w -= basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta = float(np.linalg.norm(w))
        if not (np.isfinite(alphas[-1]) and np.isfinite(beta)):  # overflow: floating point cannot say
            return Eigen(float("nan"), q, j + 1)
        ritz, vectors = np.linalg.eigh(np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1))
        value, coefficients = float(ritz[-1]), vectors[:, -1]
        residual = beta * abs(coefficients[-1])
        scale = max(abs(ritz[0]), abs(ritz[-1]))
        converged = residual <= RTOL * abs(value) or residual <= 1e-14 * scale
        # beta = 0: the Krylov space is invariant, and (from a start with a random part) holds the top.
        if beta == 0 or (converged and j + 1 >= MIN_ITERATIONS):
            break
        betas.append(beta)
        q = w / beta
    count = len(alphas)
    vector = basis[:count].T @ coefficients
    return Eigen(value, vector / np.linalg.norm(vector), count)


PRECONDITIONED = ("adam", "adamw")  # the optimizers whose state gives P (without AMSGrad)


def eigenproblems(optimizer: str, params: dict) -> int:
    """Eigenvalues a record of this optimizer's training computes: the sharpness, and Adam's preconditioned one."""
    return 2 if optimizer in PRECONDITIONED and not params.get("amsgrad", False) else 1


def adam_preconditioner(state: object, b1: float, b2: float, eps: float) -> Array | None:
    """P = (1 − β₁ᵗ)·(√v̂ + ε) from the optimizer state after t updates, or None at t = 0.

    The engine keeps ṽ = v/(1 − β₂) (scalers.py), so v̂ = ṽ·(1 − β₂)/(1 − β₂ᵗ)."""
    found = _find(state, AdamState)
    if found is None or found.count == 0:
        return None
    t = found.count
    v_hat = found.nu[0] * ((1 - b2) / (1 - b2**t))
    return (1 - b1**t) * (np.sqrt(v_hat) + eps)


def _find(state: object, kind: type) -> object | None:
    """The first state of type `kind` in a chain's nested state (chains nest pairs of states)."""
    if isinstance(state, kind):
        return state
    if isinstance(state, tuple) and not hasattr(state, "_fields"):
        for part in state:
            found = _find(part, kind)
            if found is not None:
                return found
    return None


class Sharpness:
    """The sharpness of a training at each record, warm-started from the previous record's eigenvectors."""

    def __init__(self, arch: Architecture, x: Array, y: Array, l2: float, seed: int) -> None:
        self.arch, self.x, self.y, self.l2 = arch, x, y, l2
        self.rng = np.random.default_rng([seed, 0x5A4A])  # its own stream: the training's is untouched
        self.vector: Array | None = None
        self.preconditioned_vector: Array | None = None
        self.products = 0  # Hessian-vector products so far (what the cost model counts)

    def at(
        self, theta: Array, preconditioner: Array | None, check: Callable[[], None] = no_check
    ) -> tuple[float | None, float | None]:
        """(λ_max(H), λ_max(P⁻¹H) or None) at θ; None where floating point cannot say."""
        with np.errstate(all="ignore"):
            curvature = Curvature(self.arch, theta, self.x, self.y, self.l2)
            top = largest_eigenvalue(curvature.product, curvature.size, self.vector, self.rng, check)
            self.products += top.products
            sharp = top.value if np.isfinite(top.value) else None
            if sharp is not None:
                self.vector = top.vector
            if preconditioner is None:
                return sharp, None
            scale = 1 / np.sqrt(preconditioner)
            pre = largest_eigenvalue(
                lambda u: scale * curvature.product(scale * u),
                curvature.size,
                self.preconditioned_vector,
                self.rng,
                check,
            )
        self.products += pre.products
        if not np.isfinite(pre.value):
            return sharp, None
        self.preconditioned_vector = pre.vector
        return sharp, pre.value
