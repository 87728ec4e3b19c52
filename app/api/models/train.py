"""Models of POST /api/train and /api/train/stream (tiny networks; README, "Tiny networks")."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union, get_args

from pydantic import ConfigDict, Field, ValidationInfo, create_model, field_validator, model_validator

from ...engine.nn.datasets import DATASETS
from ...engine.nn.layers import ACTIVATIONS
from ...settings import settings
from .base import Request, Response, Seed, integer
from .catalog import OptimizerConfig, ScheduleConfig
from .runs import ClipConfig, Status

DatasetName = Literal[tuple(DATASETS)]  # type: ignore[valid-type]
ActivationName = Literal[tuple(ACTIVATIONS)]  # type: ignore[valid-type]
Units = integer(ge=1, le=settings.max_units)
LrFactor = Annotated[float, Field(gt=0, le=1e3)]
InitName = Literal["xavier", "he", "normal"]


class DatasetConfig(Request):
    name: DatasetName = "moons"  # type: ignore[valid-type]
    n: integer(ge=4, le=settings.max_points) = 200
    noise: float = Field(default=0.1, ge=0, le=5)
    seed: Seed = 0


class ModelConfig(Request):
    hidden: list[Units] = Field(
        default=[8, 8], max_length=settings.max_layers, description="units per hidden layer: up to 8 layers of up to 64"
    )
    activation: ActivationName = "tanh"  # type: ignore[valid-type]
    init: InitName = "xavier"
    init_scale: float = Field(default=1.0, gt=0, le=100, description="standard deviation of the `normal` init")
    seed: Seed = 0

    def start_key(self) -> tuple[str, str, float | None]:
        """What fixes the loss function and the initial weights beside the sizes and the seed (which a race
        shares): the activation, the init and, for `normal` alone, its scale (the others do not read it)."""
        return self.activation, self.init, self.init_scale if self.init == "normal" else None


INHERITED = "; missing or null: the request's `model.{}`"


class RunModelConfig(Request):
    """The model fields one run of a race may change; its hidden sizes and seed stay the request's, so every run
    has the same weights to train (drawn by its own init from the same seed)."""

    activation: ActivationName | None = Field(  # type: ignore[valid-type]
        default=None, description="this run's activation" + INHERITED.format("activation")
    )
    init: InitName | None = Field(default=None, description="this run's init" + INHERITED.format("init"))
    init_scale: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="this run's standard deviation of the `normal` init" + INHERITED.format("init_scale"),
    )


class _RunModel(Request):
    model: RunModelConfig | None = Field(
        default=None,
        description="this run's activation, init and init_scale in place of the request's `model` ones (a race "
        "of initialisations or activations); the hidden sizes and the seed stay the request's. Runs that differ "
        "in activation or initial weights get no shared landscape (null)",
    )


# Each optimizer entry of the catalog, with the run's own model fields beside its name, params and label.
_race_optimizer_models = [
    create_model(f"Race{model.__name__}", __base__=(model, _RunModel), __doc__=model.__doc__)
    for model in get_args(get_args(OptimizerConfig)[0])
]
RaceOptimizerConfig = Annotated[Union[tuple(_race_optimizer_models)], Field(discriminator="name")]  # noqa: UP007


class BoundaryConfig(Request):
    n: integer(ge=2, le=200) = Field(default=50, description="grid points per axis")


class LandscapeConfig(Request):
    n: integer(ge=3, le=settings.max_landscape_n) = 21
    span: float = Field(default=1.0, gt=0, le=100, description="pca: × the path's extent; random: ± in direction units")
    method: Literal["pca", "random"] = "pca"


class _BothGiven:
    """`optimizers` when `optimizer` came too: its field refuses it, so the 422 names `optimizers`."""

    def __init__(self, value: Any) -> None:
        self.value = value


_EXAMPLE = {
    "dataset": {"name": "spiral", "n": 200, "noise": 0.05, "seed": 0},
    "model": {"hidden": [8, 8], "activation": "tanh", "init": "xavier", "seed": 0},
    "optimizer": {"name": "adam", "params": {"lr": 0.03}},
    "steps": 1000,
    "record_every": 20,
}


class TrainRequest(Request):
    """A tiny network trained on a 2D data set. Typed strictly: `true` and `"0.1"` are not numbers, a number
    is not a boolean or a string; integers take 2 or 2.0 (no fraction, as JSON Schema's `integer` means)
    and refuse 1.5; number fields take integers too."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    dataset: DatasetConfig = Field(default_factory=DatasetConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    optimizer: OptimizerConfig = Field(default={"name": "adam", "params": {"lr": 0.01}}, validate_default=True)
    optimizers: list[RaceOptimizerConfig] | None = Field(  # type: ignore[valid-type]
        default=None,
        min_length=1,
        max_length=settings.max_race_runs,
        description="a race, in place of `optimizer` (not both): one run per optimizer, all from the same initial "
        "weights on the same batches and dropout masks; the answer holds `runs` and one shared landscape. An "
        "entry's `model` (activation, init, init_scale) replaces the request's for that run alone: the run then "
        "starts from its own initial weights, drawn by its init from `model.seed` as a single training would, "
        "on the same batches and masks; when runs differ in activation or initial weights the landscape is null",
    )
    steps: integer(ge=1, le=settings.max_train_steps) = 500
    batch_size: integer(ge=1, le=settings.max_points) | None = Field(default=None, description="null: full batch")
    l2: float = Field(default=0.0, ge=0, description="(l2/2)·Σ‖W‖² over weight matrices")
    dropout: float = Field(default=0.0, ge=0, lt=1, description="inverted dropout on hidden units, training only")
    test_fraction: float = Field(
        default=0.0,
        ge=0,
        le=0.5,
        description="held out of training: the first round(f·n) indices of "
        "numpy.random.default_rng(dataset.seed).permutation(n), drawn after the dataset is made",
    )
    clip: ClipConfig | None = None
    schedule: ScheduleConfig | None = None
    lr_scale: list[LrFactor] | None = Field(  # type: ignore[valid-type]
        default=None,
        max_length=settings.max_layers + 1,
        description="per-layer learning rates: one factor per layer, the hidden layers then the output layer "
        "(as many as `model.hidden` has layers, plus one), each in (0, 1000]; layer l's learning rate at step k is "
        "lr_scale[l] × the schedule's lr(k), as torch's param groups give it (AdamW's decoupled decay uses the "
        "scaled rate too); every run of a race uses them. null: all 1",
    )
    record_every: integer(ge=1, le=settings.max_train_steps) = Field(
        default=10, description="record every k-th step (and the last)"
    )
    boundary: BoundaryConfig | None = Field(default_factory=BoundaryConfig)
    landscape: LandscapeConfig | None = Field(default_factory=LandscapeConfig)
    include_weights: bool = Field(
        default=False, description="the end of each run adds `weights`: {initial, final}, per layer {W, b}"
    )
    record_weights: bool = Field(
        default=False,
        description="each record adds `weights`: per layer {W (fan_in × fan_out), b}, the weights at that step "
        "(what a network diagram draws as the training plays); in /api/train the column `record_weights`. "
        "Its numbers count in the budget: ask for fewer records (record_every) on a large network",
    )
    sharpness: bool = Field(
        default=False,
        description="each record adds `sharpness`: the largest (algebraic) eigenvalue of the Hessian of the "
        "training objective (full-batch data loss + l2 penalty, no dropout) with respect to every weight and bias, "
        "to 1e-6 relative (exact Hessian-vector products and Lanczos); and `preconditioned_sharpness`: for adam and "
        "adamw without amsgrad the largest eigenvalue of P⁻¹H, P = (1 − β₁ᵗ)·diag(√v̂ₜ + ε) from the optimizer's "
        "state after the t updates made so far (null at t = 0 and for other optimizers). Each eigenvalue costs a "
        "record about 6 to 20 Hessian-vector products (each about two gradients), counted in the budget",
    )
    histograms: bool = Field(
        default=False,
        description="each record adds `activations`: per hidden layer {edges, counts}, a histogram of the layer's "
        "activations f(z) over the training points (no dropout), on edges fixed per activation: tanh 20 bins on "
        "[-1, 1], sigmoid 20 on [0, 1], relu 20 on [0, 4], leaky_relu 21 on [-0.2, 4], linear 20 on [-4, 4]; "
        "values beyond the edges count in the outermost bin",
    )

    def run_models(self) -> list[ModelConfig]:
        """The model each run trains: the request's, with an optimizer entry's `model` fields in place."""
        entries = self.optimizers if self.optimizers is not None else [self.optimizer]
        return [self.model.model_copy(update=_given(getattr(entry, "model", None))) for entry in entries]

    def one_start(self) -> bool:
        """Whether every run trains the same function from the same initial weights: then one plane through
        the loss holds every path (the shared landscape)."""
        return len({model.start_key() for model in self.run_models()}) == 1

    @model_validator(mode="before")
    @classmethod
    def _mark_both(cls, data: Any) -> Any:
        if isinstance(data, dict) and "optimizer" in data and "optimizers" in data:
            return {**data, "optimizers": _BothGiven(data["optimizers"])}
        return data

    @field_validator("optimizers", mode="before")
    @classmethod
    def not_both(cls, value: Any) -> Any:
        if isinstance(value, _BothGiven):
            raise ValueError("give either `optimizer` (one training) or `optimizers` (a race), not both")
        return value

    @field_validator("lr_scale")
    @classmethod
    def one_factor_per_layer(cls, value: list[float] | None, info: ValidationInfo) -> list[float] | None:
        model = info.data.get("model")
        if value is not None and model is not None and len(value) != len(model.hidden) + 1:
            raise ValueError(
                f"needs {len(model.hidden) + 1} factors (one per hidden layer of model.hidden, then the output "
                f"layer), got {len(value)}"
            )
        return value

    @field_validator("record_every")
    @classmethod
    def bounded_records(cls, value: int, info: ValidationInfo) -> int:
        steps = info.data.get("steps", 0)
        if steps // value + 1 > settings.max_records:
            raise ValueError(
                f"at most {settings.max_records} records: steps // record_every + 1 is {steps // value + 1}"
            )
        return value


def _given(fields: RunModelConfig | None) -> dict[str, Any]:
    return {} if fields is None else fields.model_dump(exclude_none=True)


class LayerWeights(Response):
    W: list[list[float]]
    b: list[float]


class ActivationHistogram(Response):
    edges: list[float] = Field(description="bin edges, fixed per activation")
    counts: list[int] = Field(description="activations in [eᵢ, eᵢ₊₁); the outer bins take what lies beyond")


class TrainResponse(Response):
    task: Literal["classification", "regression"]
    data: dict[str, Any] = Field(
        description='{"x": [[x1, x2], ...], "y": [...], "test": [indices held out, ascending]}: every point'
    )
    steps: list[int] = Field(
        description="the recorded steps: 0, r, 2r, … and `steps`; a diverged training's end with its last good step"
    )
    loss: list[float] = Field(description="loss on the training points (no penalty, no dropout) before update steps[i]")
    accuracy: list[float] | None
    test_loss: list[float] | None = Field(description="the same on the held-out points; null without test_fraction")
    test_accuracy: list[float] | None = Field(description="classification with test_fraction")
    grad_norm: list[list[float]] = Field(description="per layer, per record: ‖∂(loss + penalty)/∂W‖_F")
    weight_norm: list[list[float]]
    sharpness: list[float | None] | None = Field(
        default=None, description="with `sharpness`: λ_max of the objective's Hessian, per record"
    )
    preconditioned_sharpness: list[float | None] | None = Field(
        default=None, description="with `sharpness`: λ_max(P⁻¹H) of Adam and AdamW, per record (null at step 0)"
    )
    activations: list[list[ActivationHistogram]] | None = Field(
        default=None, description="with `histograms`: per record, per hidden layer"
    )
    record_weights: list[list[LayerWeights]] | None = Field(
        default=None, description="with `record_weights`: per record, per layer {W, b}"
    )
    boundary: dict[str, Any] | None = Field(description='{"x", "y", "frames": [{"step", "z"}]}')
    landscape: dict[str, Any] | None = Field(description='{"a", "b", "loss", "path": {"a", "b"}}')
    weights: dict[str, list[LayerWeights]] | None = Field(description='{"initial", "final"} when include_weights')
    status: Status = Field(
        description="diverged: a weight went beyond ±1e8 or a weight or gradient was not finite; else max_steps"
    )
    steps_taken: int = Field(description="updates made up to the last record: `steps`, or the last good step")


class RunModel(Response):
    activation: str
    init: str
    init_scale: float


class RaceRun(Response):
    """One optimizer of a race: the columns of a single training's answer, the optimizer and the model."""

    label: str = Field(
        description="the request's label, or the optimizer's title, followed by what sets the run's model apart "
        'when runs differ in it ("SGD · sigmoid, xavier"); numbered when repeated ("Adam (2)")'
    )
    optimizer: str
    params: dict[str, Any] = Field(description="every hyperparameter, defaults filled in")
    model: RunModel = Field(description="the activation, init and init_scale this run trained with")
    steps: list[int]
    loss: list[float]
    accuracy: list[float] | None
    test_loss: list[float] | None
    test_accuracy: list[float] | None
    grad_norm: list[list[float]]
    weight_norm: list[list[float]]
    sharpness: list[float | None] | None = None
    preconditioned_sharpness: list[float | None] | None = None
    activations: list[list[ActivationHistogram]] | None = None
    record_weights: list[list[LayerWeights]] | None = None
    boundary: dict[str, Any] | None = Field(description='{"x", "y", "frames": [{"step", "z"}]}')
    weights: dict[str, list[LayerWeights]] | None = Field(description='{"initial", "final"} when include_weights')
    status: Status
    steps_taken: int


class RaceResponse(Response):
    """The answer to a request with `optimizers`: each run as the single training with its optimizer and its
    model would answer it. The shared landscape is null when the runs differ in activation or initial weights."""

    task: Literal["classification", "regression"]
    data: dict[str, Any] = Field(description='{"x", "y", "test"} as for one training')
    runs: list[RaceRun]
    landscape: dict[str, Any] | None = Field(
        description='{"a", "b", "loss", "paths": [{"a", "b"} per run]}: one plane for every run (README, "Races"). '
        "null without `landscape`, and when the runs differ in activation, or in init (or the `normal` init's "
        "scale): each run then has its own loss function or its own start, which no one plane through one loss "
        "shows"
    )
