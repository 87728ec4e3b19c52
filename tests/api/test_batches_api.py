"""Mini-batches through POST /api/run and /api/run/stream: echo, batch_loss, batches, stream, refusals.

That the numbers are right is tests/engine/test_batches.py's (against a torch loop); here the
API must carry them whole: the same run in both endpoints, thinned with `every` as `lr` is.
"""

from __future__ import annotations

from typing import Any

import pytest

from gdviz.api.gate import run_work
from gdviz.api.models.runs import RunRequest

from .conftest import ndjson, strict_json

SGD = {"name": "sgd", "params": {"lr": 0.3}}


def linear(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "surface": {"name": "linear_regression", "params": {"n": 50}},
        "start": [-2.0, -2.0],
        "steps": 120,
        "optimizers": [{**SGD, "batch": None}, dict(SGD), {**SGD, "batch": {"size": 1}}],
        "batch": {"size": 10, "seed": 4},
        "include_batches": True,
    }
    body.update(overrides)
    return body


def post(client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/run", json=body)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def test_each_run_echoes_its_batches_and_carries_batch_loss(client) -> None:
    runs = post(client, linear())["runs"]
    assert [r["batch"] for r in runs] == [
        None,
        {"size": 10, "seed": 4, "replace": False},
        {"size": 1, "seed": 4, "replace": False},
    ]
    assert "batch_loss" not in runs[0] and "batches" not in runs[0]
    for run, size in zip(runs[1:], (10, 1), strict=True):
        assert len(run["batch_loss"]) == len(run["lr"]) == len(run["batches"]) == 120
        # An epoch of 50 points in slices of `size` visits every point once.
        per_epoch = 50 // size
        assert sorted(i for b in run["batches"][:per_epoch] for i in b) == list(range(50))
        assert {len(b) for b in run["batches"]} == {size}
        # The batch objective is another function than the full one.
        assert run["batch_loss"] != run["loss"][:-1]
    # Single samples wander more than batches of ten, and both differ from full-batch GD.
    assert runs[0]["x"] != runs[1]["x"] != runs[2]["x"]


def test_batches_are_left_out_unless_asked_for(client) -> None:
    runs = post(client, linear(include_batches=False))["runs"]
    assert all("batches" not in r for r in runs)
    assert len(runs[1]["batch_loss"]) == 120


def test_every_thins_batch_loss_and_batches_as_it_thins_lr(client) -> None:
    whole = post(client, linear())["runs"][1]
    thinned = post(client, linear(every=7))["runs"][1]
    kept = thinned["step"]
    assert thinned["lr"] == [whole["lr"][k] for k in kept if k < len(whole["lr"])]
    assert thinned["batch_loss"] == [whole["batch_loss"][k] for k in kept if k < len(whole["lr"])]
    assert thinned["batches"] == [whole["batches"][k] for k in kept if k < len(whole["lr"])]


def test_the_stream_concatenates_to_the_run(client) -> None:
    body = linear(steps=900)
    whole = post(client, body)
    lines = ndjson(client.post("/api/run/stream", json=body).text)
    assert [r["batch"] for r in lines[0]["runs"]] == [r["batch"] for r in whole["runs"]]
    assert lines[0]["surface"]["kind"] == "data" and lines[0]["surface"]["variables"] == ["w", "b"]
    for i, run in enumerate(whole["runs"]):
        chunks = [line for line in lines if line["type"] == "chunk" and line["run"] == i]
        assert len(chunks) > 1
        for column in ("x", "y", "loss", "grad_norm", "lr", "batch_loss", "batches"):
            if column in run:
                assert [v for c in chunks for v in c[column]] == run[column], (i, column)
            else:
                assert all(column not in c for c in chunks)


def test_the_resolved_surface_carries_its_data(client) -> None:
    surface = post(client, linear(steps=5))["surface"]
    assert surface["kind"] == "data" and surface["variables"] == ["w", "b"]
    assert len(surface["data"]["x"]) == len(surface["data"]["y"]) == 50


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"surface": {"name": "rosenbrock"}, "optimizers": [SGD]}, ["body", "batch"]),
        ({"batch": {"size": 51}}, ["body", "batch", "size"]),
        ({"batch": None, "optimizers": [{**SGD, "batch": {"size": 60}}]}, ["body", "optimizers", 0, "batch", "size"]),
        (
            {"surface": {"name": "rosenbrock"}, "batch": None, "optimizers": [{**SGD, "batch": {"size": 2}}]},
            ["body", "optimizers", 0, "batch"],
        ),
    ],
)
def test_batches_off_data_or_past_n_are_refused_naming_the_field(client, change: dict, loc: list) -> None:
    body = linear(**change)
    for path in ("/api/run", "/api/run/stream"):
        response = client.post(path, json=body)
        assert response.status_code == 422, response.text
        (error,) = response.json()["detail"]
        assert error["loc"] == loc
        assert error["msg"].startswith(".".join(str(p) for p in loc[1:]).replace(".0.", "[0].") + ":")


def test_batches_cost_more_and_include_batches_adds_to_the_answer() -> None:
    def work(**change: Any) -> Any:
        return run_work(RunRequest.model_validate(linear(steps=10_000, **change)))

    full = work(batch=None, optimizers=[SGD] * 3)
    mini = work(include_batches=False)
    kept = work()
    assert full.seconds < mini.seconds
    assert full.answer_bytes < mini.answer_bytes < kept.answer_bytes
