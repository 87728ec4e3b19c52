"""Shared base classes and strict field types of the API models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

# More unknown keys than this in one object are refused as one error.
MANY_UNKNOWN_KEYS = 20


class Request(BaseModel):
    """Requests refuse unknown keys and non-finite numbers (422 naming the field).

    Every field is strict (`strict=True`), so pydantic converts nothing: no bool or
    string becomes a number, no number a bool or a string; an int is taken where a float
    is wanted. Pairs (a lax tuple of strict items) and integers (`integer`) relax it in one stated way each."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _few_unknown_keys(cls, data: Any) -> Any:
        """Many unknown keys are one error, not one each: pydantic takes microseconds per error,
        on the event loop, and a 1 MiB body holds 100 000 keys."""
        if isinstance(data, dict) and len(data) > len(cls.model_fields) + MANY_UNKNOWN_KEYS:
            unknown = [key for key in data if key not in cls.model_fields]
            if len(unknown) > MANY_UNKNOWN_KEYS:
                shown = ", ".join(str(key)[:32] for key in unknown[:3])
                raise PydanticCustomError(
                    "extra_forbidden",
                    "has {count} unknown keys ({shown}, …)",
                    {"count": len(unknown), "shown": shown},
                )
        return data


class Response(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)


def _whole(value: Any) -> Any:
    """2.0 → 2, so that a float with no fraction passes the strict int check; anything else
    (1.5, true, "2") is left for that check to refuse."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def integer(**bounds: float) -> Any:
    """The type of every integer field of a request: a strict int within `bounds` (ge, le, …) that
    also takes 2.0 for 2. The bounds sit inside, before the validator: put after it (a Field on an
    optional or list item), they would reach the schema as `ge`/`le` instead of minimum/maximum."""
    return Annotated[int, Field(**bounds), BeforeValidator(_whole)]


Seed = integer(ge=0, le=2**32 - 1)  # 32 bits: what people type, and what every seeding API takes

Finite = Annotated[float, Field(allow_inf_nan=False)]


class Cost(Response):
    estimate: float = Field(description="seconds of one core, or bytes of JSON, the request would need")
    limit: float = Field(description="the budget it is over")


class RefusalEntry(Response):
    loc: list[str | int] = Field(description='where: ["body", field, …], or ["path"], ["method"], ["request"]')
    msg: str = Field(description="the field path, a colon, and what is wrong")
    type: str = Field(description="a machine-readable kind, e.g. missing, too_much_work, busy, body_too_large")
    ctx: Cost | None = Field(default=None, description="with too_much_work only")


class Refusal(Response):
    """Every answer other than a 2xx: validation, cost, size, time and load refusals alike."""

    detail: list[RefusalEntry]
