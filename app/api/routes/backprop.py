"""POST /api/backprop: one sample through a network small enough to read, forward and backward."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...engine import cost
from ...engine.nn.backprop import backprop_sample, weights_vector
from ...engine.nn.network import Architecture, initialize
from ..errors import engine_errors
from ..gate import RESPONSES, Work, gate
from ..json import FastJSONResponse
from ..models.backprop import BackpropRequest, BackpropResponse

router = APIRouter(prefix="/api", tags=["networks"])


def _architecture(body: BackpropRequest) -> Architecture:
    return Architecture((2, *body.model.hidden, 1), body.model.activation, body.task)


def backprop_work(body: BackpropRequest) -> Work:
    """One pass of one sample, and about ten numbers a weight in the answer: always light."""
    arch = _architecture(body)
    numbers = 10 * arch.size
    seconds = cost.network_pass_seconds(arch, 1, backward=True) + cost.json_seconds(numbers)
    return Work(seconds, cost.json_bytes(numbers), "model.hidden", "model.hidden", "the network")


def _answer(body: BackpropRequest) -> dict[str, Any]:
    arch, m = _architecture(body), body.model
    if body.weights is None:
        theta = initialize(arch, m.init, m.seed, m.init_scale)
    else:
        theta = weights_vector(arch, [(layer.W, layer.b) for layer in body.weights])
    result = backprop_sample(arch, theta, body.sample.x, body.sample.y)
    layers = [layer._asdict() for layer in result.layers]
    return {"task": body.task, "x": body.sample.x, "y": body.sample.y, **result._asdict(), "layers": layers}


@router.post(
    "/backprop",
    response_model=BackpropResponse,
    response_class=FastJSONResponse,
    responses=RESPONSES,
    summary="Backprop, one sample",
)
async def post_backprop(body: BackpropRequest, request: Request) -> Response:
    """The forward pass (z = a_prev @ W + b, a = f(z)), the loss, and the backward pass (∂L/∂a, f′(z),
    δ = ∂L/∂z, ∂L/∂W, ∂L/∂b) of one sample, layer by layer, hidden layers then the output."""
    with engine_errors():
        return await gate.answer(request, backprop_work(body), lambda check: _answer(body))
