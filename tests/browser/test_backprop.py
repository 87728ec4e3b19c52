"""The Backprop page (/backprop): the diagram has a unit per neuron and an edge per weight, the keyboard
walks the forward pass, the loss, the backward pass and the update in that order, every number shown
equals POST /api/backprop's (which tests/api checks against torch), and the zh page has no English."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

from gdviz.api.i18n import t

from .test_explorer_i18n import NAMES, english_left

QUERY = "h=3,2&act=tanh&x=0.5,-0.5&y=1&seed=0&lr=0.1"


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def open_backprop(page: Page, query: str, path: str = "/backprop") -> None:
    page.goto(f"{path}?{query}")
    expect(page.locator(tid("bp-title"))).to_be_visible()


def api_pass(server: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server}/api/backprop", json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def shown(text: str) -> float:
    """The number a diagram label or formula ends with ("δ = −0.6376" -> -0.6376)."""
    return float(text.split("=")[-1].strip().replace("−", "-"))


def close(text: str, value: float) -> bool:
    # The page shows 4 significant digits.
    return abs(shown(text) - value) <= 6e-4 * max(1.0, abs(value))


def phase(page: Page) -> str:
    return page.locator(tid("bp-phase")).get_attribute("data-phase")


@pytest.mark.parametrize("hidden, units, edges", [("3,2", 8, 14), ("4,4,4", 15, 44), ("1", 4, 3)])
def test_the_diagram_has_a_unit_per_neuron_and_an_edge_per_weight(page: Page, hidden: str, units: int, edges: int):
    open_backprop(page, f"h={hidden}")
    expect(page.locator(f'{tid("bp-diagram")} [data-testid^="unit-"]')).to_have_count(units)
    expect(page.locator(f'{tid("bp-diagram")} [data-testid^="edge-"]')).to_have_count(edges)
    expect(page.locator(tid("loss-node"))).to_have_count(1)


def test_the_keyboard_walks_forward_then_loss_then_backward_then_the_update(page: Page) -> None:
    open_backprop(page, f"{QUERY}&k=0")
    phases = [phase(page)]
    count = page.locator(tid("bp-count"))
    for _ in range(40):
        before = count.text_content()
        page.keyboard.press("ArrowRight" if len(phases) % 2 else "Space")
        if count.text_content() == before:
            break
        phases.append(phase(page))
    # input, 3 + 2 hidden units, the output | the loss | δ out, ∂W³; f′, 2 δ, ∂W² of layer 2; f′, 3 δ, ∂W¹ | update
    assert phases == ["forward"] * 7 + ["loss"] + ["backward"] * 11 + ["update"]
    page.keyboard.press("Backspace")
    assert phase(page) == "backward"
    page.keyboard.press("Home")
    expect(count).to_have_text(t("en", "backprop.count", step=1, total=20))
    page.keyboard.press("End")
    assert phase(page) == "update"
    page.keyboard.press("ArrowLeft")
    expect(count).to_have_text(t("en", "backprop.count", step=19, total=20))
    expect(page).to_have_url(re.compile(r"[?&]k=18(&|$)"))


def test_a_scene_opens_at_its_step(page: Page) -> None:
    open_backprop(page, f"{QUERY}&k=7&lang=en")
    assert phase(page) == "loss"
    expect(page.locator(tid("bp-title"))).to_have_text(t("en", "backprop.step.loss"))


@pytest.mark.parametrize("act, task, hidden", [("tanh", "classification", [3, 2]), ("relu", "regression", [2, 4, 3])])
def test_the_numbers_shown_are_the_apis(page: Page, server: str, act: str, task: str, hidden: list[int]) -> None:
    body = {"model": {"hidden": hidden, "activation": act, "init": "xavier", "seed": 3}, "task": task,
            "sample": {"x": [0.7, -1.2], "y": 1.0}}  # fmt: skip
    truth = api_pass(server, body)
    query = f"h={','.join(map(str, hidden))}&act={act}&task={task}&x=0.7,-1.2&y=1&seed=3&lr=0.5"
    open_backprop(page, f"{query}&k=0")
    layers = truth["layers"]
    out = len(layers)
    # Forward: each unit's a and z appear at its own step, not before.
    for n, layer in enumerate(layers, start=1):
        for j in range(len(layer["b"])):
            unit = page.locator(tid(f"unit-{n}-{j}"))
            assert unit.locator('[data-role="a"]').text_content() == "?"
            page.keyboard.press("ArrowRight")
            assert close(unit.locator('[data-role="a"]').text_content(), layer["a"][j])
            assert close(unit.locator('[data-role="z"]').text_content(), layer["z"][j])
            numbers = page.locator(tid("bp-numbers")).all_text_contents()
            assert close(numbers[0], layer["z"][j])
    page.keyboard.press("ArrowRight")
    assert phase(page) == "loss"
    assert close(page.locator(f'{tid("loss-node")} [data-role="loss"]').text_content(), truth["loss"])
    assert close(page.locator(tid("bp-numbers")).text_content(), truth["loss"])
    # Backward: at the end every unit shows its δ (and the hidden ones their f′).
    page.keyboard.press("ArrowRight")
    assert close(page.locator(tid("bp-numbers")).text_content(), truth["dloss_doutput"])
    page.keyboard.press("End")
    for n, layer in enumerate(layers, start=1):
        for j in range(len(layer["b"])):
            unit = page.locator(tid(f"unit-{n}-{j}"))
            assert close(unit.locator('[data-role="delta"]').text_content(), layer["delta"][j])
            if n < out:
                assert close(unit.locator('[data-role="slope"]').text_content(), layer["slope"][j])
    # The update: the next pass with θ − η·∂L/∂θ, which the page asks the server for.
    new = [{"W": [[w - 0.5 * g for w, g in zip(rw, rg, strict=True)] for rw, rg in zip(la["W"], la["dW"], strict=True)],
            "b": [b - 0.5 * g for b, g in zip(la["b"], la["db"], strict=True)]} for la in layers]  # fmt: skip
    after = api_pass(server, {**body, "weights": new})["loss"]
    expect(page.locator(tid("bp-after"))).not_to_contain_text("…")
    text = page.locator(tid("bp-after")).text_content()
    assert f"{after:.4g}".replace("-", "−") in text, (text, after)


def test_the_gradient_table_is_the_apis(page: Page, server: str) -> None:
    truth = api_pass(server, {"model": {"hidden": [3, 2]}, "sample": {"x": [0.5, -0.5], "y": 1}})
    open_backprop(page, f"{QUERY}&k=9")  # ∂L/∂W of the output layer
    cells = page.locator(f"{tid('bp-matrix')} tbody td").all_text_contents()
    want = [v for row in truth["layers"][2]["dW"] for v in row] + truth["layers"][2]["db"]
    assert len(cells) == len(want) and all(close(c, v) for c, v in zip(cells, want, strict=True))


@pytest.mark.parametrize("path, k", [("/backprop", 2), ("/backprop", 9), ("/backprop", 13), ("/backprop", 19),
                                     ("/backprop/embed", 7)])  # fmt: skip
def test_no_english_left_in_the_zh_page(page: Page, path: str, k: int) -> None:
    open_backprop(page, f"lang=zh&{QUERY}&k={k}", path=path)
    if k == 19:
        expect(page.locator(tid("bp-after"))).not_to_contain_text("…")
    left = english_left(page, NAMES | {"Xavier"})
    assert not left, "English in the zh page:\n" + "\n".join(f"{w!r} in {kind}: {text!r}" for w, kind, text in left)
    assert page.locator(tid("bp-phase")).text_content() in {t("zh", f"backprop.phase.{p}") for p in
                                                            ("forward", "loss", "backward", "update")}  # fmt: skip


def test_the_check_finds_english_in_the_en_page(page: Page) -> None:
    open_backprop(page, f"lang=en&{QUERY}&k=2")
    words = {w for w, _, _ in english_left(page, NAMES | {"Xavier"})}
    assert {"Forward", "pass", "Layer", "unit"} <= words, words
