"""One sample's backpropagation with every intermediate (engine side), against torch autograd.

Every field of the pass — z, a, f′(z), ∂L/∂a, δ, ∂L/∂W, ∂L/∂b, the output, the loss and
∂L/∂output — must equal torch's to 1e-12 relative, for every activation, both tasks and every
depth the step-through allows; and ∂L/∂W, ∂L/∂b must be the very gradient training uses.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine.errors import InvalidInput  # noqa: E402
from gdviz.engine.nn.backprop import backprop_sample, gradient, update_step, weights_vector  # noqa: E402
from gdviz.engine.nn.datasets import Dataset  # noqa: E402
from gdviz.engine.nn.network import Architecture, flatten, initialize, loss_and_grad, unflatten  # noqa: E402
from gdviz.engine.nn.train import Record, TrainSpec, train  # noqa: E402
from gdviz.engine.optimizers import OPTIMIZERS  # noqa: E402
from tests.backprop_reference import torch_sample_pass, torch_update  # noqa: E402

ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"]
HIDDEN = [[], [3], [4, 2], [2, 4, 3]]
FIELDS = ["W", "b", "z", "a", "slope", "da", "delta", "dW", "db"]
RTOL = 1e-12


def assert_close(ours, ref, what: str) -> None:
    ours, ref = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} vs torch's {ref.shape}"
    scale = max(float(np.max(np.abs(ref))), 1e-300)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=RTOL * scale, err_msg=what)


def network(activation: str, task: str, hidden: list[int], seed: int) -> tuple[Architecture, np.ndarray]:
    """Random weights with non-zero biases, so that every path of z = a_prev @ W + b carries a number."""
    arch = Architecture((2, *hidden, 1), activation, task)
    theta = initialize(arch, "normal", seed, 0.9)
    rng = np.random.default_rng(seed + 50)
    for layer in unflatten(arch, theta):
        layer.b[:] = 0.4 * rng.standard_normal(layer.b.shape)  # views into θ
    return arch, theta


def assert_matches_torch(arch: Architecture, theta: np.ndarray, x: np.ndarray, y: float) -> None:
    ours = backprop_sample(arch, theta, x, y)
    layers = unflatten(arch, theta)
    ref = torch_sample_pass([L.W for L in layers], [L.b for L in layers], arch.activation, arch.task, x, y)
    assert len(ours.layers) == len(ref["layers"]) == len(arch.sizes) - 1
    for i, (mine, theirs) in enumerate(zip(ours.layers, ref["layers"], strict=True)):
        for field in FIELDS:
            assert_close(getattr(mine, field), theirs[field], f"layers[{i}].{field}")
    for field in ("output", "loss", "dloss_doutput"):
        assert_close(getattr(ours, field), ref[field], field)
    if arch.task == "classification":
        assert_close(ours.probability, ref["probability"], "probability")
    else:
        assert ours.probability is None


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda h: "-".join(map(str, h)) or "none")
@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_number_equals_torch_autograd(activation: str, task: str, hidden: list[int]) -> None:
    for seed in range(3):
        arch, theta = network(activation, task, hidden, seed)
        rng = np.random.default_rng(seed + 7)
        x = rng.uniform(-1.5, 1.5, 2)
        y = float(seed % 2) if task == "classification" else float(rng.normal())
        assert_matches_torch(arch, theta, x, y)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_gradient_is_the_one_training_uses(task: str) -> None:
    """∂L/∂W and ∂L/∂b of the step-through are, bit for bit, training's gradient on a one-point dataset."""
    arch, theta = network("tanh", task, [4, 3, 2], 3)
    x, y = np.array([0.3, -1.2]), 1.0
    result = backprop_sample(arch, theta, x, y)
    loss, _, grad, _ = loss_and_grad(arch, theta, x[None, :], np.array([y]))
    steps = [layer._replace(W=layer.dW, b=layer.db) for layer in result.layers]
    np.testing.assert_array_equal(np.concatenate([np.vstack([s.W, s.b]).ravel() for s in steps]), grad)
    assert result.loss == loss


def test_the_chain_rule_reads_off_the_layers() -> None:
    """What a step-through shows, step by step: δ = ∂L/∂a ⊙ f′(z), ∂L/∂a = W_above δ_above,
    ∂L/∂W = a_prev δᵀ, a_prev of the first layer being the sample itself."""
    arch, theta = network("sigmoid", "classification", [3, 4], 1)
    x = np.array([0.7, 0.2])
    layers = backprop_sample(arch, theta, x, 0.0).layers
    inputs = [x, *(layer.a for layer in layers[:-1])]
    for i, layer in enumerate(layers):
        np.testing.assert_allclose(layer.delta, layer.da * layer.slope, rtol=1e-15)
        np.testing.assert_allclose(layer.dW, np.outer(inputs[i], layer.delta), rtol=1e-15)
        np.testing.assert_allclose(layer.z, inputs[i] @ layer.W + layer.b, rtol=1e-14)
        if i + 1 < len(layers):
            np.testing.assert_allclose(layer.da, layers[i + 1].W @ layers[i + 1].delta, rtol=1e-14)
    np.testing.assert_allclose(layers[-1].slope, [1.0])
    assert layers[-1].a.tolist() == layers[-1].z.tolist()


