"""The curvature of a point against torch autograd's Hessian; the momentum map against the 2 × 2 map that
torch's own SGD step applies to (θ, momentum buffer)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import tests.torch_reference  # noqa: E402, F401  (float64, one thread)
from gdviz.engine.analysis import (  # noqa: E402
    RateAxis,
    analyze_point,
    momentum_map,
    momentum_rates,
    positive_curvatures,
)
from gdviz.engine.errors import InvalidInput  # noqa: E402
from gdviz.engine.surfaces import resolve_builtin, resolve_custom  # noqa: E402

RTOL = 1e-12


def _quadratic(t: Any, kappa: float = 10.0, angle: float = 0.0) -> Any:
    theta = angle * math.pi / 180
    u = t[0] * math.cos(theta) + t[1] * math.sin(theta)
    v = -t[0] * math.sin(theta) + t[1] * math.cos(theta)
    return (u**2 + kappa * v**2) / 2


TorchF = Callable[[Any], Any]
# (surface, params, torch's f, points): minima, saddles, slopes and a rotated bowl.
CASES: list[tuple[str, dict[str, float], TorchF, list[tuple[float, float]]]] = [
    (
        "rosenbrock",
        {},
        lambda t: (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2,
        [(-1.5, 2.0), (1.0, 1.0), (0.3, -0.7)],
    ),
    (
        "himmelblau",
        {},
        lambda t: (t[0] ** 2 + t[1] - 11) ** 2 + (t[0] + t[1] ** 2 - 7) ** 2,
        [(3.0, 2.0), (-0.270845, -0.923039), (0.5, 0.5)],
    ),
    ("quadratic", {"kappa": 25.0, "angle": 30.0}, lambda t: _quadratic(t, 25.0, 30.0), [(-2.5, 1.5), (0.0, 0.0)]),
    ("saddle", {}, lambda t: t[0] ** 2 - t[1] ** 2, [(0.0, 0.0), (1.0, -2.0)]),
    ("monkey_saddle", {}, lambda t: t[0] ** 3 - 3 * t[0] * t[1] ** 2, [(0.5, 0.25), (-1.0, 1.0)]),
    (
        "six_hump_camel",
        {},
        lambda t: (4 - 2.1 * t[0] ** 2 + t[0] ** 4 / 3) * t[0] ** 2 + t[0] * t[1] + (-4 + 4 * t[1] ** 2) * t[1] ** 2,
        [(0.0898, -0.7126), (1.0, 0.5)],
    ),
]


def torch_point(f: TorchF, point: tuple[float, float], l1: float = 0.0, l2: float = 0.0) -> tuple[float, Any, Any]:
    def objective(t: Any) -> Any:
        return f(t) + l1 * t.abs().sum() + l2 / 2 * (t * t).sum()

    theta = torch.tensor(point, requires_grad=True)
    value = objective(theta)
    (grad,) = torch.autograd.grad(value, theta)
    hessian = torch.autograd.functional.hessian(objective, theta.detach())
    return float(value.detach()), grad.numpy(), hessian.numpy()


def assert_matches_torch(found: Any, value: float, grad: np.ndarray, hessian: np.ndarray) -> None:
    scale = max(1.0, float(np.max(np.abs(hessian))))
    np.testing.assert_allclose(found.value, value, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(found.gradient, grad, rtol=RTOL, atol=1e-12 * scale)
    np.testing.assert_allclose(found.hessian, hessian, rtol=RTOL, atol=1e-12 * scale)
    expected = np.linalg.eigvalsh(hessian)
    np.testing.assert_allclose(found.eigenvalues, expected, rtol=1e-10, atol=1e-12 * scale)
    for lam, v in zip(found.eigenvalues, found.eigenvectors, strict=True):
        assert math.isclose(float(np.linalg.norm(v)), 1.0, rel_tol=1e-12)
        np.testing.assert_allclose(hessian @ v, lam * v, atol=1e-10 * scale)  # an eigenvector of torch's Hessian
        assert v[0] > 0 or (v[0] == 0 and v[1] > 0), "each axis points right, or up"
    top = float(expected[1])
    assert found.gd_lr_max == (pytest.approx(2 / top, rel=1e-10) if top > 0 else None)
    sizes = np.abs(expected)
    if found.curvature == "flat":
        assert found.condition_number is None and np.min(sizes) <= 1e-9 * np.max(sizes)
    else:
        assert found.condition_number == pytest.approx(np.max(sizes) / np.min(sizes), rel=1e-9)
        kind = "convex" if expected[0] > 0 else "concave" if expected[1] < 0 else "saddle"
        assert found.curvature == kind


@pytest.mark.parametrize(("name", "params", "f", "points"), CASES, ids=[c[0] for c in CASES])
def test_analysis_equals_torch_autograd(name: str, params: dict, f: TorchF, points: list) -> None:
    surface = resolve_builtin(name, params)
    for point in points:
        assert_matches_torch(analyze_point(surface, point), *torch_point(f, point))


def test_regularization_is_part_of_the_objective() -> None:
    surface = resolve_builtin("rosenbrock")
    f = CASES[0][2]
    for point in [(-1.5, 2.0), (0.4, -0.3)]:
        found = analyze_point(surface, point, l1=0.7, l2=3.0)
        assert_matches_torch(found, *torch_point(f, point, l1=0.7, l2=3.0))
        assert not np.allclose(found.hessian, analyze_point(surface, point).hessian)


def test_custom_formula() -> None:
    surface = resolve_custom("sin(x)*cos(y) + x**2/4 + exp(y/3)", None, None)
    point = (0.7, -1.1)
    found = analyze_point(surface, point)
    assert_matches_torch(
        found, *torch_point(lambda t: torch.sin(t[0]) * torch.cos(t[1]) + t[0] ** 2 / 4 + torch.exp(t[1] / 3), point)
    )


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("x**2 + 3*y**2", "convex"),
        ("-x**2 - y**2/5", "concave"),
        ("x**2 - y**2", "saddle"),
        ("x**2", "flat"),
        ("x + y", "flat"),
    ],
)
def test_kind_of_point(expression: str, kind: str) -> None:
    found = analyze_point(resolve_custom(expression, None, None), (0.5, -0.5))
    assert found.curvature == kind
    assert (found.condition_number is None) == (kind == "flat")
    assert (found.gd_lr_max is None) == (kind in ("concave",) or expression == "x + y")


def test_a_point_where_the_hessian_is_not_finite_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        analyze_point(resolve_builtin("ackley"), (0.0, 0.0))  # √(x² + y²) has no derivative there
    assert refused.value.field == "point"


# --- the momentum map ----------------------------------------------------------------------------


def torch_rate(lam: float, lr: float, momentum: float, nesterov: bool) -> float:
    """The spectral radius of the map one step of torch's SGD applies to (θ, buf) on f = ½λθ², found by
    stepping torch's optimizer from the basis vectors (1, 0) and (0, 1) with the buffer already there."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=nesterov)
    if momentum == 0:  # torch keeps no buffer: the map is on θ alone
        with torch.no_grad():
            p.fill_(1.0)
        p.grad = lam * p.detach().clone()
        opt.step()
        return abs(p.item())
    columns = []
    for theta, buf in ((1.0, 0.0), (0.0, 1.0)):
        with torch.no_grad():
            p.fill_(theta)
        opt.state[p]["momentum_buffer"] = torch.tensor([buf])
        p.grad = lam * p.detach().clone()
        opt.step()
        columns.append([p.item(), opt.state[p]["momentum_buffer"].item()])
    matrix = np.array(columns).T
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_map_equals_torch_sgd_iteration_matrix(nesterov: bool) -> None:
    eigenvalues = np.array([1.0, 10.0])
    lrs = np.array([0.0, 0.013, 0.05, 0.1, 0.19, 0.21, 0.33, 0.5, 1.7])
    momenta = np.array([0.0, 0.2, 0.5, 0.81, 0.9, 0.99]) if not nesterov else np.array([0.2, 0.5, 0.81, 0.9, 0.99])
    rates = momentum_rates(eigenvalues, lrs, momenta, nesterov)
    assert rates.shape == (len(momenta), len(lrs))
    for j, mu in enumerate(momenta):
        for i, lr in enumerate(lrs):
            expected = max(torch_rate(lam, lr, mu, nesterov) for lam in eigenvalues)
            # eigvals of a (nearly) defective matrix are only good to about √ε: 1e-7.
            assert rates[j, i] == pytest.approx(expected, rel=1e-7, abs=1e-7), (lr, mu)
    assert np.any(rates < 1) and np.any(rates > 1), "the grid crosses the edge of convergence"


