"""POST /api/train/sweep: the map's shape and orientation, its refusals and limits, each cell equal to
the /api/train request with that cell's configuration, and work that stops when its client leaves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from gdviz.api.models.sweep import MAX_CELL_STEPS, MAX_CELL_WEIGHTS, MAX_CELLS, NOT_IN_A_SWEEP
from gdviz.settings import settings

from ..server import Server, running_server
from .conftest import strict_json
from .test_serving import _busy_after, _cpu_seconds

BASE: dict[str, Any] = {
    "dataset": {"name": "sine", "n": 60, "noise": 0.1, "seed": 3},
    "model": {"hidden": [6, 5], "activation": "relu", "init": "he", "seed": 1},
    "optimizer": {"name": "sgd", "params": {"lr": 0.05, "momentum": 0.5}},
    "steps": 60,
    "record_every": 10,
}


def post(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/train/sweep", json=body)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def refusal(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/train/sweep", json=body)
    assert response.status_code == 422, response.text
    (detail,) = response.json()["detail"]
    return detail


def test_two_axes_answer_rows_of_the_second_and_columns_of_the_first(client):
    axes = [
        {"param": "lr_scale[0]", "range": [0.1, 10], "n": 3, "log": True},
        {"param": "lr", "values": [0.01, 0.02]},
    ]
    answer = post(client, {**BASE, "axes": axes})
    assert answer["axes"][0]["param"] == "lr_scale[0]" and answer["axes"][1] == {"param": "lr", "values": [0.01, 0.02]}
    np.testing.assert_allclose(answer["axes"][0]["values"], [0.1, 1.0, 10.0])
    for key in ("status", "final_loss", "steps_taken"):
        assert np.shape(answer[key]) == (2, 3), key  # [j][i]: axes[1].values[j], axes[0].values[i]
    assert answer["elapsed_ms"] > 0
    # Cell [1][2] is lr 0.02 with layer 0 ten times faster: the training /api/train runs with them.
    alone = client.post(
        "/api/train",
        json={
            **BASE,
            "optimizer": {"name": "sgd", "params": {"lr": 0.02, "momentum": 0.5}},
            "lr_scale": [10.0, 1.0, 1.0],
            "boundary": None,
            "landscape": None,
        },
    ).json()
    assert answer["steps_taken"][1][2] == alone["steps_taken"] and answer["status"][1][2] == alone["status"]
    assert answer["final_loss"][1][2] == pytest.approx(alone["loss"][-1], rel=1e-9)
    assert answer["final_loss"][0][2] != pytest.approx(alone["loss"][-1], rel=1e-6)


def test_one_axis_answers_flat_arrays(client):
    answer = post(client, {**BASE, "axes": [{"param": "lr_scale[2]", "range": [0.5, 2], "n": 4}]})
    np.testing.assert_allclose(answer["axes"][0]["values"], [0.5, 1.0, 1.5, 2.0])
    assert [len(answer[k]) for k in ("status", "final_loss", "steps_taken")] == [4, 4, 4]
    assert all(isinstance(v, float) for v in answer["final_loss"])


def training(body: dict[str, Any], lr: float, lr_scale: list[float]) -> dict[str, Any]:
    optimizer = {**body["optimizer"], "params": {**body["optimizer"]["params"], "lr": lr}}
    single = {key: value for key, value in body.items() if key != "axes"}
    return {**single, "optimizer": optimizer, "lr_scale": lr_scale, "boundary": None, "landscape": None}


MINI_BATCHES = {"batch_size": 16, "dropout": 0.2, "l2": 1e-3, "test_fraction": 0.2, "record_every": 7}


@pytest.mark.parametrize(
    ("extra", "diverging"),
    [
        ({}, True),
        ({**MINI_BATCHES, "schedule": {"name": "cosine"}}, True),
        # Clipped updates stay small: no cell diverges in 60 steps.
        ({**MINI_BATCHES, "clip": {"max_norm": 5.0}, "schedule": {"name": "warmup_cosine"}}, False),
    ],
    ids=["full-batch", "mini-batch-dropout-l2-schedule-split", "with-clipping"],
)
def test_sampled_cells_equal_their_training_diverged_or_not(client, extra, diverging):
    body = {
        **BASE,
        **extra,
        "lr_scale": [1.0, 2.0, 1.0],
        "axes": [
            {"param": "lr", "range": [1e-3, 20], "n": 8, "log": True},
            {"param": "lr_scale[1]", "values": [0.25, 1.0, 4.0]},
        ],
    }
    answer = post(client, body)
    statuses = np.array(answer["status"])
    assert (statuses == "diverged").any() == diverging and (statuses == "max_steps").any()
    lrs, factors = answer["axes"][0]["values"], answer["axes"][1]["values"]
    rng = np.random.default_rng(0)
    sampled = [(j, i) for j in range(3) for i in range(8) if statuses[j][i] == "diverged"][:3]
    sampled += [(int(rng.integers(3)), int(rng.integers(8))) for _ in range(4)]
    for j, i in sampled:
        alone = client.post("/api/train", json=training(body, lrs[i], [1.0, factors[j], 1.0]))
        assert alone.status_code == 200, alone.text
        expected = alone.json()
        assert (answer["status"][j][i], answer["steps_taken"][j][i]) == (expected["status"], expected["steps_taken"])
        assert answer["final_loss"][j][i] == pytest.approx(expected["loss"][-1], rel=1e-9)


@pytest.mark.parametrize("field", NOT_IN_A_SWEEP)
def test_what_a_map_does_not_answer_is_refused_naming_the_field(client, field):
    value = {"boundary": {"n": 10}, "landscape": None, "optimizers": [{"name": "adam"}]}.get(field, True)
    detail = refusal(client, {**BASE, field: value, "axes": [{"param": "lr", "values": [0.1]}]})
    assert detail["loc"] == ["body", field] and "not part of a sweep" in detail["msg"]


@pytest.mark.parametrize(
    ("axes", "loc", "words"),
    [
        ([{"param": "lr_scale[3]", "values": [1]}], ["body", "axes", 0, "param"], "lr_scale[0] … lr_scale[2]"),
        ([{"param": "momentum", "values": [1]}], ["body", "axes", 0, "param"], "pattern"),
        ([{"param": "lr", "values": [0]}], ["body", "axes", 0, "values", 0], "greater than 0"),
        ([{"param": "lr", "range": [0.1, 2e3], "n": 3}], ["body", "axes", 0, "range", 1], "less than or equal"),
        ([{"param": "lr", "range": [0.1, 1]}], ["body", "axes"], "needs `values`, or `range` with `n`"),
        ([{"param": "lr", "values": [1], "range": [0.1, 1], "n": 2}], ["body", "axes"], "not both"),
        ([{"param": "lr", "values": [1]}, {"param": "lr", "values": [2]}], ["body", "axes"], "different params"),
        ([], ["body", "axes"], "at least 1"),
        ([{"param": "lr", "values": [1]}] * 3, ["body", "axes"], "at most 2"),
    ],
)
def test_bad_axes_are_refused_naming_the_field(client, axes, loc, words):
    detail = refusal(client, {**BASE, "axes": axes})
    assert detail["loc"] == loc and words in detail["msg"], detail


def test_more_cells_than_a_map_may_have_is_refused_with_the_amount_and_the_limit(client):
    started = time.perf_counter()
    axes = [{"param": "lr", "range": [0.01, 1], "n": 200}, {"param": "lr_scale[0]", "range": [0.1, 1], "n": 100}]
    detail = refusal(client, {**BASE, "axes": axes})
    assert time.perf_counter() - started < 1.0
    assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "axes"]
    assert detail["ctx"] == {"estimate": 20_000, "limit": MAX_CELLS}
    assert "20000 cells" in detail["msg"] and str(MAX_CELLS) in detail["msg"]


def test_more_cell_steps_than_a_map_may_have_is_refused_with_the_amount_and_the_limit(client):
    axes = [{"param": "lr", "range": [0.01, 1], "n": 100}, {"param": "lr_scale[0]", "range": [0.1, 1], "n": 50}]
    detail = refusal(client, {**BASE, "steps": 1000, "axes": axes})
    assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "steps"]
    assert detail["ctx"] == {"estimate": 5_000_000, "limit": MAX_CELL_STEPS}
    assert "5000000" in detail["msg"] and str(MAX_CELL_STEPS) in detail["msg"]


def test_a_map_of_more_weights_than_memory_allows_is_refused(client):
    # 4 layers of 64 on 4 points cost little time a step, but 4 096 copies hold 51 M weights.
    body = {
        "dataset": {"name": "moons", "n": 4},
        "model": {"hidden": [64, 64, 64, 64]},
        "steps": 1,
        "axes": [{"param": "lr", "range": [1e-3, 1], "n": 64}, {"param": "lr_scale[0]", "range": [0.1, 1], "n": 64}],
    }
    detail = refusal(client, body)
    assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "axes"]
    assert detail["ctx"] == {"estimate": 4096 * 12_737, "limit": MAX_CELL_WEIGHTS}
    assert "12737 weights" in detail["msg"] and str(MAX_CELL_WEIGHTS) in detail["msg"]


def test_a_map_over_the_budget_is_refused_before_any_work(client):
    body = {
        "dataset": {"name": "spiral", "n": 2000},
        "model": {"hidden": [64, 64, 64, 64]},
        "steps": 400,
        "axes": [{"param": "lr", "range": [1e-3, 1], "n": 100, "log": True}],
    }
    started = time.perf_counter()
    detail = refusal(client, body)
    assert time.perf_counter() - started < 1.0
    assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "steps"]
    assert detail["ctx"]["limit"] == settings.max_work_seconds < detail["ctx"]["estimate"]
    assert f"the limit is {settings.max_work_seconds:g} s" in detail["msg"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("sweep")) as running:
        yield running


def test_a_map_stops_its_work_when_the_client_leaves(server):
    # 64 × 64 networks of 200 steps: about 15 s of work, well inside the budget.
    body = {
        "dataset": {"name": "sine", "n": 200},
        "model": {"hidden": [8], "activation": "tanh"},
        "optimizer": {"name": "sgd", "params": {"lr": 0.1}},
        "steps": 200,
        "axes": [
            {"param": "lr_scale[0]", "range": [0.01, 100], "n": 64, "log": True},
            {"param": "lr_scale[1]", "range": [0.01, 100], "n": 64, "log": True},
        ],
    }
    with httpx.Client(base_url=server.base) as client:
        assert client.post("/api/train/sweep", json={**body, "steps": 2}).status_code == 200  # warm
        start = _cpu_seconds(server.process.pid)
        with pytest.raises(httpx.ReadTimeout):
            client.post("/api/train/sweep", json=body, timeout=httpx.Timeout(5.0, read=2.0))
    assert _cpu_seconds(server.process.pid) - start > 0.5, "the map did start computing"
    assert _busy_after(server, leave=1.0) < 0.15
