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


class DatasetDef(NamedTuple):
    """A dataset of the registry: its task, its maker, and the words the catalog shows for it."""

    task: str  # "classification" | "regression"
    make: Maker
    title: str
    description: str


DATASETS: dict[str, DatasetDef] = {
    "moons": DatasetDef(
        "classification",
        _moons,
        "Two moons",
        "Two interleaved half circles: only a curved boundary separates them.",
    ),
    "circles": DatasetDef(
        "classification",
        _circles,
        "Circles",
        "A small ring inside a larger one: no straight line separates them.",
    ),
    "xor": DatasetDef(
        "classification",
        _xor,
        "XOR",
        "The class is the sign of x₁·x₂: opposite quadrants share a class, so no straight line separates them.",
    ),
    "spiral": DatasetDef(
        "classification",
        _spiral,
        "Spiral",
        "Two interleaved spirals, as in TensorFlow Playground: the hardest of the five to separate.",
    ),
    "gaussians": DatasetDef(
        "classification",
        _gaussians,
        "Two Gaussians",
        "Two Gaussian clouds around (−1, −1) and (1, 1); more noise widens them until they overlap.",
    ),
    "linear": DatasetDef(
        "regression",
        _linear,
        "Linear",
        "Regression on y = 0.8·x₁ − 0.5·x₂ + 0.2 plus noise: a network with no hidden layer can fit it.",
    ),
    "sine": DatasetDef(
        "regression",
        _sine,
        "Sine",
        "Regression on y = sin x₁ plus noise (x₂ plays no part): a curve the network has to bend to fit.",
    ),
}


def make_dataset(name: str, n: int, noise: float, seed: int) -> Dataset:
    spec = DATASETS[name]
    x, y = spec.make(n, noise, np.random.default_rng(seed))
    return Dataset(np.ascontiguousarray(x, dtype=np.float64), y.astype(np.float64), spec.task)
