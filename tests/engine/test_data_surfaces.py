"""linear_regression and logistic_regression: data drawn exactly as the README says, the loss, its gradient
and Hessian equal to torch autograd's on all the data and on any subset, the minima, integer parameters,
no overflow anywhere, bounded memory and an honest cost."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine import cost  # noqa: E402
from gdviz.engine.errors import InvalidInput  # noqa: E402
from gdviz.engine.surfaces import Surface, resolve_builtin  # noqa: E402
from tests.torch_reference import value_grad_hessian as torch_derivatives  # noqa: E402  (float64, one thread)

DATA_SURFACES = ("linear_regression", "logistic_regression")
# Parameter sets: defaults, then corners (few points, many points, no noise, far-off truth, separable).
CASES = [
    ("linear_regression", {}),
    ("linear_regression", {"n": 2, "seed": 7}),
    ("linear_regression", {"n": 2000, "noise": 3.0, "seed": 2**32 - 1, "w_true": -40.0, "b_true": 75.0}),
    ("linear_regression", {"noise": 0.0, "seed": 5}),
    ("logistic_regression", {}),
    ("logistic_regression", {"n": 2000, "separation": 0.3, "seed": 11}),
    ("logistic_regression", {"n": 3, "separation": 0.0, "seed": 4}),
    ("logistic_regression", {"separation": 5.0, "seed": 1}),
]


def spec_data(name: str, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """The data as the README writes them, drawn again here."""
    p = resolve_builtin(name, params).params
    rng = np.random.default_rng(p["seed"])
    if name == "linear_regression":
        x = rng.uniform(-1, 1, p["n"])
        return x, p["w_true"] * x + p["b_true"] + p["noise"] * rng.standard_normal(p["n"])
    labels = np.arange(p["n"]) % 2
    return rng.standard_normal(p["n"]) + p["separation"] * (2 * labels - 1), labels


def torch_loss(name: str, x: np.ndarray, y: np.ndarray):
    """The loss of the README in torch, a function of θ = (w, b) (a float64 tensor)."""
    tx, ty = torch.tensor(x), torch.tensor(np.asarray(y, dtype=np.float64))
    if name == "linear_regression":
        return lambda theta: 0.5 * ((theta[0] * tx + theta[1] - ty) ** 2).mean()
    s = 2 * ty - 1

    def softplus(z):  # log(1 + e^z); torch's own returns z itself past z = 20, and logaddexp's Hessian is NaN there
        return torch.relu(z) + torch.log1p(torch.exp(-torch.abs(z)))

    return lambda theta: softplus(-s * (theta[0] * tx + theta[1])).mean()


def ours(functions, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f, gw, gb = functions.value_and_grad(w, b)
    hxx, hxy, hyy = functions.hessian(w, b)
    return f, np.stack([gw, gb], -1), np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)


def sample_points(surface: Surface, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in the domain, some far outside it, and the start and minima."""
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(seed)
    w = np.concatenate([rng.uniform(x0, x1, count), [-300.0, 250.0, 1e4], [surface.start[0]]])
    b = np.concatenate([rng.uniform(y0, y1, count), [40.0, -500.0, -2e3], [surface.start[1]]])
    for point in surface.minima:
        w, b = np.append(w, point.x), np.append(b, point.y)
    return w, b


def assert_matches_torch(name: str, functions, x: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray) -> None:
    loss = torch_loss(name, x, y)
    f, g, h = ours(functions, w, b)
    for i in range(len(w)):
        tf, tg, th = torch_derivatives(loss, float(w[i]), float(b[i]))
        assert f[i] == pytest.approx(tf, rel=1e-12, abs=1e-13), (w[i], b[i])
        np.testing.assert_allclose(g[i], tg, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(tg).max()))
        # Torch's σ(m)(1 − σ(m)) cancels where margins are large, to an error of rounding against the
        # Hessian's largest possible size, mean(x²)/4 (ours is exact there: see the mpmath test).
        np.testing.assert_allclose(h[i], th, rtol=1e-9, atol=1e-12 * max(1.0, x @ x / len(x)))


@pytest.mark.parametrize(("name", "params"), CASES)
def test_the_data_are_drawn_as_the_readme_says(name: str, params: dict) -> None:
    surface = resolve_builtin(name, params)
    x, y = spec_data(name, params)
    np.testing.assert_array_equal(surface.data[0], x)
    np.testing.assert_array_equal(surface.data[1], y)
    assert surface.data[0].dtype == surface.data[1].dtype == np.float64
    assert surface.kind == "data" and surface.variables == ("w", "b") and surface.dims == 2
    with pytest.raises(ValueError):  # the cached surface's data are shared: nobody may change them
        surface.data[0][0] = 1.0


