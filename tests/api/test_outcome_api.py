"""`outcome` on /api/run and /api/run/stream."""

from __future__ import annotations

from gdviz.api.models.runs import StreamEnd
from gdviz.engine.outcome import OUTCOMES

from .conftest import ndjson, rosenbrock_run, strict_json

# The explorer's default optimizers (static/js/state.js DEFAULTS).

SADDLE_RUN = rosenbrock_run(
    surface={"name": "saddle"},
    start=[-1.8, 0.05],
    steps=120,
    optimizers=[
        {"name": "newton"},  # to the saddle in one step: "converged", yet no minimum
        {"name": "saddle_free_newton"},  # away along −y²: "diverged", toward −∞
        {"name": "sgd", "params": {"lr": 0.05}},  # y grows by 1.1 a step: still falling at the end
        {"name": "sgd", "params": {"lr": 0.001}},  # the same escape, barely begun
    ],
)
EXPECTED = [("converged", "saddle"), ("diverged", "unbounded"), ("max_steps", "unbounded"), ("max_steps", "moving")]


def test_every_run_carries_its_outcome(client):
    runs = strict_json(client.post("/api/run", json=SADDLE_RUN).text)["runs"]
    assert [(r["status"], r["outcome"]) for r in runs] == EXPECTED


def test_on_the_ridge_itself_no_method_leaves_the_saddle(client):
    # y = 0 exactly: the gradient has no y component, so even saddle-free Newton stays on the x-axis.
    runs = client.post("/api/run", json={**SADDLE_RUN, "start": [-1.5, 0.0]}).json()["runs"]
    assert [(r["status"], r["outcome"]) for r in runs] == [
        ("converged", "saddle"),
        ("converged", "saddle"),
        ("max_steps", "saddle"),  # 5e-6 from the saddle after 120 steps: arrived there
        ("max_steps", "moving"),  # still 1.2 away at lr 0.001
    ]


def test_a_quadratic_run_reaches_its_minimum_or_blows_up(client):
    body = rosenbrock_run(
        surface={"name": "quadratic"},
        start=[-2.5, 1.5],
        steps=500,
        optimizers=[
            {"name": "sgd", "params": {"lr": 0.1}},
            {"name": "sgd", "params": {"lr": 0.21}},
            {"name": "sgd", "params": {"lr": 0.2005}},
            {"name": "adam", "params": {"lr": 0.001}},
        ],
    )
    runs = client.post("/api/run", json=body).json()["runs"]
    assert [(r["status"], r["outcome"]) for r in runs] == [
        ("max_steps", "minimum"),
        ("diverged", "diverging"),
        ("max_steps", "diverging"),  # still growing when the steps ran out
        ("max_steps", "moving"),  # Adam at lr 0.001 has covered half a unit in 500 steps
    ]


def test_the_streams_end_lines_carry_the_runs_outcomes(client):
    lines = ndjson(client.post("/api/run/stream", json=SADDLE_RUN).text)
    ends = {line["run"]: line for line in lines if line["type"] == "end"}
    assert [(ends[i]["status"], ends[i]["outcome"]) for i in range(len(EXPECTED))] == EXPECTED


def test_thinning_the_points_changes_no_outcome(client):
    thinned = client.post("/api/run", json={**SADDLE_RUN, "every": 7}).json()["runs"]
    assert [(r["status"], r["outcome"]) for r in thinned] == EXPECTED


def test_the_schema_documents_the_six_outcomes(client):
    components = client.get("/openapi.json").json()["components"]["schemas"]
    # The stream's lines are documented in prose on the route; their model holds the same field.
    for schema in (components["RunTrace"], StreamEnd.model_json_schema()):
        field = schema["properties"]["outcome"]
        assert field["enum"] == list(OUTCOMES) and "outcome" in schema["required"]
        for name in OUTCOMES:
            assert f"'{name}'" in field["description"]
