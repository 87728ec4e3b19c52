"""The data panel of a data surface (static/js/plots/data.js): the surface's data points, each run's model
at the step under the cursor (the line y = w·x + b, the logistic curve σ(w·x + b)) moving as the cursor
moves, the current step's mini-batch ringed, the plane's axes named w and b, and the batch loss beside the
full loss. The batches' oracle is the sampling the README states, redone with numpy."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page

from .test_explorer import blur, open_explorer, paths, tid

SHOTS = Path(os.environ.get("GDVIZ_SHOTS", "/tmp/shots"))
LINEAR = "s=linear_regression&o=sgd;lr=0.5&o=adam;lr=0.3&n=60&bs=10&k=12"
PALETTE = ["#e6194b", "#1f77b4"]  # static/js/plots/colors.js


def panel(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => document.querySelector('[data-testid="data-panel"]').data.map((t) => ({
            meta: t.meta ?? null, x: Array.from(t.x ?? []), y: Array.from(t.y ?? []),
            customdata: Array.from(t.customdata ?? []), color: t.line?.color ?? t.marker?.color ?? null}))"""
    )


def of_kind(page: Page, meta: str) -> list[dict[str, Any]]:
    return [t for t in panel(page) if t["meta"] == meta]


def catalog_entry(page: Page, name: str) -> dict[str, Any]:
    return next(s for s in page.request.get("/api/surfaces").json() if s["name"] == name)