def test_far_inputs_stay_finite() -> None:
    """The largest inputs and weights the API accepts (±1e6) through 3 layers of 4 linear units: finite."""
    arch = Architecture((2, 4, 4, 4, 1), "linear", "regression")
    theta = np.full(arch.size, 1e6)
    result = backprop_sample(arch, theta, np.array([1e6, 1e6]), -1e6)
    numbers = [result.output, result.loss, result.dloss_doutput]
    numbers += [v for layer in result.layers for field in FIELDS for v in np.ravel(getattr(layer, field))]
    assert np.all(np.isfinite(numbers))
    sigmoid = Architecture((2, 4, 4, 4, 1), "sigmoid", "classification")
    result = backprop_sample(sigmoid, -np.full(sigmoid.size, 1e6), np.array([1e6, 1e6]), 1.0)
    assert np.isfinite(result.loss) and result.probability is not None and 0 <= result.probability <= 1


def test_weights_given_fill_the_architecture() -> None:
    arch, theta = network("relu", "regression", [3, 2], 0)
    given = [(layer.W.tolist(), layer.b.tolist()) for layer in unflatten(arch, theta)]
    np.testing.assert_array_equal(weights_vector(arch, given), theta)
    np.testing.assert_array_equal(flatten(unflatten(arch, weights_vector(arch, given))), theta)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda g: g[:-1], "weights"),
        (lambda g: [(g[0][0][:1], g[0][1]), *g[1:]], "weights[0].W"),
        (lambda g: [g[0], ([row[:1] for row in g[1][0]], g[1][1]), g[2]], "weights[1].W"),
        (lambda g: [g[0], g[1], (g[2][0], [0.0, 0.0])], "weights[2].b"),
    ],
)
def test_weights_of_the_wrong_shape_are_refused(change, field: str) -> None:
    arch, theta = network("relu", "regression", [3, 2], 0)
    given = [(layer.W.tolist(), layer.b.tolist()) for layer in unflatten(arch, theta)]
    with pytest.raises(InvalidInput) as caught:
        weights_vector(arch, change(given))
    assert caught.value.field == field


def test_a_classification_target_is_a_label() -> None:
    arch, theta = network("tanh", "classification", [2], 0)
    with pytest.raises(InvalidInput) as caught:
        backprop_sample(arch, theta, np.array([0.0, 1.0]), 0.5)
    assert caught.value.field == "sample.y"
    assert backprop_sample(arch, theta, np.array([0.0, 1.0]), 0).loss > 0


# ── The update: one step of each optimizer from a fresh state, against torch.optim ──────────────────

