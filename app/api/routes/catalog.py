"""GET /api/surfaces, /api/optimizers, /api/schedules: what the engine offers, in the reader's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...engine.optimizers import OPTIMIZERS
from ...engine.params import Param
from ...engine.schedules import SCHEDULES
from ...engine.surfaces import SURFACES, resolve_builtin
from ..convert import surface_info
from ..i18n import api_lang, entity
from ..models.catalog import OptimizerInfo, ParamInfo, ScheduleInfo, param_info
from ..models.surfaces import SurfaceInfo

router = APIRouter(prefix="/api", tags=["catalog"])

LangQuery = Annotated[
    str | None,
    Query(
        description="Language of titles, descriptions and update rules: `zh` (简体中文) or `en` "
        "(the default; any other value is en). Names, keys, parameter names and formulas never change.",
        examples=["zh"],
    ),
]


def translated_params(lang: str, kind: str, name: str, params: tuple[Param, ...]) -> list[ParamInfo]:
    """The hyperparameters of one optimizer or schedule, their descriptions in `lang`."""
    return [param_info(p, entity(lang, kind, name, f"params.{p.name}.description", p.description)) for p in params]


def translated_surface(lang: str, name: str) -> dict:
    info = surface_info(resolve_builtin(name))
    for field in ("title", "description"):
        info[field] = entity(lang, "surfaces", name, field, info[field])
    return info


# No nulls: a formula surface has no `data` key at all, as in a run's resolved surface.
@router.get(
    "/surfaces", response_model=list[SurfaceInfo], response_model_exclude_none=True, summary="Built-in loss surfaces"
)
def list_surfaces(lang: LangQuery = None) -> list[dict]:
    """Every built-in surface with its formula, default parameters, domain, start and known stationary points;
    a data surface (`kind` "data") with its data points at the default parameters."""
    lang = api_lang(lang)
    return [translated_surface(lang, name) for name in SURFACES]


@router.get("/optimizers", response_model=list[OptimizerInfo], summary="Optimizers and their hyperparameters")
def list_optimizers(lang: LangQuery = None) -> list[OptimizerInfo]:
    """Names, hyperparameters and defaults are torch.optim's where torch has the optimizer."""
    lang = api_lang(lang)
    return [
        OptimizerInfo(
            name=d.name,
            title=entity(lang, "optimizers", d.name, "title", d.title),
            params=translated_params(lang, "optimizers", d.name, d.params),
            update=entity(lang, "optimizers", d.name, "update", d.update),
            reference=d.reference,
            torch=d.in_torch,
            needs_hessian=d.needs_hessian,
        )
        for d in OPTIMIZERS.values()
    ]


@router.get("/schedules", response_model=list[ScheduleInfo], summary="Learning-rate schedules")
def list_schedules(lang: LangQuery = None) -> list[ScheduleInfo]:
    """Parameters with a null default are derived from the run's `steps` (see their description)."""
    lang = api_lang(lang)
    return [
        ScheduleInfo(
            name=d.name,
            title=entity(lang, "schedules", d.name, "title", d.title),
            params=translated_params(lang, "schedules", d.name, d.params),
            formula=entity(lang, "schedules", d.name, "formula", d.formula),
        )
        for d in SCHEDULES.values()
    ]
