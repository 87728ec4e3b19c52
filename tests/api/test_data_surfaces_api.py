"""The data surfaces and rnn_cliff through the API: catalog fields (kind, variables, data), grids, the
resolved surface of a run, integer parameters refused naming the field, and a huge request refused before
it starts."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.surfaces import SURFACES, resolve_builtin
from gdviz.settings import settings

from .conftest import strict_json

NEW = ("linear_regression", "logistic_regression", "rnn_cliff")
DATA = ("linear_regression", "logistic_regression")


def catalog(client, **params) -> dict[str, dict]:
    return {s["name"]: s for s in client.get("/api/surfaces", params=params).json()}


def test_every_surface_says_its_kind_and_the_names_of_its_axes(client):
    surfaces = catalog(client)
    assert list(surfaces) == list(SURFACES)
    for name, s in surfaces.items():
        assert s["kind"] == ("data" if name in DATA else "formula"), name
        assert s["variables"] == (["w", "b"] if name in NEW else ["x", "y"]), name
        assert ("data" in s) == (name in DATA), name


def test_the_catalog_holds_the_data_of_the_default_parameters(client):
    surfaces = catalog(client)
    rng = np.random.default_rng(0)  # linear_regression: seed 0, n 100, w_true 2, b_true 1, noise 0.5
    x = rng.uniform(-1, 1, 100)
    y = 2.0 * x + 1.0 + 0.5 * rng.standard_normal(100)
    linear = surfaces["linear_regression"]
    assert linear["data"] == {"x": x.tolist(), "y": y.tolist()}
    assert linear["params"] == {"n": 100, "noise": 0.5, "seed": 0, "w_true": 2.0, "b_true": 1.0}
    assert isinstance(linear["params"]["n"], int) and isinstance(linear["params"]["seed"], int)
    (minimum,) = linear["minima"]
    assert abs(minimum["x"] - 2) < 0.1 and abs(minimum["y"] - 1) < 0.1
    logistic = surfaces["logistic_regression"]
    labels = np.arange(100) % 2
    x = np.random.default_rng(0).standard_normal(100) + 1.0 * (2 * labels - 1)
    assert logistic["data"] == {"x": x.tolist(), "y": labels.astype(float).tolist()}
    assert len(logistic["minima"]) == 1
    cliff = surfaces["rnn_cliff"]
    assert cliff["minima"] == [] and cliff["params"] == {"T": 50, "x0": 0.5, "target": 0.7}
    assert cliff["start"] == [4.5, -2.6] and "σ(x_{t−1})" in cliff["formula"]


def test_the_new_surfaces_speak_chinese_with_the_glossarys_words(client):
    zh, en = catalog(client, lang="zh"), catalog(client)
    assert zh["linear_regression"]["title"] == "线性回归" and zh["logistic_regression"]["title"] == "逻辑回归"
    assert "梯度爆炸" in zh["rnn_cliff"]["description"] and "梯度裁剪" in zh["rnn_cliff"]["description"]
    assert "小批量" in zh["linear_regression"]["description"]
    for name in NEW:
        assert zh[name]["description"] != en[name]["description"]
        assert {k: v for k, v in zh[name].items() if k not in ("title", "description")} == {
            k: v for k, v in en[name].items() if k not in ("title", "description")
        }


@pytest.mark.parametrize("name", NEW)
def test_the_grid_is_the_surface_on_its_domain(client, name):
    response = client.post("/api/grid", json={"surface": {"name": name}, "n": 40})
    assert response.status_code == 200, response.text
    grid = strict_json(response.text)
    surface = resolve_builtin(name)
    assert grid["x"][0] == surface.domain[0][0] and grid["y"][-1] == surface.domain[1][1]
    z = np.array(grid["z"], dtype=float)
    expected = surface.functions.value(np.array(grid["x"])[None, :], np.array(grid["y"])[:, None])
    np.testing.assert_allclose(z, expected, rtol=1e-14)


@pytest.mark.parametrize("name", NEW)
def test_the_grid_has_no_gaps_however_far_out(client, name):
    body = {"surface": {"name": name}, "x_range": [-1e6, 1e6], "y_range": [-1e6, 1e6], "n": 30}
    response = client.post("/api/grid", json=body)
    assert response.status_code == 200, response.text
    assert all(v is not None for row in strict_json(response.text)["z"] for v in row)


def test_grid_parameters_change_the_data(client):
    body = {"surface": {"name": "linear_regression", "params": {"seed": 3, "n": 20}}, "n": 10}
    grid = client.post("/api/grid", json=body).json()
    default = client.post("/api/grid", json={"surface": {"name": "linear_regression"}, "n": 10}).json()
    assert grid["z"] != default["z"]


def _run(surface: dict, **extra) -> dict:
    return {"surface": surface, "steps": 20, "optimizers": [{"name": "sgd", "params": {"lr": 0.1}}], **extra}


def test_a_run_carries_the_data_and_minima_of_its_parameters(client):
    params = {"n": 30, "seed": 9, "noise": 0.1, "w_true": -1.0, "b_true": 0.5}
    response = client.post("/api/run", json=_run({"name": "linear_regression", "params": params}))
    assert response.status_code == 200, response.text
    surface = response.json()["surface"]
    engine = resolve_builtin("linear_regression", params)
    assert surface["kind"] == "data" and surface["variables"] == ["w", "b"]
    assert surface["data"] == {"x": engine.data[0].tolist(), "y": engine.data[1].tolist()}
    assert surface["minima"] == [p._asdict() for p in engine.minima]
    cliff = client.post("/api/run", json=_run({"name": "rnn_cliff", "params": {"T": 20}}))
    assert cliff.status_code == 200, cliff.text
    assert cliff.json()["surface"]["kind"] == "formula" and "data" not in cliff.json()["surface"]


BAD_PARAMS = [
    ("linear_regression", {"n": 10.5}, "surface.params.n"),
    ("linear_regression", {"seed": 0.5}, "surface.params.seed"),
    ("linear_regression", {"seed": 2**32}, "surface.params.seed"),
    ("logistic_regression", {"n": 1}, "surface.params.n"),
    ("logistic_regression", {"seed": -1}, "surface.params.seed"),
    ("logistic_regression", {"separation": 11}, "surface.params.separation"),
    ("rnn_cliff", {"T": 2.5}, "surface.params.T"),
    ("rnn_cliff", {"target": 1}, "surface.params.target"),
    ("rnn_cliff", {"n": 100}, "surface.params.n"),
]


@pytest.mark.parametrize("path", ["/api/run", "/api/run/stream", "/api/grid"])
@pytest.mark.parametrize(("name", "params", "field"), BAD_PARAMS)
def test_bad_parameters_are_a_422_naming_the_field(client, path, name, params, field):
    surface = {"name": name, "params": params}
    body = {"surface": surface, "n": 10} if path == "/api/grid" else _run(surface)
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    messages = [error["msg"] for error in response.json()["detail"]]
    assert any(m.startswith(f"{field}:") for m in messages), messages


def test_whole_numbers_written_with_a_point_are_taken(client):
    body = {"surface": {"name": "logistic_regression", "params": {"n": 40.0, "seed": 4294967295}}, "n": 5}
    assert client.post("/api/grid", json=body).status_code == 200


def test_a_huge_request_on_many_points_is_refused_before_it_starts(client):
    surface = {"name": "logistic_regression", "params": {"n": 2000}}
    body = {"surface": surface, "steps": 100_000, "optimizers": [{"name": "sgd", "params": {"lr": 0.1}}] * 8}
    for path in ("/api/run", "/api/run/stream"):
        response = client.post(path, json=body)
        assert response.status_code == 422, response.text
        (detail,) = response.json()["detail"]
        assert detail["type"] == "too_much_work" and detail["loc"] == ["body", "steps"]
        assert detail["ctx"]["estimate"] > detail["ctx"]["limit"] == settings.max_work_seconds
    # the same on a hundred points is work the budget allows
    small = {**body, "surface": {"name": "logistic_regression"}, "steps": 2000}
    assert client.post("/api/run", json=small).status_code == 200
