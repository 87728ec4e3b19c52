"""Tiny networks, engine side: backpropagation against torch autograd and finite differences,
datasets, initializations, dropout, and the loss landscape (SPEC §5).

torch is the oracle for gradients: the same W (fan_in, fan_out), b, z = a @ W + b, the mean of
BCEWithLogitsLoss or MSE, plus (l2/2)·Σ‖W‖² over weight matrices only, all in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine.nn.datasets import DATASETS, make_dataset  # noqa: E402
from gdviz.engine.nn.landscape import _pca_directions, _random_directions, loss_landscape  # noqa: E402
from gdviz.engine.nn.layers import ACTIVATIONS, LEAK, bce_with_logits, mse  # noqa: E402
from gdviz.engine.nn.network import (  # noqa: E402
    Architecture,
    Workspace,
    flatten,
    forward,
    gradients,
    initialize,
    loss_and_grad,
    predict,
    unflatten,
)
from gdviz.engine.nn.train import Record, TrainSpec, train  # noqa: E402
from tests.torch_reference import TORCH_ACTIVATIONS  # noqa: E402

ACTIVATION_NAMES = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"]
TASKS = {"classification": "moons", "regression": "sine"}
DEPTHS = {1: [5], 2: [5, 4], 3: [4, 5, 3], 4: [3, 4, 5, 3]}


def torch_objective(arch: Architecture, theta: np.ndarray, x: np.ndarray, y: np.ndarray, l2: float, masks=None):
    """(data loss, data loss + penalty, [W grads], [b grads]) by torch autograd."""
    layers = unflatten(arch, theta)
    Ws = [torch.tensor(layer.W, dtype=torch.float64, requires_grad=True) for layer in layers]
    bs = [torch.tensor(layer.b, dtype=torch.float64, requires_grad=True) for layer in layers]
    a = torch.tensor(x, dtype=torch.float64)
    act = TORCH_ACTIVATIONS[arch.activation]
    for i, (W, b) in enumerate(zip(Ws[:-1], bs[:-1], strict=True)):
        a = act(a @ W + b)
        if masks is not None and masks[i] is not None:
            a = a * torch.tensor(masks[i].T, dtype=torch.float64)  # ours are feature-major (units, N)
    out = (a @ Ws[-1] + bs[-1])[:, 0]
    target = torch.tensor(y, dtype=torch.float64)
    if arch.task == "classification":
        data = torch.nn.functional.binary_cross_entropy_with_logits(out, target)
    else:
        data = torch.nn.functional.mse_loss(out, target)
    total = data + l2 / 2 * sum((W * W).sum() for W in Ws)
    total.backward()
    return data.item(), total.item(), [W.grad.numpy() for W in Ws], [b.grad.numpy() for b in bs]


def setup(activation: str, task: str, hidden: list[int], seed: int = 0, n: int = 40, scale: float = 0.8):
    data = make_dataset(TASKS[task], n, 0.1, seed)
    arch = Architecture((2, *hidden, 1), activation, task)
    theta = initialize(arch, "normal", seed, scale)
    # Non-zero biases, so that their gradients and the b-path of z = a @ W + b are exercised.
    rng = np.random.default_rng(seed + 100)
    for layer in unflatten(arch, theta):
        layer.b[:] = 0.3 * rng.standard_normal(layer.b.shape)  # views into theta
    return arch, theta, data


def assert_close(ours: np.ndarray, ref: np.ndarray, rtol: float, what: str) -> None:
    scale = max(float(np.max(np.abs(ref))), 1e-300)
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=1e-12 * scale, err_msg=what)


# --- 1. gradients ----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", list(DEPTHS))
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_backprop_equals_torch_autograd(activation: str, task: str, l2: float, depth: int) -> None:
    arch, theta, data = setup(activation, task, DEPTHS[depth], seed=depth)
    data_loss, total, flat, grads = loss_and_grad(arch, theta, data.x, data.y, l2)
    t_data, t_total, t_dW, t_db = torch_objective(arch, theta, data.x, data.y, l2)

    assert data_loss == pytest.approx(t_data, rel=1e-12)
    assert total == pytest.approx(t_total, rel=1e-12)
    if l2:
        penalty = l2 / 2 * sum(float(np.sum(layer.W**2)) for layer in unflatten(arch, theta))
        assert total - data_loss == pytest.approx(penalty, rel=1e-9) and penalty > 0
    else:
        assert total == data_loss
    assert len(grads) == depth + 1
    for i, (g, dW, db) in enumerate(zip(grads, t_dW, t_db, strict=True)):
        assert g.W.shape == dW.shape and g.b.shape == db.shape
        assert_close(g.W, dW, 1e-9, f"dW of layer {i}")
        assert_close(g.b, db, 1e-9, f"db of layer {i}")
        assert np.any(dW != 0), f"layer {i} has a zero gradient: the case tests nothing"
    # The flat gradient is the per-layer gradients in the flat weight vector's layout.
    np.testing.assert_array_equal(flat, flatten(grads))
    assert flat.shape == theta.shape == (arch.size,)


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_backprop_equals_central_finite_differences(activation: str, task: str, l2: float) -> None:
    arch, theta, data = setup(activation, task, [4, 3], seed=7)
    _, _, grad, _ = loss_and_grad(arch, theta, data.x, data.y, l2)
    h = 1e-6
    numeric = np.empty_like(theta)
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = h
        plus = loss_and_grad(arch, theta + e, data.x, data.y, l2)[1]
        minus = loss_and_grad(arch, theta - e, data.x, data.y, l2)[1]
        numeric[k] = (plus - minus) / (2 * h)
    assert np.linalg.norm(numeric - grad) <= 1e-6 * np.linalg.norm(grad), (numeric, grad)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_kinks_at_exactly_zero_take_torchs_slope(activation: str) -> None:
    # A hidden unit with zero weights and bias sits at z = 0 for every input: relu'(0) = 0 and
    # leaky_relu'(0) = 0.01, as torch has them.
    arch, theta, data = setup(activation, "regression", [4, 3])
    first = unflatten(arch, theta)[0]
    first.W[:, 1] = 0.0
    first.b[1] = 0.0
    _, _, _, grads = loss_and_grad(arch, theta, data.x, data.y)
    _, _, t_dW, t_db = torch_objective(arch, theta, data.x, data.y, 0.0)
    for g, dW, db in zip(grads, t_dW, t_db, strict=True):
        assert_close(g.W, dW, 1e-9, "dW")
        assert_close(g.b, db, 1e-9, "db")
    assert (grads[0].b[1] == 0) == (activation == "relu")


def test_l2_penalizes_weight_matrices_only_not_biases() -> None:
    arch, theta, data = setup("tanh", "classification", [4, 3])
    _, _, g0, grads0 = loss_and_grad(arch, theta, data.x, data.y, 0.0)
    _, _, g1, grads1 = loss_and_grad(arch, theta, data.x, data.y, 0.5)
    for layer, a, b in zip(unflatten(arch, theta), grads0, grads1, strict=True):
        np.testing.assert_allclose(b.W - a.W, 0.5 * layer.W, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(b.b, a.b)
    assert not np.array_equal(g0, g1)


def test_losses_are_stable_for_extreme_logits_and_equal_torchs() -> None:
    z = np.array([-800.0, -30.0, -1.0, 0.0, 2.0, 40.0, 900.0])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    with np.errstate(over="ignore"):  # exp(800) in the sigmoid of the gradient: 1/inf = 0, as wanted
        loss, grad = bce_with_logits.value(z, y), bce_with_logits.delta(z, y)
    tz = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(tz, torch.tensor(y))
    ref.backward()
    assert np.isfinite(loss) and loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad, tz.grad.numpy(), rtol=1e-12, atol=1e-300)
    loss, grad = mse.value(z[:4], y[:4]), mse.delta(z[:4], y[:4])
    assert loss == pytest.approx(np.mean((z[:4] - y[:4]) ** 2))
    np.testing.assert_allclose(grad, 2 * (z[:4] - y[:4]) / 4)


def test_activations_are_what_their_names_say() -> None:
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    for name, ref in TORCH_ACTIVATIONS.items():
        np.testing.assert_allclose(ACTIVATIONS[name].forward(z), ref(torch.tensor(z)).numpy(), rtol=1e-15)
    assert ACTIVATIONS["leaky_relu"].forward(np.array([-2.0]))[0] == -0.02


def test_flatten_and_unflatten_round_trip() -> None:
    arch = Architecture((2, 5, 3, 1), "tanh", "classification")
    theta = np.arange(arch.size, dtype=np.float64)
    layers = unflatten(arch, theta)
    assert [layer.W.shape for layer in layers] == [(2, 5), (5, 3), (3, 1)]
    assert [layer.b.shape for layer in layers] == [(5,), (3,), (1,)]
    assert arch.size == 2 * 5 + 5 + 5 * 3 + 3 + 3 + 1
    np.testing.assert_array_equal(flatten(layers), theta)
    # Row-major: W[i, j] of the first layer is theta[i * fan_out + j].
    assert layers[0].W[1, 2] == 1 * 5 + 2 and layers[0].b[0] == 10


def test_initializations_follow_their_formulas_and_seeds() -> None:
    arch = Architecture((2, 64, 64, 1), "tanh", "classification")
    xavier = unflatten(arch, initialize(arch, "xavier", 0))
    he = unflatten(arch, initialize(arch, "he", 0))
    normal = unflatten(arch, initialize(arch, "normal", 0, 3.0))
    middle = 1  # the 64 × 64 layer: enough samples for moments
    limit = np.sqrt(6 / 128)
    assert np.max(np.abs(xavier[middle].W)) <= limit and np.max(np.abs(xavier[middle].W)) > 0.95 * limit
    assert np.std(he[middle].W) == pytest.approx(np.sqrt(2 / 64), rel=0.05)
    assert np.std(normal[middle].W) == pytest.approx(3.0, rel=0.05)
    for layers in (xavier, he, normal):
        assert all(np.all(layer.b == 0) for layer in layers)
    np.testing.assert_array_equal(initialize(arch, "he", 5), initialize(arch, "he", 5))
    assert not np.array_equal(initialize(arch, "he", 5), initialize(arch, "he", 6))


# --- 3. dropout ------------------------------------------------------------------------------


def test_dropout_backprop_equals_torch_with_the_same_masks() -> None:
    arch, theta, data = setup("tanh", "classification", [6, 5, 4])
    cache = forward(arch, unflatten(arch, theta), data.x, 0.5, np.random.default_rng(3))
    masks = cache.masks
    assert all(m is not None and set(np.unique(m)) <= {0.0, 2.0} for m in masks)
    assert 0.3 < np.mean(np.concatenate([m.ravel() for m in masks]) == 0) < 0.7
    # The same generator state draws the same masks inside loss_and_grad.
    data_loss, _, _, grads = loss_and_grad(arch, theta, data.x, data.y, 0.1, 0.5, np.random.default_rng(3))
    t_data, _, t_dW, t_db = torch_objective(arch, theta, data.x, data.y, 0.1, masks)
    assert data_loss == pytest.approx(t_data, rel=1e-12)
    for g, dW, db in zip(grads, t_dW, t_db, strict=True):
        assert_close(g.W, dW, 1e-9, "dW with dropout")
        assert_close(g.b, db, 1e-9, "db with dropout")
    # Without a generator (evaluation) nothing is dropped.
    assert forward(arch, unflatten(arch, theta), data.x, 0.5).masks == [None, None, None]


def run(spec: TrainSpec, data) -> tuple[list[Record], Any, str]:
    items = list(train(spec, data))
    records = [item for item in items if isinstance(item, Record)]
    scapes = [item for item in items if not isinstance(item, (Record, str))]
    assert isinstance(items[-1], str)
    return records, scapes[0] if scapes else None, items[-1]


def small_spec(arch: Architecture, **kw: Any) -> TrainSpec:
    base: dict[str, Any] = {
        "arch": arch,
        "theta0": initialize(arch, "xavier", 0),
        "optimizer": "adam",
        "params": {"lr": 0.02},
        "steps": 60,
        "batch_size": None,
        "record_every": 5,
        "boundary_n": None,
        "landscape": None,
    }
    return TrainSpec(**{**base, **kw})


def test_records_are_evaluated_without_dropout_and_dropout_changes_training() -> None:
    data = make_dataset("moons", 80, 0.1, 0)
    arch = Architecture((2, 16, 16, 1), "relu", "classification")
    dropped, _, status = run(small_spec(arch, dropout=0.5, l2=0.01), data)
    plain, _, _ = run(small_spec(arch, dropout=0.0, l2=0.01), data)
    assert status == "max_steps" and [r.step for r in dropped] == list(range(0, 61, 5))
    for r in dropped:
        data_loss, _, _, grads = loss_and_grad(arch, r.theta, data.x, data.y, 0.01)
        assert r.loss == data_loss  # a deterministic function of the weights: no mask, no scaling
        assert r.grad_norm == [float(np.linalg.norm(g.W)) for g in grads]
        assert r.accuracy == np.mean((predict(arch, r.theta, data.x) > 0) == (data.y > 0.5))
    assert dropped[0].loss == plain[0].loss
    assert not np.allclose(dropped[-1].theta, plain[-1].theta, rtol=1e-3)
    assert dropped[-1].loss != pytest.approx(plain[-1].loss, rel=1e-6)
    # Same request, same masks: dropout training is reproducible.
    again, _, _ = run(small_spec(arch, dropout=0.5, l2=0.01), data)
    np.testing.assert_array_equal(again[-1].theta, dropped[-1].theta)


def test_a_batch_as_large_as_the_data_is_full_batch_and_minibatches_are_reproducible() -> None:
    data = make_dataset("xor", 50, 0.05, 1)
    arch = Architecture((2, 8, 1), "tanh", "classification")
    full, _, _ = run(small_spec(arch), data)
    same, _, _ = run(small_spec(arch, batch_size=50), data)
    larger, _, _ = run(small_spec(arch, batch_size=500), data)
    mini, _, _ = run(small_spec(arch, batch_size=10), data)
    mini2, _, _ = run(small_spec(arch, batch_size=10), data)
    np.testing.assert_array_equal(same[-1].theta, full[-1].theta)
    np.testing.assert_array_equal(larger[-1].theta, full[-1].theta)
    np.testing.assert_array_equal(mini2[-1].theta, mini[-1].theta)
    assert not np.allclose(mini[-1].theta, full[-1].theta)


# --- 3b. the fast path: the same numbers --------------------------------------------------


def test_tanh_is_within_three_ulp_of_the_c_librarys() -> None:
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.standard_normal(20000) * s for s in (1e-6, 1e-3, 0.01, 0.1, 1, 3, 10, 30)])
    z = np.concatenate([z, np.arange(-1300, 1301) / 64, [19.999, 20.0, 20.001, 1e300, -1e300, 5e-324, 0.0]])
    ours, ref = ACTIVATIONS["tanh"].forward(z), np.tanh(z)
    assert np.max(np.abs(ours - ref) / np.spacing(np.abs(ref))) <= 3
    np.testing.assert_array_equal(np.abs(ours) <= 1, True)
    with np.errstate(invalid="ignore"):
        edges = ACTIVATIONS["tanh"].forward(np.array([np.inf, -np.inf, np.nan]))
    assert edges[0] == 1.0 and edges[1] == -1.0 and np.isnan(edges[2])


def test_leaky_relu_is_z_times_its_slope_exactly() -> None:
    z = np.random.default_rng(1).standard_normal((7, 30)) * 5
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].forward(z), z * np.where(z > 0, 1.0, LEAK))


@pytest.mark.parametrize("dropout", [0.0, 0.4])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_passes_through_a_workspace_equal_the_plain_ones(activation: str, dropout: float) -> None:
    """Training writes every pass into preallocated buffers: the numbers are the plain path's, bit for bit,
    and a workspace reused for another N or other weights gives that pass's numbers too."""
    arch, theta, data = setup(activation, "classification", [6, 5, 4], n=40)
    workspace = Workspace(arch)
    for x, y, weights in ((data.x, data.y, theta), (data.x[:25], data.y[:25], theta), (data.x, data.y, -theta)):
        layers = unflatten(arch, weights)
        plain, plain_grad = gradients(arch, layers, x, y, 0.1, dropout, np.random.default_rng(3))
        fast, fast_grad = gradients(arch, layers, x, y, 0.1, dropout, np.random.default_rng(3), workspace)
        np.testing.assert_array_equal(fast.output, plain.output)
        np.testing.assert_array_equal(fast_grad, plain_grad)
        for ours, ref in zip(fast.activations, plain.activations, strict=True):
            np.testing.assert_array_equal(ours, ref)
        np.testing.assert_array_equal(predict(arch, weights, x, workspace), predict(arch, weights, x))


