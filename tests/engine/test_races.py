"""Races: several optimizers trained from the same initial weights (engine/nn/train.py `race`).

Each run must be the single training of its optimizer, bit for bit (the batches and dropout masks
come from the model's seed alone), and every run's path lies on one shared landscape plane.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.errors import InvalidInput
from gdviz.engine.nn.datasets import make_dataset
from gdviz.engine.nn.landscape import Landscape, RaceLandscape
from gdviz.engine.nn.layers import LOSSES
from gdviz.engine.nn.network import Architecture, initialize, predict
from gdviz.engine.nn.split import split
from gdviz.engine.nn.train import Record, TrainSpec, race, train

DATA = make_dataset("moons", 60, 0.1, 0)
ARCH = Architecture((2, 6, 5, 1), "tanh", DATA.task)
THETA0 = initialize(ARCH, "xavier", 3)


def spec(optimizer: str, params: dict, **overrides) -> TrainSpec:
    base = TrainSpec(
        arch=ARCH,
        theta0=THETA0,
        optimizer=optimizer,
        params=params,
        steps=30,
        batch_size=None,
        record_every=5,
        boundary_n=6,
        landscape=(7, 1.0, "pca"),
        seed=3,
    )
    return base._replace(**overrides)


def by_run(items: list) -> tuple[list[list[Record]], list[str], RaceLandscape | None]:
    runs: dict[int, list[Record]] = {}
    statuses: dict[int, str] = {}
    scape = None
    for item in items:
        if isinstance(item, RaceLandscape):
            scape = item
        elif isinstance(item[1], Record):
            assert item[0] not in statuses, "no record of a run after its end"
            runs.setdefault(item[0], []).append(item[1])
        else:
            statuses[item[0]] = item[1]
    n = len(statuses)
    return [runs.get(r, []) for r in range(n)], [statuses[r] for r in range(n)], scape


def single(s: TrainSpec) -> tuple[list[Record], str, Landscape | None]:
    items = list(train(s, DATA))
    records = [i for i in items if isinstance(i, Record)]
    scape = next((i for i in items if isinstance(i, Landscape)), None)
    return records, items[-1], scape


def assert_same_records(ours: list[Record], theirs: list[Record]) -> None:
    assert len(ours) == len(theirs) > 0
    for a, b in zip(ours, theirs, strict=True):
        assert (a.step, a.loss, a.accuracy, a.grad_norm, a.weight_norm) == (
            b.step,
            b.loss,
            b.accuracy,
            b.grad_norm,
            b.weight_norm,
        )
        assert (a.test_loss, a.test_accuracy) == (b.test_loss, b.test_accuracy)
        np.testing.assert_array_equal(a.theta, b.theta)
        np.testing.assert_array_equal(a.boundary, b.boundary)


OPTIMIZERS = [
    ("adam", {"lr": 0.03}),
    ("sgd", {"lr": 0.5, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.01}),
    ("adam", {"lr": 0.03}),  # twice: its place in the race changes nothing
]


@pytest.mark.parametrize(
    "extra",
    [{}, {"batch_size": 7, "dropout": 0.3}, {"batch_size": 16, "test_fraction": 0.25, "l2": 0.01}],
    ids=["full-batch", "mini-batch-dropout", "mini-batch-test-split"],
)
def test_every_run_is_the_single_training_bit_for_bit(extra) -> None:
    specs = [spec(name, params, **extra) for name, params in OPTIMIZERS]
    runs, statuses, _ = by_run(list(race(specs, DATA)))
    for s, records, status in zip(specs, runs, statuses, strict=True):
        theirs, their_status, _ = single(s)
        assert status == their_status
        assert_same_records(records, theirs)
    assert_same_records(runs[0], runs[3])
    # Different optimizers took different paths from the same start (or the comparison above is empty).
    assert not np.array_equal(runs[0][-1].theta, runs[1][-1].theta)
    assert all(np.array_equal(r[0].theta, THETA0) for r in runs)


def test_records_come_one_of_each_run_in_turn() -> None:
    items = list(race([spec("sgd", {"lr": 0.1}), spec("adam", {"lr": 0.01})], DATA))
    tags = [item[0] for item in items if not isinstance(item, RaceLandscape) and isinstance(item[1], Record)]
    assert tags == [0, 1] * 7  # steps 0, 5, …, 30
    assert isinstance(items[-1], RaceLandscape)


def test_a_race_of_one_has_the_single_trainings_landscape() -> None:
    for method in ("pca", "random"):
        s = spec("adam", {"lr": 0.03}, landscape=(7, 0.8, method))
        _, _, scape = by_run(list(race([s], DATA)))
        _, _, theirs = single(s)
        np.testing.assert_array_equal(scape.a, theirs.a)
        np.testing.assert_array_equal(scape.loss, theirs.loss)
        np.testing.assert_array_equal(scape.paths[0][0], theirs.path_a)
        np.testing.assert_array_equal(scape.paths[0][1], theirs.path_b)


@pytest.mark.parametrize("method", ["pca", "random"])
def test_one_plane_through_the_mean_of_the_final_weights_holds_every_path(method) -> None:
    s = [spec(name, params, landscape=(9, 1.0, method), test_fraction=0.2) for name, params in OPTIMIZERS[:3]]
    runs, statuses, scape = by_run(list(race(s, DATA)))
    assert statuses == ["max_steps"] * 3
    assert len(scape.paths) == 3
    for (a, b), records in zip(scape.paths, runs, strict=True):
        assert a.shape == b.shape == (len(records),)
        assert (a[0], b[0]) == (scape.paths[0][0][0], scape.paths[0][1][0])  # the common initial weights
    # The plane's centre (a = b = 0 at the middle of an odd grid) is the mean of the final weights:
    # its loss is the network's own there, on the training points.
    centre = np.mean([r[-1].theta for r in runs], axis=0)
    train_points = split(DATA, 0.2, 0).train
    expected = LOSSES[ARCH.task].value(predict(ARCH, centre, train_points.x), train_points.y)
    assert scape.a[4] == scape.b[4] == 0.0
    assert scape.loss[4, 4] == pytest.approx(expected, rel=1e-12)
    if method == "pca":  # the plane spans the paths: every recorded point inside it
        reach = max(np.max(np.abs(np.concatenate(p))) for p in scape.paths)
        assert reach <= scape.a[-1] and scape.a[-1] == pytest.approx(1.25 * reach)
        # PCA directions are orthonormal: the coordinates of the first point are its projection, and
        # the common start sits off the centre.
        assert np.hypot(scape.paths[0][0][0], scape.paths[0][1][0]) > 0


def test_a_diverged_run_does_not_choose_the_plane() -> None:
    good, wild = spec("adam", {"lr": 0.03}), spec("sgd", {"lr": 1e3}, boundary_n=None)
    data = make_dataset("linear", 60, 0.1, 0)  # regression: the loss grows without bound
    arch = Architecture((2, 6, 1), "linear", data.task)
    theta0 = initialize(arch, "xavier", 3)
    good, wild = (s._replace(arch=arch, theta0=theta0) for s in (good, wild))
    runs, statuses, scape = by_run(list(race([good, wild], data)))
    assert statuses == ["max_steps", "diverged"]
    # The plane is the good run's own: centred on its final weights, where its path ends.
    assert (scape.paths[0][0][-1], scape.paths[0][1][-1]) == pytest.approx((0.0, 0.0), abs=1e-9)
    alone = list(race([good], data))[-1]
    np.testing.assert_array_equal(scape.loss, alone.loss)
    # The diverged run is still drawn: its path starts where the good one does and runs off the plane.
    assert scape.paths[1][0][0] == scape.paths[0][0][0]
    assert np.max(np.abs(scape.paths[1][0])) > scape.a[-1]
    assert len(runs[1]) < len(runs[0])


def test_a_refused_optimizer_stops_the_race_before_it_starts_naming_its_entry() -> None:
    specs = [spec("adam", {"lr": 0.03}), spec("newton", {}, field="optimizers[1]")]
    with pytest.raises(InvalidInput) as refused:
        next(race(specs, DATA))
    assert refused.value.field == "optimizers[1].name"


def _model_spec(activation: str, init: str, optimizer: str, params: dict, **overrides) -> TrainSpec:
    arch = ARCH._replace(activation=activation)
    return spec(optimizer, params, arch=arch, theta0=initialize(arch, init, 3), **overrides)


@pytest.mark.parametrize(
    "extra",
    [{}, {"batch_size": 7, "dropout": 0.3, "test_fraction": 0.2}],
    ids=["full-batch", "mini-batch-dropout-test"],
)
def test_runs_of_their_own_activation_and_init_are_their_single_trainings(extra) -> None:
    extra |= {"sharpness": True, "histograms": True, "steps": 10}
    specs = [
        _model_spec("sigmoid", "xavier", "sgd", {"lr": 0.5}, **extra),
        _model_spec("relu", "he", "sgd", {"lr": 0.5}, **extra),
        _model_spec("tanh", "xavier", "adam", {"lr": 0.03}, **extra),
    ]
    runs, statuses, scape = by_run(list(race(specs, DATA)))
    assert scape is None  # three losses or starts: no one plane
    for s, records, status in zip(specs, runs, statuses, strict=True):
        theirs, their_status, their_scape = single(s)
        assert status == their_status and their_scape is not None
        assert_same_records(records, theirs)
        assert records[0].sharpness is not None
        for a, b in zip(records, theirs, strict=True):
            assert (a.sharpness, a.preconditioned_sharpness) == (b.sharpness, b.preconditioned_sharpness)
            assert len(a.activations) == 2
            for ours, their in zip(a.activations, b.activations, strict=True):
                np.testing.assert_array_equal(ours, their)
        np.testing.assert_array_equal(records[0].theta, s.theta0)
    assert not np.array_equal(specs[0].theta0, specs[1].theta0)
    # The same optimizer on two networks went two ways (or the comparison above says little).
    assert runs[0][-1].loss != runs[1][-1].loss


def test_a_race_of_one_network_keeps_its_landscape_and_one_that_differs_in_either_part_has_none() -> None:
    plain = [spec("adam", {"lr": 0.03}), spec("sgd", {"lr": 0.5})]
    *_, scape = by_run(list(race(plain, DATA)))
    # The same activation and initial weights given as copies: the same plane to the last bit.
    copies = [s._replace(arch=Architecture(*ARCH), theta0=THETA0.copy()) for s in plain]
    *_, again = by_run(list(race(copies, DATA)))
    np.testing.assert_array_equal(again.loss, scape.loss)
    for ours, theirs in zip(again.paths, scape.paths, strict=True):
        np.testing.assert_array_equal(ours[0], theirs[0])
    other_activation = [plain[0], plain[1]._replace(arch=ARCH._replace(activation="relu"))]
    other_start = [plain[0], plain[1]._replace(theta0=initialize(ARCH, "he", 3))]
    for specs in (other_activation, other_start):
        _, statuses, none = by_run(list(race(specs, DATA)))
        assert none is None and statuses == ["max_steps", "max_steps"]
