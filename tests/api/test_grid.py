"""POST /api/grid."""

from __future__ import annotations

import math

import pytest

from .conftest import strict_json


def test_grid_follows_plotlys_convention(client):
    body = client.post("/api/grid", json={"surface": {"name": "booth"}, "x_range": [-1, 2], "y_range": [0, 4], "n": 7})
    grid = strict_json(body.text)
    assert grid["x"][0] == -1 and grid["x"][-1] == 2 and len(grid["x"]) == 7
    assert grid["y"][0] == 0 and grid["y"][-1] == 4
    for j, y in enumerate(grid["y"]):
        for i, x in enumerate(grid["x"]):
            expected = (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2
            assert math.isclose(grid["z"][j][i], expected, rel_tol=1e-12, abs_tol=1e-12)


def test_grid_ranges_default_to_the_domain(client):
    grid = client.post("/api/grid", json={"surface": {"name": "rosenbrock"}, "n": 2}).json()
    assert grid["x"] == [-2.0, 2.0] and grid["y"] == [-1.0, 3.0]


def test_grid_of_a_custom_formula_writes_null_where_not_finite(client):
    grid = strict_json(client.post("/api/grid", json={"surface": {"expression": "log(x) + y"}, "n": 3}).text)
    assert grid["z"][0][0] is None  # log(−3)
    assert grid["z"][0][2] == pytest.approx(math.log(3) - 3)


def test_grid_of_a_constant_formula_is_a_full_grid(client):
    grid = client.post("/api/grid", json={"surface": {"expression": "2"}, "n": 3}).json()
    assert grid["z"] == [[2.0] * 3] * 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"surface": {"name": "booth"}, "n": 401}, "n"),
        ({"surface": {"name": "booth"}, "n": 1}, "n"),
        ({"surface": {"name": "booth"}, "x_range": [2, 1]}, "x_range"),
        ({"surface": {"name": "nope"}}, "surface.name"),
        ({"surface": {"name": "booth"}, "extra": 1}, "extra"),
    ],
)
def test_bad_grid_requests_name_the_field(client, body, field):
    response = client.post("/api/grid", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith(field)
