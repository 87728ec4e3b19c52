"""The loss on a plane through the final weights (Li et al. 2018), with the training path projected on it.

A race (several optimizers from the same initial weights) shares one plane: see `race_landscape`. A race of
networks with their own activation or initial weights has none (train.race): each has its own loss or start.
"""

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


class RaceLandscape(NamedTuple):
    a: Array  # (n,)
    b: Array  # (n,)
    loss: Array  # (n, n) as Landscape's
    paths: list[tuple[Array, Array]]  # per run: its recorded weights projected, (R,) a and (R,) b


def _pca_directions(path: Array, final: Array) -> Array | None:
    """The two main directions of the trajectory around the final weights, or None if it has fewer."""
    return _main_directions(path - final)


def _main_directions(moves: Array) -> Array | None:
    """The two leading right singular vectors of the moves (R, P), or None if they span fewer."""
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
    a, b, loss, coords = _plane(arch, x, y, final, directions, [path], [0], n, span, seed, check, workspace)
    return Landscape(a, b, loss, coords[0][0], coords[0][1])


def race_landscape(
    arch: Architecture,
    x: Array,
    y: Array,
    paths: list[Array],
    shaping: list[int],
    n: int,
    span: float,
    method: str,
    seed: int,
    check: Callable[[], None] = no_check,
    workspace: Workspace | None = None,
) -> RaceLandscape:
    """One plane for every run of a race. `paths`: each run's recorded weights (R_r, P), all starting at
    the common initial weights; `shaping`: the runs that choose the plane (the caller leaves out runs that
    diverged, whose far-away weights would stretch the plane until nothing else shows).

    The plane's centre is the mean of the shaping runs' final weights (for one run, its final weights:
    the plane of a single training). "pca": the two main directions of the shaping runs' moves from that
    centre, each run's moves scaled to the same total length so that the run that went farthest does not
    take both directions alone; "random": filter-normalized random directions at the centre. Every run's
    path is projected on that plane, so all paths start at the same point."""
    chosen = [paths[r] for r in shaping]
    centre = chosen[0][-1] if len(chosen) == 1 else np.mean([p[-1] for p in chosen], axis=0)
    directions = None
    if method == "pca":
        moves = [p - centre for p in chosen]
        if len(chosen) > 1:
            moves = [m / max(float(np.linalg.norm(m)), 1e-300) for m in moves]
        directions = _main_directions(np.vstack(moves))
    a, b, loss, coords = _plane(arch, x, y, centre, directions, paths, shaping, n, span, seed, check, workspace)
    for c in coords[1:]:  # every path starts at the same θ₀: one point, one pair of coordinates to the last bit
        c[:, 0] = coords[0][:, 0]
    return RaceLandscape(a, b, loss, [(c[0], c[1]) for c in coords])


def _plane(
    arch: Architecture,
    x: Array,
    y: Array,
    centre: Array,
    directions: Array | None,
    paths: list[Array],
    spanning: list[int],
    n: int,
    span: float,
    seed: int,
    check: Callable[[], None],
    workspace: Workspace | None,
) -> tuple[Array, Array, Array, list[Array]]:
    """The loss on centre + a·d₀ + b·d₁ and each path's coordinates (2, R) on it; the PCA plane's
    extent covers the `spanning` paths."""
    pca = directions is not None  # a path with fewer than two directions falls back to random ones
    if directions is None:
        directions = _random_directions(arch, centre, seed)
    # Coordinates of the recorded weights on the plane (least squares: random directions are not orthogonal).
    solved, *_ = np.linalg.lstsq(directions.T, (np.vstack(paths) - centre).T, rcond=None)  # (2, ΣR)
    coords = np.split(solved, np.cumsum([len(path) for path in paths])[:-1], axis=1)  # (2, R) per path
    # PCA directions are unit vectors in weight space: the plane spans the paths, widened by `span`;
    # filter-normalized directions are already scaled to the network: ±span, as in Li et al.
    reach = max(float(np.max(np.abs(coords[r]))) for r in spanning)
    extent = span * (1.25 * max(reach, 1e-3) if pca else 1.0)
    a = np.linspace(-extent, extent, n)
    b = np.linspace(-extent, extent, n)
    loss = np.empty((n, n))
    workspace = workspace or Workspace(arch)  # n² forward passes over the data: their arrays allocated once
    with np.errstate(all="ignore"):
        for j, bj in enumerate(b):
            check()  # a row of the plane at a time: the caller may stop it
            for i, ai in enumerate(a):
                theta = centre + ai * directions[0] + bj * directions[1]
                loss[j, i] = LOSSES[arch.task].value(predict(arch, theta, x, workspace), y)
    loss[~np.isfinite(loss)] = np.nan
    return a, b, loss, coords
