"""POST /api/backprop: one sample through a network small enough to read, forward and backward."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...engine import cost
from ...engine.nn.backprop import backprop_sample, gradient, update_step, weights_vector
from ...engine.nn.network import Architecture, initialize, unflatten
from ..errors import engine_errors
from ..gate import RESPONSES, Work, gate
from ..json import FastJSONResponse
from ..models.backprop import BackpropRequest, BackpropResponse

router = APIRouter(prefix="/api", tags=["networks"])


def _architecture(body: BackpropRequest) -> Architecture:
    return Architecture((2, *body.model.hidden, 1), body.model.activation, body.task)


def backprop_work(body: BackpropRequest) -> Work:
    """Two passes of one sample and one optimizer step, and about twenty numbers a weight in the answer:
    always light."""
    arch = _architecture(body)
    numbers = 20 * arch.size
    seconds = 2 * cost.network_pass_seconds(arch, 1, backward=True) + cost.json_seconds(numbers)
    return Work(seconds, cost.json_bytes(numbers), "model.hidden", "model.hidden", "the network")


def _answer(body: BackpropRequest) -> dict[str, Any]:
    arch, m = _architecture(body), body.model
    if body.weights is None:
        theta = initialize(arch, m.init, m.seed, m.init_scale)
    else:
        theta = weights_vector(arch, [(layer.W, layer.b) for layer in body.weights])
    result = backprop_sample(arch, theta, body.sample.x, body.sample.y)
    layers = [layer._asdict() for layer in result.layers]
    update = _update(arch, body, gradient(result), theta)
    return {"task": body.task, "x": body.sample.x, "y": body.sample.y, **result._asdict(), "layers": layers,
            "update": update}  # fmt: skip


def _update(arch: Architecture, body: BackpropRequest, grad: Any, theta: Any) -> dict[str, Any]:
    """One step of the request's optimizer on this sample's gradient, per layer, and the loss it gives."""
    o = body.optimizer
    step = update_step(theta, grad, o.name, o.params.model_dump(), "optimizer")
    blocks = {key: unflatten(arch, value) for key, value in step.state.items()}
    layers = [
        {"W": new.W, "b": new.b, "step": {"W": moved.W, "b": moved.b},
         "state": {key: {"W": parts[i].W, "b": parts[i].b} for key, parts in blocks.items()}}
        for i, (new, moved) in enumerate(zip(unflatten(arch, step.theta), unflatten(arch, step.step), strict=True))
    ]  # fmt: skip
    after = backprop_sample(arch, step.theta, body.sample.x, body.sample.y).loss
    params = {key: list(value) if isinstance(value, tuple) else value for key, value in step.params.items()}
    return {"optimizer": o.name, "params": params, "layers": layers, "loss": after if math.isfinite(after) else None}


@router.post(
    "/backprop",
    response_model=BackpropResponse,
    response_class=FastJSONResponse,
    responses=RESPONSES,
    summary="Backprop, one sample",
)
async def post_backprop(body: BackpropRequest, request: Request) -> Response:
    """The forward pass (z = a_prev @ W + b, a = f(z)), the loss, and the backward pass (∂L/∂a, f′(z),
    δ = ∂L/∂z, ∂L/∂W, ∂L/∂b) of one sample, layer by layer, hidden layers then the output; then `update`:
    one step of the request's optimizer from a fresh state on that gradient (new W and b, the step, and
    the optimizer's state), and the sample's loss at the new weights."""
    with engine_errors():
        return await gate.answer(request, backprop_work(body), lambda check: _answer(body))
