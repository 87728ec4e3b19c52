"""Activations and the dense layer: each backward pass beside its forward pass.

A layer computes z = a_prev @ W + b and a = f(z). Going backward it receives
δ = ∂L/∂z and returns ∂L/∂W = a_prevᵀ δ, ∂L/∂b = Σ δ and ∂L/∂a_prev = δ Wᵀ.
"""

from __future__ import annotations

from collections.abc import Callable
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
    return a_prev @ layer.W + layer.b  # (N, fan_out)


def dense_backward(layer: Dense, a_prev: Array, delta: Array) -> tuple[Array, Array, Array]:
    """δ (N, fan_out) -> (∂L/∂W (fan_in, fan_out), ∂L/∂b (fan_out,), ∂L/∂a_prev (N, fan_in))."""
    return a_prev.T @ delta, delta.sum(axis=0), delta @ layer.W.T


def bce_with_logits(z: Array, y: Array) -> tuple[float, Array]:
    """Mean binary cross-entropy of logits z (N,) against labels y, and ∂L/∂z (torch's BCEWithLogitsLoss)."""
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return float(loss), (1 / (1 + np.exp(-z)) - y) / z.shape[0]


def mse(z: Array, y: Array) -> tuple[float, Array]:
    """Mean squared error and ∂L/∂z."""
    diff = z - y
    return float(np.mean(diff * diff)), 2 * diff / z.shape[0]


LOSSES = {"classification": bce_with_logits, "regression": mse}
