"""Curves in one variable: formulas in x alone, run in the plane where ∂f/∂y = 0 keeps y where it started."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy

from gdviz.engine.errors import InvalidInput
from gdviz.engine.expressions import X
from gdviz.engine.optimizers import OPTIMIZERS, optimizer_params
from gdviz.engine.runner import CONVERGED, DIVERGED, MAX_STEPS
from gdviz.engine.surfaces import CURVE_Y, SURFACES, resolve_builtin, resolve_custom

from .helpers import single

CURVES = {
    "parabola": lambda x: x**2,
    "wavy": lambda x: x * np.cos(0.15 * np.pi * x),
    "cosh": lambda x: np.cosh(x / 2),
}


def test_the_curves_and_only_they_have_one_dimension() -> None:
    dims = {name: resolve_builtin(name).dims for name in SURFACES}
    assert {name for name, d in dims.items() if d == 1} == set(CURVES)
    assert all(d == 2 for name, d in dims.items() if name not in CURVES)


@pytest.mark.parametrize(
    ("text", "dims"),
    [("x**2", 1), ("sin(x) + 3", 1), ("x + y - y", 1), ("x**2 + 0*y", 1), ("x + y", 2), ("y**2", 2), ("x*y", 2)],
)
def test_a_custom_formula_is_a_curve_when_it_does_not_involve_y(text: str, dims: int) -> None:
    assert resolve_custom(text).dims == dims


@pytest.mark.parametrize("name", sorted(CURVES))
def test_formula_is_the_spec_formula_whatever_y(name: str) -> None:
    surface = resolve_builtin(name)
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(3)
    x, y = rng.uniform(x0, x1, 200), rng.uniform(y0, y1, 200)
    for ys in (y, np.zeros_like(y), 50 * y):
        ours = np.broadcast_to(surface.functions.value(x, ys), x.shape)
        np.testing.assert_allclose(ours, CURVES[name](x), rtol=1e-12, atol=1e-12)
    _, _, gy = surface.functions.value_and_grad(x, y)
    _, hxy, hyy = surface.functions.hessian(x, y)
    assert np.all(np.asarray(gy) == 0) and np.all(np.asarray(hxy) == 0) and np.all(np.asarray(hyy) == 0)


def _stationary_points(name: str) -> list[tuple[float, float]]:
    """Every x in the domain where f'(x) = 0, found by mpmath at 40 digits from sign changes of f',
    with f''(x) there."""
    formula = SURFACES[name].formula
    d1, d2 = sympy.lambdify(X, formula.diff(X), "mpmath"), sympy.lambdify(X, formula.diff(X, 2), "mpmath")
    (x0, x1), _ = resolve_builtin(name).domain
    grid = np.linspace(x0, x1, 20_001)
    signs = np.sign([float(d1(mpmath.mpf(float(x)))) for x in grid])
    points = []
    with mpmath.workdps(40):
        for i in np.flatnonzero(signs[:-1] * signs[1:] <= 0):
            root = mpmath.findroot(d1, (mpmath.mpf(float(grid[i])), mpmath.mpf(float(grid[i + 1]))), solver="anderson")
            if not any(abs(float(root) - p) < 1e-9 for p, _ in points):
                points.append((float(root), float(d2(root))))
    return points


@pytest.mark.parametrize("name", sorted(CURVES))
def test_known_minima_are_every_local_minimum_in_the_domain(name: str) -> None:
    surface = resolve_builtin(name)
    found = sorted(x for x, curvature in _stationary_points(name) if curvature > 0)
    listed = sorted(p.x for p in surface.minima + surface.local_minima)
    assert len(found) == len(listed) >= 1
    np.testing.assert_allclose(listed, found, rtol=0, atol=1e-12)
    for point in surface.minima + surface.local_minima:
        assert point.y == CURVE_Y
        assert point.f == pytest.approx(CURVES[name](point.x), rel=1e-14, abs=1e-15)


def test_parabola_and_cosh_have_one_global_minimum_wavy_none() -> None:
    assert [tuple(p) for p in resolve_builtin("parabola").minima] == [(0.0, 0.0, 0.0)]
    assert [tuple(p) for p in resolve_builtin("cosh").minima] == [(0.0, 0.0, 1.0)]
    # x·cos(cx) is unbounded below: its valleys deepen with |x|, and even its domain's edge is lower
    # than some of them, so it lists local minima only.
    wavy = resolve_builtin("wavy")
    assert wavy.minima == ()
    assert CURVES["wavy"](-13.66) < min(p.f for p in wavy.local_minima)


# --- the start ---------------------------------------------------------------------------


def test_a_lone_x_starts_a_curve_at_y_0_and_is_refused_on_a_plane() -> None:
    parabola, rosenbrock = resolve_builtin("parabola"), resolve_builtin("rosenbrock")
    assert parabola.start == (10.0, CURVE_Y) == parabola.start_point(None)
    assert parabola.start_point((3.5,)) == (3.5, 0.0)
    assert parabola.start_point((3.5, -0.25)) == (3.5, -0.25)
    assert rosenbrock.start_point(None) == rosenbrock.start
    assert rosenbrock.start_point((0.5, 1.5)) == (0.5, 1.5)
    with pytest.raises(InvalidInput) as caught:
        rosenbrock.start_point((0.5,))
    assert caught.value.field == "start"


def test_a_custom_curve_starts_at_y_0_and_may_take_a_lone_x() -> None:
    assert resolve_custom("x**4 - x").start == (-2.0, 0.0)
    assert resolve_custom("x**4 - x", start=(1.5,)).start == (1.5, 0.0)
    assert resolve_custom("x**4 - x", start=(1.5, 2.0)).start == (1.5, 2.0)
    assert resolve_custom("x**4 - y").start == (-2.0, 2.0)
    with pytest.raises(InvalidInput) as caught:
        resolve_custom("x**4 - y", start=(1.5,))
    assert caught.value.field == "surface.start"


# --- runs in the plane ---------------------------------------------------------------------


def _without_weight_decay(name: str) -> dict:
    """Defaults, with any weight decay off: decay pulls y toward 0 (AdamW's default is 0.01)."""
    values = optimizer_params(name, {}, "optimizers[0]")
    return {"weight_decay": 0.0} if "weight_decay" in values else {}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("curve", sorted(CURVES))
def test_y_stays_where_it_started(curve: str, name: str) -> None:
    params = {**_without_weight_decay(name), "lr": 0.05 if not OPTIMIZERS[name].needs_hessian else 0.5}
    run = single(resolve_builtin(curve), (3.0, 0.7), 60, name, params)
    assert run.steps_taken > 0 and run.theta[-1, 0] != 3.0, "x must move"
    assert np.all(run.theta[:, 1] == 0.7)


def test_weight_decay_is_what_moves_y_and_only_off_y_0() -> None:
    parabola = resolve_builtin("parabola")
    moved = single(parabola, (3.0, 0.7), 20, "adamw", {"lr": 0.05})
    assert moved.theta[-1, 1] < 0.7
    assert np.all(single(parabola, (3.0, 0.0), 20, "adamw", {"lr": 0.05}).theta[:, 1] == 0.0)
    assert np.all(single(parabola, (3.0, 0.0), 20, "sgd", {"lr": 0.05}, l1=0.3, l2=0.2).theta[:, 1] == 0.0)


def _gd_on_x_squared(x0: float, lr: float, steps: int) -> np.ndarray:
    """Gradient descent on x², written out: x ← x − lr·2x."""
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * 2 * xs[-1])
    return np.array(xs)


