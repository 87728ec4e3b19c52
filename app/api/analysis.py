"""Between the API and the engine for the curvature of a point and the momentum map: cost and answers."""

from __future__ import annotations

from typing import Any

from ..engine import cost
from ..engine.analysis import RateAxis, analyze_point, momentum_map, positive_curvatures
from ..engine.errors import InvalidInput
from ..engine.surfaces import Surface
from .convert import resolve_surface
from .gate import Work
from .models.analyze import AnalyzeRequest, MomentumRequest
from .models.analyze import RateAxis as RateAxisModel
from .models.runs import RegularizationConfig

# An eigen-decomposition of a 2 × 2 Hessian and a few evaluations: a handful of grid points' work.
POINT_EVALUATIONS = 64
# The map's arithmetic, per cell and eigenvalue (measured: 400 × 400 × 2 in about 10 ms, then ×1.5).
RATE_CELL_SECONDS = 1e-7


def analyze_work(request: AnalyzeRequest) -> Work:
    seconds = cost.grid_seconds(resolve_surface(request.surface), POINT_EVALUATIONS)
    return Work(seconds, cost.json_bytes(16), "point", "point", "nothing: a point is small")


def momentum_work(request: MomentumRequest) -> Work:
    _one_source(request)
    cells = request.lr.n * request.momentum.n
    numbers = cells + request.lr.n + request.momentum.n
    seconds = 2 * cells * RATE_CELL_SECONDS + cost.json_seconds(numbers)
    if request.surface is not None:
        seconds += cost.grid_seconds(resolve_surface(request.surface), POINT_EVALUATIONS)
    return Work(seconds, cost.json_bytes(numbers), "lr.n", "lr.n", "the axes' n")


def _one_source(request: MomentumRequest) -> None:
    """The curvatures come from `eigenvalues` or from a surface's point, never both."""
    if (request.eigenvalues is None) == (request.surface is None):
        raise InvalidInput("eigenvalues", "give either eigenvalues or a surface (with a point), not both")
    if request.surface is None:
        for field in ("point", "regularization"):
            if getattr(request, field) is not None:
                raise InvalidInput(field, "goes with a surface; the eigenvalues need none")


def _point(surface: Surface, request: AnalyzeRequest | MomentumRequest) -> tuple[float, float]:
    return surface.start_point(tuple(request.point) if request.point is not None else None)


def _penalty(regularization: RegularizationConfig | None) -> tuple[float, float]:
    return (regularization.l1, regularization.l2) if regularization else (0.0, 0.0)


def analyze(request: AnalyzeRequest) -> dict[str, Any]:
    surface = resolve_surface(request.surface)
    point = _point(surface, request)
    found = analyze_point(surface, point, *_penalty(request.regularization))
    return {"point": point, **found._asdict()}


def _axis(axis: RateAxisModel) -> RateAxis:
    return RateAxis(axis.range, axis.n, axis.log)


def momentum(request: MomentumRequest) -> dict[str, Any]:
    if request.eigenvalues is not None:
        eigenvalues: Any = request.eigenvalues
    else:
        surface = resolve_surface(request.surface)  # type: ignore[arg-type]
        eigenvalues = positive_curvatures(surface, _point(surface, request), *_penalty(request.regularization))
    found = momentum_map(eigenvalues, _axis(request.lr), _axis(request.momentum), request.nesterov)
    return found._asdict()
