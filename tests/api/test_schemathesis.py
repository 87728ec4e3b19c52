"""The whole API against its own OpenAPI schema: schemathesis generates valid and invalid requests for
every operation (boundary values first, then random ones) and checks that no answer is a server error,
that every status and content type is one /openapi.json documents for the operation, and that every JSON
answer, 200 or refusal, validates against its documented model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gdviz.main import app
from gdviz.settings import settings as gdviz_settings

schema = schemathesis.openapi.from_asgi("/openapi.json", app)

# Requests under the default budget may each compute for a minute. At this budget a generated request
# is estimated at a tenth of a second at most, many are refused for their cost (so that 422 is checked on every
# compute endpoint), and small ones still run, streamed and whole.
WORK_SECONDS = 0.1


@pytest.fixture(scope="module", autouse=True)
def small_budget() -> Iterator[None]:
    saved = gdviz_settings.max_work_seconds
    gdviz_settings.max_work_seconds = WORK_SECONDS
    yield
    gdviz_settings.max_work_seconds = saved


def ndjson_stream(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """A stream's 200 has no JSON schema to validate: its lines must be JSON objects (NaN and ±Infinity are
    not JSON) with a `type`, and it ends with `done` (a stream cut short by an error does not)."""
    if response.status_code != 200 or not response.headers.get("content-type", [""])[0].startswith(
        "application/x-ndjson"
    ):
        return None

    def refuse(token: str) -> None:
        raise AssertionError(f"non-finite number {token} in an NDJSON line")

    lines = [json.loads(line, parse_constant=refuse) for line in response.content.splitlines()]
    assert lines and all(isinstance(line, dict) and isinstance(line.get("type"), str) for line in lines), lines[:3]
    assert lines[-1] == {"type": "done"}, f"the stream ends with {lines[-1]}, not done"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ndjson_stream,
]


@schema.parametrize()
@settings(
    max_examples=30,  # random cases per operation, after the boundary values of the coverage phase
    deadline=None,  # a request's time depends on the machine's load, not on the case
    derandomize=True,  # the same cases on every run: a CI failure reproduces locally
    database=None,  # derandomized, there is nothing to replay; and no .hypothesis/ in the tree
    # Bodies of the request models (nested unions of optimizers and schedules) are slow to generate, and
    # slower on a loaded CI machine: a health check on the clock would fail there and not here.
    suppress_health_check=[HealthCheck.too_slow],
)
def test_api(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
