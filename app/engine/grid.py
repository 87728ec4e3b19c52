"""Values of a surface on a regular grid, for contour and 3D plots."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .surfaces import Range, Surface


class Grid(NamedTuple):
    x: np.ndarray  # (n,)
    y: np.ndarray  # (n,)
    z: np.ndarray  # (n, n), z[j, i] = f(x[i], y[j]); NaN where f is not finite


def evaluate_grid(surface: Surface, x_range: Range, y_range: Range, n: int) -> Grid:
    x = np.linspace(x_range[0], x_range[1], n)
    y = np.linspace(y_range[0], y_range[1], n)
    with np.errstate(all="ignore"):
        z = np.broadcast_to(surface.functions.value(x[None, :], y[:, None]), (n, n)).astype(np.float64)
    z[~np.isfinite(z)] = np.nan
    return Grid(x, y, z)
