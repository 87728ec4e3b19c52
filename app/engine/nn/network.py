"""A multilayer perceptron: 2 inputs, dense hidden layers, one output (a logit or a value).

Parameters live in one flat float64 vector, so the optimizers of the 2D engine
(transformations on (B, D) arrays) train a network as B = 1, D = P: one Adam, not two.

The same functions take a leading axis of networks (θ (C, P), W̃ (C, fan_in + 1, fan_out),
activations (C, units, N)) that see the same samples: a trainability map trains thousands of
copies of one network at once (sweep.py). Without that axis, one network.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .layers import ABOVE, ACTIVATIONS, FIRST, LOSSES, Dense, Scratch, dense_backward, dense_forward, with_ones

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


@lru_cache(maxsize=256)
def _layout(arch: Architecture) -> tuple[tuple[tuple, tuple[int, int]], ...]:
    """Per layer: the index of its W̃ in θ's last axis, and W̃'s shape (fan_in + 1, fan_out)."""
    parts, at = [], 0
    for (fan_in, fan_out), _ in arch.shapes:
        size = (fan_in + 1) * fan_out
        parts.append(((Ellipsis, slice(at, at + size)), (fan_in + 1, fan_out)))
        at += size
    return tuple(parts)


def unflatten(arch: Architecture, theta: Array) -> list[Dense]:
    """Each layer's W̃ = [W; bᵀ] as a view of θ ([C,] P), which holds them one after the other."""
    lead = theta.shape[:-1]
    return [Dense(theta[index].reshape(lead + shape)) for index, shape in _layout(arch)]  # views: the last axis split


def flatten(layers: list[Dense]) -> Array:
    lead = layers[0].Wb.shape[:-2]
    return np.concatenate([layer.Wb.reshape(*lead, -1) for layer in layers], axis=-1)


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

    inputs: list[Array]  # ã = [a_prev; 1] of every layer (the first holds the data, shared by the networks)
    zs: list[Array]  # z of every hidden layer
    activations: list[Array]  # f(z) of every hidden layer, before dropout
    masks: list[Array | None]  # inverted-dropout masks of the hidden layers, (H, N): one for all networks
    output: Array  # ([C,] N) logits or values


class Buffers(NamedTuple):
    """Every large array of one forward and backward pass of N samples, allocated once."""

    inputs: list[Array]  # ã (units + 1, N) of the data, then ([C,] units + 1, N) per layer, rows of ones set
    above: list[Array]  # the rows of each ã above its ones: where a layer writes its activations
    zs: list[Array]  # ([C,] H, N) per hidden layer, then ([C,] 1, N) for the output
    activations: list[Array]  # ([C,] H, N) f(z) per hidden layer, before dropout (with dropout only)
    deltas: list[Array]  # ([C,] H, N) δ per hidden layer
    da: list[Array]  # ([C,] H, N) ∂L/∂a per hidden layer
    scratch: list[Scratch]  # the activation's temporaries per hidden layer, one block shared by all


class Workspace:
    """The buffers a training reuses at every step, per number of samples (batch, data, boundary grid).

    A pass that uses them returns views of them, valid until the next pass of the same N. One
    workspace belongs to one training: never shared between threads. With `count`, passes hold
    up to that many networks at once (a leading axis); a pass of fewer uses the first of them."""

    def __init__(self, arch: Architecture, count: int | None = None) -> None:
        self.arch = arch
        self.lead: tuple[int, ...] = () if count is None else (count,)
        self._by_n: dict[int, Buffers] = {}
        self._blocks: dict[int, Scratch] = {}
        self._fewer: dict[tuple[int, tuple[int, ...]], Buffers] = {}

    def buffers(self, n: int, lead: tuple[int, ...] = ()) -> Buffers:
        """The buffers of a pass of N samples through `lead` networks: () one, (c,) with c ≤ count."""
        if n not in self._by_n:
            hidden = self.arch.sizes[1:-1]
            # One layer's activation runs at a time: one flat block each, whose first (units × N) per
            # network serve a layer (contiguous, as a view of the whole block's first rows would be).
            self._blocks[n] = Scratch.like((int(np.prod(self.lead, dtype=np.int64)) * max(hidden, default=0) * n,))
            self._by_n[n] = self._views(n, self.lead)
        if lead == self.lead:
            return self._by_n[n]
        key = (n, lead)
        if key not in self._fewer:
            if len(lead) != len(self.lead) or lead[0] > self.lead[0]:
                raise ValueError(f"a workspace for {self.lead} networks cannot hold {lead}")
            self._fewer[key] = self._views(n, lead)
        return self._fewer[key]

    def _views(self, n: int, lead: tuple[int, ...]) -> Buffers:
        """The full buffers (lead = self.lead, allocated here) or the first networks' part of them."""
        hidden, sizes = self.arch.sizes[1:-1], self.arch.sizes
        if lead == self.lead:
            data = with_ones(sizes[0], n)
            arrays = (
                [with_ones(units, n, lead) for units in sizes[1:-1]],
                [np.empty((*lead, units, n)) for units in sizes[1:]],
                [np.empty((*lead, units, n)) for units in hidden],
                [np.empty((*lead, units, n)) for units in hidden],
                [np.empty((*lead, units, n)) for units in hidden],
            )
        else:
            full = self._by_n[n]
            c = lead[0]
            data = full.inputs[0]
            arrays = tuple([array[:c] for array in group] for group in (full.inputs[1:], *full[2:6]))
        block = self._blocks[n]
        scratch = [
            Scratch(*(part[: np.prod(shape)].reshape(shape) for part in block))
            for shape in ((*lead, u, n) for u in hidden)
        ]
        inputs, *rest = arrays
        inputs = [data, *inputs]
        return Buffers(inputs, [a[ABOVE] for a in inputs], *rest, scratch)


