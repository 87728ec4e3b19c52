"""Surface references (requests) and surface descriptions (responses)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Discriminator, Field, Strict, Tag
from pydantic_core import PydanticCustomError

from ...engine.surfaces import SURFACES
from ...settings import settings
from .base import Finite, Request, Response, integer

SurfaceName = Literal[tuple(SURFACES)]  # type: ignore[valid-type]

Coordinate = Annotated[float, Field(allow_inf_nan=False, ge=-settings.max_start_abs, le=settings.max_start_abs)]
Bound = Annotated[float, Field(allow_inf_nan=False, ge=-settings.max_domain_abs, le=settings.max_domain_abs)]


def _ordered(value: tuple[float, float]) -> tuple[float, float]:
    if not value[0] < value[1]:
        raise ValueError("lo must be below hi")
    return value


# FastAPI validates the parsed body in python mode, where a strict tuple refuses the list a
# JSON array becomes: a pair itself is lax (a list of exactly two), its items stay strict.
Point = Annotated[tuple[Coordinate, Coordinate], Strict(False)]
# A start: [x, y], or [x] alone on a curve in x alone (dims 1), where y is then 0.
Start = Annotated[list[Coordinate], Field(min_length=1, max_length=2)]
Interval = Annotated[tuple[Bound, Bound], Strict(False), AfterValidator(_ordered)]


MAX_SURFACE_PARAMS = 16


def _few(value: Any) -> Any:
    """Refuses a long dict before its values are checked: pydantic checks `max_length` only after
    them, and a 1 MiB body of 100 000 bad values would cost 100 000 errors on the event loop."""
    if isinstance(value, dict) and len(value) > MAX_SURFACE_PARAMS:
        raise PydanticCustomError(
            "too_long",
            "has {count} entries; a surface has at most {limit}",
            {"count": len(value), "limit": MAX_SURFACE_PARAMS},
        )
    return value


SurfaceParams = Annotated[dict[str, Finite], BeforeValidator(_few)]


class Domain(Request):
    x: Interval = Field(description="[lo, hi] of x")
    y: Interval = Field(description="[lo, hi] of y")


class BuiltinSurface(Request):
    """A built-in surface by name, with optional parameters (see GET /api/surfaces)."""

    name: SurfaceName = Field(examples=["rosenbrock"])
    params: SurfaceParams = Field(default_factory=dict, max_length=MAX_SURFACE_PARAMS, examples=[{"a": 1, "b": 100}])


class CustomSurface(Request):
    """A formula in x and y: numbers, + - * / ** ^, parentheses, pi, e and
    sin cos tan exp log sqrt abs tanh sinh cosh atan. Checked before anything runs."""

    expression: str = Field(max_length=settings.max_expression_length, examples=["x**2 + 3*y**2"])
    domain: Domain | None = Field(default=None, description="plot range; default x, y ∈ [−3, 3]")
    start: Start | None = Field(
        default=None,
        description="default start [x, y]; default (−2, 2), or (−2, 0) for a formula in x alone, "
        "which may also take [x] (y = 0)",
    )


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


DIMS_DOC = (
    "1 for a curve: a formula in x alone (∂f/∂y = 0), run in the plane with y staying at its start's y and "
    "drawn as f(x); a run's `start` may then be [x] alone (y = 0). 2 for every other surface"
)


class SurfaceData(Response):
    """The data points of a data surface, for the parameters used."""

    x: list[float]
    y: list[float] = Field(description="targets; for logistic_regression the labels 0 and 1")


class SurfaceInfo(Response):
    name: str = Field(description="built-in name, or 'custom'")
    dims: Literal[1, 2] = Field(description=DIMS_DOC)
    kind: Literal["data", "formula"] = Field(
        description="'data': a mean loss over data points (`data`), which a run may sample in mini-batches "
        "(`batch`); 'formula' for every other surface"
    )
    variables: tuple[str, str] = Field(
        description='the names of the plane\'s axes: ["w", "b"] where it is a model\'s weight and bias '
        '(linear_regression, logistic_regression, rnn_cliff), else ["x", "y"]; the API still calls them x and y'
    )
    data: SurfaceData | None = Field(
        default=None, description="the data points of a data surface (absent on other surfaces)"
    )
    title: str
    formula: str = Field(
        description="sympy-style text in x, y (and the parameters); for linear_regression, "
        "logistic_regression and rnn_cliff, text for a reader in w and b"
    )
    params: dict[str, int | float] = Field(
        description="parameter name → value (defaults in the catalog); n, seed and T are whole numbers"
    )
    param_ranges: dict[str, tuple[float, float]] = Field(
        description="parameter name → [lo, hi] accepted (rnn_cliff's target: the open interval (0, 1))"
    )
    integer_params: list[str] = Field(default_factory=list, description="the parameters that take whole numbers only")
    domain: dict[str, tuple[float, float]] = Field(description='{"x": [lo, hi], "y": [lo, hi]}')
    start: tuple[float, float]
    minima: list[PointInfo] = Field(description="global minima")
    saddles: list[PointInfo]
    local_minima: list[PointInfo] = Field(description="other known local minima")
    description: str


class GridRequest(Request):
    """f sampled on an n × n grid. Typed strictly: `true` and `"0.1"` are not numbers, a number is not a
    boolean or a string; integers take 2 or 2.0 (no fraction, as JSON Schema's `integer` means) and
    refuse 1.5; number fields take integers too."""

    surface: SurfaceRef
    x_range: Interval | None = Field(default=None, description="default: the surface's domain")
    y_range: Interval | None = Field(default=None, description="default: the surface's domain")
    n: integer(ge=2, le=settings.max_grid_n) = Field(default=100, description="points per axis")

    model_config = ConfigDict(json_schema_extra={"examples": [{"surface": {"name": "rosenbrock"}, "n": 100}]})


class GridResponse(Response):
    x: list[float]
    y: list[float]
    z: list[list[float | None]] = Field(description="z[j][i] = f(x[i], y[j]); null where not finite")
