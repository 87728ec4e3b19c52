"""Adaptive gradient scalers: the part of each optimizer that is more than momentum and a learning rate.

Each follows torch.optim's arithmetic in the same order, so that float64
iterates agree step for step. Hyperparameters may be `(B, 1)` arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .transforms import Array, GradientTransformation, GradientTransformationExtraArgs, Hyper, hyper, plain


class AdamState(NamedTuple):
    count: int
    mu: Array
    nu: Array
    nu_max: Array | None


def _moments(b1: Hyper, b2: Hyper) -> Callable[[Array, Array, Array], tuple[Array, Array]]:
    """Adam's two moments, kept scaled as m̃ = m/(1 − β₁) and ṽ = v/(1 − β₂):
    m̃ ← β₁m̃ + g and ṽ ← β₂ṽ + g² cost two array operations fewer per step than
    m and v, and each optimizer folds the constant factors into its scalars."""
    decay1, decay2 = hyper(b1), hyper(b2)

    def moments(updates: Array, mu: Array, nu: Array) -> tuple[Array, Array]:
        # In place on the fresh products: on one trajectory, allocating is a share of each operation.
        mu = decay1 * mu
        mu += updates
        nu = decay2 * nu
        nu += updates * updates
        return mu, nu

    return moments


def _adam_init(amsgrad: bool = False) -> Any:
    def init(params: Array) -> AdamState:
        zeros = np.zeros_like(params)
        return AdamState(0, zeros, zeros, zeros if amsgrad else None)

    return init


def scale_by_adam(b1: Hyper, b2: Hyper, eps: Hyper, amsgrad: bool = False) -> GradientTransformation:
    """Adam (Kingma & Ba 2015): m̂ / (√v̂ + ε); AMSGrad (Reddi et al. 2018) uses max v."""
    b1, b2, eps = plain(b1), plain(b2), plain(eps)
    moments = _moments(b1, b2)
    # numpy takes 60% longer to multiply an array by a Python float than by a 0-d array,
    # and on one trajectory that is a tenth of a step: scalar factors are written into two
    # 0-d arrays owned by this transformation. They are temporaries of one update, never
    # state, so a transformation serves one run at a time. Per-row hyperparameters make
    # the factors (B, 1) arrays already.
    scalars = not any(np.ndim(h) for h in (b1, b2, eps))
    gain, shift = np.zeros(()), np.zeros(())
    keep1, keep2 = 1 - b1, 1 - b2

    def update(updates: Array, state: AdamState, params: Array) -> tuple[Array, AdamState]:
        count, mu, nu, nu_max = state
        count += 1
        mu, nu = moments(updates, mu, nu)
        nu_max = np.maximum(nu_max, nu) if amsgrad else None
        # m̂/(√v̂ + ε) = m̃·((1 − β₁)s/(1 − β₁ᵗ))/(√ṽ + ε·s) with s = √((1 − β₂ᵗ)/(1 − β₂)):
        # the bias corrections stay scalars, two array operations fewer per step.
        s = ((1 - b2**count) / keep2) ** 0.5
        scale, floor = keep1 * s / (1 - b1**count), eps * s
        if scalars:
            gain[()], shift[()] = scale, floor
            scale, floor = gain, shift
        denominator = np.sqrt(nu_max if amsgrad else nu)
        denominator += floor
        out = mu * scale
        out /= denominator
        return out, AdamState(count, mu, nu, nu_max)

    return GradientTransformation(_adam_init(amsgrad), update)


def scale_by_adamax(b1: Hyper, b2: Hyper, eps: Hyper) -> GradientTransformation:
    """Adamax (Kingma & Ba 2015, §7): the ∞-norm u ← max(β₂u, |g| + ε) replaces √v."""
    b1, b2, eps = hyper(b1), hyper(b2), hyper(eps)

    def update(updates: Array, state: AdamState, params: Array) -> tuple[Array, AdamState]:
        count = state.count + 1
        mu = state.mu + (1 - b1) * (updates - state.mu)
        norm = np.maximum(b2 * state.nu, np.abs(updates) + eps)
        return mu / (1 - b1**count) / norm, AdamState(count, mu, norm, None)

    return GradientTransformation(_adam_init(), update)


class NadamState(NamedTuple):
    count: int
    mu_product: Array
    mu: Array
    nu: Array


def scale_by_nadam(b1: Hyper, b2: Hyper, eps: Hyper, momentum_decay: Hyper) -> GradientTransformation:
    """NAdam (Dozat 2016) with torch's momentum schedule μₜ = β₁(1 − ½·0.96^(t·ψ))."""
    b1, b2, eps, psi = hyper(b1), hyper(b2), hyper(eps), hyper(momentum_decay)
    moments = _moments(b1, b2)

    def init(params: Array) -> NadamState:
        zeros = np.zeros_like(params)
        return NadamState(0, hyper(1.0), zeros, zeros)

    def update(updates: Array, state: NadamState, params: Array) -> tuple[Array, NadamState]:
        count = state.count + 1
        mu_t = b1 * (1.0 - 0.5 * 0.96 ** (count * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((count + 1) * psi))
        mu_product = state.mu_product * mu_t
        mu, nu = moments(updates, state.mu, state.nu)  # m̃ and ṽ: see _moments
        denom = np.sqrt(nu * ((1 - b2) / (1 - b2**count))) + eps
        out = updates * ((1.0 - mu_t) / (1.0 - mu_product)) / denom
        out = out + mu * ((1 - b1) * mu_next / (1.0 - mu_product * mu_next)) / denom
        return out, NadamState(count, mu_product, mu, nu)

    return GradientTransformation(init, update)


def scale_by_radam(b1: Hyper, b2: Hyper, eps: Hyper) -> GradientTransformation:
    """RAdam (Liu et al. 2020): Adam with its variance rectified, plain momentum while ρₜ ≤ 5."""
    b1, b2, eps = hyper(b1), hyper(b2), hyper(eps)
    rho_inf = 2 / (1 - b2) - 1
    moments = _moments(b1, b2)

    def update(updates: Array, state: AdamState, params: Array) -> tuple[Array, AdamState]:
        count = state.count + 1
        mu, nu = moments(updates, state.mu, state.nu)  # m̃ and ṽ: see _moments
        bc2 = 1 - b2**count
        mu_hat = mu * ((1 - b1) / (1 - b1**count))
        rho_t = rho_inf - 2 * count * b2**count / bc2
        rectified = rho_t > 5.0
        safe_rho = np.where(rectified, rho_t, 6.0)
        rect = np.sqrt((safe_rho - 4) * (safe_rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * safe_rho))
        root = np.sqrt(1 - b2)
        adaptive = (np.sqrt(bc2) / root) / (np.sqrt(nu) + eps / root)
        out = np.where(rectified, mu_hat * adaptive * rect, mu_hat)
        return out, AdamState(count, mu, nu, None)

    return GradientTransformation(_adam_init(), update)


class RmsState(NamedTuple):
    nu: Array
    mu: Array | None


def scale_by_rms(alpha: Hyper, eps: Hyper, centered: bool = False) -> GradientTransformation:
    """RMSProp (Hinton 2012): g / (√E[g²] + ε); centered (Graves 2013) subtracts E[g]²."""
    alpha, eps = hyper(alpha), hyper(eps)

    def init(params: Array) -> RmsState:
        zeros = np.zeros_like(params)
        return RmsState(zeros, zeros if centered else None)

    def update(updates: Array, state: RmsState, params: Array) -> tuple[Array, RmsState]:
        nu = alpha * state.nu + (1 - alpha) * updates * updates
        if centered:
            mu = state.mu + (1 - alpha) * (updates - state.mu)
            avg = np.sqrt(nu - mu * mu) + eps
        else:
            mu, avg = None, np.sqrt(nu) + eps
        return updates / avg, RmsState(nu, mu)

    return GradientTransformation(init, update)


def scale_by_rss(initial_accumulator_value: Hyper, eps: Hyper) -> GradientTransformation:
    """Adagrad (Duchi et al. 2011): g / (√Σg² + ε)."""
    initial, eps = hyper(initial_accumulator_value), hyper(eps)

    def update(updates: Array, state: Array, params: Array) -> tuple[Array, Array]:
        total = state + updates * updates
        return updates / (np.sqrt(total) + eps), total

    return GradientTransformation(lambda params: np.zeros_like(params) + initial, update)


class AdadeltaState(NamedTuple):
    nu: Array
    delta: Array


def scale_by_adadelta(rho: Hyper, eps: Hyper) -> GradientTransformation:
    """Adadelta (Zeiler 2012): g·√(E[Δ²] + ε)/√(E[g²] + ε)."""
    rho, eps = hyper(rho), hyper(eps)

    def init(params: Array) -> AdadeltaState:
        zeros = np.zeros_like(params)
        return AdadeltaState(zeros, zeros)

    def update(updates: Array, state: AdadeltaState, params: Array) -> tuple[Array, AdadeltaState]:
        nu = rho * state.nu + (1 - rho) * updates * updates
        delta = np.sqrt(state.delta + eps) / np.sqrt(nu + eps) * updates
        acc = rho * state.delta + (1 - rho) * delta * delta
        return delta, AdadeltaState(nu, acc)

    return GradientTransformation(init, update)


def scale_by_lion(b1: Hyper, b2: Hyper) -> GradientTransformation:
    """Lion (Chen et al. 2023): sign(β₁m + (1 − β₁)g), then m ← β₂m + (1 − β₂)g."""
    b1, b2 = hyper(b1), hyper(b2)

    def update(updates: Array, state: Array, params: Array) -> tuple[Array, Array]:
        direction = np.sign(b1 * state + (1 - b1) * updates)
        return direction, b2 * state + (1 - b2) * updates

    return GradientTransformation(np.zeros_like, update)


def scale_by_newton(damping: Hyper, saddle_free: bool = False) -> GradientTransformationExtraArgs:
    """Newton: (H + λI)⁻¹g, the pseudo-inverse where that is singular.

    Saddle-free Newton (Dauphin et al. 2014) uses |H| = V|Λ|Vᵀ instead of H, so
    negative curvature pushes away from a saddle rather than towards it.
    Its update takes the Hessian as a keyword, `hessian=(B, D, D)`.
    """
    damping = hyper(damping)

    def update(updates: Array, state: Any, params: Array, *, hessian: Array) -> tuple[Array, Any]:
        # A row that already diverged may hold NaN; LAPACK refuses those, and the row is dropped anyway.
        h = np.nan_to_num(hessian, nan=0.0, posinf=0.0, neginf=0.0)  # (B, D, D)
        g = np.nan_to_num(updates, nan=0.0, posinf=0.0, neginf=0.0)[..., None]  # (B, D, 1)
        if saddle_free:
            eigenvalues, vectors = np.linalg.eigh(h)  # (B, D), (B, D, D)
            scale = np.abs(eigenvalues) + np.asarray(damping).reshape(-1, 1)
            cutoff = 1e-15 * h.shape[-1] * np.max(scale, axis=-1, keepdims=True)
            inverse = np.where(scale > cutoff, 1.0 / np.where(scale > cutoff, scale, 1.0), 0.0)
            step = vectors @ (inverse[..., None] * (np.swapaxes(vectors, -1, -2) @ g))
        else:
            eye = np.eye(h.shape[-1])
            step = np.linalg.pinv(h + np.asarray(damping).reshape(-1, 1, 1) * eye) @ g
        return step[..., 0], state

    return GradientTransformationExtraArgs(lambda params: None, update)