def forward(
    arch: Architecture,
    layers: list[Dense],
    x: Array,
    dropout: float = 0.0,
    rng=None,
    workspace: Workspace | None = None,
    masks: list[Array] | None = None,
) -> Pass:
    """x (N, 2): the samples as rows, as datasets hold them. With a workspace, the pass is written
    into its buffers (the same numbers, no allocation). Layers with a leading axis of C networks
    give a pass of each on the same x. Dropout takes `masks` when given (one (H, N) per hidden
    layer, from `dropout_masks`), else draws them from `rng`; every network gets the same."""
    act = ACTIVATIONS[arch.activation]
    n = x.shape[0]
    lead = layers[0].Wb.shape[:-2]
    bufs = workspace.buffers(n, lead) if workspace is not None else None
    a_in = bufs.inputs[0] if bufs else with_ones(x.shape[1], n)  # the data, shared by the networks
    a_in[:-1] = x.T
    inputs, zs, activations, drawn = [], [], [], []
    for i, layer in enumerate(layers[:-1]):
        inputs.append(a_in)
        z = dense_forward(layer, a_in, out=bufs.zs[i] if bufs else None)  # ([C,] H, N)
        # The next layer's input: f(z), then ones.
        a_in = bufs.inputs[i + 1] if bufs else with_ones(z.shape[-2], n, lead)
        scratch = bufs.scratch[i] if bufs else None
        above = bufs.above[i + 1] if bufs else a_in[ABOVE]  # ([C,] H, N): where f(z) goes
        mask = None
        if masks is not None or (dropout > 0 and rng is not None):
            # Inverted dropout: scaled at training time, so evaluation uses the network as it is.
            a = act.forward(z, bufs.activations[i] if bufs else None, scratch)
            mask = masks[i] if masks is not None else dropout_mask(rng, z.shape[-2], n, dropout)  # (H, N)
            np.multiply(a, mask, out=above)
        elif not lead:  # one network: the rows above its ones are one contiguous block
            a = act.forward(z, above, scratch)
        else:  # networks' rows lie between their rows of ones: numpy works 2–4× slower on such a view
            a = act.forward(z, bufs.activations[i] if bufs else None, scratch)
            np.copyto(above, a)
        zs.append(z)
        activations.append(a)
        drawn.append(mask)
    inputs.append(a_in)
    output = dense_forward(layers[-1], a_in, out=bufs.zs[-1] if bufs else None)[FIRST]
    return Pass(inputs, zs, activations, drawn, output)


def dropout_mask(rng: np.random.Generator, units: int, n: int, dropout: float) -> Array:
    """(units, N): 1/(1 − p) where a unit is kept, 0 where it is dropped."""
    return (rng.random((units, n)) >= dropout) / (1 - dropout)


def dropout_masks(arch: Architecture, rng: np.random.Generator, n: int, dropout: float) -> list[Array]:
    """The masks a forward pass of N samples would draw from `rng`, in its order: to share them."""
    return [dropout_mask(rng, units, n, dropout) for units in arch.sizes[1:-1]]


def backward(
    arch: Architecture,
    layers: list[Dense],
    cache: Pass,
    dloss: Array,
    workspace: Workspace | None = None,
    out: Array | None = None,
) -> Array:
    """The flat gradient ([C,] P) from ∂L/∂output ([C,] N), layer by layer from the top, each layer's
    part written in place into the flat vector (`out` when given)."""
    act = ACTIVATIONS[arch.activation]
    lead = dloss.shape[:-1]
    bufs = workspace.buffers(dloss.shape[-1], lead) if workspace is not None else None
    grad = np.empty((*lead, arch.size)) if out is None else out
    parts = unflatten(arch, grad)
    delta = dloss[..., None, :]  # ([C,] 1, N): δ of the output layer
    for i in range(len(layers) - 1, -1, -1):
        da_prev = bufs.da[i - 1] if bufs and i > 0 else None
        _, da_prev = dense_backward(layers[i], cache.inputs[i], delta, i > 0, parts[i].Wb, da_prev)
        if da_prev is not None:
            if cache.masks[i - 1] is not None:
                da_prev *= cache.masks[i - 1]
            scratch = bufs.scratch[i - 1] if bufs else Scratch.like(da_prev.shape)
            out = bufs.deltas[i - 1] if bufs else np.empty_like(da_prev)
            delta = act.backward(da_prev, cache.zs[i - 1], cache.activations[i - 1], out, scratch)  # ([C,] H, N)
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
    masks: list[Array] | None = None,
    out: Array | None = None,
) -> tuple[Pass, Array]:
    """The forward pass, and the flat gradient of data loss + (l2/2)·Σ‖W‖² (`unflatten` gives its layers),
    of one network or ([C,] …) of each network of a batch."""
    cache = forward(arch, layers, x, dropout, rng, workspace, masks)
    grad = backward(arch, layers, cache, LOSSES[arch.task].delta(cache.output, y), workspace, out)
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
