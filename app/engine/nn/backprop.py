"""Backpropagation of one sample, every intermediate value kept: what a step-through shows.

Training (network.py) needs only the gradient; a learner reading the chain rule needs each
number on the way: the forward pass z = Wᵀa_prev + b, a = f(z), the loss, then, from the top,
∂L/∂a, the local slope f′(z), δ = ∂L/∂a ⊙ f′(z), and ∂L/∂W = a_prev δᵀ, ∂L/∂b = δ. It uses the
training's own forward pass, dense backward and losses, so the numbers are the ones training uses.
Then one update with an optimizer from a fresh state (`update_step`): the optimizer registry's own
transformation, and the state it kept, in the names torch.optim gives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..errors import InvalidInput
from ..optimizers import OPTIMIZERS, optimizer_params
from ..params import Value
from ..scalers import AdamState
from ..state import leaves, torch_state
from ..transforms import add_decayed_weights
from .layers import ACTIVATIONS, LOSSES, dense_backward
from .network import Architecture, forward, unflatten

Array = np.ndarray


class LayerPass(NamedTuple):
    """One layer of one sample; the output layer's activation is the identity (a = z, slope 1)."""

    W: Array  # (fan_in, fan_out)
    b: Array  # (fan_out,)
    z: Array  # (fan_out,) W-weighted input plus bias
    a: Array  # (fan_out,) f(z)
    slope: Array  # (fan_out,) ∂a/∂z = f′(z), the local derivative
    da: Array  # (fan_out,) ∂L/∂a, what the layer above sends back (W_above δ_above)
    delta: Array  # (fan_out,) ∂L/∂z = ∂L/∂a ⊙ f′(z)
    dW: Array  # (fan_in, fan_out) a_prev δᵀ
    db: Array  # (fan_out,) δ


class SamplePass(NamedTuple):
    layers: list[LayerPass]  # hidden layers, then the output layer
    output: float  # the logit (classification) or the value (regression)
    loss: float  # BCE with logits, or the squared error, of this one sample
    dloss_doutput: float  # ∂L/∂output: σ(output) − y, or 2(output − y)
    probability: float | None  # σ(output), the predicted probability of class 1 (classification)


def weights_vector(arch: Architecture, weights: Sequence[tuple[Sequence[Sequence[float]], Sequence[float]]]) -> Array:
    """The flat θ (P,) of given per-layer (W, b), W as rows of fan_out numbers; InvalidInput names
    the first one whose shape does not fit the architecture."""
    if len(weights) != len(arch.shapes):
        raise InvalidInput(
            "weights", f"needs {len(arch.shapes)} layers (hidden layers, then the output), got {len(weights)}"
        )
    theta = np.zeros(arch.size)
    for i, (layer, (W, b), ((fan_in, fan_out), _)) in enumerate(
        zip(unflatten(arch, theta), weights, arch.shapes, strict=True)
    ):
        if len(W) != fan_in or any(len(row) != fan_out for row in W):
            got = f"{len(W)} rows of " + "/".join(sorted({str(len(row)) for row in W}) or ["no"])
            raise InvalidInput(
                f"weights[{i}].W", f"must be {fan_in} rows of {fan_out} numbers (fan_in × fan_out), got {got}"
            )
        if len(b) != fan_out:
            raise InvalidInput(f"weights[{i}].b", f"must hold {fan_out} numbers (fan_out), got {len(b)}")
        layer.W[:] = W  # views into θ
        layer.b[:] = b
    return theta