def test_plain_gd_row_and_sqrt_beta_ripple() -> None:
    lam, lrs = 4.0, np.linspace(0, 1, 101)
    momenta = np.array([0.0, 0.64])
    rates = momentum_rates(np.array([lam]), lrs, momenta)
    np.testing.assert_allclose(rates[0], np.abs(1 - lrs * lam), atol=1e-15)  # momentum 0: plain GD
    # Where the two eigenvalues are complex (lr·λ between (1 − √β)² and (1 + √β)²) the rate is √β, flat.
    s = lrs * lam
    complex_ = (s > (1 - 0.8) ** 2 + 1e-9) & (s < (1 + 0.8) ** 2 - 1e-9)
    assert complex_.sum() > 20
    np.testing.assert_allclose(rates[1, complex_], 0.8, rtol=1e-12)
    assert np.all(rates[1, ~complex_] >= 0.8 - 1e-12)
    assert rates[0, 0] == 1.0 and rates[1, 0] == 1.0, "at lr = 0 nothing moves: exactly 1"


def test_rate_is_the_largest_over_the_eigenvalues() -> None:
    lrs, momenta = np.linspace(0, 0.5, 7), np.linspace(0, 0.95, 5)
    both = momentum_rates(np.array([1.0, 10.0]), lrs, momenta)
    each = np.maximum(momentum_rates(np.array([1.0]), lrs, momenta), momentum_rates(np.array([10.0]), lrs, momenta))
    np.testing.assert_array_equal(both, each)


