"""The 1-D view: a surface in x alone (`dims` 1) is drawn as the curve f(x) with each run's iterates on it
(static/js/plots/curve.js), in the explorer, the embed and so in /present. The oracle is the closed form of
gradient descent on f(x) = x²: x_k = (1 − 2·lr)^k · x_0."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

from .test_explorer import blur, open_explorer, settle, tid

PARABOLA = "s=parabola&o=sgd;lr=0.1&o=sgd;lr=0.45&o=sgd;lr=0.95&n=20"
LRS = (0.1, 0.45, 0.95)
SHOTS = Path(os.environ.get("GDVIZ_SHOTS", "/tmp/shots"))


def curve_traces(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => document.querySelector('[data-testid="curve"]').data.map((t) => ({
            name: t.name ?? null, meta: t.meta ?? null, mode: t.mode ?? null,
            x: Array.from(t.x ?? []), y: Array.from(t.y ?? []), color: t.line?.color ?? null,
        }))"""
    )


def of_kind(page: Page, meta: str) -> list[dict[str, Any]]:
    return [trace for trace in curve_traces(page) if trace["meta"] == meta]


def shown(page: Page, selector: str) -> bool:
    return page.locator(selector).evaluate("el => getComputedStyle(el).display !== 'none'")


def test_a_curve_in_x_alone_is_drawn_as_f_of_x_with_the_iterates_on_it(page: Page) -> None:
    open_explorer(page, PARABOLA)
    assert page.locator(".contour-box").get_attribute("data-hero") == "curve"
    assert shown(page, tid("curve")) and not shown(page, tid("contour")) and not shown(page, tid("contour-surface"))
    [curve] = of_kind(page, "curve")
    assert len(curve["x"]) == 100 and curve["x"][0] == -10 and curve["x"][-1] == 10
    assert all(
        math.isclose(y, x * x, rel_tol=1e-12, abs_tol=1e-12) for x, y in zip(curve["x"], curve["y"], strict=True)
    )
    layout = page.evaluate("() => document.querySelector('[data-testid=\"curve\"]').layout")
    assert layout["xaxis"]["title"]["text"] == "x" and layout["yaxis"]["title"]["text"] == "f(x)"

    paths = of_kind(page, "path")
    # the runs share their title: the legend shows it once, as its title, and what tells them apart
    assert [p["name"] for p in paths] == ["lr 0.1", "lr 0.45", "lr 0.95"]
    assert layout["legend"]["title"]["text"] == "GD"
    for path, lr in zip(paths, LRS, strict=True):
        assert path["mode"] == "lines+markers" and len(path["x"]) == 21  # x_0 … x_20, whole at the end
        for k, (x, y) in enumerate(zip(path["x"], path["y"], strict=True)):
            assert math.isclose(x, 10 * (1 - 2 * lr) ** k, rel_tol=1e-9, abs_tol=1e-12), (lr, k)
            assert math.isclose(y, x * x, rel_tol=1e-9, abs_tol=1e-12)  # on the curve

    # the start is marked (a ring on the curve at x_0), and the legend names the runs
    start = page.evaluate("() => document.querySelector('[data-testid=\"curve\"]').layout.shapes[0]")
    assert (start["xanchor"], start["yanchor"]) == (10, 100)
    assert page.locator(f"{tid('curve')} .legend .traces").count() == 3


def test_the_iterates_grow_with_the_cursor(page: Page) -> None:
    open_explorer(page, PARABOLA)
    blur(page)
    page.keyboard.press("Home")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"curve\"]').data.filter((t) => t.meta === 'path')"
        ".every((t) => t.x.length === 1)"
    )
    for _ in range(5):
        page.keyboard.press(".")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"curve\"]').data.filter((t) => t.meta === 'path')"
        ".every((t) => t.x.length === 6)"
    )
    assert page.locator(tid("readout")).inner_text().split()[1] == "5"
    paths = of_kind(page, "path")
    assert [len(p["x"]) for p in paths] == [6, 6, 6]
    # the current points (shapes after the start) sit on each run's 5th iterate
    now = page.evaluate(
        "() => document.querySelector('[data-testid=\"curve\"]').layout.shapes.slice(1)"
        ".map((s) => [s.xanchor, s.yanchor])"
    )
    for (x, y), lr in zip(now, LRS, strict=True):
        assert math.isclose(x, 10 * (1 - 2 * lr) ** 5, rel_tol=1e-9) and math.isclose(y, x * x, rel_tol=1e-9)


def test_a_custom_formula_in_x_alone_is_a_curve_and_a_surface_is_a_contour_again(page: Page) -> None:
    done = open_explorer(page, "s=custom&f=x**2/4%2Bsin(x)&o=adam;lr=0.3&n=40")
    assert page.locator(".contour-box").get_attribute("data-hero") == "curve"
    [curve] = of_kind(page, "curve")
    assert all(
        math.isclose(y, x * x / 4 + math.sin(x), abs_tol=1e-9) for x, y in zip(curve["x"], curve["y"], strict=True)
    )
    [path] = of_kind(page, "path")
    assert len(path["x"]) == 41

    page.locator(tid("surface")).select_option("rosenbrock")
    settle(page, done)
    assert page.locator(".contour-box").get_attribute("data-hero") == "contour"
    assert shown(page, tid("contour")) and not shown(page, tid("curve"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_embed_shows_the_curve_and_fits_a_projector(page: Page, lang: str) -> None:
    page.set_viewport_size({"width": 1024, "height": 576})
    open_explorer(page, f"{PARABOLA}&lang={lang}&theme=projector&present=1&hide=table", path="/embed")
    assert page.locator(".contour-box").get_attribute("data-hero") == "curve"
    assert [len(p["x"]) for p in of_kind(page, "path")] == [21, 21, 21]
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1024 and size[1] <= 576, size
    box = page.locator(tid("curve")).bounding_box()
    assert box["width"] > 400 and box["height"] > 300 and box["x"] + box["width"] <= 1024, box
    expect(page.locator(".player")).to_be_in_viewport()


@pytest.mark.parametrize(("lang", "width", "height"), [("en", 1280, 720), ("zh", 1280, 720), ("zh", 1024, 576)])
def test_the_explorer_with_a_curve_fits(page: Page, lang: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_explorer(page, f"{PARABOLA}&lang={lang}")
    size = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight, innerWidth, innerHeight]"
    )
    assert size[0] <= size[2] and size[1] <= size[3], size
    stage = page.locator(".stage").evaluate("el => [el.scrollHeight, el.clientHeight]")
    assert stage[0] <= stage[1], stage
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"view-curve-{lang}-{width}.png")
