"""A scene's query read the way its page reads it, but strictly, and the API request the page then sends.

The pages decode their URL with one table of fields each (static/js/state.js for the explorer,
static/js/network/state.js for the Network view, parse() in static/js/backprop/main.js for Backprop).
There an unknown key, a value a codec cannot parse, or an optimizer, surface or schedule the catalog
lacks quietly falls back to a default; a scene with a typo would still load, showing something else
than its narration describes. This mirror of the tables refuses all of those instead, so the tests
catch the typo. It also gives the body of POST /api/run (the explorer's `runBody`), POST /api/train (the
Network view's `trainBody`) or POST /api/backprop (Backprop's `request`), so a test can check what a scene
says against what the API computes for it.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, get_args
from urllib.parse import parse_qsl

from gdviz.api.models.train import LandscapeConfig, ModelConfig

PAGES = {"surfaces": "/", "network": "/network", "backprop": "/backprop", "sweep": "/sweep"}
MAX_OPTIMIZERS = 16  # the explorer keeps the first 16 `o` entries
MAX_RUNS = 8  # the Network view's race keeps its first 8
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[a-z_]+")


class SceneError(ValueError):
    """The query would not decode to what it says: the page would show a default in its place."""


@dataclass(frozen=True)
class Catalog:
    """What the API offers, as the pages learn it: names and parameter types."""

    surfaces: dict[str, set[str]]  # name -> parameter names
    optimizers: dict[str, dict[str, str]]  # name -> parameter name -> type (float, int, bool, betas)
    schedules: dict[str, dict[str, str]]
    datasets: set[str]
    activations: set[str]
    inits: set[str]
    landscapes: set[str]
    data_surfaces: frozenset[str] = frozenset()  # surfaces of kind "data": only they take mini-batches


def catalog_from(client: Any) -> Catalog:
    def params(entries: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
        return {e["name"]: {p["name"]: p["type"] for p in e["params"]} for e in entries}

    return Catalog(
        surfaces={s["name"]: set(s["params"]) for s in client.get("/api/surfaces").json()},
        optimizers=params(client.get("/api/optimizers").json()),
        schedules=params(client.get("/api/schedules").json()),
        datasets={d["name"] for d in client.get("/api/datasets").json()},
        activations=set(get_args(ModelConfig.model_fields["activation"].annotation)),
        inits=set(get_args(ModelConfig.model_fields["init"].annotation)),
        landscapes=set(get_args(LandscapeConfig.model_fields["method"].annotation)),
        data_surfaces=frozenset(s["name"] for s in client.get("/api/surfaces").json() if s.get("kind") == "data"),
    )


# ---- numbers as JavaScript writes and reads them -------------------------------------------------


def js_number(value: float) -> str:
    """JavaScript's String(number): the shortest digits that round-trip, laid out by ECMAScript's rules."""
    if value == 0:
        return "0"
    if value < 0:
        return "-" + js_number(-value)
    _, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    text = "".join(map(str, digits))
    k, n = len(text), len(text) + exponent  # value = 0.text × 10ⁿ
    if k <= n <= 21:
        return text + "0" * (n - k)
    if 0 < n <= 21:
        return text[:n] + "." + text[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + text
    mantissa = text[0] + ("." + text[1:] if k > 1 else "")
    return f"{mantissa}e{'+' if n - 1 > 0 else '-'}{abs(n - 1)}"


def _js_value(value: float) -> int | float:
    """A parsed number as JSON.stringify writes it: 20, not 20.0."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _number(raw: str, lo: float = -math.inf, hi: float = math.inf, integer: bool = False) -> int | float:
    if not _NUMBER.fullmatch(raw):
        raise SceneError(f"{raw!r} is not a number")
    value = float(raw)
    if not lo <= value <= hi or (integer and not value.is_integer()):
        raise SceneError(f"{raw} is outside [{lo}, {hi}]" + (" or not an integer" if integer else ""))
    return _js_value(value)


# ---- the codecs of state.js: parse strictly (raise where the page falls back), format as the page does ----


@dataclass(frozen=True)
class Codec:
    parse: Callable[[str], Any]
    format: Callable[[Any], str]


def number(lo: float = -math.inf, hi: float = math.inf, integer: bool = False) -> Codec:
    return Codec(lambda raw: _number(raw, lo, hi, integer), js_number)


def text(max_length: int) -> Codec:
    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise SceneError(f"longer than {max_length} characters")
        return raw

    return Codec(parse, lambda value: value)


def _bool(raw: str) -> bool:
    if raw not in ("1", "0"):
        raise SceneError(f"{raw!r} is not 1 or 0")
    return raw == "1"


BOOL = Codec(_bool, lambda value: "1" if value else "0")


def _number_map(raw: str) -> dict[str, int | float]:
    out = {}
    for part in raw.split(","):
        key, _, value = part.partition(":")
        if not key or ":" in value:
            raise SceneError(f"{part!r} is not key:number")
        out[key] = _number(value)
    return out


