"""Mini-batches on a data-defined surface: which points update k uses (README, "Mini-batches").

Without replacement the batches are, epoch after epoch, `rng.permutation(n)` cut into
consecutive slices of `size` (the last slice of an epoch may be shorter); with replacement
batch k is `rng.integers(0, n, size)`. One `default_rng(seed)` is drawn from in that order,
so every run that asks for the same (size, seed, replace) sees the same batches, and a torch
loop drawing the same way sees them too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .symbolic import Compiled

Array = np.ndarray


class BatchSpec(NamedTuple):
    size: int
    seed: int = 0
    replace: bool = False


class Sampler:
    """The batches of one spec, drawn in order as a run asks for them."""

    def __init__(self, n: int, spec: BatchSpec) -> None:
        self.n, self.spec = n, spec
        self.rng = np.random.default_rng(spec.seed)
        self.epoch: list[Array] = []  # the slices of the current epoch not handed out yet

    def take(self, count: int) -> list[Array]:
        """The next `count` batches (arrays of point indices)."""
        size, n = self.spec.size, self.n
        if self.spec.replace:
            integers = self.rng.integers
            return [integers(0, n, size) for _ in range(count)]
        out: list[Array] = []
        while len(out) < count:
            if not self.epoch:
                perm = self.rng.permutation(n)
                self.epoch = [perm[i : i + size] for i in range(0, n, size)][::-1]  # popped from the end
            out.append(self.epoch.pop())
        return out


class MiniBatches(NamedTuple):
    """What a run on mini-batches needs: how to draw them, and the mean loss on a set of points."""

    spec: BatchSpec
    n: int
    loss_on: Callable[[Array], Compiled]

    def sampler(self) -> Sampler:
        return Sampler(self.n, self.spec)
