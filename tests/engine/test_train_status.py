"""The status of a training (engine side): a diverging training stops at its first bad step and its
records end with the last good one, whether or not that step falls on the record grid."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.nn.datasets import make_dataset
from gdviz.engine.nn.network import Architecture, initialize, loss_and_grad
from gdviz.engine.nn.train import MAX_PARAMETER, Record, TrainSpec, train

DATA = make_dataset("linear", 50, 0.1, 0)
# No hidden layer: a quadratic loss, on which SGD beyond 2/λ_max grows geometrically and passes 1e8
# long before float64 overflows; with two hidden layers the loss grows like θ⁶ and blows up in a few steps.
SLOW = (Architecture((2, 1), "linear", "regression"), 1.0, 1.25)
FAST = (Architecture((2, 8, 8, 1), "linear", "regression"), 0.8, 0.2)


def spec(case, steps: int, record_every: int, lr: float | None = None) -> TrainSpec:
    arch, scale, diverging = case
    return TrainSpec(
        arch, initialize(arch, "normal", 0, scale), "sgd", {"lr": lr or diverging}, steps, None,
        record_every=record_every, boundary_n=None, landscape=None,
    )  # fmt: skip


def run(s: TrainSpec) -> tuple[list[Record], str]:
    items = list(train(s, DATA))
    return [r for r in items if isinstance(r, Record)], items[-1]


def good(arch: Architecture, theta: np.ndarray) -> bool:
    """The rule, written out: finite weights within ±1e8, a finite loss and a finite gradient."""
    if not (np.all(np.isfinite(theta)) and np.max(np.abs(theta)) <= MAX_PARAMETER):
        return False
    with np.errstate(all="ignore"):
        loss, _, grad, _ = loss_and_grad(arch, theta, DATA.x, DATA.y)
    return bool(np.isfinite(loss) and np.all(np.isfinite(grad)))


@pytest.mark.parametrize("case", [SLOW, FAST], ids=["slow", "fast"])
@pytest.mark.parametrize("record_every", [1, 7, 1000])
def test_records_end_at_the_last_good_step(case, record_every: int) -> None:
    arch, _, lr = case
    records, status = run(spec(case, 1000, record_every))
    assert status == "diverged"
    last = records[-1]
    assert 0 < last.step < 1000
    assert [r.step for r in records[:-1]] == list(range(0, last.step, record_every))
    assert good(arch, last.theta)
    # The next update, by hand (full-batch SGD: θ − lr·∇L), is the first bad point.
    _, _, grad, _ = loss_and_grad(arch, last.theta, DATA.x, DATA.y)
    with np.errstate(all="ignore"):
        assert not good(arch, last.theta - lr * grad)


def test_the_last_good_step_does_not_depend_on_the_records() -> None:
    every = [run(spec(SLOW, 1000, k))[0][-1] for k in (1, 7, 1000)]
    assert every[0].step == 43  # not on the grid of 7: the records end off it
    for r in every[1:]:
        assert r.step == every[0].step and r.loss == every[0].loss
        np.testing.assert_array_equal(r.theta, every[0].theta)


def test_weights_beyond_the_bound_diverge_before_they_overflow() -> None:
    records, status = run(spec(SLOW, 1000, 1))
    assert status == "diverged"
    assert 1e7 < np.max(np.abs(records[-1].theta)) <= MAX_PARAMETER  # on its way up, stopped by the bound
    assert all(np.isfinite(r.loss) for r in records)


def test_a_training_that_descends_takes_every_step() -> None:
    records, status = run(spec(SLOW, 40, 15, lr=0.1))
    assert status == "max_steps" and [r.step for r in records] == [0, 15, 30, 40]
