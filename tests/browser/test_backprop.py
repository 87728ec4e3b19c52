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

from .test_explorer_i18n import NAMES, api_identifiers, english_left

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


def walk_with_keys(page: Page) -> list[str]:
    """The phase of every step, from the one shown to the last, stepping by → and space in turn."""
    phases = [phase(page)]
    count = page.locator(tid("bp-count"))
    for _ in range(40):
        before = count.text_content()
        page.keyboard.press("ArrowRight" if len(phases) % 2 else "Space")
        if count.text_content() == before:
            break
        phases.append(phase(page))
    return phases


def test_the_keyboard_walks_forward_then_loss_then_backward_then_the_update(page: Page) -> None:
    open_backprop(page, f"{QUERY}&k=0")
    phases = walk_with_keys(page)
    # input, 3 + 2 hidden units, the output | the loss | δ out, ∂W³; f′, 2 δ, ∂W² of layer 2; f′, 3 δ, ∂W¹ | update
    assert phases == ["forward"] * 7 + ["loss"] + ["backward"] * 11 + ["update"]
    page.keyboard.press("Backspace")
    assert phase(page) == "backward"
    count = page.locator(tid("bp-count"))
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
def test_no_english_left_in_the_zh_page(page: Page, server: str, path: str, k: int) -> None:
    """The hyperparameters' hints end with their API names (as on the other pages): those may stay."""
    open_backprop(page, f"lang=zh&{QUERY}&k={k}", path=path)
    if k == 19:
        expect(page.locator(tid("bp-after"))).not_to_contain_text("…")
    left = english_left(page, NAMES | api_identifiers(server) | {"Xavier"})
    assert not left, "English in the zh page:\n" + "\n".join(f"{w!r} in {kind}: {text!r}" for w, kind, text in left)
    assert page.locator(tid("bp-phase")).text_content() in {t("zh", f"backprop.phase.{p}") for p in
                                                            ("forward", "loss", "backward", "update")}  # fmt: skip


def test_the_check_finds_english_in_the_en_page(page: Page) -> None:
    open_backprop(page, f"lang=en&{QUERY}&k=2")
    words = {w for w, _, _ in english_left(page, NAMES | {"Xavier"})}
    assert {"Forward", "pass", "Layer", "unit"} <= words, words


# ── The update with the chosen optimizer ─────────────────────────────────────────────────────────────

ADAM = f"{QUERY}&opt=adam"


def table(page: Page) -> list[list[str]]:
    """The step's table, row by row: the row's name, then its cells."""
    rows = page.locator(f"{tid('bp-table')} tbody tr")
    return [[rows.nth(r).locator("th").text_content(), *rows.nth(r).locator("td").all_text_contents()]
            for r in range(rows.count())]  # fmt: skip


def test_the_keyboard_walks_through_to_adams_update_and_shows_the_apis_numbers(page: Page, server: str) -> None:
    body = {"model": {"hidden": [3, 2], "activation": "tanh", "init": "xavier", "seed": 0},
            "task": "classification", "sample": {"x": [0.5, -0.5], "y": 1},
            "optimizer": {"name": "adam", "params": {"lr": 0.1}}}  # fmt: skip
    truth = api_pass(server, body)
    out, update = truth["layers"][-1], truth["update"]["layers"][-1]
    open_backprop(page, f"{ADAM}&k=0&lang=en")
    phases = walk_with_keys(page)
    # Adam's update is two steps: what it computes from the gradient (m, v, m̂, v̂), then the step itself.
    assert phases == ["forward"] * 7 + ["loss"] + ["backward"] * 11 + ["update"] * 2
    expect(page).to_have_url(re.compile(r"[?&]opt=adam(&|$)"))
    expect(page.locator(tid("bp-title"))).to_have_text(t("en", "backprop.step.update", optimizer="Adam", lr="0.1"))
    # The step: −η·m̂/(√v̂ + ε) for W₁₁ of the output layer, the new weight, and the table of every weight.
    numbers = page.locator(tid("bp-numbers")).all_text_contents()
    assert close(numbers[0], update["step"]["W"][0][0]) and close(numbers[1], update["W"][0][0])
    rows = table(page)
    want = [(out["W"][i][0], update["step"]["W"][i][0], update["W"][i][0]) for i in range(len(out["W"]))]
    want.append((out["b"][0], update["step"]["b"][0], update["b"][0]))
    assert len(rows) == len(want) == 3
    for row, values in zip(rows, want, strict=True):
        assert all(close(cell, v) for cell, v in zip(row[1:], values, strict=True)), (row, values)
    text = page.locator(tid("bp-after")).text_content()
    assert f"{truth['update']['loss']:.4g}".replace("-", "−") in text, (text, truth["update"]["loss"])
    # One step back: Adam's state, ∂L/∂w, m̂ and v̂ of each weight.
    page.keyboard.press("Backspace")
    expect(page.locator(tid("bp-title"))).to_have_text(t("en", "backprop.step.state", optimizer="Adam"))
    state = update["state"]
    want = [(out["dW"][i][0], state["m_hat"]["W"][i][0], state["v_hat"]["W"][i][0]) for i in range(len(out["W"]))]
    want.append((out["db"][0], state["m_hat"]["b"][0], state["v_hat"]["b"][0]))
    rows = table(page)
    for row, values in zip(rows, want, strict=True):
        assert all(close(cell, v) for cell, v in zip(row[1:], values, strict=True)), (row, values)
    numbers = page.locator(tid("bp-numbers")).all_text_contents()[1:]  # after the line naming w and g
    moments = [state[key]["W"][0][0] for key in ("exp_avg", "exp_avg_sq", "m_hat", "v_hat")]
    assert len(numbers) == 4 and all(close(n, v) for n, v in zip(numbers, moments, strict=True)), (numbers, moments)
    # The diagram's edges at the update carry the new weights: the widest edge is the largest new |W|.
    page.keyboard.press("End")
    assert phase(page) == "update"


