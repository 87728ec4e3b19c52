"""The Network view's lessons on layers in a real browser: per-layer gradient norms as lines on a log axis
(one colour ramp by depth, up to 8 hidden layers) and as bars at the step shown, activation histograms
per layer at that step, the sharpness against its stability threshold, and the network's diagram drawn
from the weights at the step shown. Every number drawn is compared with the API's."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

from .test_explorer import blur, commit, open_explorer, settle, tid
from .test_network_i18n import catalog as messages
from .test_network_races import api_train, close, plotted, trainings

DEEP = "ds=moons&dn=200&h=8,8,8,8,8,8&act=sigmoid&o=sgd;lr=0.1&n=200&r=20"
RAMP_ENDS = ("#17377a", "#d35f00")  # static/js/plots/layers.js: the first layer navy, the output dark orange


def bars(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => {
            const el = document.querySelector('[data-testid="grad-bars"]');
            const bar = el.data[0];
            return {names: Array.from(bar.x), values: Array.from(bar.customdata), colors: bar.marker.color,
                    title: el.layout.title.text};
        }"""
    )


def test_deep_network_draws_one_line_per_layer_on_a_log_axis_and_bars_at_the_step(page: Page, server: str) -> None:
    bodies = trainings(page)
    done = open_explorer(page, f"{DEEP}&panel=layers", path="/network")
    answer = api_train(server, bodies[-1])
    lines = plotted(page, "grad-lines")
    assert [t["name"] for t in lines] == [f"layer {n}" for n in range(1, 7)] + ["output"]
    assert all(t["x"] == answer["steps"] for t in lines)
    assert all(close(t["values"], answer["grad_norm"][i]) for i, t in enumerate(lines))
    colors = [t["color"] for t in lines]
    assert (colors[0], colors[-1]) == RAMP_ENDS and len(set(colors)) == 7  # one ramp, first layer to output
    axis = page.evaluate("() => document.querySelector('[data-testid=\"grad-lines\"]').layout.yaxis.type")
    assert axis == "log"
    legend = page.evaluate(
        """() => document.querySelector('[data-testid="grad-lines"]').layout.annotations
            .filter((a) => a.meta === 'legend').map((a) => a.text.replace(/<[^>]*>/g, ''))"""
    )
    assert legend == ["layer  ━1  …  ━output"]  # seven layers: the ramp's two ends, named
    # Sigmoid layers at step 0: the gradient shrinks on its way back to the first layer.
    first = [answer["grad_norm"][i][0] for i in range(7)]
    assert first[0] < first[-1] / 10

    # The bars: the layers at the step shown, in the lines' colours, on one axis for the whole training.
    expect(page.locator(tid("tab-layers"))).to_have_attribute("aria-selected", "true")
    shown = bars(page)
    assert shown["names"] == ["1", "2", "3", "4", "5", "6", "output"] and shown["colors"] == colors
    assert close(shown["values"], [answer["grad_norm"][i][-1] for i in range(7)])
    assert shown["title"] == "‖∂L/∂W‖ per layer at step 200"
    blur(page)
    page.keyboard.press("Home")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"grad-bars\"]').layout.title.text.endsWith('step 0')"
    )
    assert close(bars(page)["values"], first)

    # Up to 8 hidden layers; a ninth is refused (the field goes back to what it was).
    commit(page, "hidden", "8,8,8,8,8,8,8,8")
    done = settle(page, done)
    assert len(plotted(page, "grad-lines")) == 9 and bodies[-1]["model"]["hidden"] == [8] * 8
    commit(page, "hidden", "8,8,8,8,8,8,8,8,8")
    expect(page.locator(tid("hidden"))).to_have_value("8,8,8,8,8,8,8,8")


def drawn(page: Page) -> dict[str, Any]:
    return page.evaluate("() => document.querySelector('[data-testid=\"diagram\"]').drawn")


