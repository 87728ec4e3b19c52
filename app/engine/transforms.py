"""Composable gradient transformations, in the shape of optax.

A transformation is a pair of pure functions: `init(params) -> state` and
`update(updates, state, params) -> (updates, state)`. Arrays are float64
`(B, D)`: B trajectories of D parameters; reductions run over `axis=-1`, so one
trajectory is simply B = 1. Hyperparameters are floats or `(B, 1)` arrays (one
value per trajectory), which is how a sweep runs through the same code.

A transformation that needs more than that (Newton needs the Hessian) is a
`GradientTransformationExtraArgs`, whose update takes it as keywords, as in optax.
The others do not take `**extra`: on a single trajectory, passing an empty dict
through every call of a chain is a measurable share of a step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

Array = np.ndarray
Hyper = float | Array
# A learning rate or any other schedule: a constant, or a function of the step count.
Schedule = Hyper | Callable[[int], Hyper]


class GradientTransformation(NamedTuple):
    init: Callable[[Array], Any]
    update: Callable[..., tuple[Array, Any]]


class GradientTransformationExtraArgs(GradientTransformation):
    """A transformation whose update takes keyword arguments beyond (updates, state, params)."""


def with_extra_args_support(transform: GradientTransformation) -> GradientTransformationExtraArgs:
    """The same transformation, taking (and ignoring) keyword arguments."""
    if isinstance(transform, GradientTransformationExtraArgs):
        return transform
    plain_update = transform.update

    def update(updates: Array, state: Any, params: Array, **extra: Any) -> tuple[Array, Any]:
        return plain_update(updates, state, params)

    return GradientTransformationExtraArgs(transform.init, update)


class EmptyState(NamedTuple):
    pass


def hyper(value: Hyper) -> Array:
    """A hyperparameter that multiplies arrays: numpy multiplies two arrays faster than an
    array by a Python float. (Keep the plain value for scalar arithmetic such as β₁ᵗ.)"""
    return np.asarray(value, dtype=np.float64)


def plain(value: Hyper) -> Hyper:
    """A hyperparameter for scalar arithmetic: a Python float unless it varies per row."""
    return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float64)


def is_zero(value: Hyper) -> bool:
    return bool(np.all(np.asarray(value) == 0))


def _identity_update(updates: Array, state: EmptyState, params: Array) -> tuple[Array, EmptyState]:
    return updates, state


_IDENTITY = GradientTransformation(lambda params: EmptyState(), _identity_update)


def identity() -> GradientTransformation:
    return _IDENTITY


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply transformations in order, each to the output of the previous one.

    Built as nested pairs with identities dropped: on a single trajectory each
    Python call is a measurable share of a step, and a loop costs more than two calls.
    """
    transforms = tuple(t for t in transforms if t is not _IDENTITY) or (_IDENTITY,)
    if len(transforms) == 1:
        return transforms[0]
    first, rest = transforms[0], chain(*transforms[1:])

    def init(params: Array) -> tuple:
        return first.init(params), rest.init(params)

    if not isinstance(first, GradientTransformationExtraArgs) and not isinstance(rest, GradientTransformationExtraArgs):
        first_update, rest_update = first.update, rest.update

        def update(updates: Array, state: tuple, params: Array) -> tuple[Array, tuple]:
            head, tail = state
            updates, head = first_update(updates, head, params)
            updates, tail = rest_update(updates, tail, params)
            return updates, (head, tail)

        return GradientTransformation(init, update)

    # The same pair, forwarding keywords (a separate body: see the module docstring).
    head_update, tail_update = with_extra_args_support(first).update, with_extra_args_support(rest).update

    def update_extra(updates: Array, state: tuple, params: Array, **extra: Any) -> tuple[Array, tuple]:
        updates, head = head_update(updates, state[0], params, **extra)
        updates, tail = tail_update(updates, state[1], params, **extra)
        return updates, (head, tail)

    return GradientTransformationExtraArgs(init, update_extra)


def scale_by_learning_rate(learning_rate: Schedule) -> GradientTransformation:
    """u ← −lr·u: the only place where the update gets its minus sign."""
    if not callable(learning_rate):
        rate = -hyper(learning_rate)
        return GradientTransformation(lambda params: EmptyState(), lambda u, state, params: (rate * u, state))

    def update(updates: Array, count: int, params: Array) -> tuple[Array, int]:
        return updates * -learning_rate(count), count + 1

    return GradientTransformation(lambda params: 0, update)


def add_decayed_weights(weight_decay: Hyper) -> GradientTransformation:
    """u ← u + wd·θ. Before an adaptive scaler it is L2 (torch's `weight_decay`);
    after it, just before the learning rate, it is decoupled decay (AdamW)."""
    if is_zero(weight_decay):
        return identity()
    wd = hyper(weight_decay)
    return GradientTransformation(lambda params: EmptyState(), lambda u, state, params: (u + wd * params, state))


