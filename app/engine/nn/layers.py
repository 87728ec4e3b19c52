"""Activations and the dense layer: each backward pass beside its forward pass.

A layer computes z = a_prev @ W + b and a = f(z). Going backward it receives
δ = ∂L/∂z and returns ∂L/∂W = a_prevᵀ δ, ∂L/∂b = Σ δ and ∂L/∂a_prev = δ Wᵀ.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np

Array = np.ndarray
LEAK = 0.01


class Activation(NamedTuple):
    forward: Callable[[Array], Array]  # z -> a
    slope: Callable[[Array, Array], Array]  # (z, a) -> da/dz


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(np.tanh, lambda z, a: 1 - a * a),
    "relu": Activation(lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(z.dtype)),
    "sigmoid": Activation(lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
    "leaky_relu": Activation(lambda z: np.where(z > 0, z, LEAK * z), lambda z, a: np.where(z > 0, 1.0, LEAK)),
    "linear": Activation(lambda z: z, lambda z, a: np.ones_like(z)),
}


class Dense(NamedTuple):
    W: Array  # (fan_in, fan_out)
    b: Array  # (fan_out,)


def dense_forward(layer: Dense, a_prev: Array) -> Array:
    z = a_prev @ layer.W  # (N, fan_out)
    z += layer.b  # in place: the product is a new array already
    return z


@lru_cache(maxsize=16)
def _ones(n: int) -> Array:
    # Made once per batch size: allocating it takes as long as the product it serves.
    ones = np.ones(n)
    ones.flags.writeable = False
    return ones


def dense_backward(
    layer: Dense, a_prev: Array, delta: Array, to_input: bool = True
) -> tuple[Array, Array, Array | None]:
    """δ (N, fan_out) -> (∂L/∂W (fan_in, fan_out), ∂L/∂b (fan_out,), ∂L/∂a_prev (N, fan_in)).

    ∂L/∂a_prev is None when `to_input` is False: below the first layer lie the data, which do not learn.
    """
    dW = a_prev.T @ delta  # (fan_in, fan_out)
    db = _ones(delta.shape[0]) @ delta  # (fan_out,): Σₙ δ, which BLAS adds up faster than .sum(axis=0)
    if not to_input:
        return dW, db, None
    # With one unit above, δWᵀ is an outer product: broadcasting computes the same
    # products exactly, without a BLAS call that costs four times as much.
    da_prev = delta * layer.W.T if delta.shape[1] == 1 else delta @ layer.W.T  # (N, fan_in)
    return dW, db, da_prev


class Loss(NamedTuple):
    value: Callable[[Array, Array], float]  # (z, y) -> L, the mean over samples
    delta: Callable[[Array, Array], Array]  # (z, y) -> ∂L/∂z (N,); a training step needs only this


def _bce_value(z: Array, y: Array) -> float:
    # max(z, 0) − zy + log(1 + e^−|z|): never exp of a large positive number.
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def _mse_value(z: Array, y: Array) -> float:
    diff = z - y
    return float(np.mean(diff * diff))


# Mean binary cross-entropy of logits (torch's BCEWithLogitsLoss): ∂L/∂z = (σ(z) − y)/N.
bce_with_logits = Loss(_bce_value, lambda z, y: (1 / (1 + np.exp(-z)) - y) / z.shape[0])
# Mean squared error: ∂L/∂z = 2(z − y)/N.
mse = Loss(_mse_value, lambda z, y: 2 * (z - y) / z.shape[0])

LOSSES = {"classification": bce_with_logits, "regression": mse}
