"""Backpropagation of one sample, every intermediate value kept: what a step-through shows.

Training (network.py) needs only the gradient; a learner reading the chain rule needs each
number on the way: the forward pass z = Wᵀa_prev + b, a = f(z), the loss, then, from the top,
∂L/∂a, the local slope f′(z), δ = ∂L/∂a ⊙ f′(z), and ∂L/∂W = a_prev δᵀ, ∂L/∂b = δ. It uses the
training's own forward pass, dense backward and losses, so the numbers are the ones training uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..errors import InvalidInput
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
