"""A multilayer perceptron: 2 inputs, dense hidden layers, one output (a logit or a value).

Parameters live in one flat float64 vector, so the optimizers of the 2D engine
(transformations on (B, D) arrays) train a network as B = 1, D = P: one Adam, not two.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .layers import ACTIVATIONS, LOSSES, Dense, dense_backward, dense_forward, with_ones

Array = np.ndarray


class Architecture(NamedTuple):
    sizes: tuple[int, ...]  # (2, *hidden, 1)
    activation: str
    task: str  # picks the loss: BCE with logits, or MSE

    @property
    def shapes(self) -> list[tuple[tuple[int, int], tuple[int]]]:
        return [((i, o), (o,)) for i, o in zip(self.sizes[:-1], self.sizes[1:], strict=True)]

    @property
    def size(self) -> int:
        return sum(i * o + o for (i, o), _ in self.shapes)


def unflatten(arch: Architecture, theta: Array) -> list[Dense]:
    """Each layer's W̃ = [W; bᵀ] as a view of θ, which holds them one after the other."""
    layers, at = [], 0
    for (fan_in, fan_out), _ in arch.shapes:
        size = (fan_in + 1) * fan_out
        layers.append(Dense(theta[at : at + size].reshape(fan_in + 1, fan_out)))
        at += size
    return layers


def flatten(layers: list[Dense]) -> Array:
    return np.concatenate([layer.Wb.ravel() for layer in layers])


def initialize(arch: Architecture, init: str, seed: int, scale: float = 1.0) -> Array:
    """xavier: U(±√(6/(fan_in+fan_out))) (Glorot & Bengio 2010); he: N(0, 2/fan_in) (He et al. 2015);
    normal: N(0, scale²). Biases start at zero."""
    rng = np.random.default_rng(seed)
    theta = np.zeros(arch.size)
    for layer, ((fan_in, fan_out), _) in zip(unflatten(arch, theta), arch.shapes, strict=True):
        if init == "xavier":
            limit = np.sqrt(6 / (fan_in + fan_out))
            layer.W[:] = rng.uniform(-limit, limit, (fan_in, fan_out))
        elif init == "he":
            layer.W[:] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)
        else:
            layer.W[:] = rng.standard_normal((fan_in, fan_out)) * scale
    return theta


class Pass(NamedTuple):
    """What the backward pass needs from the forward one, feature-major (one column per sample)."""

    inputs: list[Array]  # ã = [a_prev; 1] of every layer
    zs: list[Array]  # z of every hidden layer
    activations: list[Array]  # f(z) of every hidden layer, before dropout
    masks: list[Array | None]  # inverted-dropout masks of the hidden layers
    output: Array  # (N,) logits or values


def forward(arch: Architecture, layers: list[Dense], x: Array, dropout: float = 0.0, rng=None) -> Pass:
    """x (N, 2): the samples as rows, as datasets hold them."""
    act = ACTIVATIONS[arch.activation]
    n = x.shape[0]
    a_in = with_ones(x.shape[1], n)
    a_in[:-1] = x.T
    inputs, zs, activations, masks = [], [], [], []
    for layer in layers[:-1]:
        inputs.append(a_in)
        z = dense_forward(layer, a_in)  # (H, N)
        a_in = with_ones(z.shape[0], n)  # the next layer's input: f(z), then ones
        mask = None
        if dropout > 0 and rng is not None:
            # Inverted dropout: scaled at training time, so evaluation uses the network as it is.
            a = act.forward(z)
            mask = (rng.random(a.shape) >= dropout) / (1 - dropout)  # (H, N)
            np.multiply(a, mask, out=a_in[:-1])
        else:
            a = act.forward(z, out=a_in[:-1])
        zs.append(z)
        activations.append(a)
        masks.append(mask)
    inputs.append(a_in)
    return Pass(inputs, zs, activations, masks, dense_forward(layers[-1], a_in)[0])


def backward(arch: Architecture, layers: list[Dense], cache: Pass, dloss: Array) -> Array:
    """The flat gradient (P,) from ∂L/∂output (N,), layer by layer from the top."""
    act = ACTIVATIONS[arch.activation]
    delta = dloss[None, :]  # (1, N): δ of the output layer
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        grad, da_prev = dense_backward(layers[i], cache.inputs[i], delta, to_input=i > 0)
        grads.append(grad)
        if da_prev is not None:
            if cache.masks[i - 1] is not None:
                da_prev = da_prev * cache.masks[i - 1]
            delta = da_prev * act.slope(cache.zs[i - 1], cache.activations[i - 1])  # (H, N): δ of layer i − 1
    return flatten(grads[::-1])


def gradients(
    arch: Architecture, layers: list[Dense], x: Array, y: Array, l2: float = 0.0, dropout: float = 0.0, rng=None
) -> tuple[Pass, Array]:
    """The forward pass, and the flat gradient of data loss + (l2/2)·Σ‖W‖² (`unflatten` gives its layers)."""
    cache = forward(arch, layers, x, dropout, rng)
    grad = backward(arch, layers, cache, LOSSES[arch.task].delta(cache.output, y))
    if l2:
        for part, layer in zip(unflatten(arch, grad), layers, strict=True):
            part.W[:] += l2 * layer.W
    return cache, grad


def loss_and_grad(
    arch: Architecture, theta: Array, x: Array, y: Array, l2: float = 0.0, dropout: float = 0.0, rng=None
) -> tuple[float, float, Array, list[Dense]]:
    """(data loss, data loss + (l2/2)·Σ‖W‖², flat gradient of the latter, per-layer gradients)."""
    layers = unflatten(arch, theta)
    cache, grad = gradients(arch, layers, x, y, l2, dropout, rng)
    data_loss = LOSSES[arch.task].value(cache.output, y)
    penalty = 0.5 * l2 * sum(float(np.sum(layer.W * layer.W)) for layer in layers) if l2 else 0.0
    return data_loss, data_loss + penalty, grad, unflatten(arch, grad)


def predict(arch: Architecture, theta: Array, x: Array) -> Array:
    return forward(arch, unflatten(arch, theta), x).output