NUMBER_MAP = Codec(_number_map, lambda m: ",".join(f"{k}:{js_number(v)}" for k, v in m.items()))


def _pair(raw: str) -> list[int | float]:
    parts = raw.split(",")
    if len(parts) != 2:
        raise SceneError(f"{raw!r} is not two numbers")
    return [_number(p, -1e6, 1e6) for p in parts]


PAIR = Codec(_pair, lambda value: ",".join(js_number(v) for v in value))


def _box(raw: str) -> dict[str, list[int | float]]:
    parts = raw.split(",")
    if len(parts) != 4:
        raise SceneError(f"{raw!r} is not four numbers x0,x1,y0,y1")
    x0, x1, y0, y1 = (_number(p, -1e6, 1e6) for p in parts)
    if not (x0 < x1 and y0 < y1):
        raise SceneError(f"{raw!r}: the box needs x0 < x1 and y0 < y1")
    return {"x": [x0, x1], "y": [y0, y1]}


BOX = Codec(_box, lambda box: ",".join(js_number(v) for v in (*box["x"], *box["y"])))


def _hyperparameter(raw: str) -> Any:
    if raw in ("true", "false"):
        return raw == "true"
    if "," in raw:
        return [_number(p) for p in raw.split(",")]
    return _number(raw)


def _format_hyperparameter(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(js_number(v) for v in value)
    return js_number(value)


def _entry(raw: str) -> dict[str, Any]:
    name, *fields = raw.split(";")
    if not _NAME.fullmatch(name):
        raise SceneError(f"{name!r} is not a name")
    out: dict[str, Any] = {"name": name, "params": {}}
    for field in fields:
        key, sep, value = field.partition("=")
        if not key or not sep:
            raise SceneError(f"{field!r} is not key=value")
        if key == "label":  # built-in scenes take their labels from the catalog, in the reader's language
            raise SceneError("a built-in scene carries no label=")
        if key in out["params"]:
            raise SceneError(f"{key} given twice")
        out["params"][key] = _hyperparameter(value)
    return out


def _format_entry(entry: dict[str, Any]) -> str:
    return ";".join([entry["name"], *(f"{k}={_format_hyperparameter(v)}" for k, v in entry["params"].items())])


ENTRY = Codec(_entry, _format_entry)
SCHEDULE = Codec(
    lambda raw: {"name": (e := _entry(raw))["name"], **e["params"]},
    lambda s: _format_entry({"name": s["name"], "params": {k: v for k, v in s.items() if k != "name"}}),
)


def _clip(raw: str) -> dict[str, int | float]:
    kind, _, value = raw.partition(":")
    limit = _number(value, 0)
    if kind not in ("norm", "value") or not limit:
        raise SceneError(f"{raw!r} is not norm:<c> or value:<c> with c > 0")
    return {"max_norm": limit} if kind == "norm" else {"value": limit}


CLIP = Codec(
    _clip, lambda c: f"norm:{js_number(c['max_norm'])}" if "max_norm" in c else f"value:{js_number(c['value'])}"
)


# A run's own settings inside its explorer entry: key=value, "off" (the batch: "full") turns the request's
# setting off for that run (None), no field inherits it. Field key -> (the entry's and the API's key, codec).


def _or_off(codec: Codec, off: str = "off") -> Codec:
    return Codec(
        lambda raw: None if raw == off else codec.parse(raw),
        lambda value: off if value is None else codec.format(value),
    )


def _own_schedule(raw: str) -> dict[str, Any]:
    name, *params = raw.split(",")
    if not _NAME.fullmatch(name):
        raise SceneError(f"{name!r} is not a schedule name")
    return {"name": name, **(_strict_number_map(",".join(params)) if params else {})}


def _strict_number_map(raw: str) -> dict[str, int | float]:
    keys = [part.partition(":")[0] for part in raw.split(",")]
    if len(set(keys)) != len(keys):
        raise SceneError(f"{raw!r} gives a key twice")
    return _number_map(raw)


def _own_penalty(raw: str) -> dict[str, int | float]:
    given = _strict_number_map(raw)
    if not given.keys() <= {"l1", "l2"} or any(v < 0 for v in given.values()):
        raise SceneError(f"{raw!r} is not l1:<a>,l2:<b> with a, b ≥ 0")
    return {"l1": given.get("l1", 0), "l2": given.get("l2", 0)}


def _format_penalty(penalty: dict[str, Any]) -> str:
    shown = {k: v for k, v in penalty.items() if v} or {"l1": penalty["l1"]}
    return NUMBER_MAP.format(shown)


def _own_batch(raw: str) -> dict[str, Any]:
    size, *flags = raw.split(",")
    if flags not in ([], ["replace"]):
        raise SceneError(f"{raw!r} is not <size> or <size>,replace")
    return {"size": _number(size, 1, 2000, integer=True), "replace": bool(flags)}


RUN_SETTINGS: dict[str, tuple[str, Codec]] = {
    "sch": (
        "schedule",
        Codec(
            _own_schedule,
            lambda s: ",".join([s["name"], *(f"{k}:{js_number(v)}" for k, v in s.items() if k != "name")]),
        ),
    ),
    "clip": ("clip", _or_off(CLIP)),
    "noise": ("noise", _or_off(Codec(lambda raw: {"std": _number(raw, 0)}, lambda n: js_number(n["std"])))),
    "reg": ("regularization", _or_off(Codec(_own_penalty, _format_penalty))),
    "bs": (
        "batch",
        _or_off(Codec(_own_batch, lambda b: f"{b['size']},replace" if b["replace"] else str(b["size"])), "full"),
    ),
}


def _run_entry(raw: str) -> dict[str, Any]:
    name, *fields = raw.split(";")
    own: dict[str, Any] = {}
    rest = []
    for field in fields:
        key, sep, value = field.partition("=")
        if not sep or key not in RUN_SETTINGS:
            rest.append(field)
            continue
        setting, codec = RUN_SETTINGS[key]
        if setting in own:
            raise SceneError(f"{key} given twice")
        try:
            own[setting] = codec.parse(value)
        except SceneError as error:
            raise SceneError(f"{key}={value}: {error}") from None
    return {**_entry(";".join([name, *rest])), **own}


def _format_run_entry(entry: dict[str, Any]) -> str:
    own = [
        f"{key}={codec.format(entry[setting])}" for key, (setting, codec) in RUN_SETTINGS.items() if setting in entry
    ]
    return ";".join([_format_entry(entry), *own])


RUN_ENTRY = Codec(_run_entry, _format_run_entry)


def _layers(raw: str) -> list[int]:
    units = [_number(u, 1, 64, integer=True) for u in raw.split(",")] if raw else []
    if not 1 <= len(units) <= 8:
        raise SceneError(f"{raw!r} is not 1 to 8 layers")
    return units


def _choice(options: tuple[str, ...]) -> Codec:
    def parse(raw: str) -> str:
        if raw not in options:
            raise SceneError(f"{raw!r} is not one of {', '.join(options)}")
        return raw

    return Codec(parse, lambda value: value)


def _factors(raw: str) -> list[int | float]:
    """A learning-rate factor per layer, each in (0, 1000]."""
    scales = [_number(f, 0, 1000) for f in raw.split(",")]
    if any(f == 0 for f in scales):
        raise SceneError(f"{raw!r}: a factor is in (0, 1000]")
    return scales


# A network run's own model inside its `o=` entry (static/js/network/state.js runEntry): act, init, iscale.
NETWORK_MODEL_FIELDS = {"act": "activation", "init": "init", "iscale": "init_scale"}
NETWORK_ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "linear")
NETWORK_INITS = ("xavier", "he", "normal")


