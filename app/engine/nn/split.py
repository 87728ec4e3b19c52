"""Train and test: a seeded split of a dataset, and the scores of a network on the held-out part.

The test points are the first round(f·n) indices of a permutation drawn from a fresh generator
seeded with the dataset's own seed, so a split depends on the dataset alone: every optimizer,
model and training of the same dataset holds out the same points.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .datasets import Dataset
from .layers import LOSSES
from .network import Architecture, predict

Array = np.ndarray


class Split(NamedTuple):
    train: Dataset  # the rest, in the dataset's order
    test: Dataset | None  # None when the fraction holds out no point
    test_index: Array  # (round(f·n),) indices of the test points in the dataset, ascending


def split(data: Dataset, fraction: float, seed: int) -> Split:
    n = data.x.shape[0]
    count = round(fraction * n)  # Python's round, as written in the README
    if count == 0:
        return Split(data, None, np.zeros(0, dtype=np.int64))
    order = np.random.default_rng(seed).permutation(n)
    held = np.zeros(n, dtype=bool)
    held[order[:count]] = True

    def part(rows: Array) -> Dataset:
        return Dataset(np.ascontiguousarray(data.x[rows]), data.y[rows], data.task)

    return Split(part(~held), part(held), np.flatnonzero(held))


class Scores(NamedTuple):
    loss: float  # full held-out set, no dropout, no penalty
    accuracy: float | None  # classification only


def scores(arch: Architecture, theta: Array, data: Dataset) -> Scores:
    """The data loss and accuracy of the network at θ on `data`, as training records them."""
    with np.errstate(all="ignore"):
        output = predict(arch, theta, data.x)  # (N,)
        loss = LOSSES[arch.task].value(output, data.y)
    accuracy = float(np.mean((output > 0) == (data.y > 0.5))) if arch.task == "classification" else None
    return Scores(loss, accuracy)
