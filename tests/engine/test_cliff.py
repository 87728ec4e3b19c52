"""rnn_cliff: the recurrence, its gradient by backpropagation through time and its exact Hessian against torch
autograd, the cliff where the README says it is, and finite numbers everywhere in the plane."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine import cost  # noqa: E402
from gdviz.engine.computed import sigmoids  # noqa: E402
from gdviz.engine.errors import InvalidInput  # noqa: E402
from gdviz.engine.surfaces import resolve_builtin  # noqa: E402
from tests.torch_reference import value_grad_hessian as torch_derivatives  # noqa: E402  (float64, one thread)

from .helpers import single  # noqa: E402

PARAMS = [{}, {"T": 1}, {"T": 7, "x0": -2.0, "target": 0.1}, {"T": 200}, {"T": 50, "x0": 3.0, "target": 0.999}]


def torch_loss(T: int, x0: float, target: float):
    """The README's recurrence, written out in torch: a function of θ = (w, b)."""

    def loss(theta):
        x = torch.tensor(x0)
        for _ in range(T):
            x = theta[0] * torch.sigmoid(x) + theta[1]
        return (torch.sigmoid(x) - target) ** 2

    return loss


def points(params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Random points of the domain, points across the wall near (4.996, −2.61), and far-off ones."""
    surface = resolve_builtin("rnn_cliff", params)
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(surface.params["T"])
    wall = np.linspace(4.995, 4.998, 13)
    w = np.concatenate([rng.uniform(x0, x1, 12), wall, [4.5, -30.0, 120.0, 0.0]])
    b = np.concatenate([rng.uniform(y0, y1, 12), np.full(13, -2.61), [-2.6, 7.0, -60.0, 0.3]])
    return w, b


@pytest.mark.parametrize("params", PARAMS)
def test_value_gradient_and_hessian_equal_torch_autograd(params: dict) -> None:
    surface = resolve_builtin("rnn_cliff", params)
    p = surface.params
    loss = torch_loss(p["T"], p["x0"], p["target"])
    w, b = points(params)
    f, gw, gb = surface.functions.value_and_grad(w, b)
    values = surface.functions.value(w, b)
    hxx, hxy, hyy = surface.functions.hessian(w, b)
    for i in range(len(w)):
        tf, tg, th = torch_derivatives(loss, float(w[i]), float(b[i]))
        assert f[i] == pytest.approx(tf, rel=1e-10, abs=1e-14) and values[i] == f[i]
        g = np.array([gw[i], gb[i]])
        # backpropagation through time: the same chain rule as autograd's, summed in another order
        assert np.linalg.norm(g - tg) <= 1e-9 * max(1e-12, np.linalg.norm(tg)), (w[i], b[i], g, tg)
        h = np.array([[hxx[i], hxy[i]], [hxy[i], hyy[i]]])
        assert np.linalg.norm(h - th, 2) <= 1e-7 * max(1e-12, np.linalg.norm(th, 2)), (w[i], b[i], h, th)


@pytest.mark.parametrize("params", PARAMS)
def test_one_point_as_floats_equals_the_vectorized_answer(params: dict) -> None:
    surface = resolve_builtin("rnn_cliff", params)
    w, b = points(params)
    f, gw, gb = surface.functions.value_and_grad(w, b)
    hessians = np.stack(surface.functions.hessian(w, b), -1)
    for i in range(len(w)):
        alone = surface.functions.value_and_grad(float(w[i]), float(b[i]))
        np.testing.assert_allclose(alone, (f[i], gw[i], gb[i]), rtol=1e-12, atol=1e-300)
        assert float(surface.functions.value(float(w[i]), float(b[i]))) == pytest.approx(f[i], rel=1e-12, abs=1e-300)
        h = surface.functions.hessian(np.array([w[i]]), np.array([b[i]]))
        assert all(np.shape(v) == (1,) for v in h)
        np.testing.assert_allclose(np.ravel(h), hessians[i], rtol=1e-12, atol=1e-300)
    grid = surface.functions.value(w[None, :5], b[:3, None])
    assert grid.shape == (3, 5) and grid[1, 4] == pytest.approx(float(surface.functions.value(w[4], b[1])))


def test_the_cliff_is_a_thin_steep_wall_near_w_5_b_minus_2_61() -> None:
    surface = resolve_builtin("rnn_cliff")
    w = np.linspace(4.9, 5.1, 200_001)  # a step of 1e-6 across the wall
    f, gw, gb = surface.functions.value_and_grad(w, np.full_like(w, -2.61))
    norm = np.hypot(gw, gb)
    top = int(np.argmax(norm))
    assert abs(w[top] - 5.0) < 0.01 and norm[top] > 1000, (w[top], norm[top])
    steep = w[norm > 1.0]
    assert 2e-4 < steep.max() - steep.min() < 1e-2  # about 1e-3 wide
    assert f[0] - f[-1] > 0.3  # a drop, from the high side to the low one
    # a coarse grid of the default domain does not see it
    (x0, x1), (y0, y1) = surface.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, 60), np.linspace(y0, y1, 60))
    _, cw, cb = surface.functions.value_and_grad(gx, gy)
    assert np.max(np.hypot(cw, cb)) < 100
    assert x0 < 5.0 < x1 and y0 < -2.61 < y1 and x0 < surface.start[0] < x1 and y0 < surface.start[1] < y1


def _last_state(w: float, b: float) -> float:
    """σ(x_T) at the defaults, computed here: which side of the wall (w, b) is on."""
    x = 0.5
    for _ in range(50):
        x = w * float(sigmoids(np.array(x))[0]) + b
    return float(sigmoids(np.array(x))[0])


def test_gradient_descent_from_the_default_start_is_thrown_across_the_wall_and_clipping_stops_it() -> None:
    surface = resolve_builtin("rnn_cliff")
    assert surface.start == (4.5, -2.6)
    plain = single(surface, surface.start, 40, "sgd", {"lr": 0.5}, tol=0.0)
    jumps = np.linalg.norm(np.diff(plain.theta, axis=0), axis=1)
    k = int(np.argmax(jumps))
    assert jumps[k] > 3.0 and np.max(np.delete(jumps, k)) < 0.5  # one step is thrown far, the others are small
    assert plain.grad_norm[k] > 10 * np.max(plain.grad_norm[:k])  # by a gradient that exploded there
    assert _last_state(*plain.theta[k]) < 0.5 < _last_state(*plain.theta[k + 1])  # across the wall
    clipped = single(surface, surface.start, 300, "sgd", {"lr": 0.5}, tol=0.0, max_norm=1.0)
    assert np.max(np.linalg.norm(np.diff(clipped.theta, axis=0), axis=1)) <= 0.5 + 1e-12
    # thrown onto a plateau, the plain run stays there; the clipped one settles in the valley of low loss
    stranded = single(surface, surface.start, 300, "sgd", {"lr": 0.5}, tol=0.0)
    assert stranded.loss[-1] > 0.08 and np.linalg.norm(stranded.theta[-1] - plain.theta[k + 1]) < 0.01
    assert clipped.loss[-1] < 1e-3


def test_the_cliff_is_a_formula_surface_in_w_and_b_with_no_minima() -> None:
    surface = resolve_builtin("rnn_cliff")
    assert surface.kind == "formula" and surface.variables == ("w", "b") and surface.data is None
    assert surface.minima == () and surface.saddles == () and surface.dims == 2
    assert "x_t = w·σ(x_{t−1}) + b" in surface.formula and "target" in surface.formula
    with pytest.raises(InvalidInput):
        surface.loss_on(np.array([0]))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"T": 2.5}, "surface.params.T"),
        ({"T": 0}, "surface.params.T"),
        ({"T": 201}, "surface.params.T"),
        ({"target": 0.0}, "surface.params.target"),
        ({"target": 1.0}, "surface.params.target"),
        ({"x0": 11.0}, "surface.params.x0"),
        ({"n": 10}, "surface.params.n"),
    ],
)
def test_bad_parameters_are_refused_with_their_field(params: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_builtin("rnn_cliff", params)
    assert caught.value.field == field and caught.value.message


def test_a_whole_number_written_as_a_float_is_an_integer_t() -> None:
    surface = resolve_builtin("rnn_cliff", {"T": 20.0, "target": 0.999999})
    assert surface.params["T"] == 20 and isinstance(surface.params["T"], int)


@pytest.mark.parametrize("params", [{}, {"T": 200}, {"T": 1}])
def test_nothing_overflows_anywhere_in_the_plane(params: dict) -> None:
    surface = resolve_builtin("rnn_cliff", params)
    axis = np.concatenate([-np.logspace(-3, 6, 50)[::-1], [0.0], np.logspace(-3, 6, 50)])
    w, b = np.meshgrid(axis, axis)
    # The hardest line: b = x0 − w·σ(x0) holds x_t at the map's fixed point, unstable for |w| > 4, where the
    # exact derivatives grow like (w·σ'(x0))^T, past float64: they saturate there instead.
    line = np.linspace(-1e6, 1e6, 4001)
    w = np.concatenate([w.ravel(), line])
    b = np.concatenate([b.ravel(), 0.5 - line * float(sigmoids(np.array(0.5))[0])])
    outputs = [surface.functions.value(w, b), *surface.functions.value_and_grad(w, b), *surface.functions.hessian(w, b)]
    for i in range(0, w.size, 53):
        outputs.append(np.array(surface.functions.value_and_grad(float(w[i]), float(b[i]))))
        outputs.append(np.ravel(surface.functions.hessian(w[i : i + 1], b[i : i + 1])))
    assert all(np.all(np.isfinite(o)) for o in outputs)
    _, gw, gb = outputs[1:4]
    assert np.all(np.isfinite(gw * gw + gb * gb)), "the gradient's norm is finite too"


def test_the_cost_grows_with_the_unrolled_steps() -> None:
    short, long = resolve_builtin("rnn_cliff", {"T": 10}), resolve_builtin("rnn_cliff", {"T": 200})
    for rows in (1, 64):
        assert cost.surface_operations(long, rows)[0] >= 10 * cost.surface_operations(short, rows)[0]
        assert cost.surface_operations(long, rows)[1] >= 10 * cost.surface_operations(short, rows)[1] / 2
