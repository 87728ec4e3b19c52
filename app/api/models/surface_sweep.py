"""Models of POST /api/sweep: one optimizer run from every cell of one or two axes (README, "Sweeps")."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, Strict, field_validator

from ...engine.sweep import SETTING_PARAMS
from ...settings import settings
from .base import Request, Response, integer
from .catalog import OptimizerConfig, ScheduleConfig
from .runs import BatchConfig, ClipConfig, NoiseConfig, RegularizationConfig, Status
from .surfaces import Start, SurfaceInfo, SurfaceRef

MAX_CELLS = settings.max_surface_sweep_cells
MAX_CELL_STEPS = settings.max_surface_sweep_cell_steps
# An axis value is a hyperparameter or a coordinate: |v| ≤ 1e12 holds every value a map means (a start is
# bounded tighter by the surface's own check, a hyperparameter by the optimizer's).
AxisValue = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
AXIS_DOC = (
    "a numeric (not boolean) hyperparameter of the optimizer (`lr`, `momentum`, `eps`, …), or "
    + ", ".join(f"`{p}`" for p in SETTING_PARAMS)
    + " (`start.x` × `start.y` is a map of basins; a clip axis replaces the request's clip)"
)


class SurfaceSweepAxis(Request):
    """One axis of the map: `values`, or `range` + `n` (numpy.linspace, or numpy.geomspace with `log`)."""

    param: str = Field(max_length=40, description=AXIS_DOC, examples=["lr"])
    range: Annotated[tuple[AxisValue, AxisValue], Strict(False)] | None = Field(default=None, description="[lo, hi]")
    n: integer(ge=1, le=MAX_CELLS) | None = Field(default=None, description="values in the range")
    log: bool = Field(default=False, description="geometric spacing (numpy.geomspace) instead of linear")
    values: list[AxisValue] | None = Field(  # type: ignore[valid-type]
        default=None, min_length=1, max_length=MAX_CELLS, description="the values themselves, in place of a range"
    )

    @property
    def size(self) -> int:
        return len(self.values) if self.values is not None else self.n or 0

    @property
    def ends(self) -> list[float]:
        """The axis's extreme values: its range's ends, or its values."""
        return list(self.range) if self.range is not None else list(self.values or [])


_EXAMPLE = {
    "surface": {"name": "rosenbrock"},
    "start": [-1.5, 2.0],
    "steps": 500,
    "optimizer": {"name": "sgd", "params": {"lr": 0.001, "momentum": 0.9}},
    "axes": [
        {"param": "lr", "range": [1e-5, 1e-2], "n": 64, "log": True},
        {"param": "momentum", "values": [0, 0.5, 0.9, 0.99]},
    ],
}


class SurfaceSweepRequest(Request):
    """One optimizer on one surface, run once per cell of one or two `axes`: each cell is the run /api/run
    makes with that cell's values in place of the request's, all cells as one batch. At most 65 536 cells and
    cells × steps ≤ 10⁸, within the compute budget."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    surface: SurfaceRef
    start: Start | None = Field(default=None, description="θ₀ = [x, y] of every cell but along a start axis")
    steps: integer(ge=1, le=settings.max_steps) = 500
    tol: float = Field(default=0.0, ge=0, description="stop 'converged' when ‖∇J‖ ≤ tol (before updating)")
    optimizer: OptimizerConfig  # type: ignore[valid-type]
    schedule: ScheduleConfig | None = Field(default=None, description="learning-rate schedule (default constant)")
    clip: ClipConfig | None = None
    noise: NoiseConfig | None = Field(default=None, description="the noise of every cell; a noise.std axis keeps seed")
    regularization: RegularizationConfig | None = None
    batch: BatchConfig | None = Field(default=None, description="mini-batches, on a data-defined surface only")
    axes: list[SurfaceSweepAxis] = Field(
        min_length=1,
        max_length=2,
        description="one or two axes on different params; with two, cell [j][i] has axes[1].values[j] and "
        "axes[0].values[i]",
    )

    @field_validator("axes")
    @classmethod
    def well_formed(cls, axes: list[SurfaceSweepAxis]) -> list[SurfaceSweepAxis]:
        # Checked here rather than on the axis, whose fields are then each valid alone.
        for i, a in enumerate(axes):
            if (a.values is None) == (a.range is None) or (a.range is None) != (a.n is None):
                raise ValueError(f"axes[{i}] needs `values`, or `range` with `n` (not both)")
            if a.param.startswith("start.") and max(abs(v) for v in a.ends) > settings.max_start_abs:
                raise ValueError(f"axes[{i}]: a start coordinate must lie in ±{settings.max_start_abs:g}")
        if len(axes) == 2 and axes[0].param == axes[1].param:
            raise ValueError(f"the two axes are both on {axes[0].param}: give them different params")
        return axes


class SurfaceSweepAxisValues(Response):
    param: str
    values: list[float]


class SurfaceSweepResponse(Response):
    """One entry per cell: with two axes `[j][i]` belongs to axes[1].values[j] and axes[0].values[i] (Plotly's
    heatmap convention); with one axis the arrays are flat."""

    axes: list[SurfaceSweepAxisValues] = Field(description="each axis's values, resolved")
    status: list[Status] | list[list[Status]] = Field(description="as /api/run's status of that cell's run")
    steps_taken: list[int] | list[list[int]]
    final_loss: list[float] | list[list[float]] = Field(description="J at the cell's last good point")
    final_x: list[float] | list[list[float]] = Field(description="the last good point's x")
    final_y: list[float] | list[list[float]] = Field(description="the last good point's y")
    minimum: list[int] | list[list[int]] = Field(
        description="index into the surface's `minima` of the one within 1e-3 of the final point, else −1"
    )
    surface: SurfaceInfo = Field(description="the resolved surface, as /api/run's: `minimum` indexes its `minima`")
    elapsed_ms: float = Field(description="the engine's compute time")
