"""Regularization you can see (static/js/plots/penalty.js): with one penalty shared by every run the contour
is J = f + penalty's and says so; with per-run penalties f's contour stays and each penalized run's own
minimum of J is marked in its colour; a curve shows each run's J. The oracle is the closed form of the
minimizer of f(x, y) = (x − a)² + (y − b)² plus a penalty: per coordinate, L1 soft-thresholds
(θᵢ = sign(cᵢ)·max(0, |cᵢ| − l1/2)) and L2 shrinks (θᵢ = cᵢ / (1 + l2/2))."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page

from .test_curve_view import of_kind
from .test_explorer import open_explorer, paths, settle, tid

SHOTS = Path(os.environ.get("GDVIZ_SHOTS", "/tmp/shots"))
CENTER = (1.0, 0.5)
BOWL = "s=custom&f=(x-1)**2%2B(y-0.5)**2&n=150"
RUNS = "o=sgd;lr=0.1&o=sgd;lr=0.1;reg=l1:1&o=sgd;lr=0.1;reg=l2:1"
PALETTE = ["#e6194b", "#1f77b4", "#1e8a1e"]  # static/js/plots/colors.js


def soft(c: float, l1: float) -> float:
    return math.copysign(max(0.0, abs(c) - l1 / 2), c)


def minimizer(l1: float = 0.0, l2: float = 0.0) -> tuple[float, float]:
    """argmin (x − 1)² + (y − 0.5)² + l1·(|x| + |y|) + (l2/2)·(x² + y²), coordinate by coordinate."""
    return tuple(soft(c, l1) / (1 + l2 / 2) for c in CENTER)  # type: ignore[return-value]


def grid(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const t = document.querySelector('[data-testid="contour-surface"]').data[0];
                   return {x: Array.from(t.x), y: Array.from(t.y), z: t.z.map((row) => Array.from(row))}; }"""
    )


