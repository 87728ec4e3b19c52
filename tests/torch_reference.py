"""torch as the tests' oracle, set up once: import this only after `pytest.importorskip("torch")`.

float64 by default: optimizer state scalars (NAdam's μ product, step counts) take the default
dtype, as ours are float64. One thread: the tensors are tiny, and an OpenMP pool would spin
against numpy's OpenBLAS threads on small machines.
"""

from __future__ import annotations

from typing import Any

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

# Every optimizer of ours that torch.optim has, under our name.
TORCH_OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adagrad": torch.optim.Adagrad,
    "rmsprop": torch.optim.RMSprop,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "adamax": torch.optim.Adamax,
    "nadam": torch.optim.NAdam,
    "radam": torch.optim.RAdam,
    "adadelta": torch.optim.Adadelta,
}

TORCH_ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "linear": lambda z: z,
}


def value_grad_hessian(loss: Any, w: float, b: float) -> tuple[float, Any, Any]:
    """torch's value, gradient and Hessian of `loss` (a function of θ = (w, b)) at (w, b), as numpy."""
    theta = torch.tensor([w, b], requires_grad=True)
    f = loss(theta)
    (g,) = torch.autograd.grad(f, theta)
    h = torch.autograd.functional.hessian(loss, theta.detach())
    return float(f.detach()), g.numpy(), h.numpy()