@pytest.mark.parametrize("lr", [0.01, 0.2, 0.45, 0.7, 0.95])
def test_below_two_over_l_gradient_descent_converges(lr: float) -> None:
    run = single(resolve_builtin("parabola"), (10.0, CURVE_Y), 40, "sgd", {"lr": lr})
    np.testing.assert_allclose(run.theta[:, 0], _gd_on_x_squared(10.0, lr, 40), rtol=1e-13, atol=0)
    assert abs(run.theta[-1, 0]) == pytest.approx(10.0 * abs(1 - 2 * lr) ** 40, rel=1e-12)
    if lr > 0.5:  # past the minimum each step: the sign alternates
        assert np.all(np.sign(run.theta[1:, 0]) == -np.sign(run.theta[:-1, 0]))
    else:
        assert np.all(np.diff(run.theta[:, 0]) < 0)


def test_half_of_two_over_l_lands_in_one_step() -> None:
    run = single(resolve_builtin("parabola"), (10.0, 0.0), 50, "sgd", {"lr": 0.5}, tol=1e-12)
    assert run.status == CONVERGED and run.steps_taken == 1
    assert run.theta.tolist() == [[10.0, 0.0], [0.0, 0.0]]


def test_at_two_over_l_it_bounces_and_above_it_diverges() -> None:
    parabola = resolve_builtin("parabola")
    bounce = single(parabola, (10.0, 0.0), 30, "sgd", {"lr": 1.0})
    assert bounce.status == MAX_STEPS
    np.testing.assert_array_equal(bounce.theta[:, 0], 10.0 * (-1.0) ** np.arange(31))
    grow = single(parabola, (10.0, 0.0), 500, "sgd", {"lr": 1.1})
    assert grow.status == DIVERGED
    np.testing.assert_allclose(grow.theta[:, 0], _gd_on_x_squared(10.0, 1.1, len(grow.theta) - 1), rtol=1e-12)
    assert np.all(np.abs(grow.theta[1:, 0]) > np.abs(grow.theta[:-1, 0]))