class TraceState(NamedTuple):
    count: int
    trace: Array


def trace(decay: Hyper, dampening: Hyper = 0.0, nesterov: bool = False) -> GradientTransformation:
    """Momentum as torch.optim.SGD keeps it: buf ← g on the first step, then
    buf ← μ·buf + (1 − dampening)·g; the update is buf, or g + μ·buf with Nesterov."""
    mu = hyper(decay)
    # torch skips the buffer when μ = 0; taking dampening as 0 there gives buf = g, the same thing.
    keep = 1 - np.where(mu == 0, 0.0, hyper(dampening))
    # Without dampening the factor is exactly 1: skipping the multiply changes no bit and saves a pass per step.
    undamped = bool(np.all(keep == 1))

    def init(params: Array) -> TraceState:
        return TraceState(0, np.zeros_like(params))

    def update(updates: Array, state: TraceState, params: Array) -> tuple[Array, TraceState]:
        if state.count == 0:
            buf = updates
        else:
            buf = mu * state.trace + (updates if undamped else keep * updates)
        out = updates + mu * buf if nesterov else buf
        return out, TraceState(state.count + 1, buf)

    return GradientTransformation(init, update)


def scale_by_schedule(factor: Callable[[int], Hyper]) -> GradientTransformation:
    """u ← factor(k)·u with k the step count (Adagrad's lr_decay is one)."""

    def update(updates: Array, count: int, params: Array) -> tuple[Array, int]:
        return factor(count) * updates, count + 1

    return GradientTransformation(lambda params: 0, update)


def clip_by_global_norm(max_norm: Hyper) -> GradientTransformation:
    """torch's clip_grad_norm_: g ← g·c/(‖g‖ + 1e-6) when that factor is below 1 (per trajectory;
    c = ∞ on a row multiplies it by exactly 1, so rows without clipping can share the batch)."""
    limit = hyper(max_norm)

    def update(updates: Array, state: EmptyState, params: Array) -> tuple[Array, EmptyState]:
        norm = np.sqrt(np.sum(updates * updates, axis=-1, keepdims=True))
        return updates * np.minimum(limit / (norm + 1e-6), 1.0), state

    return GradientTransformation(lambda params: EmptyState(), update)


def clip(max_delta: Hyper) -> GradientTransformation:
    """torch's clip_grad_value_: every coordinate clipped to [−v, v] (v = ∞ on a row leaves it as it is)."""
    v = plain(max_delta)
    low = -v
    return GradientTransformation(lambda params: EmptyState(), lambda u, state, params: (np.clip(u, low, v), state))


NOISE_BLOCK = 4096
NOISE_AHEAD = 1 << 20  # elements of a block of per-row noise formed ahead (8 MB)


def gaussian_noise(std: Hyper, seed: int, dim: int) -> GradientTransformation:
    """u ← u + std·z[k] with z = default_rng(seed).standard_normal((steps, dim)), the same
    noise for every trajectory, so comparisons are fair. z is drawn a block of steps at a
    time (consecutive draws continue one sequence), so a long run holds no whole table.
    A `(B, 1)` std gives each row its own scale of the same z: std·z[k] is formed a block
    ahead too when that block is small, and per step for a large batch (a sweep)."""
    cache: dict[str, Any] = {"block": -1, "rng": None, "rows": None}
    per_row = np.ndim(std) > 0
    scale = hyper(std) if per_row else float(std)
    ahead = not per_row or np.size(std) * NOISE_BLOCK * dim <= NOISE_AHEAD

    def draw(z: Array) -> Array:
        """A block of z (NOISE_BLOCK, D), scaled ahead: (NOISE_BLOCK, D) or (NOISE_BLOCK, B, D)."""
        if not ahead:
            return z
        return scale[None] * z[:, None] if per_row else scale * z

    def rows(block: int) -> Array:
        if block != cache["block"]:
            if cache["rng"] is None or block < cache["block"]:  # back to the start of the sequence
                cache["rng"], cache["block"] = np.random.default_rng(seed), -1
            while cache["block"] < block:
                cache["rows"] = draw(cache["rng"].standard_normal((NOISE_BLOCK, dim)))
                cache["block"] += 1
        return cache["rows"]

    if ahead:

        def update(updates: Array, count: int, params: Array) -> tuple[Array, int]:
            return updates + rows(count // NOISE_BLOCK)[count % NOISE_BLOCK], count + 1

    else:

        def update(updates: Array, count: int, params: Array) -> tuple[Array, int]:
            return updates + scale * rows(count // NOISE_BLOCK)[count % NOISE_BLOCK], count + 1

    return GradientTransformation(lambda params: 0, update)
