"""Models of POST /api/run and /api/run/stream."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union, get_args

from pydantic import ConfigDict, Field, create_model, model_validator

from ...engine.outcome import OUTCOMES
from ...settings import settings
from .base import Request, Response, Seed, integer
from .catalog import OptimizerConfig, ScheduleConfig
from .surfaces import Start, SurfaceInfo, SurfaceRef


class ClipConfig(Request):
    """Gradient clipping: `max_norm` is torch's clip_grad_norm_, `value` its clip_grad_value_ (one of them)."""

    max_norm: float | None = Field(default=None, gt=0)
    value: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def exactly_one(self) -> ClipConfig:
        if (self.max_norm is None) == (self.value is None):
            raise ValueError("give exactly one of max_norm and value")
        return self


class NoiseConfig(Request):
    """Gaussian noise std·z[k] added to every gradient; z = default_rng(seed).standard_normal((steps, 2))."""

    std: float = Field(default=0.0, ge=0)
    seed: Seed = 0


class RegularizationConfig(Request):
    """J = f + l1·Σ|θᵢ| + (l2/2)·Σθᵢ²."""

    l1: float = Field(default=0.0, ge=0)
    l2: float = Field(default=0.0, ge=0)


class BatchConfig(Request):
    """Mini-batches on a data-defined surface (kind "data"): update k follows the gradient of batch k's
    objective. Without replacement, epoch after epoch a permutation of the n points cut into slices of
    `size` (the last may be shorter); with replacement, `size` points drawn anew for every update. The
    batches come from `numpy.random.default_rng(seed)`, so every run asking the same sees the same ones."""

    size: integer(ge=1, le=settings.max_points) = Field(description="points per batch, at most the surface's n")
    seed: Seed = 0
    replace: bool = False


class RunBatchConfig(Request):
    """This run's mini-batches; the seed stays the request's `batch.seed` (default 0)."""

    size: integer(ge=1, le=settings.max_points) = Field(description="points per batch, at most the surface's n")
    replace: bool = False


class RunNoiseConfig(Request):
    """This run's noise std; the sequence z stays the request's (its `noise.seed`), so runs differ by std alone."""

    std: float = Field(default=0.0, ge=0)


PER_RUN_DOC = "; an explicit null turns it off for this run, leaving it out keeps the request's"


class PerRunSettings(Request):
    """Settings of one optimizer entry that replace the request's for that run."""

    schedule: ScheduleConfig | None = Field(default=None, description="this run's learning-rate schedule" + PER_RUN_DOC)
    clip: ClipConfig | None = Field(default=None, description="this run's gradient clipping" + PER_RUN_DOC)
    noise: RunNoiseConfig | None = Field(default=None, description="this run's noise std" + PER_RUN_DOC)
    regularization: RegularizationConfig | None = Field(
        default=None, description="this run's L1/L2 penalty" + PER_RUN_DOC
    )
    batch: RunBatchConfig | None = Field(
        default=None, description="this run's mini-batches (data-defined surfaces); null: the full data" + PER_RUN_DOC
    )

    def overrides(self) -> dict[str, Any]:
        """The settings this entry names (None where it turns one off), as the engine takes them."""
        out: dict[str, Any] = {}
        for key in ("schedule", "clip", "noise", "regularization", "batch"):
            if key not in self.model_fields_set:
                continue
            value = getattr(self, key)
            if value is None:
                out[key] = None
            elif key == "schedule":
                out[key] = (value.name, value.model_dump(exclude_unset=True, exclude={"name"}))
            else:
                out[key] = value.model_dump(exclude_none=True)
        return out


# Each optimizer entry of the catalog, with the per-run settings beside its name, params and label.
_run_optimizer_models = [
    create_model(f"Run{model.__name__}", __base__=(model, PerRunSettings), __doc__=model.__doc__)
    for model in get_args(get_args(OptimizerConfig)[0])
]
RunOptimizerConfig = Annotated[Union[tuple(_run_optimizer_models)], Field(discriminator="name")]  # noqa: UP007


_EXAMPLE = {
    "surface": {"name": "rosenbrock"},
    "start": [-1.5, 2.0],
    "steps": 500,
    "optimizers": [
        {"name": "sgd", "params": {"lr": 1e-3, "momentum": 0.9}, "label": "SGD + momentum"},
        {"name": "adam", "params": {"lr": 0.05}, "label": "Adam"},
    ],
    "schedule": {"name": "cosine", "T_max": 500, "eta_min": 0.0},
    "clip": {"max_norm": 10.0},
}


