"""Histograms of each hidden layer's activations f(z), on edges fixed per activation.

The same edges at every layer and every record, so that layers and steps compare: a saturating
tanh piles up at ±1, a dying relu at 0, an exploding one in its last bin. Values beyond the edges
count in the outermost bin, so every layer's counts add up to its units × points.

- tanh: 20 bins on [−1, 1]; sigmoid: 20 bins on [0, 1] (their ranges).
- relu: 20 bins on [0, 4]: the first, [0, 0.2), holds the inactive units' zeros; 4 is far out for
  a unit of a well-initialized layer (He init keeps activations of order 1).
- leaky_relu: 21 bins on [−0.2, 4]: relu's and one for the leak (0.01·z ≥ −0.2 for z ≥ −20).
- linear: 20 bins on [−4, 4].
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

EDGES: dict[str, Array] = {
    "tanh": np.linspace(-1.0, 1.0, 21),
    "sigmoid": np.linspace(0.0, 1.0, 21),
    "relu": np.linspace(0.0, 4.0, 21),
    "leaky_relu": np.linspace(-0.2, 4.0, 22),
    "linear": np.linspace(-4.0, 4.0, 21),
}


def histogram(values: Array, edges: Array) -> Array:
    """Counts (bins,) of `values` in the bins [e₀, e₁), …, [e_{k−1}, e_k], the outer bins taking what
    lies beyond; as numpy.histogram of the values clipped to [e₀, e_k]. NaN counts nowhere."""
    bins = len(edges) - 1
    flat = values.ravel()
    flat = flat[~np.isnan(flat)]
    index = np.searchsorted(edges, flat, side="right") - 1  # e_i ≤ v < e_{i+1}: bin i
    np.clip(index, 0, bins - 1, out=index)  # below e₀: the first bin; at or beyond e_k: the last
    return np.bincount(index, minlength=bins)


def layer_histograms(activation: str, activations: list[Array]) -> list[Array]:
    """One histogram per hidden layer of its activations (units, N)."""
    edges = EDGES[activation]
    return [histogram(a, edges) for a in activations]