def test_records_share_the_steps_pass_without_changing_the_training() -> None:
    """Full batch, no dropout: the update at a recorded step reuses the record's gradient. Recording
    every step or only at the ends must give the same weights, bit for bit."""
    data = make_dataset("moons", 60, 0.1, 0)
    arch = Architecture((2, 8, 8, 1), "tanh", "classification")
    every, _, _ = run(small_spec(arch, record_every=1, l2=0.01), data)
    ends, _, _ = run(small_spec(arch, record_every=60, l2=0.01), data)
    assert [r.step for r in ends] == [0, 60] and len(every) == 61
    np.testing.assert_array_equal(every[-1].theta, ends[-1].theta)
    assert every[-1].loss == ends[-1].loss and every[-1].grad_norm == ends[-1].grad_norm
    # And by hand: Adam on the plain gradients.
    theta = every[0].theta.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, 61):
        _, _, grad, _ = loss_and_grad(arch, theta, data.x, data.y, 0.01)
        m, v = 0.9 * m + 0.1 * grad, 0.999 * v + 0.001 * grad * grad
        theta = theta - 0.02 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(ends[-1].theta, theta, rtol=1e-10, atol=1e-12)


# --- 4. datasets -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
def test_datasets_are_reproducible_sized_and_labelled(name: str) -> None:
    task = DATASETS[name][0]
    a = make_dataset(name, 101, 0.2, 4)
    b = make_dataset(name, 101, 0.2, 4)
    c = make_dataset(name, 101, 0.2, 5)
    quiet = make_dataset(name, 101, 0.0, 4)
    assert a.task == task
    assert a.x.shape == (101, 2) and a.y.shape == (101,)
    assert a.x.dtype == a.y.dtype == np.float64
    assert np.all(np.isfinite(a.x)) and np.all(np.isfinite(a.y))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not (np.array_equal(a.x, c.x) and np.array_equal(a.y, c.y)), "another seed, the same data"
    assert not (np.array_equal(a.x, quiet.x) and np.array_equal(a.y, quiet.y)), "noise changes nothing"
    if task == "classification":
        assert set(np.unique(a.y)) == {0.0, 1.0}
        assert 0.3 < np.mean(a.y) < 0.7, "both classes, roughly balanced"
    else:
        assert len(np.unique(a.y)) > 50, "regression targets are real numbers"
    for n in (4, 5, 2000):
        assert make_dataset(name, n, 0.1, 0).x.shape == (n, 2)


