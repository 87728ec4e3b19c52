"""Typed hyperparameter descriptions and their validation, shared by optimizers and schedules."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import InvalidInput

Value = float | int | bool | tuple[float, float]


class Param(NamedTuple):
    """One hyperparameter: it feeds the catalog, the request models, validation and the UI."""

    name: str
    type: str  # "float" | "int" | "bool" | "betas"
    default: Value | None  # None: derived from the run (e.g. steps // 4)
    min: float | None = None
    max: float | None = None
    log: bool = False
    min_open: bool = False  # the bound itself is refused (lr > 0, β < 1)
    max_open: bool = False
    ui: tuple[float, float] | None = None  # a slider range that suits the visualizer
    description: str = ""


def check_number(field: str, value: float, spec: Param) -> None:
    if not math.isfinite(value):
        raise InvalidInput(field, "must be a finite number")
    lo, hi = spec.min, spec.max
    if lo is not None and (value < lo or (spec.min_open and value == lo)):
        raise InvalidInput(field, f"must be {'>' if spec.min_open else '≥'} {lo:g} (got {value:g})")
    if hi is not None and (value > hi or (spec.max_open and value == hi)):
        raise InvalidInput(field, f"must be {'<' if spec.max_open else '≤'} {hi:g} (got {value:g})")


def fill(specs: tuple[Param, ...], given: Mapping[str, Any], field: str) -> dict[str, Value]:
    """Check `given` against `specs` and return every parameter, defaults filled in."""
    known = {p.name: p for p in specs}
    for key in given:
        if key not in known:
            raise InvalidInput(f"{field}.{key}", f"is not a parameter here (known: {', '.join(known) or 'none'})")
    out: dict[str, Value] = {}
    for spec in specs:
        value = given.get(spec.name, spec.default)
        where = f"{field}.{spec.name}"
        if value is None:
            out[spec.name] = None  # type: ignore[assignment]
            continue
        if spec.type == "bool":
            if not isinstance(value, bool):
                raise InvalidInput(where, "must be true or false")
        elif spec.type == "betas":
            if isinstance(value, (str, bytes)) or len(value) != 2:
                raise InvalidInput(where, "must be an array of two numbers [beta1, beta2]")
            for i, beta in enumerate(value):
                check_number(f"{where}[{i}]", float(beta), spec)
            value = (float(value[0]), float(value[1]))
        elif spec.type == "int":
            if isinstance(value, bool) or int(value) != value:
                raise InvalidInput(where, "must be an integer")
            check_number(where, float(value), spec)
            value = int(value)
        else:
            if isinstance(value, bool):
                raise InvalidInput(where, "must be a number")
            check_number(where, float(value), spec)
            value = float(value)
        out[spec.name] = value
    return out