def _network_entry(raw: str) -> dict[str, Any]:
    name, *fields = raw.split(";")
    model: dict[str, Any] = {}
    rest = []
    for field in fields:
        key, _, value = field.partition("=")
        if key not in NETWORK_MODEL_FIELDS:
            rest.append(field)
        elif NETWORK_MODEL_FIELDS[key] in model:
            raise SceneError(f"{key} given twice")
        elif key == "act":
            model["activation"] = _choice(NETWORK_ACTIVATIONS).parse(value)
        elif key == "init":
            model["init"] = _choice(NETWORK_INITS).parse(value)
        else:
            model["init_scale"] = _number(value, 1e-6, 100)
    out = _entry(";".join([name, *rest]))
    return {**out, "model": model} if model else out


def _format_network_entry(entry: dict[str, Any]) -> str:
    own = [f"{k}={entry['model'][v]}" for k, v in NETWORK_MODEL_FIELDS.items() if v in entry.get("model", {})]
    return ";".join([_format_entry(entry), *own])


NETWORK_ENTRY = Codec(_network_entry, _format_network_entry)
MAX_RECORDED_WEIGHTS = 2_000_000  # the Network view asks for every record's weights below this many numbers


LAYERS = Codec(_layers, lambda units: ",".join(str(u) for u in units))

# ---- the two tables: query key, state path, codec, repeated ----

Field = tuple[str, str, Codec, bool]

EXPLORER_DEFAULTS: dict[str, Any] = {
    "surface": "rosenbrock",
    "surfaceParams": {},
    "expression": "x**2 + 3*y**2",
    "domain": None,
    "start": None,
    "optimizers": [
        {"name": "sgd", "params": {"lr": 0.001}},
        {"name": "sgd", "params": {"lr": 0.001, "momentum": 0.9}},
        {"name": "adam", "params": {"lr": 0.05}},
    ],
    "steps": 500,
    "every": 1,
    "schedule": {"name": "constant"},
    "clip": None,
    "noise": {"std": 0, "seed": 0},
    "l1": 0,
    "l2": 0,
    "tol": 0,
    "batch": {"size": None, "seed": 0, "replace": False},
    "view": {
        "threeD": False,
        "logColor": True,
        "speed": 1,
        "wholePath": False,
        "why": False,
        "inside": False,
        "momentumMap": False,
        "whyPoint": "min0",
        "whyRun": None,
    },
    "cursor": None,
}
_WHY_POINT = re.compile(r"start|cursor|(min|saddle)([0-9]|1[0-5])")


