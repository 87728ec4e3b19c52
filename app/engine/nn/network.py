"""A multilayer perceptron: 2 inputs, dense hidden layers, one output (a logit or a value).

Parameters live in one flat float64 vector, so the optimizers of the 2D engine
(transformations on (B, D) arrays) train a network as B = 1, D = P: one Adam, not two.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .layers import ACTIVATIONS, LOSSES, Dense, Scratch, dense_backward, dense_forward, with_ones

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


class Buffers(NamedTuple):
    """Every large array of one forward and backward pass of N samples, allocated once."""

    inputs: list[Array]  # ã (units + 1, N) of every layer, its row of ones set
    zs: list[Array]  # (H, N) per hidden layer, then (1, N) for the output
    activations: list[Array]  # (H, N) f(z) per hidden layer, before dropout (with dropout only)
    deltas: list[Array]  # (H, N) δ per hidden layer
    da: list[Array]  # (H, N) ∂L/∂a per hidden layer
    scratch: list[Scratch]  # the activation's temporaries per hidden layer, one block shared by all


class Workspace:
    """The buffers a training reuses at every step, per number of samples (batch, data, boundary grid).

    A pass that uses them returns views of them, valid until the next pass of the same N. One
    workspace belongs to one training: never shared between threads."""

    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        self._by_n: dict[int, Buffers] = {}

    def buffers(self, n: int) -> Buffers:
        if n not in self._by_n:
            hidden = self.arch.sizes[1:-1]
            shared = Scratch.like((max(hidden, default=0), n))  # one layer's activation runs at a time
            self._by_n[n] = Buffers(
                [with_ones(units, n) for units in self.arch.sizes[:-1]],
                [np.empty((units, n)) for units in self.arch.sizes[1:]],
                [np.empty((units, n)) for units in hidden],
                [np.empty((units, n)) for units in hidden],
                [np.empty((units, n)) for units in hidden],
                [Scratch(*(block[:units] for block in shared)) for units in hidden],  # contiguous rows
            )
        return self._by_n[n]


def forward(
    arch: Architecture,
    layers: list[Dense],
    x: Array,
    dropout: float = 0.0,
    rng=None,
    workspace: Workspace | None = None,
) -> Pass:
    """x (N, 2): the samples as rows, as datasets hold them. With a workspace, the pass is written
    into its buffers (the same numbers, no allocation)."""
    act = ACTIVATIONS[arch.activation]
    n = x.shape[0]
    bufs = workspace.buffers(n) if workspace is not None else None
    a_in = bufs.inputs[0] if bufs else with_ones(x.shape[1], n)
    a_in[:-1] = x.T
    inputs, zs, activations, masks = [], [], [], []
    for i, layer in enumerate(layers[:-1]):
        inputs.append(a_in)
        z = dense_forward(layer, a_in, out=bufs.zs[i] if bufs else None)  # (H, N)
        a_in = bufs.inputs[i + 1] if bufs else with_ones(z.shape[0], n)  # the next layer's input: f(z), then ones
        scratch = bufs.scratch[i] if bufs else None
        mask = None
        if dropout > 0 and rng is not None:
            # Inverted dropout: scaled at training time, so evaluation uses the network as it is.
            a = act.forward(z, bufs.activations[i] if bufs else None, scratch)
            mask = (rng.random(a.shape) >= dropout) / (1 - dropout)  # (H, N)
            np.multiply(a, mask, out=a_in[:-1])
        else:
            a = act.forward(z, a_in[:-1], scratch)
        zs.append(z)
        activations.append(a)
        masks.append(mask)
    inputs.append(a_in)
    return Pass(inputs, zs, activations, masks, dense_forward(layers[-1], a_in, out=bufs.zs[-1] if bufs else None)[0])


def backward(
    arch: Architecture, layers: list[Dense], cache: Pass, dloss: Array, workspace: Workspace | None = None
) -> Array:
    """The flat gradient (P,) from ∂L/∂output (N,), layer by layer from the top, each layer's
    part written in place into the flat vector."""
    act = ACTIVATIONS[arch.activation]
    bufs = workspace.buffers(dloss.shape[0]) if workspace is not None else None
    grad = np.empty(arch.size)
    parts = unflatten(arch, grad)
    delta = dloss[None, :]  # (1, N): δ of the output layer
    for i in range(len(layers) - 1, -1, -1):
        da_prev = bufs.da[i - 1] if bufs and i > 0 else None
        _, da_prev = dense_backward(layers[i], cache.inputs[i], delta, i > 0, parts[i].Wb, da_prev)
        if da_prev is not None:
            if cache.masks[i - 1] is not None:
                da_prev *= cache.masks[i - 1]
            scratch = bufs.scratch[i - 1] if bufs else Scratch.like(da_prev.shape)
            out = bufs.deltas[i - 1] if bufs else np.empty_like(da_prev)
            delta = act.backward(da_prev, cache.zs[i - 1], cache.activations[i - 1], out, scratch)  # (H, N): δ of i − 1
    return grad


def gradients(
    arch: Architecture,
    layers: list[Dense],
    x: Array,
    y: Array,
    l2: float = 0.0,
    dropout: float = 0.0,
    rng=None,
    workspace: Workspace | None = None,
) -> tuple[Pass, Array]:
    """The forward pass, and the flat gradient of data loss + (l2/2)·Σ‖W‖² (`unflatten` gives its layers)."""
    cache = forward(arch, layers, x, dropout, rng, workspace)
    grad = backward(arch, layers, cache, LOSSES[arch.task].delta(cache.output, y), workspace)
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


def predict(arch: Architecture, theta: Array, x: Array, workspace: Workspace | None = None) -> Array:
    """(N,) outputs; with a workspace, a view of its buffer (copy it to keep it past the next pass)."""
    return forward(arch, unflatten(arch, theta), x, workspace=workspace).output
