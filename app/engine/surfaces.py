"""The built-in loss surfaces and custom formulas, each written once: as a sympy formula, or (the data
losses and rnn_cliff, app/engine/data.py and cliff.py) as numpy code beside its derivatives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import sympy
from sympy import Rational, cos, exp, pi, sin, sqrt

from .errors import InvalidInput
from .expressions import X, Y, parse_expression
from .model_surfaces import MODEL_SURFACES, ComputedSurfaceDef
from .symbolic import Compiled, compile_expression

Range = tuple[float, float]

DEFAULT_DOMAIN: tuple[Range, Range] = ((-3.0, 3.0), (-3.0, 3.0))
DEFAULT_START: tuple[float, float] = (-2.0, 2.0)
# A curve in x alone is run in the plane at y = 0: there no L1/L2 penalty pulls y anywhere, and J along
# the run is f(x) plus the penalty of x alone, the curve the 1-D picture draws.
CURVE_Y = 0.0


class Point(NamedTuple):
    x: float
    y: float
    f: float


@dataclass(frozen=True)
class SurfaceDef:
    """A built-in surface: formula in x, y and its parameters, plus what is known about it.

    Stationary points are given as expressions in the parameters, so that
    Rosenbrock's minimum follows `a`; their `f` is computed, not typed. A formula in x
    alone is a curve: its stationary points are given at y = CURVE_Y.
    """

    name: str
    title: str
    formula: sympy.Expr
    description: str
    domain: tuple[Range, Range]
    start: tuple[float, float]
    params: Mapping[str, float] = field(default_factory=dict)
    param_bounds: Mapping[str, Range] = field(default_factory=dict)
    minima: tuple[tuple[sympy.Expr | float, sympy.Expr | float], ...] = ()
    saddles: tuple[tuple[float, float], ...] = ()
    local_minima: tuple[tuple[float, float], ...] = ()
    integers: frozenset[str] = frozenset()  # as in ComputedSurfaceDef
    open_bounds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Surface:
    """A resolved surface: parameters fixed, functions compiled, known points evaluated."""

    name: str
    title: str
    formula: str
    description: str
    params: dict[str, float]
    param_bounds: dict[str, Range]
    domain: tuple[Range, Range]
    start: tuple[float, float]
    minima: tuple[Point, ...]
    saddles: tuple[Point, ...]
    local_minima: tuple[Point, ...]
    functions: Compiled  # on a data surface, the loss over all its points
    dims: int  # 1 for a formula in x alone (a curve f(x), run in the plane with ∂f/∂y = 0), else 2
    kind: str = "formula"  # "data": a mean loss over data points, which runs may sample in mini-batches
    variables: tuple[str, str] = ("x", "y")  # the names of the plane's axes: ("w", "b") for a model's parameters
    # (x, y) of the data points (y holds 0/1 labels for a classification); read-only, shared by the cache
    data: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)
    subset_loss: Callable[[np.ndarray], Compiled] | None = field(default=None, compare=False, repr=False)

    def loss_on(self, idx: np.ndarray) -> Compiled:
        """The loss of a data surface on the points `idx` (an integer array; repeats count twice), with the
        calling convention of `functions`: what a mini-batch step differentiates."""
        if self.subset_loss is None:
            raise InvalidInput("batch", f"'{self.name}' has no data points: mini-batches need a data surface")
        return self.subset_loss(idx)

    def start_point(self, start: tuple[float, ...] | None) -> tuple[float, float]:
        """θ₀ of a run: the surface's start when none is given; a lone x is a curve's start at y = CURVE_Y."""
        if start is None:
            return self.start
        if len(start) == 2:
            return (start[0], start[1])
        if self.dims != 1:
            raise InvalidInput("start", "a start of one number (x) is for a curve in x alone; give [x, y]")
        return (start[0], CURVE_Y)


_a, _b, _kappa, _angle = sympy.symbols("a b kappa angle", real=True)
_theta = _angle * pi / 180
_u = X * cos(_theta) + Y * sin(_theta)
_v = -X * sin(_theta) + Y * cos(_theta)

_DEFINITIONS = (
    SurfaceDef(
        name="quadratic",
        title="Ill-conditioned quadratic",
        formula=(_u**2 + _kappa * _v**2) / 2,
        description="½(u² + κv²) in coordinates rotated by `angle` degrees: κ is the condition "
        "number. Plain gradient descent zig-zags across the narrow valley; momentum smooths it.",
        domain=((-3.0, 3.0), (-2.0, 2.0)),
        start=(-2.5, 1.5),
        params={"kappa": 10.0, "angle": 0.0},
        param_bounds={"kappa": (1e-3, 1e4), "angle": (-360.0, 360.0)},
        minima=((0, 0),),
    ),
    SurfaceDef(
        name="rosenbrock",
        title="Rosenbrock",
        formula=(_a - X) ** 2 + _b * (Y - X**2) ** 2,
        description="A curved, flat-bottomed valley: easy to find, slow to follow to (a, a²).",
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        start=(-1.5, 2.0),
        params={"a": 1.0, "b": 100.0},
        param_bounds={"a": (-10.0, 10.0), "b": (1e-2, 1e4)},
        minima=((_a, _a**2),),
    ),
    SurfaceDef(
        name="saddle",
        title="Saddle",
        formula=X**2 - Y**2,
        description="A saddle point at the origin: gradient descent started on the ridge "
        "stalls there; noise or curvature-aware methods escape.",
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.8, 0.05),
        saddles=((0.0, 0.0),),
    ),
    SurfaceDef(
        name="monkey_saddle",
        title="Monkey saddle",
        formula=X**3 - 3 * X * Y**2,
        description="A degenerate saddle with three valleys (room for a monkey's tail): "
        "the Hessian vanishes at the origin, so Newton's method has nothing to work with.",
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        start=(1.5, 0.5),
        saddles=((0.0, 0.0),),
    ),
    SurfaceDef(
        name="beale",
        title="Beale",
        formula=(Rational(3, 2) - X + X * Y) ** 2
        + (Rational(9, 4) - X + X * Y**2) ** 2
        + (Rational(21, 8) - X + X * Y**3) ** 2,
        description="Flat plateaus and sharp ridges around a minimum at (3, 0.5).",
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        start=(1.0, 1.5),
        minima=((3, Rational(1, 2)),),
        saddles=((0.0, 1.0), (0.10053793732415846, -2.644513585023124)),
    ),
    SurfaceDef(
        name="himmelblau",
        title="Himmelblau",
        formula=(X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2,
        description="Four equal minima: where you start decides where you end.",
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-0.5, -0.5),
        minima=(
            (3, 2),
            (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.283185991286170),
            (3.5844283403304917, -1.8481265269644034),
        ),
        saddles=(
            (3.385154183607021, 0.07385187983774925),
            (0.08667750455539636, 2.8842547011747763),
            (-3.0730257507643897, -0.08135304428796751),
            (-0.12796134673068005, -1.9537149802445766),
        ),
    ),
    SurfaceDef(
        name="booth",
        title="Booth",
        formula=(X + 2 * Y - 7) ** 2 + (2 * X + Y - 5) ** 2,
        description="A plain, well-conditioned bowl with its minimum at (1, 3).",
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        start=(-6.0, -8.0),
        minima=((1, 3),),
    ),
    SurfaceDef(
        name="goldstein_price",
        title="Goldstein–Price",
        formula=(1 + (X + Y + 1) ** 2 * (19 - 14 * X + 3 * X**2 - 14 * Y + 6 * X * Y + 3 * Y**2))
        * (30 + (2 * X - 3 * Y) ** 2 * (18 - 32 * X + 12 * X**2 + 48 * Y - 36 * X * Y + 27 * Y**2)),
        description="Values from 3 to a million: step sizes that suit one region explode in another.",
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.5, 1.5),
        minima=((0, -1),),
        saddles=(
            (Rational(-2, 5), Rational(-3, 5)),
            (Rational(6, 5), Rational(-1, 5)),
            (Rational(7, 5), Rational(3, 5)),
            (Rational(3, 5), Rational(2, 5)),
        ),
        local_minima=(
            (Rational(-3, 5), Rational(-2, 5)),
            (Rational(9, 5), Rational(1, 5)),
            (Rational(6, 5), Rational(4, 5)),
        ),
    ),
    SurfaceDef(
        name="six_hump_camel",
        title="Six-hump camel",
        formula=(4 - Rational(21, 10) * X**2 + X**4 / 3) * X**2 + X * Y + (-4 + 4 * Y**2) * Y**2,
        description="Six local minima, two of them global.",
        domain=((-3.0, 3.0), (-2.0, 2.0)),
        start=(-1.5, -1.0),
        minima=(
            (0.08984201310031806, -0.7126564030207396),
            (-0.08984201310031806, 0.7126564030207396),
        ),
        saddles=(
            (0.0, 0.0),
            (-1.1092053368047865, 0.7682680925095399),
            (1.1092053368047865, -0.7682680925095399),
            (-1.6380679841897787, -0.2286740690443941),
            (1.6380679841897787, 0.2286740690443941),
            (1.2960702671671092, 0.6050843880386585),
            (-1.2960702671671092, -0.6050843880386585),
        ),
        local_minima=(
            (-1.703606714969981, 0.7960835686726251),
            (1.703606714969981, -0.7960835686726251),
            (-1.6071047529201972, -0.5686514548841314),
            (1.6071047529201972, 0.5686514548841314),
        ),
    ),
    SurfaceDef(
        name="rastrigin",
        title="Rastrigin",
        formula=20 + X**2 - 10 * cos(2 * pi * X) + Y**2 - 10 * cos(2 * pi * Y),
        description="A bowl covered in a regular grid of local minima.",
        domain=((-5.12, 5.12), (-5.12, 5.12)),
        start=(-4.3, 3.7),
        minima=((0, 0),),
    ),
    SurfaceDef(
        name="ackley",
        title="Ackley",
        formula=-20 * exp(-Rational(1, 5) * sqrt((X**2 + Y**2) / 2))
        - exp((cos(2 * pi * X) + cos(2 * pi * Y)) / 2)
        + sympy.E
        + 20,
        description="A nearly flat, bumpy plateau around one deep funnel at the origin "
        "(not differentiable exactly there).",
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-4.0, 3.5),
        minima=((0, 0),),
    ),
    # Curves in one variable, the first pictures of gradient descent (Zhang et al., Dive into Deep
    # Learning, §12.3): domain and start as in its figures, so its numbers can be replayed.
    SurfaceDef(
        name="parabola",
        title="Parabola",
        formula=X**2,
        description="f(x) = x², a curve in x alone. Each gradient-descent step multiplies x by 1 − 2·lr: "
        "lr = 0.5 lands on the minimum in one step, any lr below 1 converges, above 1 the iterates bounce "
        "ever farther out.",
        domain=((-10.0, 10.0), (-1.0, 1.0)),
        start=(10.0, CURVE_Y),
        minima=((0, CURVE_Y),),
    ),
    SurfaceDef(
        name="wavy",
        title="Wavy curve",
        formula=X * cos(Rational(3, 20) * pi * X),
        description="f(x) = x·cos(0.15πx), a curve in x alone whose valleys get deeper as |x| grows (it has "
        "no lowest point). From x = 10 small steps settle in the deep valley near 7.27; too large a "
        "learning rate jumps out of it and ends in the shallow one near −1.83.",
        domain=((-10.0, 10.0), (-1.0, 1.0)),
        start=(10.0, CURVE_Y),
        # The roots of f'(x) = cos(cx) − cx·sin(cx) with f'' > 0, c = 0.15π (tests/engine/test_curves.py).
        local_minima=((7.269388146311475, CURVE_Y), (-1.8256845786723394, CURVE_Y)),
    ),
    SurfaceDef(
        name="cosh",
        title="Hyperbolic cosine",
        formula=sympy.cosh(X / 2),
        description="f(x) = cosh(x/2), a convex curve in x alone: its curvature grows from ¼ at the minimum "
        "(0, 1) to about 18.5 at x = ±10, so a learning rate safe far out crawls near the bottom, while "
        "Newton's method adapts its step to the curvature.",
        domain=((-10.0, 10.0), (-1.0, 1.0)),
        start=(10.0, CURVE_Y),
        minima=((0, CURVE_Y),),
    ),
)

SURFACES: dict[str, SurfaceDef | ComputedSurfaceDef] = {d.name: d for d in (*_DEFINITIONS, *MODEL_SURFACES)}


def _dims(formula: sympy.Expr) -> int:
    return 2 if Y in formula.free_symbols else 1


def _exact(value: float) -> sympy.Expr:
    return sympy.Integer(int(value)) if float(value).is_integer() else sympy.Float(value)


def _points(
    functions: Compiled, coords: tuple[tuple[sympy.Expr | float, sympy.Expr | float], ...], subs: dict
) -> tuple[Point, ...]:
    points = []
    for cx, cy in coords:
        px, py = (float(sympy.sympify(c).subs(subs)) for c in (cx, cy))
        points.append(Point(px, py, float(functions.value(px, py))))
    return tuple(points)


def _values(spec: SurfaceDef | ComputedSurfaceDef, params: tuple[tuple[str, float], ...]) -> dict[str, float]:
    """The defaults with `params` over them, each checked: known, within its bounds, whole where it must be."""
    values = dict(spec.params)
    for key, value in params:
        field = f"surface.params.{key}"
        if key not in spec.params:
            known = ", ".join(spec.params) or "none"
            raise InvalidInput(field, f"'{spec.name}' has no parameter '{key}' (known: {known})")
        lo, hi = spec.param_bounds[key]
        if key in spec.open_bounds:
            if not lo < value < hi:
                raise InvalidInput(field, f"must lie in ({lo}, {hi}), ends excluded")
        elif not lo <= value <= hi:
            raise InvalidInput(field, f"must lie in [{lo}, {hi}]")
        if key in spec.integers:
            if not float(value).is_integer():
                raise InvalidInput(field, f"must be a whole number, not {value}")
            values[key] = int(value)
        else:
            values[key] = float(value)
    return values


def resolve_builtin(name: str, params: Mapping[str, float] | None = None) -> Surface:
    """A built-in surface with its parameters set (missing ones take their defaults)."""
    return _resolve_builtin(name, tuple(sorted((params or {}).items())))


@lru_cache(maxsize=256)
def _resolve_builtin(name: str, params: tuple[tuple[str, float], ...]) -> Surface:
    # Cached: sympy's substitution, the data and the known points cost more than a short run.
    if name not in SURFACES:
        raise InvalidInput("surface.name", f"unknown surface '{name}' (known: {', '.join(SURFACES)})")
    spec = SURFACES[name]
    values = _values(spec, params)
    if isinstance(spec, ComputedSurfaceDef):
        return _resolve_computed(spec, values)
    subs = {sympy.Symbol(k, real=True): _exact(v) for k, v in values.items()}
    functions = compile_expression(spec.formula.subs(subs))
    return Surface(
        name=spec.name,
        title=spec.title,
        formula=str(spec.formula),
        description=spec.description,
        params=values,
        param_bounds=dict(spec.param_bounds),
        domain=spec.domain,
        start=spec.start,
        minima=_points(functions, spec.minima, subs),
        saddles=_points(functions, spec.saddles, subs),
        local_minima=_points(functions, spec.local_minima, subs),
        functions=functions,
        dims=_dims(spec.formula),
    )


def _resolve_computed(spec: ComputedSurfaceDef, values: dict[str, float]) -> Surface:
    loss = spec.build(**values)
    return Surface(
        name=spec.name,
        title=spec.title,
        formula=spec.formula,
        description=spec.description,
        params=values,
        param_bounds=dict(spec.param_bounds),
        domain=spec.domain,
        start=spec.start,
        minima=_points(loss.functions, loss.minima, {}),
        saddles=(),
        local_minima=(),
        functions=loss.functions,
        dims=2,
        kind=spec.kind,
        variables=spec.variables,
        data=loss.data,
        subset_loss=loss.subset,
    )


def resolve_custom(
    expression: str,
    domain: tuple[Range, Range] | None = None,
    start: tuple[float, ...] | None = None,
) -> Surface:
    """A user formula, checked and compiled; no stationary points are known for it. A formula in x
    alone is a curve: its default start is at y = CURVE_Y, and its `start` may be a lone x."""
    field = "surface.expression"
    expr = parse_expression(expression, field)
    dims = _dims(expr)
    if start is not None and len(start) == 1 and dims != 1:
        raise InvalidInput("surface.start", "a start of one number (x) is for a curve in x alone; give [x, y]")
    default = (DEFAULT_START[0], CURVE_Y) if dims == 1 else DEFAULT_START
    return Surface(
        name="custom",
        title="Custom formula",
        formula=str(expr),
        description=f"f(x, y) = {expression}",
        params={},
        param_bounds={},
        domain=domain or DEFAULT_DOMAIN,
        start=(start[0], start[1] if len(start) == 2 else CURVE_Y) if start else default,
        minima=(),
        saddles=(),
        local_minima=(),
        functions=compile_expression(expr, trusted=False, field=field),
        dims=dims,
    )
