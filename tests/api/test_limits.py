"""Every limit and every bad value answers 422 with a message that names the field (SPEC §7)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from .conftest import put, rosenbrock_run

BASE = rosenbrock_run(steps=20)


def with_(path: str, value: Any) -> dict[str, Any]:
    """BASE with the value at a dotted path (list indices as numbers) replaced or added."""
    return put(BASE, path, value)


CASES = [
    # (request body, field the message must start with)
    (with_("optimizers", [{"name": "sgd"}] * 17), "optimizers"),
    (with_("optimizers", []), "optimizers"),
    (with_("steps", 100_001), "steps"),
    (with_("steps", 0), "steps"),
    (with_("every", 0), "every"),
    (with_("tol", -1), "tol"),
    (with_("start", [2e6, 0]), "start[0]"),
    (with_("start", [0]), "start"),
    (with_("surprise", 1), "surprise"),
    (with_("surface", {"name": "nope"}), "surface.name"),
    (with_("surface", {"name": "rosenbrock", "params": {"c": 1}}), "surface.params.c"),
    (with_("surface", {"name": "quadratic", "params": {"kappa": 0}}), "surface.params.kappa"),
    (with_("surface", {"name": "rosenbrock", "color": "red"}), "surface.color"),
    (with_("surface", {"expression": "x" * 301}), "surface.expression"),
    (with_("surface", {"expression": "x.real"}), "surface.expression"),
    (with_("surface", {"expression": "x", "domain": {"x": [1, -1], "y": [0, 1]}}), "surface.domain.x"),
    (with_("optimizers.0.name", "adamx"), "optimizers[0]"),
    (with_("optimizers.0.params.lr", 0), "optimizers[0].params.lr"),
    (with_("optimizers.0.params.lr", 1001), "optimizers[0].params.lr"),
    (with_("optimizers.0.params.momentum", -0.1), "optimizers[0].params.momentum"),
    (with_("optimizers.0.params", {"lr": 1e-3, "nesterov": True}), "optimizers[0].params.nesterov"),
    (
        with_("optimizers.0.params", {"momentum": 0.9, "dampening": 0.1, "nesterov": True}),
        "optimizers[0].params.nesterov",
    ),
    (with_("optimizers.0.params.shiny", True), "optimizers[0].params.shiny"),
    (with_("optimizers.0.color", "red"), "optimizers[0].color"),
    (with_("optimizers.1.params.betas", [1.0, 0.9]), "optimizers[1].params.betas[0]"),
    (with_("optimizers.1.params.betas", [0.9]), "optimizers[1].params.betas"),
    (with_("optimizers.1.params.eps", -1e-8), "optimizers[1].params.eps"),
    (with_("optimizers.1.params.weight_decay", -1), "optimizers[1].params.weight_decay"),
    (with_("schedule", {"name": "step", "gamma": 0}), "schedule.gamma"),
    (with_("schedule", {"name": "step", "gamma": 1.5}), "schedule.gamma"),
    (with_("schedule", {"name": "step", "step_size": 0}), "schedule.step_size"),
    (with_("schedule", {"name": "cosine", "T_max": 0}), "schedule.T_max"),
    (with_("schedule", {"name": "cosine", "eta_min": -1}), "schedule.eta_min"),
    (with_("schedule", {"name": "warmup_cosine", "warmup": 0}), "schedule.warmup"),
    (with_("schedule", {"name": "cyclic", "max_lr": 2000}), "schedule.max_lr"),
    (with_("schedule", {"name": "cyclic", "step_size_up": 0}), "schedule.step_size_up"),
    (with_("schedule", {"name": "exponential", "T_max": 3}), "schedule.T_max"),
    (with_("schedule", {"name": "sawtooth"}), "schedule"),
    (with_("clip", {"max_norm": 1, "value": 1}), "clip"),
    (with_("clip", {}), "clip"),
    (with_("clip", {"max_norm": 0}), "clip.max_norm"),
    (with_("clip", {"value": -1}), "clip.value"),
    (with_("noise", {"std": -1}), "noise.std"),
    (with_("noise", {"seed": 2**32}), "noise.seed"),
    (with_("noise", {"seed": 1.5}), "noise.seed"),
    (with_("regularization", {"l1": -1}), "regularization.l1"),
    (with_("regularization", {"l2": -1}), "regularization.l2"),
    (with_("regularization", {"l3": 1}), "regularization.l3"),
    # every integer is bounded, so none is too big to write back (2**64 was a 500 after the whole run)
    (with_("schedule", {"name": "cosine", "T_max": 2**64}), "schedule.T_max"),
    (with_("schedule", {"name": "step", "step_size": 100_001}), "schedule.step_size"),
    (with_("schedule", {"name": "warmup_cosine", "warmup": 10**30}), "schedule.warmup"),
    (with_("schedule", {"name": "cyclic", "step_size_down": 2**63}), "schedule.step_size_down"),
    (with_("noise", {"seed": 2**64}), "noise.seed"),
    (with_("every", 10**20), "every"),
    (with_("start", [0, 10**400]), "start[1]"),
    (with_("surface", {"expression": "x", "domain": {"x": [0, 2e6], "y": [0, 1]}}), "surface.domain.x[1]"),
    (with_("surface", {"expression": "x", "start": [-2e6, 0]}), "surface.start[0]"),
    # strict types
    (with_("steps", True), "steps"),
    (with_("steps", "20"), "steps"),
    (with_("optimizers.0.params.lr", "0.1"), "optimizers[0].params.lr"),
    (with_("optimizers.0.params.nesterov", 1), "optimizers[0].params.nesterov"),
    (with_("schedule", {"name": "cosine", "T_max": 2.5}), "schedule.T_max"),
]


@pytest.mark.parametrize("path", ["/api/run", "/api/run/stream"])
@pytest.mark.parametrize(("body", "field"), CASES, ids=[c[1] + f"#{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_a_422_naming_the_field(client, path, body, field):
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    messages = [error["msg"] for error in response.json()["detail"]]
    assert any(m.startswith(f"{field}:") or m.startswith(f"{field}.") or m.startswith(f"{field}[") for m in messages), (
        messages
    )


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_in_the_body_are_refused(client, token):
    raw = '{"surface": {"name": "rosenbrock"}, "start": [TOKEN, 0], "optimizers": [{"name": "adam"}]}'
    raw = raw.replace("TOKEN", token)
    response = client.post("/api/run", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith("start[0]")


ATTACKS = [
    "__import__('os').system('touch /tmp/gdviz-pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda: 1)()",
    "[x for x in (1, 2)]",
    "'abc'",
    "x[0]",
    "exp(x=1)",
    "9**9**9**9",
    "10**10**10",
    "exp(exp(exp(10)))",
    "1/0",
    "log(-1)",
    "sqrt(-1)*x",
    "x if y else 1",
    "open('/etc/passwd')",
    "(x := 3)",
]


@pytest.mark.parametrize("expression", ATTACKS)
def test_the_expression_sandbox_refuses_attacks_without_running_them(client, expression):
    for path in ("/api/run", "/api/grid"):
        body = {"surface": {"expression": expression}}
        if path == "/api/run":
            body["optimizers"] = [{"name": "adam"}]
        response = client.post(path, json=body)
        assert response.status_code == 422
        message = response.json()["detail"][0]["msg"]
        assert message.startswith("surface.expression: ") and len(message) > len("surface.expression: ") + 5
    assert not os.path.exists("/tmp/gdviz-pwned")


@pytest.mark.parametrize("path", ["/api/run", "/api/grid"])
def test_not_json_is_a_422(client, path):
    response = client.post(path, content="{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_a_formula_too_costly_to_differentiate_is_refused(client):
    nested = "exp(x*" * 20 + "y" + ")" * 20  # sympy would need seconds for its Hessian
    answers = [client.post("/api/grid", json={"surface": {"expression": nested}}) for _ in range(2)]
    assert [a.status_code for a in answers] == [422, 422]
    message = answers[0].json()["detail"][0]["msg"]
    assert message.startswith("surface.expression: is too complex: its second derivatives would need about ")
    assert message.endswith(" operations (limit 40 000)")
    assert answers[1].json() == answers[0].json()  # decided by the formula alone: the same every time
