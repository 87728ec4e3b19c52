"""Every refusal in one shape, `{"detail": [{"loc", "msg", "type"}]}`: validation, engine, body and HTTP errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..engine.errors import InvalidInput
from ..engine.optimizers import OPTIMIZERS
from ..engine.schedules import SCHEDULES

# Discriminated unions put their tag into `loc`; a reader wants the field path without it.
_TAGS = {*OPTIMIZERS, *SCHEDULES, "builtin", "custom"}

# One 422 lists this many errors and then says how many more there were: a body of
# 100 000 unknown keys must not answer 100 000 entries.
MAX_ENTRIES = 20
# A key can be as long as the body: loc and msg keep this many characters of one.
MAX_KEY_CHARS = 64
MAX_MSG_CHARS = 1000

# FastAPI's answer when json.loads fails with something other than a JSONDecodeError.
_PARSE_FAILURE = "There was an error parsing the body"


def _short(part: Any) -> Any:
    if isinstance(part, str) and len(part) > MAX_KEY_CHARS:
        return part[:MAX_KEY_CHARS] + "…"
    return part


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    path = ""
    parts = [_short(p) for p in (loc[1:] if loc and loc[0] == "body" else loc)]
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


def entry(loc: list[Any], what: str, kind: str) -> dict[str, Any]:
    """One detail entry: `msg` is the field path, a colon, and what is wrong."""
    return {"loc": [_short(p) for p in loc], "msg": f"{field_path(loc)}: {what}"[:MAX_MSG_CHARS], "type": kind}


def refusal(
    status: int, entries: list[dict[str, Any]], headers: Mapping[str, str] | None = None, total: int | None = None
) -> JSONResponse:
    """The answer: the first MAX_ENTRIES entries, then one saying how many of `total` were left out."""
    shown = entries[:MAX_ENTRIES]
    more = (len(entries) if total is None else total) - len(shown)
    if more > 0:
        shown.append(entry(["body"], f"{more} more errors not shown", "too_many_errors"))
    return JSONResponse(status_code=status, content={"detail": shown}, headers=headers)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _clean(error: Mapping[str, Any], content_type: str | None) -> dict[str, Any]:
    loc, kind = list(error.get("loc", ())), error.get("type", "value_error")
    if kind == "json_invalid":  # FastAPI puts the character offset into `loc`; it belongs in the message
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        return entry(["body"], f"is not valid JSON: {error.get('ctx', {}).get('error', 'malformed')}{where}", kind)
    if loc == ["body"] and kind == "missing":
        return entry(loc, "is missing: send a JSON object with Content-Type: application/json", kind)
    if loc == ["body"] and not _is_json(content_type):
        got = f"'{content_type[:MAX_KEY_CHARS]}'" if content_type else "none"
        return entry(loc, f"must be JSON sent with Content-Type: application/json (got {got})", "content_type")
    if loc == ["body"] and kind in ("model_attributes_type", "model_type", "dict_type"):
        return entry(loc, "must be a JSON object", kind)
    # No `input` and no `ctx`: they echo the request back, and can be as large as it.
    return entry(loc, error.get("msg", "invalid"), kind)


async def validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    content_type, errors = request.headers.get("content-type"), exc.errors()
    return refusal(422, [_clean(e, content_type) for e in errors[:MAX_ENTRIES]], total=len(errors))


def _unparsable(exc: StarletteHTTPException) -> dict[str, Any] | None:
    """The entry for a body json.loads could not decode for a reason other than its syntax.

    FastAPI answers those with a bare 400 raised from the decoder's error; they are a
    malformed body like any other, so they become the same 422 as a JSON syntax error."""
    cause = exc.__cause__
    if exc.status_code != 400 or exc.detail != _PARSE_FAILURE or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return entry(["body"], f"is not valid {cause.encoding.upper()} text (byte {cause.start})", "body_encoding")
    if isinstance(cause, RecursionError):
        return entry(["body"], "is nested too deeply", "json_too_deep")
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        digits = sys.get_int_max_str_digits()
        return entry(["body"], f"has an integer of more than {digits} digits", "json_int_too_long")
    return entry(["body"], "could not be read as JSON", "json_invalid")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _http_entry(request: Request, exc: StarletteHTTPException) -> dict[str, Any]:
    """The entry of an HTTP error raised with a text detail (or Starlette's default, the status phrase)."""
    where, kind = {
        404: ("path", "not_found"),
        405: ("method", "method_not_allowed"),
        408: ("body", "body_timeout"),
        413: ("body", "body_too_large"),
    }.get(exc.status_code, ("request", _phrase(exc.status_code).lower().replace(" ", "_").replace("-", "_")))
    phrase = _phrase(exc.status_code)
    what = exc.detail if isinstance(exc.detail, str) and exc.detail not in ("", phrase) else ""
    if not what and exc.status_code == 404:
        what = f"nothing at {request.url.path}"
    elif not what and exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow")
        what = f"{request.method} is not allowed here" + (f" (allowed: {allowed})" if allowed else "")
    return entry([where], what or phrase.lower(), kind)


def _passed_on(item: Any) -> dict[str, Any]:
    """An entry a route raised itself, kept to the shape (its `ctx`, e.g. a cost estimate, stays)."""
    if not isinstance(item, Mapping):
        return entry(["body"], str(item)[:MAX_MSG_CHARS], "value_error")
    kept = {"loc": list(item.get("loc", ["body"])), "msg": str(item.get("msg", ""))[:MAX_MSG_CHARS]}
    kept["type"] = item.get("type", "value_error")
    if "ctx" in item:
        kept["ctx"] = item["ctx"]
    return kept


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's and the routes' HTTP errors (404, 405, 413, 503, …) in the shape of a 422, headers kept."""
    if exc.status_code in (204, 304):  # answers without a body
        return Response(status_code=exc.status_code, headers=exc.headers)
    if (parse_error := _unparsable(exc)) is not None:
        return refusal(422, [parse_error])
    if isinstance(exc.detail, list):
        entries = [_passed_on(item) for item in exc.detail]
    else:
        entries = [_http_entry(request, exc)]
    return refusal(exc.status_code, entries, exc.headers)


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
