"""JSON encoding: orjson writes numpy arrays natively and NaN as null."""

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


def with_nulls(array: np.ndarray) -> list:
    """A float array as nested lists with null where a value is not finite (NaN is not JSON)."""
    return (
        [with_nulls(row) for row in array]
        if array.ndim > 1
        else [v if v == v and abs(v) != float("inf") else None for v in array.tolist()]
    )
