"""Toy datasets in 2D, seeded: five classification sets (labels 0/1) and two regression sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Array = np.ndarray


class Dataset(NamedTuple):
    x: Array  # (N, 2)
    y: Array  # (N,) labels 0/1, or targets
    task: str  # "classification" | "regression"


def _moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    outer, inner = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    x = np.concatenate([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                        np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)])])  # fmt: skip
    y = np.concatenate([np.zeros(outer), np.ones(inner)])
    return x + noise * rng.standard_normal(x.shape), y


def _circles(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    outer, inner = n // 2, n - n // 2
    t_out = np.linspace(0, 2 * np.pi, outer, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    x = np.concatenate([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                        0.5 * np.column_stack([np.cos(t_in), np.sin(t_in)])])  # fmt: skip
    y = np.concatenate([np.zeros(outer), np.ones(inner)])
    return x + noise * rng.standard_normal(x.shape), y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    x = rng.uniform(-1, 1, (n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float64)
    return x + noise * rng.standard_normal(x.shape), y


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    # TensorFlow Playground's two interleaved spirals.
    half = n // 2
    points, labels = [], []
    for label, (count, delta) in enumerate(((half, 0.0), (n - half, np.pi))):
        r = np.linspace(0, 1, count, endpoint=False) * 5
        t = 1.75 * np.linspace(0, 1, count, endpoint=False) * 2 * np.pi + delta
        points.append(np.column_stack([r * np.sin(t), r * np.cos(t)]) / 5)
        labels.append(np.full(count, float(label)))
    x = np.concatenate(points)
    return x + noise * rng.standard_normal(x.shape), np.concatenate(labels)


def _gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    half = n // 2
    centers = np.concatenate([np.tile([-1.0, -1.0], (half, 1)), np.tile([1.0, 1.0], (n - half, 1))])
    y = np.concatenate([np.zeros(half), np.ones(n - half)])
    return centers + (0.4 + noise) * rng.standard_normal((n, 2)), y


def _linear(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    x = rng.uniform(-1, 1, (n, 2))
    return x, 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.2 + noise * rng.standard_normal(n)


def _sine(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    x = np.column_stack([rng.uniform(-3, 3, n), rng.uniform(-1, 1, n)])
    return x, np.sin(x[:, 0]) + noise * rng.standard_normal(n)


Maker = Callable[[int, float, np.random.Generator], tuple[Array, Array]]
DATASETS: dict[str, tuple[str, Maker]] = {
    "moons": ("classification", _moons),
    "circles": ("classification", _circles),
    "xor": ("classification", _xor),
    "spiral": ("classification", _spiral),
    "gaussians": ("classification", _gaussians),
    "linear": ("regression", _linear),
    "sine": ("regression", _sine),
}


def make_dataset(name: str, n: int, noise: float, seed: int) -> Dataset:
    task, maker = DATASETS[name]
    x, y = maker(n, noise, np.random.default_rng(seed))
    return Dataset(np.ascontiguousarray(x, dtype=np.float64), y.astype(np.float64), task)
