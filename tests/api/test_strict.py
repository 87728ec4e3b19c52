"""Strict request types: no bool or string is a number, no number a bool or a string, 1.5 is not an
integer (2.0 is); and every integer (and every number the engine needs bounded) has both bounds in
/openapi.json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from gdviz.api.models.base import Request
from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.schedules import SCHEDULES

from .conftest import put, rosenbrock_run

RUN = rosenbrock_run(steps=20)
TRAIN: dict[str, Any] = {
    "dataset": {"name": "moons", "n": 40, "noise": 0.1, "seed": 0},
    "model": {"hidden": [4], "seed": 0},
    "optimizer": {"name": "adam", "params": {"lr": 0.02}},
    "steps": 20,
    "record_every": 5,
    "boundary": {"n": 5},
    "landscape": {"n": 3},
}
GRID = {"surface": {"name": "booth"}, "n": 7}
CUSTOM = {"expression": "x**2 + y**2", "domain": {"x": [-1, 1], "y": [-1, 1]}, "start": [0.5, 0.5]}

MESSAGES = {
    "number": ("Input should be a valid number", "float_type"),
    "integer": ("Input should be a valid integer", "int_type"),
    "boolean": ("Input should be a valid boolean", "bool_type"),
    "string": ("Input should be a valid string", "string_type"),
}


def refusal(loc: list[Any], path: str, kind: str) -> dict[str, Any]:
    message, error_type = MESSAGES[kind]
    return {"detail": [{"loc": ["body", *loc], "msg": f"{path}: {message}", "type": error_type}]}


# (endpoint, request body, loc after "body", field path of the message, what the field is)
CASES = [
    # top level of a run
    ("/api/run", put(RUN, "steps", True), ["steps"], "steps", "integer"),
    ("/api/run", put(RUN, "steps", False), ["steps"], "steps", "integer"),
    ("/api/run", put(RUN, "steps", "20"), ["steps"], "steps", "integer"),
    ("/api/run", put(RUN, "steps", 20.5), ["steps"], "steps", "integer"),
    ("/api/run", put(RUN, "every", True), ["every"], "every", "integer"),
    ("/api/run", put(RUN, "tol", "0.1"), ["tol"], "tol", "number"),
    ("/api/run", put(RUN, "tol", True), ["tol"], "tol", "number"),
    ("/api/run", put(RUN, "start", [True, 0]), ["start", 0], "start[0]", "number"),
    ("/api/run", put(RUN, "start", [0, "1.5"]), ["start", 1], "start[1]", "number"),
    # surfaces
    (
        "/api/run",
        put(RUN, "surface.params", {"a": True}),
        ["surface", "builtin", "params", "a"],
        "surface.params.a",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "surface.params", {"b": "100"}),
        ["surface", "builtin", "params", "b"],
        "surface.params.b",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "surface", {"expression": 5}),
        ["surface", "custom", "expression"],
        "surface.expression",
        "string",
    ),
    (
        "/api/run",
        put(RUN, "surface", put(CUSTOM, "domain.x", [-1, "1"])),
        ["surface", "custom", "domain", "x", 1],
        "surface.domain.x[1]",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "surface", put(CUSTOM, "start", [False, 0])),
        ["surface", "custom", "start", 0],
        "surface.start[0]",
        "number",
    ),
    # optimizers and their params
    (
        "/api/run",
        put(RUN, "optimizers.0.params.lr", "0.1"),
        ["optimizers", 0, "sgd", "params", "lr"],
        "optimizers[0].params.lr",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "optimizers.0.params.lr", True),
        ["optimizers", 0, "sgd", "params", "lr"],
        "optimizers[0].params.lr",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "optimizers.0.params.momentum", "0.9"),
        ["optimizers", 0, "sgd", "params", "momentum"],
        "optimizers[0].params.momentum",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "optimizers.0.params.nesterov", 1),
        ["optimizers", 0, "sgd", "params", "nesterov"],
        "optimizers[0].params.nesterov",
        "boolean",
    ),
    (
        "/api/run",
        put(RUN, "optimizers.0.params.nesterov", "true"),
        ["optimizers", 0, "sgd", "params", "nesterov"],
        "optimizers[0].params.nesterov",
        "boolean",
    ),
    (
        "/api/run",
        put(RUN, "optimizers.1.params.betas", [True, 0.9]),
        ["optimizers", 1, "adam", "params", "betas", 0],
        "optimizers[1].params.betas[0]",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "optimizers.1.params.betas", [0.9, "0.99"]),
        ["optimizers", 1, "adam", "params", "betas", 1],
        "optimizers[1].params.betas[1]",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "optimizers.1.params.amsgrad", 0),
        ["optimizers", 1, "adam", "params", "amsgrad"],
        "optimizers[1].params.amsgrad",
        "boolean",
    ),
    ("/api/run", put(RUN, "optimizers.0.label", 7), ["optimizers", 0, "sgd", "label"], "optimizers[0].label", "string"),
    (
        "/api/run",
        put(RUN, "optimizers.0.label", True),
        ["optimizers", 0, "sgd", "label"],
        "optimizers[0].label",
        "string",
    ),
    # schedules
    (
        "/api/run",
        put(RUN, "schedule", {"name": "cosine", "T_max": True}),
        ["schedule", "cosine", "T_max"],
        "schedule.T_max",
        "integer",
    ),
    (
        "/api/run",
        put(RUN, "schedule", {"name": "cosine", "T_max": "10"}),
        ["schedule", "cosine", "T_max"],
        "schedule.T_max",
        "integer",
    ),
    (
        "/api/run",
        put(RUN, "schedule", {"name": "cosine", "T_max": 10.5}),
        ["schedule", "cosine", "T_max"],
        "schedule.T_max",
        "integer",
    ),
    (
        "/api/run",
        put(RUN, "schedule", {"name": "cosine", "eta_min": "0"}),
        ["schedule", "cosine", "eta_min"],
        "schedule.eta_min",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "schedule", {"name": "step", "gamma": True}),
        ["schedule", "step", "gamma"],
        "schedule.gamma",
        "number",
    ),
    (
        "/api/run",
        put(RUN, "schedule", {"name": "cyclic", "step_size_up": False}),
        ["schedule", "cyclic", "step_size_up"],
        "schedule.step_size_up",
        "integer",
    ),
    (
        "/api/run",
        put(RUN, "schedule", {"name": "warmup_cosine", "warmup": 2.5}),
        ["schedule", "warmup_cosine", "warmup"],
        "schedule.warmup",
        "integer",
    ),
    # clipping, noise, regularization
    ("/api/run", put(RUN, "clip", {"max_norm": True}), ["clip", "max_norm"], "clip.max_norm", "number"),
    ("/api/run", put(RUN, "clip", {"value": "1"}), ["clip", "value"], "clip.value", "number"),
    ("/api/run", put(RUN, "noise", {"std": "0.1"}), ["noise", "std"], "noise.std", "number"),
    ("/api/run", put(RUN, "noise", {"seed": True}), ["noise", "seed"], "noise.seed", "integer"),
    ("/api/run", put(RUN, "noise", {"seed": 1.5}), ["noise", "seed"], "noise.seed", "integer"),
    ("/api/run", put(RUN, "regularization", {"l1": True}), ["regularization", "l1"], "regularization.l1", "number"),
    # the stream takes the same model
    ("/api/run/stream", put(RUN, "steps", True), ["steps"], "steps", "integer"),
    (
        "/api/run/stream",
        put(RUN, "optimizers.0.params.lr", "0.1"),
        ["optimizers", 0, "sgd", "params", "lr"],
        "optimizers[0].params.lr",
        "number",
    ),
    # grid
    ("/api/grid", put(GRID, "n", True), ["n"], "n", "integer"),
    ("/api/grid", put(GRID, "n", "7"), ["n"], "n", "integer"),
    ("/api/grid", put(GRID, "n", 7.5), ["n"], "n", "integer"),
    ("/api/grid", put(GRID, "x_range", [0, True]), ["x_range", 1], "x_range[1]", "number"),
    # training
    ("/api/train", put(TRAIN, "steps", True), ["steps"], "steps", "integer"),
    ("/api/train", put(TRAIN, "steps", "20"), ["steps"], "steps", "integer"),
    ("/api/train", put(TRAIN, "record_every", 2.5), ["record_every"], "record_every", "integer"),
    ("/api/train", put(TRAIN, "batch_size", "10"), ["batch_size"], "batch_size", "integer"),
    ("/api/train", put(TRAIN, "l2", True), ["l2"], "l2", "number"),
    ("/api/train", put(TRAIN, "dropout", "0.1"), ["dropout"], "dropout", "number"),
    ("/api/train", put(TRAIN, "include_weights", 1), ["include_weights"], "include_weights", "boolean"),
    ("/api/train", put(TRAIN, "include_weights", "false"), ["include_weights"], "include_weights", "boolean"),
    ("/api/train", put(TRAIN, "dataset.n", True), ["dataset", "n"], "dataset.n", "integer"),
    ("/api/train", put(TRAIN, "dataset.noise", "0.1"), ["dataset", "noise"], "dataset.noise", "number"),
    ("/api/train", put(TRAIN, "dataset.seed", 0.5), ["dataset", "seed"], "dataset.seed", "integer"),
    ("/api/train", put(TRAIN, "model.hidden", [4, True]), ["model", "hidden", 1], "model.hidden[1]", "integer"),
    ("/api/train", put(TRAIN, "model.hidden", ["4"]), ["model", "hidden", 0], "model.hidden[0]", "integer"),
    ("/api/train", put(TRAIN, "model.init_scale", "1"), ["model", "init_scale"], "model.init_scale", "number"),
    ("/api/train", put(TRAIN, "model.seed", False), ["model", "seed"], "model.seed", "integer"),
    ("/api/train", put(TRAIN, "boundary.n", 5.5), ["boundary", "n"], "boundary.n", "integer"),
    ("/api/train", put(TRAIN, "landscape.span", True), ["landscape", "span"], "landscape.span", "number"),
    (
        "/api/train",
        put(TRAIN, "optimizer.params.lr", "0.02"),
        ["optimizer", "adam", "params", "lr"],
        "optimizer.params.lr",
        "number",
    ),
    (
        "/api/train",
        put(TRAIN, "schedule", {"name": "step", "step_size": True}),
        ["schedule", "step", "step_size"],
        "schedule.step_size",
        "integer",
    ),
    ("/api/train/stream", put(TRAIN, "steps", True), ["steps"], "steps", "integer"),
]


@pytest.mark.parametrize(
    ("endpoint", "body", "loc", "path", "kind"), CASES, ids=[f"{c[0]}:{c[3]}#{i}" for i, c in enumerate(CASES)]
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_field(client, endpoint, body, loc, path, kind):
    response = client.post(endpoint, json=body)
    assert response.status_code == 422, response.text
    assert response.json() == refusal(loc, path, kind)


def _runs(response: Any) -> list[list[float]]:
    assert response.status_code == 200, response.text
    return [run["x"] for run in response.json()["runs"]]


def test_an_integer_written_with_a_zero_fraction_is_that_integer(client):
    assert _runs(client.post("/api/run", json=put(RUN, "steps", 20.0))) == _runs(client.post("/api/run", json=RUN))
    noisy = put(RUN, "noise", {"std": 1.0, "seed": 3})
    assert _runs(client.post("/api/run", json=put(noisy, "noise.seed", 3.0))) == _runs(
        client.post("/api/run", json=noisy)
    )
    cosine = client.post("/api/run", json=put(RUN, "schedule", {"name": "cosine", "T_max": 10.0}))
    assert cosine.status_code == 200 and cosine.json()["schedule"]["T_max"] == 10
    grid = client.post("/api/grid", json=put(GRID, "n", 7.0))
    assert grid.status_code == 200 and len(grid.json()["x"]) == 7
    training = client.post("/api/train", json=put(put(TRAIN, "steps", 20.0), "record_every", 5.0))
    assert training.status_code == 200 and training.json()["steps"] == [0, 5, 10, 15, 20]


def test_an_integer_is_taken_where_a_number_is_wanted(client):
    as_float = put(put(RUN, "optimizers.1.params.lr", 1.0), "start", [-1.0, 2.0])
    as_int = put(put(RUN, "optimizers.1.params.lr", 1), "start", [-1, 2])
    assert _runs(client.post("/api/run", json=as_int)) == _runs(client.post("/api/run", json=as_float))


def _wrong(kind: str) -> list[Any]:
    return {"float": [True, "0.5"], "int": [True, "3", 2.5], "bool": [1, 0, "true"], "betas": [[True, 0.9], "0.9"]}[
        kind
    ]


OPTIMIZER_PARAMS = [(name, p) for name, d in OPTIMIZERS.items() for p in d.params]


@pytest.mark.parametrize(("name", "param"), OPTIMIZER_PARAMS, ids=[f"{n}.{p.name}" for n, p in OPTIMIZER_PARAMS])
def test_every_optimizer_param_is_strict(client, name, param):
    for value in _wrong(param.type):
        body = put(RUN, "optimizers", [{"name": name, "params": {param.name: value}}])
        response = client.post("/api/run", json=body)
        assert response.status_code == 422, (value, response.text)
        (error,) = response.json()["detail"]
        assert error["loc"][:6] == ["body", "optimizers", 0, name, "params", param.name], error
        assert error["msg"].startswith(f"optimizers[0].params.{param.name}"), error
        assert error["type"] in ("float_type", "int_type", "bool_type", "tuple_type"), error


SCHEDULE_PARAMS = [(name, p) for name, d in SCHEDULES.items() for p in d.params]


@pytest.mark.parametrize(("name", "param"), SCHEDULE_PARAMS, ids=[f"{n}.{p.name}" for n, p in SCHEDULE_PARAMS])
def test_every_schedule_param_is_strict(client, name, param):
    for value in _wrong(param.type):
        response = client.post("/api/run", json=put(RUN, "schedule", {"name": name, param.name: value}))
        assert response.status_code == 422, (value, response.text)
        kind = "integer" if param.type == "int" else "number"
        assert response.json() == refusal(["schedule", name, param.name], f"schedule.{param.name}", kind)


# --- the schema, walked ----------------------------------------------------------------------------------


def _request_schemas(openapi: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every component schema a request body reaches, by name."""
    components = openapi["components"]["schemas"]
    found: dict[str, dict[str, Any]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[1]
                if name not in found:
                    found[name] = components[name]
                    visit(components[name])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for operation in (op for path in openapi["paths"].values() for op in path.values()):
        visit(operation.get("requestBody", {}))
    return found


def _leaves(schema: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, schema) of every typed value of a property: through null unions, arrays, pairs and maps."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "array":
            for i, item in enumerate(branch.get("prefixItems", [])):
                yield from _leaves(item, f"{where}[{i}]")
            if "items" in branch:
                yield from _leaves(branch["items"], f"{where}[]")
        elif branch.get("type") == "object" and isinstance(branch.get("additionalProperties"), dict):
            yield from _leaves(branch["additionalProperties"], f"{where}{{}}")
        elif "type" in branch and branch["type"] != "null":
            yield where, branch


def _typed_properties(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, schema in _request_schemas(openapi).items():
        for prop, prop_schema in schema.get("properties", {}).items():
            for where, leaf in _leaves(prop_schema, prop):
                yield name, where, leaf


def _keys(node: Any) -> Iterator[str]:
    """Every key of every schema node that has a type."""
    if isinstance(node, dict):
        if "type" in node:
            yield from node
        for value in node.values():
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


def _bounded(schema: dict[str, Any]) -> bool:
    lower = "minimum" in schema or "exclusiveMinimum" in schema
    upper = "maximum" in schema or "exclusiveMaximum" in schema
    return lower and upper


# Numbers that may be as large as a float goes: a large value is valid arithmetic, and the run
# says what happened (converged, diverged, or a 422 naming the start) — never a 500.
# test_an_unbounded_number_at_its_largest_is_an_answer checks that.
UNBOUNDED_ABOVE = {
    "momentum",
    "momentum_decay",
    "weight_decay",
    "eps",
    "lr_decay",
    "initial_accumulator_value",
    "damping",
    "tol",
    "std",
    "l1",
    "l2",
    "max_norm",
    "value",
}


def test_every_integer_and_every_needed_number_bound_is_in_the_schema(client):
    openapi = client.get("/openapi.json").json()
    missing = []
    for name, where, leaf in _typed_properties(openapi):
        if leaf["type"] == "integer" and not _bounded(leaf):
            missing.append(f"{name}.{where}: integer without both bounds")
        if leaf["type"] == "number" and not _bounded(leaf):
            unbounded_ok = where in UNBOUNDED_ABOVE or (name == "BuiltinSurface" and where == "params{}")
            if not unbounded_ok:
                missing.append(f"{name}.{where}: number without both bounds")
            elif where in UNBOUNDED_ABOVE and "minimum" not in leaf and "exclusiveMinimum" not in leaf:
                missing.append(f"{name}.{where}: number without a lower bound")
    assert not missing, "\n".join(missing)
    # pydantic writes a bound it could not place as `ge`/`le`, which JSON Schema ignores
    assert not [key for key in _keys(openapi) if key in ("ge", "gt", "le", "lt")]
    # the walk saw the integers it is about
    integers = {f"{name}.{where}" for name, where, leaf in _typed_properties(openapi) if leaf["type"] == "integer"}
    assert {"RunRequest.steps", "CosineSchedule.T_max", "TrainRequest.record_every", "ModelConfig.hidden[]"} <= integers


EXTREMES = [
    ("optimizers", [{"name": "sgd", "params": {"momentum": 1e308, "weight_decay": 1e308}}]),
    (
        "optimizers",
        [{"name": "adagrad", "params": {"lr_decay": 1e308, "initial_accumulator_value": 1e308, "eps": 1e308}}],
    ),
    ("optimizers", [{"name": "newton", "params": {"damping": 1e308}}]),
    ("optimizers", [{"name": "nadam", "params": {"momentum_decay": 1e308}}]),
    ("tol", 1e308),
    ("noise", {"std": 1e308}),
    ("regularization", {"l1": 1e308, "l2": 1e308}),
    ("clip", {"max_norm": 1e308}),
    ("clip", {"value": 1e308}),
]


@pytest.mark.parametrize(("key", "value"), EXTREMES, ids=[f"{k}#{i}" for i, (k, _) in enumerate(EXTREMES)])
def test_an_unbounded_number_at_its_largest_is_an_answer(client, key, value):
    response = client.post("/api/run", json=put(RUN, key, value))
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:  # e.g. "start: the loss or its gradient is not finite at the start point"
        assert all(set(e) >= {"loc", "msg", "type"} and ": " in e["msg"] for e in response.json()["detail"])


def _request_models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    todo: list[type[BaseModel]] = [Request]
    while todo:
        for sub in todo.pop().__subclasses__():
            found[sub.__name__] = sub
            todo.append(sub)
    return found


def _error_type(model: type[BaseModel], field: str, value: Any) -> str | None:
    """The error of assigning `value` to `field` through the model's own (strict) validator, or None."""
    try:
        model.__pydantic_validator__.validate_assignment(model.model_construct(), field, value)
    except ValidationError as error:
        return error.errors()[0]["type"]
    return None


def _wrap(where: str, value: Any, leaf: dict[str, Any]) -> tuple[str, Any]:
    """The field to assign and the value that puts `value` at `where` (`x[0]`, `x[]`, `x{}`)."""
    field, _, rest = where.partition("[") if "[" in where else where.partition("{")
    if not rest:
        return field, value
    if rest == "]":
        return field, [value]
    if rest == "}":
        return field, {"a": value}
    ok = leaf.get("minimum", 0)
    return field, [value, ok] if rest.startswith("0") else [ok, value]


def test_every_request_field_in_the_schema_is_strict(client):
    """Every typed value of every request schema, through its model's validator: the schema walk
    finds fields added later too."""
    models = _request_models()
    seen = 0
    for name, where, leaf in _typed_properties(client.get("/openapi.json").json()):
        model = models[name]
        if leaf["type"] == "integer":
            wrong, right = [True, "3", 2.5], [float(leaf.get("minimum", 1))]
        elif leaf["type"] == "number":
            wrong, right = [True, "0.5"], []
        elif leaf["type"] == "boolean":
            wrong, right = [1, 0, "true"], [True]
        else:
            wrong, right = [1, 1.5, True], []
        for value in wrong:
            field, assigned = _wrap(where, value, leaf)
            assert _error_type(model, field, assigned) is not None, f"{name}.{where} took {value!r}"
        for value in right:
            field, assigned = _wrap(where, value, leaf)
            assert _error_type(model, field, assigned) is None, f"{name}.{where} refused {value!r}"
        seen += 1
    assert seen > 100
