"""Sharpness of a training against torch's full Hessian (float64), and the Edge of Stability.

The oracle forms the whole Hessian of data loss + (l2/2)·Σ‖W‖² over every weight and bias with
torch.autograd.functional.hessian on the training points (no dropout) and takes its eigenvalues;
Adam's preconditioned sharpness takes P from torch.optim.Adam's own state (exp_avg_sq).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine.nn.datasets import make_dataset  # noqa: E402
from gdviz.engine.nn.network import Architecture, initialize, unflatten  # noqa: E402
from gdviz.engine.nn.sharpness import Curvature, Sharpness, largest_eigenvalue  # noqa: E402
from gdviz.engine.nn.split import split  # noqa: E402
from gdviz.engine.nn.train import Record, TrainSpec, train  # noqa: E402
from tests.torch_reference import TORCH_ACTIVATIONS  # noqa: E402

RTOL = 1e-6


def torch_objective(arch: Architecture, x: np.ndarray, y: np.ndarray, l2: float):
    """θ (P,) in our layout (each layer's [W; bᵀ] row by row) -> loss + penalty, as a torch function."""
    xt, yt = torch.tensor(x), torch.tensor(y)
    act = TORCH_ACTIVATIONS[arch.activation]

    def objective(theta):
        a, at, penalty = xt, 0, 0.0
        for i, ((fan_in, fan_out), _) in enumerate(arch.shapes):
            Wb = theta[at : at + (fan_in + 1) * fan_out].reshape(fan_in + 1, fan_out)
            at += (fan_in + 1) * fan_out
            z = a @ Wb[:-1] + Wb[-1]
            penalty = penalty + (Wb[:-1] ** 2).sum()
            a = act(z) if i < len(arch.shapes) - 1 else z
        out = a[:, 0]
        if arch.task == "classification":
            data = torch.nn.functional.binary_cross_entropy_with_logits(out, yt)
        else:
            data = torch.nn.functional.mse_loss(out, yt)
        return data + l2 / 2 * penalty

    return objective


def torch_hessian(arch: Architecture, theta: np.ndarray, x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    return torch.autograd.functional.hessian(torch_objective(arch, x, y, l2), torch.tensor(theta)).numpy()


def records(spec: TrainSpec, data) -> list[Record]:
    return [r for r in train(spec, data) if isinstance(r, Record)]


CASES = [
    ("tanh", "classification", 0.0),
    ("tanh", "regression", 0.05),
    ("sigmoid", "classification", 0.1),
    ("linear", "regression", 0.0),
    ("relu", "classification", 0.02),
    ("relu", "regression", 0.0),
    ("leaky_relu", "classification", 0.0),
]


@pytest.mark.parametrize(("activation", "task", "l2"), CASES)
def test_hessian_vector_products_are_torchs_hessian_times_the_vector(activation: str, task: str, l2: float) -> None:
    data = make_dataset("moons" if task == "classification" else "sine", 30, 0.1, 2)
    arch = Architecture((2, 5, 4, 1), activation, task)
    theta = initialize(arch, "normal", 4, 0.9)
    theta += 0.2 * np.random.default_rng(5).standard_normal(theta.shape)  # biases too
    H = torch_hessian(arch, theta, data.x, data.y, l2)
    curvature = Curvature(arch, theta, data.x, data.y, l2)
    for v in np.random.default_rng(6).standard_normal((3, arch.size)):
        np.testing.assert_allclose(curvature.product(v), H @ v, rtol=1e-10, atol=1e-12 * np.abs(H @ v).max())


@pytest.mark.parametrize(("activation", "task", "l2"), CASES)
def test_each_records_sharpness_is_the_largest_eigenvalue_of_torchs_hessian(activation, task, l2) -> None:
    data = make_dataset("moons" if task == "classification" else "sine", 40, 0.1, 1)
    arch = Architecture((2, 6, 5, 1), activation, task)
    theta0 = initialize(arch, "xavier", 3)
    # Mini-batches, dropout and a test split: sharpness is still of the full training objective, no dropout.
    lr = 0.2 if task == "classification" else 0.02
    spec = TrainSpec(
        arch, theta0, "sgd", {"lr": lr, "momentum": 0.5}, 60, 16, l2=l2, dropout=0.2, record_every=15,
        boundary_n=None, landscape=None, test_fraction=0.25, split_seed=1, sharpness=True,
    )  # fmt: skip
    train_data = split(data, 0.25, 1).train
    got = records(spec, data)
    assert len(got) == 5
    for r in got:
        eigenvalues = np.linalg.eigvalsh(torch_hessian(arch, r.theta, train_data.x, train_data.y, l2))
        assert r.sharpness == pytest.approx(eigenvalues[-1], rel=RTOL), (r.step, eigenvalues[-3:])
        assert r.preconditioned_sharpness is None  # not Adam
    assert len({r.sharpness for r in got}) == len(got)  # it follows the weights


def test_the_largest_eigenvalue_is_algebraic_and_found_from_a_wrong_warm_start() -> None:
    rng = np.random.default_rng(0)
    size = 300
    basis, _ = np.linalg.qr(rng.standard_normal((size, size)))
    spectrum = np.concatenate([[-50.0, -20.0], rng.uniform(-5, 3, size - 4), [4.0, 4.1]])  # top 4.1, near 4.0
    matrix = (basis * spectrum) @ basis.T
    second = basis[:, -2]  # the eigenvector of 4.0: a warm start on the wrong one
    for start in (None, second, basis[:, 0]):
        found = largest_eigenvalue(lambda v: matrix @ v, size, start, np.random.default_rng(1))
        assert found.value == pytest.approx(4.1, rel=1e-9)
        assert abs(found.vector @ basis[:, -1]) == pytest.approx(1.0, abs=1e-6)


def test_warm_starts_keep_each_records_sharpness_cheap() -> None:
    """From the previous record's eigenvector a record takes a few products; from scratch, more."""
    data = make_dataset("sine", 60, 0.1, 0)
    arch = Architecture((2, 16, 16, 1), "tanh", "regression")
    spec = TrainSpec(arch, initialize(arch, "xavier", 0), "sgd", {"lr": 0.02}, 400, None, record_every=10,
                     boundary_n=None, landscape=None)  # fmt: skip
    thetas = [r.theta for r in records(spec, data)]
    warm, cold = Sharpness(arch, data.x, data.y, 0.0, 0), []
    for theta in thetas:
        value = warm.at(theta, None)[0]
        fresh = Sharpness(arch, data.x, data.y, 0.0, 0)
        assert fresh.at(theta, None)[0] == pytest.approx(value, rel=RTOL)
        cold.append(fresh.products)
    assert warm.products / len(thetas) <= 7 and warm.products < sum(cold)


def torch_adam_states(arch, theta0, data, name: str, params: dict[str, Any], l2: float, steps: int):
    """torch.optim's exp_avg_sq in our layout after each update, one tensor per layer's [W; b]."""
    layers = unflatten(arch, theta0)
    tensors = [torch.tensor(layer.Wb.copy(), requires_grad=True) for layer in layers]
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    opt = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name](tensors, **options)
    objective = torch_objective(arch, data.x, data.y, l2)
    states = []
    for _ in range(steps):
        opt.zero_grad()
        flat = torch.cat([t.reshape(-1) for t in tensors])
        objective(flat).backward()
        opt.step()
        states.append(np.concatenate([opt.state[t]["exp_avg_sq"].numpy().ravel() for t in tensors]))
    return states


@pytest.mark.parametrize(
    ("name", "params", "activation"),
    [
        ("adam", {"lr": 0.02}, "tanh"),
        ("adam", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-3, "weight_decay": 0.01}, "sigmoid"),
        ("adamw", {"lr": 0.02, "weight_decay": 0.1}, "relu"),
    ],
)
def test_preconditioned_sharpness_uses_torch_adams_state(name, params, activation) -> None:
    data = make_dataset("moons", 40, 0.1, 0)
    arch = Architecture((2, 5, 4, 1), activation, "classification")
    theta0 = initialize(arch, "xavier", 1)
    l2, steps = 0.01, 12
    spec = TrainSpec(
        arch, theta0, name, params, steps, None, l2=l2, record_every=4, boundary_n=None, landscape=None,
        sharpness=True,
    )  # fmt: skip
    got = records(spec, data)
    states = torch_adam_states(arch, theta0, data, name, params, l2, steps)
    b1, b2 = params.get("betas", [0.9, 0.999])
    eps = params.get("eps", 1e-8)
    assert got[0].step == 0 and got[0].preconditioned_sharpness is None  # no state before the first update
    for r in got[1:]:
        t = r.step
        v_hat = states[t - 1] / (1 - b2**t)
        p = (1 - b1**t) * (np.sqrt(v_hat) + eps)
        H = torch_hessian(arch, r.theta, data.x, data.y, l2)
        scaled = H / np.sqrt(p)[:, None] / np.sqrt(p)[None, :]  # P^{-1/2} H P^{-1/2}
        assert r.preconditioned_sharpness == pytest.approx(np.linalg.eigvalsh(scaled)[-1], rel=RTOL)
        assert r.sharpness == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=RTOL)


