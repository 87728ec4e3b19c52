"""`record_weights`: every record carries the network's weights at its step (what the page's diagram draws)."""

from __future__ import annotations

import numpy as np

from .conftest import ndjson
from .test_train import body, train


def test_each_records_weights_are_the_weights_a_training_stopped_there_ends_with(client):
    answer = train(client, body(record_weights=True, include_weights=True))
    frames = answer["record_weights"]
    assert len(frames) == len(answer["steps"]) == 5
    assert [[len(layer["W"]), len(layer["W"][0]), len(layer["b"])] for layer in frames[0]] == [
        [2, 6, 6],
        [6, 5, 5],
        [5, 1, 1],
    ]
    assert frames[0] == answer["weights"]["initial"] and frames[-1] == answer["weights"]["final"]
    assert frames[1] != frames[0] and frames[2] != frames[1]  # they move as the training does
    # The batches and the optimizer depend on the seeds alone: a training of 20 steps ends where this one's
    # record at step 20 is.
    shorter = train(client, body(steps=20, landscape=None, include_weights=True))
    assert answer["steps"][2] == 20
    assert frames[2] == shorter["weights"]["final"]


def test_without_it_there_are_none_and_the_stream_agrees(client):
    assert train(client, body())["record_weights"] is None
    lines = ndjson(client.post("/api/train/stream", json=body(record_weights=True)).text)
    records = [line for line in lines if line["type"] == "record"]
    whole = train(client, body(record_weights=True))["record_weights"]
    assert [r["weights"] for r in records] == whole
    plain = ndjson(client.post("/api/train/stream", json=body()).text)
    assert all("weights" not in line for line in plain if line["type"] == "record")


def test_a_race_records_each_runs_own_weights(client):
    entries = [{"name": "adam", "params": {"lr": 0.02}}, {"name": "sgd", "params": {"lr": 0.5}}]
    request = {k: v for k, v in body(record_weights=True).items() if k != "optimizer"} | {"optimizers": entries}
    runs = train(client, request)["runs"]
    assert runs[0]["record_weights"][0] == runs[1]["record_weights"][0]  # one initial network
    assert runs[0]["record_weights"][-1] != runs[1]["record_weights"][-1]
    alone = train(client, body(optimizer=entries[1], record_weights=True))["record_weights"]
    assert runs[1]["record_weights"] == alone


def test_its_numbers_count_in_the_budget(client):
    big = body(
        dataset={"name": "spiral", "n": 100, "noise": 0.05, "seed": 0},
        model={"hidden": [64, 64, 64, 64], "activation": "tanh", "init": "xavier", "seed": 0},
        steps=20000,
        batch_size=8,
        record_every=10,
        boundary=None,
        landscape=None,
    )
    response = client.post("/api/train", json={**big, "record_weights": True})
    assert response.status_code == 422, response.text[:300]
    detail = response.json()["detail"][0]
    assert detail["ctx"]["estimate"] > detail["ctx"]["limit"]
    assert detail["loc"][-1] == "record_every"  # 2 001 records of 12 737 weights each: fewer records
    assert np.isfinite(detail["ctx"]["estimate"])
