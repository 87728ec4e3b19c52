"""Surface references (requests) and surface descriptions (responses)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Discriminator, Field, Tag

from ...engine.surfaces import SURFACES
from ...settings import settings
from .base import Finite, Range, Request, Response

SurfaceName = Literal[tuple(SURFACES)]  # type: ignore[valid-type]


def _ordered(value: tuple[float, float]) -> tuple[float, float]:
    if not value[0] < value[1]:
        raise ValueError("lo must be below hi")
    if max(abs(value[0]), abs(value[1])) > settings.max_domain_abs:
        raise ValueError(f"bounds must lie within ±{settings.max_domain_abs:g}")
    return value


Interval = Annotated[Range, AfterValidator(_ordered)]


class Domain(Request):
    x: Interval = Field(description="[lo, hi] of x")
    y: Interval = Field(description="[lo, hi] of y")


class BuiltinSurface(Request):
    """A built-in surface by name, with optional parameters (see GET /api/surfaces)."""

    name: SurfaceName = Field(examples=["rosenbrock"])
    params: dict[str, Finite] = Field(default_factory=dict, examples=[{"a": 1, "b": 100}])


class CustomSurface(Request):
    """A formula in x and y: numbers, + - * / ** ^, parentheses, pi, e and
    sin cos tan exp log sqrt abs tanh sinh cosh atan. Checked before anything runs."""

    expression: str = Field(max_length=settings.max_expression_length, examples=["x**2 + 3*y**2"])
    domain: Domain | None = Field(default=None, description="plot range; default x, y ∈ [−3, 3]")
    start: tuple[Finite, Finite] | None = Field(default=None, description="default start; default (−2, 2)")


def _surface_kind(value: object) -> str:
    if isinstance(value, dict):
        return "custom" if "expression" in value else "builtin"
    return "custom" if isinstance(value, CustomSurface) else "builtin"


SurfaceRef = Annotated[
    Annotated[BuiltinSurface, Tag("builtin")] | Annotated[CustomSurface, Tag("custom")],
    Discriminator(_surface_kind),
]


class PointInfo(Response):
    x: float
    y: float
    f: float


class SurfaceInfo(Response):
    name: str = Field(description="built-in name, or 'custom'")
    title: str
    formula: str = Field(description="sympy-style text in x, y (and the parameters)")
    params: dict[str, float] = Field(description="parameter name → value (defaults in the catalog)")
    param_ranges: dict[str, tuple[float, float]] = Field(description="parameter name → [lo, hi] accepted")
    domain: dict[str, tuple[float, float]] = Field(description='{"x": [lo, hi], "y": [lo, hi]}')
    start: tuple[float, float]
    minima: list[PointInfo] = Field(description="global minima")
    saddles: list[PointInfo]
    local_minima: list[PointInfo] = Field(description="other known local minima")
    description: str


class GridRequest(Request):
    surface: SurfaceRef
    x_range: Interval | None = Field(default=None, description="default: the surface's domain")
    y_range: Interval | None = Field(default=None, description="default: the surface's domain")
    n: int = Field(default=100, ge=2, le=settings.max_grid_n, description="points per axis")

    model_config = ConfigDict(json_schema_extra={"examples": [{"surface": {"name": "rosenbrock"}, "n": 100}]})


class GridResponse(Response):
    x: list[float]
    y: list[float]
    z: list[list[float | None]] = Field(description="z[j][i] = f(x[i], y[j]); null where not finite")
