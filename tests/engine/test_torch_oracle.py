"""torch.optim is the oracle: every optimizer torch has gives the same float64 iterates, step for step.

Our runs go through the whole engine (plan_run → run → collect); torch's loop is
the textbook one: loss by autograd, noise added to the gradient, clipping,
`opt.step()`, `sched.step()`. Runs are a couple of hundred steps on settings
that do not oscillate wildly: there, rounding differences of 1e-16 grow
chaotically (a real effect, not a bug) and no tolerance would be meaningful.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from gdviz.engine.errors import InvalidInput  # noqa: E402
from gdviz.engine.optimizers import OPTIMIZERS, optimizer_params  # noqa: E402
from gdviz.engine.runner import MAX_STEPS  # noqa: E402
from gdviz.engine.surfaces import resolve_builtin  # noqa: E402
from tests.torch_reference import TORCH_OPTIMIZERS  # noqa: E402

from .helpers import single  # noqa: E402

STEPS = 200
RTOL, ATOL = 1e-9, 1e-12


# --- torch's side ------------------------------------------------------------------------


def torch_rosenbrock(t: torch.Tensor, a: float = 1.0, b: float = 100.0) -> torch.Tensor:
    return (a - t[0]) ** 2 + b * (t[1] - t[0] ** 2) ** 2


def torch_quadratic(t: torch.Tensor, kappa: float = 10.0, angle: float = 0.0) -> torch.Tensor:
    theta = angle * math.pi / 180
    u = t[0] * math.cos(theta) + t[1] * math.sin(theta)
    v = -t[0] * math.sin(theta) + t[1] * math.cos(theta)
    return (u**2 + kappa * v**2) / 2


class Surface(NamedTuple):
    name: str
    params: dict[str, float]
    start: tuple[float, float]
    torch_f: Any


ROSENBROCK = Surface("rosenbrock", {}, (-1.2, 1.0), torch_rosenbrock)
QUADRATIC = Surface("quadratic", {"kappa": 10.0, "angle": 30.0}, (-2.5, 1.5), torch_quadratic)


class Reference(NamedTuple):
    theta: np.ndarray  # (steps + 1, 2)
    loss: np.ndarray  # (steps + 1,)
    grad_norm: np.ndarray  # (steps + 1,)
    lr: np.ndarray  # (steps,)


def torch_scheduler(opt: Any, schedule: tuple[str, Mapping[str, Any]] | None, steps: int) -> Any:
    """torch's scheduler for one of ours, with the SPEC's defaults written out again here."""
    if schedule is None or schedule[0] == "constant":
        return None
    name, p = schedule
    sched = torch.optim.lr_scheduler
    if name == "step":
        return sched.StepLR(opt, p.get("step_size", max(1, steps // 4)), p.get("gamma", 0.1))
    if name == "exponential":
        return sched.ExponentialLR(opt, p.get("gamma", 0.99))
    if name == "cosine":
        return sched.CosineAnnealingLR(opt, p.get("T_max", steps), p.get("eta_min", 0.0))
    if name == "warmup_cosine":
        warmup = p.get("warmup", max(1, steps // 10))

        def factor(k: int) -> float:
            if k < warmup:
                return (k + 1) / warmup
            return 0.5 * (1 + math.cos(math.pi * (k - warmup) / (steps - warmup)))

        return sched.LambdaLR(opt, factor)
    if name == "cyclic":
        base = p.get("base_lr", opt.param_groups[0]["lr"])
        up = p.get("step_size_up", max(1, steps // 10))
        return sched.CyclicLR(
            opt,
            base_lr=base,
            max_lr=p.get("max_lr", 10 * base),
            step_size_up=up,
            step_size_down=p.get("step_size_down", up),
            mode="triangular",
            cycle_momentum=False,
        )
    raise AssertionError(f"no torch scheduler for {name}")


def torch_trajectory(
    surface: Surface,
    steps: int,
    name: str,
    params: Mapping[str, Any],
    *,
    schedule: tuple[str, Mapping[str, Any]] | None = None,
    max_norm: float | None = None,
    clip_value: float | None = None,
    noise_std: float = 0.0,
    noise_seed: int = 0,
    l1: float = 0.0,
    l2: float = 0.0,
) -> Reference:
    theta = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
    opt = TORCH_OPTIMIZERS[name]([theta], **params)
    sched = torch_scheduler(opt, schedule, steps)
    noise = noise_std * np.random.default_rng(noise_seed).standard_normal((steps, 2))
    thetas, losses, norms, lrs = [], [], [], []

    def evaluate() -> None:
        opt.zero_grad()
        f = surface.torch_f(theta, **surface.params)
        loss = f + l1 * theta.abs().sum() + l2 / 2 * (theta * theta).sum()
        loss.backward()
        thetas.append(theta.detach().numpy().copy())
        losses.append(loss.item())
        norms.append(float(np.linalg.norm(theta.grad.numpy())))

    for k in range(steps):
        evaluate()
        if noise_std:
            theta.grad.add_(torch.from_numpy(noise[k]))
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_([theta], max_norm)
        if clip_value is not None:
            torch.nn.utils.clip_grad_value_([theta], clip_value)
        lrs.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        if sched is not None:
            sched.step()
    evaluate()
    return Reference(np.array(thetas), np.array(losses), np.array(norms), np.array(lrs))


# --- the comparison ----------------------------------------------------------------------


def assert_same_as_torch(surface: Surface, name: str, params: Mapping[str, Any], **kw: Any) -> None:
    ref = torch_trajectory(surface, STEPS, name, params, **kw)
    ours = single(resolve_builtin(surface.name, surface.params), surface.start, STEPS, name, params, **kw)
    assert ours.status == MAX_STEPS and ours.steps_taken == STEPS, "the run must not stop early"
    np.testing.assert_allclose(ours.theta, ref.theta, rtol=RTOL, atol=ATOL, err_msg="iterates")
    np.testing.assert_allclose(ours.loss, ref.loss, rtol=RTOL, atol=ATOL, err_msg="loss records")
    np.testing.assert_allclose(ours.grad_norm, ref.grad_norm, rtol=RTOL, atol=ATOL, err_msg="grad_norm records")
    np.testing.assert_allclose(ours.lr, ref.lr, rtol=RTOL, atol=ATOL, err_msg="lr records")
    assert not np.array_equal(ours.theta[-1], ours.theta[0]), "the run must move"
    # Clipping must actually have happened, or the case tests nothing.
    if kw.get("max_norm") is not None:
        assert np.any(ours.grad_norm[:-1] > kw["max_norm"])
    if kw.get("clip_value") is not None:  # ‖g‖ > v·√2: some coordinate exceeds v
        assert np.any(ours.grad_norm[:-1] > kw["clip_value"] * math.sqrt(2))


# Learning rates (rosenbrock from (-1.2, 1), quadratic κ=10 at 30° from (-2.5, 1.5)):
# large enough to travel, small enough not to zig-zag chaotically.
LR = {
    "sgd": (1e-3, 0.05),
    "adagrad": (0.3, 0.3),
    "rmsprop": (3e-3, 0.01),
    "adam": (0.03, 0.05),
    "adamw": (0.03, 0.05),
    "adamax": (0.05, 0.05),
    "nadam": (0.02, 0.05),
    "radam": (3e-3, 0.05),
    "adadelta": (0.3, 1.0),
}

# Each optimizer's switches and numbers, alone and in the combinations that interact.
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "sgd": [
        {},
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterov": True},
        {"momentum": 0.9, "dampening": 0.5},
        {"weight_decay": 0.1},
        {"momentum": 0.5, "weight_decay": 0.05, "nesterov": True},
    ],
    "adagrad": [
        {},
        {"lr_decay": 0.01},
        {"initial_accumulator_value": 0.5},
        {"weight_decay": 0.1},
        {"eps": 0.1},
        {"lr_decay": 0.05, "initial_accumulator_value": 0.1, "weight_decay": 0.05},
    ],
    "rmsprop": [
        {},
        {"momentum": 0.9},
        {"centered": True},
        {"centered": True, "momentum": 0.5},
        {"alpha": 0.95},
        {"weight_decay": 0.1},
        {"eps": 0.01},
    ],
    "adam": [
        {},
        {"amsgrad": True},
        {"weight_decay": 0.1},
        {"betas": (0.8, 0.99)},
        {"eps": 1e-3},
        {"amsgrad": True, "weight_decay": 0.05},
    ],
    "adamw": [
        {},
        {"weight_decay": 0.1},
        {"weight_decay": 0.0},
        {"amsgrad": True},
        {"betas": (0.8, 0.99)},
        {"eps": 1e-3},
    ],
    "adamax": [{}, {"weight_decay": 0.1}, {"betas": (0.5, 0.99)}, {"eps": 1e-2}],
    "nadam": [
        {},
        {"momentum_decay": 0.1},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
        {"betas": (0.5, 0.99)},
        {"eps": 1e-3},
    ],
    "radam": [
        {},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
        {"betas": (0.8, 0.99)},
        {"eps": 1e-3},
    ],
    "adadelta": [{}, {"rho": 0.8}, {"eps": 1e-5}, {"weight_decay": 0.1}],
}

# Schedules, clipping, noise and regularization, each on its own and in combination.
FEATURES: list[dict[str, Any]] = [
    {"schedule": ("constant", {})},
    {"schedule": ("step", {})},
    {"schedule": ("step", {"step_size": 40, "gamma": 0.5})},
    {"schedule": ("exponential", {})},
    {"schedule": ("exponential", {"gamma": 0.95})},
    {"schedule": ("cosine", {})},
    {"schedule": ("cosine", {"T_max": 70})},  # periodic past T_max
    {"schedule": ("cosine", {"T_max": 70, "eta_min": 1e-4})},
    {"schedule": ("warmup_cosine", {})},
    {"schedule": ("warmup_cosine", {"warmup": 50})},
    {"schedule": ("cyclic", {})},
    {"schedule": ("cyclic", {"step_size_up": 20, "step_size_down": 45})},
    {"max_norm": 50.0},
    {"clip_value": 20.0},
    {"noise_std": 0.5, "noise_seed": 3},
    {"noise_std": 0.5, "noise_seed": 1, "max_norm": 50.0},
    {"l2": 0.5},
    {"l1": 0.3},
    {"l1": 0.1, "l2": 0.1, "noise_std": 0.3, "schedule": ("exponential", {"gamma": 0.995})},
]


def _id(value: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in value.items()) or "defaults"


OPTION_CASES = [
    pytest.param(surface, name, {"lr": LR[name][i], **option}, id=f"{surface.name}-{name}-{_id(option)}")
    for name, options in OPTIONS.items()
    for option in options
    for i, surface in enumerate((ROSENBROCK, QUADRATIC))
]


@pytest.mark.parametrize(("surface", "name", "params"), OPTION_CASES)
def test_optimizer_options_match_torch(surface: Surface, name: str, params: dict[str, Any]) -> None:
    assert_same_as_torch(surface, name, params)


def _feature_case(surface: Surface, name: str, feature: dict[str, Any]) -> Any:
    lr = LR[name][0 if surface is ROSENBROCK else 1]
    if feature.get("schedule", ("",))[0] == "cyclic":
        lr /= 5  # the cycle climbs to 10·lr
    if surface is QUADRATIC:  # gradients are ten times smaller there: so are the clipping thresholds
        feature = {k: v / 10 if k in ("max_norm", "clip_value") else v for k, v in feature.items()}
    return pytest.param(surface, name, {"lr": lr}, feature, id=f"{surface.name}-{name}-{_id(feature)}")


FEATURE_CASES = [
    _feature_case(surface, name, feature)
    for surface in (ROSENBROCK, QUADRATIC)
    for name in TORCH_OPTIMIZERS
    for feature in FEATURES
]


@pytest.mark.parametrize(("surface", "name", "params", "feature"), FEATURE_CASES)
def test_schedules_clipping_noise_regularization_match_torch(
    surface: Surface, name: str, params: dict[str, Any], feature: dict[str, Any]
) -> None:
    assert_same_as_torch(surface, name, params, **feature)


@pytest.mark.parametrize("name", ["sgd", "adam", "adagrad"])
def test_cyclic_explicit_base_lr_overrides_the_optimizers_lr(name: str) -> None:
    lr = LR[name][0]
    schedule = ("cyclic", {"base_lr": lr / 5, "max_lr": lr, "step_size_up": 25})
    assert_same_as_torch(ROSENBROCK, name, {"lr": 3 * lr}, schedule=schedule)


def test_options_cover_every_hyperparameter() -> None:
    """Each hyperparameter of each torch optimizer is exercised away from its default."""
    for name in TORCH_OPTIMIZERS:
        changed = {key for option in OPTIONS[name] for key, value in option.items()}
        for param in OPTIMIZERS[name].params:
            if param.name != "lr":
                assert param.name in changed, f"{name}.{param.name} has no oracle case"
        for option in OPTIONS[name]:
            optimizer_params(name, {"lr": LR[name][0], **option}, "optimizers[0]")  # all valid


def test_the_registry_marks_exactly_torchs_optimizers() -> None:
    assert {name for name, d in OPTIMIZERS.items() if d.in_torch} == set(TORCH_OPTIMIZERS)


@pytest.mark.parametrize("name", list(TORCH_OPTIMIZERS))
def test_names_and_defaults_equal_torchs(name: str) -> None:
    signature = inspect.signature(TORCH_OPTIMIZERS[name])
    for param in OPTIMIZERS[name].params:
        assert param.name in signature.parameters, f"torch's {name} has no '{param.name}'"
        default = signature.parameters[param.name].default
        assert param.default == default, f"{name}.{param.name}: {param.default} != torch's {default}"
        assert isinstance(param.default, bool) == isinstance(default, bool), f"{name}.{param.name} type"
    # The defaults the engine fills in are those too.
    for key, value in optimizer_params(name, {}, "optimizers[0]").items():
        assert value == signature.parameters[key].default, f"{name}.{key}"


REFUSED = [
    ("sgd", {"lr": -0.1}, "lr"),
    ("sgd", {"momentum": -0.5}, "momentum"),
    ("sgd", {"weight_decay": -1.0}, "weight_decay"),
    ("sgd", {"nesterov": True}, "nesterov"),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov"),
    ("adagrad", {"eps": -1e-10}, "eps"),
    ("adagrad", {"lr_decay": -0.1}, "lr_decay"),
    ("adagrad", {"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
    ("rmsprop", {"eps": -1e-8}, "eps"),
    ("rmsprop", {"momentum": -0.1}, "momentum"),
    ("rmsprop", {"alpha": -0.1}, "alpha"),
    ("adam", {"betas": (1.0, 0.999)}, "betas"),
    ("adam", {"betas": (0.9, 1.0)}, "betas"),
    ("adam", {"betas": (-0.1, 0.999)}, "betas"),
    ("adam", {"eps": -1e-8}, "eps"),
    ("adamw", {"betas": (0.9, 1.5)}, "betas"),
    ("adamw", {"weight_decay": -0.01}, "weight_decay"),
    ("adamax", {"betas": (1.0, 0.9)}, "betas"),
    ("adamax", {"eps": -1.0}, "eps"),
    ("nadam", {"betas": (0.9, 1.0)}, "betas"),
    ("nadam", {"momentum_decay": -0.1}, "momentum_decay"),
    ("radam", {"betas": (1.2, 0.999)}, "betas"),
    ("radam", {"eps": -1e-8}, "eps"),
    ("adadelta", {"rho": 1.5}, "rho"),
    ("adadelta", {"eps": -1e-6}, "eps"),
]


@pytest.mark.parametrize(("name", "params", "field"), REFUSED, ids=[f"{n}-{_id(p)}" for n, p, _ in REFUSED])
def test_hyperparameters_torch_refuses_are_invalid_input(name: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError):
        TORCH_OPTIMIZERS[name]([torch.zeros(2, requires_grad=True)], **params)
    with pytest.raises(InvalidInput) as caught:
        optimizer_params(name, params, "optimizers[0]")
    assert caught.value.field.startswith(f"optimizers[0].params.{field}")
    assert caught.value.message