def edge_weights(picture: dict[str, Any]) -> dict[tuple[int, int, int], float]:
    return {(e["layer"], e["from"], e["to"]): e["w"] for e in picture["edges"]}


def api_weights(layers: list[dict[str, Any]]) -> dict[tuple[int, int, int], float]:
    return {
        (m, i, j): w for m, layer in enumerate(layers) for i, row in enumerate(layer["W"]) for j, w in enumerate(row)
    }


def stream_requests(page: Page) -> list[dict[str, Any]]:
    """Every training the page asks for, whatever it is for."""
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda r: r.url.endswith("/api/train/stream") and bodies.append(r.post_data_json))
    return bodies


def caption(page: Page) -> str:
    return page.evaluate("() => document.querySelector('[data-testid=\"diagram\"]').drawn?.caption ?? null")


def test_the_diagram_draws_each_records_weights_at_the_step_shown(page: Page, server: str) -> None:
    asked = stream_requests(page)
    open_explorer(page, "ds=moons&dn=200&h=3,2&o=sgd;lr=0.3&n=100&r=10&panel=diagram", path="/network")
    body = asked[-1]
    assert body["record_weights"] is True  # 17 weights × 12 records: few numbers
    answer = api_train(server, body)
    frames = answer["record_weights"]
    final, initial = answer["weights"]["final"], answer["weights"]["initial"]
    assert frames[0] == initial and frames[-1] == final
    picture = drawn(page)
    assert picture["caption"] == "weights at step 100"
    assert len(picture["units"]) == 2 + 3 + 2 + 1 and len(picture["edges"]) == 2 * 3 + 3 * 2 + 2 * 1
    assert edge_weights(picture) == api_weights(final)
    # Width and colour by size and sign (in 24 steps), on the scale of the largest weight of the training.
    scale = max(abs(w) for layers in frames for layer in layers for row in layer["W"] for w in row)
    for edge in picture["edges"]:
        assert abs(edge["width"] - (0.5 + 5.5 * abs(edge["w"]) / scale)) <= 5.5 / 48 + 1e-9
        if abs(edge["w"]) == scale:
            assert edge["width"] == 6 and edge["color"] == ("rgb(8,119,189)" if edge["w"] > 0 else "rgb(232,131,12)")
    hidden = [u for u in picture["units"] if u["layer"] == 1]
    assert [u["b"] for u in hidden] == final[0]["b"]  # each neuron's fill is its bias

    blur(page)
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('[data-testid=\"diagram\"]').drawn.caption.endsWith('step 0')")
    assert edge_weights(drawn(page)) == api_weights(initial)
    # Every step between: that record's own weights, with no training asked for them.
    for k in range(1, 5):
        page.keyboard.press(".")
        page.wait_for_function(f"() => document.querySelector('[data-testid=\"diagram\"]').drawn.caption === "
                               f"'weights at step {10 * k}'")  # fmt: skip
        assert edge_weights(drawn(page)) == api_weights(frames[k])
    assert frames[4] != frames[3]
    assert len(asked) == 1
    expect(page.locator(tid("diagram-note"))).to_be_hidden()


LARGE = "ds=moons&dn=100&h=64,64,64,64&o=sgd;lr=0.05&n=1000&r=5&panel=diagram"


