"""Request models generated from the engine's registries, and the catalog's response models.

The registries are the source of truth: each optimizer's params model and each
schedule model below is built from them, so /docs lists exactly what the engine takes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, create_model

from ...engine.optimizers import OPTIMIZERS
from ...engine.params import Param
from ...engine.schedules import SCHEDULES
from .base import Request, Response


def _bounds(p: Param) -> dict[str, float]:
    bounds: dict[str, float] = {}
    if p.min is not None:
        bounds["gt" if p.min_open else "ge"] = p.min
    if p.max is not None:
        bounds["lt" if p.max_open else "le"] = p.max
    return bounds


def _field(p: Param) -> tuple[Any, Any]:
    """The pydantic type and Field of one hyperparameter."""
    if p.type == "bool":
        return bool, Field(default=p.default, description=p.description)
    if p.type == "betas":
        beta = Annotated[float, Field(allow_inf_nan=False, **_bounds(p))]
        return tuple[beta, beta], Field(default=p.default, description=p.description)
    kind = int if p.type == "int" else float
    if p.default is None:
        kind = kind | None  # type: ignore[assignment]
    return kind, Field(default=p.default, description=p.description, **_bounds(p))


def _model(model_name: str, params: tuple[Param, ...], **extra: Any) -> type[Request]:
    fields = {p.name: _field(p) for p in params}
    return create_model(model_name, __base__=Request, **extra, **fields)


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
    formula: str


def param_info(p: Param) -> ParamInfo:
    return ParamInfo(
        name=p.name,
        type=p.type,
        default=list(p.default) if isinstance(p.default, tuple) else p.default,
        min=p.min,
        max=p.max,
        log=p.log,
        min_exclusive=p.min_open,
        max_exclusive=p.max_open,
        range=p.ui,
        description=p.description,
    )
