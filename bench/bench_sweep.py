"""Sweeps on a surface (POST /api/sweep's engine) against torch batched by hand (see bench/README.md).

Run from the repository root:  python bench/bench_sweep.py  [--repeats N] [--torch-threads N]

1. A 256 × 256 lr × momentum map: SGD on rosenbrock from (-1.5, 2), lr geometric in [1e-5, 1e-2], momentum
   linear in [0, 0.99], 1 000 steps. Ours is plan_sweep + sweep (what /api/sweep computes: the stop rules
   every step, each cell's final point, loss, status, steps and minimum). Torch holds the 65 536 cells as one
   (65 536, 2) parameter, takes the gradient of the summed loss by autograd and applies torch.optim.SGD's
   update by hand with per-cell lr and momentum columns (buf ← g on the first step, then μ·buf + g;
   θ ← θ − lr·buf): no stop rules, every cell all 1 000 steps. Targets: ≥ 2× torch and ≤ 2 s. An extra line
   times the same map with lr in [1e-5, 1e-3], where no cell diverges.
2. A 201 × 201 basin map: GD (lr 0.01) on himmelblau, start.x × start.y over its domain, 1 000 steps; ours
   against torch the same way (one parameter of 40 401 rows). Target ≤ 2 s. Newton's and saddle-free
   Newton's basins on the same grid, 100 steps with tol 1e-9, are timed as extra lines (ours only: torch has
   no Newton).

Each figure is the best of `--repeats` (default 3), the sides taking turns, in CPU seconds of the process (both
sides use one thread; `--wall` for wall-clock seconds, which on a shared machine count the other jobs too;
with `--torch-threads` above 1 torch's CPU seconds add up its threads). Setup (compiling the surface,
building tensors) is not timed; planning the sweep is. The check: the cells that ran all their steps agree with
torch's final point to 1e-9 relative (a few may drift apart where the map is chaotic: both sides round ∇J
their own way, and momentum near 1 amplifies it).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gdviz.engine.nn.sweep import Axis
from gdviz.engine.plan import OptimizerChoice
from gdviz.engine.runner import CONVERGED, DIVERGED, MAX_STEPS
from gdviz.engine.surfaces import resolve_builtin
from gdviz.engine.sweep import Cells, plan_sweep, sweep

torch.set_default_dtype(torch.float64)

# The clock of every figure: CPU seconds of this process by default (both sides run on one thread, and on a
# machine shared with other jobs a wall clock measures the others too); `--wall` for wall-clock seconds.
clock = time.process_time

STEPS = 1_000
MAP_N = 256
BASIN_N = 201
# Newton's methods solve a 2 × 2 system per cell and step (LAPACK's cost per matrix): their basins are drawn
# in fewer steps, stopping at a tolerance, as the API's budget has them (1 000 steps on 201 × 201 is refused).
NEWTON_STEPS = 100
NEWTON_TOL = 1e-9
TARGET_RATIO = 2.0
TARGET_SECONDS = 2.0


def ours(
    surface, start, name: str, params: dict, axes: list[Axis], steps: int = STEPS, tol: float = 0.0
) -> Callable[[], tuple[Cells, float]]:
    def go() -> tuple[Cells, float]:
        started = clock()
        cells = sweep(plan_sweep(surface, start, steps, OptimizerChoice(name, params), axes, tol=tol))
        return cells, clock() - started

    return go


def rosenbrock(p: torch.Tensor) -> torch.Tensor:
    x, y = p[:, 0], p[:, 1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def himmelblau(p: torch.Tensor) -> torch.Tensor:
    x, y = p[:, 0], p[:, 1]
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def torch_sgd(loss, starts: np.ndarray, lr: np.ndarray, momentum: np.ndarray) -> Callable[[], tuple[np.ndarray, float]]:
    """torch.optim.SGD's update (dampening 0, no Nesterov) by hand, with one lr and momentum per row."""
    rates, mu = torch.tensor(lr).reshape(-1, 1), torch.tensor(momentum).reshape(-1, 1)
    moving = bool(np.any(momentum))

    def go() -> tuple[np.ndarray, float]:
        p = torch.tensor(starts, requires_grad=True)
        buf = None
        started = clock()
        for _ in range(STEPS):
            (g,) = torch.autograd.grad(loss(p).sum(), p)
            with torch.no_grad():
                if moving:
                    buf = g.clone() if buf is None else buf.mul_(mu).add_(g)
                    p.sub_(rates * buf)
                else:
                    p.sub_(rates * g)
        return p.detach().numpy().copy(), clock() - started

    return go


def best_of(sides: dict[str, Callable[[], tuple[object, float]]], repeats: int) -> tuple[dict, dict]:
    best = {k: float("inf") for k in sides}
    last: dict[str, object] = {}
    for _ in range(repeats):
        for key, fn in sides.items():
            last[key], elapsed = fn()
            best[key] = min(best[key], elapsed)
    return best, last


def agreement(cells: Cells, reference: np.ndarray) -> str:
    full = cells.status == MAX_STEPS
    rel = np.max(np.abs(cells.final - reference) / np.maximum(np.abs(reference), 1.0), axis=1)
    close = np.count_nonzero(full & (rel <= 1e-9))
    return f"{close}/{np.count_nonzero(full)} cells that ran all {STEPS} steps agree with torch to 1e-9"