def test_a_large_network_draws_its_first_and_last_weights_and_says_so(page: Page, server: str) -> None:
    asked = stream_requests(page)
    open_explorer(page, LARGE, path="/network")
    body = asked[-1]
    # 12 737 weights × 202 records: more than 2 000 000 numbers, so only the first and last are asked for.
    assert "record_weights" not in body and body["include_weights"] is True
    answer = api_train(server, {**body, "boundary": None, "landscape": None, "histograms": False})
    initial, final = answer["weights"]["initial"], answer["weights"]["final"]
    assert caption(page) == "weights at step 1000"
    assert edge_weights(drawn(page)) == api_weights(final)
    expect(page.locator(tid("diagram-note"))).to_be_visible()  # why the diagram will not follow the cursor
    blur(page)
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('[data-testid=\"diagram\"]').drawn.caption.endsWith('step 0')")
    assert edge_weights(drawn(page)) == api_weights(initial)
    page.keyboard.press(".")  # step 5: its weights were not sent; the last ones are drawn, and the caption says so
    expect(page.locator(tid("readout"))).to_contain_text("step 5 ")
    page.wait_for_function("() => document.querySelector('[data-testid=\"diagram\"]').drawn.caption.includes('last')")
    assert caption(page) == "weights at step 1000, the last"
    assert edge_weights(drawn(page)) == api_weights(final)
    expect(page.locator(tid("diagram-note"))).to_have_text(
        "A network this large sends only its first and last weights: the diagram cannot follow the steps between."
    )
    page.wait_for_timeout(600)  # the cursor rests: the page trains nothing more for the diagram
    assert len(asked) == 1


