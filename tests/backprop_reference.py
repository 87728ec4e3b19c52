"""One sample's forward and backward pass by torch autograd, every intermediate kept, and one step of
torch.optim on it: the oracle of /api/backprop. Import only after `pytest.importorskip("torch")`.

Nothing here is written by hand: z, a and the loss are torch's forward pass; ∂L/∂a, ∂L/∂z and
∂L/∂output are the `.grad` autograd leaves on them (retain_grad); ∂a/∂z is autograd's derivative
of the activation at z; ∂L/∂W and ∂L/∂b are the parameters' gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tests.torch_reference import TORCH_ACTIVATIONS, TORCH_OPTIMIZERS


def torch_sample_pass(
    Ws: list[np.ndarray], bs: list[np.ndarray], activation: str, task: str, x: Any, y: float
) -> dict[str, Any]:
    """The same fields as /api/backprop answers, as numpy arrays and floats."""
    act = TORCH_ACTIVATIONS[activation]
    W_t = [torch.tensor(np.asarray(W, dtype=np.float64), requires_grad=True) for W in Ws]
    b_t = [torch.tensor(np.asarray(b, dtype=np.float64), requires_grad=True) for b in bs]
    a = torch.tensor(np.asarray(x, dtype=np.float64))[None, :]  # (1, 2): one sample as a row
    zs, activations, slopes = [], [], []
    for i, (W, b) in enumerate(zip(W_t, b_t, strict=True)):
        z = a @ W + b  # (1, fan_out)
        z.retain_grad()
        output_layer = i == len(W_t) - 1
        a = z if output_layer else act(z)
        if not output_layer:
            a.retain_grad()
            at = z.detach().clone().requires_grad_(True)
            (slope,) = torch.autograd.grad(act(at).sum(), at)  # elementwise activation: its diagonal
            slopes.append(slope[0].numpy())
        zs.append(z)
        activations.append(a)
    output = a[:, 0]  # (1,)
    output.retain_grad()
    target = torch.tensor([float(y)], dtype=torch.float64)
    if task == "classification":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(output, target)
    else:
        loss = torch.nn.functional.mse_loss(output, target)
    loss.backward()
    layers = []
    for i, (W, b, z, a_i) in enumerate(zip(W_t, b_t, zs, activations, strict=True)):
        output_layer = i == len(W_t) - 1
        layers.append(
            {
                "W": W.detach().numpy(),
                "b": b.detach().numpy(),
                "z": z.detach()[0].numpy(),
                "a": a_i.detach()[0].numpy(),
                "slope": np.ones(1) if output_layer else slopes[i],
                "da": output.grad.numpy() if output_layer else a_i.grad[0].numpy(),
                "delta": z.grad[0].numpy(),
                "dW": W.grad.numpy(),
                "db": b.grad.numpy(),
            }
        )
    return {
        "layers": layers,
        "output": output.item(),
        "loss": loss.item(),
        "dloss_doutput": output.grad.item(),
        "probability": torch.sigmoid(output).item() if task == "classification" else None,
    }


def torch_update(
    Ws: list[np.ndarray], bs: list[np.ndarray], activation: str, task: str, x: Any, y: float, name: str, params: dict
) -> list[dict[str, Any]]:
    """One step of torch.optim's `name` (our name and hyperparameters, which are torch's) from a fresh state on
    this sample's loss: per layer the new W and b, and each state tensor of the optimizer as {"W", "b"}. Lion is
    not in torch.optim: its step is written with torch's operations after Chen et al. 2023, Algorithm 2."""
    W_t = [torch.tensor(np.asarray(W, dtype=np.float64), requires_grad=True) for W in Ws]
    b_t = [torch.tensor(np.asarray(b, dtype=np.float64), requires_grad=True) for b in bs]
    act = TORCH_ACTIVATIONS[activation]
    a = torch.tensor(np.asarray(x, dtype=np.float64))[None, :]
    for i, (W, b) in enumerate(zip(W_t, b_t, strict=True)):
        a = a @ W + b if i == len(W_t) - 1 else act(a @ W + b)
    target = torch.tensor([float(y)], dtype=torch.float64)
    if task == "classification":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a[:, 0], target)
    else:
        loss = torch.nn.functional.mse_loss(a[:, 0], target)
    loss.backward()
    pairs = list(zip(W_t, b_t, strict=True))
    states: list[dict[str, dict[str, np.ndarray]]] = [{} for _ in pairs]
    if name == "lion":
        lr, (b1, b2), wd = params["lr"], params.get("betas", (0.9, 0.99)), params.get("weight_decay", 0.0)
        with torch.no_grad():
            for i, pair in enumerate(pairs):
                for key, p in zip(("W", "b"), pair, strict=True):
                    m = torch.zeros_like(p)
                    c = b1 * m + (1 - b1) * p.grad
                    p.mul_(1 - lr * wd).add_(torch.sign(c), alpha=-lr)
                    states[i].setdefault("exp_avg", {})[key] = (b2 * m + (1 - b2) * p.grad).numpy()
    else:
        optimizer = TORCH_OPTIMIZERS[name]([p for pair in pairs for p in pair], **params)
        optimizer.step()
        for i, pair in enumerate(pairs):
            for key, p in zip(("W", "b"), pair, strict=True):
                for field, value in optimizer.state[p].items():
                    if torch.is_tensor(value) and value.shape == p.shape:
                        states[i].setdefault(field, {})[key] = value.detach().numpy()
    return [
        {"W": W.detach().numpy(), "b": b.detach().numpy(), "state": state}
        for (W, b), state in zip(pairs, states, strict=True)
    ]
