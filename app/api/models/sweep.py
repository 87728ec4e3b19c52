"""Models of POST /api/train/sweep: trainability maps (README, "Trainability maps")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, Strict, field_validator
from pydantic.json_schema import SkipJsonSchema

from ...settings import settings
from .base import Request, Response, integer
from .runs import Status
from .train import TrainRequest

MAX_CELLS = settings.max_sweep_cells
MAX_CELL_STEPS = settings.max_sweep_cell_steps
MAX_CELL_WEIGHTS = settings.max_sweep_weights
# Learning rates and per-layer factors both lie in (0, 1000], as the training request has them.
Rate = Annotated[float, Field(gt=0, le=1e3)]
NOT_IN_A_SWEEP = (
    "boundary",
    "landscape",
    "sharpness",
    "optimizers",
    "include_weights",
    "record_weights",
    "histograms",
)


class SweepAxis(Request):
    """One axis of the map: `values`, or `range` + `n` (numpy.linspace, or numpy.geomspace with `log`)."""

    param: str = Field(
        pattern=r"^(lr|lr_scale\[[0-9]\])$",
        description="`lr` (the optimizer's learning rate) or `lr_scale[l]` (layer l's factor, l = 0 … number of "
        "hidden layers: the hidden layers, then the output layer)",
    )
    range: Annotated[tuple[Rate, Rate], Strict(False)] | None = Field(default=None, description="[lo, hi]")
    n: integer(ge=1, le=MAX_CELLS) | None = Field(default=None, description="values in the range")
    log: bool = Field(default=False, description="geometric spacing (numpy.geomspace) instead of linear")
    values: list[Rate] | None = Field(  # type: ignore[valid-type]
        default=None, min_length=1, max_length=MAX_CELLS, description="the values themselves, in place of a range"
    )

    @property
    def size(self) -> int:
        return len(self.values) if self.values is not None else self.n or 0


_EXAMPLE = {
    "dataset": {"name": "moons", "n": 200, "noise": 0.1, "seed": 0},
    "model": {"hidden": [8], "activation": "tanh", "init": "xavier", "seed": 0},
    "optimizer": {"name": "sgd", "params": {"lr": 1.0}},
    "steps": 200,
    "axes": [
        {"param": "lr_scale[0]", "range": [0.01, 100], "n": 64, "log": True},
        {"param": "lr_scale[1]", "range": [0.01, 100], "n": 64, "log": True},
    ],
}


class SweepRequest(TrainRequest):
    """A training request and one or two `axes` over its learning rate (`lr`) and per-layer factors
    (`lr_scale[l]`): every cell of the map is the training /api/train runs with that cell's values in place of
    the request's, all trained as one batch. `boundary`, `landscape`, `sharpness`, `optimizers`,
    `include_weights`, `record_weights` and `histograms` are not part of a sweep (a 422 names them). At most
    16 384 cells and cells × steps ≤ 4·10⁶, cells × the network's weights ≤ 6·10⁶, within the compute budget."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    boundary: SkipJsonSchema[None] = None
    landscape: SkipJsonSchema[None] = None
    sharpness: SkipJsonSchema[None] = None
    optimizers: SkipJsonSchema[None] = None
    include_weights: SkipJsonSchema[None] = None
    record_weights: SkipJsonSchema[None] = None
    histograms: SkipJsonSchema[None] = None
    axes: list[SweepAxis] = Field(
        min_length=1,
        max_length=2,
        description="one or two axes on different params; with two, cell [j][i] has axes[1].values[j] and "
        "axes[0].values[i]",
    )

    @field_validator(*NOT_IN_A_SWEEP, mode="before")
    @classmethod
    def not_in_a_sweep(cls, value: Any) -> Any:
        raise ValueError("is not part of a sweep: a map answers each cell's status, steps and final loss")

    @field_validator("axes")
    @classmethod
    def different_params(cls, axes: list[SweepAxis]) -> list[SweepAxis]:
        # Checked here rather than on the axis, whose fields are then each valid alone.
        for i, a in enumerate(axes):
            if (a.values is None) == (a.range is None) or (a.range is None) != (a.n is None):
                raise ValueError(f"axes[{i}] needs `values`, or `range` with `n` (not both)")
        if len(axes) == 2 and axes[0].param == axes[1].param:
            raise ValueError(f"the two axes are both on {axes[0].param}: give them different params")
        return axes


class SweepAxisValues(Response):
    param: str
    values: list[float]


class SweepResponse(Response):
    """One entry per cell: with two axes `[j][i]` belongs to axes[1].values[j] and axes[0].values[i]
    (Plotly's heatmap convention); with one axis the arrays are flat."""

    axes: list[SweepAxisValues] = Field(description="each axis's values, resolved")
    status: list[Status] | list[list[Status]] = Field(
        description="diverged (a weight beyond ±1e8, or a weight, gradient or record not finite) or max_steps"
    )
    final_loss: list[float | None] | list[list[float | None]] = Field(
        description="the training data's loss (no penalty, no dropout) at each cell's last good record, as "
        "/api/train's last `loss`"
    )
    steps_taken: list[int] | list[list[int]] = Field(description="the step of that record, as /api/train's")
    elapsed_ms: float = Field(description="the computation's wall time")