def test_no_preconditioned_sharpness_with_amsgrad_or_other_optimizers_and_none_without_asking() -> None:
    data = make_dataset("moons", 30, 0.1, 0)
    arch = Architecture((2, 4, 1), "tanh", "classification")
    theta0 = initialize(arch, "xavier", 0)
    base = TrainSpec(arch, theta0, "adam", {"lr": 0.01}, 10, None, record_every=5, boundary_n=None, landscape=None)
    assert all(r.sharpness is None and r.preconditioned_sharpness is None for r in records(base, data))
    for name, params in [("adam", {"lr": 0.01, "amsgrad": True}), ("rmsprop", {"lr": 0.01}), ("nadam", {})]:
        got = records(base._replace(optimizer=name, params=params, sharpness=True), data)
        assert all(r.sharpness > 0 and r.preconditioned_sharpness is None for r in got)
    # Asking for sharpness changes no number of the training itself.
    plain = records(base, data)
    sharp = records(base._replace(sharpness=True), data)
    assert [r.theta.tolist() for r in plain] == [r.theta.tolist() for r in sharp]


# --- the Edge of Stability (Cohen et al. 2021) ----------------------------------------------------------

# Full-batch gradient descent on a small tanh network (the deck's scene: README, "Sharpness").
EOS_LR = 0.04
EOS = dict(steps=5000, record_every=20)