def _why_point(raw: str) -> str:
    """The point the explorer's "Why" panel explains: start, cursor, or the surface's minimum or saddle k."""
    if not _WHY_POINT.fullmatch(raw):
        raise SceneError(f"wp={raw!r} is not start, cursor, min<k> or saddle<k>")
    return raw


EXPLORER_FIELDS: list[Field] = [
    ("s", "surface", text(40), False),
    ("sp", "surfaceParams", NUMBER_MAP, False),
    ("f", "expression", text(300), False),
    ("start", "start", PAIR, False),
    ("dom", "domain", BOX, False),
    ("o", "optimizers", RUN_ENTRY, True),
    ("n", "steps", number(1, 100000, True), False),
    ("every", "every", number(1, 100000, True), False),
    ("sch", "schedule", SCHEDULE, False),
    ("clip", "clip", CLIP, False),
    ("noise", "noise.std", number(0), False),
    ("seed", "noise.seed", number(0, 2**32 - 1, True), False),
    ("l1", "l1", number(0), False),
    ("l2", "l2", number(0), False),
    ("tol", "tol", number(0), False),
    ("bs", "batch.size", number(1, 2000, True), False),
    ("bseed", "batch.seed", number(0, 2**32 - 1, True), False),
    ("brep", "batch.replace", BOOL, False),
    ("3d", "view.threeD", BOOL, False),
    ("log", "view.logColor", BOOL, False),
    ("speed", "view.speed", number(0.05, 100), False),
    ("whole", "view.wholePath", BOOL, False),
    ("why", "view.why", BOOL, False),
    ("inside", "view.inside", BOOL, False),
    ("mm", "view.momentumMap", BOOL, False),
    ("wp", "view.whyPoint", Codec(_why_point, str), False),
    ("wr", "view.whyRun", number(0, 15, True), False),
    ("k", "cursor", number(0, 100000, True), False),
]

NETWORK_DEFAULTS: dict[str, Any] = {
    "dataset": {"name": "spiral", "n": 200, "noise": 0.05, "seed": 0},
    "hidden": [8, 8],
    "activation": "tanh",
    "init": "xavier",
    "initScale": 1,
    "modelSeed": 0,
    "optimizers": [{"name": "adam", "params": {"lr": 0.03}}],
    "steps": 1000,
    "batchSize": None,
    "l2": 0,
    "dropout": 0,
    "testFraction": 0,
    "clip": None,
    "schedule": {"name": "constant"},
    "lrScale": None,
    "recordEvery": 10,
    "landscape": "pca",
    "sharpness": False,
    "view": {"speed": 1, "panel": "landscape", "run": 0},
    "cursor": None,
}
NETWORK_PANELS = ("landscape", "diagram", "layers")
NETWORK_FIELDS: list[Field] = [
    ("ds", "dataset.name", text(20), False),
    ("dn", "dataset.n", number(4, 2000, True), False),
    ("noise", "dataset.noise", number(0, 5), False),
    ("dseed", "dataset.seed", number(0, 2**32 - 1, True), False),
    ("h", "hidden", LAYERS, False),
    ("act", "activation", text(20), False),
    ("init", "init", text(20), False),
    ("iscale", "initScale", number(1e-6, 100), False),
    ("mseed", "modelSeed", number(0, 2**32 - 1, True), False),
    ("o", "optimizers", NETWORK_ENTRY, True),
    ("n", "steps", number(1, 20000, True), False),
    ("bs", "batchSize", number(1, 2000, True), False),
    ("l2", "l2", number(0), False),
    ("drop", "dropout", number(0, 0.95), False),
    ("test", "testFraction", number(0, 0.5), False),
    ("clip", "clip", CLIP, False),
    ("sch", "schedule", SCHEDULE, False),
    ("ls", "lrScale", Codec(_factors, lambda scales: ",".join(js_number(f) for f in scales)), False),
    ("r", "recordEvery", number(1, 20000, True), False),
    ("land", "landscape", text(10), False),
    ("sharp", "sharpness", BOOL, False),
    ("speed", "view.speed", number(0.05, 100), False),
    ("panel", "view.panel", _choice(NETWORK_PANELS), False),
    ("run", "view.run", number(0, 7, True), False),
    ("k", "cursor", number(0, 2001, True), False),
]

# Backprop (static/js/backprop/main.js): a network small enough to read every number of, one sample, the step.
BACKPROP_ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "linear")
BACKPROP_TASKS = ("classification", "regression")
BACKPROP_INITS = ("xavier", "he", "normal")


def _small_layers(raw: str) -> list[int]:
    units = [_number(u, 1, 4, integer=True) for u in raw.split(",")] if raw else []
    if not 1 <= len(units) <= 3:
        raise SceneError(f"{raw!r} is not 1 to 3 layers of 1 to 4 units")
    return units


