"""The training-cost estimate with sharpness and histograms: what it assumes, checked against the engine."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine import cost
from gdviz.engine.nn.datasets import make_dataset
from gdviz.engine.nn.network import Architecture, initialize
from gdviz.engine.nn.sharpness import Sharpness, adam_preconditioner
from gdviz.engine.nn.train import Record, TrainSpec, train
from gdviz.settings import settings

LARGEST_4 = Architecture((2, 64, 64, 64, 64, 1), "tanh", "classification")
LARGEST_8 = Architecture((2, *[64] * 8, 1), "tanh", "classification")


def test_sharpness_and_histograms_add_to_a_trainings_cost_and_nothing_else_changes() -> None:
    args = (LARGEST_4, 2000, 64, 1000, 101, 2500, 441)
    plain = cost.training_seconds(*args)
    assert cost.training_seconds(*args, eigenproblems=0, histograms=False) == plain
    one, two = cost.training_seconds(*args, eigenproblems=1), cost.training_seconds(*args, eigenproblems=2)
    assert plain < one < two and two - plain == pytest.approx(2 * (one - plain), rel=0.2)
    assert plain < cost.training_seconds(*args, histograms=True) < one


def test_eight_layers_cost_about_twice_four_and_the_largest_full_batch_run_is_over_budget() -> None:
    four = cost.training_seconds(LARGEST_4, 2000, 2000, 20_000, 2001, 2500, 441)
    eight = cost.training_seconds(LARGEST_8, 2000, 2000, 20_000, 2001, 2500, 441)
    assert 1.8 < eight / four < 2.4
    assert eight > settings.max_work_seconds
    # Its sharpness at every record alone would take minutes: the budget refuses it before any work.
    assert 2001 * cost.sharpness_seconds(LARGEST_8, 2000, 2) > 5 * settings.max_work_seconds


@pytest.mark.parametrize(
    ("dataset", "hidden", "activation", "optimizer", "params"),
    [
        ("sine", [16, 16], "tanh", "sgd", {"lr": 0.04}),
        ("moons", [8, 8], "tanh", "adam", {"lr": 0.01}),
        ("spiral", [32, 32, 32], "relu", "sgd", {"lr": 0.1, "momentum": 0.9}),
    ],
)
def test_records_take_no_more_hessian_vector_products_than_the_estimate_counts(
    dataset, hidden, activation, optimizer, params
) -> None:
    data = make_dataset(dataset, 200, 0.1, 0)
    arch = Architecture((2, *hidden, 1), activation, data.task)
    spec = TrainSpec(
        arch, initialize(arch, "xavier", 1), optimizer, params, 600, None, record_every=10, boundary_n=None,
        landscape=None,
    )  # fmt: skip
    # The weights and Adam's state at each record, as the training has them.
    thetas = [r.theta for r in train(spec, data) if isinstance(r, Record)]
    sharpness = Sharpness(arch, data.x, data.y, 0.0, 0)
    problems = 0
    for theta in thetas:
        # Any positive P stands for Adam's: what matters here is that a second eigenproblem is solved.
        pre = adam_preconditioner(None, 0.9, 0.999, 1e-8) if optimizer != "adam" else np.full(arch.size, 0.1)
        sharpness.at(theta, pre)
        problems += 1 + (pre is not None)
    assert sharpness.products / problems <= cost.PRODUCTS_PER_EIGENVALUE / 1.3
