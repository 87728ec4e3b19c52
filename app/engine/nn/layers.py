"""Activations and the dense layer: each backward pass beside its forward pass.

Activations are feature-major, one column per sample: a is (units, N). A layer keeps
W (fan_in, fan_out) and b (fan_out,) as the rows of one matrix W̃ = [W; bᵀ], and the
input it receives carries a last row of ones, ã = [a_prev; 1]. Then the forward pass
z = Wᵀa_prev + b = W̃ᵀã is one matrix product, and so is the gradient ∂L/∂W̃ = ã δᵀ
(its last row is ∂L/∂b = Σₙ δ) with δ = ∂L/∂z (fan_out, N): the "bias trick", which
spares numpy a broadcast per layer both ways. The layer below gets ∂L/∂a_prev = W δ.

Every array may carry a leading axis of networks, trained side by side on the same samples (a
trainability map): W̃ (C, fan_in + 1, fan_out), a and δ (C, units, N), the loss a (C,) array.
The data ã = [x; 1] stay (3, N), shared; matmul broadcasts them. One network has no such axis.

Every function takes an optional `out` (and the activations a `scratch`): training
passes the buffers of a network.Workspace, so that a step allocates no large array.
Without them each call allocates its result, as numpy does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Array = np.ndarray
LEAK = 0.01


class Scratch(NamedTuple):
    """Temporaries of one layer's shape ([C,] units, N) for an activation's forward and backward pass."""

    s: Array
    u: Array
    t: Array
    index: Array  # integer

    @classmethod
    def like(cls, shape: tuple[int, ...]) -> Scratch:
        return cls(np.empty(shape), np.empty(shape), np.empty(shape), np.empty(shape, dtype=np.intp))


# tanh from a table and a short series. numpy's tanh calls the C library once per element (≈ 13 ns
# here, the largest cost of a training); this is about 6 ns and within 3 ulp of it. With z = (k + u)/K
# (k an integer, |u| ≤ ½), tanh z = (T + p)/(1 + T p) where T = tanh(k/K) comes from the table and
# p = tanh(u/K) from its odd series; at |u/K| ≤ 1/128 the terms beyond u⁷ are below 1e-18 relative.
# Beyond ±20, tanh is ±1 in float64.
_PER_UNIT = 64
_LIMIT = 20.0
_HALF = int(_LIMIT * _PER_UNIT)
_TABLE = np.tanh(np.arange(-_HALF, _HALF + 1) / _PER_UNIT)  # index k + _HALF
_h = 1.0 / _PER_UNIT
_SERIES = (-17 * _h**7 / 315, 2 * _h**5 / 15, -(_h**3) / 3, _h)  # tanh(u·h) in powers of u, highest first


def _tanh(z: Array, out: Array | None = None, scratch: Scratch | None = None) -> Array:
    s, u, t, index = scratch or Scratch.like(z.shape)
    out = np.empty_like(z) if out is None else out
    np.clip(z, -_LIMIT, _LIMIT, out=s)
    s *= _PER_UNIT  # exact: a power of two
    np.rint(s, out=u)  # k
    np.copyto(index, u, casting="unsafe")
    index += _HALF
    np.subtract(s, u, out=u)  # u, exact
    np.take(_TABLE, index, out=t, mode="clip")  # T (NaN gives any T, and p = NaN below)
    np.multiply(u, u, out=s)  # u²
    c7, c5, c3, c1 = _SERIES
    np.multiply(s, c7, out=out)  # Horner in u²
    out += c5
    out *= s
    out += c3
    out *= s
    out += c1
    out *= u  # p
    np.multiply(t, out, out=s)
    s += 1  # 1 + T p
    out += t
    out /= s
    return out


def _tanh_backward(da: Array, z: Array, a: Array, out: Array, scratch: Scratch) -> Array:
    np.multiply(a, a, out=scratch.s)
    np.subtract(1, scratch.s, out=scratch.s)  # 1 − a², the same numbers as the slope below
    return np.multiply(da, scratch.s, out=out)


def _sigmoid(z: Array, out: Array | None = None, scratch: Scratch | None = None) -> Array:
    out = np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1
    return np.divide(1.0, out, out=out)


def _sigmoid_backward(da: Array, z: Array, a: Array, out: Array, scratch: Scratch) -> Array:
    np.subtract(1, a, out=scratch.s)
    np.multiply(a, scratch.s, out=scratch.s)  # a(1 − a)
    return np.multiply(da, scratch.s, out=out)


def _leaky_relu(z: Array, out: Array | None = None, scratch: Scratch | None = None) -> Array:
    # max(z, 0.01·z) is z·1 above zero and z·0.01 below: the same numbers as z·slope, without a slope array.
    leak = np.multiply(z, LEAK, out=scratch.s if scratch else None)
    return np.maximum(z, leak, out=out)


class Activation(NamedTuple):
    forward: Callable[..., Array]  # (z, out=None, scratch=None) -> a, written into `out` when given
    slope: Callable[[Array, Array], Array]  # (z, a) -> da/dz
    backward: Callable[..., Array]  # (∂L/∂a, z, a, out, scratch) -> δ = ∂L/∂a ⊙ da/dz, into `out`


def _by_slope(slope: Callable[[Array, Array], Array]) -> Callable[..., Array]:
    """A backward pass through a slope cheap enough to allocate (a comparison, a constant)."""
    return lambda da, z, a, out, scratch: np.multiply(da, slope(z, a), out=out)


_relu_slope = lambda z, a: (z > 0).astype(z.dtype)  # noqa: E731
_leaky_slope = lambda z, a: np.where(z > 0, 1.0, LEAK)  # noqa: E731

ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(_tanh, lambda z, a: 1 - a * a, _tanh_backward),
    "relu": Activation(
        lambda z, out=None, scratch=None: np.maximum(z, 0.0, out=out), _relu_slope, _by_slope(_relu_slope)
    ),
    "sigmoid": Activation(_sigmoid, lambda z, a: a * (1 - a), _sigmoid_backward),
    "leaky_relu": Activation(
        _leaky_relu,
        _leaky_slope,
        _by_slope(_leaky_slope),
    ),
    "linear": Activation(
        lambda z, out=None, scratch=None: np.positive(z, out=out),
        lambda z, a: np.ones_like(z),
        lambda da, z, a, out, scratch: np.multiply(da, 1.0, out=out),
    ),
}


# Index tuples built once: indexing a small array with a prepared tuple costs less than with `...`.
ABOVE = (Ellipsis, slice(None, -1), slice(None))  # all rows but the last: W of W̃, a_prev of ã
LAST = (Ellipsis, -1, slice(None))  # the last row: b of W̃
FIRST = (Ellipsis, 0, slice(None))  # the first row: the output unit's z


class Dense(NamedTuple):
    Wb: Array  # W̃ ([C,] fan_in + 1, fan_out): the rows of W, then bᵀ

    @property
    def W(self) -> Array:
        return self.Wb[ABOVE]  # ([C,] fan_in, fan_out)

    @property
    def b(self) -> Array:
        return self.Wb[LAST]  # ([C,] fan_out)


def with_ones(units: int, n: int, lead: tuple[int, ...] = ()) -> Array:
    """ã ([C,] units + 1, N) with its last row of ones; the rows above are to be filled."""
    a = np.empty((*lead, units + 1, n))
    a[LAST] = 1.0
    return a


def dense_forward(layer: Dense, a_in: Array, out: Array | None = None) -> Array:
    return np.matmul(layer.Wb.mT, a_in, out=out)  # z = W̃ᵀã ([C,] fan_out, N)


def dense_backward(
    layer: Dense, a_in: Array, delta: Array, to_input: bool = True, grad: Array | None = None, da: Array | None = None
) -> tuple[Dense, Array | None]:
    """δ ([C,] fan_out, N) -> (∂L/∂W̃ = ã δᵀ, ∂L/∂a_prev = W δ ([C,] fan_in, N)), into `grad` and `da` when given.

    ∂L/∂a_prev is None when `to_input` is False: below the first layer lie the data, which do not learn.
    """
    grad = Dense(np.matmul(a_in, delta.mT, out=grad))  # ([C,] fan_in + 1, fan_out)
    if not to_input:
        return grad, None
    # With one unit above, W δ is an outer product: broadcasting computes the same
    # products exactly, without a BLAS call.
    W = layer.W
    return grad, np.multiply(W, delta, out=da) if delta.shape[-2] == 1 else np.matmul(W, delta, out=da)


class Loss(NamedTuple):
    value: Callable[[Array, Array], float | Array]  # (z, y) -> L, the mean over samples: a float, or (C,)
    delta: Callable[[Array, Array], Array]  # (z, y) -> ∂L/∂z ([C,] N); a training step needs only this


def _mean(values: Array) -> float | Array:
    """The mean over samples: a float for one network, (C,) for a batch of them."""
    mean = np.mean(values, axis=-1)
    return float(mean) if mean.ndim == 0 else mean


def _bce_value(z: Array, y: Array) -> float | Array:
    # max(z, 0) − zy + log(1 + e^−|z|): never exp of a large positive number.
    return _mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def _mse_value(z: Array, y: Array) -> float | Array:
    diff = z - y
    return _mean(diff * diff)


# Mean binary cross-entropy of logits (torch's BCEWithLogitsLoss): ∂L/∂z = (σ(z) − y)/N.
bce_with_logits = Loss(_bce_value, lambda z, y: (1 / (1 + np.exp(-z)) - y) / z.shape[-1])
# Mean squared error: ∂L/∂z = 2(z − y)/N.
mse = Loss(_mse_value, lambda z, y: 2 * (z - y) / z.shape[-1])

LOSSES = {"classification": bce_with_logits, "regression": mse}
