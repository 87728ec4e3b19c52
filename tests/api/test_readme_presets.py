"""The README's links to the explorer and the Network view: each decodes exactly (no typo falls back
to a default), and what its text claims holds on the API's answer for it."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path
from urllib.parse import unquote_plus

import numpy as np
import pytest

from ..scenes import catalog_from, scene_request

README = Path(__file__).resolve().parents[2] / "README.md"
LINK = re.compile(r"\[([^\]]+)\]\(http://127\.0\.0\.1:8000/(network|sweep)?\?([^)]*)\)")


def presets() -> list[tuple[str, dict[str, str]]]:
    found = [
        (text, {"page": page or "surfaces", "query": query})
        for text, page, query in LINK.findall(README.read_text(encoding="utf-8"))
    ]
    assert len(found) >= 8, "the README lost its preset links"
    return found


def answer(client, scene: dict[str, str]) -> dict:
    """The API's answer to what the link's page asks; a sweep link's maps (one per optimizer) as {"maps": […]}."""
    path, body = scene_request(scene, catalog_from(client))
    responses = [client.post(path, json=one) for one in (body if isinstance(body, list) else [body])]
    for response in responses:
        assert response.status_code == 200, response.text
    return {"maps": [r.json() for r in responses]} if isinstance(body, list) else responses[0].json()


