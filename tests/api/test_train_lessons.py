"""POST /api/train's fields for the network lessons: `lr_scale`, deeper networks, `sharpness`, `histograms`.

The numbers themselves are checked against torch in tests/engine/test_nn_*.py; here: the request fields,
their refusals (422 naming the field), races carrying them per run, and the stream agreeing with /api/train.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from .conftest import ndjson
from .test_train import body, train


def race_of(request: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k != "optimizer"} | {"optimizers": entries}


def refused(client, request: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/api/train", json=request)
    assert response.status_code == 422, response.text
    return response.json()["detail"]


def streamed(client, request: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/api/train/stream", json=request)
    assert response.status_code == 200, response.text
    return ndjson(response.text)


# --- lr_scale ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scale",
    [[1.0, 2.0], [1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, -1.0, 1.0], [1.0, 1001.0, 1.0], [1.0, True, 1.0]],
)
def test_lr_scale_needs_one_factor_in_range_per_layer(client, scale) -> None:
    detail = refused(client, body(lr_scale=scale))
    assert detail[0]["loc"][:2] == ["body", "lr_scale"], detail
    assert detail[0]["msg"].startswith("lr_scale")


def test_lr_scale_changes_the_training_and_ones_change_nothing(client) -> None:
    plain = train(client, body())
    ones = train(client, body(lr_scale=[1, 1, 1]))
    assert ones["loss"] == plain["loss"]
    slow_output = train(client, body(lr_scale=[1, 1, 1e-3]))
    assert slow_output["loss"] != plain["loss"]


def test_a_race_uses_lr_scale_in_every_run(client) -> None:
    entries = [{"name": "adam", "params": {"lr": 0.02}}, {"name": "sgd", "params": {"lr": 0.3, "momentum": 0.5}}]
    request = body(lr_scale=[2.0, 0.5, 0.1], landscape=None)
    answer = train(client, race_of(request, entries))
    for run, entry in zip(answer["runs"], entries, strict=True):
        alone = train(client, request | {"optimizer": entry})
        assert run["loss"] == alone["loss"]


# --- deeper networks -----------------------------------------------------------------------------


def test_eight_layers_train_and_the_largest_full_batch_run_is_refused_for_its_work(client) -> None:
    answer = train(client, body(model={"hidden": [5] * 8, "activation": "relu", "init": "he"}, steps=4))
    assert len(answer["grad_norm"]) == 9 and answer["status"] == "max_steps"
    largest = {"dataset": {"name": "spiral", "n": 2000}, "model": {"hidden": [64] * 8}, "steps": 20000}
    detail = refused(client, largest)[0]
    assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "steps"]
    assert detail["ctx"]["estimate"] > detail["ctx"]["limit"]
    assert refused(client, body(model={"hidden": [64] * 9}))[0]["loc"] == ["body", "model", "hidden"]


# --- sharpness and histograms ----------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [("sharpness", 1), ("sharpness", "true"), ("histograms", None)])
def test_sharpness_and_histograms_are_booleans(client, field, value) -> None:
    detail = refused(client, body(**{field: value}))
    assert detail[0]["loc"] == ["body", field] and detail[0]["msg"].startswith(field)


def test_without_asking_there_is_no_sharpness_and_no_histogram(client) -> None:
    answer = train(client, body())
    assert answer["sharpness"] is None and answer["preconditioned_sharpness"] is None and answer["activations"] is None
    line = next(line for line in streamed(client, body()) if line["type"] == "record")
    assert not {"sharpness", "preconditioned_sharpness", "activations"} & set(line)


LESSON = body(sharpness=True, histograms=True, steps=30, record_every=10, boundary=None, landscape=None)


def test_the_stream_carries_what_the_answer_holds(client) -> None:
    answer = train(client, LESSON)
    records = [line for line in streamed(client, LESSON) if line["type"] == "record"]
    assert [r["sharpness"] for r in records] == answer["sharpness"]
    assert [r["preconditioned_sharpness"] for r in records] == answer["preconditioned_sharpness"]
    assert [r["activations"] for r in records] == answer["activations"]
    assert answer["preconditioned_sharpness"][0] is None  # Adam: no state before the first update
    assert all(v > 0 for v in answer["sharpness"] + answer["preconditioned_sharpness"][1:])
    layers = answer["activations"][0]
    assert len(answer["activations"]) == 4 and len(layers) == 2  # records × hidden layers
    assert layers[0]["edges"][0] == -1 and layers[0]["edges"][-1] == 1 and len(layers[0]["counts"]) == 20
    assert sum(layers[1]["counts"]) == 5 * 60  # units × training points


def test_every_run_of_a_race_has_its_own_sharpness_and_histograms(client) -> None:
    entries = [{"name": "adam", "params": {"lr": 0.02}}, {"name": "sgd", "params": {"lr": 0.3, "momentum": 0.5}}]
    request = race_of(LESSON, entries) | {"lr_scale": [1.0, 0.5, 2.0]}
    answer = train(client, request)
    lines = [line for line in streamed(client, request) if line["type"] == "record"]
    for i, (run, entry) in enumerate(zip(answer["runs"], entries, strict=True)):
        alone = train(client, {k: v for k, v in request.items() if k != "optimizers"} | {"optimizer": entry})
        for key in ("sharpness", "preconditioned_sharpness", "activations"):
            assert run[key] == alone[key], key
            assert [line[key] for line in lines if line["run"] == i] == alone[key], key
    assert answer["runs"][1]["preconditioned_sharpness"] == [None] * 4  # SGD has no preconditioner
    assert answer["runs"][0]["sharpness"] != answer["runs"][1]["sharpness"]


# The Edge of Stability request of the deck (README, "Sharpness"): full-batch GD whose sharpness climbs to 2/lr.
EDGE_OF_STABILITY = {
    "dataset": {"name": "sine", "n": 100, "noise": 0.1, "seed": 0},
    "model": {"hidden": [16, 16], "activation": "tanh", "init": "xavier", "seed": 1},
    "optimizer": {"name": "sgd", "params": {"lr": 0.04}},
    "steps": 5000,
    "record_every": 20,
    "sharpness": True,
}


def test_the_edge_of_stability_request_sharpens_to_two_over_lr(client) -> None:
    answer = train(client, EDGE_OF_STABILITY | {"boundary": None, "landscape": None})
    ratio = np.array(answer["sharpness"]) * 0.04 / 2
    reach = int(np.argmax(ratio >= 0.9))
    assert ratio[0] < 0.4 and ratio[reach] >= 0.9 and answer["steps"][reach] >= 1000
    assert 0.85 < ratio[reach:].min() and ratio[reach:].max() < 1.15 and len(ratio) - reach >= 50
