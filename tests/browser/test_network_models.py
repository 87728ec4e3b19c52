"""The Network view's races of different networks in a real browser: each optimizer card's folded "Own
network" (activation, init, the normal init's σ) with badges for what it sets, the request's per-entry
`model` holding only what differs from the network above, the address that keeps them inside each `o=`,
run names that say what differs (as the API's labels do), the landscape panel's note when the runs share
no landscape, and the per-layer plots of the run picked (each run's histograms on its activation's edges)."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

from .test_explorer import commit, open_explorer, settle, tid
from .test_network_i18n import NAMES, READABLE, api_names, english_left, watch_missing_messages
from .test_network_i18n import catalog as messages
from .test_network_layers import bars, histograms
from .test_network_races import api_train, close, plotted, trainings

TWO = "ds=moons&dn=100&h=4,4&o=sgd;lr=0.1&o=sgd;lr=0.1&n=40&r=10"
# The vanishing gradient beside its cure: sigmoid with Xavier and ReLU with He, six layers, the same data.
LESSON = "ds=moons&h=16,16,16,16,16,16&o=sgd;lr=0.1;act=sigmoid;init=xavier&o=sgd;lr=0.1;act=relu;init=he&n=100&r=10"


def badges(page: Page, index: int) -> list[str]:
    return page.locator(f"{tid(f'own-net-badges-{index}')} .badge").all_inner_texts()


def entries(page: Page) -> list[str]:
    return parse_qs(urlsplit(page.url).query)["o"]


def chips(page: Page) -> list[str]:
    return page.locator(f"{tid('run-legend')} .run-chip").all_inner_texts()


def differs(label: str) -> str:
    """What a run's name says sets its network apart (after the optimizer's name), as the API spells it."""
    return label.split(" · ", 1)[1].lower()


def test_a_card_sets_its_own_network_and_the_request_sends_only_what_differs(page: Page, server: str) -> None:
    bodies = trainings(page)
    done = open_explorer(page, TWO, path="/network")
    assert all("model" not in o for o in bodies[-1]["optimizers"])
    own = page.locator(tid("own-net-1"))
    assert own.evaluate("d => d.open") is False and badges(page, 1) == []  # folded, nothing of its own
    own.locator("summary").click()
    menu = page.locator(tid("own-net-1-activation"))
    assert menu.input_value() == "" and menu.locator("option").first.inner_text() == "as the network above (tanh)"

    menu.select_option("relu")
    page.locator(tid("own-net-1-init")).select_option("he")
    done = settle(page, done)
    assert badges(page, 1) == ["ReLU", "He"] and badges(page, 0) == []
    assert page.locator(tid("own-net-1")).evaluate("d => d.open")  # still unfolded after the redraw
    assert bodies[-1]["optimizers"][1]["model"] == {"activation": "relu", "init": "he"}
    assert "model" not in bodies[-1]["optimizers"][0]
    assert entries(page) == ["sgd;lr=0.1", "sgd;lr=0.1;act=relu;init=he"]

    # The names say what differs, as the API's labels do, in the page's words (full-batch SGD is GD there).
    runs = api_train(server, bodies[-1])["runs"]
    assert [r["label"] for r in runs] == ["SGD · tanh, xavier", "SGD · relu, he"]
    assert chips(page) == ["GD · tanh, Xavier", "GD · ReLU, He"]
    assert [differs(c) for c in chips(page)] == [differs(r["label"]) for r in runs]
    assert [t["name"] for t in plotted(page, "loss")] == chips(page)
    assert page.locator(tid("label-1")).get_attribute("placeholder") == "GD · ReLU, He"

    # A value equal to the network above's is the card's own (its badge, its address) but no difference to send.
    page.locator(tid("own-net-0")).locator("summary").click()
    asked = len(bodies)
    page.locator(tid("own-net-0-activation")).select_option("tanh")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('o')[0] === 'sgd;lr=0.1;act=tanh'")
    page.wait_for_timeout(600)  # past the page's debounce: the request is the same, nothing trains
    assert badges(page, 0) == ["tanh"] and len(bodies) == asked

    # The normal init asks for its σ; the run's name shows it.
    page.locator(tid("own-net-1-init")).select_option("normal")
    commit(page, "own-net-1-init_scale", "0.5")
    done = settle(page, done)
    assert badges(page, 1) == ["ReLU", "normal", "σ = 0.5"]
    assert bodies[-1]["optimizers"][1]["model"] == {"activation": "relu", "init": "normal", "init_scale": 0.5}
    assert chips(page) == ["GD · tanh, Xavier", "GD · ReLU, normal σ=0.5"]
    assert api_train(server, bodies[-1])["runs"][1]["label"] == "SGD · relu, normal σ=0.5"
    assert differs(chips(page)[1]) == "relu, normal σ=0.5"
    assert entries(page)[1] == "sgd;lr=0.1;act=relu;init=normal;iscale=0.5"

    # Back to the network above: the entry and the address are as they were, one landscape again.
    page.locator(tid("own-net-1-activation")).select_option("")
    page.locator(tid("own-net-1-init")).select_option("")
    expect(page.locator(tid("own-net-1-init_scale"))).to_have_count(0)  # xavier reads no σ: it goes with normal
    page.locator(tid("own-net-0-activation")).select_option("")
    settle(page, done)
    assert badges(page, 1) == [] and entries(page) == ["sgd;lr=0.1", "sgd;lr=0.1"]
    assert all("model" not in o for o in bodies[-1]["optimizers"])
    assert chips(page) == ["GD", "GD (2)"]
    expect(page.locator(tid("landscape-none"))).to_be_hidden()


def test_the_address_keeps_each_runs_network(page: Page) -> None:
    bodies = trainings(page)
    own = "o=sgd;lr=0.1;act=sigmoid&o=adam;lr=0.03;init=he;label=mine"
    open_explorer(page, f"ds=moons&dn=100&h=4,4&{own}&n=40&r=10", path="/network")
    body = bodies[-1]
    assert body["model"]["activation"] == "tanh" and body["model"]["init"] == "xavier"
    assert body["optimizers"] == [
        {"name": "sgd", "params": {"lr": 0.1}, "model": {"activation": "sigmoid"}},
        {"name": "adam", "params": {"lr": 0.03}, "label": "mine", "model": {"init": "he"}},
    ]
    assert badges(page, 0) == ["sigmoid"] and badges(page, 1) == ["He"]
    assert page.locator(tid("own-net-0-activation")).input_value() == "sigmoid"
    assert page.locator(tid("own-net-1-init")).input_value() == "he"
    # A label given is the run's name, as the API keeps it; the other says what differs.
    assert chips(page) == ["GD · sigmoid, Xavier", "mine"]
    written = entries(page)
    assert written == ["sgd;lr=0.1;act=sigmoid", "adam;lr=0.03;init=he;label=mine"]
    # The address the page wrote trains the same request again.
    open_explorer(page, urlsplit(page.url).query, path="/network")
    assert bodies[-1] == body
    # A value out of range makes the entry invalid as a whole, like any bad hyperparameter.
    open_explorer(page, "ds=moons&dn=100&h=4,4&o=sgd;lr=0.1;act=softplus&n=40&r=10", path="/network")
    assert bodies[-1]["optimizer"] == {"name": "adam", "params": {"lr": 0.03}}


def test_one_card_with_its_own_network_trains_that_network(page: Page) -> None:
    bodies = trainings(page)
    open_explorer(page, "ds=moons&dn=100&h=4,4&o=sgd;lr=0.1;act=relu;init=he&n=40&r=10", path="/network")
    body = bodies[-1]
    assert body["optimizer"] == {"name": "sgd", "params": {"lr": 0.1}} and "optimizers" not in body
    assert body["model"]["activation"] == "relu" and body["model"]["init"] == "he"
    expect(page.locator(tid("landscape-none"))).to_be_hidden()
    expect(page.locator(tid("panel-run"))).to_be_hidden()  # one run: nothing to say whose


def test_without_a_common_landscape_the_panel_says_why_and_the_layers_follow_the_run_picked(
    page: Page, server: str
) -> None:
    bodies = trainings(page)
    open_explorer(page, f"{LESSON}&panel=layers&k=0", path="/network")
    answer = api_train(server, bodies[-1])
    assert answer["landscape"] is None
    runs = answer["runs"]
    assert chips(page) == ["GD · sigmoid, Xavier", "GD · ReLU, He"]
    assert [differs(c) for c in chips(page)] == [differs(r["label"]) for r in runs]

    # The layers at step 0 of the first run: sigmoid's histograms on [0, 1], its vanishing gradient.
    def expect_run(i: int, lo: float, hi: float) -> None:
        drawn = histograms(page)
        assert len(drawn) == 6
        for hist, want in zip(drawn, runs[i]["activations"][0], strict=True):
            edges, counts = want["edges"], want["counts"]
            assert (edges[0], edges[-1]) == (lo, hi)
            assert close(hist["x"], [(a + b) / 2 for a, b in itertools.pairwise(edges)])
            assert close(hist["y"], [c / sum(counts) for c in counts])
        assert close(bars(page)["values"], [layer[0] for layer in runs[i]["grad_norm"]])
        # Whose layers they are, the panel's header says in the run's colour.
        header = page.locator(tid("panel-run"))
        expect(header).to_have_text(chips(page)[i])
        expect(header).to_have_attribute("title", f"network and layers of {chips(page)[i]}")

    expect_run(0, 0, 1)
    first, output = runs[0]["grad_norm"][0][0], runs[0]["grad_norm"][-1][0]
    assert first < 1e-3 * output  # sigmoid and Xavier: the first layer hears a thousandth of the output's gradient
    page.locator(tid("run-chip-1")).click()
    page.wait_for_function(  # relu's edges reach 4
        "() => document.querySelector('[data-testid=\"histograms\"]').data[0].x.at(-1) > 1"
    )
    expect_run(1, 0, 4)  # relu: 20 bins on [0, 4]
    grads = plotted(page, "grad-lines")
    assert all(close(t["values"], runs[1]["grad_norm"][k]) for k, t in enumerate(grads))

    # No landscape: a note in its place, in the page's words; the figure is not shown.
    words = messages("en")
    page.locator(tid("tab-landscape")).click()
    expect(page.locator(tid("panel-run"))).to_be_hidden()  # the landscape is every run's (here: none)
    note = page.locator(tid("landscape-none"))
    expect(note).to_be_visible()
    expect(note).to_have_text(words["network.plot.landscape_none"])
    expect(page.locator("#landscape-title")).to_have_text(words["network.plot.landscape_none_title"])
    assert page.locator(tid("landscape")).evaluate("el => getComputedStyle(el).visibility") == "hidden"


def test_a_race_of_networks_in_chinese(page: Page, server: str) -> None:
    missing = watch_missing_messages(page)
    open_explorer(page, f"lang=zh&{LESSON}&n=40", path="/network")
    zh = messages("zh")
    assert chips(page) == ["梯度下降 · sigmoid，Xavier初始化", "梯度下降 · ReLU，He初始化"]
    page.locator(tid("own-net-1")).locator("summary").click()
    assert page.locator(tid("own-net-1")).locator(".own-title").inner_text() == zh["network.own"]
    assert badges(page, 1) == ["ReLU", "He初始化"]
    option = page.locator(tid("own-net-1-activation")).locator("option").first.inner_text()
    assert option == zh["network.own_inherit"].replace("{value}", "tanh")
    expect(page.locator(tid("landscape-none"))).to_have_text(zh["network.plot.landscape_none"])
    assert english_left(page.evaluate(READABLE), NAMES | api_names(server)) == {}
    assert missing == []
