"""The objective J the runner minimises: a surface plus optional L1/L2 regularization."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .symbolic import Compiled

Array = np.ndarray


class Objective(Protocol):
    """What the run loop needs of a loss: J and ∇J in place, and the Hessian on demand."""

    dim: int

    def evaluate(self, theta: Array, loss: Array, grad: Array) -> None: ...

    def hessian(self, theta: Array) -> Array: ...


class SurfaceObjective:
    """J(θ) = f(θ) + l1·Σ|θᵢ| + (l2/2)·Σθᵢ² for a 2D surface f; θ is (B, 2)."""

    dim = 2

    def __init__(self, functions: Compiled, l1: float = 0.0, l2: float = 0.0) -> None:
        self.functions = functions
        self.value_and_grad = functions.value_and_grad  # one attribute lookup per step, not two
        self.l1 = float(l1)
        self.l2 = float(l2)

    def with_loss(self, functions: Compiled) -> SurfaceObjective:
        """The same penalty on another loss: a mini-batch's mean loss in place of the full data's."""
        return SurfaceObjective(functions, self.l1, self.l2)

    def evaluate(self, theta: Array, loss: Array, grad: Array) -> None:
        """Write J(θ) into `loss` (B,) and ∇J(θ) into `grad` (B, 2)."""
        if theta.shape[0] == 1:
            # A lone point goes through as Python floats: an operation costs a third of one on
            # numpy scalars, and single trajectories are where that overhead shows. Floats raise
            # where numpy returns inf (x**5 overflowing, 1/0): then numpy scalars take over.
            ((x, y),) = theta.tolist()
            try:
                f, gx, gy = self.value_and_grad(x, y)
            except ArithmeticError:
                f, gx, gy = self.value_and_grad(np.float64(x), np.float64(y))
            loss[0], grad[0, 0], grad[0, 1] = f, gx, gy
        else:
            f, gx, gy = self.value_and_grad(theta[:, 0], theta[:, 1])
            loss[:], grad[:, 0], grad[:, 1] = f, gx, gy
        if self.l1:
            loss += self.l1 * np.sum(np.abs(theta), axis=-1)
            grad += self.l1 * np.sign(theta)
        if self.l2:
            loss += 0.5 * self.l2 * np.sum(theta * theta, axis=-1)
            grad += self.l2 * theta

    def hessian(self, theta: Array) -> Array:
        """∇²J (B, 2, 2): |θ| adds nothing, l2 adds l2·I."""
        hxx, hxy, hyy = self.functions.hessian(theta[:, 0], theta[:, 1])
        h = np.empty((theta.shape[0], 2, 2))
        h[:, 0, 0] = hxx + self.l2
        h[:, 0, 1] = hxy
        h[:, 1, 0] = hxy
        h[:, 1, 1] = hyy + self.l2
        return h