BACKPROP_DEFAULTS: dict[str, Any] = {
    "hidden": [3, 2],
    "activation": "tanh",
    "task": "classification",
    "init": "xavier",
    "x": [0.5, -0.5],
    "y": 1,
    "seed": 0,
    "lr": 0.1,
    "optimizer": {"name": "sgd", "params": {}},
    "k": 0,
}
BACKPROP_FIELDS: list[Field] = [
    ("h", "hidden", Codec(_small_layers, LAYERS.format), False),
    ("act", "activation", _choice(BACKPROP_ACTIVATIONS), False),
    ("task", "task", _choice(BACKPROP_TASKS), False),
    ("init", "init", _choice(BACKPROP_INITS), False),
    ("x", "x", PAIR, False),
    ("y", "y", number(-1e6, 1e6), False),
    ("seed", "seed", number(0, 2**32 - 1, True), False),
    ("lr", "lr", number(0, 1e6), False),
    ("opt", "optimizer", ENTRY, False),
    ("k", "k", number(0, 1000, True), False),
]
# The page writes these always (task and init only when not the default): a scene gives them, so its
# query is the address the page shows.
BACKPROP_WRITTEN = ("h", "act", "x", "y", "seed", "lr", "k")


def plain_sgd(optimizer: dict[str, Any]) -> bool:
    """isPlainSgd in static/js/backprop/update.js: θ − η·∂L/∂θ, shown in one step."""
    params = optimizer["params"]
    return optimizer["name"] == "sgd" and not params.get("momentum") and not params.get("weight_decay")


