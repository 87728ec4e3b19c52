"""Models of POST /api/backprop: one sample's forward and backward pass (README, "Backprop, one sample")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, Strict

from .base import Request, Response, integer
from .catalog import OptimizerConfig
from .train import ModelConfig

# Small enough to read every number of: a step-through shows each unit of each layer.
MAX_LAYERS = 3
MAX_UNITS = 4
# Inputs, targets and weights stay within ±1e6: through 3 layers of 4 units every number of the
# pass then stays finite (|output| < 1e32, its square and gradients far below float64's 1e308).
BOUND = 1e6
Number = Annotated[float, Field(allow_inf_nan=False, ge=-BOUND, le=BOUND)]
Pair = Annotated[tuple[Number, Number], Strict(False)]  # JSON's list of exactly two, items strict


class BackpropModel(ModelConfig):
    hidden: list[integer(ge=1, le=MAX_UNITS)] = Field(  # type: ignore[valid-type]
        default=[3, 2],
        max_length=MAX_LAYERS,
        description=f"units per hidden layer: at most {MAX_LAYERS} layers of at most {MAX_UNITS} units",
    )


class Sample(Request):
    x: Pair = Field(default=(0.5, -0.5), description="[x1, x2]")
    y: Number = Field(default=1.0, description="the label, 0 or 1 (classification), or the target value (regression)")


class GivenLayer(Request):
    W: list[Annotated[list[Number], Field(max_length=MAX_UNITS)]] = Field(
        max_length=MAX_UNITS, description="(fan_in, fan_out): z = a_prev @ W + b"
    )
    b: list[Number] = Field(max_length=MAX_UNITS, description="(fan_out,)")


_EXAMPLE = {
    "model": {"hidden": [3, 2], "activation": "tanh", "init": "xavier", "seed": 0},
    "task": "classification",
    "sample": {"x": [0.5, -0.5], "y": 1},
    "optimizer": {"name": "adam", "params": {"lr": 0.1}},
}


class BackpropRequest(Request):
    """A network small enough to read and one sample. The weights are the model's initialization
    (init, init_scale, seed, as /api/train starts from) unless given in `weights`."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    model: BackpropModel = Field(default_factory=BackpropModel)
    task: Literal["classification", "regression"] = Field(
        default="classification", description="the loss: BCE with logits (y a label 0/1), or the squared error"
    )
    sample: Sample = Field(default_factory=Sample)
    weights: list[GivenLayer] | None = Field(
        default=None,
        max_length=MAX_LAYERS + 1,
        description="per layer {W, b}, hidden layers then the output, as /api/train's `weights` answer them; "
        "null: the model's initialization",
    )
    optimizer: OptimizerConfig = Field(  # type: ignore[valid-type]
        default={"name": "sgd", "params": {"lr": 0.1}},
        validate_default=True,
        description="the update shown last: one step of this optimizer from a fresh state on this sample's "
        "gradient, as /api/train takes it (`label` is ignored); optimizers that need a Hessian are refused",
    )


class LayerPassOut(Response):
    W: list[list[float]] = Field(description="(fan_in, fan_out)")
    b: list[float]
    z: list[float] = Field(description="a_prev @ W + b")
    a: list[float] = Field(description="f(z); the output layer's is z itself")
    slope: list[float] = Field(description="∂a/∂z = f′(z), the local derivative (1 at the output)")
    da: list[float] = Field(description="∂L/∂a: W_above @ delta_above (∂L/∂output at the output)")
    delta: list[float] = Field(description="∂L/∂z = da ⊙ slope")
    dW: list[list[float]] = Field(description="∂L/∂W = outer(a_prev, delta)")
    db: list[float] = Field(description="∂L/∂b = delta")


class BackpropResponse(Response):
    task: Literal["classification", "regression"]
    x: list[float] = Field(description="the sample's input, the first layer's a_prev")
    y: float
    layers: list[LayerPassOut] = Field(description="hidden layers, then the output layer")
    output: float = Field(description="the logit (classification) or the predicted value")
    probability: float | None = Field(description="σ(output): the predicted probability of class 1 (classification)")
    loss: float = Field(description="BCE with logits, or (output − y)², of this sample")
    dloss_doutput: float = Field(description="∂L/∂output: σ(output) − y, or 2(output − y)")
    update: UpdateOut = Field(description="one step of the request's optimizer from a fresh state")


class Block(Response):
    W: list[list[float]] = Field(description="(fan_in, fan_out), as the layer's W")
    b: list[float] = Field(description="(fan_out,), as the layer's b")


class LayerUpdateOut(Response):
    W: list[list[float]] = Field(description="the new W: W + step.W")
    b: list[float] = Field(description="the new b: b + step.b")
    step: Block = Field(description="Δθ, what the optimizer added (−lr·m̂/(√v̂ + ε) for Adam)")
    state: dict[str, Block] = Field(
        description="what the optimizer computed on the way, in torch.optim's state names: momentum_buffer "
        "(SGD, RMSProp with momentum), sum (AdaGrad), square_avg (RMSProp, Adadelta), grad_avg (centered "
        "RMSProp), acc_delta (Adadelta), exp_avg = m and exp_avg_sq = v (Adam, AdamW, NAdam, RAdam; Lion's "
        "momentum), max_exp_avg_sq (AMSGrad), exp_inf = u (Adamax); m_hat = m/(1 − β₁ᵗ) and v_hat = "
        "v/(1 − β₂ᵗ) (Adam, AdamW; RAdam's m_hat); grad: the gradient plus weight_decay·θ when the decay "
        "is added to the gradient (L2)"
    )


class UpdateOut(Response):
    optimizer: str
    params: dict[str, Any] = Field(description="every hyperparameter, defaults filled in")
    layers: list[LayerUpdateOut] = Field(description="hidden layers, then the output layer")
    loss: float | None = Field(description="this sample's loss at the new weights (null when not finite)")
