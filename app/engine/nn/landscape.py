"""The loss on a plane through the final weights (Li et al. 2018), with the training path projected on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..errors import no_check
from .layers import LOSSES, Dense
from .network import Architecture, Workspace, flatten, predict, unflatten

Array = np.ndarray


class Landscape(NamedTuple):
    a: Array  # (n,) coordinates along the first direction
    b: Array  # (n,)
    loss: Array  # (n, n): loss[j, i] at a[i], b[j]; NaN where not finite
    path_a: Array  # (R,) the recorded weights, projected
    path_b: Array


def _pca_directions(path: Array, final: Array) -> Array | None:
    """The two main directions of the trajectory around the final weights, or None if it has fewer."""
    moves = path - final  # (R, P)
    if moves.shape[0] < 2:
        return None
    _, singular, vt = np.linalg.svd(moves, full_matrices=False)
    if singular.shape[0] < 2 or singular[1] <= 1e-12 * max(singular[0], 1e-300):
        return None
    return vt[:2]  # (2, P), orthonormal


def _random_directions(arch: Architecture, final: Array, seed: int) -> Array:
    """Filter-normalized random directions: each unit's incoming weights get the norm of the
    network's own (Li et al. 2018); biases are left out (zero)."""
    rng = np.random.default_rng(seed)
    directions = []
    for _ in range(2):
        parts = []
        for layer in unflatten(arch, final):
            d = rng.standard_normal(layer.W.shape)  # (fan_in, fan_out)
            d *= np.linalg.norm(layer.W, axis=0) / np.maximum(np.linalg.norm(d, axis=0), 1e-12)
            parts.append(Dense(np.vstack([d, np.zeros_like(layer.b)])))  # the bias row stays zero
        directions.append(flatten(parts))
    return np.stack(directions)


def loss_landscape(
    arch: Architecture,
    x: Array,
    y: Array,
    final: Array,
    path: Array,
    n: int,
    span: float,
    method: str,
    seed: int,
    check: Callable[[], None] = no_check,
    workspace: Workspace | None = None,
) -> Landscape:
    directions = _pca_directions(path, final) if method == "pca" else None
    pca = directions is not None  # a path with fewer than two directions falls back to random ones
    if directions is None:
        directions = _random_directions(arch, final, seed)
    # Coordinates of the recorded weights on the plane (least squares: random directions are not orthogonal).
    coords, *_ = np.linalg.lstsq(directions.T, (path - final).T, rcond=None)  # (2, R)
    # PCA directions are unit vectors in weight space: the plane spans the path, widened by `span`;
    # filter-normalized directions are already scaled to the network: ±span, as in Li et al.
    extent = span * (1.25 * max(np.max(np.abs(coords)), 1e-3) if pca else 1.0)
    a = np.linspace(-extent, extent, n)
    b = np.linspace(-extent, extent, n)
    loss = np.empty((n, n))
    workspace = workspace or Workspace(arch)  # n² forward passes over the data: their arrays allocated once
    with np.errstate(all="ignore"):
        for j, bj in enumerate(b):
            check()  # a row of the plane at a time: the caller may stop it
            for i, ai in enumerate(a):
                theta = final + ai * directions[0] + bj * directions[1]
                loss[j, i] = LOSSES[arch.task].value(predict(arch, theta, x, workspace), y)
    loss[~np.isfinite(loss)] = np.nan
    return Landscape(a, b, loss, coords[0], coords[1])
