"""GET /api/surfaces, /api/optimizers, /api/schedules: what the engine offers."""

from __future__ import annotations

from fastapi import APIRouter

from ...engine.optimizers import OPTIMIZERS
from ...engine.schedules import SCHEDULES
from ...engine.surfaces import SURFACES, resolve_builtin
from ..convert import surface_info
from ..models.catalog import OptimizerInfo, ScheduleInfo, param_info
from ..models.surfaces import SurfaceInfo

router = APIRouter(prefix="/api", tags=["catalog"])


@router.get("/surfaces", response_model=list[SurfaceInfo], summary="Built-in loss surfaces")
def list_surfaces() -> list[dict]:
    """Every built-in surface with its formula, default parameters, domain, start and known stationary points."""
    return [surface_info(resolve_builtin(name)) for name in SURFACES]


@router.get("/optimizers", response_model=list[OptimizerInfo], summary="Optimizers and their hyperparameters")
def list_optimizers() -> list[OptimizerInfo]:
    """Names, hyperparameters and defaults are torch.optim's where torch has the optimizer."""
    return [
        OptimizerInfo(
            name=d.name,
            title=d.title,
            params=[param_info(p) for p in d.params],
            update=d.update,
            reference=d.reference,
            torch=d.in_torch,
            needs_hessian=d.needs_hessian,
        )
        for d in OPTIMIZERS.values()
    ]


@router.get("/schedules", response_model=list[ScheduleInfo], summary="Learning-rate schedules")
def list_schedules() -> list[ScheduleInfo]:
    """Parameters with a null default are derived from the run's `steps` (see their description)."""
    return [
        ScheduleInfo(name=d.name, title=d.title, params=[param_info(p) for p in d.params], formula=d.formula)
        for d in SCHEDULES.values()
    ]