@pytest.mark.parametrize(("name", "params"), CASES)
def test_loss_gradient_and_hessian_equal_torch_autograd(name: str, params: dict) -> None:
    surface = resolve_builtin(name, params)
    x, y = spec_data(name, params)
    w, b = sample_points(surface, 12, seed=len(x))
    assert_matches_torch(name, surface.functions, x, y, w, b)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_the_loss_on_a_subset_is_the_loss_of_those_points(name: str, params: dict) -> None:
    """What a mini-batch step differentiates: any index array, repeats counted as often as they occur."""
    surface = resolve_builtin(name, params)
    x, y = spec_data(name, params)
    n = len(x)
    rng = np.random.default_rng(n)
    subsets = [rng.permutation(n)[: min(10, n)], np.array([n - 1]), rng.integers(0, n, 7), np.array([0, 0, 1])]
    for idx in subsets:
        w, b = sample_points(surface, 4, seed=len(idx))
        assert_matches_torch(name, surface.loss_on(idx), x[idx], y[idx], w, b)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_one_point_as_floats_equals_the_vectorized_answer(name: str, params: dict) -> None:
    """The run loop passes one trajectory as Python floats, the grid and batches as arrays: same numbers."""
    surface = resolve_builtin(name, params)
    w, b = sample_points(surface, 6, seed=3)
    f, gw, gb = surface.functions.value_and_grad(w, b)
    values = surface.functions.value(w, b)
    for i in range(len(w)):
        alone = surface.functions.value_and_grad(float(w[i]), float(b[i]))
        assert all(isinstance(v, float) for v in alone)
        np.testing.assert_allclose(alone, (f[i], gw[i], gb[i]), rtol=1e-13, atol=1e-15)
        assert float(surface.functions.value(float(w[i]), float(b[i]))) == pytest.approx(values[i], rel=1e-13)
    # broadcasting: a row of w against a column of b, as the grid asks
    grid = surface.functions.value(w[None, :5], b[:4, None])
    assert grid.shape == (4, 5)
    np.testing.assert_allclose(grid[2, 3], surface.functions.value(w[3], b[2]), rtol=1e-13)
    assert all(np.shape(h) == (4, 5) for h in surface.functions.hessian(w[None, :5], b[:4, None]))


@pytest.mark.parametrize(("name", "params"), [c for c in CASES if c[0] == "linear_regression"])
def test_the_linear_minimum_is_the_least_squares_line(name: str, params: dict) -> None:
    surface = resolve_builtin(name, params)
    x, y = spec_data(name, params)
    # the normal equations, solved by hand: [[Σx², Σx], [Σx, n]] (w, b) = (Σxy, Σy)
    expected = np.linalg.solve([[x @ x, x.sum()], [x.sum(), len(x)]], [x @ y, y.sum()])
    (point,) = surface.minima
    np.testing.assert_allclose([point.x, point.y], expected, rtol=1e-9, atol=1e-9)
    tf, tg, _ = torch_derivatives(torch_loss(name, x, y), point.x, point.y)
    assert point.f == pytest.approx(tf, rel=1e-12, abs=1e-15)
    assert np.linalg.norm(tg) <= 1e-10 * max(1.0, np.abs(y).max())
    if params.get("noise") == 0.0:  # the points lie on the line: it is the truth, with no misfit
        p = surface.params
        np.testing.assert_allclose([point.x, point.y], [p["w_true"], p["b_true"]], atol=1e-12)
        assert 0.0 <= point.f < 1e-28


@pytest.mark.parametrize(
    ("name", "params"), [c for c in CASES if c[0] == "logistic_regression" and resolve_builtin(*c).minima]
)
def test_the_logistic_minimum_is_where_torchs_gradient_vanishes(name: str, params: dict) -> None:
    surface = resolve_builtin(name, params)
    x, y = spec_data(name, params)
    (point,) = surface.minima
    tf, tg, th = torch_derivatives(torch_loss(name, x, y), point.x, point.y)
    assert point.f == pytest.approx(tf, rel=1e-12)
    assert np.linalg.norm(tg) < 1e-12
    assert np.all(np.linalg.eigvalsh(th) > 0)
    assert np.linalg.norm(np.linalg.solve(th, tg)) < 1e-9  # a Newton step from there: accurate far beyond 1e-6


