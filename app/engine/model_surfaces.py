"""The built-in surfaces in the plane of a model's parameters θ = (w, b): the data losses linear_regression
and logistic_regression (app/engine/data.py) and the rnn_cliff recurrence (app/engine/cliff.py), computed
by numpy code rather than written as sympy formulas."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .cliff import rnn_cliff
from .computed import Loss
from .data import linear_regression, logistic_regression

Range = tuple[float, float]


@dataclass(frozen=True)
class ComputedSurfaceDef:
    """A built-in surface computed by numpy code, not written as a sympy formula: a mean loss over data
    points (kind "data", app/engine/data.py) or the rnn_cliff recurrence (app/engine/cliff.py). `build`
    takes the parameters by name; `formula` is text for a reader. Its plane is θ = (w, b)."""

    name: str
    title: str
    formula: str
    description: str
    domain: tuple[Range, Range]
    start: tuple[float, float]
    params: Mapping[str, float]
    param_bounds: Mapping[str, Range]
    build: Callable[..., Loss]
    kind: str = "formula"
    integers: frozenset[str] = frozenset()  # parameters that take whole numbers only
    open_bounds: frozenset[str] = frozenset()  # parameters whose bounds are excluded
    variables: tuple[str, str] = ("w", "b")


MODEL_SURFACES = (
    ComputedSurfaceDef(
        name="linear_regression",
        title="Linear regression",
        formula="(1/2n) Σᵢ (w·xᵢ + b − yᵢ)²",
        description="Fitting a line y ≈ w·x + b to n noisy points: the plane is the two parameters, the "
        "weight w and the bias b, and the height is half the mean squared error over the data. The "
        "bowl's lowest point is the least-squares line, close to (w_true, b_true) but not on it (the "
        "points are noisy). With x in [−1, 1] the bowl is three times flatter along w than along b, so "
        "gradient descent fixes b first. Run it with mini-batches: each step then follows the gradient "
        "of a few points only, and the path jitters around the full-batch one.",
        domain=((-3.0, 7.0), (-4.0, 6.0)),
        start=(-2.0, -2.0),
        params={"n": 100, "noise": 0.5, "seed": 0, "w_true": 2.0, "b_true": 1.0},
        param_bounds={
            "n": (2, 2000),
            "noise": (0.0, 100.0),
            "seed": (0, 2**32 - 1),
            "w_true": (-100.0, 100.0),
            "b_true": (-100.0, 100.0),
        },
        build=linear_regression,
        kind="data",
        integers=frozenset({"n", "seed"}),
    ),
    ComputedSurfaceDef(
        name="logistic_regression",
        title="Logistic regression",
        formula="(1/n) Σᵢ log(1 + exp(−sᵢ (w·xᵢ + b))), sᵢ = ±1",
        description="Telling two classes of points on a line apart with p = σ(w·x + b): the plane is the "
        "weight w and the bias b, the height the mean cross-entropy (log loss) over the n points. When the "
        "classes overlap the loss is a convex valley with one lowest point. When a threshold separates "
        "them (a large `separation`, or few points) there is no lowest point: the loss keeps falling as w "
        "grows, and gradient descent walks off for ever, the curve σ(w·x + b) ever steeper at the decision "
        "boundary. An L2 penalty gives it a minimum again.",
        domain=((-2.0, 6.0), (-4.0, 4.0)),
        start=(-1.0, 3.0),
        params={"n": 100, "separation": 1.0, "seed": 0},
        param_bounds={"n": (2, 2000), "separation": (0.0, 10.0), "seed": (0, 2**32 - 1)},
        build=logistic_regression,
        kind="data",
        integers=frozenset({"n", "seed"}),
    ),
    ComputedSurfaceDef(
        name="rnn_cliff",
        title="RNN cliff",
        formula="x_t = w·σ(x_{t−1}) + b for t = 1 … T from x_0;  f(w, b) = (σ(x_T) − target)²",
        description="A recurrent network of one unit run for T steps, its weight w and bias b the plane "
        "(Pascanu, Mikolov & Bengio, 2013). Almost everywhere the loss is flat or gently sloped, but along "
        "a thin wall near w ≈ 5, b ≈ −2.61 the last state switches from one stable value to another: "
        "there, about 1e-3 wide, the gradient (backpropagated through all T steps) reaches thousands. "
        "That is exploding gradients: a step that lands on the wall is thrown far across the plane, from "
        "the default start onto a plateau where it stays. Clip the gradient norm and the same run crosses "
        "the wall in small steps and settles in the valley of low loss.",
        domain=((3.0, 8.0), (-4.0, 4.0)),
        start=(4.5, -2.6),
        params={"T": 50, "x0": 0.5, "target": 0.7},
        param_bounds={"T": (1, 200), "x0": (-10.0, 10.0), "target": (0.0, 1.0)},
        build=rnn_cliff,
        integers=frozenset({"T"}),
        open_bounds=frozenset({"target"}),
    ),
)
