"""Second-order methods and Lion: the optimizers torch does not have, checked against their formulas."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.engine.runner import CONVERGED, MAX_STEPS
from gdviz.engine.surfaces import resolve_builtin, resolve_custom

from .helpers import single


def gradient(surface, theta: np.ndarray) -> np.ndarray:
    _, gx, gy = surface.functions.value_and_grad(theta[0], theta[1])
    return np.array([gx, gy], dtype=np.float64)


def hessian(surface, theta: np.ndarray) -> np.ndarray:
    hxx, hxy, hyy = (float(v) for v in surface.functions.hessian(theta[0], theta[1]))
    return np.array([[hxx, hxy], [hxy, hyy]])


@pytest.mark.parametrize(
    ("kappa", "angle", "start"),
    [(10.0, 0.0, (-2.5, 1.5)), (100.0, 37.0, (1.0, -2.0)), (0.01, -120.0, (2.9, 2.9)), (1.0, 45.0, (-0.3, 0.1))],
)
def test_newton_solves_a_quadratic_in_one_step(kappa: float, angle: float, start: tuple[float, float]) -> None:
    surface = resolve_builtin("quadratic", {"kappa": kappa, "angle": angle})
    run = single(surface, start, 5, "newton", {"lr": 1.0}, tol=1e-9)
    np.testing.assert_allclose(run.theta[1], [0.0, 0.0], atol=1e-12)
    assert run.loss[1] < 1e-20
    assert run.status == CONVERGED and run.steps_taken == 1


def test_newton_solves_a_custom_quadratic_in_one_step() -> None:
    # f = (x − 1)² + 3(y + 2)² + xy: ∇f = 0 ⇔ [[2, 1], [1, 6]] θ = [2, −12].
    surface = resolve_custom("(x - 1)**2 + 3*(y + 2)**2 + x*y")
    minimum = np.linalg.solve([[2.0, 1.0], [1.0, 6.0]], [2.0, -12.0])
    run = single(surface, (-2.0, 2.0), 3, "newton", {}, tol=1e-9)
    np.testing.assert_allclose(run.theta[1], minimum, rtol=1e-12)
    assert run.status == CONVERGED and run.steps_taken == 1


def test_newton_uses_the_hessian_of_the_regularized_objective() -> None:
    # J = x² + y² + (l2/2)(x² + y²): only with l2·I in the Hessian does one step land on 0.
    surface = resolve_custom("x**2 + y**2")
    run = single(surface, (1.5, -0.5), 2, "newton", {}, l2=1.0)
    np.testing.assert_allclose(run.theta[1], [0.0, 0.0], atol=1e-15)


def test_newton_with_damping_and_lr_follows_the_formula() -> None:
    surface = resolve_builtin("rosenbrock")
    lr, damping = 0.5, 3.0
    run = single(surface, (-1.2, 1.0), 4, "newton", {"lr": lr, "damping": damping})
    theta = np.array([-1.2, 1.0])
    for k in range(4):
        step = np.linalg.solve(hessian(surface, theta) + damping * np.eye(2), gradient(surface, theta))
        theta = theta - lr * step
        np.testing.assert_allclose(run.theta[k + 1], theta, rtol=1e-12)


def test_newton_after_noise_and_clipping_follows_the_formula() -> None:
    # Noise and clipping take no Hessian; chained before Newton they pass it through.
    surface = resolve_builtin("rosenbrock")
    std, seed, limit = 0.3, 4, 2.0
    run = single(surface, (-1.2, 1.0), 4, "newton", {"damping": 1.0}, noise_std=std, noise_seed=seed, clip_value=limit)
    noise = std * np.random.default_rng(seed).standard_normal((4, 2))
    theta = np.array([-1.2, 1.0])
    for k in range(4):
        g = np.clip(gradient(surface, theta) + noise[k], -limit, limit)
        theta = theta - np.linalg.solve(hessian(surface, theta) + np.eye(2), g)
        np.testing.assert_allclose(run.theta[k + 1], theta, rtol=1e-12)


def test_newton_uses_the_pseudo_inverse_when_the_hessian_is_singular() -> None:
    # H = diag(2, 0) everywhere: the pseudo-inverse solves x and leaves y alone.
    surface = resolve_custom("x**2 + y")
    run = single(surface, (1.0, 2.0), 1, "newton", {})
    np.testing.assert_allclose(run.theta[1], [0.0, 2.0], atol=1e-15)
    assert run.status == MAX_STEPS


def test_newton_is_attracted_by_a_saddle() -> None:
    # On x² − y² the Newton step jumps to the stationary point, whatever its kind.
    surface = resolve_builtin("saddle")
    run = single(surface, (0.5, 1e-3), 20, "newton", {})
    np.testing.assert_allclose(run.theta[-1], [0.0, 0.0], atol=1e-15)
    assert run.status == CONVERGED and run.steps_taken == 1
    assert run.loss[-1] == 0.0


def test_saddle_free_newton_escapes_the_saddle() -> None:
    surface = resolve_builtin("saddle")
    run = single(surface, (0.5, 1e-3), 10, "saddle_free_newton", {})
    y = np.abs(run.theta[:, 1])
    assert np.all(np.diff(y) > 0), "|y| grows at every step"
    assert np.all(np.diff(run.loss) < 0), "the loss decreases at every step"
    assert run.loss[-1] < -0.5 and y[-1] > 0.5
    assert abs(run.theta[-1, 0]) < 1e-12  # the positive-curvature direction is solved at once


def test_saddle_free_newton_follows_the_formula() -> None:
    surface = resolve_builtin("six_hump_camel")
    lr, damping = 0.7, 0.1
    run = single(surface, (-1.5, -1.0), 5, "saddle_free_newton", {"lr": lr, "damping": damping})
    theta = np.array([-1.5, -1.0])
    for k in range(5):
        values, vectors = np.linalg.eigh(hessian(surface, theta))
        absolute = vectors @ np.diag(np.abs(values) + damping) @ vectors.T
        theta = theta - lr * np.linalg.solve(absolute, gradient(surface, theta))
        np.testing.assert_allclose(run.theta[k + 1], theta, rtol=1e-10)


@pytest.mark.parametrize(
    "params",
    [{}, {"lr": 0.01}, {"lr": 0.02, "betas": (0.5, 0.9), "weight_decay": 0.3}, {"lr": 0.05, "betas": (0.0, 0.0)}],
)
def test_lion_follows_the_spec_formula(params: dict) -> None:
    """c = β₁m + (1−β₁)g,  θ ← θ − lr·(sign c + wd·θ),  m ← β₂m + (1−β₂)g."""
    surface = resolve_builtin("rosenbrock")
    steps = 25
    run = single(surface, (-1.2, 1.0), steps, "lion", params)
    lr = params.get("lr", 1e-4)
    b1, b2 = params.get("betas", (0.9, 0.99))
    wd = params.get("weight_decay", 0.0)
    theta, m = np.array([-1.2, 1.0]), np.zeros(2)
    for k in range(steps):
        g = gradient(surface, theta)
        c = b1 * m + (1 - b1) * g
        theta = theta - lr * (np.sign(c) + wd * theta)
        m = b2 * m + (1 - b2) * g
        np.testing.assert_allclose(run.theta[k + 1], theta, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(run.lr, np.full(steps, lr))
