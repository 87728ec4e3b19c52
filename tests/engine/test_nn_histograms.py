"""Activation histograms of each record against numpy.histogram of torch's activations (float64).

torch computes every hidden layer's f(z) over the training points at the record's weights (no
dropout); numpy.histogram bins them on the activation's fixed edges, values beyond clipped into the
outer bins as ours are.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine.nn.datasets import make_dataset  # noqa: E402
from gdviz.engine.nn.histograms import EDGES, histogram  # noqa: E402
from gdviz.engine.nn.network import Architecture, initialize, unflatten  # noqa: E402
from gdviz.engine.nn.split import split  # noqa: E402
from gdviz.engine.nn.train import Record, TrainSpec, train  # noqa: E402
from tests.torch_reference import TORCH_ACTIVATIONS  # noqa: E402


def torch_activations(arch: Architecture, theta: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
    a = torch.tensor(x)
    out = []
    for layer in unflatten(arch, theta)[:-1]:
        a = TORCH_ACTIVATIONS[arch.activation](a @ torch.tensor(layer.W) + torch.tensor(layer.b))
        out.append(a.numpy())
    return out


@pytest.mark.parametrize(
    ("activation", "init", "scale"),
    [("tanh", "normal", 2.0), ("sigmoid", "xavier", 1.0), ("relu", "normal", 1.5), ("leaky_relu", "he", 1.0),
     ("linear", "normal", 1.2)],
)  # fmt: skip
def test_each_records_histograms_are_numpys_of_torchs_activations(activation: str, init: str, scale: float) -> None:
    data = make_dataset("spiral", 120, 0.1, 0)
    arch = Architecture((2, 12, 10, 8, 1), activation, "classification")
    theta0 = initialize(arch, init, 2, scale)
    spec = TrainSpec(
        arch, theta0, "adam", {"lr": 0.02}, 40, 32, dropout=0.3, record_every=20, boundary_n=None, landscape=None,
        test_fraction=0.2, split_seed=0, histograms=True,
    )  # fmt: skip
    train_data = split(data, 0.2, 0).train
    got = [r for r in train(spec, data) if isinstance(r, Record)]
    edges = EDGES[activation]
    assert len(got) == 3
    for r in got:
        assert len(r.activations) == 3
        reference = torch_activations(arch, r.theta, train_data.x)
        for counts, a, units in zip(r.activations, reference, (12, 10, 8), strict=True):
            expected, _ = np.histogram(np.clip(a, edges[0], edges[-1]), edges)
            assert counts.tolist() == expected.tolist()
            assert counts.sum() == units * len(train_data.x)
    assert got[0].activations[0].tolist() != got[-1].activations[0].tolist()  # they follow the training


def test_edges_are_fixed_per_activation_and_outer_bins_take_what_lies_beyond() -> None:
    assert [len(EDGES[name]) - 1 for name in ("tanh", "sigmoid", "relu", "leaky_relu", "linear")] == [
        20,
        20,
        20,
        21,
        20,
    ]
    assert (EDGES["tanh"][0], EDGES["tanh"][-1], EDGES["sigmoid"][0], EDGES["sigmoid"][-1]) == (-1, 1, 0, 1)
    counts = histogram(np.array([-7.0, 0.0, 0.19, 0.2, 3.99, 4.0, 100.0, np.nan]), EDGES["relu"])
    assert counts[0] == 3 and counts[1] == 1 and counts[-1] == 3 and counts.sum() == 7


def test_no_histograms_unless_asked() -> None:
    data = make_dataset("moons", 30, 0.1, 0)
    arch = Architecture((2, 4, 1), "tanh", "classification")
    spec = TrainSpec(arch, initialize(arch, "xavier", 0), "sgd", {"lr": 0.1}, 5, None, boundary_n=None, landscape=None)
    assert all(r.activations is None for r in train(spec, data) if isinstance(r, Record))


def test_a_boundary_grid_of_as_many_points_as_the_data_leaves_the_histograms_alone() -> None:
    """The boundary's pass may reuse the buffers of the data's pass (same number of points)."""
    data = make_dataset("moons", 100, 0.1, 0)
    arch = Architecture((2, 6, 6, 1), "tanh", "classification")
    spec = TrainSpec(arch, initialize(arch, "xavier", 0), "sgd", {"lr": 0.5}, 20, None, record_every=10,
                     boundary_n=10, landscape=None, histograms=True)  # fmt: skip
    with_grid = [r.activations for r in train(spec, data) if isinstance(r, Record)]
    without = [r.activations for r in train(spec._replace(boundary_n=None), data) if isinstance(r, Record)]
    assert [[c.tolist() for c in r] for r in with_grid] == [[c.tolist() for c in r] for r in without]