@pytest.mark.parametrize(("text", "scene"), presets(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_link_decodes_and_runs(client, text: str, scene: dict[str, str]) -> None:
    result = answer(client, scene)
    runs = result.get("runs") or result.get("maps") or [result]
    assert runs, text


def preset(words: str) -> dict[str, str]:
    matches = [scene for text, scene in presets() if words in text]
    assert len(matches) == 1, f"one README link should mention {words!r}"
    return matches[0]


def test_momentum_fixes_the_zig_zag_in_the_canyon(client) -> None:
    scene = preset("Momentum fixes the zig-zag")
    assert "0.1*x**2" in unquote_plus(scene["query"])
    gd, momentum = answer(client, scene)["runs"]
    assert gd["status"] == momentum["status"] == "max_steps"
    assert momentum["loss"][-1] < 1e-3 < gd["loss"][-1]
    # GD at lr 0.4 "crawls along x": after 20 steps x is still far from 0, y long settled.
    assert abs(gd["x"][-1]) > 0.5 and abs(gd["y"][-1]) < 1e-3


def test_cyclical_rate_cycles_without_diverging(client) -> None:
    (run,) = answer(client, preset("cyclical learning rate"))["runs"]
    assert run["status"] != "diverged"
    lr = run["lr"]
    assert min(lr) == pytest.approx(0.001) and max(lr) == pytest.approx(0.01)
    rises = sum(1 for a, b in itertools.pairwise(lr) if b > a)
    falls = sum(1 for a, b in itertools.pairwise(lr) if b < a)
    assert rises > 100 and falls > 100  # triangles, not a single ramp


def test_noise_lets_gd_leave_the_saddle(client) -> None:
    scene = preset("Gradient noise")
    (noisy,) = answer(client, scene)["runs"]
    quiet_query = re.sub(r"&?noise=[^&]*", "", scene["query"])
    (quiet,) = answer(client, {**scene, "query": quiet_query})["runs"]
    assert abs(noisy["y"][-1]) > 1 > 1e-6 > abs(quiet["y"][-1])


def test_gd_minibatch_and_sgd_on_linear_regression(client) -> None:
    result = answer(client, preset("GD, mini-batch and SGD"))
    (least_squares,) = result["surface"]["minima"]
    gd, mini, single = result["runs"]
    assert [r["batch"] and r["batch"]["size"] for r in result["runs"]] == [None, 10, 1]

    def distance(run: dict) -> float:
        return math.hypot(run["x"][-1] - least_squares["x"], run["y"][-1] - least_squares["y"])

    # GD arrives; batches of ten stay near; single samples wander farther (the noise of one point).
    assert distance(gd) < 1e-6 < distance(mini) < 0.2 < distance(single)
    assert "batch_loss" in mini and "batch_loss" in single and "batch_loss" not in gd


def test_clipping_tames_the_rnn_cliff(client) -> None:
    plain, clipped = answer(client, preset("exploding-gradient cliff"))["runs"]
    assert plain["clip"] is None and clipped["clip"] == {"max_norm": 1.0}

    def jumps(run: dict) -> list[float]:
        return [math.dist(a, b) for a, b in itertools.pairwise(zip(run["x"], run["y"], strict=True))]

    # Thrown across: one step of several units, then stuck on a plateau of loss ≈ 0.09.
    assert max(jumps(plain)) > 5 and plain["loss"][-1] > 0.05
    assert max(plain["grad_norm"]) > 10  # the wall's gradient where it landed: ×lr 0.5, a jump of several units
    # Clipped: no step longer than lr·1, and it settles low.
    assert max(jumps(clipped)) <= 0.5 + 1e-9 and clipped["loss"][-1] < 1e-3


def test_l1_pins_the_bias_at_zero_and_l2_shrinks(client) -> None:
    result = answer(client, preset("No penalty, L1 and L2"))
    none, l1, l2 = result["runs"]
    assert [r["regularization"] for r in result["runs"]] == [
        {"l1": 0.0, "l2": 0.0},
        {"l1": 0.3, "l2": 0.0},
        {"l1": 0.0, "l2": 1.0},
    ]
    # Without a penalty b is the least-squares bias (≈ 0.16); L1 holds it within 2·lr·l1 of 0 over the last
    # steps (it steps across the kink and back), L2 leaves b near its value but shrinks w by half or more.
    assert none["y"][-1] > 0.1
    assert max(abs(b) for b in l1["y"][-50:]) < 2 * 0.1 * 0.3
    assert abs(l2["y"][-1]) > 0.1 and l2["x"][-1] < 0.5 * none["x"][-1]
    assert l1["x"][-1] < none["x"][-1]


def test_lr_too_small_right_and_too_large_on_the_parabola(client) -> None:
    result = answer(client, preset("too small, right and too large on the parabola"))
    assert result["surface"]["dims"] == 1
    for run in result["runs"]:
        lr = run["params"]["lr"]
        # x_k = (1 − 2·lr)^k · x₀ exactly as stated, and y never moves.
        for k in (1, 5, len(run["x"]) - 1):
            assert run["x"][k] == pytest.approx((1 - 2 * lr) ** k * 10, rel=1e-12)
        assert set(run["y"]) == {0.0}
    small, right, large = result["runs"]
    assert abs(right["x"][-1]) < 1e-6 < abs(small["x"][-1]) < 1 < 10 < abs(large["x"][-1])


# ---- the Networks page's lessons


def test_adam_overfits_while_gd_has_barely_started(client) -> None:
    adam, gd = answer(client, preset("Adam vs SGD on the same network"))["runs"]
    assert adam["loss"][0] == gd["loss"][0]  # one network, one start
    assert round(adam["accuracy"][-1] * 100) == 99  # "fits the training points (99 %)"
    lowest = min(adam["test_loss"])
    assert adam["test_loss"][-1] > 2 * lowest  # "its dashed test loss turns up"
    assert round(gd["loss"][-1], 2) == 0.64  # "still near the start (loss 0.64)"


def test_eight_sigmoid_layers_lose_the_gradient(client) -> None:
    result = answer(client, preset("eight sigmoid layers"))
    first = [layer[0] for layer in result["grad_norm"]]
    assert len(first) == 9 and first[-1] / first[0] > 10_000
    assert abs(result["loss"][-1] - math.log(2)) < 1e-3  # "does not learn"


def test_small_init_stays_and_relu_he_trains(client) -> None:
    small = answer(client, preset("Small normal init with tanh"))
    relu = answer(client, preset("ReLU with He init"))
    grads = [g for layer in small["grad_norm"] for g in layer]
    assert max(grads) < 1e-3 and round(small["loss"][-1], 3) == 0.693
    first = [layer[0] for layer in relu["grad_norm"]]
    assert max(first) / min(first) < 10 and relu["loss"][-1] < 0.1


def test_sharpness_rises_to_two_over_the_learning_rate(client) -> None:
    result = answer(client, preset("The edge of stability"))
    sharp, steps = result["sharpness"], result["steps"]
    assert round(sharp[0]) == 14 and 2 / 0.04 == 50  # "from 14 to 2/η = 50"
    reached = next(i for i, s in enumerate(sharp) if s >= 0.98 * 50)
    after = sharp[reached:]
    assert abs(steps[reached] - 3000) <= 500 and 46 < min(after) and max(after) < 55  # "hovers there (46 to 55)"
    assert result["loss"][-1] < result["loss"][reached]


def test_sigmoid_xavier_beside_relu_he(client) -> None:
    result = answer(client, preset("Vanishing gradients beside their cure"))
    sigmoid, relu = result["runs"]
    assert result["landscape"] is None  # two loss functions: no common plane
    s0 = [layer[0] for layer in sigmoid["grad_norm"]]
    r0 = [layer[0] for layer in relu["grad_norm"]]
    assert f"{s0[0]:.1e}" == "7.9e-05" and round(s0[-1], 2) == 0.81  # "7.9·10⁻⁵ … 0.81"
    assert round(min(r0), 2) == 0.10 and round(max(r0), 2) == 0.24
    assert round(r0[0], 3) == 0.138 and round(r0[-1], 3) == 0.102
    assert round(sigmoid["loss"][-1], 4) == 0.6931 and round(sigmoid["accuracy"][-1], 2) == 0.80
    assert f"{relu['loss'][-1]:.1e}" == "1.9e-04" and relu["accuracy"][-1] == 1.0


def test_two_over_lambda_is_the_edge_and_momentum_moves_it(client) -> None:
    scene = preset("2/λ is the edge")
    result = answer(client, scene)
    point = client.post("/api/analyze", json={"surface": {"name": "quadratic"}}).json()  # the link's default bowl
    assert point["eigenvalues"] == pytest.approx([1, 10]) and point["gd_lr_max"] == pytest.approx(0.2)
    settles, diverges, momentum = result["runs"]
    assert settles["loss"][-1] < 1e-12 and momentum["loss"][-1] < 1e-12
    assert diverges["status"] == "diverged" and abs(diverges["y"][-1]) > 1e3 * abs(diverges["x"][-1])  # along v₂
    # torch's SGD(lr, momentum=β) on λ is stable below 2(1 + β)/λ: 0.3 with β = 0.5, λ = 10
    rates = client.post(
        "/api/analyze/momentum",
        json={"eigenvalues": [10], "lr": {"range": [0.29, 0.31], "n": 2}, "momentum": {"range": [0.5, 0.6], "n": 2}},
    ).json()["rate"][0]
    assert rates[0] < 1 < rates[1]


def test_adagrad_effective_rate_only_shrinks_and_rmsprop_recovers(client) -> None:
    adagrad, rmsprop = answer(client, preset("Inside AdaGrad and RMSProp"))["runs"]
    for run in (adagrad, rmsprop):
        assert set(run["state"]) >= {"grad", "step", "effective_lr"}
    rate = np.array([[np.nan if v is None else v for v in pair] for pair in adagrad["state"]["effective_lr"]])
    shown = rate[np.isfinite(rate).all(axis=1)]
    assert (np.diff(shown, axis=0) <= 1e-15).all()  # lr/√(Σg²): the sum only grows
    recovering = np.array([[np.nan if v is None else v for v in p] for p in rmsprop["state"]["effective_lr"]])
    along = recovering[:, 1][np.isfinite(recovering[:, 1])]
    assert along.min() < 0.5 * along[-1]  # the leaky average forgets the large early gradients


def test_the_basin_maps_of_gd_newton_and_saddle_free_newton(client) -> None:
    gd, newton, free = answer(client, preset("Basins of GD, Newton"))["maps"]
    assert min(map(min, gd["minimum"])) == 0 and min(map(min, free["minimum"])) == 0
    assert min(map(min, newton["minimum"])) == -1  # Newton stops at saddle points and the maximum too
