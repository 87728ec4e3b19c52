"""Per-layer learning rates (`lr_scale`) against torch.optim with one param group per layer.

Layer l's group in torch gets lr = lr_scale[l] × lr(k), set before every step from the schedule's formula
written out here; the engine's weights must follow torch's step for step (float64, full batch).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine.errors import InvalidInput  # noqa: E402
from gdviz.engine.nn.datasets import make_dataset  # noqa: E402
from gdviz.engine.nn.network import Architecture, initialize, unflatten  # noqa: E402
from gdviz.engine.nn.train import Record, TrainSpec, train  # noqa: E402
from tests.torch_reference import TORCH_ACTIVATIONS, TORCH_OPTIMIZERS  # noqa: E402

STEPS = 40
SCALE = (0.5, 2.0, 0.25, 3.0)  # three hidden layers, then the output layer


def torch_weights(arch: Architecture, data, theta0: np.ndarray, name: str, params: dict[str, Any], l2: float, rate):
    """θ after each of STEPS full-batch steps of torch.optim, one param group [W_l, b_l] per layer."""
    layers = unflatten(arch, theta0)
    Ws = [torch.tensor(layer.W.copy(), requires_grad=True) for layer in layers]
    bs = [torch.tensor(layer.b.copy(), requires_grad=True) for layer in layers]
    x, y = torch.tensor(data.x), torch.tensor(data.y)
    act = TORCH_ACTIVATIONS[arch.activation]
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    groups = [{"params": [W, b], "lr": f * params["lr"]} for W, b, f in zip(Ws, bs, SCALE, strict=True)]
    opt = TORCH_OPTIMIZERS[name](groups, **options)
    thetas = []
    for k in range(STEPS):
        for group, f in zip(opt.param_groups, SCALE, strict=True):
            group["lr"] = f * rate(k)
        opt.zero_grad()
        a = x
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            a = act(a @ W + b)
        out = (a @ Ws[-1] + bs[-1])[:, 0]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(out, y)
        (loss + l2 / 2 * sum((W * W).sum() for W in Ws)).backward()
        opt.step()
        thetas.append(
            np.concatenate(
                [torch.cat([W.detach(), b.detach()[None]]).numpy().ravel() for W, b in zip(Ws, bs, strict=True)]
            )
        )
    return np.array(thetas)


def engine_weights(arch, data, theta0, name, params, l2, schedule=None) -> np.ndarray:
    spec = TrainSpec(
        arch,
        theta0,
        name,
        params,
        STEPS,
        None,
        l2=l2,
        schedule=schedule,
        record_every=1,
        boundary_n=None,
        landscape=None,
        lr_scale=SCALE,
    )
    records = [r for r in train(spec, data) if isinstance(r, Record)]
    assert len(records) == STEPS + 1
    return np.array([r.theta for r in records[1:]])


def setting():
    data = make_dataset("moons", 50, 0.1, 3)
    arch = Architecture((2, 5, 4, 3, 1), "tanh", "classification")
    return arch, data, initialize(arch, "xavier", 2)


OPTIMIZERS = [
    ("sgd", {"lr": 0.2}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.8, "nesterov": True}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.3}),
    ("rmsprop", {"lr": 0.003, "momentum": 0.5, "centered": True}),
    ("rmsprop", {"lr": 0.003}),
    ("adagrad", {"lr": 0.05, "lr_decay": 0.01}),
    ("adamax", {"lr": 0.01}),
    ("nadam", {"lr": 0.005}),
    ("radam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("adadelta", {"lr": 0.5}),
]


@pytest.mark.parametrize("l2", [0.0, 0.02])
@pytest.mark.parametrize(("name", "params"), OPTIMIZERS)
def test_each_layer_learns_at_its_own_rate_as_torch_param_groups_do(name: str, params: dict, l2: float) -> None:
    arch, data, theta0 = setting()
    ours = engine_weights(arch, data, theta0, name, params, l2)
    ref = torch_weights(arch, data, theta0, name, params, l2, lambda k: params["lr"])
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-13)
    # The factors matter: without them the same training ends elsewhere.
    plain = [
        r.theta
        for r in train(
            TrainSpec(
                arch, theta0, name, params, STEPS, None, l2=l2, record_every=STEPS, boundary_n=None, landscape=None
            ),
            data,
        )
        if isinstance(r, Record)
    ]
    assert np.max(np.abs(plain[-1] - ref[-1])) > 1e-4


# Each schedule's lr(k) from the optimizer's lr, as its formula says.
SCHEDULES = [
    (("exponential", {"gamma": 0.95}), lambda lr, k: lr * 0.95**k),
    (("step", {"step_size": 7, "gamma": 0.5}), lambda lr, k: lr * 0.5 ** (k // 7)),
    (
        ("cosine", {"T_max": 30, "eta_min": 0.002}),
        lambda lr, k: 0.002 + (lr - 0.002) * (1 + math.cos(math.pi * k / 30)) / 2,
    ),
    (
        ("warmup_cosine", {"warmup": 5}),
        lambda lr, k: lr * (k + 1) / 5 if k < 5 else lr * (1 + math.cos(math.pi * (k - 5) / (STEPS - 5))) / 2,
    ),
]


@pytest.mark.parametrize(("name", "params"), [("sgd", {"lr": 0.1, "momentum": 0.9}), ("adamw", {"lr": 0.01})])
@pytest.mark.parametrize(("schedule", "formula"), SCHEDULES, ids=[s[0][0] for s in SCHEDULES])
def test_the_factor_multiplies_the_schedules_rate_at_every_step(name, params, schedule, formula) -> None:
    arch, data, theta0 = setting()
    ours = engine_weights(arch, data, theta0, name, params, 0.01, schedule)
    ref = torch_weights(arch, data, theta0, name, params, 0.01, lambda k: formula(params["lr"], k))
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-13)


def test_factors_of_one_leave_the_training_bit_identical_and_a_wrong_count_is_refused() -> None:
    arch, data, theta0 = setting()
    spec = TrainSpec(arch, theta0, "adam", {"lr": 0.01}, 20, 16, record_every=5, boundary_n=None, landscape=None)
    plain = [r.theta for r in train(spec, data) if isinstance(r, Record)]
    ones = [r.theta for r in train(spec._replace(lr_scale=(1.0,) * 4), data) if isinstance(r, Record)]
    assert all(np.array_equal(a, b) for a, b in zip(plain, ones, strict=True))
    with pytest.raises(InvalidInput) as refused:
        next(train(spec._replace(lr_scale=(1.0, 2.0)), data))
    assert refused.value.field == "lr_scale"
