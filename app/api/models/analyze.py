"""Models of POST /api/analyze and /api/analyze/momentum."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, Strict, model_validator

from .base import Request, Response, integer
from .runs import RegularizationConfig
from .surfaces import Start, SurfaceRef

MAX_AXIS_N = 400
# Bounds far past any picture, so that the arithmetic stays inside float64 for given curvatures.
MAX_CURVATURE = 1e15
MAX_LR = 1e12
MAX_MOMENTUM = 10.0
Curvature = Annotated[float, Field(allow_inf_nan=False, gt=0, le=MAX_CURVATURE)]
Rate = Annotated[float, Field(allow_inf_nan=False, ge=0, le=MAX_LR)]
Momentum = Annotated[float, Field(allow_inf_nan=False, ge=0, le=MAX_MOMENTUM)]

_POINT_DOC = "θ = [x, y] (or [x] on a curve in x alone); default: the surface's start"
_REGULARIZATION_DOC = "J = f + l1·Σ|θᵢ| + (l2/2)·Σθᵢ², as a run's; default none"


class AnalyzeRequest(Request):
    """A point of a surface, to read its curvature."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"surface": {"name": "rosenbrock"}, "point": [-1.5, 2.0]}]}
    )

    surface: SurfaceRef
    point: Start | None = Field(default=None, description=_POINT_DOC)
    regularization: RegularizationConfig | None = Field(default=None, description=_REGULARIZATION_DOC)


Curvatures = Literal["convex", "concave", "saddle", "flat"]
Pair = Annotated[list[float], Field(min_length=2, max_length=2)]


class AnalyzeResponse(Response):
    point: Pair = Field(description="the point analysed, [x, y]")
    value: float = Field(description="J(θ)")
    gradient: Pair = Field(description="∇J(θ)")
    hessian: list[Pair] = Field(min_length=2, max_length=2, description="∇²J(θ), two rows")
    eigenvalues: Pair = Field(description="of the Hessian, λ₁ ≤ λ₂")
    eigenvectors: list[Pair] = Field(
        min_length=2,
        max_length=2,
        description="unit rows, in the order of the eigenvalues; each points right (x > 0), or up when vertical",
    )
    condition_number: float | None = Field(
        description="|λ|max / |λ|min; null when |λ|min ≤ 1e-12·|λ|max (or both are 0)"
    )
    gd_lr_max: float | None = Field(description="2/λ₂, the largest stable step of plain GD here; null when λ₂ ≤ 0")
    curvature: Curvatures = Field(
        description="'flat' when some |λ| ≤ 1e-12·|λ|max (or both are 0), else 'convex' (both > 0), "
        "'concave' (both < 0) or 'saddle'"
    )


class RateAxis(Request):
    """An axis of the momentum map: n values over [lo, hi], numpy.linspace, or numpy.geomspace with `log`."""

    range: Annotated[tuple[Rate, Rate], Strict(False)] | None = Field(
        default=None, description="[lo, hi], 0 ≤ lo ≤ hi (lo > 0 on a log axis)"
    )
    n: integer(ge=2, le=MAX_AXIS_N) = Field(default=200, description="values on the axis")
    log: bool = Field(default=False, description="geometric spacing instead of linear")

    @model_validator(mode="after")
    def ordered(self) -> RateAxis:
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError("range: lo must not be above hi")
        return self


class MomentumAxis(RateAxis):
    range: Annotated[tuple[Momentum, Momentum], Strict(False)] | None = Field(
        default=None, description="[lo, hi] of β, 0 ≤ lo ≤ hi; default [0, 0.999]"
    )
    n: integer(ge=2, le=MAX_AXIS_N) = Field(default=100, description="values on the axis")


class MomentumRequest(Request):
    """The convergence rate of SGD with momentum on a quadratic, over a plane of (lr, β). Give the
    curvatures (`eigenvalues`), or a `surface` and a `point` whose Hessian's positive eigenvalues are used
    (one of the two: both or neither is a 422)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"eigenvalues": [1.0, 10.0], "lr": {"range": [0, 0.4], "n": 200}, "momentum": {"n": 100}},
                {"surface": {"name": "rosenbrock"}, "point": [1.0, 1.0]},
            ]
        }
    )

    eigenvalues: list[Curvature] | None = Field(
        default=None, min_length=1, max_length=2, description="1 or 2 curvatures λ > 0 (in place of a surface)"
    )
    surface: SurfaceRef | None = Field(default=None, description="with `point`: the curvatures of J there")
    point: Start | None = Field(default=None, description=_POINT_DOC + " (with `surface`)")
    regularization: RegularizationConfig | None = Field(default=None, description=_REGULARIZATION_DOC)
    lr: RateAxis = Field(
        default_factory=RateAxis,
        description="the learning rates; default range [0, 4/λmax] (log: [0.004/λmax, 4/λmax])",
    )
    momentum: MomentumAxis = Field(default_factory=MomentumAxis, description="the momenta β; default range [0, 0.999]")
    nesterov: bool = Field(default=False, description="torch's SGD with nesterov=True")


class MomentumResponse(Response):
    lr: list[float] = Field(description="the learning rates, the map's x axis")
    momentum: list[float] = Field(description="the momenta β, its y axis")
    rate: list[list[float | None]] = Field(
        description="rate[j][i]: the spectral radius of one steady step of torch's SGD(lr[i], momentum[j]) on "
        "f = ½λθ², the largest over the eigenvalues (< 1 converges, at that factor a step); null where not finite"
    )
    eigenvalues: list[float] = Field(description="the curvatures λ used")
