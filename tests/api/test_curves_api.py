"""Curves in one variable through the API: `dims` in the catalog and in run answers, a start of [x] alone."""

from __future__ import annotations

import math

import pytest

from .conftest import ndjson, strict_json

CURVES = {"parabola", "wavy", "cosh"}


def curve_run(surface: dict, start: list | None, *optimizers: dict, steps: int = 60) -> dict:
    chosen = list(optimizers) or [{"name": "sgd", "params": {"lr": 0.1}}]
    body = {"surface": surface, "steps": steps, "optimizers": chosen}
    if start is not None:
        body["start"] = start
    return body


def test_the_catalog_says_which_surfaces_are_curves(client):
    surfaces = client.get("/api/surfaces").json()
    assert {s["name"] for s in surfaces if s["dims"] == 1} == CURVES
    assert all(s["dims"] == 2 for s in surfaces if s["name"] not in CURVES)
    parabola = next(s for s in surfaces if s["name"] == "parabola")
    assert parabola["formula"] == "x**2" and parabola["start"] == [10.0, 0.0]
    assert parabola["minima"] == [{"x": 0.0, "y": 0.0, "f": 0.0}]


def test_curves_have_chinese_titles_and_descriptions(client):
    zh = {s["name"]: s for s in client.get("/api/surfaces", params={"lang": "zh"}).json()}
    en = {s["name"]: s for s in client.get("/api/surfaces").json()}
    for name in CURVES:
        for field in ("title", "description"):
            assert zh[name][field] != en[name][field]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh[name][field]), (name, field)
        assert zh[name]["dims"] == 1


@pytest.mark.parametrize("path", ["/api/run", "/api/run/stream"])
def test_a_lone_x_starts_a_curve_at_y_0(client, path):
    response = client.post(path, json=curve_run({"name": "parabola"}, [3]))
    assert response.status_code == 200
    if path == "/api/run":
        answer = strict_json(response.text)
        surface, (run,) = answer["surface"], answer["runs"]
        xs, ys = run["x"], run["y"]
    else:
        lines = ndjson(response.text)
        surface = lines[0]["surface"]
        xs = [v for line in lines if line["type"] == "chunk" for v in line["x"]]
        ys = [v for line in lines if line["type"] == "chunk" for v in line["y"]]
    assert surface["dims"] == 1 and surface["name"] == "parabola"
    assert xs[0] == 3.0 and set(ys) == {0.0}
    assert xs[:4] == pytest.approx([3.0, 3.0 * 0.8, 3.0 * 0.8**2, 3.0 * 0.8**3], rel=1e-15)  # x ← x − 0.1·2x


@pytest.mark.parametrize("path", ["/api/run", "/api/run/stream"])
@pytest.mark.parametrize(
    "surface", [{"name": "rosenbrock"}, {"expression": "x**2 + y"}, {"expression": "x*y", "start": [1, 1]}]
)
def test_a_lone_x_on_a_plane_is_refused_naming_start(client, path, surface):
    response = client.post(path, json=curve_run(surface, [0.5]))
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "start"] and error["msg"].startswith("start:")


@pytest.mark.parametrize("start", [[], [1, 2, 3], [True], ["1"], [math.inf]])
def test_a_start_has_one_or_two_numbers(client, start):
    body = curve_run({"name": "parabola"}, None)
    body["start"] = start
    if start == [math.inf]:  # not JSON: written out as a number too large for a float
        content = b'{"surface": {"name": "parabola"}, "start": [1e999], "optimizers": [{"name": "sgd"}]}'
        response = client.post("/api/run", content=content, headers={"content-type": "application/json"})
    else:
        response = client.post("/api/run", json=body)
    assert response.status_code == 422
    assert any(error["loc"][:2] == ["body", "start"] for error in response.json()["detail"])


def test_an_x_and_a_y_still_work_on_a_curve(client):
    run = client.post("/api/run", json=curve_run({"name": "cosh"}, [4, -0.5])).json()["runs"][0]
    assert (run["x"][0], set(run["y"])) == (4.0, {-0.5})
    assert math.isclose(run["loss"][0], math.cosh(2.0), rel_tol=1e-15)