def test_the_logistic_hessian_keeps_its_digits_where_margins_are_huge() -> None:
    """Far from the data's scale σ(m)σ(−m) is tiny for most points: computed from exp(−|m|), not as
    σ(1 − σ), it keeps every digit (checked at 40 digits with mpmath)."""
    mpmath = pytest.importorskip("mpmath")
    surface = resolve_builtin("logistic_regression", {"n": 200, "seed": 3})
    x, labels = surface.data
    with mpmath.workdps(40):
        for w, b in [(-300.0, 40.0), (250.0, -500.0), (1e4, -2e3), (2.0, 0.5)]:
            margins = [
                (2 * int(label) - 1) * (mpmath.mpf(w) * float(xi) + b) for xi, label in zip(x, labels, strict=True)
            ]
            weights = [mpmath.exp(-abs(m)) / (1 + mpmath.exp(-abs(m))) ** 2 for m in margins]
            exact = [
                sum(r * float(xi) ** 2 for r, xi in zip(weights, x, strict=True)) / len(x),
                sum(r * float(xi) for r, xi in zip(weights, x, strict=True)) / len(x),
                sum(weights) / len(x),
            ]
            got = surface.functions.hessian(np.float64(w), np.float64(b))
            np.testing.assert_allclose(np.array(got, dtype=float), [float(e) for e in exact], rtol=1e-13)


def test_the_default_logistic_data_overlap_and_have_a_minimum_in_the_domain() -> None:
    surface = resolve_builtin("logistic_regression")
    (point,) = surface.minima
    (x0, x1), (y0, y1) = surface.domain
    assert x0 < point.x < x1 and y0 < point.y < y1 and point.x > 0  # class 1 sits to the right


@pytest.mark.parametrize(
    "params", [{"separation": 5.0, "seed": 1}, {"n": 2, "separation": 0.0, "seed": 0}, {"separation": 10.0}]
)
def test_separable_data_have_no_minimum(params: dict) -> None:
    surface = resolve_builtin("logistic_regression", params)
    x, labels = spec_data("logistic_regression", params)
    zeros, ones = x[labels == 0], x[labels == 1]
    side = 1.0 if zeros.max() < ones.min() else -1.0  # class 1 to the right of a threshold, or to its left
    assert side * zeros.max() < side * ones.min() or side * ones.max() < side * zeros.min(), "must be separable"
    assert surface.minima == ()
    # the loss falls for ever along the separating direction: no finite minimizer to list
    threshold = (zeros.max() + ones.min()) / 2 if side > 0 else (ones.max() + zeros.min()) / 2
    scales = side * np.logspace(-2, 1, 8)
    values = surface.functions.value(scales, -scales * threshold)
    assert np.all(np.diff(values) <= 0) and values[-1] < values[0] / 2


def test_overlapping_classes_are_not_separable() -> None:
    surface = resolve_builtin("logistic_regression", {"n": 3, "separation": 0.0, "seed": 4})
    x, labels = spec_data("logistic_regression", {"n": 3, "separation": 0.0, "seed": 4})
    zeros, ones = x[labels == 0], x[labels == 1]
    overlap = not (zeros.max() <= ones.min() or ones.max() <= zeros.min())
    assert bool(surface.minima) == overlap


