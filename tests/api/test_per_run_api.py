"""Per-run settings in POST /api/run and /api/run/stream: override, null, inherit, echo, stream, refusals, cost."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gdviz.api.gate import run_work
from gdviz.api.models.runs import RunRequest

from .conftest import ndjson, rosenbrock_run, strict_json

COLUMNS = ("x", "y", "loss", "grad_norm", "lr", "status", "outcome", "steps_taken")
SGD = {"name": "sgd", "params": {"lr": 1e-3, "momentum": 0.9}}
ADAM = {"name": "adam", "params": {"lr": 0.05}}
SHARED = {
    "schedule": {"name": "exponential", "gamma": 0.995},
    "clip": {"max_norm": 5.0},
    "noise": {"std": 1.0, "seed": 9},
    "regularization": {"l1": 0.05, "l2": 0.1},
}
PER_RUN_KEYS = ("schedule", "clip", "noise", "regularization", "batch")


def entry(base: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {**copy.deepcopy(base), **settings}


def alone(body: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """The same run requested alone: its echoed settings as the request's."""
    single = {k: v for k, v in body.items() if k not in (*PER_RUN_KEYS, "optimizers")}
    optimizer = {"name": run["optimizer"], "params": run["params"]}
    settings = {"schedule": run["schedule"], "noise": run["noise"], "regularization": run["regularization"]}
    if run["clip"] is not None:
        settings["clip"] = run["clip"]
    return {**single, **settings, "optimizers": [optimizer]}


