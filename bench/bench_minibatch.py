"""A mini-batch run against the same loop in torch (see bench/README.md).

Run from the repository root:  python bench/bench_minibatch.py  [--repeats N] [--steps N]

SGD (lr 0.1, momentum 0.9) on linear_regression with n = 1000 points, batches of 10 drawn
without replacement (seed 0), from (-2, -2), 10 000 steps. Ours is plan_run, then run +
collect, as /api/run does: it records θ, the full-data J and ‖∇J‖ and the batch objective at
every step. Torch runs the same loop on the same batches: the batch's mean squared error,
backward, step, and the same records (the full-data loss and its gradient's norm by autograd
into preallocated tensors). The batches are drawn outside both timings. Printed: µs per step
of each, the ratio torch/ours (target ≥ 5) and the largest difference of the final θ.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gdviz.engine.batches import BatchSpec, Sampler
from gdviz.engine.plan import OptimizerChoice, plan_run
from gdviz.engine.runner import collect, run
from gdviz.engine.surfaces import resolve_builtin

SURFACE = resolve_builtin("linear_regression", {"n": 1000})
START = (-2.0, -2.0)
SGD = {"lr": 0.1, "momentum": 0.9}
SPEC = BatchSpec(10)
TARGET = 5.0


def ours(steps: int) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    plan = plan_run(SURFACE, START, steps, [OptimizerChoice("sgd", SGD)], batch=SPEC)
    (batch,) = plan.batches
    whole = collect(run(batch.objective, batch.transform, batch.start, steps, batch.lr, batches=batch.batches), steps)
    elapsed = time.perf_counter() - started
    assert whole.steps_taken[0] == steps, "every step must run"
    return elapsed, whole.theta[-1, 0]


def torch_loop(steps: int, batches: list[np.ndarray]) -> tuple[float, np.ndarray]:
    import torch

    torch.set_num_threads(1)
    x = torch.from_numpy(SURFACE.data[0].astype(np.float64))
    y = torch.from_numpy(SURFACE.data[1].astype(np.float64))
    index = [torch.from_numpy(b) for b in batches]
    theta = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([theta], **SGD)
    thetas = torch.empty(steps + 1, 2, dtype=torch.float64)
    losses, norms, batch_losses = (torch.empty(steps + 1, dtype=torch.float64) for _ in range(3))

    def record(k: int) -> None:
        full = 0.5 * ((theta[0] * x + theta[1] - y) ** 2).mean()
        (grad,) = torch.autograd.grad(full, theta)
        thetas[k] = theta.detach()
        losses[k] = full.detach()
        norms[k] = grad.norm()

    started = time.perf_counter()
    for k in range(steps):
        record(k)
        optimizer.zero_grad()
        i = index[k]
        loss = 0.5 * ((theta[0] * x[i] + theta[1] - y[i]) ** 2).mean()
        batch_losses[k] = loss.detach()
        loss.backward()
        optimizer.step()
    record(steps)
    return time.perf_counter() - started, thetas[-1].numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10_000)
    args = parser.parse_args()
    batches = Sampler(len(SURFACE.data[0]), SPEC).take(args.steps)
    best = {"ours": float("inf"), "torch": float("inf")}
    for _ in range(args.repeats):
        t_ours, end_ours = ours(args.steps)
        t_torch, end_torch = torch_loop(args.steps, batches)
        best["ours"], best["torch"] = min(best["ours"], t_ours), min(best["torch"], t_torch)
    ratio = best["torch"] / best["ours"]
    per_step = {k: v / args.steps * 1e6 for k, v in best.items()}
    print(f"SGD, linear_regression n=1000, B=10, {args.steps} steps, best of {args.repeats}")
    print(
        f"ours {per_step['ours']:7.2f} µs/step   torch {per_step['torch']:7.2f} µs/step   ratio torch/ours {ratio:.1f}"
    )
    print(f"final θ: largest difference {np.max(np.abs(end_ours - end_torch)):.2e}")
    print(f"target: torch/ours ≥ {TARGET}: {'met' if ratio >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