def backprop_sample(arch: Architecture, theta: Array, x: Array, y: float) -> SamplePass:
    """The forward and backward pass of one sample x (2,) with target y, at the flat weights θ (P,)."""
    if arch.task == "classification" and y not in (0.0, 1.0):
        raise InvalidInput("sample.y", f"must be a label, 0 or 1, for classification (got {y})")
    layers = unflatten(arch, theta)
    act, loss = ACTIVATIONS[arch.activation], LOSSES[arch.task]
    target = np.array([y], dtype=np.float64)  # (1,)
    with np.errstate(all="ignore"):  # sigmoid's exp(−z) may overflow to inf: σ is then exactly 0
        cache = forward(arch, layers, np.asarray(x, dtype=np.float64)[None, :])  # one column, N = 1
        zs = [*cache.zs, cache.output[None, :]]  # (units, 1) per layer
        activations = [*cache.activations, cache.output[None, :]]
        dloss = loss.delta(cache.output, target)  # (1,)
        da = dloss[None, :]  # (1, 1): ∂L/∂a of the output layer, whose a is its z
        passes: list[LayerPass] = []
        for i in range(len(layers) - 1, -1, -1):
            output_layer = i == len(layers) - 1
            slope = np.ones_like(zs[i]) if output_layer else act.slope(zs[i], activations[i])  # (units, 1)
            delta = da * slope  # (units, 1)
            grad, da_below = dense_backward(layers[i], cache.inputs[i], delta, to_input=i > 0)
            passes.append(
                LayerPass(
                    layers[i].W.copy(),
                    layers[i].b.copy(),
                    zs[i][:, 0],
                    activations[i][:, 0],
                    slope[:, 0],
                    da[:, 0],
                    delta[:, 0],
                    grad.W.copy(),
                    grad.b.copy(),
                )
            )
            da = da_below
        value = loss.value(cache.output, target)
        probability = float(1 / (1 + np.exp(-cache.output[0]))) if arch.task == "classification" else None
    return SamplePass(passes[::-1], float(cache.output[0]), value, float(dloss[0]), probability)


def gradient(result: SamplePass) -> Array:
    """The flat ∂L/∂θ (P,) of a pass, laid out as θ is (each layer's [W; bᵀ], see network.unflatten)."""
    return np.concatenate([np.vstack([layer.dW, layer.db]).ravel() for layer in result.layers])


# Optimizers whose weight decay is added to the gradient before anything else (L2, torch's
# `weight_decay`), against those that decay θ beside the step (AdamW, Lion; NAdam and RAdam when asked).
_DECOUPLED = {"adamw", "lion"}


class SampleUpdate(NamedTuple):
    """One step of an optimizer from a fresh state on this sample's gradient, as flat (P,) vectors."""

    optimizer: str
    params: dict[str, Value]  # every hyperparameter, defaults filled in
    theta: Array  # the new weights θ + Δθ
    step: Array  # Δθ, the update the optimizer made
    state: dict[str, Array]  # what the optimizer computed on the way (see `_state`), named as torch names it


def decoupled(name: str, params: dict[str, Value]) -> bool:
    return name in _DECOUPLED or bool(params.get("decoupled_weight_decay"))


def update_step(theta: Array, grad: Array, name: str, given: dict[str, Value], field: str) -> SampleUpdate:
    """θ (P,) after one step of optimizer `name` (hyperparameters `given`) from a fresh state, on the
    gradient `grad` (P,). The step is the registry's transformation, as training makes it; InvalidInput
    names `field` for an optimizer networks do not have."""
    definition = OPTIMIZERS.get(name)
    if definition is not None and definition.needs_hessian:
        raise InvalidInput(f"{field}.name", f"'{name}' needs a Hessian, which networks do not provide")
    params = optimizer_params(name, given, field)
    transform = definition.build(**params)  # type: ignore[union-attr]
    row, g = theta[None, :], grad[None, :]  # one trajectory of the engine's (B, D) shape
    with np.errstate(all="ignore"):
        step, state = transform.update(g, transform.init(row), row)
        named = _state(name, params, state)
        if params.get("weight_decay") and not decoupled(name, params):
            named["grad"] = add_decayed_weights(params["weight_decay"]).update(g, None, row)[0]
    new = row + step
    if not all(np.all(np.isfinite(v)) for v in (new, step, *named.values())):  # a weight decay of 1e300…
        raise InvalidInput(f"{field}.params", "make a step beyond float64's range: use smaller values")
    return SampleUpdate(name, params, new[0], step[0], {key: value[0] for key, value in named.items()})


def _state(name: str, params: dict[str, Value], state: object) -> dict[str, Array]:
    """The optimizer's state after its first step, as torch.optim names it (state.torch_state), with
    Adam's bias-corrected m̂ and v̂ that its step divides; NAdam's product of μₜ is left out (the
    step-through shows the moments)."""
    out = torch_state(name, params, state)
    out.pop("mu_product", None)
    b1, b2 = params.get("betas", (0.0, 0.0))  # type: ignore[misc]
    for leaf in leaves(state):
        if isinstance(leaf, AdamState) and name != "adamax":
            t = leaf.count
            out["m_hat"] = out["exp_avg"] / (1 - b1**t)
            if name != "radam":  # RAdam's first steps are m̂ alone (ρₜ ≤ 5)
                out["v_hat"] = (out.get("max_exp_avg_sq", out["exp_avg_sq"])) / (1 - b2**t)
    return out
