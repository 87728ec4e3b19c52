"""GET /livez, /readyz and /api/version: what a load balancer or a lecturer's script asks."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ... import __version__
from ..gate import Busy, gate
from ..models.base import Refusal

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Version(BaseModel):
    version: str


@router.get("/livez", response_model=Health, summary="The process answers")
def livez() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="It can take work now",
    responses={503: {"model": Refusal, "description": "the queue of heavy computations is full (with Retry-After)"}},
)
def readyz() -> Health:
    """200 while a heavy request would be admitted; 503 with `Retry-After` while the admission queue is full."""
    if not gate.ready:
        raise Busy("the queue of heavy computations is full", gate.wait)
    return Health(status="ready")


@router.get("/api/version", response_model=Version, summary="gdviz's version")
def version() -> Version:
    return Version(version=__version__)