def post(client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/run", json=body)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def assert_each_equals_alone(client, body: dict[str, Any]) -> dict[str, Any]:
    whole = post(client, body)
    for run in whole["runs"]:
        (single,) = post(client, alone(body, run))["runs"]
        for column in COLUMNS:
            assert run[column] == single[column], (run["label"], column)
    return whole


CASES = {
    "schedule": [{}, {"schedule": {"name": "cosine"}}, {"schedule": None}],
    "clip": [{}, {"clip": {"value": 0.5}}, {"clip": None}, {"clip": {"max_norm": 50.0}}],
    "noise": [{}, {"noise": {"std": 3.0}}, {"noise": None}],
    "regularization": [{}, {"regularization": {"l1": 1.0}}, {"regularization": None}],
    "mixed": [
        {"clip": None, "schedule": {"name": "warmup_cosine"}},
        {"noise": {"std": 0.0}, "regularization": {"l2": 2.0}, "clip": {"value": 1.0}},
    ],
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_run_equals_the_same_run_requested_alone(client, case: str) -> None:
    optimizers = [entry(base, **s) for s in CASES[case] for base in (SGD, ADAM)]
    whole = assert_each_equals_alone(client, rosenbrock_run(steps=200, optimizers=optimizers, **SHARED))
    sgd_paths = [run["x"] for run in whole["runs"][::2]]
    assert sgd_paths[0] != sgd_paths[1], "the setting must change the run"


def test_runs_echo_the_settings_they_used_null_turns_off_and_absence_inherits(client) -> None:
    off = {key: None for key in PER_RUN_KEYS if key != "batch"}  # batches: tests/api/test_batches_api.py
    own = {
        "schedule": {"name": "step", "step_size": 20},
        "clip": {"value": 0.25},
        "noise": {"std": 0.5},
        "regularization": {"l2": 0.3},
    }
    body = rosenbrock_run(steps=100, optimizers=[entry(SGD), entry(SGD, **off), entry(ADAM, **own)], **SHARED)
    inherited, turned_off, overridden = post(client, body)["runs"]
    assert {k: inherited[k] for k in PER_RUN_KEYS} == {
        "schedule": {"name": "exponential", "gamma": 0.995},
        "clip": {"max_norm": 5.0},
        "noise": {"std": 1.0, "seed": 9},
        "regularization": {"l1": 0.05, "l2": 0.1},
        "batch": None,
    }
    assert {k: turned_off[k] for k in PER_RUN_KEYS} == {
        "schedule": {"name": "constant"},
        "clip": None,
        "noise": {"std": 0.0, "seed": 9},
        "regularization": {"l1": 0.0, "l2": 0.0},
        "batch": None,
    }
    assert {k: overridden[k] for k in PER_RUN_KEYS} == {
        "schedule": {"name": "step", "step_size": 20, "gamma": 0.1},
        "clip": {"value": 0.25},
        "noise": {"std": 0.5, "seed": 9},  # the request's seed: runs differ by their std alone
        "regularization": {"l1": 0.0, "l2": 0.3},
        "batch": None,
    }
    (plain,) = post(client, rosenbrock_run(steps=100, optimizers=[entry(SGD)]))["runs"]
    assert turned_off["x"] == plain["x"] and turned_off["loss"] == plain["loss"]


def test_the_stream_echoes_the_settings_and_concatenates_to_the_run(client) -> None:
    optimizers = [
        entry(SGD, params={"lr": 10.0}, clip=None),  # diverges within the first chunk
        entry(SGD, params={"lr": 10.0}),  # the same, clipped: runs on
        entry(ADAM, schedule={"name": "cosine"}),
        entry(ADAM, noise={"std": 4.0}, clip={"value": 1.0}),
        entry(ADAM, regularization=None),
    ]
    body = rosenbrock_run(steps=700, optimizers=optimizers, **SHARED)
    whole = post(client, body)
    lines = ndjson(client.post("/api/run/stream", json=body).text)
    assert lines[0]["type"] == "start" and lines[-1] == {"type": "done"}
    for head, run in zip(lines[0]["runs"], whole["runs"], strict=True):
        assert head == {k: run[k] for k in ("label", "optimizer", "params", *PER_RUN_KEYS)}
    for i, run in enumerate(whole["runs"]):
        chunks = [line for line in lines if line["type"] == "chunk" and line["run"] == i]
        assert chunks and chunks[0]["offset"] == 0
        for column in ("x", "y", "loss", "grad_norm", "lr"):
            assert [v for c in chunks for v in c[column]] == run[column], (i, column)
        (end,) = [line for line in lines if line["type"] == "end" and line["run"] == i]
        assert [end[k] for k in ("status", "outcome", "steps_taken")] == [
            run[k] for k in ("status", "outcome", "steps_taken")
        ]
    assert [run["status"] for run in whole["runs"][:2]] == ["diverged", "max_steps"]


@pytest.mark.parametrize(
    ("setting", "loc"),
    [
        ({"clip": {"max_norm": -1.0}}, ["optimizers", 1, "sgd", "clip", "max_norm"]),
        ({"clip": {"max_norm": 1.0, "value": 1.0}}, ["optimizers", 1, "sgd", "clip"]),
        ({"noise": {"std": -0.5}}, ["optimizers", 1, "sgd", "noise", "std"]),
        ({"noise": {"std": 0.5, "seed": 3}}, ["optimizers", 1, "sgd", "noise", "seed"]),
        ({"regularization": {"l1": "a lot"}}, ["optimizers", 1, "sgd", "regularization", "l1"]),
        ({"schedule": {"name": "step", "gamma": 1.5}}, ["optimizers", 1, "sgd", "schedule", "step", "gamma"]),
        ({"batch": {"size": 0}}, ["optimizers", 1, "sgd", "batch", "size"]),
    ],
)
def test_bad_per_run_values_are_refused_naming_the_field(client, setting: dict[str, Any], loc: list[Any]) -> None:
    body = rosenbrock_run(optimizers=[entry(SGD), entry(SGD, **setting)])
    response = client.post("/api/run", json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", *loc]
    assert error["msg"].startswith("optimizers[1]." + ".".join(p for p in loc[3:] if p != "step") + ":")
    assert client.post("/api/run/stream", json=body).status_code == 422


def test_a_per_run_schedule_out_of_bounds_names_its_field(client) -> None:
    body = rosenbrock_run(optimizers=[entry(SGD, schedule={"name": "cyclic", "base_lr": 1.0, "max_lr": 1e4})])
    response = client.post("/api/run", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith("optimizers[0].schedule.max_lr")


def test_the_cost_counts_each_runs_own_settings() -> None:
    plain = RunRequest.model_validate(rosenbrock_run(steps=10_000, optimizers=[entry(SGD)] * 4))
    shared = RunRequest.model_validate(rosenbrock_run(steps=10_000, optimizers=[entry(SGD)] * 4, **SHARED))
    half_off = RunRequest.model_validate(
        rosenbrock_run(steps=10_000, optimizers=[entry(SGD), entry(SGD, clip=None, regularization=None)] * 2, **SHARED)
    )
    own = RunRequest.model_validate(
        rosenbrock_run(steps=10_000, optimizers=[entry(SGD, **{**SHARED, "noise": {"std": 1.0}})] * 4)
    )
    assert run_work(plain).seconds < run_work(half_off).seconds < run_work(shared).seconds
    assert run_work(own).seconds == pytest.approx(run_work(shared).seconds)
