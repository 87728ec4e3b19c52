"""Every claim the built-in course deck makes, checked on the API's answer to that scene's own request.

A scene's narration, notice and try lines state numbers and outcomes ("momentum is closer from step 2
on", "the run diverges within 4 steps", "clipping rescues it"). Each scene has a check below that
sends the request its page would send (tests/scenes.py) and asserts what the scene says; a "try" line
that predicts an outcome is checked on the request changed as it says. A scene with no entry fails
`test_every_scene_has_a_check`, so no scene goes unchecked, and a change to the engine or the deck that
makes a scene say something false fails here.

The checks read trajectories and records, not the runs' `outcome` words: those are the pages' business.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
import pytest

from gdviz.api.decks import DECKS
from tests.scenes import backprop_state, backprop_walk, catalog_from, scene_request

COURSE = DECKS["course"].model_dump(by_alias=True)
SCENES = {scene["id"]: scene for scene in COURSE["scenes"]}
LN2 = math.log(2)


@dataclass
class Shown:
    """What a scene shows: its request and the API's answer; `again` answers a changed copy of the request."""

    scene: dict[str, Any]
    client: Any
    path: str
    body: dict[str, Any]
    result: dict[str, Any]

    def again(self, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        body = copy.deepcopy(self.body)
        if self.path == "/api/train":  # the pictures a page draws change no record a check reads
            body.update(boundary=None, landscape=None)
        change(body)
        answer = self.client.post(self.path, json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def _stated(self, written: str) -> float:
        """The number `written`, which the scene's English must hold as a whole number (0.94 is not in 0.943);
        the Chinese states the same numbers (tests/api/test_decks.py). A scene that no longer says it fails
        here, so its check is looked at again."""
        english = " ".join([self.scene["narration"]["en"], *self.scene["notice"]["en"], *self.scene["try"]["en"]])
        assert re.search(rf"(?<![\d.]){re.escape(written)}(?!\.?\d)", english), (
            f"{self.scene['id']} no longer says {written}: check its claims again"
        )
        return float(written.replace("−", "-"))

    def says(self, value: float, written: str, unit: float | None = None) -> bool:
        """The scene writes `written` for `value`, which rounds to it: to its last digit, or to `unit`."""
        if unit is None:
            unit = 10.0 ** -len(written.split(".")[1]) if "." in written else 1.0
        return abs(value - self._stated(written)) <= unit / 2 + 1e-12

    def below(self, value: float, written: str) -> bool:
        """The scene states the bound `written` ("within 0.01", "below 0.001"), and `value` is under it."""
        return value < self._stated(written)

    def above(self, value: float, written: str) -> bool:
        return value > self._stated(written)

    @property
    def runs(self) -> list[Run]:
        return [Run(r) for r in self.result["runs"]]


class Run:
    """One trajectory of /api/run, as arrays."""

    def __init__(self, run: dict[str, Any]) -> None:
        self.raw = run
        self.x, self.y = np.array(run["x"]), np.array(run["y"])
        self.loss, self.grad_norm, self.lr = np.array(run["loss"]), np.array(run["grad_norm"]), np.array(run["lr"])
        self.status, self.steps_taken = run["status"], run["steps_taken"]

    def distance(self, to: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        return np.hypot(self.x - to[0], self.y - to[1])

    def step_lengths(self) -> np.ndarray:
        return np.hypot(np.diff(self.x), np.diff(self.y))

    def first(self, condition: np.ndarray) -> int | None:
        """The first step where `condition` holds, or None."""
        return int(np.argmax(condition)) if condition.any() else None


def runs_of(result: dict[str, Any]) -> list[Run]:
    return [Run(r) for r in result["runs"]]


def set_lr(i: int, lr: float, **params: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        body["optimizers"][i]["params"].update(lr=lr, **params)

    return change


def about(value: float, shown: float, digits_after_point: int) -> bool:
    """`value` written with that many decimals is `shown`."""
    return abs(value - shown) <= 0.5 * 10.0**-digits_after_point + 1e-12


CHECKS: dict[str, Callable[[Shown], None]] = {}


def claims(scene_id: str) -> Callable[[Callable[[Shown], None]], Callable[[Shown], None]]:
    def register(check: Callable[[Shown], None]) -> Callable[[Shown], None]:
        assert scene_id not in CHECKS
        CHECKS[scene_id] = check
        return check

    return register


# ---- the book's own code (Dive into Deep Learning, chapter "Optimization Algorithms") on its canyon


def book_2d(update: Callable[..., tuple[float, float, float, float]], steps: int = 20) -> np.ndarray:
    """train_2d: the iterates of one of the book's update functions from (−5, −2), as in the book."""
    x1, x2, s1, s2 = -5.0, -2.0, 0.0, 0.0
    points = [(x1, x2)]
    for _ in range(steps):
        x1, x2, s1, s2 = update(x1, x2, s1, s2)
        points.append((x1, x2))
    return np.array(points)


def book_momentum(eta: float, beta: float) -> Callable[..., tuple[float, float, float, float]]:
    def momentum_2d(x1: float, x2: float, v1: float, v2: float) -> tuple[float, float, float, float]:
        v1 = beta * v1 + 0.2 * x1
        v2 = beta * v2 + 4 * x2
        return x1 - eta * v1, x2 - eta * v2, v1, v2

    return momentum_2d


def book_adagrad(eta: float) -> Callable[..., tuple[float, float, float, float]]:
    def adagrad_2d(x1: float, x2: float, s1: float, s2: float) -> tuple[float, float, float, float]:
        eps = 1e-6
        g1, g2 = 0.2 * x1, 4 * x2
        s1 += g1**2
        s2 += g2**2
        return x1 - eta / math.sqrt(s1 + eps) * g1, x2 - eta / math.sqrt(s2 + eps) * g2, s1, s2

    return adagrad_2d


def book_rmsprop(eta: float, gamma: float) -> Callable[..., tuple[float, float, float, float]]:
    def rmsprop_2d(x1: float, x2: float, s1: float, s2: float) -> tuple[float, float, float, float]:
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 = gamma * s1 + (1 - gamma) * g1**2
        s2 = gamma * s2 + (1 - gamma) * g2**2
        return x1 - eta / math.sqrt(s1 + eps) * g1, x2 - eta / math.sqrt(s2 + eps) * g2, s1, s2

    return rmsprop_2d


def path(run: Run) -> np.ndarray:
    return np.column_stack([run.x, run.y])


# ---- 1 gradient descent


@claims("parabola-lr")
def _(shown: Shown) -> None:
    assert shown.body["surface"] == {"name": "parabola", "params": {}} and shown.body["steps"] == 20
    small, right, large = shown.runs
    k = np.arange(21)
    for run, lr in ((small, 0.05), (right, 0.3), (large, 1.05)):
        assert run.raw["params"]["lr"] == lr and shown.says(lr, str(lr)) and shown.says(run.x[0], "5")
        assert np.allclose(run.x, 5 * (1 - 2 * lr) ** k, rtol=1e-12)  # each step multiplies x by 1 − 2η
        assert np.all(run.y == 0) and np.array_equal(run.loss, run.x**2)
    assert shown.says(small.x[1] / small.x[0], "0.9") and shown.says(right.x[1] / right.x[0], "0.4")
    assert shown.says(-large.x[1] / large.x[0], "1.1")
    assert shown.says(small.x[20], "0.61") and shown.says(right.x[5], "0.05")
    assert np.all(np.sign(large.x[1:]) != np.sign(large.x[:-1]))  # across the minimum at every step
    assert shown.says(100 * (np.abs(large.x[1:] / large.x[:-1]) - 1).max(), "10")  # 10% farther out each time
    assert np.allclose(np.abs(large.x[1:] / large.x[:-1]), 1.1, rtol=1e-12)
    box = shown.result["surface"]["domain"]["x"]
    assert box == [-10, 10] and shown.says(box[1], "10")
    assert shown.says(large.first(np.abs(large.x) > box[1]), "8") and np.all(np.diff(large.loss) > 0)
    shrink = small.step_lengths()[1:] / small.step_lengths()[:-1]
    assert np.allclose(shrink, 0.9, rtol=1e-12) and shown.says(100 * (1 - shrink.mean()), "10")  # 10% shorter

    def lr(value: float) -> Callable[[dict[str, Any]], None]:
        return lambda body: body.update(optimizers=[{"name": "sgd", "params": {"lr": value}}])

    (half,) = runs_of(shown.again(lr(0.5)))
    assert np.all(half.x[1:] == 0.0)  # on the minimum in one step
    (one,) = runs_of(shown.again(lr(1)))
    assert np.array_equal(one.x, 5.0 * (-1.0) ** k)  # between 5 and −5 forever


@claims("gd-lr-too-small")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    (run,) = shown.runs
    assert np.all(np.diff(run.loss) < 0)  # every step goes downhill
    assert shown.says(run.x[20], "−2.2") and run.distance()[20] > 2  # far from the minimum
    assert run.loss[0] == 33 and shown.says(run.loss[20], "5.2")
    assert np.all(np.diff(run.step_lengths()) < 0)  # shorter and shorter steps
    assert np.allclose(run.step_lengths(), 0.02 * run.grad_norm[:-1], rtol=1e-12)  # each step is η·‖∇f‖
    (longer,) = runs_of(shown.again(lambda body: body.update(steps=200)))
    assert shown.below(longer.distance()[-1], "0.01") and longer.distance()[100] > 0.01  # gets there, slowly


@claims("gd-lr-right")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    (run,) = shown.runs
    assert np.allclose(run.x[1:] / run.x[:-1], 0.8, rtol=1e-12) and np.allclose(run.y[1:] / run.y[:-1], 0.6, rtol=1e-12)
    assert shown.says(run.x[20], "−0.0576") and shown.says(run.y[20], "−0.00007")
    # the book: "epoch 20, x1: -0.057646, x2: -0.000073"
    assert about(run.x[20], -0.057646, 6) and about(run.y[20], -0.000073, 6)
    assert np.all(np.abs(run.y[1:] / run.y[0]) < np.abs(run.x[1:] / run.x[0]))  # y gets there first
    assert np.all(run.x < 0) and np.all(run.y < 0)  # never crossing the minimum
    (quarter,) = runs_of(shown.again(set_lr(0, 0.25)))
    assert quarter.y[1] == 0.0


@claims("gd-lr-too-large")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    below, at, above = shown.runs
    assert [r.raw["params"]["lr"] for r in (below, at, above)] == [0.45, 0.5, 0.55]
    assert np.allclose(below.y[1:] / below.y[:-1], -0.8, rtol=1e-12)  # overshoots, shrinks
    assert np.all(np.abs(at.y) == 2.0)  # bounces between −2 and 2
    assert set(np.sign(at.y[1:])) == {-1.0, 1.0}
    assert at.x[0] == -5 and np.all(at.x[1:] == 0.0)  # x on 0 in one step
    assert np.allclose(above.y[1:] / above.y[:-1], -1.2, rtol=1e-12)  # the run diverges
    assert above.loss[1] < above.loss[0] and np.all(np.diff(above.loss[1:]) > 0)  # drops once, then grows
    assert abs(above.y[20]) > abs(above.y[0]) * 1.2**19
    longer = runs_of(shown.again(lambda body: body.update(steps=100)))
    assert longer[2].status == "diverged" and longer[2].steps_taken < 100 and abs(longer[2].y[-1]) > 1e8 / 1.2
    assert longer[0].status == longer[1].status == "max_steps"


# ---- 2 backprop overview


@claims("backprop-overview")
def _(shown: Shown) -> None:
    result = shown.result
    assert result["status"] == "max_steps" and result["steps"][-1] == 300
    grads = np.array(result["grad_norm"])
    assert grads.shape[0] == 3 and np.all(grads[:, 0] > 0)  # two hidden layers and the output
    assert shown.says(result["loss"][0], "0.83") and shown.below(result["loss"][-1], "0.001")
    assert result["accuracy"][-1] == 1.0
    deeper = shown.again(lambda body: body["model"].update(hidden=[8, 8, 8]))
    assert len(deeper["grad_norm"]) == 4


# The Backprop scenes: one sample's pass (POST /api/backprop), opened at step k of the page's walk-through.


def at_step(shown: Shown) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The page's state of the scene (its learning rate and step) and the step it opens at."""
    state = backprop_state(shown.scene["query"])
    return state, backprop_walk(state["hidden"], state["optimizer"])[state["k"]]


def set_y(y: float) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        body["sample"]["y"] = y

    return change


def set_activation(name: str) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        body["model"]["activation"] = name

    return change


def sgd_step(result: dict[str, Any], lr: float) -> list[dict[str, Any]]:
    """θ − η·∂L/∂θ for every layer: the weights the page sends back to show the loss after the update."""
    return [
        {"W": (np.array(layer["W"]) - lr * np.array(layer["dW"])).tolist(),
         "b": (np.array(layer["b"]) - lr * np.array(layer["db"])).tolist()}
        for layer in result["layers"]
    ]  # fmt: skip


@claims("bp-forward-loss")
def _(shown: Shown) -> None:
    _, step = at_step(shown)
    assert step == ("loss",)
    r = shown.result
    assert shown.body["model"] == {"hidden": [3, 2], "activation": "tanh", "init": "xavier", "seed": 0}
    assert [len(layer["b"]) for layer in r["layers"]] == [3, 2, 1]
    assert shown.says(r["x"][0], "0.5") and shown.says(r["x"][1], "−0.5") and r["y"] == 1
    assert shown.says(r["output"], "−1.112") and shown.says(r["probability"], "0.2474")
    assert math.isclose(r["loss"], -math.log(r["probability"]), rel_tol=1e-12) and shown.says(r["loss"], "1.397")
    assert all(b == 0 for layer in r["layers"] for b in layer["b"])  # every bias starts at 0
    zero = shown.again(set_y(0))
    assert zero["probability"] == r["probability"] and shown.says(zero["loss"], "0.2843")


@claims("bp-backward-delta")
def _(shown: Shown) -> None:
    _, step = at_step(shown)
    assert step == ("delta", 1, 0)  # unit 1 of the first hidden layer
    r = shown.result
    first, second, out = r["layers"]
    assert math.isclose(out["delta"][0], r["probability"] - r["y"], rel_tol=1e-12)
    assert shown.says(out["delta"][0], "−0.7526")
    assert shown.says(second["W"][0][0], "0.2336") and shown.says(second["W"][0][1], "0.5028")
    assert shown.says(second["delta"][0], "−0.6376") and shown.says(second["delta"][1], "0.7088")
    assert math.isclose(first["da"][0], np.dot(second["W"][0], second["delta"]), rel_tol=1e-12)
    assert shown.says(first["da"][0], "0.2074") and shown.says(first["slope"][0], "0.6504")
    assert math.isclose(first["delta"][0], first["da"][0] * first["slope"][0], rel_tol=1e-12)
    assert shown.says(first["delta"][0], "0.1349")
    assert shown.says(len(second["delta"]), "2")  # the terms of the sum: the units of the layer above
    relu = shown.again(set_activation("relu"))["layers"][0]
    assert relu["z"][0] > 0 and all(relu["z"][j] < 0 and relu["slope"][j] == relu["delta"][j] == 0 for j in (1, 2))


# ---- 3 the variants


def made(data: dict[str, list[float]], w_true: float, b_true: float, noise: float = 0.5, seed: int = 0) -> bool:
    """The surface's points are the ones the narration says it made: y = w_true·x + b_true plus noise, drawn
    as README's "Data and mini-batches" says."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, len(data["x"]))
    y = w_true * x + b_true + noise * rng.standard_normal(len(x))
    return np.allclose(data["x"], x, rtol=1e-12) and np.allclose(data["y"], y, rtol=1e-12)


def least_squares(data: dict[str, list[float]], l2: float = 0.0) -> tuple[float, float]:
    """The minimum of the mean of ½(w·x + b − y)² (plus (l2/2)·(w² + b²)): the normal equations."""
    x, y = np.array(data["x"]), np.array(data["y"])
    curvature = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]]) + l2 * np.eye(2)
    w, b = np.linalg.solve(curvature, [np.mean(x * y), np.mean(y)])
    return float(w), float(b)


def epochs(run: Run, n: int) -> int:
    """How many passes over the n points the run's batches make, each pass every point exactly once."""
    batches = [index for batch in run.raw["batches"] for index in batch]
    assert len(batches) % n == 0
    for start in range(0, len(batches), n):
        assert sorted(batches[start : start + n]) == list(range(n))
    return len(batches) // n


@claims("batch-minibatch-sgd")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 100 and shown.body["surface"] == {"name": "linear_regression", "params": {}}
    data = shown.result["surface"]["data"]
    assert made(data, 2, 1) and shown.says(len(data["x"]), "100")
    full, mini, single = shown.runs
    assert [r.raw["batch"] for r in shown.runs] == [None, *({"size": s, "seed": 0, "replace": False} for s in (10, 1))]
    for run in shown.runs:
        assert run.raw["params"]["lr"] == 0.5 and (run.x[0], run.y[0]) == (-2, -2)
    best = least_squares(data)
    assert _rises(full.loss) == 0 and full.distance(best)[-1] < 1e-4  # smooth, and it stops there
    assert shown.above(min(_rises(mini.loss), _rises(single.loss)), "40")
    last = slice(-50, None)
    wobble, jumps = mini.distance(best)[last].max(), single.distance(best)[last].max()
    assert wobble < 0.25 and jumps > 0.5 and jumps > 3 * wobble  # near the minimum; jumping around it
    assert shown.says(epochs(mini, 100), "10") and shown.says(epochs(single, 100), "1")  # full batch: 100 passes
    assert [len(batch) for batch in single.raw["batches"]] == [1] * 100

    def reseeded(body: dict[str, Any]) -> None:
        body["batch"]["seed"] = 1

    other = runs_of(shown.again(reseeded))
    assert not np.allclose(other[2].x, single.x) and _rises(other[0].loss) == 0
    assert other[1].distance(best)[last].max() < other[2].distance(best)[last].max()
    assert min(_rises(other[1].loss), _rises(other[2].loss)) > 20


@claims("sgd-noisy-gradient")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 50
    (run,) = shown.runs
    assert shown.body["noise"] == {"std": 1, "seed": 0}
    tail = run.step_lengths()[-25:]
    assert shown.says(tail.mean(), "0.15") and shown.below(run.distance()[-25:].max(), "0.5")  # never settling
    (clean,) = runs_of(shown.again(lambda body: body.pop("noise")))
    assert shown.below(clean.step_lengths()[-25:].mean(), "0.001") and clean.distance()[-1] < 1e-3
    (other,) = runs_of(shown.again(lambda body: body["noise"].update(seed=1)))
    assert not np.allclose(other.x, run.x)
    assert 0.1 < other.step_lengths()[-25:].mean() < 0.2 and other.distance()[-25:].max() < 0.5


def _rises(loss: list[float]) -> int:
    return int(np.sum(np.diff(loss) > 0))


@claims("minibatch-network")
def _(shown: Shown) -> None:
    result = shown.result
    assert shown.body["batch_size"] == 10 and shown.body["dataset"]["n"] == 200 and result["steps"][-1] == 1000
    assert _rises(result["loss"]) > 0 and shown.below(result["loss"][-1], "0.05") and result["accuracy"][-1] == 1.0
    full = shown.again(lambda body: body.update(batch_size=None))
    assert _rises(full["loss"]) == 0
    assert 0.5 < result["loss"][-1] / full["loss"][-1] < 2  # about as low as full batch
    single = shown.again(lambda body: body.update(batch_size=1))
    assert _rises(single["loss"]) > 2 * _rises(result["loss"])


@claims("canyon-gd")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    (run,) = shown.runs
    assert shown.body["surface"]["expression"] == "0.1*x**2 + 2*y**2" and shown.body["start"] == [-5, -2]
    assert np.allclose(run.y[1:] / run.y[:-1], -0.6, rtol=1e-12) and np.allclose(run.x[1:] / run.x[:-1], 0.92)
    assert np.all(np.sign(run.y[1:]) != np.sign(run.y[:-1]))  # the zig-zag
    assert shown.says(run.x[20], "−0.94")
    assert np.allclose(path(run), book_2d(lambda x1, x2, s1, s2: (x1 - 0.4 * 0.2 * x1, x2 - 0.4 * 4 * x2, 0, 0)))
    assert shown.says(run.x[20], "−0.943467") and shown.says(run.y[20], "−0.000073")


@claims("canyon-gd-diverges")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    (run,) = shown.runs
    assert np.allclose(run.x[1:] / run.x[:-1], 0.88) and np.allclose(run.y[1:] / run.y[:-1], -1.4, rtol=1e-12)
    assert np.all(np.diff(np.abs(run.y)) > 0) and np.all(np.diff(np.abs(run.x)) < 0)
    assert shown.says(run.y[20], "−1673")
    assert shown.says(run.x[20], "−0.387814") and shown.says(run.y[20], "−1673.365109")  # the book's numbers
    (half,) = runs_of(shown.again(set_lr(0, 0.5)))
    assert np.all(np.abs(half.y) == 2.0) and abs(half.x[20]) > 0.5  # no growth in y; x crawls


@claims("canyon-momentum")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    gd, momentum = shown.runs
    assert momentum.raw["params"]["dampening"] == 0 and not momentum.raw["params"]["nesterov"]
    # PyTorch's SGD(momentum=0.5) and the book's momentum_2d are the same update, step for step
    assert np.allclose(path(momentum), book_2d(book_momentum(0.6, 0.5)), rtol=1e-12, atol=1e-15)
    assert shown.says(momentum.x[20], "0.007188") and shown.says(momentum.y[20], "0.002553")
    assert shown.says(momentum.distance()[20], "0.008") and shown.says(gd.distance()[20], "0.94")
    closer = momentum.distance() < gd.distance()
    assert not closer[1] and np.all(closer[2:])  # from step 2 on
    lighter = runs_of(shown.again(set_lr(1, 0.6, momentum=0.25)))[1]
    assert np.allclose(path(lighter), book_2d(book_momentum(0.6, 0.25)), rtol=1e-12, atol=1e-15)
    assert shown.says(lighter.x[20], "−0.126") and shown.says(lighter.y[20], "−0.187")


@claims("nesterov")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 50
    heavy, nesterov = shown.runs
    assert not heavy.raw["params"]["nesterov"] and nesterov.raw["params"]["nesterov"]
    assert {k: v for k, v in heavy.raw["params"].items() if k != "nesterov"} == {
        k: v for k, v in nesterov.raw["params"].items() if k != "nesterov"
    }
    assert shown.above(np.abs(heavy.y[20:]).max(), "0.5") and shown.below(np.abs(nesterov.y[20:]).max(), "0.003")
    assert 0.25 < nesterov.loss[50] / heavy.loss[50] < 0.4  # about a third

    def fast(body: dict[str, Any]) -> None:
        body.update(steps=20, optimizers=[{"name": "sgd", "params": {"lr": 0.6, "momentum": 0.5, "nesterov": True}}])

    (fast_nesterov,) = runs_of(shown.again(fast))
    assert abs(fast_nesterov.y[-1]) > 1e6 and abs(fast_nesterov.y[-1]) > abs(fast_nesterov.y[-3])


@claims("adagrad")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    small, large = shown.runs
    assert np.allclose([small.x[1] - small.x[0], small.y[1] - small.y[0]], [0.4, 0.4], rtol=1e-8)
    assert np.all(np.diff(small.step_lengths()) < 0)
    assert np.all(np.abs(np.diff(small.x))[1:] > np.abs(np.diff(small.y))[1:])  # then larger steps along flat x
    assert shown.says(small.x[20], "−2.38") and np.hypot(large.x[20], large.y[20]) < 0.003
    assert np.abs(path(small) - book_2d(book_adagrad(0.4))).max() < 1e-5  # the book's numbers to 5 decimals
    assert np.abs(path(large) - book_2d(book_adagrad(2.0))).max() < 1e-5
    assert about(small.x[20], -2.382563, 5) and about(small.y[20], -0.158591, 5)


@claims("rmsprop")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    (run,) = shown.runs
    assert run.raw["params"]["alpha"] == 0.9
    assert shown.below(run.distance()[20], "0.011")
    assert np.all(np.abs(run.y[7:]) < 1e-3) and abs(run.x[7]) > 0.9  # y there within a few steps, x still far
    assert np.all(np.diff(np.abs(run.x)) < 0)
    assert shown.says(run.x[20], "−0.0106")
    assert np.abs(path(run) - book_2d(book_rmsprop(0.4, 0.9))).max() < 1e-5
    assert shown.says(book_2d(book_rmsprop(0.4, 0.9))[20, 0], "−0.010599")


@claims("adam")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 100
    (run,) = shown.runs
    assert run.raw["params"]["betas"] == [0.9, 0.999]
    assert np.allclose([run.x[1], run.y[1]], [-4.6, -1.6], rtol=1e-8)
    assert run.x.max() > 0 and shown.says(run.x.max(), "1.1")  # overshoots in x, then comes back
    assert shown.below(run.loss[100], "0.001")
    (rmsprop,) = runs_of(
        shown.again(lambda b: b.update(steps=20, optimizers=[{"name": "rmsprop", "params": {"lr": 0.4, "alpha": 0.9}}]))
    )
    assert shown.says(run.loss[20], "0.19") and shown.says(rmsprop.loss[20], "0.00001")


# ---- 4 vanishing and exploding gradients


@claims("vanishing-gradients")
def _(shown: Shown) -> None:
    result = shown.result
    assert shown.body["model"]["hidden"] == [8] * 8 and shown.body["model"]["activation"] == "sigmoid"
    assert result["steps"][-1] == 1000 and shown.body["optimizer"] == {"name": "sgd", "params": {"lr": 0.1}}
    grads = np.array(result["grad_norm"])
    first = grads[:, 0]
    assert len(first) == 9 and np.all(np.diff(first) > 0)  # the bars rise from layer 1 to the output
    assert np.all(first[1:] / first[:-1] > 3) and shown.says(3, "3") and shown.above(first[-1] / first[0], "10000")
    later = grads[:, np.array(result["steps"]) >= 100]
    assert shown.below(later.max(), "0.00002") and shown.says(100, "100")
    assert abs(result["loss"][result["steps"].index(100)] - LN2) < 1e-3  # a coin toss by then
    assert abs(result["loss"][-1] - LN2) < 1e-3 and shown.says(result["loss"][-1], "0.693")
    tanh = shown.again(lambda body: body["model"].update(activation="tanh"))
    relu = shown.again(lambda body: body["model"].update(activation="relu", init="he"))
    for better in (tanh, relu):
        assert shown.below(better["loss"][-1], "0.01") and better["grad_norm"][0][0] > 100 * first[0]


def middle_share(histogram: dict[str, Any], half_width: float) -> float:
    """The share of a layer's activations counted in the bins within ±half_width."""
    edges, counts = np.array(histogram["edges"]), np.array(histogram["counts"])
    inside = (edges[:-1] >= -half_width - 1e-12) & (edges[1:] <= half_width + 1e-12)
    return counts[inside].sum() / counts.sum()


@claims("small-init-shrinks")
def _(shown: Shown) -> None:
    result = shown.result
    model = shown.body["model"]
    assert model == {"hidden": [8] * 6, "activation": "tanh", "init": "normal", "init_scale": 0.1, "seed": 0}
    assert shown.says(model["init_scale"], "0.1")
    layers = result["activations"][0]  # step 0, where the scene opens
    assert len(layers) == 6 and all(np.diff(h["edges"]).max() < 0.1 + 1e-12 for h in layers)
    assert [middle_share(h, 0.1) for h in layers[1:]] == [1.0] * 5  # two middle bars, each 0.1 wide
    assert 0.5 < middle_share(layers[0], 0.1) < 1  # layer 1: bunched near 0, not all of it
    grads = np.array(result["grad_norm"])
    assert shown.below(grads.max(), "0.001")
    assert shown.says(result["loss"][-1], "0.693") and result["steps"][-1] == 1000
    probabilities = np.array(result["boundary"]["frames"][-1]["z"])
    assert shown.below(np.abs(probabilities - 0.5).max(), "0.01") and result["accuracy"][-1] > result["accuracy"][0]
    xavier = shown.again(lambda body: body["model"].update(init="xavier"))
    assert shown.below(xavier["loss"][-1], "0.01")
    assert all(middle_share(h, 0.1) < 0.6 for h in xavier["activations"][0])  # spread over (−1, 1)


@claims("vanishing-side-by-side")
def _(shown: Shown) -> None:
    entries = shown.body["optimizers"]
    assert [e["model"] for e in entries] == [{"activation": "sigmoid"}, {"activation": "relu", "init": "he"}]
    assert shown.body["model"]["init"] == "xavier" and shown.body["model"]["hidden"] == [16] * 6
    assert all(e["name"] == "sgd" and e["params"] == {"lr": 0.1} for e in entries)
    sigmoid, relu = shown.result["runs"]
    assert shown.result["landscape"] is None  # two loss functions: no common picture
    s0, r0 = np.array(sigmoid["grad_norm"])[:, 0], np.array(relu["grad_norm"])[:, 0]
    assert shown.says(s0[0], "0.000079") and shown.says(s0[-1], "0.81")
    assert shown.above(r0.min(), "0.10") and shown.below(r0.max(), "0.25")
    assert abs(sigmoid["loss"][-1] - LN2) < 1e-4 and shown.says(sigmoid["loss"][-1], "0.693")
    assert shown.says(relu["loss"][-1], "0.0002") and sigmoid["steps"][-1] == 1000

    def he_for_both(body: dict[str, Any]) -> None:
        body["optimizers"][0]["model"]["init"] = "he"

    first = np.array(shown.again(he_for_both)["runs"][0]["grad_norm"])[:, 0]
    assert 100 < first[-1] / first[0] < 1000  # "hundreds of times smaller"


@claims("exploding-gradients")
def _(shown: Shown) -> None:
    result = shown.result
    assert shown.body["model"]["init"] == "normal" and shown.body["model"]["init_scale"] == 3
    grads = np.array(result["grad_norm"])
    assert shown.above(grads[:, 0].min(), "80")
    assert np.all(grads[:, 1:] == 0.0)  # from step 10 on: dead
    assert result["steps"][1] == 10
    assert abs(result["loss"][-1] - LN2) < 1e-6 and result["accuracy"][-1] == 0.5
    early = shown.again(lambda body: body.update(steps=10, record_every=1))
    assert (
        shown.says(early["loss"][0], "650", unit=10)
        and shown.above(max(early["loss"]), "10000")
        and early["loss"][-1] < 1
    )
    # He initialization's standard deviation √(2/fan_in): 1 for the 2 inputs, 0.5 for 8
    assert math.sqrt(2 / 2) == 1 and math.sqrt(2 / 8) == 0.5


# ---- 5 clipping and normalization


@claims("clipping-cliff")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 100 and shown.result["surface"]["params"]["T"] == 50 and shown.says(50, "50")
    plain, clipped = shown.runs
    assert plain.raw["clip"] is None and clipped.raw["clip"] == {"max_norm": 1}
    for run in shown.runs:
        assert run.raw["params"]["lr"] == 0.5 and (run.x[0], run.y[0]) == (4.5, -2.6)
    assert np.array_equal(path(plain)[:6], path(clipped)[:6])  # the same run up to the wall
    assert shown.says(plain.grad_norm[5], "14") and shown.says(plain.step_lengths()[5], "7")  # thrown across
    assert np.isclose(clipped.step_lengths()[5], 0.5, rtol=1e-6)  # torch's max_norm / (norm + 1e-6)
    assert shown.says(clipped.step_lengths()[5], "0.5")
    assert shown.below(plain.grad_norm[6:].max(), "0.00001") and np.ptp(plain.x[6:]) + np.ptp(plain.y[6:]) < 1e-3
    assert shown.says(plain.loss[-1], "0.09") and plain.distance((4.5, -2.6))[6] > 6  # on a plateau, far away
    assert shown.below(clipped.loss[-1], "0.001") and clipped.distance((4.5, -2.6)).max() < 1  # nearby, and down
    over = np.flatnonzero(clipped.grad_norm[:-1] > 1)  # the updates whose gradient was rescaled
    assert over.tolist() == [5, 23] and shown.says(over[0], "5") and shown.says(over[1], "23")
    rest = np.setdiff1d(np.arange(100), over)
    assert np.allclose(clipped.step_lengths()[rest], 0.5 * clipped.grad_norm[rest], rtol=1e-9)

    def at_five(body: dict[str, Any]) -> None:
        body["optimizers"][1]["clip"] = {"max_norm": 5}

    loose = runs_of(shown.again(at_five))[1]
    assert shown.says(loose.step_lengths().max(), "2.5") and loose.grad_norm[-1] < 0.01 and loose.loss[-1] > 0.08


@claims("clipping-surface")
def _(shown: Shown) -> None:
    (run,) = shown.runs
    assert shown.body["clip"] == {"max_norm": 5}
    assert shown.says(run.grad_norm[0], "99") and shown.says(0.04 * run.grad_norm[0], "4")
    assert run.step_lengths().max() <= 0.2 + 1e-9
    clipped = run.grad_norm[:-1] > 5
    assert np.all(clipped[:9]) and not clipped[9:].any()  # only the first 9 steps
    assert np.allclose(run.step_lengths()[9:], 0.04 * run.grad_norm[9:-1], rtol=1e-9)
    assert run.steps_taken == 500 and shown.below(run.distance((3, 0.5))[-1], "0.001")
    (bare,) = runs_of(shown.again(lambda body: body.pop("clip")))
    assert bare.status == "diverged" and bare.steps_taken <= 4


@claims("clipping-network")
def _(shown: Shown) -> None:
    result = shown.result
    assert shown.body["clip"] == {"max_norm": 1}
    assert (
        shown.says(result["loss"][0], "650", unit=10)
        and shown.below(result["loss"][-1], "0.2")
        and result["accuracy"][-1] >= 0.95
    )
    assert np.all(np.array(result["grad_norm"])[:, 0] > 80)  # measured before clipping
    bare = shown.again(lambda body: body.pop("clip"))
    assert abs(bare["loss"][-1] - LN2) < 1e-6 and bare["accuracy"][-1] == 0.5
    clipped, exploding = (parse_qsl(SCENES[i]["query"]) for i in ("clipping-network", "exploding-gradients"))
    assert [pair for pair in clipped if pair != ("clip", "norm:1")] == exploding  # the same network, clipped


@claims("normalization")
def _(shown: Shown) -> None:
    (run,) = shown.runs
    assert shown.body["surface"] == {"name": "quadratic", "params": {"kappa": 1}}
    assert run.x[1] == 0.0 and run.y[1] == 0.0 and run.status == "converged" and run.steps_taken == 1

    def stretched(lr: float) -> Callable[[dict[str, Any]], None]:
        def change(body: dict[str, Any]) -> None:
            body["surface"]["params"]["kappa"] = 20
            body["optimizers"][0]["params"]["lr"] = lr
            body["steps"] = 200

        return change

    (best,) = runs_of(shown.again(stretched(2 / 21)))  # 2/(λmin + λmax): the best single learning rate
    assert shown.says(best.first(best.distance() < 0.001), "80", unit=20) and shown.says(0.001, "0.001")
    (tried,) = runs_of(shown.again(stretched(0.095)))
    assert np.all(np.sign(tried.y[1:21]) != np.sign(tried.y[:20]))  # the zig-zag


# ---- 6 learning-rate schedules


@claims("schedules-compared")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 300 and shown.body["batch"] == {"size": 1, "seed": 0, "replace": False}
    assert shown.body["surface"] == {"name": "linear_regression", "params": {}}  # section 3's points
    runs = shown.runs
    constant, step, cosine, warm = runs
    assert [r.raw["schedule"] for r in runs] == [
        {"name": "constant"},
        {"name": "step", "step_size": 100, "gamma": 0.1},
        {"name": "cosine", "T_max": 300, "eta_min": 0.0},
        {"name": "warmup_cosine", "warmup": 30},
    ]
    k = np.arange(300)
    assert np.all(constant.lr == 0.5) and np.allclose(step.lr, 0.5 * 0.1 ** (k // 100), rtol=1e-12)
    assert np.allclose(cosine.lr, 0.25 * (1 + np.cos(np.pi * k / 300)), rtol=1e-12, atol=1e-15)
    ramp = np.minimum(k + 1, 30) / 30 * 0.5 * 0.5 * (1 + np.cos(np.pi * np.maximum(k - 30, 0) / 270))
    assert np.allclose(warm.lr, ramp, rtol=1e-12, atol=1e-15) and warm.lr[29] == 0.5
    assert shown.says(epochs(constant, 100), "3")
    best = least_squares(shown.result["surface"]["data"])
    assert shown.says(constant.distance(best)[-1], "0.42")
    assert shown.below(max(r.distance(best)[-1] for r in (step, cosine, warm)), "0.1")
    last = slice(-50, None)
    assert shown.says(constant.loss[last].max(), "0.34")
    assert shown.below(max(r.loss[last].max() for r in (step, cosine, warm)), "0.13")
    assert shown.says(shown.result["surface"]["minima"][0]["f"], "0.12")
    arrive = [r.first(r.distance(best) < 0.1) for r in runs]
    assert arrive == [25, 25, 25, 38] and shown.says(arrive[0], "25") and shown.says(arrive[3], "38")

    def reseeded(body: dict[str, Any]) -> None:
        body["batch"]["seed"] = 1

    other = [r.distance(best)[-1] for r in runs_of(shown.again(reseeded))]
    assert other[0] > 0.3 and other[3] == min(other)  # still unsettled; warm-up closest this time


@claims("lr-decay")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 200
    (run,) = shown.runs
    assert np.allclose(run.lr, 0.1 * 0.97 ** np.arange(200), rtol=1e-12)
    assert shown.body["noise"] == {"std": 1, "seed": 0}
    (constant,) = runs_of(shown.again(lambda body: body.update(schedule={"name": "constant"})))
    assert run.step_lengths()[-20:].mean() < constant.step_lengths()[-20:].mean() / 100
    assert run.distance()[-20:].mean() < constant.distance()[-20:].mean() / 2
    (cosine,) = runs_of(shown.again(lambda body: body.update(schedule={"name": "cosine"})))
    assert cosine.step_lengths()[-20:].mean() < constant.step_lengths()[-20:].mean() / 100


@claims("lr-warmup")
def _(shown: Shown) -> None:
    (run,) = shown.runs
    assert np.allclose(run.lr[:10], 0.05 * np.arange(1, 11), rtol=1e-12) and run.lr[9] == 0.5
    assert np.all(np.diff(run.lr[9:]) <= 0)  # then the cosine decay
    assert run.distance()[-1] < 1e-6
    assert max(abs(run.x[9]), abs(run.y[9])) < 1  # where the curvature 3x² + 1 is below 2/0.5 = 4
    for schedule in ({"name": "constant"}, {"name": "cosine"}):
        (bare,) = runs_of(shown.again(lambda body, s=schedule: body.update(schedule=s)))
        assert bare.status == "diverged" and bare.steps_taken <= 3
        assert bare.x[0] == -2.5 and shown.says(bare.x[1], "6.6")


@claims("lr-cyclic")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 400
    (run,) = shown.runs
    assert np.isclose(run.lr.min(), 0.05) and np.isclose(run.lr.max(), 0.5)
    peaks = [k for k in range(len(run.lr)) if np.isclose(run.lr[k], 0.5)]
    assert peaks == [40, 120, 200, 280, 360]  # one cycle every 80 steps
    assert shown.below(run.loss[-1], "0.2") and run.distance()[-1] < 0.05
    (constant,) = runs_of(shown.again(lambda body: body.update(schedule={"name": "constant"})))
    assert (
        shown.above(constant.loss[200:].min(), "10") and constant.distance((-4, 3.5))[-1] < 1
    )  # in a dip by its start
    (elsewhere,) = runs_of(shown.again(lambda body: body.update(start=[-3, 3.5])))
    assert elsewhere.loss[-1] > 1  # another dip


# ---- 7 the backprop derivation


def _chain_rule(result: dict[str, Any], slope: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> list[float]:
    """The narration's formulas, on the initial weights: the norms of ∂L/∂W₁ and ∂L/∂W₂."""
    X, y = np.array(result["data"]["x"]), np.array(result["data"]["y"])[:, None]
    (layer1, layer2) = result["weights"]["initial"]
    W1, b1, W2, b2 = (np.array(layer1["W"]), np.array(layer1["b"]), np.array(layer2["W"]), np.array(layer2["b"]))
    z1 = X @ W1 + b1
    h = np.tanh(z1) if slope is _tanh_slope else np.maximum(z1, 0)
    o = h @ W2 + b2
    delta2 = (1 / (1 + np.exp(-o)) - y) / len(X)
    dW2 = h.T @ delta2
    delta1 = (delta2 @ W2.T) * slope(z1, h)
    dW1 = X.T @ delta1
    loss = np.mean(np.maximum(o, 0) - o * y + np.log1p(np.exp(-np.abs(o))))  # the mean cross-entropy
    assert np.isclose(loss, result["loss"][0], rtol=1e-12)
    return [float(np.linalg.norm(dW1)), float(np.linalg.norm(dW2))]


def _tanh_slope(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    return 1 - h**2


@claims("chain-rule")
def _(shown: Shown) -> None:
    def with_weights(body: dict[str, Any]) -> None:
        body["include_weights"] = True

    result = shown.again(with_weights)
    assert result["loss"] == shown.result["loss"]
    first = [row[0] for row in shown.result["grad_norm"]]
    assert np.allclose(first, _chain_rule(result, _tanh_slope), rtol=1e-9)
    assert shown.says(first[1], "0.47") and shown.says(first[0], "0.12")  # output layer, hidden layer
    shapes = [np.array(layer["W"]).shape for layer in result["weights"]["initial"]]
    assert shapes == [(2, 3), (3, 1)]
    assert shown.result["loss"][-1] < shown.result["loss"][0]

    def relu(body: dict[str, Any]) -> None:
        with_weights(body)
        body["model"]["activation"] = "relu"

    relu_result = shown.again(relu)
    relu_first = [row[0] for row in relu_result["grad_norm"]]
    assert np.allclose(relu_first, _chain_rule(relu_result, lambda z, h: (z > 0).astype(float)), rtol=1e-9)


@claims("bp-output-delta")
def _(shown: Shown) -> None:
    _, step = at_step(shown)
    assert step == ("delta_out",)
    r = shown.result
    out = r["layers"][-1]
    assert shown.says(r["probability"], "0.2474") and r["y"] == 1
    assert math.isclose(out["delta"][0], r["probability"] - r["y"], rel_tol=1e-12) and out["delta"][0] < 0
    assert out["delta"][0] == r["dloss_doutput"] and shown.says(out["delta"][0], "−0.7526")

    def squared(body: dict[str, Any]) -> None:
        body["task"] = "regression"

    regression = shown.again(squared)
    assert math.isclose(regression["dloss_doutput"], 2 * (regression["output"] - regression["y"]), rel_tol=1e-12)
    zero = shown.again(set_y(0))["layers"][-1]
    assert math.isclose(zero["delta"][0], r["probability"], rel_tol=1e-12) and shown.says(zero["delta"][0], "0.2474")


@claims("bp-hidden-delta")
def _(shown: Shown) -> None:
    _, step = at_step(shown)
    assert step == ("delta", 2, 0)  # unit 1 of the second hidden layer
    _, second, out = shown.result["layers"]
    assert len(out["b"]) == 1 and shown.says(len(second["b"]), "2")
    assert shown.says(out["W"][0][0], "1.011") and shown.says(out["delta"][0], "−0.7526")
    assert math.isclose(second["da"][0], out["W"][0][0] * out["delta"][0], rel_tol=1e-12)
    assert shown.says(second["da"][0], "−0.7607")
    assert math.isclose(second["slope"][0], 1 - second["a"][0] ** 2, rel_tol=1e-12)
    assert shown.says(second["slope"][0], "0.8382")
    assert math.isclose(second["delta"][0], second["da"][0] * second["slope"][0], rel_tol=1e-12)
    assert shown.says(second["delta"][0], "−0.6376")
    assert all(0 < s <= 1 for layer in shown.result["layers"][:-1] for s in layer["slope"])
    sigmoid = shown.again(set_activation("sigmoid"))["layers"]
    assert not any(shown.above(s, "0.25") for layer in sigmoid[:-1] for s in layer["slope"])
    assert shown.says(sigmoid[1]["delta"][0], "−0.1328")


@claims("bp-weight-gradient")
def _(shown: Shown) -> None:
    _, step = at_step(shown)
    assert step == ("grad", 2)  # ∂L/∂W of the second hidden layer: from the first to the second
    r = shown.result
    first, second, _ = r["layers"]
    dW = np.array(second["dW"])
    assert np.allclose(dW, np.outer(first["a"], second["delta"]), rtol=1e-12) and second["db"] == second["delta"]
    assert shown.says(first["a"][0], "0.5913") and shown.says(second["delta"][0], "−0.6376")
    assert shown.says(dW[0, 0], "−0.377", unit=0.0001)  # the page writes −0.3770 as −0.377
    assert shown.says(dW.size, "6") and dW.shape == (3, 2) and shown.says(len(second["db"]), "2")
    scale = r["probability"] / (r["probability"] - 1)
    assert shown.says(scale, "−0.3288")
    zero = shown.again(set_y(0))
    for before, after in zip(r["layers"], zero["layers"], strict=True):
        assert after["z"] == before["z"]  # the forward pass does not see the label
        assert np.allclose(after["delta"], scale * np.array(before["delta"]), rtol=1e-9, atol=1e-15)
        assert np.allclose(after["dW"], scale * np.array(before["dW"]), rtol=1e-9, atol=1e-15)


@claims("bp-update")
def _(shown: Shown) -> None:
    state, step = at_step(shown)
    assert step == ("update",) and shown.says(state["lr"], "0.1")
    r = shown.result
    out = r["layers"][-1]
    assert shown.says(out["W"][0][0], "1.011") and shown.says(out["dW"][0][0], "0.3027")
    assert shown.says(out["W"][0][0] - state["lr"] * out["dW"][0][0], "0.9806")
    assert len(shown.body["sample"]["x"]) == 2 and isinstance(shown.body["sample"]["y"], int | float)  # one sample

    def after(lr: float) -> float:
        return shown.again(lambda body: body.update(weights=sgd_step(r, lr)))["loss"]

    assert shown.says(r["loss"], "1.397") and shown.says(after(state["lr"]), "1.045")
    assert shown.says(after(0.5), "0.2419")


# ---- 8 backprop in a network


@claims("backprop-deep")
def _(shown: Shown) -> None:
    result = shown.result
    grads = np.array(result["grad_norm"])
    assert grads.shape[0] == 5 and shown.above(grads[:, 0].min(), "0.05") and shown.below(grads[:, 0].max(), "0.15")
    assert np.all(grads > 0)  # no layer left behind
    assert shown.below(result["loss"][-1], "0.01") and result["steps"][-1] == 1000
    sigmoid = shown.again(lambda body: body["model"].update(activation="sigmoid", init="xavier"))
    first = np.array(sigmoid["grad_norm"])[:, 0]
    assert 150 < first[-1] / first[0] < 250  # about 200 times smaller


@claims("bp-deep-delta")
def _(shown: Shown) -> None:
    _, step = at_step(shown)
    assert step == ("grad", 1)  # every δ is known: the first layer's ∂L/∂W = x·δᵀ
    r = shown.result
    assert shown.body["model"]["hidden"] == [4, 4, 4] and shown.body["model"]["activation"] == "sigmoid"
    *hidden, out = r["layers"]
    slopes = np.concatenate([layer["slope"] for layer in hidden])
    assert shown.above(slopes.min(), "0.20") and shown.below(slopes.max(), "0.25") and slopes.max() <= 0.25
    assert math.isclose(out["delta"][0], r["probability"] - r["y"], rel_tol=1e-12)
    assert shown.says(out["delta"][0], "−0.5510")
    largest = [np.abs(layer["delta"]).max() for layer in hidden]  # layers 1, 2, 3
    assert shown.says(largest[2], "0.0507") and shown.says(largest[1], "0.0039") and shown.says(largest[0], "0.00089")
    assert np.all(np.diff(largest) > 0) and shown.above(abs(out["delta"][0]) / largest[0], "600")
    assert shown.below(np.abs(hidden[0]["dW"]).max(), "0.0005")
    tanh = shown.again(set_activation("tanh"))["layers"][0]
    assert shown.says(np.abs(tanh["delta"]).max(), "0.026")
    assert shown.says(np.abs(tanh["delta"]).max() / largest[0], "30", unit=5)  # about 30 times larger


# ---- 9 comparing and choosing optimizers


@claims("compare-canyon")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    gd, momentum, adagrad, rmsprop, adam = shown.runs
    assert [r.raw["optimizer"] for r in shown.runs] == ["sgd", "sgd", "adagrad", "rmsprop", "adam"]
    assert shown.below(momentum.distance()[20], "0.011") and shown.below(rmsprop.distance()[20], "0.011")
    assert shown.says(gd.distance()[20], "0.94") and abs(gd.x[20]) > 100 * abs(gd.y[20])  # along the flat direction
    assert shown.says(adam.distance()[20], "1") and adam.x.max() > 0  # swung past the minimum
    assert shown.says(adagrad.distance()[20], "2.4")
    for run in (adagrad, rmsprop, adam):
        assert np.isclose(abs(run.x[1] - run.x[0]), abs(run.y[1] - run.y[0]), rtol=1e-6)  # diagonal
    for run in (gd, momentum):  # along the gradient (0.2x, 4y) = (−1, −8)
        assert np.isclose((run.y[1] - run.y[0]) / (run.x[1] - run.x[0]), 8.0, rtol=1e-12)


@claims("compare-rosenbrock")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 2000
    gd, momentum, adam = shown.runs
    within = {name: run.first(run.distance((1, 1)) < 0.1) for name, run in (("m", momentum), ("a", adam))}
    assert (
        shown.says(within["m"], "580", unit=40)
        and shown.says(within["a"], "850", unit=40)
        and gd.first(gd.distance((1, 1)) < 0.1) is None
    )
    assert (
        shown.below(adam.distance((1, 1))[-1], "0.00001") and adam.distance((1, 1))[-1] < momentum.distance((1, 1))[-1]
    )
    assert shown.below(momentum.distance((1, 1))[-1], "0.001")
    assert shown.says(gd.distance((1, 1))[-1], "0.8")
    (faster,) = runs_of(shown.again(lambda b: b.update(optimizers=[{"name": "sgd", "params": {"lr": 0.002}}])))
    assert momentum.distance((1, 1))[-1] < faster.distance((1, 1))[-1] < gd.distance((1, 1))[-1]


@claims("compare-saddle")
def _(shown: Shown) -> None:
    assert shown.result["surface"]["saddles"] == [{"x": 0.0, "y": 0.0, "f": 0.0}]
    gd, momentum, rmsprop, adam = (run.first(np.abs(run.y) > 1) for run in shown.runs)  # |y| past 1
    assert shown.says(gd, "150", unit=20) and shown.below(max(rmsprop, adam), "20") and shown.below(momentum, "35")
    for run in shown.runs:  # no lower bound: heading for −∞
        assert run.loss[-1] < 0 and run.loss[-1] < run.loss[-2] and run.status != "converged"
    ridge = runs_of(shown.again(lambda body: body.update(start=[-1.8, 0])))
    for run in ridge:
        assert np.all(run.y == 0.0) and abs(run.x[-1]) < 1.8  # on the line y = 0, toward the saddle


# ---- 10 a worked case: linear regression


def _half_mse(data: dict[str, list[float]], w: float, b: float) -> float:
    x, y = np.array(data["x"]), np.array(data["y"])
    return float(np.mean(0.5 * (w * x + b - y) ** 2))


@claims("linreg-surface")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 50 and shown.body["surface"] == {"name": "linear_regression", "params": {}}
    data = shown.result["surface"]["data"]
    assert made(data, 2, 1) and shown.says(len(data["x"]), "100")
    (run,) = shown.runs
    assert run.raw["params"]["lr"] == 0.5 and (run.x[0], run.y[0]) == (-2, -2)
    for wk, bk, loss in zip(run.x, run.y, run.loss, strict=True):  # the height is half the mean squared error
        assert np.isclose(loss, _half_mse(data, wk, bk), rtol=1e-12, atol=1e-15)
    w, b = least_squares(data)
    assert shown.says(w, "1.97") and shown.says(b, "0.96")
    (minimum,) = shown.result["surface"]["minima"]
    assert np.isclose(minimum["x"], w, rtol=1e-9) and np.isclose(minimum["y"], b, rtol=1e-9)
    assert shown.below(run.distance((w, b))[50], "0.001")
    assert np.all(np.abs(run.y[1:] - b) < np.abs(run.x[1:] - w))  # b first
    x = np.array(data["x"])
    curvature = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])  # the Hessian
    assert shown.says(np.mean(x * x), "0.38") and 2.5 < 1 / np.mean(x * x) < 3.5  # about three times
    largest = np.linalg.eigvalsh(curvature)[-1]
    assert shown.says(largest, "1.01") and shown.says(2 / largest, "1.97")
    (past,) = runs_of(shown.again(set_lr(0, 2.1)))
    off = np.abs(past.y - b)
    assert np.all(np.diff(off[10:]) > 0) and off[-1] > 100 and off[-1] > 5 * abs(past.x[-1] - w)  # mostly along b


@claims("linreg-sgd")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 200 and shown.body["surface"] == {"name": "linear_regression", "params": {}}
    data = shown.result["surface"]["data"]
    assert made(data, 2, 1) and shown.says(len(data["x"]), "100")  # the points of sections 3 and 10
    full, mini, single = shown.runs
    assert [r.raw["batch"] for r in shown.runs] == [None, *({"size": s, "seed": 0, "replace": False} for s in (10, 1))]
    assert all(r.raw["params"]["lr"] == 0.1 for r in shown.runs)
    best = least_squares(data)
    assert shown.says(best[0], "1.97") and shown.says(best[1], "0.96")
    assert shown.below(max(r.distance(best)[-1] for r in shown.runs), "0.03") and _rises(full.loss) == 0
    # an epoch: 10 steps of B = 10, 100 of B = 1
    assert shown.says(epochs(mini, 100), "20") and shown.says(epochs(single, 100), "2")
    assert {len(b) for b in mini.raw["batches"]} == {10} and {len(b) for b in single.raw["batches"]} == {1}
    assert "batch_loss" not in full.raw or full.raw["batch_loss"] is None
    spread = []
    for run in (mini, single):
        batch_loss, points = np.array(run.raw["batch_loss"]), run.raw["batches"]
        assert len(batch_loss) == 200
        for k in (0, 57, 199):  # the loss on just the batch's points, at θₖ
            part = {"x": [data["x"][i] for i in points[k]], "y": [data["y"][i] for i in points[k]]}
            assert np.isclose(batch_loss[k], _half_mse(part, run.x[k], run.y[k]), rtol=1e-12)
        gap = batch_loss - run.loss[:-1]
        assert (gap > 0).sum() > 50 and (gap < 0).sum() > 50  # above and below the full loss
        spread.append(gap.std())
    assert 1.5 < spread[1] / spread[0] < 3  # about twice as wide for B = 1

    last = slice(-50, None)

    def as_in_section_3(body: dict[str, Any]) -> None:
        for entry in body["optimizers"]:
            entry["params"]["lr"] = 0.5

    faster = runs_of(shown.again(as_in_section_3))
    for before, after in zip((mini, single), faster[1:], strict=True):
        assert after.distance(best)[last].max() > 3 * before.distance(best)[last].max()  # wobbling to the end
    assert faster[0].distance(best)[-1] < 1e-6


@claims("linreg-minibatch")
def _(shown: Shown) -> None:
    result = shown.result
    assert result["task"] == "regression" and shown.body["batch_size"] == 10 and shown.body["dataset"]["n"] == 200
    assert shown.above(result["loss"][-1], "0.007") and shown.below(result["loss"][-1], "0.013")
    X, y = np.array(result["data"]["x"]), np.array(result["data"]["y"])
    assert X.shape == (200, 2)
    fit, residual = np.linalg.lstsq(np.column_stack([X, np.ones(200)]), y, rcond=None)[:2]
    assert np.abs(fit - [0.8, -0.5, 0.2]).max() < 0.05 and 0.08 < math.sqrt(residual[0] / 200) < 0.12  # the data
    weights = shown.again(lambda body: body.update(include_weights=True))["weights"]["final"]
    (W1, b1), (W2, b2) = [(np.array(layer["W"]), np.array(layer["b"])) for layer in weights]
    w, b = (W1 @ W2).ravel(), float((b1 @ W2 + b2)[0])
    assert shown.below(np.abs([*(w - [0.8, -0.5]), b - 0.2]).max(), "0.05")
    full = shown.again(lambda body: body.update(batch_size=200))
    assert _rises(full["loss"]) == 0 and 0.007 < full["loss"][-1] < 0.013


@claims("linreg-l1-l2")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 200 and shown.body["schedule"] == {"name": "cosine"}
    assert shown.body["surface"] == {"name": "linear_regression", "params": {"w_true": 1, "b_true": 3}}
    data = shown.result["surface"]["data"]
    assert made(data, 1, 3)
    plain, lasso, ridge = shown.runs
    assert [r.raw["regularization"] for r in shown.runs] == [
        {"l1": 0.0, "l2": 0.0},
        {"l1": 0.5, "l2": 0.0},
        {"l1": 0.0, "l2": 0.5},
    ]
    w, b = least_squares(data)
    assert shown.says(w, "0.97") and shown.says(b, "2.96") and plain.distance((w, b))[-1] < 1e-6
    shrunk = least_squares(data, l2=0.5)
    assert shown.says(shrunk[0], "0.52") and shown.says(shrunk[1], "2.00") and ridge.distance(shrunk)[-1] < 1e-6
    # L1's minimum: with w = 0, b = mean(y) − 0.5 zeroes ∂J/∂b; there |∂f/∂w| < 0.5, so 0 is in ∂J/∂w,
    # and for a convex J that makes (0, b) the minimum: w exactly 0, the corner
    x, y = np.array(data["x"]), np.array(data["y"])
    corner_b = float(np.mean(y) - 0.5)
    slope = abs(float(np.mean(x * (corner_b - y))))
    assert corner_b > 0 and shown.says(corner_b, "2.56") and shown.says(slope, "0.40") and slope < 0.5
    assert shown.below(abs(lasso.x[-1]), "0.002") and abs(lasso.y[-1] - corner_b) < 0.01
    assert 0 < ridge.x[-1] < plain.x[-1] and ridge.y[-1] < plain.y[-1]  # flatter and lower
    assert shown.says(ridge.x[-1], "0.52")

    def constant(body: dict[str, Any]) -> None:
        body["schedule"] = {"name": "constant"}

    hopping = runs_of(shown.again(constant))[1].x[-20:]
    assert hopping.min() < 0 < hopping.max() and np.ptp(hopping) > 0.1

    def weaker(body: dict[str, Any]) -> None:
        body["optimizers"][1]["regularization"] = {"l1": 0.2, "l2": 0}

    assert slope > 0.2 and runs_of(shown.again(weaker))[1].x[-1] > 0.1  # no longer 0


# ---- 11 where things go


@claims("newton")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    gd, newton = shown.runs
    assert (newton.x[1], newton.y[1]) == (0.0, 0.0) and newton.status == "converged" and newton.steps_taken == 1
    assert shown.says(gd.distance()[20], "0.94")

    def rosenbrock(body: dict[str, Any]) -> None:
        body.update(surface={"name": "rosenbrock"}, optimizers=[{"name": "newton"}])
        del body["start"]

    (valley,) = runs_of(shown.again(rosenbrock))
    assert valley.steps_taken <= 10 and valley.distance((1, 1))[-1] < 1e-9


@claims("saddle-free-newton")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 20
    gd, newton, free = shown.runs
    assert (newton.x[1], newton.y[1]) == (0.0, 0.0) and newton.status == "converged" and newton.steps_taken == 1
    assert np.allclose(free.y[1:] / free.y[:-1], 2, rtol=1e-3)  # doubling along y
    assert np.all(np.diff(free.loss) < 0)  # always downhill
    assert np.allclose(gd.y[1:] / gd.y[:-1], 1.2, rtol=1e-12)
    assert np.all(free.loss[1:] < gd.loss[1:])


@claims("adaptive-rotated")
def _(shown: Shown) -> None:
    assert shown.body["steps"] == 100
    gd, rmsprop, adam, newton = shown.runs
    assert shown.body["surface"]["params"] == {"kappa": 50, "angle": 45}
    assert shown.above(min(rmsprop.distance()[100], adam.distance()[100]), "0.4")
    assert shown.below(gd.distance()[100], "0.02")
    assert newton.distance()[1] < 1e-12
    aligned = runs_of(shown.again(lambda body: body["surface"]["params"].update(angle=0)))
    assert shown.below(aligned[1].distance()[100], "0.00001") and aligned[3].distance()[1] < 1e-12


@claims("race-adam-gd")
def _(shown: Shown) -> None:
    assert [o["name"] for o in shown.body["optimizers"]] == ["adam", "sgd"] and shown.body["test_fraction"] == 0.2
    assert shown.body["model"]["hidden"] == [8, 8] and shown.body["dataset"]["name"] == "spiral"
    adam, gd = shown.result["runs"]
    assert adam["label"] == "Adam" and adam["loss"][0] == gd["loss"][0]  # one network, one start
    assert shown.says(adam["accuracy"][-1] * 100, "99.4") and shown.says(adam["test_accuracy"][-1] * 100, "80")
    assert shown.says(gd["loss"][0], "0.704") and shown.says(gd["loss"][-1], "0.639")
    test = np.array(adam["test_loss"])
    lowest = int(test.argmin())
    assert shown.says(adam["steps"][lowest], "160", unit=20) and shown.says(test[lowest], "0.50")
    later = test[np.array(adam["steps"]) >= 1000]
    assert shown.says(test[-1], "1.15") and later.min() > test[lowest] + 0.1  # it never comes back down
    l2 = shown.again(lambda body: body.update(l2=0.001))["runs"][0]
    gap = lambda run: run["test_loss"][-1] - run["loss"][-1]  # noqa: E731
    assert gap(l2) < gap(adam) / 2  # the penalty closes much of the gap


@claims("edge-of-stability")
def _(shown: Shown) -> None:
    assert shown.body["optimizer"] == {"name": "sgd", "params": {"lr": 0.04}} and shown.body["sharpness"] is True
    assert shown.body["batch_size"] is None  # full-batch gradient descent
    result = shown.result
    steps, sharp, loss = np.array(result["steps"]), np.array(result["sharpness"]), np.array(result["loss"])
    edge = 2 / 0.04
    assert shown.says(edge, "50") and shown.says(sharp[0], "14") and steps[-1] == 5000
    reached = steps[np.argmax(sharp >= 0.98 * edge)]
    assert shown.says(reached, "3000", unit=500)
    after = sharp[steps >= reached]
    assert shown.above(after.min(), "46") and shown.below(after.max(), "55")
    before = sharp[steps < reached]
    assert np.all(np.diff(before[::10]) > 0)  # it climbs steadily until then
    assert loss[-1] < loss[steps == reached][0]
    spikes = np.flatnonzero(loss[1:] > 1.5 * loss[:-1]) + 1  # a record whose loss jumped
    episodes = [i for i in spikes if i - 1 not in spikes]
    assert len(episodes) == 3 and shown.says(loss[steps >= reached].max(), "0.149")  # "three times"
    for i in episodes:
        assert shown.above(sharp[i - 1], "50") and shown.below(sharp[i : i + 3].min(), "48")
    slower = shown.again(lambda body: body["optimizer"]["params"].update(lr=0.02))
    climbing = np.array(slower["sharpness"])
    assert shown.says(2 / 0.02, "100") and shown.says(climbing[-1], "44") and climbing.argmax() == len(climbing) - 1


# ---- the Why panel: curvature from /api/analyze, the momentum map from /api/analyze/momentum


def analysis(shown: Shown, point: list[float]) -> dict[str, Any]:
    answer = shown.client.post("/api/analyze", json={"surface": shown.body["surface"], "point": point})
    assert answer.status_code == 200, answer.text
    return answer.json()


def rates(shown: Shown, lr: dict[str, Any], momentum: dict[str, Any], point: list[float]) -> np.ndarray:
    body = {"surface": shown.body["surface"], "point": point, "lr": lr, "momentum": momentum}
    answer = shown.client.post("/api/analyze/momentum", json=body)
    assert answer.status_code == 200, answer.text
    return np.array(answer.json()["rate"], dtype=float)


@claims("hessian-edge")
def _(shown: Shown) -> None:
    slow, fast = shown.runs
    start = [float(slow.x[0]), float(slow.y[0])]
    here = analysis(shown, start)
    assert shown.says(here["eigenvalues"][0], "1") and shown.says(here["eigenvalues"][1], "10")
    assert shown.says(here["gd_lr_max"], "0.2") and here["curvature"] == "convex"
    v1, v2 = (np.array(v) for v in here["eigenvectors"])
    assert shown.says(np.degrees(np.arccos(abs(v2[1]))), "30")  # v₂ is the y axis turned by 30°
    for run, along_v2, along_v1 in ((slow, "0.9", "0.81"), (fast, "1.1", "0.79")):
        points = np.stack([run.x, run.y], axis=1)
        c1, c2 = points @ v1, points @ v2
        assert np.allclose(c2[1:] / c2[:-1], -shown._stated(along_v2), rtol=1e-9)  # the zig-zag along v₂
        assert np.allclose(c1[1:] / c1[:-1], shown._stated(along_v1), rtol=1e-9)
    assert shown.says(slow.lr[0], "0.19") and shown.says(fast.lr[0], "0.21")
    last = np.array([fast.x[-1] - fast.x[-2], fast.y[-1] - fast.y[-2]])
    assert shown.below(np.degrees(np.arccos(abs(last @ v2) / np.hypot(*last))), "1")
    edge = runs_of(shown.again(set_lr(0, 0.2)))[0]
    c2 = np.stack([edge.x, edge.y], axis=1) @ v2
    assert shown.says(abs(c2).min(), "2.55") and shown.says(abs(c2).max(), "2.55")
    assert (np.sign(c2[1:]) == -np.sign(c2[:-1])).all()


@claims("momentum-map")
def _(shown: Shown) -> None:
    gd, momentum = shown.runs
    start = [float(gd.x[0]), float(gd.y[0])]
    here = analysis(shown, start)
    assert shown.says(here["eigenvalues"][0], "0.2") and shown.says(here["eigenvalues"][1], "4")
    kappa = here["condition_number"]
    assert shown.says(kappa, "20")
    # the map the page asks for (static/js/why/explain.js showMap): lr over (0, max(4/λ₂, 1.15·each lr)]
    top = max(4 / here["eigenvalues"][1], *(1.15 * o["params"]["lr"] for o in shown.body["optimizers"]))
    shown_map = rates(shown, {"range": [top / 160, top], "n": 160}, {"range": [0, 0.999], "n": 120}, start)
    assert shown.says(np.nanmin(shown_map[0]), "0.905") and shown.says((kappa - 1) / (kappa + 1), "0.905")
    j, i = np.unravel_index(np.nanargmin(shown_map), shown_map.shape)
    lrs, betas = np.linspace(top / 160, top, 160), np.linspace(0, 0.999, 120)
    assert shown.says(shown_map[j, i], "0.64") and shown.says(betas[j], "0.41") and shown.says(lrs[i], "0.64")
    # the two runs' own rates, and what 20 steps at those rates leave of the error
    pair = rates(shown, {"range": [0.4, 0.6], "n": 2}, {"range": [0, 0.5], "n": 2}, start)
    assert momentum.lr[0] == 0.6 and shown.body["optimizers"][1]["params"]["momentum"] == 0.5 and gd.lr[0] == 0.4
    assert shown.says(pair[0, 0], "0.92") and shown.says(pair[1, 1], "0.71")
    assert shown.says(pair[0, 0] ** 20, "0.19") and shown.says(pair[1, 1] ** 20, "0.001")
    # the flat band: rate √β for every lr of the stated span, and not beyond it at the left
    band = rates(shown, {"range": [0.43, 0.72], "n": 200}, {"range": [0.5, 0.6], "n": 2}, start)[0]
    assert np.allclose(band, math.sqrt(0.5), rtol=1e-12) and shown.says(math.sqrt(0.5), "0.71")
    assert rates(shown, {"range": [0.4, 0.42], "n": 2}, {"range": [0.5, 0.6], "n": 2}, start)[0].min() > 0.71
    moved = runs_of(shown.again(set_lr(1, 0.64, momentum=0.41)))[1]
    assert shown.says(momentum.distance()[-1], "0.0076") and shown.says(moved.distance()[-1], "0.0065")


# ---- maps of many runs (/sweep): one answer per optimizer, cells [j][i] = (y value j, x value i)


class Map:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.x, self.y = (np.array(a["values"]) for a in answer["axes"])
        self.loss = np.array(answer["final_loss"], dtype=float)
        self.steps = np.array(answer["steps_taken"])
        self.status = np.array(answer["status"])
        self.minimum = np.array(answer["minimum"])
        self.final = np.stack([np.array(answer["final_x"]), np.array(answer["final_y"])], axis=-1)


@claims("adam-lr-beta1-map")
def _(shown: Shown) -> None:
    (adam,) = [Map(a) for a in shown.result["maps"]]
    assert shown.body[0]["optimizer"]["name"] == "adam" and shown.body[0]["steps"] == 1000
    assert [a["param"] for a in shown.body[0]["axes"]] == ["lr", "betas[0]"] and adam.loss.size == 4096
    assert shown.says(adam.y[-1], "0.99") and (adam.status != "diverged").all()
    slow = adam.x < shown._stated("0.006")
    assert shown.above(adam.loss[:, slow].min(), "2.8")
    assert "10⁻⁶" in shown.scene["notice"]["en"][1]
    rows, cols = np.nonzero(adam.loss < 1e-6)
    assert rows.size and shown.above(adam.y[rows].min(), "0.79") and adam.y[rows].max() <= 0.99
    assert shown.above(adam.x[cols].min(), "0.07")
    nearest = np.argmin(np.abs(adam.y - 0.9))  # the default β₁ lies in the band
    assert (adam.loss[nearest] < 1e-6).any()
    assert shown.says(adam.loss[-1].min(), "0.00004") and adam.loss[-1].min() > 1e-6


@claims("basins-newton")
def _(shown: Shown) -> None:
    gd, newton, sfn = (Map(a) for a in shown.result["maps"])
    assert [b["optimizer"]["name"] for b in shown.body] == ["sgd", "newton", "saddle_free_newton"]
    assert shown.says(shown.body[0]["optimizer"]["params"]["lr"], "0.01")
    surface = shown.result["maps"][0]["surface"]
    assert len(surface["minima"]) == 4 and len(surface["saddles"]) == 4
    assert shown.says(gd.minimum.size, "16384") and (gd.status == "converged").all()
    assert (gd.minimum >= 0).all() and sorted(set(gd.minimum.ravel())) == [0, 1, 2, 3]
    assert shown.says(np.median(gd.steps), "40")
    assert (newton.status == "converged").all() and shown.says(np.median(newton.steps), "5")
    stuck = newton.minimum == -1
    assert shown.says(100 * stuck.mean(), "42")
    # every grey cell of Newton's map ends where the gradient is zero and the Hessian is no minimum's
    kinds = set()
    for end in np.unique(np.round(newton.final[stuck], 6), axis=0):
        answer = shown.client.post("/api/analyze", json={"surface": shown.body[1]["surface"], "point": list(end)})
        point = answer.json()
        assert np.hypot(*point["gradient"]) < 1e-3 and point["curvature"] in ("saddle", "concave"), point
        kinds.add(point["curvature"])
    assert kinds == {"saddle", "concave"}  # saddle points and the maximum
    assert (sfn.minimum >= 0).all() and shown.says(np.median(sfn.steps), "6")


# ---- 12 summary


@claims("summary")
def _(shown: Shown) -> None:
    result = shown.result
    assert shown.body["model"]["hidden"] == [8, 8] and shown.body["dataset"]["name"] == "spiral"
    assert (
        shown.above(100 * result["accuracy"][-1], "95")
        and shown.below(result["loss"][-1], "0.05")
        and result["steps"][-1] == 1000
    )
    plain = shown.again(lambda body: body.update(optimizer={"name": "sgd", "params": {"lr": 0.03}}))
    assert shown.above(plain["loss"][-1], "0.6")
    tuned = shown.again(lambda body: body.update(optimizer={"name": "sgd", "params": {"lr": 0.3, "momentum": 0.9}}))
    assert shown.below(tuned["loss"][-1], "0.1")


# ---- every scene is checked


@pytest.fixture(scope="module")
def catalog(client):
    return catalog_from(client)


def test_every_scene_has_a_check():
    assert set(CHECKS) == set(SCENES), {"unchecked": set(SCENES) - set(CHECKS), "no scene": set(CHECKS) - set(SCENES)}


@pytest.mark.parametrize("scene_id", list(SCENES))
def test_what_the_scene_says_is_what_the_api_computes(scene_id, client, catalog):
    path, body = scene_request(SCENES[scene_id], catalog)
    answers = [client.post(path, json=one) for one in (body if isinstance(body, list) else [body])]
    for answer in answers:
        assert answer.status_code == 200, answer.text
    result = {"maps": [a.json() for a in answers]} if isinstance(body, list) else answers[0].json()
    CHECKS[scene_id](Shown(SCENES[scene_id], client, path, body, result))