def histograms(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => document.querySelector('[data-testid="histograms"]').data.map((t) => ({name: t.name,
            x: Array.from(t.x), y: Array.from(t.y), width: Array.from(t.width), color: t.marker.color}))"""
    )


def test_activation_histograms_per_layer_at_the_step_shown(page: Page, server: str) -> None:
    bodies = trainings(page)
    open_explorer(page, "ds=moons&dn=200&h=8,8,8&act=tanh&o=sgd;lr=0.3&n=100&r=10&panel=layers", path="/network")
    assert bodies[-1]["histograms"] is True
    records = api_train(server, bodies[-1])["activations"]
    colors = [t["color"] for t in plotted(page, "grad-lines")][:3]

    def expect_record(k: int) -> None:
        drawn = histograms(page)
        assert [h["name"] for h in drawn] == ["layer 1", "layer 2", "layer 3"]
        for layer, (hist, want) in enumerate(zip(drawn, records[k], strict=True)):
            edges, counts = want["edges"], want["counts"]
            assert edges[0] == -1 and edges[-1] == 1 and len(counts) == 20  # tanh: 20 bins on [−1, 1]
            assert close(hist["x"], [(a + b) / 2 for a, b in itertools.pairwise(edges)])
            assert close(hist["width"], [b - a for a, b in itertools.pairwise(edges)])
            assert close(hist["y"], [c / sum(counts) for c in counts])  # the share of the layer's activations
            assert hist["color"] == colors[layer]  # the layer's colour of the other plots

    expect_record(-1)
    title = "() => document.querySelector('[data-testid=\"histograms\"]').layout.title.text"
    assert page.evaluate(title) == "activations, step 100"
    blur(page)
    page.keyboard.press("Home")
    page.wait_for_function(f"() => ({title})().endsWith('step 0')")
    expect_record(0)
    assert records[0] != records[-1]  # training moved them


def guides(page: Page) -> list[tuple[float, str]]:
    """The sharpness plot's threshold lines: where each is drawn and what its label says."""
    return page.evaluate(
        """() => {
            const layout = document.querySelector('[data-testid="sharpness"]').layout;
            const lines = layout.shapes.filter((s) => s.meta === 'guide').map((s) => s.y0);
            const texts = layout.annotations.filter((a) => a.yref === 'y').map((a) => a.text);
            return lines.map((y, i) => [y, texts[i]]);
        }"""
    )


def test_sharpness_is_drawn_against_each_optimizers_stability_threshold(page: Page, server: str) -> None:
    bodies = trainings(page)
    query = "ds=moons&dn=200&o=sgd;lr=0.5&o=sgd;lr=0.1;momentum=0.9&o=adam;lr=0.01&n=100&r=10"
    done = open_explorer(page, query, path="/network")
    assert "sharpness" not in bodies[-1] and page.locator("#sharpness").is_hidden()
    page.locator(tid("sharpness-option")).check()
    done = settle(page, done)
    assert bodies[-1]["sharpness"] is True
    expect(page.locator("#sharpness")).to_be_visible()
    expect(page.locator("#weights")).to_be_hidden()  # the sharpness takes the weight norms' place
    runs = api_train(server, bodies[-1])["runs"]
    lines = plotted(page, "sharpness")
    assert [t["name"] for t in lines] == [
        "GD: sharpness λ<sub>max</sub>(H)",
        "Momentum: sharpness λ<sub>max</sub>(H)",
        "Adam: preconditioned sharpness λ<sub>max</sub>(P⁻¹H)",
    ]
    # The title says which runs draw which: only the Adam run draws λ_max of P⁻¹H.
    assert sharpness_title(page) == "sharpness λ<sub>max</sub>(H); Adam: λ<sub>max</sub>(P⁻¹H)"
    assert close(lines[0]["values"], runs[0]["sharpness"]) and close(lines[1]["values"], runs[1]["sharpness"])
    assert lines[2]["values"][0] is None and close(lines[2]["values"][1:], runs[2]["preconditioned_sharpness"][1:])
    drawn = guides(page)
    want = [(2 / 0.5, "GD: 2/η = 4"), (2 * 1.9 / 0.1, "Momentum: 2(1+β)/η = 38"),
            ((2 + 2 * 0.9) / ((1 - 0.9) * 0.01), "Adam λ<sub>max</sub>(P⁻¹H): (2+2β₁)/((1−β₁)η) = 3800")]  # fmt: skip
    assert [text for _, text in drawn] == [text for _, text in want]
    assert all(abs(y - value) <= 1e-9 * value for (y, _), (value, _) in zip(drawn, want, strict=True))
    assert "sharp=1" in page.url
    expect(page.locator(tid("sharpness-schedule"))).to_have_count(0)
    # A schedule changes the learning rate: no threshold holds, and the sidebar says so.
    page.locator(tid("schedule")).select_option("cosine")
    settle(page, done)
    assert guides(page) == [] and len(plotted(page, "sharpness")) == 3
    expect(page.locator(tid("sharpness-schedule"))).to_be_visible()


def sharpness_title(page: Page) -> str:
    return page.evaluate("() => document.querySelector('[data-testid=\"sharpness\"]').layout.title.text")


@pytest.mark.parametrize(
    ("lang", "optimizer", "title", "line"),
    [
        ("en", "sgd;lr=0.5", "network.plot.sharpness", "network.sharpness.sharpness"),
        ("zh", "sgd;lr=0.5", "network.plot.sharpness", "network.sharpness.sharpness"),
        ("en", "adam;lr=0.01;amsgrad=true", "network.plot.sharpness", "network.sharpness.sharpness"),
        ("en", "adamw;lr=0.01", "network.plot.sharpness_preconditioned", "network.sharpness.preconditioned"),
        ("zh", "adam;lr=0.01", "network.plot.sharpness_preconditioned", "network.sharpness.preconditioned"),
    ],
    ids=["sgd-en", "sgd-zh", "amsgrad", "adamw", "adam-zh"],
)
def test_the_sharpness_title_names_adam_only_when_a_run_is_adams(
    page: Page, server: str, lang: str, optimizer: str, title: str, line: str
) -> None:
    bodies = trainings(page)
    open_explorer(page, f"lang={lang}&ds=moons&dn=100&o={optimizer}&n=40&r=10&sharp=1", path="/network")
    words = messages(lang)
    name = {"adamw": "AdamW", "adam": "Adam"}.get(optimizer.split(";")[0], "")
    assert sharpness_title(page) == words[title].replace("{runs}", name)
    (drawn,) = plotted(page, "sharpness")
    assert drawn["name"] == words[line]
    run = api_train(server, bodies[-1])
    key = "preconditioned_sharpness" if line.endswith("preconditioned") else "sharpness"
    values = [v for v in drawn["values"] if v is not None]
    want = [v for v in run[key] if v is not None]
    assert close(values, want) and len(want) >= 4
