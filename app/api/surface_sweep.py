"""Between the API and the engine for sweeps on a surface: a sweep request's cost, its plan and its answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..engine import cost
from ..engine.plan import OptimizerChoice
from ..engine.runner import STATUS_NAMES
from ..engine.sweep import plan_sweep, sweep, sweep_axis
from .convert import resolve_surface, shared_settings, surface_info
from .gate import Work
from .models.surface_sweep import MAX_CELL_STEPS, MAX_CELLS, SurfaceSweepRequest
from .sweep import check_cells

# Each status code's name, indexed by the code (0, running, never reaches an answer).
_NAMES = ["", *(STATUS_NAMES[code] for code in sorted(STATUS_NAMES))]


def surface_sweep_work(request: SurfaceSweepRequest) -> Work:
    """The sweep's cost; more cells or cells × steps than a sweep may have is refused here (422), before any
    work. Compiles the surface: call it off the event loop."""
    cells = check_cells(request.axes, request.steps, MAX_CELLS, MAX_CELL_STEPS)
    params = {a.param for a in request.axes}
    clip = request.clip if not params & {"clip.max_norm", "clip.value"} else None
    reg = request.regularization
    on = {
        "max_norm": "clip.max_norm" in params or (clip is not None and clip.max_norm is not None),
        "clip_value": "clip.value" in params or (clip is not None and clip.value is not None),
        "noise": "noise.std" in params or (request.noise is not None and request.noise.std > 0),
        "l1": reg is not None and reg.l1 > 0,
        "l2": reg is not None and reg.l2 > 0,
        "schedule": request.schedule is not None and request.schedule.name != "constant",
    }
    surface = resolve_surface(request.surface)
    used = [name for name, yes in on.items() if yes]
    seconds = cost.surface_sweep_seconds(
        surface, request.optimizer.name, cells, request.steps, used, request.batch is not None
    )
    numbers = 7 * cells + sum(a.size for a in request.axes)
    seconds += cost.json_seconds(numbers)
    advice = "the cells (the axes' n or values) or the steps (Newton's methods cost the most per cell)"
    return Work(seconds, cost.json_bytes(numbers), "steps", "axes", advice)


class PreparedSurfaceSweep:
    """A sweep request, planned on construction (which refuses a cell /api/run would refuse)."""

    def __init__(self, request: SurfaceSweepRequest) -> None:
        self.surface = resolve_surface(request.surface)
        o = request.optimizer
        self.axes = [sweep_axis(i, a.param, a.values, a.range, a.n, a.log) for i, a in enumerate(request.axes)]
        self.plan = plan_sweep(
            self.surface,
            self.surface.start_point(request.start),
            request.steps,
            OptimizerChoice(o.name, o.params.model_dump()),
            self.axes,
            tol=request.tol,
            **shared_settings(request),  # type: ignore[arg-type]
        )

    def result(self, check: Callable[[], None]) -> dict[str, Any]:
        """Per cell, arranged [j][i] with two axes (axes[1].values[j], axes[0].values[i]); flat with one."""
        started = time.perf_counter()
        cells = sweep(self.plan, check)
        elapsed = (time.perf_counter() - started) * 1e3
        shape = tuple(len(a.values) for a in reversed(self.axes))
        status = [_NAMES[code] for code in cells.status.tolist()]
        if len(shape) == 2:
            status = [status[j * shape[1] : (j + 1) * shape[1]] for j in range(shape[0])]
        return {
            "axes": [{"param": a.param, "values": a.values} for a in self.axes],
            "status": status,
            "steps_taken": cells.steps_taken.reshape(shape),
            "final_loss": cells.final_loss.reshape(shape),
            "final_x": cells.final[:, 0].reshape(shape),
            "final_y": cells.final[:, 1].reshape(shape),
            "minimum": cells.minimum.reshape(shape),
            "surface": surface_info(self.surface),
            "elapsed_ms": elapsed,
        }