@pytest.mark.parametrize("name", DATA_SURFACES)
def test_the_default_domain_holds_the_start_and_the_minimum_apart(name: str) -> None:
    surface = resolve_builtin(name)
    (point,) = surface.minima
    (x0, x1), (y0, y1) = surface.domain
    assert x0 < surface.start[0] < x1 and y0 < surface.start[1] < y1
    assert np.hypot(point.x - surface.start[0], point.y - surface.start[1]) > 2.5
    if name == "linear_regression":
        assert np.hypot(point.x - 2.0, point.y - 1.0) < 0.1  # close to the truth (2, 1)


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("linear_regression", {"n": 10.5}, "surface.params.n"),
        ("linear_regression", {"seed": 0.25}, "surface.params.seed"),
        ("linear_regression", {"seed": 2.0**32}, "surface.params.seed"),
        ("linear_regression", {"seed": -1}, "surface.params.seed"),
        ("linear_regression", {"n": 1}, "surface.params.n"),
        ("linear_regression", {"n": 2001}, "surface.params.n"),
        ("linear_regression", {"noise": -0.1}, "surface.params.noise"),
        ("linear_regression", {"w_true": 101.0}, "surface.params.w_true"),
        ("linear_regression", {"separation": 1.0}, "surface.params.separation"),
        ("logistic_regression", {"n": 99.999}, "surface.params.n"),
        ("logistic_regression", {"seed": 1e-9}, "surface.params.seed"),
        ("logistic_regression", {"separation": 10.5}, "surface.params.separation"),
        ("logistic_regression", {"noise": 1.0}, "surface.params.noise"),
    ],
)
def test_bad_parameters_are_refused_with_their_field(name: str, params: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_builtin(name, params)
    assert caught.value.field == field and caught.value.message


def test_whole_numbers_written_as_floats_are_integers() -> None:
    surface = resolve_builtin("linear_regression", {"n": 50.0, "seed": float(2**32 - 1)})
    assert surface.params["n"] == 50 and isinstance(surface.params["n"], int)
    assert isinstance(surface.params["seed"], int) and len(surface.data[0]) == 50


@pytest.mark.parametrize(("name", "params"), [c for c in CASES if c[1].get("n", 100) >= 100])
def test_nothing_overflows_anywhere_in_the_plane(name: str, params: dict) -> None:
    surface = resolve_builtin(name, params)
    axis = np.concatenate([-np.logspace(-3, 6, 40)[::-1], [0.0], np.logspace(-3, 6, 40)])
    w, b = np.meshgrid(axis, axis)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # not even an intermediate overflow
        outputs = [surface.functions.value(w, b), *surface.functions.value_and_grad(w, b)]
        outputs += list(surface.functions.hessian(w, b))
        for i in range(0, w.size, 97):
            wi, bi = float(w.flat[i]), float(b.flat[i])
            outputs += [np.array(surface.functions.value_and_grad(wi, bi))]
    assert all(np.all(np.isfinite(o)) for o in outputs)
    assert np.all(outputs[0] >= 0)  # a mean of squares, a mean of softplus


def test_a_large_grid_on_many_points_is_evaluated_in_bounded_memory() -> None:
    """n = 2000 points on a 200 × 200 grid would take 640 MB per temporary array at once."""
    surface = resolve_builtin("logistic_regression", {"n": 2000})
    w, b = np.meshgrid(np.linspace(-2, 6, 200), np.linspace(-4, 4, 200))
    tracemalloc.start()
    try:
        z = surface.functions.value(w[None, 0], b[:, :1])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert z.shape == (200, 200)
    assert peak < 60 * 2**20, f"peak {peak / 2**20:.0f} MB"
    rows = [5, 123, 199]
    np.testing.assert_allclose(z[rows, 17], surface.functions.value(w[rows, 17], b[rows, 17]), rtol=1e-13)


def test_the_cost_of_a_data_loss_grows_with_its_points() -> None:
    """The closures' bytecode says nothing of their work: the cost model counts it, ∝ n for logistic."""
    small, large = (
        resolve_builtin("logistic_regression", {"n": 100}),
        resolve_builtin("logistic_regression", {"n": 2000}),
    )
    for rows in (1, 50):
        (g_small, h_small), (g_large, h_large) = (
            cost.surface_operations(small, rows),
            cost.surface_operations(large, rows),
        )
        assert g_large > g_small and h_large > h_small
    assert cost.surface_operations(large, 50)[0] >= 15 * cost.surface_operations(small, 50)[0]  # ∝ n per trajectory
    # linear regression works on five sums: its cost does not depend on n
    assert cost.surface_operations(resolve_builtin("linear_regression", {"n": 2000})) == cost.surface_operations(
        resolve_builtin("linear_regression", {"n": 2})
    )
    # the grid of n = 2000 points is heavy work, as it is
    assert cost.grid_seconds(large, 200 * 200) > 1.0


def test_a_formula_surface_has_no_subsets() -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_builtin("rosenbrock").loss_on(np.array([0, 1]))
    assert caught.value.field == "batch"
    assert resolve_builtin("rosenbrock").kind == "formula" and resolve_builtin("rosenbrock").data is None


@pytest.mark.parametrize("n", [3, 10, 2000])
@pytest.mark.parametrize("separation", [0.0, 1.0, 3.0, 6.0])
def test_a_minimum_is_listed_exactly_when_the_classes_overlap_and_it_is_exact(n: int, separation: float) -> None:
    for seed in range(3):
        params = {"n": n, "separation": separation, "seed": seed}
        surface = resolve_builtin("logistic_regression", params)
        x, labels = spec_data("logistic_regression", params)
        zeros, ones = x[labels == 0], x[labels == 1]
        overlap = zeros.max() > ones.min() and ones.max() > zeros.min()
        assert len(surface.minima) == int(overlap), params
        for point in surface.minima:
            _, gw, gb = surface.functions.value_and_grad(point.x, point.y)
            hxx, hxy, hyy = surface.functions.hessian(np.float64(point.x), np.float64(point.y))
            correction = np.linalg.solve([[hxx, hxy], [hxy, hyy]], [gw, gb])
            assert np.linalg.norm(correction) < 1e-12, params  # the Newton step left from there