def backprop_walk(hidden: list[int], optimizer: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """The steps the page walks through (buildSteps in static/js/backprop/steps.js), layer 1 the first hidden
    one: the input, each unit, the output, the loss, δ at the output, the output's ∂L/∂W; then per hidden layer
    from the top its slopes f′(z), each unit's δ and its ∂L/∂W; last the update (an optimizer with a state
    first shows what it computes from the gradient)."""
    top = len(hidden) + 1
    walk: list[tuple[Any, ...]] = [("input",)]
    walk += [("unit", layer, j) for layer, units in enumerate(hidden, start=1) for j in range(units)]
    walk += [("output",), ("loss",), ("delta_out",), ("grad", top)]
    for layer in range(len(hidden), 0, -1):
        walk += [("slopes", layer), *(("delta", layer, j) for j in range(hidden[layer - 1])), ("grad", layer)]
    stateful = optimizer is not None and not plain_sgd(optimizer)
    return [*walk, *([("state",)] if stateful else []), ("update",)]


def _write(state: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        state = state[key]
    state[last] = value


def _pairs(query: str) -> list[tuple[str, str]]:
    if query.startswith("?"):
        raise SceneError("a scene's query has no leading '?'")
    try:
        return parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as error:
        raise SceneError(f"not a query string: {error}") from None


def decode(query: str, fields: list[Field], defaults: dict[str, Any]) -> dict[str, Any]:
    """The state the page's decode gives, refusing every key and value that it would ignore."""
    table = {key: (path, codec, repeated) for key, path, codec, repeated in fields}
    state = copy.deepcopy(defaults)
    seen: dict[str, list[Any]] = {}
    for key, raw in _pairs(query):
        if key not in table:
            raise SceneError(f"unknown key {key!r}")
        path, codec, repeated = table[key]
        if key in seen and not repeated:
            raise SceneError(f"{key} given twice: the page reads only the first")
        try:
            seen.setdefault(key, []).append(codec.parse(raw))
        except SceneError as error:
            raise SceneError(f"{key}={raw}: {error}") from None
    for key, values in seen.items():
        path, _, repeated = table[key]
        if repeated and len(values) > MAX_OPTIMIZERS:
            raise SceneError(f"more than {MAX_OPTIMIZERS} {key}= entries")
        _write(state, path, values if repeated else values[0])
    return state


def canonical(query: str, fields: list[Field]) -> str:
    """The query with its fields in the table's order, each value as the page itself would write it."""
    by_key: dict[str, list[str]] = {}
    for key, raw in _pairs(query):
        by_key.setdefault(key, []).append(raw)
    out = []
    for key, _, codec, _ in fields:
        out += [(key, codec.format(codec.parse(raw))) for raw in by_key.get(key, [])]
    return "&".join(f"{_form(k)}={_form(v)}" for k, v in out)


def _form(value: str) -> str:
    """application/x-www-form-urlencoded, as URLSearchParams.toString() writes it."""
    safe = b"*-._"
    return "".join(
        chr(b) if chr(b).isascii() and (chr(b).isalnum() or b in safe) else "+" if b == 32 else f"%{b:02X}"
        for b in value.encode()
    )


# ---- the catalog checks the explorer's sanitize() makes (and the API's types) ----


def _check_params(what: str, given: dict[str, Any], types: dict[str, str]) -> None:
    for key, value in given.items():
        if key not in types:
            raise SceneError(f"{what} has no parameter {key!r}")
        kind = types[key]
        ok = {
            "bool": isinstance(value, bool),
            "betas": isinstance(value, list) and len(value) == 2,
            "int": isinstance(value, int) and not isinstance(value, bool),
        }.get(kind, isinstance(value, int | float) and not isinstance(value, bool))
        if not ok:
            raise SceneError(f"{what}: {key}={value!r} is not a {kind}")


def _check_optimizer(entry: dict[str, Any], catalog: Catalog) -> None:
    if entry["name"] not in catalog.optimizers:
        raise SceneError(f"unknown optimizer {entry['name']!r}")
    _check_params(entry["name"], entry["params"], catalog.optimizers[entry["name"]])


def _check_schedule(schedule: dict[str, Any], catalog: Catalog) -> None:
    if schedule["name"] not in catalog.schedules:
        raise SceneError(f"unknown schedule {schedule['name']!r}")
    _check_params(
        schedule["name"], {k: v for k, v in schedule.items() if k != "name"}, catalog.schedules[schedule["name"]]
    )


def explorer_state(query: str, catalog: Catalog) -> dict[str, Any]:
    state = decode(query, EXPLORER_FIELDS, EXPLORER_DEFAULTS)
    keys = {key for key, _ in _pairs(query)}
    if state["surface"] == "custom":
        if "sp" in keys:
            raise SceneError("a custom surface takes no sp=")
    elif state["surface"] not in catalog.surfaces:
        raise SceneError(f"unknown surface {state['surface']!r}")
    else:
        if "f" in keys or "dom" in keys:
            raise SceneError("f= and dom= are read only with s=custom")
        for key in state["surfaceParams"]:
            if key not in catalog.surfaces[state["surface"]]:
                raise SceneError(f"{state['surface']} has no parameter {key!r}")
    if len(state["optimizers"]) > MAX_RUNS:
        raise SceneError(f"more than {MAX_RUNS} o= entries: the Network view keeps the first {MAX_RUNS}")
    for entry in state["optimizers"]:
        _check_optimizer(entry, catalog)
        if entry.get("schedule"):
            _check_schedule(entry["schedule"], catalog)
    _check_schedule(state["schedule"], catalog)
    batched = keys & {"bs", "bseed", "brep"} or any("batch" in entry for entry in state["optimizers"])
    if batched and state["surface"] not in catalog.data_surfaces:
        raise SceneError(
            f"mini-batches (bs=, bseed=, brep=, an entry's bs=) need a data surface, not {state['surface']!r}"
        )
    return state


def network_state(query: str, catalog: Catalog) -> dict[str, Any]:
    state = decode(query, NETWORK_FIELDS, NETWORK_DEFAULTS)
    for what, value, known in (
        ("dataset", state["dataset"]["name"], catalog.datasets),
        ("activation", state["activation"], catalog.activations),
        ("init", state["init"], catalog.inits),
        ("landscape", state["landscape"], catalog.landscapes),
    ):
        if value not in known:
            raise SceneError(f"unknown {what} {value!r}")
    if len(state["optimizers"]) > MAX_RUNS:
        raise SceneError(f"more than {MAX_RUNS} o= entries: the Network view keeps the first {MAX_RUNS}")
    for entry in state["optimizers"]:
        _check_optimizer(entry, catalog)
    if state["lrScale"] is not None and len(state["lrScale"]) != len(state["hidden"]) + 1:
        raise SceneError(f"ls= has {len(state['lrScale'])} factors, not one per layer: the page drops it")
    if state["view"]["run"] >= len(state["optimizers"]):
        raise SceneError(f"run={state['view']['run']}: the race has runs 0 to {len(state['optimizers']) - 1}")
    _check_schedule(state["schedule"], catalog)
    return state


def backprop_state(query: str) -> dict[str, Any]:
    state = decode(query, BACKPROP_FIELDS, BACKPROP_DEFAULTS)
    keys = {key for key, _ in _pairs(query)}
    if missing := [key for key in BACKPROP_WRITTEN if key not in keys]:
        raise SceneError(f"the page writes {', '.join(missing)} in its address: give them")
    for key in ("task", "init"):
        if key in keys and state[key] == BACKPROP_DEFAULTS[key]:
            raise SceneError(f"{key}={state[key]} is the default, which the page leaves out of its address")
    if state["task"] == "classification" and state["y"] not in (0, 1):
        raise SceneError(f"y={state['y']} is not a label 0 or 1")
    if state["k"] >= (count := len(backprop_walk(state["hidden"], state["optimizer"]))):
        raise SceneError(f"k={state['k']}: the walk-through has steps 0 to {count - 1}")
    return state


# Sweep maps (static/js/sweep/state.js): the explorer's keys for the surface and settings, optimizers, two axes.
SWEEP_MAX_MAPS = 3
SWEEP_MAX_N = 256
SWEEP_COLORS = ("loss", "steps", "status", "basin")
SWEEP_DEFAULTS: dict[str, Any] = {
    "surface": "quadratic",
    "surfaceParams": {},
    "expression": "x**2 + 3*y**2",
    "domain": None,
    "start": None,
    "optimizers": [{"name": "sgd", "params": {"lr": 0.01}}],
    "steps": 300,
    "tol": 1e-6,
    "noise": {"std": 0, "seed": 0},
    "clip": None,
    "x": {"param": "lr", "range": [0.002, 0.4], "n": 128, "log": False},
    "y": {"param": "momentum", "range": [0, 0.99], "n": 128, "log": False},
    "color": "steps",
}
_SWEEP_PARAM = re.compile(r"[a-z_]+(\[[01]\]|\.[a-z_]+)?")


def _sweep_axis(raw: str) -> dict[str, Any]:
    """An axis "param:from:to:cells[:log]", as the page's axis codec reads it."""
    param, *rest = raw.split(":")
    if not _SWEEP_PARAM.fullmatch(param) or len(rest) not in (3, 4) or (len(rest) == 4 and rest[3] != "log"):
        raise SceneError(f"{raw!r} is not an axis param:from:to:cells[:log]")
    lo, hi = _number(rest[0]), _number(rest[1])
    if not hi > lo:
        raise SceneError(f"{raw!r}: the range must rise")
    return {"param": param, "range": [lo, hi], "n": _number(rest[2], 2, SWEEP_MAX_N, True), "log": len(rest) == 4}


def _format_sweep_axis(a: dict[str, Any]) -> str:
    return ":".join([a["param"], *(js_number(v) for v in a["range"]), str(a["n"]), *(["log"] if a["log"] else [])])


SWEEP_SHARED = ("s", "sp", "f", "dom", "start", "noise", "seed", "clip", "tol")
SWEEP_FIELDS: list[Field] = [
    *(f for f in EXPLORER_FIELDS if f[0] in SWEEP_SHARED),
    ("o", "optimizers", ENTRY, True),
    ("n", "steps", number(1, 100000, True), False),
    ("x", "x", Codec(_sweep_axis, _format_sweep_axis), False),
    ("y", "y", Codec(_sweep_axis, _format_sweep_axis), False),
    ("c", "color", _choice(SWEEP_COLORS), False),
]


# ---- the request each page sends for its state ----


def run_body(state: dict[str, Any]) -> dict[str, Any]:
    """The explorer's runBody(state): the body of POST /api/run (and /api/run/stream)."""
    custom = state["surface"] == "custom"
    optimizers = [
        {
            "name": o["name"],
            "params": o["params"],
            **({"label": o["label"]} if o.get("label") else {}),
            **{setting: o[setting] for setting, _ in RUN_SETTINGS.values() if setting in o},
        }
        for o in state["optimizers"]
    ]
    body: dict[str, Any] = {
        "surface": {"expression": state["expression"], **({"domain": state["domain"]} if state["domain"] else {})}
        if custom
        else {"name": state["surface"], "params": state["surfaceParams"]},
        "steps": state["steps"],
        "every": state["every"],
        "tol": state["tol"],
        "optimizers": optimizers,
        "schedule": state["schedule"],
    }
    if state["noise"]["std"] > 0 or any(o.get("noise") for o in optimizers):  # a run's own noise needs the seed
        body["noise"] = state["noise"]
    if state["l1"] or state["l2"]:
        body["regularization"] = {"l1": state["l1"], "l2": state["l2"]}
    if state["clip"] is not None:
        body["clip"] = state["clip"]
    if state["start"]:
        body["start"] = state["start"]
    batch = state["batch"]
    if any(o["batch"] if "batch" in o else batch["size"] for o in optimizers):
        # the request's seed for every run; with full batches for the request, the first run's own batch
        # rides on it and the runs that inherit say "full" (null)
        own = next((o["batch"] for o in optimizers if o.get("batch")), None)
        if batch["size"]:
            body["batch"] = {"size": batch["size"], "seed": batch["seed"], "replace": batch["replace"]}
        else:
            body["batch"] = {"size": own["size"], "seed": batch["seed"], "replace": own["replace"]}
            for o in optimizers:
                o.setdefault("batch", None)
        body["include_batches"] = True
    if state["view"]["inside"]:  # main.js requestBody: the optimizer's insides are drawn from its state
        body["include_state"] = True
    return copy.deepcopy(body)


def network_size(hidden: list[int]) -> int:
    sizes = [2, *hidden, 1]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))


