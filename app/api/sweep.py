"""Between the API and the engine for trainability maps: a sweep request's cost, its cells and its answer."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import cost
from ..engine.nn.network import Architecture
from ..engine.nn.sweep import Axis, Cells, axis, cell_rates, group_size, sweep
from ..engine.optimizers import optimizer_params
from .gate import Work, cost_refusal
from .models.sweep import MAX_CELL_STEPS, MAX_CELL_WEIGHTS, MAX_CELLS, SweepRequest
from .training import PreparedTraining


def check_cells(axes: Sequence[Any], steps: int, max_cells: int, max_cell_steps: int) -> int:
    """The number of cells of a map's `axes` (each with a `size`); more cells, or cells × steps, than the limits
    is a 422 that gives the amount and the limit. Every sweep endpoint checks its map here."""
    cells = math.prod(a.size for a in axes)
    if cells > max_cells:
        message = f"the axes make {cells} cells; the limit is {max_cells}. Reduce the axes' n or values"
        raise cost_refusal("axes", message, cells, max_cells)
    if cells * steps > max_cell_steps:
        message = (
            f"{cells} cells × {steps} steps make {cells * steps} cell-steps; the limit is "
            f"{max_cell_steps}. Reduce the steps or the cells"
        )
        raise cost_refusal("steps", message, cells * steps, max_cell_steps)
    return cells


def sweep_work(request: SweepRequest) -> Work:
    """The sweep's cost; more cells, cells × steps or cells × weights than a map may have is refused here
    (422), before any work."""
    cells = check_cells(request.axes, request.steps, MAX_CELLS, MAX_CELL_STEPS)
    m = request.model
    arch = Architecture((2, *m.hidden, 1), m.activation, "classification")
    if cells * arch.size > MAX_CELL_WEIGHTS:
        message = (
            f"{cells} cells of a network of {arch.size} weights hold {cells * arch.size} weights at once; the limit "
            f"is {MAX_CELL_WEIGHTS}. Reduce the cells or the network"
        )
        raise cost_refusal("axes", message, cells * arch.size, MAX_CELL_WEIGHTS)
    points = request.dataset.n
    batch = min(request.batch_size or points, points)
    records = request.steps // request.record_every + 2
    shared = batch == points and not request.dropout > 0
    groups = -(-cells // group_size(arch, points, cells))
    seconds = cost.sweep_seconds(arch, points, batch, request.steps, records, cells, groups, shared)
    numbers = 3 * cells + sum(a.size for a in request.axes)
    seconds += cost.json_seconds(numbers)
    advice = "the cells (the axes' n or values), the steps, the network or the data"
    return Work(seconds, cost.json_bytes(numbers), "steps", "axes", advice)


class PreparedSweep(PreparedTraining):
    """The training a sweep request describes (data, network, optimizer: as PreparedTraining builds them),
    once per cell of its axes, all trained as one batch on construction."""

    def start(self, check: Callable[[], None]) -> Cells:
        request = self.request
        assert isinstance(request, SweepRequest)
        layers = len(request.model.hidden) + 1
        given = optimizer_params(request.optimizer.name, request.optimizer.params.model_dump(), "optimizer")
        self.axes: list[Axis] = [axis(a.param, a.values, a.range, a.n, a.log) for a in request.axes]
        factors = tuple(request.lr_scale or [1.0] * layers)
        lr, lr_scale = cell_rates(self.axes, float(given["lr"]), factors)  # type: ignore[arg-type]
        started = time.perf_counter()
        cells = sweep(self.spec(request.optimizer, "optimizer"), lr, lr_scale, self.data, check)
        self.elapsed_ms = (time.perf_counter() - started) * 1e3
        return cells

    def result(self) -> dict[str, Any]:
        """Per cell, arranged [j][i] with two axes (axes[1].values[j], axes[0].values[i]); flat with one."""
        shape = tuple(len(a.values) for a in reversed(self.axes))
        cells: Cells = self.first
        return {
            "axes": [{"param": a.param, "values": a.values} for a in self.axes],
            "status": cells.status.reshape(shape).tolist(),
            "final_loss": cells.final_loss.reshape(shape),
            "steps_taken": cells.steps_taken.reshape(shape),
            "elapsed_ms": self.elapsed_ms,
        }
