"""A multilayer perceptron: 2 inputs, dense hidden layers, one output (a logit or a value).

Parameters live in one flat float64 vector, so the optimizers of the 2D engine
(transformations on (B, D) arrays) train a network as B = 1, D = P: one Adam, not two.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .layers import ACTIVATIONS, LOSSES, Dense, dense_backward, dense_forward

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
    layers, at = [], 0
    for (fan_in, fan_out), _ in arch.shapes:
        W = theta[at : at + fan_in * fan_out].reshape(fan_in, fan_out)
        at += fan_in * fan_out
        layers.append(Dense(W, theta[at : at + fan_out]))
        at += fan_out
    return layers


def flatten(layers: list[Dense]) -> Array:
    return np.concatenate([part for layer in layers for part in (layer.W.ravel(), layer.b)])


def initialize(arch: Architecture, init: str, seed: int, scale: float = 1.0) -> Array:
    """xavier: U(±√(6/(fan_in+fan_out))) (Glorot & Bengio 2010); he: N(0, 2/fan_in) (He et al. 2015);
    normal: N(0, scale²). Biases start at zero."""
    rng = np.random.default_rng(seed)
    layers = []
    for (fan_in, fan_out), _ in arch.shapes:
        if init == "xavier":
            limit = np.sqrt(6 / (fan_in + fan_out))
            W = rng.uniform(-limit, limit, (fan_in, fan_out))
        elif init == "he":
            W = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)
        else:
            W = rng.standard_normal((fan_in, fan_out)) * scale
        layers.append(Dense(W, np.zeros(fan_out)))
    return flatten(layers)


class Pass(NamedTuple):
    """What the backward pass needs from the forward one."""

    inputs: list[Array]  # a_prev of every layer
    zs: list[Array]  # z of every hidden layer
    activations: list[Array]  # f(z) of every hidden layer, before dropout
    masks: list[Array | None]  # inverted-dropout masks of the hidden layers
    output: Array  # (N,) logits or values


def forward(arch: Architecture, layers: list[Dense], x: Array, dropout: float = 0.0, rng=None) -> Pass:
    act = ACTIVATIONS[arch.activation]
    a, inputs, zs, activations, masks = x, [], [], [], []
    for layer in layers[:-1]:
        inputs.append(a)
        z = dense_forward(layer, a)  # (N, H)
        a = act.forward(z)  # (N, H)
        zs.append(z)
        activations.append(a)
        mask = None
        if dropout > 0 and rng is not None:
            # Inverted dropout: scaled at training time, so evaluation uses the network as it is.
            mask = (rng.random(a.shape) >= dropout) / (1 - dropout)  # (N, H)
            a = a * mask
        masks.append(mask)
    inputs.append(a)
    return Pass(inputs, zs, activations, masks, dense_forward(layers[-1], a)[:, 0])


def backward(arch: Architecture, layers: list[Dense], cache: Pass, dloss: Array) -> list[Dense]:
    """∂L/∂W, ∂L/∂b of every layer from ∂L/∂output (N,), layer by layer from the top."""
    act = ACTIVATIONS[arch.activation]
    delta = dloss[:, None]  # (N, 1): δ of the output layer
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        dW, db, da_prev = dense_backward(layers[i], cache.inputs[i], delta, to_input=i > 0)
        grads.append(Dense(dW, db))
        if i > 0:
            if cache.masks[i - 1] is not None:
                da_prev = da_prev * cache.masks[i - 1]
            delta = da_prev * act.slope(cache.zs[i - 1], cache.activations[i - 1])  # (N, H): δ of layer i − 1
    return grads[::-1]


def gradients(
    arch: Architecture, layers: list[Dense], x: Array, y: Array, l2: float = 0.0, dropout: float = 0.0, rng=None
) -> tuple[Pass, list[Dense]]:
    """The forward pass, and ∂/∂W, ∂/∂b of data loss + (l2/2)·Σ‖W‖² for every layer."""
    cache = forward(arch, layers, x, dropout, rng)
    grads = backward(arch, layers, cache, LOSSES[arch.task].delta(cache.output, y))
    if l2:
        grads = [Dense(g.W + l2 * layer.W, g.b) for g, layer in zip(grads, layers, strict=True)]
    return cache, grads


def loss_and_grad(
    arch: Architecture, theta: Array, x: Array, y: Array, l2: float = 0.0, dropout: float = 0.0, rng=None
) -> tuple[float, float, Array, list[Dense]]:
    """(data loss, data loss + (l2/2)·Σ‖W‖², flat gradient of the latter, per-layer gradients)."""
    layers = unflatten(arch, theta)
    cache, grads = gradients(arch, layers, x, y, l2, dropout, rng)
    data_loss = LOSSES[arch.task].value(cache.output, y)
    penalty = 0.5 * l2 * sum(float(np.sum(layer.W * layer.W)) for layer in layers) if l2 else 0.0
    return data_loss, data_loss + penalty, flatten(grads), grads


def predict(arch: Architecture, theta: Array, x: Array) -> Array:
    return forward(arch, unflatten(arch, theta), x).output
