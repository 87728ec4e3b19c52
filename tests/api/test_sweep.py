"""POST /api/sweep: the map's shape and orientation, every sampled cell equal to the /api/run of its
configuration (diverged cells, noise, clipping, start axes, betas, schedules, mini-batches, Newton), `minimum`,
the limits with their numbers, a refused cell named, and work that stops when its client leaves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from gdviz.api.models.surface_sweep import MAX_CELL_STEPS, MAX_CELLS
from gdviz.settings import settings

from ..server import Server, running_server
from .conftest import strict_json
from .test_serving import _busy_after, _cpu_seconds

ROSENBROCK: dict[str, Any] = {"surface": {"name": "rosenbrock"}, "start": [-1.5, 2.0], "steps": 300}
LOG_LR = {"param": "lr", "range": [1e-4, 1e-2], "n": 6, "log": True}


def post(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/sweep", json=body)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def refusal(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/sweep", json=body)
    assert response.status_code == 422, response.text
    (detail,) = response.json()["detail"]
    return detail


def test_two_axes_answer_rows_of_the_second_and_columns_of_the_first(client):
    body = {
        **ROSENBROCK,
        "optimizer": {"name": "sgd", "params": {"lr": 1e-3}},
        "axes": [{**LOG_LR, "n": 3}, {"param": "momentum", "values": [0, 0.9]}],
    }
    answer = post(client, body)
    assert answer["axes"][1] == {"param": "momentum", "values": [0.0, 0.9]}
    np.testing.assert_allclose(answer["axes"][0]["values"], [1e-4, 1e-3, 1e-2])
    for key in ("status", "steps_taken", "final_loss", "final_x", "final_y", "minimum"):
        assert np.shape(answer[key]) == (2, 3), key  # [j][i]: axes[1].values[j], axes[0].values[i]
    assert answer["surface"]["minima"] == [{"x": 1.0, "y": 1.0, "f": 0.0}] and answer["elapsed_ms"] > 0
    # lr 1e-2 diverges with or without momentum; lr 1e-4 does not.
    assert [answer["status"][j][2] for j in (0, 1)] == ["diverged", "diverged"]
    assert [answer["status"][j][0] for j in (0, 1)] == ["max_steps", "max_steps"]


def test_one_axis_answers_flat_arrays(client):
    body = {**ROSENBROCK, "optimizer": {"name": "adam"}, "axes": [{"param": "lr", "values": [0.01, 0.1, 0.2, 0.5]}]}
    answer = post(client, body)
    for key in ("status", "steps_taken", "final_loss", "final_x", "final_y", "minimum"):
        assert len(answer[key]) == 4 and not isinstance(answer[key][0], list), key


def single_run(body: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """The /api/run body of the cell with `values`: the sweep's body with the cell's values in place."""
    run = {k: v for k, v in body.items() if k not in ("axes", "optimizer")}
    params = dict(body["optimizer"].get("params", {}))
    start = list(body.get("start", [0.0, 0.0]))
    for param, value in values.items():
        if param.startswith("betas"):
            pair = list(params.get("betas", [0.9, 0.999]))
            pair[int(param[-2])] = value
            params["betas"] = pair
        elif param in ("start.x", "start.y"):
            start[param == "start.y"] = value
        elif param == "noise.std":
            run["noise"] = {**run.get("noise", {}), "std": value}
        elif param.startswith("clip."):
            run["clip"] = {param[5:]: value}
        else:
            params[param] = value
    run["start"] = start
    return {**run, "optimizers": [{"name": body["optimizer"]["name"], "params": params}]}


CASES = {
    "lr-momentum-with-diverged-cells": {
        **ROSENBROCK,
        "optimizer": {"name": "sgd", "params": {"lr": 1e-3, "momentum": 0.9}},
        "axes": [LOG_LR, {"param": "momentum", "values": [0, 0.9]}],
    },
    "adam-betas": {
        **ROSENBROCK,
        "steps": 200,
        "optimizer": {"name": "adam", "params": {"lr": 0.05}},
        "axes": [{"param": "betas[0]", "values": [0.0, 0.5, 0.9]}, {"param": "betas[1]", "values": [0.9, 0.999]}],
    },
    "noise-std-on-the-request-seed": {
        "surface": {"name": "quadratic"},
        "start": [-2.5, 1.5],
        "steps": 150,
        "optimizer": {"name": "sgd", "params": {"lr": 0.1, "momentum": 0.9}},
        "noise": {"std": 5.0, "seed": 7},
        "axes": [{"param": "noise.std", "values": [0.0, 0.3, 3.0]}],
    },
    "clip-norm-replacing-the-request-clip": {
        **ROSENBROCK,
        "optimizer": {"name": "sgd", "params": {"lr": 1e-2}},
        "clip": {"value": 0.5},
        "axes": [{"param": "clip.max_norm", "values": [0.1, 10.0, 1000.0]}, {"param": "lr", "values": [1e-3, 1e-2]}],
    },
    "clip-value-rmsprop": {
        **ROSENBROCK,
        "steps": 200,
        "optimizer": {"name": "rmsprop", "params": {"lr": 0.01}},
        "axes": [{"param": "clip.value", "values": [0.01, 100.0]}, {"param": "alpha", "values": [0.5, 0.99]}],
    },
    "basins-converging-with-tol": {
        "surface": {"name": "himmelblau"},
        "steps": 400,
        "tol": 1e-6,
        "optimizer": {"name": "sgd", "params": {"lr": 0.01}},
        "axes": [{"param": "start.x", "range": [-5, 5], "n": 7}, {"param": "start.y", "range": [-5, 5], "n": 6}],
    },
    "lr-under-a-schedule-with-regularization": {
        **ROSENBROCK,
        "steps": 200,
        "optimizer": {"name": "sgd", "params": {"lr": 1e-3, "momentum": 0.5}},
        "schedule": {"name": "step", "step_size": 50, "gamma": 0.5},
        "regularization": {"l1": 0.01, "l2": 0.1},
        "axes": [{"param": "lr", "range": [1e-4, 5e-3], "n": 5, "log": True}],
    },
    "mini-batches": {
        "surface": {"name": "linear_regression", "params": {"n": 50}},
        "start": [-2.0, -2.0],
        "steps": 100,
        "optimizer": {"name": "sgd", "params": {"lr": 0.1}},
        "batch": {"size": 8, "seed": 5, "replace": True},
        "axes": [{"param": "lr", "values": [0.01, 0.5, 4.0]}, {"param": "momentum", "values": [0.0, 0.9]}],
    },
    "newton-damping-by-start": {
        "surface": {"name": "himmelblau"},
        "start": [0.5, 0.5],
        "steps": 30,
        "tol": 1e-10,
        "optimizer": {"name": "newton"},
        "axes": [{"param": "damping", "values": [0.0, 2.0]}, {"param": "start.y", "values": [-3.0, 0.5, 3.0]}],
    },
}


@pytest.mark.parametrize("case", CASES)
def test_sampled_cells_equal_their_run(client, case):
    body = CASES[case]
    answer = post(client, body)
    axes = answer["axes"]
    status = np.array(answer["status"]).reshape(-1)
    n0 = len(axes[0]["values"])
    picks = {int(c) for code in ("diverged", "converged", "max_steps") for c in np.flatnonzero(status == code)[:2]}
    picks |= set(np.random.default_rng(2).integers(0, len(status), 3).tolist())
    for cell in sorted(picks):
        at = [cell % n0, cell // n0][: len(axes)]
        values = {a["param"]: a["values"][k] for a, k in zip(axes, at, strict=True)}
        response = client.post("/api/run", json=single_run(body, values))
        assert response.status_code == 200, response.text
        (run,) = response.json()["runs"]
        got = {key: np.asarray(answer[key]).reshape(-1)[cell] for key in ("status", "steps_taken", "minimum")}
        assert (got["status"], got["steps_taken"]) == (run["status"], run["steps_taken"]), values
        for key, column in (("final_x", "x"), ("final_y", "y"), ("final_loss", "loss")):
            value = np.asarray(answer[key]).reshape(-1)[cell]
            assert value == pytest.approx(run[column][-1], rel=1e-9, abs=1e-12), (key, values)
        minima = [(m["x"], m["y"]) for m in answer["surface"]["minima"]]
        near = [i for i, m in enumerate(minima) if np.hypot(run["x"][-1] - m[0], run["y"][-1] - m[1]) <= 1e-3]
        assert got["minimum"] == (near[0] if near else -1), values


def test_the_cases_hold_diverged_converged_and_full_cells(client):
    seen = set()
    for case in ("lr-momentum-with-diverged-cells", "basins-converging-with-tol"):
        seen |= set(np.array(post(client, CASES[case])["status"]).reshape(-1).tolist())
    assert seen == {"diverged", "converged", "max_steps"}


def test_a_basin_map_names_every_minimum_it_reaches(client):
    body = {
        "surface": {"name": "himmelblau"},
        "steps": 500,
        "optimizer": {"name": "sgd", "params": {"lr": 0.01}},
        "axes": [
            {"param": "start.x", "range": [-4.5, 4.5], "n": 12},
            {"param": "start.y", "range": [-4.5, 4.5], "n": 12},
        ],
    }
    answer = post(client, body)
    minimum = np.array(answer["minimum"])
    assert set(minimum.reshape(-1).tolist()) == {0, 1, 2, 3}
    minima = np.array([(m["x"], m["y"]) for m in answer["surface"]["minima"]])
    final = np.stack([np.array(answer["final_x"]), np.array(answer["final_y"])], axis=-1)  # (12, 12, 2)
    reached = minima[minimum]  # the minimum each cell names
    assert np.all(np.hypot(*(final - reached).transpose(2, 0, 1)) <= 1e-3)


def test_a_formula_lists_no_minima_so_every_cell_names_none(client):
    body = {
        "surface": {"expression": "x**2 + 3*y**2"},
        "start": [1.0, 1.0],
        "steps": 300,
        "optimizer": {"name": "sgd", "params": {"lr": 0.1}},
        "axes": [{"param": "lr", "values": [0.05, 0.1]}],
    }
    answer = post(client, body)
    assert answer["minimum"] == [-1, -1] and max(answer["final_loss"]) < 1e-12


@pytest.mark.parametrize(
    ("changes", "loc", "words"),
    [
        (
            {
                "optimizer": {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9, "nesterov": True}},
                "axes": [{"param": "lr", "values": [0.01]}, {"param": "momentum", "values": [0.5, 0.0]}],
            },
            ["body", "axes", 1, "values", 1],
            "the cell with lr = 0.01 and momentum = 0 is a run /api/run refuses",
        ),
        (
            {"optimizer": {"name": "adam"}, "axes": [{"param": "betas[0]", "range": [0.5, 1.0], "n": 3}]},
            ["body", "axes", 0, "values", 2],
            "betas[0] = 1",
        ),
        (
            {"surface": {"expression": "log(x) + y**2"}, "axes": [{"param": "start.x", "values": [1.0, -1.0]}]},
            ["body", "axes"],
            "cell [1] (start.x = -1 (axes[0].values[1])) starts at (-1, 2)",
        ),
        ({"axes": [{"param": "nesterov", "values": [1]}]}, ["body", "axes", 0, "param"], "not a param"),
        ({"axes": [{"param": "betas[0]", "values": [0.5]}]}, ["body", "axes", 0, "param"], "not a param"),
        ({"axes": [{"param": "start.x", "range": [-2e6, 0], "n": 3}]}, ["body", "axes"], "±1e+06"),
        ({"axes": [{"param": "lr", "range": [0, 1], "n": 3, "log": True}]}, ["body", "axes", 0, "range"], "same sign"),
        ({"axes": [{"param": "noise.std", "values": [-1]}]}, ["body", "axes", 0], "≥ 0"),
        ({"axes": [{"param": "lr", "range": [0.1, 1]}]}, ["body", "axes"], "needs `values`, or `range` with `n`"),
        ({"axes": [{"param": "lr", "values": [1]}, {"param": "lr", "values": [2]}]}, ["body", "axes"], "different"),
        ({"axes": []}, ["body", "axes"], "at least 1"),
        ({"axes": [{"param": "lr", "values": [0.1]}] * 3}, ["body", "axes"], "at most 2"),
        ({"axes": [{"param": "lr", "values": [True]}]}, ["body", "axes", 0, "values", 0], "a valid number"),
    ],
)
def test_a_refused_cell_or_axis_is_named(client, changes, loc, words):
    body = {**ROSENBROCK, "optimizer": {"name": "sgd", "params": {"lr": 1e-3}}, **changes}
    detail = refusal(client, body)
    assert detail["loc"] == loc and words in detail["msg"], detail


def test_more_cells_than_a_sweep_may_have_is_refused_with_the_amount_and_the_limit(client):
    axes = [{"param": "lr", "range": [1e-4, 1e-2], "n": 300}, {"param": "momentum", "range": [0, 0.99], "n": 300}]
    post(client, {**ROSENBROCK, "steps": 1, "optimizer": {"name": "sgd"}, "axes": axes[:1]})  # the surface compiled
    started = time.perf_counter()
    detail = refusal(client, {**ROSENBROCK, "optimizer": {"name": "sgd"}, "axes": axes})
    assert time.perf_counter() - started < 1.0
    assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "axes"]
    assert detail["ctx"] == {"estimate": 90_000, "limit": MAX_CELLS} == {"estimate": 90_000, "limit": 65_536}
    assert "90000 cells" in detail["msg"] and "65536" in detail["msg"]


def test_more_cell_steps_than_a_sweep_may_have_is_refused_with_the_amount_and_the_limit(client):
    axes = [{"param": "lr", "range": [1e-4, 1e-2], "n": 256}, {"param": "momentum", "range": [0, 0.99], "n": 256}]
    detail = refusal(client, {**ROSENBROCK, "steps": 2000, "optimizer": {"name": "sgd"}, "axes": axes})
    assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "steps"]
    assert detail["ctx"] == {"estimate": 131_072_000, "limit": MAX_CELL_STEPS} and MAX_CELL_STEPS == 10**8
    assert "131072000" in detail["msg"] and "100000000" in detail["msg"]


def test_a_sweep_over_the_budget_is_refused_before_any_work(client):
    # 65 536 Newton solves a step for 1 000 steps: 6.6·10⁷ cell-steps are within the cap, not within a minute.
    axes = [{"param": "start.x", "range": [-5, 5], "n": 256}, {"param": "start.y", "range": [-5, 5], "n": 256}]
    body = {"surface": {"name": "himmelblau"}, "steps": 1000, "optimizer": {"name": "newton"}, "axes": axes}
    post(client, {**body, "steps": 1, "axes": [{"param": "damping", "values": [0.0]}]})  # the surface compiled
    started = time.perf_counter()
    detail = refusal(client, body)
    assert time.perf_counter() - started < 1.0
    assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "steps"]
    assert detail["ctx"]["limit"] == settings.max_work_seconds < detail["ctx"]["estimate"]
    assert f"the limit is {settings.max_work_seconds:g} s" in detail["msg"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("surface-sweep")) as running:
        yield running


def test_a_sweep_stops_its_work_when_the_client_leaves(server):
    # 65 536 Adam runs on goldstein_price for 1 500 steps: 10 s of work or more, inside the budget.
    body = {
        "surface": {"name": "goldstein_price"},
        "steps": 1500,
        "optimizer": {"name": "adam", "params": {"lr": 1e-3}},
        "axes": [{"param": "start.x", "range": [-2, 2], "n": 256}, {"param": "start.y", "range": [-2, 2], "n": 256}],
    }
    with httpx.Client(base_url=server.base) as client:
        assert client.post("/api/sweep", json={**body, "steps": 2}).status_code == 200  # warm
        start = _cpu_seconds(server.process.pid)
        with pytest.raises(httpx.ReadTimeout):
            client.post("/api/sweep", json=body, timeout=httpx.Timeout(5.0, read=4.0))
    # Heavy work runs at a lower priority: on a loaded machine it gets a fraction of a core.
    assert _cpu_seconds(server.process.pid) - start > 0.3, "the sweep did start computing"
    assert _busy_after(server, leave=1.0) < 0.15
