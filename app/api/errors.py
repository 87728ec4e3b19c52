"""422 answers that name the field, for pydantic and engine refusals alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..engine.errors import InvalidInput
from ..engine.optimizers import OPTIMIZERS
from ..engine.schedules import SCHEDULES

# Discriminated unions put their tag into `loc`; a reader wants the field path without it.
_TAGS = {*OPTIMIZERS, *SCHEDULES, "builtin", "custom"}


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    path = ""
    parts = list(loc[1:]) if loc and loc[0] == "body" else list(loc)
    for i, part in enumerate(parts):
        if isinstance(part, int):
            path += f"[{part}]"
        elif (
            part in _TAGS
            and i > 0
            and (isinstance(parts[i - 1], int) or parts[i - 1] in ("schedule", "surface", "optimizer"))
        ):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _clean(error: dict[str, Any]) -> dict[str, Any]:
    path = field_path(error.get("loc", ()))
    return {
        "loc": list(error.get("loc", ())),
        "msg": f"{path}: {error.get('msg', 'invalid')}",
        "type": error.get("type"),
    }


async def validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [_clean(e) for e in exc.errors()]})


def invalid_detail(error: InvalidInput) -> dict[str, Any]:
    loc: list[str | int] = ["body"]
    for part in error.field.replace("]", "").split("."):
        name, _, index = part.partition("[")
        loc.append(name)
        if index:
            loc.append(int(index))
    return {"loc": loc, "msg": f"{error.field}: {error.message}", "type": "value_error"}


@contextmanager
def engine_errors() -> Iterator[None]:
    """Turn the engine's InvalidInput into the same 422 shape as a validation error."""
    try:
        yield
    except InvalidInput as error:
        raise HTTPException(status_code=422, detail=[invalid_detail(error)]) from None
