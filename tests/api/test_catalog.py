"""GET /api/surfaces, /api/optimizers, /api/schedules."""

from __future__ import annotations

import math

from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.schedules import SCHEDULES
from tests.spec import SPEC_OPTIMIZERS, SPEC_SURFACES


def test_surfaces_list_every_builtin_with_its_metadata(client):
    surfaces = {s["name"]: s for s in client.get("/api/surfaces").json()}
    assert set(surfaces) == SPEC_SURFACES
    for s in surfaces.values():
        assert set(s) >= {"name", "title", "formula", "params", "domain", "start", "minima", "saddles", "description"}
        (x0, x1), (y0, y1) = s["domain"]["x"], s["domain"]["y"]
        assert x0 < x1 and y0 < y1
        assert x0 <= s["start"][0] <= x1 and y0 <= s["start"][1] <= y1
    assert surfaces["rosenbrock"]["params"] == {"a": 1.0, "b": 100.0}
    assert surfaces["quadratic"]["params"] == {"kappa": 10.0, "angle": 0.0}
    assert surfaces["rosenbrock"]["minima"] == [{"x": 1.0, "y": 1.0, "f": 0.0}]
    assert surfaces["goldstein_price"]["minima"][0]["f"] == 3.0
    assert math.isclose(surfaces["six_hump_camel"]["minima"][0]["f"], -1.0316284534898772, rel_tol=1e-12)
    assert len(surfaces["himmelblau"]["minima"]) == 4
    assert surfaces["saddle"]["saddles"] == [{"x": 0.0, "y": 0.0, "f": 0.0}]


def test_optimizers_list_every_optimizer_with_torch_names_and_defaults(client):
    optimizers = {o["name"]: o for o in client.get("/api/optimizers").json()}
    assert set(optimizers) == SPEC_OPTIMIZERS
    adam = {p["name"]: p for p in optimizers["adam"]["params"]}
    assert list(adam) == ["lr", "betas", "eps", "weight_decay", "amsgrad"]
    assert adam["lr"]["default"] == 1e-3 and adam["lr"]["log"] and adam["lr"]["min_exclusive"]
    assert adam["betas"]["default"] == [0.9, 0.999] and adam["betas"]["type"] == "betas"
    assert {p["name"] for p in optimizers["sgd"]["params"]} == {
        "lr",
        "momentum",
        "dampening",
        "weight_decay",
        "nesterov",
    }
    assert optimizers["adamw"]["params"][3]["default"] == 1e-2
    assert optimizers["newton"]["needs_hessian"] and not optimizers["newton"]["torch"]
    for o in optimizers.values():
        assert o["update"] and o["reference"] and o["title"]


def test_schedules_list_matches_the_registry(client):
    schedules = {s["name"]: s for s in client.get("/api/schedules").json()}
    assert set(schedules) == set(SCHEDULES)
    step = {p["name"]: p for p in schedules["step"]["params"]}
    assert step["step_size"]["default"] is None and "steps // 4" in step["step_size"]["description"]


def test_catalog_is_generated_from_the_registries(client):
    listed = {o["name"]: [p["name"] for p in o["params"]] for o in client.get("/api/optimizers").json()}
    assert listed == {name: [p.name for p in d.params] for name, d in OPTIMIZERS.items()}
