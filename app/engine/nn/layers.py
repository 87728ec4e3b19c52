"""Activations and the dense layer: each backward pass beside its forward pass.

Activations are feature-major, one column per sample: a is (units, N). A layer keeps
W (fan_in, fan_out) and b (fan_out,) as the rows of one matrix W̃ = [W; bᵀ], and the
input it receives carries a last row of ones, ã = [a_prev; 1]. Then the forward pass
z = Wᵀa_prev + b = W̃ᵀã is one matrix product, and so is the gradient ∂L/∂W̃ = ã δᵀ
(its last row is ∂L/∂b = Σₙ δ) with δ = ∂L/∂z (fan_out, N): the "bias trick", which
spares numpy a broadcast per layer both ways. The layer below gets ∂L/∂a_prev = W δ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Array = np.ndarray
LEAK = 0.01


class Activation(NamedTuple):
    forward: Callable[..., Array]  # (z, out=None) -> a, written into `out` when given
    slope: Callable[[Array, Array], Array]  # (z, a) -> da/dz


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(np.tanh, lambda z, a: 1 - a * a),
    "relu": Activation(lambda z, out=None: np.maximum(z, 0.0, out=out), lambda z, a: (z > 0).astype(z.dtype)),
    "sigmoid": Activation(lambda z, out=None: np.divide(1.0, 1 + np.exp(-z), out=out), lambda z, a: a * (1 - a)),
    "leaky_relu": Activation(
        lambda z, out=None: np.multiply(z, np.where(z > 0, 1.0, LEAK), out=out),
        lambda z, a: np.where(z > 0, 1.0, LEAK),
    ),
    "linear": Activation(lambda z, out=None: np.positive(z, out=out), lambda z, a: np.ones_like(z)),
}


class Dense(NamedTuple):
    Wb: Array  # W̃ (fan_in + 1, fan_out): the rows of W, then bᵀ

    @property
    def W(self) -> Array:
        return self.Wb[:-1]  # (fan_in, fan_out)

    @property
    def b(self) -> Array:
        return self.Wb[-1]  # (fan_out,)


def with_ones(units: int, n: int) -> Array:
    """ã (units + 1, N) with its last row of ones; the rows above are to be filled."""
    a = np.empty((units + 1, n))
    a[-1] = 1.0
    return a


def dense_forward(layer: Dense, a_in: Array) -> Array:
    return layer.Wb.T @ a_in  # z = W̃ᵀã (fan_out, N)


def dense_backward(layer: Dense, a_in: Array, delta: Array, to_input: bool = True) -> tuple[Dense, Array | None]:
    """δ (fan_out, N) -> (∂L/∂W̃ = ã δᵀ, ∂L/∂a_prev = W δ (fan_in, N)).

    ∂L/∂a_prev is None when `to_input` is False: below the first layer lie the data, which do not learn.
    """
    grad = Dense(a_in @ delta.T)
    if not to_input:
        return grad, None
    # With one unit above, W δ is an outer product: broadcasting computes the same
    # products exactly, without a BLAS call.
    return grad, layer.W * delta if delta.shape[0] == 1 else layer.W @ delta


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