def train_body(state: dict[str, Any]) -> dict[str, Any]:
    """The Network view's trainBody(state): the body of POST /api/train (and /api/train/stream)."""
    shared = {"activation": state["activation"], "init": state["init"], "init_scale": state["initScale"]}
    runs = state["optimizers"]

    def own(entry: dict[str, Any]) -> dict[str, Any]:  # what differs from the network above
        return {k: v for k, v in entry.get("model", {}).items() if v != shared[k]}

    model = shared if len(runs) > 1 else {**shared, **own(runs[0])}
    record_every = max(state["recordEvery"], math.ceil(state["steps"] / 2000))
    records = state["steps"] // record_every + 2
    body: dict[str, Any] = {
        "dataset": state["dataset"],
        "model": {"hidden": state["hidden"], **model, "seed": state["modelSeed"]},
        "steps": state["steps"],
        "batch_size": state["batchSize"],
        "l2": state["l2"],
        "dropout": state["dropout"],
        "record_every": record_every,
        "boundary": {"n": 50},
        "landscape": {"n": 25, "span": 1.0, "method": state["landscape"]},
        "include_weights": True,
        "histograms": True,
    }
    if len(runs) > 1:
        body["optimizers"] = [
            {
                "name": o["name"],
                "params": o["params"],
                **({"label": o["label"]} if o.get("label") else {}),
                **({"model": own(o)} if own(o) else {}),
            }
            for o in runs
        ]
    else:
        body["optimizer"] = {"name": runs[0]["name"], "params": runs[0]["params"]}
    if state["testFraction"]:
        body["test_fraction"] = state["testFraction"]
    if state["clip"] is not None:
        body["clip"] = state["clip"]
    if state["schedule"]["name"] != "constant":
        body["schedule"] = state["schedule"]
    if state["lrScale"] is not None:
        body["lr_scale"] = state["lrScale"]
    if network_size(state["hidden"]) * records * len(runs) <= MAX_RECORDED_WEIGHTS:
        body["record_weights"] = True
    if state["sharpness"]:
        body["sharpness"] = True
    return copy.deepcopy(body)


