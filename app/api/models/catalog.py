"""Request models generated from the engine's registries, and the catalog's response models.

The registries are the source of truth: each optimizer's params model and each
schedule model below is built from them, so /docs lists exactly what the engine takes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, Strict, create_model, model_validator

from ...engine.optimizers import OPTIMIZERS
from ...engine.params import Param
from ...engine.schedules import SCHEDULES
from ...settings import settings
from .base import Request, Response, integer


def _max(p: Param) -> float | None:
    """The upper bound the API enforces. Integer hyperparameters are lengths in steps (a
    schedule's period or warm-up): none needs to exceed the longest run, and a bound keeps
    every integer one the JSON encoder can write back."""
    if p.max is None and p.type == "int":
        return settings.max_steps
    return p.max


def _bounds(p: Param) -> dict[str, float]:
    bounds: dict[str, float] = {}
    if p.min is not None:
        bounds["gt" if p.min_open else "ge"] = p.min
    if (upper := _max(p)) is not None:
        bounds["lt" if p.max_open else "le"] = upper
    return bounds


def _field(p: Param) -> tuple[Any, Any]:
    """The pydantic type and Field of one hyperparameter (strict, as every request field)."""
    if p.type == "bool":
        return bool, Field(default=p.default, description=p.description)
    if p.type == "betas":
        beta = Annotated[float, Field(allow_inf_nan=False, **_bounds(p))]
        # a lax pair of strict items: see Point in surfaces.py
        return Annotated[tuple[beta, beta], Strict(False)], Field(default=p.default, description=p.description)
    if p.type == "int":
        kind = integer(**_bounds(p))
        return (kind | None if p.default is None else kind), Field(default=p.default, description=p.description)
    kind = float if p.default is not None else float | None  # type: ignore[assignment]
    return kind, Field(default=p.default, description=p.description, **_bounds(p))


class _Params(Request):
    """Hyperparameters: null for one whose default is null is the same as leaving it out. Those are
    derived from the run (a schedule's step_size is steps // 4, its gamma 0.1): an explicit null must
    not reach the engine in place of the derived value."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_derived(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        derived = {name for name, field in cls.model_fields.items() if field.default is None}
        return {key: value for key, value in data.items() if value is not None or key not in derived}


def _model(model_name: str, params: tuple[Param, ...], **extra: Any) -> type[Request]:
    fields = {p.name: _field(p) for p in params}
    return create_model(model_name, __base__=_Params, **extra, **fields)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


OPTIMIZER_PARAMS = {name: _model(f"{_camel(name)}Params", d.params) for name, d in OPTIMIZERS.items()}

_optimizer_models = [
    create_model(
        f"{_camel(name)}Optimizer",
        __base__=Request,
        __doc__=f"{d.title}: {d.update}",
        name=(Literal[name], ...),
        params=(params, Field(default_factory=params)),
        label=(str | None, Field(default=None, max_length=80, description="legend label")),
    )
    for (name, d), params in zip(OPTIMIZERS.items(), OPTIMIZER_PARAMS.values(), strict=True)
]
# A union built from a registry has to be spelled with Union[...] over a tuple.
OptimizerConfig = Annotated[Union[tuple(_optimizer_models)], Field(discriminator="name")]  # noqa: UP007

_schedule_models = [
    _model(f"{_camel(name)}Schedule", d.params, __doc__=f"{d.title}: {d.formula}", name=(Literal[name], ...))
    for name, d in SCHEDULES.items()
]
ScheduleConfig = Annotated[Union[tuple(_schedule_models)], Field(discriminator="name")]  # noqa: UP007


class ParamInfo(Response):
    name: str
    type: str = Field(description="float, int, bool or betas ([β₁, β₂])")
    default: Any = Field(description="null when derived from the run (e.g. steps // 4)")
    min: float | None
    max: float | None
    log: bool = Field(description="a log-scaled slider suits it")
    min_exclusive: bool
    max_exclusive: bool
    range: tuple[float, float] | None = Field(description="a slider range that suits the visualizer")
    description: str


class OptimizerInfo(Response):
    name: str
    title: str
    params: list[ParamInfo]
    update: str = Field(description="the update rule as text")
    reference: str
    torch: bool = Field(description="torch.optim has it (iterates match it in float64)")
    needs_hessian: bool


class ScheduleInfo(Response):
    name: str
    title: str
    params: list[ParamInfo]
    formula: str = Field(description="lr at step k: a formula, or words where a formula would not help")


class DatasetInfo(Response):
    name: str
    task: Literal["classification", "regression"]
    title: str
    description: str


def param_info(p: Param, description: str | None = None) -> ParamInfo:
    """The catalog's view of a hyperparameter; `description` replaces the engine's English one."""
    return ParamInfo(
        name=p.name,
        type=p.type,
        default=list(p.default) if isinstance(p.default, tuple) else p.default,
        min=p.min,
        max=_max(p),
        log=p.log,
        min_exclusive=p.min_open,
        max_exclusive=p.max_open,
        range=p.ui,
        description=p.description if description is None else description,
    )