def batch_of_update(k: int, n: int = 100, size: int = 10, seed: int = 0) -> list[int]:
    """Batch k without replacement: epoch after epoch a permutation of n cut into slices of `size`."""
    rng = np.random.default_rng(seed)
    per_epoch = math.ceil(n / size)
    perms = [rng.permutation(n) for _ in range(k // per_epoch + 1)]
    start = (k % per_epoch) * size
    return [int(i) for i in perms[k // per_epoch][start : start + size]]


def test_the_panel_shows_the_data_and_each_runs_line_at_the_cursor(page: Page) -> None:
    open_explorer(page, LINEAR)
    assert page.locator(tid("data-panel")).is_visible()
    data = catalog_entry(page, "linear_regression")["data"]
    [points] = of_kind(page, "points")
    assert points["x"] == data["x"] and points["y"] == data["y"]

    def check_lines(step: int) -> None:
        runs = paths(page)
        models = of_kind(page, "model")
        assert [m["color"] for m in models] == PALETTE
        for run, model in zip(runs, models, strict=True):
            w, b = run["x"][step], run["y"][step]
            assert len(model["x"]) > 10
            for x, y in zip(model["x"], model["y"], strict=True):
                assert math.isclose(y, w * x + b, rel_tol=1e-12, abs_tol=1e-12)

    check_lines(12)
    # the step's mini-batch, ringed: the README's sampling (seed 0, B = 10, without replacement); both runs
    # inherit it, so each run's rings circle the same points
    [batch] = of_kind(page, "batch")
    want = batch_of_update(12)
    assert batch["customdata"] == want + want
    assert batch["x"] == [data["x"][i] for i in want] * 2 and batch["y"] == [data["y"][i] for i in want] * 2

    blur(page)
    page.keyboard.press(".")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"readout\"]').textContent.split(/\\s+/)[1] === '13'"
    )
    page.wait_for_function(
        """want => JSON.stringify(document.querySelector('[data-testid="data-panel"]').data
                   .find((t) => t.meta === 'batch').customdata) === JSON.stringify(want)""",
        arg=batch_of_update(13) * 2,
    )
    check_lines(13)


def test_each_runs_own_batch_is_ringed_in_its_colour(page: Page) -> None:
    # B = 10 for the first run, single samples for the second (its own batch size, the same seed).
    open_explorer(page, "s=linear_regression&o=sgd;lr=0.5&o=sgd;lr=0.5;bs=1&n=60&bs=10&k=12")
    [batch] = of_kind(page, "batch")
    single = int(np.random.default_rng(0).permutation(100)[12])  # batch 12 of size 1: the 13th point of epoch 1
    assert batch["customdata"] == [*batch_of_update(12), single]
    assert batch["color"] == [PALETTE[0]] * 10 + [PALETTE[1]]


def test_the_plane_is_named_w_and_b(page: Page) -> None:
    open_explorer(page, LINEAR)
    layout = page.evaluate("() => document.querySelector('[data-testid=\"contour\"]').layout")
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("w", "b")
    hover = page.evaluate("() => document.querySelector('[data-testid=\"contour\"]').data[6].hovertemplate")
    assert "(w, b) = (" in hover and "θ" not in hover


def test_the_batch_loss_is_drawn_beside_the_full_loss(page: Page) -> None:
    open_explorer(page, LINEAR)
    traces = page.evaluate(
        """() => document.querySelector('[data-testid="loss"]').data.map((t) => ({name: t.name, meta: t.meta ?? null,
            n: t.x.length, color: t.line.color, dash: t.line.dash ?? null, width: t.line.width}))"""
    )
    full = [t for t in traces if t["meta"] != "companion"]
    batch = [t for t in traces if t["meta"] == "companion"]
    assert [t["name"] for t in batch] == [f"{t['name']}: batch loss" for t in full]
    for f, b in zip(full, batch, strict=True):
        assert b["color"] == f["color"] and b["dash"] == "dot" and b["width"] < f["width"]
        assert b["n"] == f["n"] - 1  # one per update
    notes = page.evaluate(
        "() => document.querySelector('[data-testid=\"loss\"]').layout.annotations.map((a) => a.text)"
    )
    assert "dotted: batch loss" in notes


def test_logistic_regression_shows_labels_and_sigmoids(page: Page) -> None:
    open_explorer(page, "s=logistic_regression&o=sgd;lr=1&n=40&k=20")
    data = catalog_entry(page, "logistic_regression")["data"]
    [points] = of_kind(page, "points")
    assert set(points["y"]) == {0, 1} and points["x"] == data["x"]
    assert len(set(points["color"])) == 2  # the two labels in two colours
    [run] = paths(page)
    [model] = of_kind(page, "model")
    w, b = run["x"][20], run["y"][20]
    for x, y in zip(model["x"], model["y"], strict=True):
        assert math.isclose(y, 1 / (1 + math.exp(-(w * x + b))), rel_tol=1e-12)
    assert of_kind(page, "batch")[0]["x"] == []  # full batch: nothing ringed


def test_a_formula_surface_has_no_data_panel(page: Page) -> None:
    open_explorer(page, "s=rosenbrock&n=20")
    assert not page.locator(tid("data-panel")).is_visible()
    assert page.locator("#data-box").get_attribute("hidden") is not None


@pytest.mark.parametrize(
    ("path", "lang", "width", "height"),
    [
        ("/", "en", 1280, 720),
        ("/", "zh", 1280, 720),
        ("/", "en", 1024, 576),
        ("/", "zh", 1024, 576),
        ("/embed", "zh", 1024, 576),
    ],
)
def test_the_data_view_fits(page: Page, path: str, lang: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    extra = "&theme=projector&present=1&hide=table" if path == "/embed" else ""
    open_explorer(page, f"{LINEAR}&lang={lang}{extra}", path=path)
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= width and size[1] <= height, size
    stage = page.locator(".stage").evaluate("el => [el.scrollHeight, el.clientHeight]")
    assert stage[0] <= stage[1], stage
    for testid in ("contour", "data-panel"):
        box = page.locator(tid(testid)).bounding_box()
        assert box["width"] >= 180 and box["height"] >= 140 and box["x"] + box["width"] <= width + 0.5, (testid, box)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"view-data-{lang}-{width}{'-embed' if path == '/embed' else ''}.png")


def test_w_and_b_share_one_scale_and_the_legend_goes_under_a_tall_plot(page: Page) -> None:
    # A tall, narrow contour (a projected embed): equal units for w and b leave room under the plot,
    # and the legend goes there instead of over the paths.
    page.set_viewport_size({"width": 900, "height": 900})
    open_explorer(
        page,
        "s=linear_regression&o=sgd;lr=0.5;reg=off&o=sgd;lr=0.5;reg=l1:0.5&o=sgd;lr=0.5;reg=l2:0.5&n=50",
        path="/embed",
    )
    plot = page.evaluate(
        """() => { const l = document.querySelector('[data-testid="contour"]')._fullLayout;
                   return {w: l.xaxis._length, h: l.yaxis._length, xr: l.xaxis.range, yr: l.yaxis.range,
                           top: l._size.t, left: l._size.l}; }"""
    )
    units_x = plot["w"] / (plot["xr"][1] - plot["xr"][0])
    units_y = plot["h"] / (plot["yr"][1] - plot["yr"][0])
    assert units_x == pytest.approx(units_y, rel=0.02)  # pixels per unit of w = pixels per unit of b
    contour = page.locator(tid("contour")).bounding_box()
    legend = page.locator(f"{tid('contour-legend')} .legend").bounding_box()
    assert legend["y"] > contour["y"] + plot["top"] + plot["h"]  # below the plot area, not over it