def backprop_body(state: dict[str, Any]) -> dict[str, Any]:
    """Backprop's request(): the body of POST /api/backprop (the learning rate and the step stay on the page)."""
    return copy.deepcopy(
        {
            "model": {
                "hidden": state["hidden"],
                "activation": state["activation"],
                "init": state["init"],
                "seed": state["seed"],
            },
            "task": state["task"],
            "sample": {"x": state["x"], "y": state["y"]},
            "optimizer": {
                "name": state["optimizer"]["name"],
                "params": {**state["optimizer"]["params"], "lr": state["lr"]},
            },
        }
    )


def sweep_state(query: str, catalog: Catalog) -> dict[str, Any]:
    state = decode(query, SWEEP_FIELDS, SWEEP_DEFAULTS)
    if state["surface"] != "custom" and state["surface"] not in catalog.surfaces:
        raise SceneError(f"unknown surface {state['surface']!r}")
    if len(state["optimizers"]) > SWEEP_MAX_MAPS:
        raise SceneError(f"more than {SWEEP_MAX_MAPS} o= entries: the Sweep view keeps the first {SWEEP_MAX_MAPS}")
    for entry in state["optimizers"]:
        _check_optimizer(entry, catalog)
    if state["x"]["param"] == state["y"]["param"]:
        raise SceneError("x= and y= sweep the same parameter: the page falls back to its default axes")
    return state


def sweep_bodies(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The Sweep view's sweepBodies(state): one body of POST /api/sweep per optimizer, x the first axis."""
    custom = state["surface"] == "custom"
    surface = (
        {"expression": state["expression"], **({"domain": state["domain"]} if state["domain"] else {})}
        if custom
        else {"name": state["surface"], "params": state["surfaceParams"]}
    )
    axis = lambda a: {k: a[k] for k in ("param", "range", "n", "log")}  # noqa: E731
    return copy.deepcopy(
        [
            {
                "surface": surface,
                **({"start": state["start"]} if state["start"] else {}),
                "steps": state["steps"],
                "tol": state["tol"],
                "optimizer": {"name": o["name"], "params": o["params"]},
                "noise": state["noise"] if state["noise"]["std"] > 0 else None,
                "clip": state["clip"],
                "axes": [axis(state["x"]), axis(state["y"])],
            }
            for o in state["optimizers"]
        ]
    )


def scene_state(scene: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    if scene["page"] == "sweep":
        return sweep_state(scene["query"], catalog)
    if scene["page"] == "surfaces":
        return explorer_state(scene["query"], catalog)
    if scene["page"] == "network":
        return network_state(scene["query"], catalog)
    if scene["page"] == "backprop":
        return backprop_state(scene["query"])
    raise SceneError(f"no grammar known for page {scene['page']!r}")


def scene_request(scene: dict[str, Any], catalog: Catalog) -> tuple[str, dict[str, Any]]:
    """(API path, body): what the scene's page posts when it opens the scene."""
    state = scene_state(scene, catalog)
    if scene["page"] == "surfaces":
        return "/api/run", run_body(state)
    if scene["page"] == "backprop":
        return "/api/backprop", backprop_body(state)
    if scene["page"] == "sweep":  # one map per optimizer: a list of bodies
        return "/api/sweep", sweep_bodies(state)  # type: ignore[return-value]
    return "/api/train", train_body(state)


def fields_of(page: str) -> list[Field]:
    return {"surfaces": EXPLORER_FIELDS, "network": NETWORK_FIELDS, "backprop": BACKPROP_FIELDS, "sweep": SWEEP_FIELDS}[
        page
    ]