class RunRequest(Request):
    """Optimizers run from one start on one surface. Typed strictly: `true` and `"0.1"` are not numbers,
    a number is not a boolean or a string; integers take 2 or 2.0 (no fraction, as JSON Schema's
    `integer` means) and refuse 1.5; number fields take integers too."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    surface: SurfaceRef
    start: Start | None = Field(
        default=None,
        description="θ₀ = [x, y]; default: the surface's start. On a curve in x alone (the surface's `dims` is 1) "
        "[x] alone is accepted and y is then 0; on any other surface [x] is refused (422 naming `start`)",
    )
    steps: integer(ge=1, le=settings.max_steps) = 500
    tol: float = Field(default=0.0, ge=0, description="stop 'converged' when ‖∇J‖ ≤ tol (before updating)")
    every: integer(ge=1, le=settings.max_steps) = Field(default=1, description="keep every k-th point (and the last)")
    optimizers: list[RunOptimizerConfig] = Field(  # type: ignore[valid-type]
        min_length=1,
        max_length=settings.max_optimizers,
        description="each may carry its own schedule, clip, noise (std), regularization and batch in place of the "
        "request's",
    )
    schedule: ScheduleConfig | None = Field(default=None, description="learning-rate schedule (default constant)")
    clip: ClipConfig | None = None
    noise: NoiseConfig | None = None
    regularization: RegularizationConfig | None = None
    batch: BatchConfig | None = Field(
        default=None,
        description="mini-batches, on a data-defined surface only (a 422 elsewhere, or for a size above its n); "
        "default: every update uses all the data",
    )
    include_batches: bool = Field(
        default=False,
        description="with mini-batches, give each run `batches`: the data indices of the batch of each update",
    )
    include_state: bool = Field(
        default=False,
        description="give each run `state`: the optimizer's state after each update, in torch.optim's names, "
        'with `grad`, `step` and `effective_lr` (README, "Inside the optimizer")',
    )


Status = Literal["converged", "diverged", "max_steps"]
Outcome = Literal[OUTCOMES]  # type: ignore[valid-type]

STATUS_DOC = (
    "why the run stopped: 'converged' (‖∇J‖ ≤ tol before an update), 'diverged' (an update left the finite "
    "world or some |θᵢ| > 1e8; the arrays end at the last good point) or 'max_steps'"
)
OUTCOME_DOC = (
    "where that left the run, judged on the surface's own scale (the Hessian at the last point, the loss "
    "over the last quarter of the steps): 'minimum' (stopped at a minimum, or all but arrived at one), "
    "'saddle' (at a stationary point that is not a minimum: a saddle or a maximum), 'flat' (where the gradient "
    "vanishes and neither curvature nor nearby values tell), 'unbounded' (the loss ran off toward −∞), "
    "'diverging' (blowing up: stopped as diverged, or its loss still growing geometrically at the last step), "
    "'moving' (used all its steps, still on its way)"
)


STATE_DOC = (
    "with include_state: for each update k (as long as `lr`), [x, y] pairs of the optimizer's state after it, "
    "named as torch.optim names it (momentum_buffer, exp_avg, exp_avg_sq, max_exp_avg_sq, sum, square_avg, "
    "grad_avg, acc_delta, exp_inf, mu_product — whichever the optimizer keeps; Lion its exp_avg; Newton's "
    "methods none; NAdam's mu_product, one number, is given for both coordinates), plus `grad`: the gradient "
    "the optimizer received (after noise and clipping), `step`: θₖ₊₁ − θₖ, and `effective_lr`: −stepᵢ/gradᵢ "
    "per coordinate (null where gradᵢ = 0)"
)
StateColumns = dict[str, list[Annotated[list[float | None], Field(min_length=2, max_length=2)]]]


class RunTrace(Response):
    label: str
    optimizer: str
    params: dict[str, Any] = Field(description="every hyperparameter, defaults filled in")
    status: Status = Field(description=STATUS_DOC)
    outcome: Outcome = Field(description=OUTCOME_DOC)
    steps_taken: int
    x: list[float]
    y: list[float]
    loss: list[float] = Field(description="J(θₖ)")
    grad_norm: list[float] = Field(description="‖∇J(θₖ)‖ before noise and clipping")
    lr: list[float] = Field(description="learning rate of update k")
    step: list[int] | None = Field(default=None, description="step index of each point, when every > 1")
    schedule: dict[str, Any] = Field(description="the schedule this run used, its parameters resolved")
    clip: dict[str, float] | None = Field(description='{"max_norm"} or {"value"} this run used; null: none')
    noise: dict[str, Any] = Field(description='{"std", "seed"} this run used (std 0: none)')
    regularization: dict[str, float] = Field(description='{"l1", "l2"} this run used')
    batch: dict[str, Any] | None = Field(description='{"size", "seed", "replace"} this run used; null: the full data')
    batch_loss: list[float] | None = Field(
        default=None, description="on mini-batches: the objective on the batch of update k, at θₖ (as long as lr)"
    )
    batches: list[list[int]] | None = Field(
        default=None, description="with include_batches: the data indices of the batch of update k (as long as lr)"
    )
    state: StateColumns | None = Field(default=None, description=STATE_DOC)


class RunResponse(Response):
    surface: SurfaceInfo
    schedule: dict[str, Any] = Field(description="the schedule with its parameters resolved")
    runs: list[RunTrace]
    elapsed_ms: float = Field(description="the engine's compute time")


class StreamStart(Response):
    type: Literal["start"] = "start"
    runs: list[dict[str, Any]] = Field(
        description='[{"label", "optimizer", "params", "schedule", "clip", "noise", "regularization", "batch"}] per run'
    )
    surface: SurfaceInfo


class StreamChunk(Response):
    type: Literal["chunk"] = "chunk"
    run: int
    offset: int
    x: list[float]
    y: list[float]
    loss: list[float]
    grad_norm: list[float]
    lr: list[float]
    step: list[int] | None = None
    batch_loss: list[float] | None = Field(default=None, description="as `lr`: on mini-batches only")
    batches: list[list[int]] | None = Field(default=None, description="as `lr`: with include_batches only")
    state: StateColumns | None = Field(default=None, description="as `lr`: with include_state only")


class StreamEnd(Response):
    type: Literal["end"] = "end"
    run: int
    status: Status = Field(description=STATUS_DOC)
    outcome: Outcome = Field(description=OUTCOME_DOC)
    steps_taken: int
