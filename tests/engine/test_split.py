"""Train and test (engine side): which points are held out, and that training never sees them."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nn.datasets import make_dataset
from gdviz.engine.nn.network import Architecture, initialize, predict
from gdviz.engine.nn.split import scores, split
from gdviz.engine.nn.train import Record, TrainSpec, train


@pytest.mark.parametrize(("n", "fraction"), [(200, 0.2), (7, 0.5), (10, 0.25), (30, 0.05), (9, 0.05), (50, 0.0)])
def test_the_held_out_points_are_the_first_of_a_fresh_permutation(n: int, fraction: float) -> None:
    data = make_dataset("moons", n, 0.1, 11)
    parts = split(data, fraction, 11)
    expected = np.sort(np.random.default_rng(11).permutation(n)[: round(fraction * n)])
    np.testing.assert_array_equal(parts.test_index, expected)
    kept = np.setdiff1d(np.arange(n), expected)  # the rest, in the dataset's order
    np.testing.assert_array_equal(parts.train.x, data.x[kept])
    np.testing.assert_array_equal(parts.train.y, data.y[kept])
    if len(expected) == 0:
        assert parts.test is None
    else:
        np.testing.assert_array_equal(parts.test.x, data.x[expected])
        np.testing.assert_array_equal(parts.test.y, data.y[expected])


def test_scores_are_the_loss_and_accuracy_of_the_predictions() -> None:
    data = make_dataset("circles", 40, 0.1, 0)
    arch = Architecture((2, 5, 1), "tanh", "classification")
    theta = initialize(arch, "xavier", 3)
    z = predict(arch, theta, data.x)
    expected = np.mean(np.logaddexp(0, z) - z * data.y)  # BCE with logits, written another way
    result = scores(arch, theta, data)
    assert result.loss == pytest.approx(expected, rel=1e-13)
    assert result.accuracy == np.mean((z > 0) == (data.y == 1))
    regression = Architecture((2, 5, 1), "tanh", "regression")
    sine = make_dataset("sine", 40, 0.1, 0)
    assert scores(regression, initialize(regression, "xavier", 3), sine).accuracy is None


def records(spec: TrainSpec, data) -> list[Record]:
    return [item for item in train(spec, data) if isinstance(item, Record)]


@pytest.mark.parametrize("batch_size", [None, 8])
def test_training_sees_the_training_points_alone(batch_size: int | None) -> None:
    """A training with a test split is, step for step, the training on the training points alone
    (mini-batches and dropout masks included), with the held-out scores recorded beside it."""
    data = make_dataset("moons", 60, 0.2, 5)
    arch = Architecture((2, 6, 1), "relu", "classification")
    spec = TrainSpec(
        arch, initialize(arch, "he", 1), "adam", {"lr": 0.05}, 30, batch_size, dropout=0.2, record_every=5,
        boundary_n=None, landscape=None, seed=1, test_fraction=0.3, split_seed=5,
    )  # fmt: skip
    held = records(spec, data)
    parts = split(data, 0.3, 5)
    alone = records(spec._replace(test_fraction=0.0), parts.train)
    assert [r.step for r in held] == [r.step for r in alone] == [0, 5, 10, 15, 20, 25, 30]
    for with_test, without in zip(held, alone, strict=True):
        np.testing.assert_array_equal(with_test.theta, without.theta)
        assert with_test.loss == without.loss and with_test.accuracy == without.accuracy
        assert without.test_loss is None and without.test_accuracy is None
        expected = scores(arch, with_test.theta, parts.test)
        assert (with_test.test_loss, with_test.test_accuracy) == (expected.loss, expected.accuracy)