def test_map_axes_and_defaults() -> None:
    found = momentum_map(np.array([2.0, 8.0]), RateAxis(None, 200), RateAxis(None, 100))
    np.testing.assert_array_equal(found.lr, np.linspace(0, 0.5, 200))  # [0, 4/λmax]
    np.testing.assert_array_equal(found.momentum, np.linspace(0, 0.999, 100))
    assert found.rate.shape == (100, 200)
    logged = momentum_map(np.array([2.0]), RateAxis((1e-3, 1.0), 50, True), RateAxis((0.5, 0.9), 3))
    np.testing.assert_array_equal(logged.lr, np.geomspace(1e-3, 1.0, 50))
    np.testing.assert_array_equal(logged.momentum, np.linspace(0.5, 0.9, 3))
    with pytest.raises(InvalidInput) as refused:
        momentum_map(np.array([2.0]), RateAxis((0.0, 1.0), 5, True), RateAxis(None, 3))
    assert refused.value.field == "lr.range"


def test_curvatures_of_a_surface() -> None:
    rosenbrock = resolve_builtin("rosenbrock")
    np.testing.assert_allclose(
        positive_curvatures(rosenbrock, (1.0, 1.0)), np.linalg.eigvalsh([[802, -400], [-400, 200]])
    )
    np.testing.assert_array_equal(positive_curvatures(resolve_builtin("saddle"), (0.0, 0.0)), [2.0])
    with pytest.raises(InvalidInput) as refused:
        positive_curvatures(resolve_custom("-x**2 - y**2", None, None), (0.0, 0.0))
    assert refused.value.field == "point"