def test_plain_sgd_is_one_update_step_and_the_deck_scene_keeps_its_address(page: Page) -> None:
    open_backprop(page, f"{QUERY}&k=19&lang=en")
    assert phase(page) == "update"
    expect(page.locator(tid("bp-count"))).to_have_text(t("en", "backprop.count", step=20, total=20))
    expect(page.locator(tid("bp-title"))).to_have_text(t("en", "backprop.step.update_sgd", lr="0.1"))
    assert "opt=" not in page.url, "the default optimizer stays out of the address"


def test_the_sidebar_picks_the_optimizer_and_the_address_carries_it(page: Page, server: str) -> None:
    open_backprop(page, f"{QUERY}&k=19&lang=en")
    page.locator(tid("bp-optimizer")).select_option("rmsprop")
    expect(page.locator(tid("bp-count"))).to_have_text(t("en", "backprop.count", step=20, total=21))
    expect(page).to_have_url(re.compile(r"[?&]opt=rmsprop(&|$)"))
    assert phase(page) == "update"
    entry = page.locator(tid("bp-param-alpha"))
    entry.fill("0.9")
    entry.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]opt=rmsprop%3Balpha%3D0\.9(&|$)"))
    page.locator(tid("bp-lr")).fill("0.05")
    page.locator(tid("bp-lr")).press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]lr=0\.05(&|$)"))
    page.locator(tid("bp-title")).click()  # the keys step only when no field has the focus
    page.keyboard.press("End")
    truth = api_pass(server, {"model": {"hidden": [3, 2], "activation": "tanh", "init": "xavier", "seed": 0},
                              "sample": {"x": [0.5, -0.5], "y": 1},
                              "optimizer": {"name": "rmsprop", "params": {"lr": 0.05, "alpha": 0.9}}})  # fmt: skip
    step = truth["update"]["layers"][-1]["step"]["W"][0][0]
    expect(page.locator(tid("bp-numbers")).first).to_contain_text(f"{step:.4g}".replace("-", "−"))
    # A reload opens the same view: the address is the state.
    page.reload()
    expect(page.locator(tid("bp-optimizer"))).to_have_value("rmsprop")
    expect(page.locator(tid("bp-param-alpha"))).to_have_value("0.9")
    expect(page.locator(tid("bp-lr"))).to_have_value("0.05")


def test_an_optimizer_the_api_refuses_says_why(watched) -> None:
    page, watch = watched()
    watch.expect_console_error(
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)", "/api/backprop"
    )
    page.goto(f"/backprop?{QUERY}&opt=newton&lang=en")
    expect(page.locator(tid("bp-message"))).to_contain_text("Hessian")


# ── Labels stay apart (1280×720) ─────────────────────────────────────────────────────────────────────

BOXES = """() => {
  const svg = document.querySelector('[data-testid="bp-diagram"]');
  const box = (node, kind) => { const b = node.getBBox(); return {kind, text: node.textContent || kind,
    x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height}; };
  const others = [...svg.querySelectorAll('.unit text, .unit circle, .unit rect')];
  return [...svg.querySelectorAll('text.edge-label')].map((n) => box(n, 'edge-label'))
    .concat(others.map((n) => box(n, n.getAttribute('class') || n.tagName)));
}"""


def overlapping(boxes: list[dict[str, Any]], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of an edge label and anything else whose boxes overlap by more than `slack` user units each way."""

    def meet(a, b) -> bool:
        return (
            min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
            and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack
        )

    labels = [b for b in boxes if b["kind"] == "edge-label"]
    return [(a["text"], b["text"]) for i, a in enumerate(labels) for b in boxes[i + 1 :] if meet(a, b)]


@pytest.mark.parametrize("hidden", ["3,2", "4,4,4", "2,4", "1"])
def test_no_edge_label_overlaps_a_unit_or_its_texts(page: Page, hidden: str) -> None:
    open_backprop(page, f"h={hidden}&k=0&lang=en")
    total = int(page.locator(tid("bp-count")).text_content().split()[-1])
    labelled = 0
    for k in range(total):
        page.locator(tid("bp-diagram")).evaluate("() => 0")  # the diagram is drawn synchronously with the step
        boxes = page.evaluate(BOXES)
        labelled += any(b["kind"] == "edge-label" for b in boxes)
        assert not overlapping(boxes), f"step {k + 1}: {overlapping(boxes)}"
        page.keyboard.press("ArrowRight")
    assert labelled >= 3, "the check saw edge labels"


def test_the_diagrams_texts_are_readable_at_the_update_of_adam(page: Page) -> None:
    """The update's panel is the tallest (formulas, a table): the diagram's smallest text stays ≥ 11 px."""
    for lang in ("en", "zh"):
        open_backprop(page, f"{ADAM}&k=19&lang={lang}")
        heights = page.locator(f"{tid('bp-diagram')} .unit-note").evaluate_all(
            "nodes => nodes.map((n) => n.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 11, (lang, min(heights))
        panel = page.locator(tid("bp-panel")).bounding_box()
        nav = page.locator(tid("bp-next")).bounding_box()
        assert panel["y"] + panel["height"] <= nav["y"] + 1, "the panel does not run under the step buttons"
