"""Built-in surfaces: formulas as the SPEC writes them, known points as published, derivatives exact."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from gdviz.engine import symbolic
from gdviz.engine.errors import InvalidInput
from gdviz.engine.expressions import X, Y, parse_expression
from gdviz.engine.surfaces import SURFACES, Point, Surface, resolve_builtin, resolve_custom
from tests.spec import SPEC_SURFACES

# The SPEC's table, written out again in numpy (default parameters).
SPEC_FORMULAS = {
    "quadratic": lambda x, y: (x**2 + 10 * y**2) / 2,
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "saddle": lambda x, y: x**2 - y**2,
    "monkey_saddle": lambda x, y: x**3 - 3 * x * y**2,
    "beale": lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "goldstein_price": lambda x, y: (
        (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
        * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))
    ),
    "six_hump_camel": lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
    "rastrigin": lambda x, y: 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y),
    "ackley": lambda x, y: (
        -20 * np.exp(-0.2 * np.sqrt(0.5 * (x**2 + y**2)))
        - np.exp(0.5 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y)))
        + np.e
        + 20
    ),
    "parabola": lambda x, y: x**2,
    "wavy": lambda x, y: x * np.cos(0.15 * np.pi * x),
    "cosh": lambda x, y: np.cosh(x / 2),
}

# Global minima as published (Surjanovic & Bingham, Virtual Library of Simulation
# Experiments; Himmelblau 1972), with the number of decimals they are given to.
PUBLISHED_MINIMA = {
    "beale": ([(3.0, 0.5)], 0.0, 6),
    "booth": ([(1.0, 3.0)], 0.0, 6),
    "goldstein_price": ([(0.0, -1.0)], 3.0, 6),
    "six_hump_camel": ([(0.0898, -0.7126), (-0.0898, 0.7126)], -1.0316, 4),
    "rastrigin": ([(0.0, 0.0)], 0.0, 6),
    "ackley": ([(0.0, 0.0)], 0.0, 6),
    "rosenbrock": ([(1.0, 1.0)], 0.0, 6),
    "himmelblau": ([(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)], 0.0, 6),
    "quadratic": ([(0.0, 0.0)], 0.0, 6),
}

# Known points where f is not differentiable (the gradient there is not a number).
CUSPS = {("ackley", 0.0, 0.0)}


def derivatives(surface: Surface, x: float, y: float) -> tuple[float, np.ndarray, np.ndarray]:
    f, gx, gy = surface.functions.value_and_grad(np.float64(x), np.float64(y))
    hxx, hxy, hyy = surface.functions.hessian(np.float64(x), np.float64(y))
    return float(f), np.array([gx, gy], dtype=float), np.array([[hxx, hxy], [hxy, hyy]], dtype=float)


def known_points(kind: str) -> list:
    return [
        pytest.param(name, point, id=f"{name}-{point.x:.4g},{point.y:.4g}")
        for name in SURFACES
        for point in getattr(resolve_builtin(name), kind)
    ]


def test_every_spec_surface_is_registered() -> None:
    assert set(SURFACES) >= SPEC_SURFACES


@pytest.mark.parametrize("name", sorted(SPEC_FORMULAS))  # the data surfaces: tests/engine/test_data_surfaces.py
def test_formula_is_the_spec_formula(name: str) -> None:
    surface = resolve_builtin(name)
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(1)
    x, y = rng.uniform(x0, x1, 200), rng.uniform(y0, y1, 200)
    ours = np.broadcast_to(surface.functions.value(x, y), x.shape)
    expected = SPEC_FORMULAS[name](x, y)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12 * np.max(np.abs(expected)))


@pytest.mark.parametrize("name", sorted(PUBLISHED_MINIMA))
def test_global_minima_are_the_published_ones(name: str) -> None:
    points, value, decimals = PUBLISHED_MINIMA[name]
    surface = resolve_builtin(name)
    unit = 10.0**-decimals  # one unit in the last published place
    assert len(surface.minima) == len(points)
    for px, py in points:
        nearest = min(surface.minima, key=lambda p: math.hypot(p.x - px, p.y - py))
        assert abs(nearest.x - px) <= unit and abs(nearest.y - py) <= unit, (nearest, (px, py))
        assert abs(nearest.f - value) <= unit
    for point in surface.minima:
        assert point.f == pytest.approx(float(surface.functions.value(point.x, point.y)), abs=1e-12)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_listed_minima_are_global_on_the_domain(name: str) -> None:
    surface = resolve_builtin(name)
    (x0, x1), (y0, y1) = surface.domain
    x, y = np.meshgrid(np.linspace(x0, x1, 301), np.linspace(y0, y1, 301))
    values = np.broadcast_to(surface.functions.value(x, y), x.shape)
    for kind in ("minima", "saddles", "local_minima"):
        for point in getattr(surface, kind):
            assert x0 <= point.x <= x1 and y0 <= point.y <= y1, f"{kind} {point} outside the domain"
    assert x0 <= surface.start[0] <= x1 and y0 <= surface.start[1] <= y1
    if surface.minima:
        best = min(p.f for p in surface.minima)
        assert np.min(values) >= best - 1e-9 * max(1.0, abs(best))
        assert all(p.f == pytest.approx(best, abs=1e-9) for p in surface.minima), "global minima share one value"
        for point in surface.local_minima:
            assert point.f > best


def _assert_stationary(name: str, point: Point) -> tuple[float, np.ndarray, np.ndarray]:
    surface = resolve_builtin(name)
    f, g, h = derivatives(surface, point.x, point.y)
    assert f == pytest.approx(point.f, abs=1e-12)
    # A Newton correction below 1e-6 is the SPEC's "accurate to 1e-6".
    correction = np.linalg.pinv(h) @ g
    assert np.linalg.norm(correction) < 1e-6
    assert np.linalg.norm(g) <= 1e-6 * max(1.0, np.linalg.norm(h, 2))
    return f, g, h


def _ring(surface: Surface, point: Point, radius: float) -> np.ndarray:
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    x, y = point.x + radius * np.cos(angles), point.y + radius * np.sin(angles)
    return np.broadcast_to(surface.functions.value(x, y), x.shape) - point.f


@pytest.mark.parametrize(("name", "point"), known_points("minima") + known_points("local_minima"))
def test_minima_are_stationary_and_positive_definite(name: str, point: Point) -> None:
    surface = resolve_builtin(name)
    if (name, point.x, point.y) in CUSPS:
        with np.errstate(all="ignore"):
            _, g, _ = derivatives(surface, point.x, point.y)
        assert not np.all(np.isfinite(g)), "a cusp has no gradient: drop it from CUSPS if this changed"
    elif surface.dims == 1:  # a curve: a minimum of f(x), level along y
        _, _, h = _assert_stationary(name, point)
        assert h[0, 0] > 0 and h[0, 1] == h[1, 1] == 0.0, h
        rise = np.array([surface.functions.value(point.x + d, point.y + 1.0) for d in (-1e-3, 1e-3)]) - point.f
        assert np.all(rise > 0), "f rises on both sides, whatever y"
        return
    else:
        _, _, h = _assert_stationary(name, point)
        assert np.all(np.linalg.eigvalsh(h) > 0), "the Hessian at a minimum is positive definite"
    assert np.all(_ring(surface, point, 1e-3) > 0), "f rises in every direction"


@pytest.mark.parametrize(("name", "point"), known_points("saddles"))
def test_saddles_are_stationary_and_not_extrema(name: str, point: Point) -> None:
    surface = resolve_builtin(name)
    _, _, h = _assert_stationary(name, point)
    eigenvalues = np.linalg.eigvalsh(h)
    scale = max(1.0, np.max(np.abs(eigenvalues)))
    indefinite = eigenvalues[0] < 0 < eigenvalues[-1]
    degenerate = np.min(np.abs(eigenvalues)) <= 1e-9 * scale
    assert indefinite or degenerate, eigenvalues
    ring = _ring(surface, point, 1e-2)
    assert np.any(ring < 0) and np.any(ring > 0), "f goes both down and up around a saddle"


SMOOTH_EXPRESSIONS = [
    "sin(x)*cos(y) + exp(-x**2/4) * tanh(y)",
    "sqrt(x**2 + y**2 + 1) + log(1 + x**2) - atan(x*y)",
    "sinh(x/3)*cosh(y/3) + tan(x/4) + (x - y)**3/10",
    "x^4 - 2*x^2*y + y^2 + pi*x + e*y",
    "abs(x - 5) + x*y**2",  # |x − 5| is smooth on [−3, 3]
]


def _derivative_cases() -> list:
    cases = [pytest.param(resolve_builtin(name), id=name) for name in sorted(SURFACES)]
    cases += [pytest.param(resolve_builtin("quadratic", {"kappa": 7.0, "angle": 25.0}), id="quadratic-rotated")]
    cases += [pytest.param(resolve_builtin("rosenbrock", {"a": -2.0, "b": 5.0}), id="rosenbrock-a-2-b5")]
    cases += [pytest.param(resolve_custom(text), id=f"custom-{i}") for i, text in enumerate(SMOOTH_EXPRESSIONS)]
    return cases


@pytest.mark.parametrize("surface", _derivative_cases())
def test_gradient_and_hessian_match_finite_differences(surface: Surface) -> None:
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(7)
    x, y = rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40)
    h = 1e-5 * np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))

    def value(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.broadcast_to(surface.functions.value(a, b), a.shape)

    def grad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.stack([np.broadcast_to(v, a.shape) for v in surface.functions.value_and_grad(a, b)[1:]])

    f = value(x, y)
    g = grad(x, y)
    hxx, hxy, hyy = (np.broadcast_to(v, x.shape) for v in surface.functions.hessian(x, y))
    fd_g = np.stack([(value(x + h, y) - value(x - h, y)) / (2 * h), (value(x, y + h) - value(x, y - h)) / (2 * h)])
    dgx, dgy = (grad(x + h, y) - grad(x - h, y)) / (2 * h), (grad(x, y + h) - grad(x, y - h)) / (2 * h)
    scale = np.maximum.reduce([np.ones_like(f), np.abs(f), np.max(np.abs(g), axis=0)])
    np.testing.assert_allclose(g, fd_g, rtol=1e-6, atol=1e-6 * np.max(scale))
    hessian_scale = max(1.0, float(np.max(np.abs([hxx, hxy, hyy]))), float(np.max(np.abs(g))))
    np.testing.assert_allclose(np.stack([hxx, hxy]), dgx, rtol=1e-6, atol=1e-6 * hessian_scale)
    np.testing.assert_allclose(np.stack([hxy, hyy]), dgy, rtol=1e-6, atol=1e-6 * hessian_scale)


def test_rosenbrock_parameters_move_its_minimum() -> None:
    surface = resolve_builtin("rosenbrock", {"a": 2.0})
    assert surface.params == {"a": 2.0, "b": 100.0}
    (point,) = surface.minima
    assert (point.x, point.y, point.f) == (2.0, 4.0, 0.0)
    _, g, _ = derivatives(surface, 2.0, 4.0)
    np.testing.assert_array_equal(g, [0.0, 0.0])
    assert float(resolve_builtin("rosenbrock", {"b": 10.0}).functions.value(0.0, 1.0)) == 11.0


def test_quadratic_parameters_set_curvature_and_orientation() -> None:
    kappa, angle = 25.0, 30.0
    surface = resolve_builtin("quadratic", {"kappa": kappa, "angle": angle})
    _, _, h = derivatives(surface, 0.3, -0.7)
    values, vectors = np.linalg.eigh(h)
    np.testing.assert_allclose(values, [1.0, kappa], rtol=1e-12)
    steep = np.array([-math.sin(math.radians(angle)), math.cos(math.radians(angle))])  # the v axis
    assert abs(vectors[:, 1] @ steep) == pytest.approx(1.0, abs=1e-12)


def test_defaults_are_filled() -> None:
    assert resolve_builtin("quadratic").params == {"kappa": 10.0, "angle": 0.0}
    assert resolve_builtin("rosenbrock", {}).params == {"a": 1.0, "b": 100.0}
    assert resolve_builtin("saddle").params == {}


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("rosenbrock", {"c": 1.0}, "surface.params.c"),
        ("saddle", {"a": 1.0}, "surface.params.a"),
        ("rosenbrock", {"b": -1.0}, "surface.params.b"),
        ("rosenbrock", {"a": 1e9}, "surface.params.a"),
        ("quadratic", {"kappa": 0.0}, "surface.params.kappa"),
        ("quadratic", {"kappa": 1e6}, "surface.params.kappa"),
        ("quadratic", {"angle": 720.0}, "surface.params.angle"),
        ("quadratic", {"angle": float("nan")}, "surface.params.angle"),
        ("no_such_surface", {}, "surface.name"),
    ],
)
def test_bad_parameters_are_refused_with_their_field(name: str, params: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_builtin(name, params)
    assert caught.value.field == field
    assert caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "1/(1 + x**2) + y",
        "log(1 + x**2) - atan(x*y)",  # second derivatives divide by squares
        "x/(y**2 + 1)**3 + (x - y)**2/(1 + x**2 + y**2)**2",
        "1/(2 + sin(x))**4 - y/(3 + cos(y))**2",
        "((x + 1)**2 - y)**2 + (2*x - y**2)**3",  # a compound base inside a compound base
        "-exp(x) + (x*y - 1)**4 - sin(y)",  # a sum whose first term is negative
        "-x - y + (1 - x)**2*(1 - x)**3",
    ],
)
def test_compiled_functions_equal_sympys_own_values(text: str) -> None:
    """The numpy code sympy prints for f, ∇f and the Hessian computes what the formulas say."""
    expr = parse_expression(text)
    exact = [expr, *(sympy.diff(expr, s) for s in (X, Y))]
    exact += [sympy.diff(expr, *pair) for pair in ((X, X), (X, Y), (Y, Y))]
    surface = resolve_custom(text)
    for x, y in [(0.7, -1.3), (-2.1, 0.4), (1.9, 2.6)]:
        compiled = [*surface.functions.value_and_grad(x, y), *surface.functions.hessian(x, y)]
        expected = [float(e.subs({X: x, Y: y})) for e in exact]
        np.testing.assert_allclose(np.array(compiled, dtype=float), expected, rtol=1e-12, atol=1e-14)


def test_gradients_are_compiled_with_their_common_factors_where_that_is_cheaper() -> None:
    # ∂f/∂y of Rosenbrock, 200(y − x²), reuses the bracket of the value: fewer numpy operations.
    expr = parse_expression("(1 - x)**2 + 100*(y - x**2)**2")
    outputs = [expr, *symbolic.derivatives(expr)[:2]]
    cheaper = symbolic._fewer_operations(outputs)
    assert symbolic._operations(cheaper) < symbolic._operations(outputs)
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(cheaper, outputs, strict=True))