def grid(axes: list[Axis]) -> tuple[np.ndarray, np.ndarray]:
    first, second = np.meshgrid(axes[0].values, axes[1].values)
    return first.ravel(), second.ravel()


def momentum_map(repeats: int) -> tuple[float, float]:
    surface = resolve_builtin("rosenbrock", {})
    start = (-1.5, 2.0)
    axes = [Axis("lr", np.geomspace(1e-5, 1e-2, MAP_N)), Axis("momentum", np.linspace(0.0, 0.99, MAP_N))]
    lr, momentum = grid(axes)
    starts = np.tile(start, (len(lr), 1))
    sides = {
        "ours": ours(surface, start, "sgd", {"lr": 1e-3}, axes),
        "torch": torch_sgd(rosenbrock, starts, lr, momentum),
    }
    best, last = best_of(sides, repeats)
    cells = last["ours"]
    counts = {name: int(np.count_nonzero(cells.status == code)) for name, code in (("diverged", DIVERGED),)}
    print(f"1. {MAP_N}×{MAP_N} lr × momentum, SGD on rosenbrock, {STEPS} steps ({len(lr)} cells)")
    print(f"   ours  {best['ours']:.3f} s   ({len(lr) * STEPS / best['ours'] / 1e6:.0f} M cell-steps/s)")
    print(f"   torch {best['torch']:.3f} s   ratio torch/ours {best['torch'] / best['ours']:.2f}×")
    print(f"   {counts['diverged']} cells diverged (they leave our batch); {agreement(cells, last['torch'])}")
    # The same map where no cell diverges: every cell runs all its steps on both sides, and the stop rules we check
    # every step (torch checks none) weigh their full share.
    calm = [Axis("lr", np.geomspace(1e-5, 1e-3, MAP_N)), axes[1]]
    lr_calm, _ = grid(calm)
    calm_sides = {
        "ours": ours(surface, start, "sgd", {"lr": 1e-3}, calm),
        "torch": torch_sgd(rosenbrock, starts, lr_calm, momentum),
    }
    calm_best, calm_last = best_of(calm_sides, repeats)
    ratio = calm_best["torch"] / calm_best["ours"]
    print(f"   lr in [1e-5, 1e-3], no cell diverging: ours {calm_best['ours']:.3f} s, torch {calm_best['torch']:.3f} s")
    print(f"   ratio {ratio:.2f}×; {agreement(calm_last['ours'], calm_last['torch'])}")
    return best["ours"], best["torch"] / best["ours"]


def basin_map(repeats: int) -> float:
    surface = resolve_builtin("himmelblau", {})
    (x0, x1), (y0, y1) = surface.domain
    axes = [Axis("start.x", np.linspace(x0, x1, BASIN_N)), Axis("start.y", np.linspace(y0, y1, BASIN_N))]
    xs, ys = grid(axes)
    starts = np.stack([xs, ys], axis=1)
    lr = np.full(len(xs), 0.01)
    sides = {
        "ours": ours(surface, surface.start, "sgd", {"lr": 0.01}, axes),
        "torch": torch_sgd(himmelblau, starts, lr, np.zeros(len(xs))),
    }
    best, last = best_of(sides, repeats)
    cells = last["ours"]
    reached = np.bincount(cells.minimum + 1, minlength=len(surface.minima) + 1)
    print(f"2. {BASIN_N}×{BASIN_N} basins, GD lr 0.01 on himmelblau, {STEPS} steps ({len(xs)} cells)")
    print(f"   ours  {best['ours']:.3f} s   torch {best['torch']:.3f} s   ratio {best['torch'] / best['ours']:.2f}×")
    print(f"   cells per minimum {reached[1:].tolist()}, none {reached[0]}; {agreement(cells, last['torch'])}")
    for name in ("newton", "saddle_free_newton"):
        go = ours(surface, surface.start, name, {}, axes, steps=NEWTON_STEPS, tol=NEWTON_TOL)
        runs = [go() for _ in range(repeats)]
        seconds = min(elapsed for _, elapsed in runs)
        stopped = np.count_nonzero(runs[-1][0].status == CONVERGED)
        print(f"   {name}, {NEWTON_STEPS} steps, tol {NEWTON_TOL:g}: ours {seconds:.3f} s ({stopped} cells converged)")
    return best["ours"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--torch-threads", type=int, default=1, help="torch's intra-op threads (ours: one)")
    parser.add_argument("--wall", action="store_true", help="wall-clock seconds instead of CPU seconds")
    args = parser.parse_args()
    global clock
    clock = time.perf_counter if args.wall else time.process_time
    torch.set_num_threads(args.torch_threads)
    print(
        f"bench_sweep: numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"{platform.machine()}; best of {args.repeats}, {'wall-clock' if args.wall else 'CPU'} seconds"
    )
    seconds, ratio = momentum_map(args.repeats)
    basin = basin_map(args.repeats)
    print("summary:")
    print(f"  lr × momentum map: {seconds:.3f} s (target ≤ {TARGET_SECONDS} s), {ratio:.2f}× torch (target ≥ 2×)")
    print(f"  basin map: {basin:.3f} s (target ≤ {TARGET_SECONDS} s)")


if __name__ == "__main__":
    main()
