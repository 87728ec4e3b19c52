"""Clipping on the gradient-norm plot (static/js/plots/companions.js, series.js): a dashed line at each run's
threshold c, and beside the raw ‖∇J‖ the norm clipping actually applied, for the runs whose recorded ‖∇J‖
is the gradient that was clipped (no noise, no mini-batches). The oracle is torch's clip_grad_norm_."""

from __future__ import annotations

import math
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page

from .test_explorer import open_explorer, tid

RUNS = "s=rosenbrock&n=150&o=sgd;lr=0.002;clip=norm:10&o=sgd;lr=0.002&o=sgd;lr=0.002;clip=norm:5;noise=0.5"
PALETTE = ["#e6194b", "#1f77b4", "#1e8a1e"]  # static/js/plots/colors.js


def figure(page: Page, testid: str) -> dict[str, Any]:
    return page.evaluate(
        """testid => { const gd = document.querySelector(`[data-testid="${testid}"]`);
            return {data: gd.data.map((t) => ({name: t.name, meta: t.meta ?? null, x: Array.from(t.x),
                                              y: Array.from(t.customdata ?? t.y), color: t.line?.color,
                                              dash: t.line?.dash ?? null})),
                    shapes: gd.layout.shapes, annotations: (gd.layout.annotations ?? []).map((a) => a.text)}; }""",
        testid,
    )


def test_the_clip_threshold_is_a_dashed_line_in_the_runs_colour(page: Page) -> None:
    open_explorer(page, RUNS)
    grad = figure(page, "grad-norm")
    guides = [s for s in grad["shapes"] if s.get("meta") == "guide"]
    assert [(g["y0"], g["y1"], g["line"]["color"], g["line"]["dash"]) for g in guides] == [
        (10, 10, PALETTE[0], "dash"),
        (5, 5, PALETTE[2], "dash"),  # drawn for the noisy run too
    ]
    assert guides[0]["xref"] == "paper" and (guides[0]["x0"], guides[0]["x1"]) == (0, 1)
    assert "clip threshold 10" in grad["annotations"] and "clip threshold 5" in grad["annotations"]
    # the threshold stays where it is on every scale: a shape on a log axis takes the value itself
    assert page.locator(tid("grad-norm")).get_attribute("data-scale") == "log"


def test_the_norm_applied_after_clipping_is_torchs(page: Page) -> None:
    torch = pytest.importorskip("torch")
    open_explorer(page, RUNS)
    grad = figure(page, "grad-norm")
    runs = [t for t in grad["data"] if t["meta"] != "companion"]
    companions = [t for t in grad["data"] if t["meta"] == "companion"]
    # only the run without noise: with noise the recorded ‖∇J‖ is not the gradient that was clipped
    assert [c["name"] for c in companions] == [f"{runs[0]['name']}: norm applied after clipping"]
    [applied] = companions
    assert applied["color"] == PALETTE[0] and applied["dash"] == "dash" and applied["x"] == runs[0]["x"]
    assert "dashed: norm after clipping" in grad["annotations"]
    raw = runs[0]["y"]
    assert max(raw) > 10 > min(raw)  # the run is clipped at some steps and not at others
    for norm, shown in zip(raw, applied["y"], strict=True):
        g = torch.tensor([norm, 0.0], dtype=torch.float64, requires_grad=True)
        g.grad = g.detach().clone()
        torch.nn.utils.clip_grad_norm_([g], max_norm=10.0)
        assert math.isclose(shown, float(g.grad.norm()), rel_tol=1e-12), (norm, shown)


def test_no_threshold_without_clipping(page: Page) -> None:
    open_explorer(page, "s=rosenbrock&n=50&o=sgd;lr=0.002&clip=value:1")
    grad = figure(page, "grad-norm")
    assert not [s for s in grad["shapes"] if s.get("meta") == "guide"]  # a value clip has no norm threshold
    assert not [t for t in grad["data"] if t["meta"] == "companion"]
