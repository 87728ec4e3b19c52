"""Per-run settings cost no more than shared ones (see bench/README.md).

Run from the repository root:  python bench/bench_per_run.py  [--repeats N] [--steps N]

Four SGD runs (lr 1e-3, momentum 0.9) on rosenbrock from (-1.5, 2.0), planned and run
to the end as /api/run does (plan_run, then run + collect for every batch):
- "shared": the four runs with the request's settings (clip max_norm 1, noise std 0.5,
  a cosine schedule);
- "per-run": the same four runs, each with its own settings (one clipped by norm, one
  with noise, one on a cosine schedule, one with none).
The ratio per-run / shared is printed; the target is ≤ 1.2. A second pair does the same
with regularization (none, L1, L2, both, against all four with L1 and L2), which splits
batches (it changes J, on which each run's outcome is judged); it is printed for the record.
Each figure is the best of `--repeats`, the two sides taking turns.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gdviz.engine.plan import OptimizerChoice, plan_run
from gdviz.engine.runner import collect, run
from gdviz.engine.surfaces import resolve_builtin

SURFACE = resolve_builtin("rosenbrock")
START = (-1.5, 2.0)
SGD = {"lr": 1e-3, "momentum": 0.9}
TARGET = 1.2

SHARED = {"max_norm": 1.0, "noise_std": 0.5, "schedule": ("cosine", {})}
PER_RUN = [
    {"clip": {"max_norm": 1.0}},
    {"noise": {"std": 0.5}},
    {"schedule": ("cosine", {})},
    {},
]
SHARED_PENALTY = {"l1": 0.1, "l2": 0.1}
PER_RUN_PENALTY = [
    {},
    {"regularization": {"l1": 0.1}},
    {"regularization": {"l2": 0.1}},
    {"regularization": SHARED_PENALTY},
]


def timed(steps: int, overrides: list[dict], **request) -> float:
    started = time.perf_counter()
    plan = plan_run(SURFACE, START, steps, [OptimizerChoice("sgd", SGD, o) for o in overrides], **request)
    for batch in plan.batches:
        chunks = run(batch.objective, batch.transform, batch.start, steps, batch.lr, scale=batch.scale)
        collect(chunks, steps)
    return time.perf_counter() - started


def compare(title: str, steps: int, repeats: int, shared: dict, per_run: list[dict]) -> float:
    best = {"shared": float("inf"), "per-run": float("inf")}
    for _ in range(repeats):
        best["shared"] = min(best["shared"], timed(steps, [{}] * 4, **shared))
        best["per-run"] = min(best["per-run"], timed(steps, per_run))
    ratio = best["per-run"] / best["shared"]
    print(
        f"{title}: shared {best['shared'] * 1e3:8.1f} ms   per-run {best['per-run'] * 1e3:8.1f} ms   "
        f"ratio per-run/shared {ratio:.2f}"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20_000)
    args = parser.parse_args()
    print(f"4 SGD runs × {args.steps} steps on rosenbrock, best of {args.repeats}")
    ratio = compare("schedule/clip/noise", args.steps, args.repeats, SHARED, PER_RUN)
    compare("regularization (splits batches)", args.steps, args.repeats, SHARED_PENALTY, PER_RUN_PENALTY)
    print(f"target: per-run/shared ≤ {TARGET} for schedule/clip/noise: {'met' if ratio <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