def test_the_default_start_of_a_curve_is_its_own(client):
    answer = client.post("/api/run", json=curve_run({"name": "wavy"}, None)).json()
    assert answer["runs"][0]["x"][0] == 10.0 and set(answer["runs"][0]["y"]) == {0.0}


def test_a_custom_formula_in_x_alone_is_a_curve(client):
    answer = client.post("/api/run", json=curve_run({"expression": "(x - 1)**2"}, [2.5])).json()
    assert answer["surface"]["dims"] == 1 and answer["surface"]["start"] == [-2.0, 0.0]
    run = answer["runs"][0]
    assert run["x"][0] == 2.5 and set(run["y"]) == {0.0}
    assert abs(run["x"][-1] - 1.0) < 1e-5
    two = client.post("/api/run", json=curve_run({"expression": "(x - y)**2"}, [2.5, 0])).json()
    assert two["surface"]["dims"] == 2 and two["surface"]["start"] == [-2.0, 2.0]


def test_a_custom_curves_own_start_may_be_a_lone_x(client):
    answer = client.post("/api/run", json=curve_run({"expression": "x**4", "start": [1.5]}, None)).json()
    assert answer["surface"]["start"] == [1.5, 0.0] and answer["runs"][0]["x"][0] == 1.5
    response = client.post("/api/run", json=curve_run({"expression": "x**4 + y**2", "start": [1.5]}, None))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "surface", "start"]


def test_lr_too_small_right_and_too_large_on_the_parabola_in_one_request(client):
    body = curve_run(
        {"name": "parabola"},
        [10],
        {"name": "sgd", "params": {"lr": 0.01}, "label": "too small"},
        {"name": "sgd", "params": {"lr": 0.4}, "label": "right"},
        {"name": "sgd", "params": {"lr": 1.05}, "label": "too large"},
        steps=40,
    )
    small, right, large = client.post("/api/run", json=body).json()["runs"]
    assert small["status"] == right["status"] == large["status"] == "max_steps"
    assert 1.0 < small["x"][-1] < 10.0  # crawling: 10·0.98⁴⁰ ≈ 4.5
    assert abs(right["x"][-1]) < 1e-20  # 10·0.2⁴⁰
    assert abs(large["x"][-1]) > 10.0 and large["x"][1] == pytest.approx(-11.0)
    assert small["outcome"] == "moving" and large["outcome"] == "diverging"
    for run in (small, right, large):
        assert set(run["y"]) == {0.0}
        assert all(math.isclose(f, x * x, rel_tol=1e-15) for f, x in zip(run["loss"], run["x"], strict=True))


def test_a_curves_grid_is_the_same_in_every_row(client):
    grid = client.post("/api/grid", json={"surface": {"name": "wavy"}, "n": 21}).json()
    assert grid["y"][0] == -1.0 and grid["y"][-1] == 1.0
    first = grid["z"][0]
    assert all(row == first for row in grid["z"])
    wavy = [x * math.cos(0.15 * math.pi * x) for x in grid["x"]]
    assert all(math.isclose(z, f, abs_tol=1e-12) for z, f in zip(first, wavy, strict=True))


def test_dims_and_the_lone_x_are_documented_in_the_openapi(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    dims = schema["SurfaceInfo"]["properties"]["dims"]
    assert dims["enum"] == [1, 2] and "x alone" in dims["description"]
    start = schema["RunRequest"]["properties"]["start"]
    array = next(s for s in start["anyOf"] if s.get("type") == "array")
    assert (array["minItems"], array["maxItems"]) == (1, 2)
    assert "[x] alone" in start["description"]


@pytest.mark.parametrize("name", ["parabola", "cosh"])
@pytest.mark.parametrize("optimizer", [{"name": "sgd", "params": {"lr": 0.4}}, {"name": "newton"}])
def test_arriving_at_a_curves_minimum_is_a_minimum(client, name: str, optimizer: dict) -> None:
    """Level along y (J does not depend on it) is no reason to call the bottom of a curve flat ground."""
    body = {"surface": {"name": name}, "steps": 300, "optimizers": [optimizer]}
    (run,) = client.post("/api/run", json=body).json()["runs"]
    assert run["outcome"] == "minimum", run["status"]
