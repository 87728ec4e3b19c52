"""JSON encoding: orjson writes numpy arrays natively, and NaN and ±Infinity as null (never invalid JSON)."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from fastapi.responses import JSONResponse

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def _fallback(value: Any) -> Any:
    if isinstance(value, np.ndarray):  # orjson takes only C-contiguous arrays directly
        return np.ascontiguousarray(value)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=_OPTIONS, default=_fallback)


class FastJSONResponse(JSONResponse):
    """Used for the large columnar answers: skips pydantic on the way out (the
    route's response_model still documents the shape in /docs)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