def test_newton_reaches_the_bottom_of_a_parabola_in_one_step() -> None:
    run = single(resolve_builtin("parabola"), (7.25, 0.4), 20, "newton", {}, tol=1e-12)
    assert run.status == CONVERGED and run.steps_taken == 1
    assert run.theta.tolist() == [[7.25, 0.4], [0.0, 0.4]]


def test_newton_on_cosh_takes_steps_of_tanh_over_c() -> None:
    # f = cosh(x/2): f'/f'' = 2·tanh(x/2), so Newton from 10 walks ~2 per step, then closes in quadratically.
    run = single(resolve_builtin("cosh"), (10.0, 0.0), 50, "newton", {}, tol=1e-12)
    expected = [10.0]
    while len(expected) <= run.steps_taken:
        expected.append(expected[-1] - 2 * math.tanh(expected[-1] / 2))
    assert run.status == CONVERGED and run.steps_taken < 12
    np.testing.assert_allclose(run.theta[:, 0], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("lr", "valley"), [(0.1, 7.269388146311475), (2.0, -1.8256845786723394)])
def test_on_wavy_a_large_learning_rate_ends_in_the_shallow_valley(lr: float, valley: float) -> None:
    run = single(resolve_builtin("wavy"), (10.0, CURVE_Y), 2000, "sgd", {"lr": lr}, tol=1e-10)
    assert run.status == CONVERGED
    assert run.theta[-1, 0] == pytest.approx(valley, abs=1e-9)


# --- torch as the oracle -----------------------------------------------------------------


def _torch_curve(name: str, torch: object, x: object) -> object:
    c = 0.15 * math.pi
    return {"parabola": lambda: x**2, "wavy": lambda: x * torch.cos(c * x), "cosh": lambda: torch.cosh(x / 2)}[name]()


@pytest.mark.parametrize("name", sorted(CURVES))
def test_values_gradients_and_hessians_equal_torch_autograd(name: str) -> None:
    torch = pytest.importorskip("torch")
    surface = resolve_builtin(name)
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(11)
    for x, y in zip(rng.uniform(x0, x1, 25), rng.uniform(y0, y1, 25), strict=True):

        def f(theta: object) -> object:
            return _torch_curve(name, torch, theta[0]) + 0 * theta[1]

        theta = torch.tensor([x, y], dtype=torch.float64)
        value = f(theta)
        grad = torch.autograd.functional.jacobian(f, theta)
        hessian = torch.autograd.functional.hessian(f, theta)
        fv, gx, gy = surface.functions.value_and_grad(x, y)
        hxx, hxy, hyy = surface.functions.hessian(x, y)
        np.testing.assert_allclose(float(fv), value.item(), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose([float(gx), float(gy)], grad.numpy(), rtol=1e-12, atol=1e-13)
        ours = np.array([[hxx, hxy], [hxy, hyy]], dtype=float)
        np.testing.assert_allclose(ours, hessian.numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sgd", {"lr": 0.1}),
        ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        ("adam", {"lr": 0.3}),
        ("rmsprop", {"lr": 0.05, "centered": True}),
        ("adagrad", {"lr": 0.5}),
    ],
)
@pytest.mark.parametrize("curve", sorted(CURVES))
def test_x_follows_the_one_dimensional_torch_run(curve: str, name: str, params: dict) -> None:
    torch = pytest.importorskip("torch")
    from tests.torch_reference import TORCH_OPTIMIZERS

    x = torch.tensor([2.5], dtype=torch.float64, requires_grad=True)  # one parameter: the textbook's run
    opt = TORCH_OPTIMIZERS[name]([x], **params)
    xs = [x.item()]
    for _ in range(100):
        opt.zero_grad()
        _torch_curve(curve, torch, x).sum().backward()
        opt.step()
        xs.append(x.item())
    run = single(resolve_builtin(curve), (2.5, -0.3), 100, name, params)
    assert run.steps_taken == 100
    np.testing.assert_allclose(run.theta[:, 0], xs, rtol=1e-9, atol=1e-12)
    assert np.all(run.theta[:, 1] == -0.3)
