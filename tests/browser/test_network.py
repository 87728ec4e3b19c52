"""The Network view in a real browser: training streams in and every plot fills."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

from .test_explorer import blur, commit, open_explorer, settle, tid


def figure(page: Page, testid: str) -> list[dict[str, Any]]:
    return page.evaluate(
        """id => (document.querySelector(`[data-testid="${id}"]`).data ?? []).map((t) => ({
            x: t.x ? Array.from(t.x) : [], y: t.y ? Array.from(t.y) : [], z: t.z ?? null }))""",
        testid,
    )


def test_training_fills_every_plot(page: Page) -> None:
    open_explorer(page, "n=400&r=20", path="/network")
    steps = list(range(0, 401, 20))
    loss = figure(page, "loss")
    assert len(loss) == 1 and loss[0]["x"] == steps
    assert loss[0]["y"][-1] < loss[0]["y"][0]  # it learns
    accuracy = figure(page, "accuracy")
    assert accuracy[0]["x"] == steps and 0.5 <= accuracy[0]["y"][-1] <= 1
    boundary = figure(page, "boundary")
    assert len(boundary[1]["x"]) == 200  # the data points
    z = boundary[0]["z"]
    assert len(z) == 50 and len(z[0]) == 50 and all(v is not None for row in z for v in row)  # a frame is shown
    heat = figure(page, "grad-heatmap")[0]
    assert heat["y"] == ["layer 1", "layer 2", "output"] and heat["x"] == steps
    assert len(figure(page, "weights")) == 3
    scape = figure(page, "landscape")
    assert len(scape[0]["z"]) == 25  # the landscape grid
    path = scape[6]  # the training path: one point per record, ending at the final weights (0, 0)
    assert len(path["x"]) == len(steps) and abs(path["x"][-1]) < 1e-9 and abs(path["y"][-1]) < 1e-9
    expect(page.locator(tid("readout"))).to_contain_text("step 400")


def test_scrubbing_changes_the_boundary_frame_and_a_control_retrains(page: Page) -> None:
    done = open_explorer(page, "n=200&r=20", path="/network")
    last = figure(page, "boundary")[0]["z"]
    blur(page)
    page.keyboard.press("Home")
    expect(page.locator(tid("readout"))).to_contain_text("step 0 ")
    page.wait_for_function(
        "last => JSON.stringify(document.querySelector('[data-testid=\"boundary\"]').data[0].z) !== last",
        arg=json.dumps(last),
    )
    commit(page, "hidden", "4")
    settle(page, done)
    assert figure(page, "grad-heatmap")[0]["y"] == ["layer 1", "output"]
    assert "h=4" in page.url


def test_regression_shows_the_fitted_function(page: Page) -> None:
    open_explorer(page, "ds=sine&n=300&r=30", path="/network")
    curve, points = figure(page, "boundary")
    assert len(points["x"]) == 200 and len(curve["x"]) == 50  # the data (x₁, y) and the fit along x₁
    assert all(v is not None for v in curve["y"])
    assert figure(page, "accuracy") == []  # no accuracy for regression: the plot says so
    note = page.evaluate("document.querySelector('[data-testid=\"accuracy\"]').layout.annotations[0].text")
    assert "classification only" in note
