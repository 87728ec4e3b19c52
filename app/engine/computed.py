"""What the surfaces computed by numpy code (data losses, rnn_cliff) share: the loss they build, a
sigmoid that never overflows, and evaluation over many points in chunks of bounded memory."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .symbolic import Compiled

Array = np.ndarray

# Elements of one (points × data) temporary: 4 MiB each, so that the dozen a data loss keeps at once on a
# chunk stay under 50 MB, whatever the grid and the number of data points.
CHUNK_ELEMENTS = 1 << 19


class Loss(NamedTuple):
    """A computed surface with its parameters fixed: the same three functions as a compiled formula."""

    functions: Compiled
    minima: tuple[tuple[float, float], ...] = ()
    data: tuple[Array, Array] | None = None  # (x, y) of the data points: for a data loss only
    subset: Callable[[Array], Compiled] | None = None  # the loss on the points of an index array


def sigmoids(z: Array) -> tuple[Array, Array]:
    """(σ(z), σ(−z)) from exp(−|z|) ≤ 1: nothing overflows, and neither is 1 − the other (which would
    lose every digit of a tiny σ). σ'(z) = σ(z)·σ(−z)."""
    t = np.exp(-np.abs(z))
    big = 1.0 / (1.0 + t)
    small = t * big
    up = z >= 0
    return np.where(up, big, small), np.where(up, small, big)


def sigmoids_of_float(z: float) -> tuple[float, float]:
    """`sigmoids` on one Python float: math's functions take a tenth of numpy's time on a lone number."""
    t = math.exp(-abs(z))
    big = 1.0 / (1.0 + t)
    small = t * big
    return (big, small) if z >= 0 else (small, big)


def is_point(w: object, b: object) -> bool:
    """One trajectory given as Python floats (np.float64 is one too): the loop's fast path."""
    return isinstance(w, float) and isinstance(b, float)


def over_points(
    function: Callable[[Array, Array], tuple[Array, ...]], w: Array | float, b: Array | float, per_point: int
) -> tuple[Array, ...]:
    """`function` of flat (K,) arrays of w and b, whose outputs are (K,) arrays, evaluated on w and b
    broadcast against each other, in chunks of at most CHUNK_ELEMENTS // per_point points; the outputs take
    the broadcast shape (numpy scalars for scalars)."""
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    shape = w.shape
    w, b = w.ravel(), b.ravel()
    size = max(1, CHUNK_ELEMENTS // max(1, per_point))
    if w.size <= size:
        outputs = function(w, b)
    else:
        parts = [function(w[i : i + size], b[i : i + size]) for i in range(0, w.size, size)]
        outputs = tuple(np.concatenate(column) for column in zip(*parts, strict=True))
    return tuple(out.reshape(shape) if shape else out[0] for out in outputs)
