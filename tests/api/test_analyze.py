"""POST /api/analyze and /api/analyze/momentum: the engine's numbers through the API, defaults, and refusals."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from gdviz.engine.analysis import momentum_rates

from .conftest import strict_json


def analyze(client: TestClient, body: dict) -> dict:
    response = client.post("/api/analyze", json=body)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def momentum(client: TestClient, body: dict) -> dict:
    response = client.post("/api/analyze/momentum", json=body)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def refused(client: TestClient, path: str, body: dict) -> str:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    return " ".join(entry["msg"] for entry in response.json()["detail"])


def test_analyze_rosenbrock_at_its_start(client: TestClient) -> None:
    found = analyze(client, {"surface": {"name": "rosenbrock"}})  # the start (-1.5, 2) by default
    x, y = found["point"]
    assert (x, y) == (-1.5, 2.0)
    # f = (1 − x)² + 100(y − x²)²: the Hessian written out by hand.
    hessian = np.array([[2 - 400 * (y - 3 * x * x), -400 * x], [-400 * x, 200]])
    np.testing.assert_allclose(found["hessian"], hessian, rtol=1e-14)
    assert found["value"] == pytest.approx((1 - x) ** 2 + 100 * (y - x * x) ** 2)
    np.testing.assert_allclose(found["gradient"], [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    lam = np.linalg.eigvalsh(hessian)
    np.testing.assert_allclose(found["eigenvalues"], lam, rtol=1e-12)
    assert found["gd_lr_max"] == pytest.approx(2 / lam[1], rel=1e-12)
    assert found["condition_number"] == pytest.approx(lam[1] / lam[0], rel=1e-12)
    assert found["curvature"] == "convex"
    vectors = np.array(found["eigenvectors"])
    np.testing.assert_allclose(vectors @ vectors.T, np.eye(2), atol=1e-14)


def test_saddle_and_flat_points_answer_null_where_undefined(client: TestClient) -> None:
    saddle = analyze(client, {"surface": {"name": "saddle"}, "point": [0, 0]})
    assert saddle["curvature"] == "saddle" and saddle["eigenvalues"] == [-2.0, 2.0]
    assert saddle["gd_lr_max"] == 1.0 and saddle["condition_number"] == 1.0
    cap = analyze(client, {"surface": {"expression": "-x**2 - 4*y**2"}, "point": [1, 1]})
    assert cap["curvature"] == "concave" and cap["gd_lr_max"] is None
    valley = analyze(client, {"surface": {"expression": "x**2"}, "point": [1, 1]})
    assert valley["curvature"] == "flat" and valley["condition_number"] is None and valley["gd_lr_max"] == 1.0


def test_regularization_adds_to_the_hessian(client: TestClient) -> None:
    plain = analyze(client, {"surface": {"name": "booth"}, "point": [0.5, 0.5]})
    penalized = analyze(client, {"surface": {"name": "booth"}, "point": [0.5, 0.5], "regularization": {"l2": 3.0}})
    np.testing.assert_allclose(np.array(penalized["hessian"]) - np.array(plain["hessian"]), 3 * np.eye(2))
    np.testing.assert_allclose(np.array(penalized["eigenvalues"]) - np.array(plain["eigenvalues"]), [3, 3])
    assert penalized["value"] == pytest.approx(plain["value"] + 1.5 * 0.5)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"surface": {"name": "ackley"}, "point": [0, 0]}, "point"),
        ({"surface": {"name": "rosenbrock"}, "point": [1e7, 0]}, "point"),
        ({"surface": {"name": "rosenbrock"}, "point": [True, 0]}, "point"),
        ({"surface": {"name": "rosenbrock"}, "regularization": {"l2": -1}}, "regularization.l2"),
        ({"surface": {"name": "rosenbrock"}, "spot": [0, 0]}, "spot"),
        ({"surface": {"name": "nope"}}, "surface"),
    ],
)
def test_analyze_refusals_name_the_field(client: TestClient, body: dict, field: str) -> None:
    assert field in refused(client, "/api/analyze", body)


def test_momentum_map_from_eigenvalues(client: TestClient) -> None:
    body = {"eigenvalues": [1.0, 10.0], "lr": {"range": [0, 0.5], "n": 51}, "momentum": {"range": [0, 0.99], "n": 12}}
    found = momentum(client, body)
    lr, mu = np.linspace(0, 0.5, 51), np.linspace(0, 0.99, 12)
    assert found["lr"] == lr.tolist() and found["momentum"] == mu.tolist()
    np.testing.assert_array_equal(np.array(found["rate"]), momentum_rates(np.array([1.0, 10.0]), lr, mu))
    # Plain GD's row: |1 − lr·λ| for the stiffer direction past 2/λmax…, the flatter one before.
    np.testing.assert_allclose(found["rate"][0], np.maximum(np.abs(1 - lr), np.abs(1 - 10 * lr)), atol=1e-15)
    assert found["eigenvalues"] == [1.0, 10.0]


def test_momentum_map_defaults(client: TestClient) -> None:
    found = momentum(client, {"eigenvalues": [4.0]})
    assert found["lr"] == np.linspace(0, 1.0, 200).tolist()  # [0, 4/λmax]
    assert found["momentum"] == np.linspace(0, 0.999, 100).tolist()
    assert len(found["rate"]) == 100 and all(len(row) == 200 for row in found["rate"])
    logged = momentum(client, {"eigenvalues": [4.0], "lr": {"n": 20, "log": True}, "nesterov": True})
    assert logged["lr"] == np.geomspace(1e-3, 1.0, 20).tolist()
    expected = momentum_rates(np.array([4.0]), np.geomspace(1e-3, 1.0, 20), np.linspace(0, 0.999, 100), True)
    np.testing.assert_array_equal(np.array(logged["rate"]), expected)


def test_momentum_map_of_a_surface_uses_its_positive_curvatures(client: TestClient) -> None:
    point = {"surface": {"name": "himmelblau"}, "point": [3.0, 2.0]}
    curvatures = analyze(client, point)["eigenvalues"]
    axes = {"lr": {"range": [0, 0.05], "n": 30}, "momentum": {"n": 7}}
    assert momentum(client, {**point, **axes}) == momentum(client, {"eigenvalues": curvatures, **axes})
    saddle = momentum(client, {"surface": {"name": "saddle"}, "point": [0, 0], **axes})
    assert saddle["eigenvalues"] == [2.0]  # the descending direction has no bowl to map
    assert "point" in refused(
        client, "/api/analyze/momentum", {"surface": {"expression": "-x**2-y**2"}, "point": [0, 0]}
    )


def test_rates_past_float64_are_null(client: TestClient) -> None:
    steep = {"surface": {"expression": "1e200*x**2 + y**2"}, "point": [0, 0]}
    found = momentum(client, {**steep, "lr": {"range": [0, 1e12], "n": 3}, "momentum": {"n": 2}})
    assert found["rate"][0][0] == 1.0 and found["rate"][0][2] is None and found["rate"][1][2] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"eigenvalues": [0.0]}, "eigenvalues"),
        ({"eigenvalues": [1.0, 2.0, 3.0]}, "eigenvalues"),
        ({"eigenvalues": [1.0], "lr": {"n": 401}}, "lr.n"),
        ({"eigenvalues": [1.0], "momentum": {"n": 1}}, "momentum.n"),
        ({"eigenvalues": [1.0], "lr": {"range": [0, 1], "log": True}}, "lr.range"),
        ({"eigenvalues": [1.0], "lr": {"range": [1, 0]}}, "lr"),
        ({"eigenvalues": [1.0], "momentum": {"range": [-0.5, 0.5]}}, "momentum.range"),
        ({"eigenvalues": [1e16]}, "eigenvalues"),
        ({"eigenvalues": [1.0], "lr": {"range": [0, 1e13]}}, "lr.range"),
        ({"eigenvalues": [1.0], "momentum": {"range": [0, 11]}}, "momentum.range"),
        ({"eigenvalues": [1.0], "surface": {"name": "saddle"}}, "eigenvalues: give either"),
        ({"eigenvalues": [1.0], "point": [0, 0]}, "point: goes with a surface"),
        ({}, "eigenvalues: give either"),
    ],
)
def test_momentum_refusals_name_the_field(client: TestClient, body: dict, field: str) -> None:
    assert field in refused(client, "/api/analyze/momentum", body)