def j_minima(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const t = document.querySelector('[data-testid="contour"]').data[1];  // the minima
                   const js = Array.from(t.customdata).map((kind, k) => [kind, k]).filter(([kind]) => kind === 'J');
                   return {x: js.map(([, k]) => t.x[k]), y: js.map(([, k]) => t.y[k]),
                           text: js.map(([, k]) => t.text[k]),
                           color: js.map(([, k]) => t.marker.color[k])}; }"""
    )


def legend_texts(page: Page) -> list[str]:
    return page.locator(f"{tid('contour-legend')} .legend text").evaluate_all("els => els.map((e) => e.textContent)")


def test_a_shared_penalty_draws_the_contours_of_j_and_its_minimum(page: Page) -> None:
    # log colours off: the drawn z is then J itself
    done = open_explorer(page, f"{BOWL}&log=0&o=sgd;lr=0.1&o=adam;lr=0.05")
    f = grid(page)
    assert j_minima(page)["x"] == []  # no penalty: nothing but f's own minimum
    assert not any("J = f" in text for text in legend_texts(page))

    page.get_by_label("L1: exact value").fill("1")
    page.get_by_label("L1: exact value").press("Enter")
    settle(page, done)
    j = grid(page)
    assert j["x"] == f["x"] and j["y"] == f["y"]
    for row, (fz, jz) in enumerate(zip(f["z"], j["z"], strict=True)):
        y = f["y"][row]
        for i, x in enumerate(f["x"]):
            assert math.isclose(jz[i], fz[i] + abs(x) + abs(y), rel_tol=1e-12, abs_tol=1e-12)
    minimum = j_minima(page)
    (x, y), (want_x, want_y) = (minimum["x"][0], minimum["y"][0]), minimizer(l1=1)
    assert len(minimum["x"]) == 1 and abs(x - want_x) < 1e-6 and abs(y - want_y) < 1e-9, (x, y)  # the L1 corner
    assert minimum["text"] == ["minimum of J"]
    texts = legend_texts(page)
    assert any("contours of J = f + L1 penalty" in text for text in texts), texts
    assert "minimum of J" in texts


def test_per_run_penalties_keep_f_and_mark_each_runs_own_minimum(page: Page) -> None:
    open_explorer(page, f"{BOWL}&{RUNS}&log=0")
    drawn = grid(page)  # log colours off: the drawn z is the function itself, f's and not any run's J
    for row, y in zip(drawn["z"], drawn["y"], strict=True):
        for v, x in zip(row, drawn["x"], strict=True):
            assert math.isclose(v, (x - 1) ** 2 + (y - 0.5) ** 2, rel_tol=1e-12, abs_tol=1e-12)

    minimum = j_minima(page)
    assert minimum["text"] == ["minimum of J (L1 1)", "minimum of J (L2 1)"]
    assert minimum["color"] == PALETTE[1:]
    for (x, y), want in zip(
        zip(minimum["x"], minimum["y"], strict=True), (minimizer(l1=1), minimizer(l2=1)), strict=True
    ):
        assert abs(x - want[0]) < 1e-6 and abs(y - want[1]) < 1e-6, (x, y, want)
    # each penalized run ends at its own minimum, short of f's at (1, 0.5): the marker explains it
    runs = paths(page)
    for run, want in zip(runs[1:], (minimizer(l1=1), minimizer(l2=1)), strict=True):
        assert math.hypot(run["x"][-1] - want[0], run["y"][-1] - want[1]) < 1e-3
    assert math.hypot(runs[0]["x"][-1] - 1, runs[0]["y"][-1] - 0.5) < 1e-3
    texts = legend_texts(page)
    assert "minimum of J (L1 1)" in texts and "minimum of J (L2 1)" in texts
    assert not any("J = f" in text for text in texts)  # the contours are f's


def test_a_curve_shows_each_runs_j_and_a_shared_j(page: Page) -> None:
    open_explorer(
        page, "s=custom&f=(x-3)**2&start=-2,0&o=sgd;lr=0.1&o=sgd;lr=0.1;reg=l1:2&o=sgd;lr=0.1;reg=l2:0.5&n=60"
    )
    [curve] = of_kind(page, "curve")
    assert all(math.isclose(y, (x - 3) ** 2, abs_tol=1e-9) for x, y in zip(curve["x"], curve["y"], strict=True))
    j_curves = of_kind(page, "j-curve")
    assert j_curves[0]["x"] == []  # no penalty: f is its curve
    for x, y in zip(j_curves[1]["x"], j_curves[1]["y"], strict=True):
        assert math.isclose(y, (x - 3) ** 2 + 2 * abs(x), abs_tol=1e-9)
    for x, y in zip(j_curves[2]["x"], j_curves[2]["y"], strict=True):
        assert math.isclose(y, (x - 3) ** 2 + 0.25 * x * x, abs_tol=1e-9)
    assert [t["color"] for t in j_curves[1:]] == PALETTE[1:]
    minima = [m for m in of_kind(page, "j-minimum") if m["x"]]
    assert [m["name"] for m in minima] == ["minimum of J (L1 2)", "minimum of J (L2 0.5)"]
    assert abs(minima[0]["x"][0] - 2) < 1e-6 and abs(minima[1]["x"][0] - 2.4) < 1e-6  # 3 − l1/2; 3 / (1 + l2/2)
    # the iterates sit on their own run's J
    for path, j in zip(
        of_kind(page, "path")[1:],
        (lambda x: (x - 3) ** 2 + 2 * abs(x), lambda x: (x - 3) ** 2 + 0.25 * x * x),
        strict=True,
    ):
        assert all(math.isclose(y, j(x), rel_tol=1e-9, abs_tol=1e-9) for x, y in zip(path["x"], path["y"], strict=True))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_shared_penalty_on_a_curve_is_its_j(page: Page, lang: str) -> None:
    open_explorer(page, f"s=parabola&o=sgd;lr=0.1&o=adam;lr=0.5&n=40&l1=5&lang={lang}")
    [curve] = of_kind(page, "curve")
    assert all(math.isclose(y, x * x + 5 * abs(x), abs_tol=1e-9) for x, y in zip(curve["x"], curve["y"], strict=True))
    [f] = of_kind(page, "f")
    assert all(math.isclose(y, x * x, abs_tol=1e-9) for x, y in zip(f["x"], f["y"], strict=True))
    shared = [m for m in of_kind(page, "j-minimum") if m["x"]]
    assert len(shared) == 1 and abs(shared[0]["x"][0]) < 1e-9
    layout = page.evaluate("() => document.querySelector('[data-testid=\"curve\"]').layout")
    assert layout["yaxis"]["title"]["text"] == "J(x)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"view-reg-curve-{lang}.png")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_per_run_picture_fits(page: Page, lang: str) -> None:
    page.set_viewport_size({"width": 1024, "height": 576})
    open_explorer(page, f"{BOWL}&{RUNS}&lang={lang}")
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1024 and size[1] <= 576, size
    legend = page.locator(f"{tid('contour-legend')} .legend").bounding_box()
    plot = page.locator(tid("contour")).bounding_box()
    assert legend["x"] >= plot["x"] and legend["x"] + legend["width"] <= plot["x"] + plot["width"] + 1, (legend, plot)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"view-reg-contour-{lang}.png")