# Every optimizer networks allow, with its defaults and with every option turned (lr as the page sets it).
UPDATES: dict[str, list[dict]] = {
    "sgd": [
        {"lr": 0.1},
        {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1},
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"lr": 0.1, "momentum": 0.5, "dampening": 0.5},
    ],
    "adagrad": [
        {"lr": 0.1},
        {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3},
    ],
    "rmsprop": [
        {"lr": 0.01},
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-3, "weight_decay": 0.1, "momentum": 0.5, "centered": True},
    ],
    "adam": [{"lr": 0.1}, {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.1, "amsgrad": True}],
    "adamw": [{"lr": 0.1}, {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.3, "amsgrad": True}],
    "adamax": [{"lr": 0.1}, {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.1}],
    "nadam": [
        {"lr": 0.1},
        {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.1, "momentum_decay": 0.1},
        {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ],
    "radam": [
        {"lr": 0.1},
        {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.1},
        {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ],
    "adadelta": [{"lr": 1.0}, {"lr": 0.5, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.1}],
    "lion": [{"lr": 0.1}, {"lr": 0.1, "betas": (0.5, 0.8), "weight_decay": 0.1}],
}
# What each optimizer shows of its state: torch's names, and Adam's bias-corrected moments.
SHOWN = {
    "sgd": set(),
    "adagrad": {"sum"},
    "rmsprop": {"square_avg"},
    "adam": {"exp_avg", "exp_avg_sq", "m_hat", "v_hat"},
    "adamw": {"exp_avg", "exp_avg_sq", "m_hat", "v_hat"},
    "adamax": {"exp_avg", "exp_inf"},
    "nadam": {"exp_avg", "exp_avg_sq"},
    "radam": {"exp_avg", "exp_avg_sq", "m_hat"},
    "adadelta": {"square_avg", "acc_delta"},
    "lion": {"exp_avg"},
}


def test_the_table_covers_every_optimizer_networks_allow() -> None:
    allowed = {name for name, d in OPTIMIZERS.items() if not d.needs_hessian}
    assert set(UPDATES) == allowed == set(SHOWN)


def torch_expected(name: str, params: dict, torch_layer: dict) -> dict:
    """Our state names filled from torch's state: its tensors, m̂ and v̂ from its m and v, the L2 gradient."""
    b1, b2 = params.get("betas", (0.9, 0.999))
    state = dict(torch_layer["state"])
    if name in ("adam", "adamw", "radam"):
        state["m_hat"] = {k: v / (1 - b1) for k, v in state["exp_avg"].items()}  # t = 1
        if name != "radam":
            second = state.get("max_exp_avg_sq", state["exp_avg_sq"])
            state["v_hat"] = {k: v / (1 - b2) for k, v in second.items()}
    return state


@pytest.mark.parametrize(
    ("name", "params"), [(n, p) for n, configs in UPDATES.items() for p in configs], ids=lambda v: str(v)
)
def test_one_update_equals_torch_optim(name: str, params: dict) -> None:
    for task, hidden, seed in (("classification", [3, 2], 0), ("regression", [4, 4, 4], 1), ("classification", [], 2)):
        arch, theta = network("tanh", task, hidden, seed)
        x, y = np.array([0.6, -1.1]), (1.0 if task == "classification" else -0.4)
        result = backprop_sample(arch, theta, x, y)
        step = update_step(theta, gradient(result), name, params, "optimizer")
        layers = unflatten(arch, theta)
        ref = torch_update([L.W for L in layers], [L.b for L in layers], "tanh", task, x, y, name, params)
        new, moved = unflatten(arch, step.theta), unflatten(arch, step.step)
        shown = {key: unflatten(arch, value) for key, value in step.state.items()}
        wd = params.get("weight_decay", 0)
        want_keys = SHOWN[name] | ({"momentum_buffer"} if params.get("momentum") else set())
        want_keys |= {"grad_avg"} if params.get("centered") else set()
        want_keys |= {"max_exp_avg_sq"} if params.get("amsgrad") else set()
        want_keys |= (
            {"grad"} if wd and name not in ("adamw", "lion") and not params.get("decoupled_weight_decay") else set()
        )
        assert set(step.state) == want_keys
        for i, theirs in enumerate(ref):
            assert_close(new[i].W, theirs["W"], f"{name} layers[{i}].W")
            assert_close(new[i].b, theirs["b"], f"{name} layers[{i}].b")
            assert_close(moved[i].W, theirs["W"] - layers[i].W, f"{name} layers[{i}] step W")
            expected = torch_expected(name, params, theirs)
            for key in set(step.state) - {"grad"}:
                assert_close(shown[key][i].W, expected[key]["W"], f"{name} layers[{i}].{key}.W")
                assert_close(shown[key][i].b, expected[key]["b"], f"{name} layers[{i}].{key}.b")
            if "grad" in step.state:
                assert_close(shown["grad"][i].W, result.layers[i].dW + wd * layers[i].W, f"layers[{i}] grad")
        assert np.array_equal(theta, flatten(unflatten(arch, theta))), "θ itself is left as it was"


def test_the_update_is_trainings_first_step() -> None:
    """The same step /api/train's training makes on a dataset of this one sample (full batch)."""

    arch, theta = network("relu", "classification", [3, 2], 4)
    x, y = np.array([0.2, 0.9]), 1.0
    step = update_step(theta, gradient(backprop_sample(arch, theta, x, y)), "adam", {"lr": 0.05}, "optimizer")
    spec = TrainSpec(arch, theta, "adam", {"lr": 0.05}, steps=1, batch_size=None, record_every=1, boundary_n=None,
                     landscape=None)  # fmt: skip
    records = [r for r in train(spec, Dataset(x[None, :], np.array([y]), "classification")) if isinstance(r, Record)]
    np.testing.assert_array_equal(records[-1].theta, step.theta)


def test_an_optimizer_that_needs_a_hessian_is_refused() -> None:
    arch, theta = network("tanh", "classification", [2], 0)
    grad = gradient(backprop_sample(arch, theta, np.array([0.1, 0.2]), 1.0))
    for name in ("newton", "saddle_free_newton"):
        with pytest.raises(InvalidInput) as caught:
            update_step(theta, grad, name, {}, "optimizer")
        assert caught.value.field == "optimizer.name" and "Hessian" in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        update_step(theta, grad, "sgd", {"lr": 1e3, "weight_decay": 1e308}, "optimizer")
    assert caught.value.field == "optimizer.params"
