"""Fixtures of the API tests: one app, one client."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gdviz.main import app


@pytest.fixture(scope="session")
def client() -> TestClient:
    return TestClient(app)


def strict_json(text: str) -> Any:
    """Parse JSON, refusing NaN and ±Infinity (json.loads would accept them)."""

    def refuse(token: str) -> None:
        raise AssertionError(f"non-finite number {token} in JSON")

    return json.loads(text, parse_constant=refuse)


def ndjson(text: str) -> list[dict[str, Any]]:
    return [strict_json(line) for line in text.splitlines() if line]


def rosenbrock_run(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "surface": {"name": "rosenbrock"},
        "start": [-1.5, 2.0],
        "steps": 300,
        "optimizers": [
            {"name": "sgd", "params": {"lr": 1e-3, "momentum": 0.9}, "label": "Momentum"},
            {"name": "adam", "params": {"lr": 0.05}},
        ],
    }
    body.update(overrides)
    return body


def put(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `body` with the value at a dotted path (list indices as numbers) set."""
    body = copy.deepcopy(body)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = body
    for part in parents:
        node = node[part]
    node[last] = value
    return body