def test_full_batch_gradient_descent_sharpens_to_two_over_lr_and_hovers_there() -> None:
    data = make_dataset("sine", 100, 0.1, 0)
    arch = Architecture((2, 16, 16, 1), "tanh", "regression")
    theta0 = initialize(arch, "xavier", 1)
    spec = TrainSpec(
        arch, theta0, "sgd", {"lr": EOS_LR}, EOS["steps"], None, record_every=EOS["record_every"],
        boundary_n=None, landscape=None, sharpness=True,
    )  # fmt: skip
    got = records(spec, data)
    assert got[-1].step == 5000
    ratio = np.array([r.sharpness for r in got]) * EOS_LR / 2  # sharpness / (2/lr)
    loss = np.array([r.loss for r in got])
    assert ratio[0] < 0.4  # well below the threshold at the start
    reach = int(np.argmax(ratio >= 0.9))
    assert ratio[reach] >= 0.9 and got[reach].step >= 1000  # progressive sharpening takes a while
    assert np.all(np.diff(ratio[1:reach]) > -0.01)  # climbing all the way (after the first record)
    after = ratio[reach:]
    assert len(after) >= 50  # and then it stays for a long time …
    assert after.min() > 0.85 and after.max() < 1.15  # … within a band around 2/lr
    assert np.mean(np.abs(after - 1) < 0.1) > 0.9
    steps_up = np.diff(loss[reach:]) > 0
    assert steps_up.sum() >= 3  # the loss is not monotone at the edge …
    assert loss[-1] < loss[reach] and loss[reach:].min() < 0.95 * loss[reach]  # … and still decreases overall
