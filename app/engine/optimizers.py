"""The optimizer registry: each optimizer is a short chain of gradient transformations.

Names, hyperparameters and defaults are torch.optim's where torch has the
optimizer; the iterates match it step for step in float64.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .errors import InvalidInput
from .params import Param, Value, fill
from .scalers import (
    scale_by_adadelta,
    scale_by_adam,
    scale_by_adamax,
    scale_by_lion,
    scale_by_nadam,
    scale_by_newton,
    scale_by_radam,
    scale_by_rms,
    scale_by_rss,
)
from .transforms import (
    GradientTransformation,
    Hyper,
    Schedule,
    add_decayed_weights,
    chain,
    identity,
    is_zero,
    scale_by_learning_rate,
    scale_by_schedule,
    trace,
)


def sgd(lr: Schedule, momentum: Hyper, dampening: Hyper, weight_decay: Hyper, nesterov: bool) -> GradientTransformation:
    momentum_buffer = identity() if is_zero(momentum) else trace(momentum, dampening, nesterov)
    return chain(add_decayed_weights(weight_decay), momentum_buffer, scale_by_learning_rate(lr))


def adam(lr: Schedule, betas: tuple, eps: Hyper, weight_decay: Hyper, amsgrad: bool) -> GradientTransformation:
    return chain(add_decayed_weights(weight_decay), scale_by_adam(*betas, eps, amsgrad), scale_by_learning_rate(lr))


def adamw(lr: Schedule, betas: tuple, eps: Hyper, weight_decay: Hyper, amsgrad: bool) -> GradientTransformation:
    return chain(scale_by_adam(*betas, eps, amsgrad), add_decayed_weights(weight_decay), scale_by_learning_rate(lr))


def adagrad(
    lr: Schedule, lr_decay: Hyper, weight_decay: Hyper, initial_accumulator_value: Hyper, eps: Hyper
) -> GradientTransformation:
    decay = identity() if is_zero(lr_decay) else scale_by_schedule(lambda count: 1 / (1 + count * lr_decay))
    return chain(
        add_decayed_weights(weight_decay),
        scale_by_rss(initial_accumulator_value, eps),
        decay,
        scale_by_learning_rate(lr),
    )


def rmsprop(
    lr: Schedule, alpha: Hyper, eps: Hyper, weight_decay: Hyper, momentum: Hyper, centered: bool
) -> GradientTransformation:
    momentum_buffer = identity() if is_zero(momentum) else trace(momentum)
    return chain(
        add_decayed_weights(weight_decay),
        scale_by_rms(alpha, eps, centered),
        momentum_buffer,
        scale_by_learning_rate(lr),
    )


def adamax(lr: Schedule, betas: tuple, eps: Hyper, weight_decay: Hyper) -> GradientTransformation:
    return chain(add_decayed_weights(weight_decay), scale_by_adamax(*betas, eps), scale_by_learning_rate(lr))


def _weight_decay_around(scaler: GradientTransformation, weight_decay: Hyper, decoupled: bool) -> list:
    return [scaler, add_decayed_weights(weight_decay)] if decoupled else [add_decayed_weights(weight_decay), scaler]


def nadam(
    lr: Schedule,
    betas: tuple,
    eps: Hyper,
    weight_decay: Hyper,
    momentum_decay: Hyper,
    decoupled_weight_decay: bool,
) -> GradientTransformation:
    scaler = scale_by_nadam(*betas, eps, momentum_decay)
    return chain(*_weight_decay_around(scaler, weight_decay, decoupled_weight_decay), scale_by_learning_rate(lr))


def radam(
    lr: Schedule, betas: tuple, eps: Hyper, weight_decay: Hyper, decoupled_weight_decay: bool
) -> GradientTransformation:
    scaler = scale_by_radam(*betas, eps)
    return chain(*_weight_decay_around(scaler, weight_decay, decoupled_weight_decay), scale_by_learning_rate(lr))


def adadelta(lr: Schedule, rho: Hyper, eps: Hyper, weight_decay: Hyper) -> GradientTransformation:
    return chain(add_decayed_weights(weight_decay), scale_by_adadelta(rho, eps), scale_by_learning_rate(lr))


def newton(lr: Schedule, damping: Hyper) -> GradientTransformation:
    return chain(scale_by_newton(damping), scale_by_learning_rate(lr))


def saddle_free_newton(lr: Schedule, damping: Hyper) -> GradientTransformation:
    return chain(scale_by_newton(damping, saddle_free=True), scale_by_learning_rate(lr))


def lion(lr: Schedule, betas: tuple, weight_decay: Hyper) -> GradientTransformation:
    return chain(scale_by_lion(*betas), add_decayed_weights(weight_decay), scale_by_learning_rate(lr))


class OptimizerDef(NamedTuple):
    name: str
    title: str
    params: tuple[Param, ...]
    update: str
    reference: str
    build: Callable[..., GradientTransformation]
    needs_hessian: bool = False
    in_torch: bool = True


def _lr(default: float) -> Param:
    return Param(
        "lr", "float", default, 0.0, 1e3, log=True, min_open=True, ui=(1e-5, 10.0), description="learning rate"
    )


_WD = Param("weight_decay", "float", 0.0, 0.0, None, ui=(0.0, 1.0), description="L2 penalty added to the gradient")
_EPS8 = Param("eps", "float", 1e-8, 0.0, None, log=True, ui=(1e-12, 1.0), description="added to the denominator")
_BETAS = Param("betas", "betas", (0.9, 0.999), 0.0, 1.0, max_open=True, ui=(0.0, 0.9999), description="[β₁, β₂]")
_DECOUPLED = Param("decoupled_weight_decay", "bool", False, description="decay θ directly, as AdamW does")

OPTIMIZERS: dict[str, OptimizerDef] = {
    d.name: d
    for d in (
        OptimizerDef(
            "sgd",
            "SGD",
            (
                _lr(1e-3),
                Param("momentum", "float", 0.0, 0.0, None, ui=(0.0, 0.99), description="momentum factor μ"),
                Param("dampening", "float", 0.0, 0.0, 1.0, ui=(0.0, 1.0), description="dampening of new gradients"),
                _WD,
                Param("nesterov", "bool", False, description="Nesterov momentum (needs μ > 0, dampening 0)"),
            ),
            "b ← μ·b + (1 − dampening)·g;  θ ← θ − lr·(g + μ·b if nesterov else b)",
            "Robbins & Monro 1951; Polyak 1964; Sutskever et al. 2013 (Nesterov)",
            sgd,
        ),
        OptimizerDef(
            "adagrad",
            "AdaGrad",
            (
                _lr(1e-2),
                Param("lr_decay", "float", 0.0, 0.0, None, ui=(0.0, 0.1), description="lr / (1 + (t − 1)·lr_decay)"),
                _WD,
                Param(
                    "initial_accumulator_value",
                    "float",
                    0.0,
                    0.0,
                    None,
                    ui=(0.0, 1.0),
                    description="starting value of the sum of squared gradients",
                ),
                Param(
                    "eps", "float", 1e-10, 0.0, None, log=True, ui=(1e-12, 1.0), description="added to the denominator"
                ),
            ),
            "s ← s + g²;  θ ← θ − lr/(1 + (t − 1)·lr_decay) · g/(√s + ε)",
            "Duchi, Hazan & Singer 2011",
            adagrad,
        ),
        OptimizerDef(
            "rmsprop",
            "RMSProp",
            (
                _lr(1e-2),
                Param("alpha", "float", 0.99, 0.0, 1.0, ui=(0.0, 0.999), description="smoothing constant"),
                _EPS8,
                _WD,
                Param("momentum", "float", 0.0, 0.0, None, ui=(0.0, 0.99), description="momentum factor μ"),
                Param("centered", "bool", False, description="divide by the variance, not the second moment"),
            ),
            "v ← αv + (1 − α)g²;  b ← μ·b + g/(√(v − ḡ² if centered else v) + ε);  θ ← θ − lr·b",
            "Hinton 2012 (lecture 6e); Graves 2013 (centered)",
            rmsprop,
        ),
        OptimizerDef(
            "adam",
            "Adam",
            (_lr(1e-3), _BETAS, _EPS8, _WD, Param("amsgrad", "bool", False, description="use the running max of v")),
            "m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  θ ← θ − lr·m̂/(√v̂ + ε)",
            "Kingma & Ba 2015; Reddi, Kale & Kumar 2018 (AMSGrad)",
            adam,
        ),
        OptimizerDef(
            "adamw",
            "AdamW",
            (
                _lr(1e-3),
                _BETAS,
                _EPS8,
                _WD._replace(default=1e-2, description="decoupled weight decay"),
                Param("amsgrad", "bool", False, description="use the running max of v"),
            ),
            "Adam's m̂, v̂;  θ ← θ − lr·(m̂/(√v̂ + ε) + wd·θ)",
            "Loshchilov & Hutter 2019",
            adamw,
        ),
        OptimizerDef(
            "adamax",
            "Adamax",
            (_lr(2e-3), _BETAS, _EPS8, _WD),
            "m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  θ ← θ − lr·m/((1 − β₁ᵗ)·u)",
            "Kingma & Ba 2015, §7",
            adamax,
        ),
        OptimizerDef(
            "nadam",
            "NAdam",
            (
                _lr(2e-3),
                _BETAS,
                _EPS8,
                _WD,
                Param(
                    "momentum_decay",
                    "float",
                    4e-3,
                    0.0,
                    None,
                    ui=(0.0, 0.1),
                    description="ψ in μₜ = β₁(1 − ½·0.96^(tψ))",
                ),
                _DECOUPLED,
            ),
            "Adam with a Nesterov look-ahead: θ ← θ − lr·((1 − μₜ)ĝ + μₜ₊₁m̂)/(√v̂ + ε)",
            "Dozat 2016",
            nadam,
        ),
        OptimizerDef(
            "radam",
            "RAdam",
            (_lr(1e-3), _BETAS, _EPS8, _WD, _DECOUPLED),
            "Adam with the variance of its adaptive lr rectified (rₜ); plain momentum while ρₜ ≤ 5",
            "Liu et al. 2020",
            radam,
        ),
        OptimizerDef(
            "adadelta",
            "Adadelta",
            (
                _lr(1.0),
                Param("rho", "float", 0.9, 0.0, 1.0, ui=(0.0, 0.999), description="smoothing constant"),
                Param(
                    "eps", "float", 1e-6, 0.0, None, log=True, ui=(1e-12, 1.0), description="added to the denominator"
                ),
                _WD,
            ),
            "v ← ρv + (1 − ρ)g²;  Δ ← √(u + ε)/√(v + ε)·g;  u ← ρu + (1 − ρ)Δ²;  θ ← θ − lr·Δ",
            "Zeiler 2012",
            adadelta,
        ),
        OptimizerDef(
            "newton",
            "Newton",
            (
                _lr(1.0),
                Param("damping", "float", 0.0, 0.0, None, ui=(0.0, 10.0), description="λ added to the diagonal"),
            ),
            "θ ← θ − lr·(H + λI)⁻¹g  (pseudo-inverse if singular)",
            "Newton–Raphson; Nocedal & Wright 2006, ch. 3",
            newton,
            needs_hessian=True,
            in_torch=False,
        ),
        OptimizerDef(
            "saddle_free_newton",
            "Saddle-free Newton",
            (_lr(1.0), Param("damping", "float", 1e-3, 0.0, None, ui=(0.0, 10.0), description="λ added to |H|")),
            "θ ← θ − lr·(|H| + λI)⁻¹g,  |H| = V|Λ|Vᵀ",
            "Dauphin et al. 2014",
            saddle_free_newton,
            needs_hessian=True,
            in_torch=False,
        ),
        OptimizerDef(
            "lion",
            "Lion",
            (
                _lr(1e-4),
                _BETAS._replace(default=(0.9, 0.99)),
                _WD,
            ),
            "c ← β₁m + (1 − β₁)g;  θ ← θ − lr·(sign c + wd·θ);  m ← β₂m + (1 − β₂)g",
            "Chen et al. 2023",
            lion,
            in_torch=False,
        ),
    )
}


def optimizer_params(name: str, given: Mapping[str, Any], field: str) -> dict[str, Value]:
    """Every hyperparameter of optimizer `name`, checked, with defaults filled in."""
    if name not in OPTIMIZERS:
        raise InvalidInput(f"{field}.name", f"unknown optimizer '{name}' (known: {', '.join(OPTIMIZERS)})")
    params = fill(OPTIMIZERS[name].params, given, f"{field}.params")
    if params.get("nesterov"):
        if params["momentum"] <= 0:  # type: ignore[operator]
            raise InvalidInput(f"{field}.params.nesterov", "needs momentum > 0")
        if params["dampening"] != 0:
            raise InvalidInput(f"{field}.params.nesterov", "needs dampening = 0")
    return params
