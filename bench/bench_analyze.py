"""The momentum map and the optimizer's insides: how long they take (see bench/README.md).

Run from the repository root:  python bench/bench_analyze.py  [--repeats N]

1. The momentum map, 400 × 400 (lr × β), two eigenvalues, plain and Nesterov: the engine's
   `momentum_rates` alone, and `momentum_map` from a surface's Hessian at a point (the
   analysis included). Target: ≤ 100 ms.
2. POST /api/analyze/momentum of that size through the app in-process (validation, the gate,
   the JSON of 160 000 rates), for the record.
3. A run of 20 000 Adam steps on Rosenbrock as /api/run plans and runs it, without and with the
   state recorder (include_state), to show what recording costs and that a run without it is
   not touched.
Each figure is the best of `--repeats`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gdviz.engine.analysis import RateAxis, momentum_map, momentum_rates, positive_curvatures
from gdviz.engine.plan import OptimizerChoice, plan_run
from gdviz.engine.runner import collect, run
from gdviz.engine.state import recording
from gdviz.engine.surfaces import resolve_builtin

TARGET_MS = 100.0
N = 400


def best(repeats: int, work: Callable[[], object]) -> float:
    """The best wall time of `work`, in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1e3)
    return min(times)


def run_once(record: bool, steps: int) -> None:
    surface = resolve_builtin("rosenbrock")
    plan = plan_run(surface, (-1.5, 2.0), steps, [OptimizerChoice("adam", {"lr": 1e-4})])
    recorders = {}
    if record:
        plan, recorders = recording(plan, ["adam"])
    for batch in plan.batches:
        collect(run(batch.objective, batch.transform, batch.start, steps, batch.lr, scale=batch.scale), steps)
        if record:
            recorders[batch.index].take()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20_000)
    args = parser.parse_args()

    lam = np.array([9.75, 2092.25])
    lrs, momenta = np.linspace(0, 4 / lam[1], N), np.linspace(0, 0.999, N)
    plain = best(args.repeats, lambda: momentum_rates(lam, lrs, momenta, False))
    nesterov = best(args.repeats, lambda: momentum_rates(lam, lrs, momenta, True))
    rosenbrock = resolve_builtin("rosenbrock")

    def from_surface() -> None:
        momentum_map(positive_curvatures(rosenbrock, (-1.5, 2.0)), RateAxis(None, N), RateAxis(None, N))

    surface_ms = best(args.repeats, from_surface)
    print(f"momentum map {N}×{N}, 2 eigenvalues:   plain {plain:6.1f} ms   nesterov {nesterov:6.1f} ms")
    print(f"  from rosenbrock's Hessian at (-1.5, 2) (analysis included): {surface_ms:6.1f} ms")

    from fastapi.testclient import TestClient

    from gdviz.main import app

    client = TestClient(app)
    body = {"surface": {"name": "rosenbrock"}, "point": [-1.5, 2.0], "lr": {"n": N}, "momentum": {"n": N}}

    def post() -> None:
        assert client.post("/api/analyze/momentum", json=body).status_code == 200

    print(f"  POST /api/analyze/momentum {N}×{N} in-process (JSON included): {best(args.repeats, post):6.1f} ms")

    without = best(args.repeats, lambda: run_once(False, args.steps))
    with_state = best(args.repeats, lambda: run_once(True, args.steps))
    print(
        f"{args.steps} Adam steps on rosenbrock: {without:6.1f} ms without the recorder, "
        f"{with_state:6.1f} ms with it ({with_state / without:.2f}×)"
    )
    worst = max(plain, nesterov, surface_ms)
    verdict = "met" if worst <= TARGET_MS else "MISSED"
    print(f"target: momentum map ≤ {TARGET_MS:g} ms — {verdict} ({worst:.1f} ms)")


if __name__ == "__main__":
    main()
