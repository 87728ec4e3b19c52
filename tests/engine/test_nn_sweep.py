"""Trainability maps, engine side: a batch of networks through the same functions as one network, and
every cell of a sweep equal to the training train() runs alone with that cell's rates (README,
"Trainability maps")."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gdviz.engine.errors import Cancelled, InvalidInput
from gdviz.engine.nn import sweep as sweep_module
from gdviz.engine.nn.datasets import make_dataset
from gdviz.engine.nn.layers import LOSSES
from gdviz.engine.nn.network import (
    Architecture,
    Workspace,
    dropout_masks,
    forward,
    gradients,
    initialize,
    predict,
    unflatten,
)
from gdviz.engine.nn.sweep import Axis, axis, cell_rates, sweep
from gdviz.engine.nn.train import Record, TrainSpec, train

ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"]


def networks(arch: Architecture, count: int, seed: int = 0) -> np.ndarray:
    """(C, P): different weights per network, biases too."""
    rng = np.random.default_rng(seed)
    return initialize(arch, "normal", seed, 0.8)[None, :] + 0.3 * rng.standard_normal((count, arch.size))


# --- 1. one implementation for one network and for a batch ----------------------------------------


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_batch_of_networks_passes_as_each_network_alone(activation: str, task: str) -> None:
    data = make_dataset("moons" if task == "classification" else "sine", 30, 0.1, 1)
    arch = Architecture((2, 5, 4, 3, 1), activation, task)
    theta = networks(arch, 7)
    masks = dropout_masks(arch, np.random.default_rng(4), 30, 0.3)
    for workspace in (None, Workspace(arch, 8)):  # a workspace holds up to 8: a pass of 7 uses the first 7
        cache, grad = gradients(arch, unflatten(arch, theta), data.x, data.y, 0.2, workspace=workspace, masks=masks)
        loss = LOSSES[task].value(cache.output, data.y)
        assert grad.shape == theta.shape and cache.output.shape == (7, 30) and loss.shape == (7,)
        for c in range(7):
            one, one_grad = gradients(arch, unflatten(arch, theta[c]), data.x, data.y, 0.2, masks=masks)
            np.testing.assert_allclose(grad[c], one_grad, rtol=1e-13, atol=1e-300)
            np.testing.assert_allclose(cache.output[c], one.output, rtol=1e-13, atol=1e-300)
            assert loss[c] == pytest.approx(LOSSES[task].value(one.output, data.y), rel=1e-13)
        outputs = predict(arch, theta, data.x, workspace)
        np.testing.assert_allclose(outputs[3], predict(arch, theta[3], data.x), rtol=1e-13)


def test_given_masks_are_the_ones_a_pass_draws_and_every_network_gets_them() -> None:
    data = make_dataset("moons", 25, 0.1, 0)
    arch = Architecture((2, 6, 4, 1), "tanh", data.task)
    theta = networks(arch, 3)
    drawn = forward(arch, unflatten(arch, theta[0]), data.x, 0.4, np.random.default_rng(9))
    given = dropout_masks(arch, np.random.default_rng(9), 25, 0.4)
    for mask, again in zip(drawn.masks, given, strict=True):
        np.testing.assert_array_equal(mask, again)
    assert any(np.any(mask == 0) for mask in given)
    batch = forward(arch, unflatten(arch, theta), data.x, masks=given)
    np.testing.assert_array_equal(batch.output[0], drawn.output)


def test_unflatten_of_a_batch_gives_views_of_its_rows() -> None:
    arch = Architecture((2, 3, 1), "tanh", "classification")
    theta = networks(arch, 4)
    layers = unflatten(arch, theta)
    assert [layer.Wb.shape for layer in layers] == [(4, 3, 3), (4, 4, 1)]
    layers[1].b[2] = 7.0
    assert theta[2, -1] == 7.0 and np.shares_memory(layers[0].Wb, theta)


# --- 2. a sweep is many trainings ------------------------------------------------------------------


def single(spec: TrainSpec, data: Any) -> tuple[str, int, float | None]:
    """(status, steps_taken, last record's loss) of train() alone, as /api/train answers them."""
    items = list(train(spec, data))
    records = [item for item in items if isinstance(item, Record)]
    return items[-1], records[-1].step if records else 0, records[-1].loss if records else None


def assert_cells_are_trainings(spec: TrainSpec, data: Any, lr: np.ndarray, lr_scale: np.ndarray) -> Any:
    cells = sweep(spec, lr, lr_scale, data)
    for c in range(len(lr)):
        alone = spec._replace(params={**spec.params, "lr": float(lr[c])}, lr_scale=tuple(map(float, lr_scale[c])))
        status, steps_taken, loss = single(alone, data)
        assert (cells.status[c], cells.steps_taken[c]) == (status, steps_taken), f"cell {c}"
        if loss is not None:
            assert cells.final_loss[c] == pytest.approx(loss, rel=1e-9), f"cell {c}"
    return cells


def setup(activation: str, task: str, hidden: tuple[int, ...] = (6, 5), n: int = 60) -> tuple[Any, TrainSpec]:
    data = make_dataset("moons" if task == "classification" else "sine", n, 0.15, 2)
    arch = Architecture((2, *hidden, 1), activation, data.task)
    spec = TrainSpec(
        arch, initialize(arch, "he", 3), "sgd", {"lr": 0.1}, 70, None, record_every=10, boundary_n=None, landscape=None
    )
    return data, spec


def random_rates(count: int, layers: int, lo: float, hi: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.geomspace(lo, hi, count), np.exp(rng.uniform(-1.5, 1.5, (count, layers)))


def test_every_cell_of_a_full_batch_map_is_its_training_diverged_or_not() -> None:
    data, spec = setup("relu", "regression")
    lr, lr_scale = random_rates(30, 3, 1e-3, 3.0)
    cells = assert_cells_are_trainings(spec, data, lr, lr_scale)
    diverged = cells.status == "diverged"
    assert 3 <= diverged.sum() <= 27, "the case has both kinds of cells"
    assert set(cells.steps_taken[diverged]) - {0, 10, 20, 30, 40, 50, 60, 70}, "some end between two records"


def test_every_cell_with_mini_batches_dropout_l2_clipping_a_schedule_and_a_test_split() -> None:
    data, spec = setup("tanh", "classification")
    spec = spec._replace(
        params={"lr": 0.1, "momentum": 0.9},
        batch_size=16,
        dropout=0.25,
        l2=1e-3,
        max_norm=2.0,
        schedule=("cosine", {"eta_min": 0.001}),
        test_fraction=0.2,
        split_seed=2,
        record_every=7,
        seed=5,
    )
    lr, lr_scale = random_rates(24, 3, 1e-2, 20.0, seed=1)
    cells = assert_cells_are_trainings(spec, data, lr, lr_scale)
    assert len(set(np.round(cells.final_loss, 6))) > 20, "the cells trained differently"


@pytest.mark.parametrize(
    ("optimizer", "params"),
    [("adam", {}), ("adamw", {"weight_decay": 0.1}), ("rmsprop", {"momentum": 0.5}), ("adagrad", {"lr_decay": 0.01})],
)
def test_adaptive_optimizers_with_value_clipping_and_a_step_schedule_on_mini_batches(
    optimizer: str, params: dict
) -> None:
    data, spec = setup("leaky_relu", "regression", hidden=(5,))
    spec = spec._replace(
        optimizer=optimizer, params={"lr": 0.01, **params}, batch_size=12, clip_value=0.5, schedule=("step", {})
    )
    lr, lr_scale = random_rates(20, 2, 1e-3, 50.0, seed=2)
    assert_cells_are_trainings(spec, data, lr, lr_scale)


def test_sgd_with_dropout_on_the_full_batch_diverges_as_alone() -> None:
    data, spec = setup("linear", "regression")
    spec = spec._replace(dropout=0.2, record_every=3, schedule=("warmup_cosine", {}))
    lr, lr_scale = random_rates(24, 3, 1e-3, 1.0, seed=3)
    cells = assert_cells_are_trainings(spec, data, lr, lr_scale)
    assert 0 < np.sum(cells.status == "diverged") < 24


def test_a_cell_whose_record_is_not_finite_ends_at_its_previous_record() -> None:
    # With l2 this large, ‖∂/∂W‖² overflows once a weight passes about 10: the record there is not
    # finite, and train() ends at the record before it, whatever happened in between.
    data, spec = setup("tanh", "classification", hidden=(5, 4), n=50)
    spec = spec._replace(params={"lr": 0.1, "momentum": 0.9}, l2=3e152, clip_value=1.0, record_every=5, steps=60)
    lr = np.geomspace(0.05, 20, 30)
    cells = assert_cells_are_trainings(spec, data, lr, np.ones((30, 3)))
    ended = cells.status == "diverged"
    assert ended.any() and (~ended).any() and np.all(cells.steps_taken[ended] % 5 == 0)


def test_a_gradient_that_is_not_finite_ends_a_cell_as_it_ends_a_training(monkeypatch: pytest.MonkeyPatch) -> None:
    # Within ±1e8 a network's gradient is finite; here it is made NaN wherever a weight passes its
    # largest start by 0.5 (in the single training and in the sweep alike, step and record), so that
    # cells stop at θₖ₋₁ between two records.
    from gdviz.engine.nn import train as train_module

    data, spec = setup("tanh", "classification")
    limit = np.abs(spec.theta0).max() + 0.5

    def failing(arch: Architecture, layers: list, *args: Any, **kwargs: Any) -> Any:
        cache, grad = gradients(arch, layers, *args, **kwargs)
        big = np.any([np.abs(layer.Wb).max(axis=(-2, -1)) > limit for layer in layers], axis=0)
        grad[big] = np.nan  # one network: all of it; a batch: its rows
        return cache, grad

    monkeypatch.setattr(train_module, "gradients", failing)
    monkeypatch.setattr(sweep_module, "gradients", failing)
    spec = spec._replace(batch_size=20, record_every=6)
    cells = assert_cells_are_trainings(spec, data, np.geomspace(0.01, 3, 24), np.ones((24, 3)))
    ended = cells.status == "diverged"
    assert ended.any() and (~ended).any() and np.any(cells.steps_taken[ended] % 6 != 0)


def test_cells_that_diverged_leave_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    data, spec = setup("relu", "regression")
    passed: list[int] = []
    original = sweep_module.gradients

    def counting(arch: Architecture, layers: list, *args: Any, **kwargs: Any) -> Any:
        passed.append(layers[0].Wb.shape[0])
        return original(arch, layers, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "gradients", counting)
    cells = sweep(spec, np.geomspace(1e-3, 10, 40), np.ones((40, 3)), data)
    diverged = int(np.sum(cells.status == "diverged"))
    assert diverged >= 10
    # Each step passes every cell still training (one group here): the batch shrinks as cells diverge.
    assert passed[0] == 40 and min(passed) <= 40 - diverged < 40 and sum(passed) < 40 * spec.steps


def test_the_check_runs_during_the_sweep_and_can_stop_it() -> None:
    data, spec = setup("tanh", "classification")
    calls = []

    def check() -> None:
        calls.append(1)
        if len(calls) > 5:
            raise Cancelled

    with pytest.raises(Cancelled):
        sweep(spec, np.full(8, 0.1), np.ones((8, 3)), data, check)
    assert len(calls) == 6


def test_a_newton_sweep_is_refused() -> None:
    data, spec = setup("tanh", "classification")
    with pytest.raises(InvalidInput) as refused:
        sweep(spec._replace(optimizer="newton", params={}), np.ones(2), np.ones((2, 3)), data)
    assert refused.value.field == "optimizer.name"


# --- 3. axes -------------------------------------------------------------------------------------------


def test_two_axes_make_cells_row_by_row_of_the_second() -> None:
    first = axis("lr_scale[1]", None, (0.1, 10.0), 3, True)
    second = axis("lr", [0.5, 2.0], None, None, False)
    np.testing.assert_allclose(first.values, [0.1, 1.0, 10.0])
    lr, lr_scale = cell_rates([first, second], 0.3, (1.0, 4.0, 1.0))
    # Cell j·3 + i: axes[0].values[i], axes[1].values[j]; lr_scale[0] and [2] stay as given.
    np.testing.assert_allclose(lr, [0.5, 0.5, 0.5, 2.0, 2.0, 2.0])
    np.testing.assert_allclose(lr_scale[:, 1], [0.1, 1.0, 10.0] * 2)
    assert np.all(lr_scale[:, [0, 2]] == [1.0, 1.0])
    single_axis = cell_rates([axis("lr_scale[0]", None, (1.0, 3.0), 3, False)], 0.3, (1.0, 4.0, 1.0))
    np.testing.assert_allclose(single_axis[0], [0.3] * 3)
    np.testing.assert_allclose(single_axis[1], [[1.0, 4.0, 1.0], [2.0, 4.0, 1.0], [3.0, 4.0, 1.0]])


def test_an_axis_on_a_layer_the_network_lacks_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as refused:
        cell_rates([Axis("lr", np.ones(2)), Axis("lr_scale[3]", np.ones(2))], 0.1, (1.0, 1.0, 1.0))
    assert refused.value.field == "axes[1].param" and "lr_scale[2]" in refused.value.message
