"""Shared base classes of the API models."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Request(BaseModel):
    """Requests refuse unknown keys and non-finite numbers (422 naming the field)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Response(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)


Finite = Annotated[float, Field(allow_inf_nan=False)]
Range = tuple[Finite, Finite]
