"""POST /api/run and /api/run/stream."""

from __future__ import annotations

import math

import pytest

from gdviz.api.models.runs import RunRequest
from gdviz.api.streaming import RunStream

from .conftest import ndjson, rosenbrock_run, strict_json

COLUMNS = ("x", "y", "loss", "grad_norm", "lr")


def test_run_answers_columnar_trajectories_with_defaults_filled(client):
    answer = strict_json(client.post("/api/run", json=rosenbrock_run()).text)
    assert answer["surface"]["name"] == "rosenbrock" and answer["surface"]["minima"][0]["x"] == 1.0
    assert answer["schedule"] == {"name": "constant"}
    assert answer["elapsed_ms"] > 0
    momentum, adam = answer["runs"]
    assert momentum["label"] == "Momentum" and adam["label"] == "Adam"
    assert adam["optimizer"] == "adam"
    assert adam["params"] == {"lr": 0.05, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
    for run in answer["runs"]:
        assert run["status"] == "max_steps" and run["steps_taken"] == 300
        assert len(run["x"]) == len(run["y"]) == len(run["loss"]) == len(run["grad_norm"]) == 301
        assert len(run["lr"]) == 300 and set(run["lr"]) == {run["params"]["lr"]}
        assert [run["x"][0], run["y"][0]] == [-1.5, 2.0]
        x, y = run["x"][-1], run["y"][-1]
        assert math.isclose(run["loss"][-1], (1 - x) ** 2 + 100 * (y - x * x) ** 2, rel_tol=1e-12)
        assert run["loss"][-1] < run["loss"][0]


def test_default_start_is_the_surfaces(client):
    body = rosenbrock_run(surface={"name": "himmelblau"})
    del body["start"]
    run = client.post("/api/run", json=body).json()["runs"][0]
    assert [run["x"][0], run["y"][0]] == [-0.5, -0.5]


def test_a_diverging_run_stops_at_its_last_finite_point(client):
    body = rosenbrock_run(optimizers=[{"name": "sgd", "params": {"lr": 1.0}}], steps=50)
    response = client.post("/api/run", json=body)
    assert response.status_code == 200
    run = strict_json(response.text)["runs"][0]
    assert run["status"] == "diverged"
    assert len(run["x"]) == run["steps_taken"] + 1 and len(run["lr"]) == run["steps_taken"]
    assert all(math.isfinite(v) for v in run["loss"] + run["grad_norm"])
    assert all(abs(v) <= 1e8 for v in run["x"] + run["y"])


def test_tol_stops_converged_before_updating(client):
    body = rosenbrock_run(
        surface={"name": "quadratic", "params": {"kappa": 1}}, optimizers=[{"name": "sgd", "params": {"lr": 0.5}}]
    )
    body["tol"] = 1e-6
    run = client.post("/api/run", json=body).json()["runs"][0]
    assert run["status"] == "converged"
    assert run["grad_norm"][-1] <= 1e-6 < run["grad_norm"][-2]
    assert len(run["lr"]) == run["steps_taken"] == len(run["x"]) - 1


def test_the_stream_concatenates_to_the_run(client):
    body = rosenbrock_run(
        steps=700,
        optimizers=[
            {"name": "sgd", "params": {"lr": 10.0}},  # diverges within the first chunk
            {"name": "adam", "params": {"lr": 0.05}},
            {"name": "newton"},  # converges within tol
            {"name": "rmsprop"},
        ],
        schedule={"name": "warmup_cosine"},
        tol=1e-9,
    )
    whole = strict_json(client.post("/api/run", json=body).text)
    lines = ndjson(client.post("/api/run/stream", json=body).text)
    assert lines[0]["type"] == "start" and lines[-1] == {"type": "done"}
    assert [r["label"] for r in lines[0]["runs"]] == [r["label"] for r in whole["runs"]]
    for i, run in enumerate(whole["runs"]):
        chunks = [line for line in lines if line["type"] == "chunk" and line["run"] == i]
        assert len(chunks) >= 1
        offsets = [c["offset"] for c in chunks]
        assert offsets == sorted(offsets) and offsets[0] == 0
        for column in COLUMNS:
            assert [v for c in chunks for v in c[column]] == run[column], column
        (end,) = [line for line in lines if line["type"] == "end" and line["run"] == i]
        assert (end["status"], end["steps_taken"]) == (run["status"], run["steps_taken"])
    assert {r["status"] for r in whole["runs"]} == {"diverged", "converged", "max_steps"}


def test_every_thins_points_and_keeps_the_last(client):
    body = rosenbrock_run(steps=100, every=7)
    run = client.post("/api/run", json=body).json()["runs"][1]
    assert run["step"] == [*range(0, 100, 7), 100]
    assert len(run["x"]) == len(run["step"]) and len(run["lr"]) == len(run["step"]) - 1
    full = client.post("/api/run", json=rosenbrock_run(steps=100)).json()["runs"][1]
    assert run["x"] == [full["x"][k] for k in run["step"]]
    lines = ndjson(client.post("/api/run/stream", json=body).text)
    streamed = [s for line in lines if line["type"] == "chunk" and line["run"] == 1 for s in line["step"]]
    assert streamed == run["step"]


def test_noise_is_the_same_for_every_optimizer_of_a_request(client):
    twin = {"name": "sgd", "params": {"lr": 1e-3}}
    body = rosenbrock_run(optimizers=[twin, twin], noise={"std": 1.0, "seed": 7})
    first, second = client.post("/api/run", json=body).json()["runs"]
    assert first["x"] == second["x"] and first["label"] != second["label"]
    quiet = client.post("/api/run", json=rosenbrock_run(optimizers=[twin])).json()["runs"][0]
    assert quiet["x"] != first["x"]


def test_regularization_enters_loss_and_gradient(client):
    body = rosenbrock_run(optimizers=[{"name": "sgd", "params": {"lr": 1e-4}}], regularization={"l1": 0.5, "l2": 2.0})
    run = client.post("/api/run", json=body).json()["runs"][0]
    x, y = run["x"][0], run["y"][0]
    f = (1 - x) ** 2 + 100 * (y - x * x) ** 2
    assert math.isclose(run["loss"][0], f + 0.5 * (abs(x) + abs(y)) + 1.0 * (x * x + y * y), rel_tol=1e-12)


def test_custom_expressions_run(client):
    body = rosenbrock_run(surface={"expression": "x^2 + 3*y**2", "start": [1, 1]}, optimizers=[{"name": "newton"}])
    del body["start"]
    answer = client.post("/api/run", json=body).json()
    run = answer["runs"][0]
    assert answer["surface"]["name"] == "custom" and answer["surface"]["start"] == [1.0, 1.0]
    assert run["status"] == "converged" and run["steps_taken"] == 1 and run["x"][-1] == 0.0


def test_the_schedule_is_resolved_and_recorded(client):
    body = rosenbrock_run(steps=400, schedule={"name": "step", "gamma": 0.5})
    answer = client.post("/api/run", json=body).json()
    assert answer["schedule"] == {"name": "step", "step_size": 100, "gamma": 0.5}
    lr = answer["runs"][1]["lr"]
    assert lr[0] == lr[99] == 0.05 and lr[100] == 0.025 and lr[399] == 0.05 * 0.5**3


@pytest.mark.parametrize(
    "schedule",
    [
        {"name": "step", "step_size": None, "gamma": None},
        {"name": "exponential", "gamma": None},
        {"name": "cosine", "T_max": None},
        {"name": "warmup_cosine", "warmup": None},
        {"name": "cyclic", "base_lr": None, "max_lr": None, "step_size_up": None, "step_size_down": None},
    ],
)
def test_a_null_schedule_parameter_is_its_derived_default(client, schedule):
    # The schema allows null for these (their default is derived from the run); it once reached the engine as is.
    name = schedule["name"]
    expected = client.post("/api/run", json=rosenbrock_run(steps=40, schedule={"name": name})).json()
    answer = client.post("/api/run", json=rosenbrock_run(steps=40, schedule=schedule)).json()
    assert answer["schedule"] == expected["schedule"]
    assert [run["lr"] for run in answer["runs"]] == [run["lr"] for run in expected["runs"]]
    training = client.post("/api/train", json={"steps": 20, "schedule": schedule, "landscape": None})
    assert training.status_code == 200, training.text


def test_the_first_stream_chunk_is_ready_before_the_run_is_done():
    request = RunRequest.model_validate(rosenbrock_run(steps=100_000, optimizers=[{"name": "adam"}] * 4))
    stream = RunStream(request)
    start, *first = ndjson(stream.head.decode())
    assert start["type"] == "start" and first and all(line["type"] == "chunk" for line in first)
    assert max(line["offset"] + len(line["x"]) for line in first) < 1000


@pytest.mark.parametrize("path", ["/api/run", "/api/run/stream"])
def test_a_start_where_the_loss_is_not_finite_is_refused(client, path):
    body = rosenbrock_run(surface={"expression": "log(x)"}, start=[-1, 0])
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith("start:")