def test_dataset_noise_scales_the_scatter() -> None:
    # On the noise-free curves, noise moves points by about `noise`.
    for name in ("moons", "circles", "spiral"):
        quiet = make_dataset(name, 400, 0.0, 0)
        noisy = make_dataset(name, 400, 0.3, 0)
        np.testing.assert_array_equal(quiet.y, noisy.y)
        assert np.std(noisy.x - quiet.x) == pytest.approx(0.3, rel=0.15)
    for name in ("linear", "sine"):
        quiet = make_dataset(name, 400, 0.0, 0)
        noisy = make_dataset(name, 400, 0.3, 0)
        np.testing.assert_array_equal(quiet.x, noisy.x)
        assert np.std(noisy.y - quiet.y) == pytest.approx(0.3, rel=0.15)


# --- 5. landscape ----------------------------------------------------------------------------


def landscape_run(method: str, n: int = 11):
    data = make_dataset("circles", 60, 0.05, 0)
    arch = Architecture((2, 6, 4, 1), "tanh", "classification")
    spec = small_spec(arch, landscape=(n, 1.0, method), record_every=4, steps=40, seed=3)
    return arch, data, *run(spec, data)


@pytest.mark.parametrize("method", ["pca", "random"])
def test_landscape_is_centred_on_the_final_weights_and_holds_the_path(method: str) -> None:
    arch, data, records, scape, _ = landscape_run(method)
    path = np.stack([r.theta for r in records])
    final = path[-1]
    n = 11
    assert scape.a.shape == scape.b.shape == (n,) and scape.loss.shape == (n, n)
    assert scape.path_a.shape == scape.path_b.shape == (len(records),)
    assert abs(scape.a[n // 2]) < 1e-15 and abs(scape.b[n // 2]) < 1e-15
    assert scape.loss[n // 2, n // 2] == pytest.approx(records[-1].loss, rel=1e-12)
    assert (scape.path_a[-1], scape.path_b[-1]) == (0.0, 0.0)
    assert np.all(np.isfinite(scape.loss))

    if method == "pca":
        directions = _pca_directions(path, final)
        assert directions is not None
        np.testing.assert_allclose(directions @ directions.T, np.eye(2), atol=1e-12)
        # The plane is the span of the trajectory's two main directions (sign-free: compare projectors).
        _, _, vt = np.linalg.svd(path - final)
        np.testing.assert_allclose(directions.T @ directions, vt[:2].T @ vt[:2], atol=1e-10)
        # The plane covers the path: every projected point lies inside the grid.
        assert np.max(np.abs(scape.path_a)) <= scape.a[-1] and np.max(np.abs(scape.path_b)) <= scape.b[-1]
    else:
        directions = _random_directions(arch, final, 3)
        # Filter normalization: each unit's incoming weights have the norm of the network's own; biases zero.
        for d, layer in zip(unflatten(arch, directions[0]), unflatten(arch, final), strict=True):
            np.testing.assert_allclose(np.linalg.norm(d.W, axis=0), np.linalg.norm(layer.W, axis=0), rtol=1e-12)
            assert np.all(d.b == 0)
        assert scape.a[-1] == 1.0
    # The path starts at the first recorded weights' projection on the plane.
    coords, *_ = np.linalg.lstsq(directions.T, path[0] - final, rcond=None)
    assert (scape.path_a[0], scape.path_b[0]) == pytest.approx(tuple(coords), rel=1e-9, abs=1e-12)
    assert np.hypot(scape.path_a[0], scape.path_b[0]) > 0
    # Each grid value is the loss at final + a·d₀ + b·d₁, loss[j, i] at (a[i], b[j]).
    for i, j in ((0, 0), (2, 7), (10, 3)):
        theta = final + scape.a[i] * directions[0] + scape.b[j] * directions[1]
        assert scape.loss[j, i] == pytest.approx(loss_and_grad(arch, theta, data.x, data.y)[0], rel=1e-12)


def test_pca_needs_two_directions_else_random_ones_are_used() -> None:
    arch = Architecture((2, 3, 1), "tanh", "classification")
    final = initialize(arch, "xavier", 0)
    assert _pca_directions(final[None, :], final) is None
    line = np.stack([final + 2.0 * np.ones_like(final), final + np.ones_like(final), final])
    assert _pca_directions(line, final) is None
    data = make_dataset("moons", 20, 0.1, 0)
    scape = loss_landscape(arch, data.x, data.y, final, line, 5, 1.0, "pca", 0)
    assert scape.loss.shape == (5, 5) and np.all(np.isfinite(scape.loss))
    assert scape.a[-1] == 1.0  # random directions' extent: ±span
