"""The Network view's races and test split in a real browser: several optimizers on one network drawn on
the shared plots (each run's numbers the API's), one legend that picks the run shown, cards that add and
remove runs, the address that keeps them (an old address of one optimizer sends what it always sent), test
curves dashed in their run's colour, and the schedule and clipping controls reaching the request."""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

from .test_explorer import commit, open_explorer, settle, tid

PALETTE = ["#e6194b", "#1f77b4"]  # static/js/plots/colors.js: the runs' colours, in order
RACE = "ds=moons&dn=200&o=adam;lr=0.03&o=sgd;lr=0.1&n=200&r=20"


def api_train(server: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server}/api/train", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def trainings(page: Page) -> list[dict[str, Any]]:
    """Collects the body of every training the page asks for (not the diagram's weight requests)."""
    bodies: list[dict[str, Any]] = []

    def seen(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/api/train/stream"):
            body = request.post_data_json
            if body.get("boundary") is not None:
                bodies.append(body)

    page.on("request", seen)
    return bodies


def plotted(page: Page, testid: str) -> list[dict[str, Any]]:
    """Each trace's name, steps, values (customdata holds them as given; y is where they are drawn), line."""
    return page.evaluate(
        """id => document.querySelector(`[data-testid="${id}"]`).data.map((t) => ({
            name: t.name, x: Array.from(t.x ?? []), values: Array.from(t.customdata ?? t.y ?? []),
            color: t.line?.color ?? null, dash: t.line?.dash ?? null}))""",
        testid,
    )


def close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= 1e-12 * max(1.0, abs(y)) for x, y in zip(a, b, strict=True))


def boundary_z(page: Page) -> list[list[float]]:
    return page.evaluate("() => document.querySelector('[data-testid=\"boundary\"]').data[0].z")


def test_a_race_draws_every_run_on_the_shared_plots(page: Page, server: str) -> None:
    bodies = trainings(page)
    open_explorer(page, RACE, path="/network")
    body = bodies[-1]
    assert "optimizer" not in body
    assert body["optimizers"] == [{"name": "adam", "params": {"lr": 0.03}}, {"name": "sgd", "params": {"lr": 0.1}}]
    answer = api_train(server, body)
    runs = answer["runs"]

    loss = plotted(page, "loss")
    assert [t["name"] for t in loss] == ["Adam", "GD"]  # full-batch SGD without momentum is gradient descent
    for trace, run in zip(loss, runs, strict=True):
        assert trace["x"] == run["steps"] and close(trace["values"], run["loss"])
    assert [t["color"] for t in loss] == PALETTE
    accuracy = plotted(page, "accuracy")
    assert all(close(t["values"], r["accuracy"]) for t, r in zip(accuracy, runs, strict=True))
    assert loss[0]["values"] != loss[1]["values"]  # two optimizers, two trainings

    # One landscape, one path per run, both from the common initial weights.
    scape = plotted(page, "landscape")[6:8]
    for trace, path in zip(scape, answer["landscape"]["paths"], strict=True):
        assert close(trace["x"], path["a"])
    assert scape[0]["x"][0] == scape[1]["x"][0]

    # One legend: a chip per run; the first is shown, a click shows the other.
    chips = page.locator(f"{tid('run-legend')} .run-chip")
    assert chips.all_inner_texts() == ["Adam", "GD"]
    expect(page.locator(tid("run-chip-0"))).to_have_attribute("aria-pressed", "true")
    assert boundary_z(page) == runs[0]["boundary"]["frames"][-1]["z"]
    page.locator(tid("run-chip-1")).click()
    expect(page.locator(tid("run-chip-1"))).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        "z => JSON.stringify(document.querySelector('[data-testid=\"boundary\"]').data[0].z) === z",
        arg=json.dumps(runs[1]["boundary"]["frames"][-1]["z"], separators=(",", ":")),
    )
    grads = plotted(page, "grad-lines")
    assert all(close(t["values"], runs[1]["grad_norm"][i]) for i, t in enumerate(grads))
    title = page.evaluate("() => document.querySelector('[data-testid=\"grad-lines\"]').layout.title.text")
    assert title.endswith(": GD")
    expect(page.locator(tid("readout"))).to_contain_text("GD: loss")
    page.wait_for_function("() => new URLSearchParams(location.search).get('run') === '1'")
    assert parse_qs(urlsplit(page.url).query)["o"] == ["adam;lr=0.03", "sgd;lr=0.1"]


def test_an_address_of_one_optimizer_sends_the_training_it_always_did(page: Page) -> None:
    bodies = trainings(page)
    open_explorer(page, "ds=moons&o=adam;lr=0.03&n=100&r=10", path="/network")
    body = bodies[-1]
    assert body["optimizer"] == {"name": "adam", "params": {"lr": 0.03}} and "optimizers" not in body
    assert "test_fraction" not in body and "sharpness" not in body
    assert len(plotted(page, "loss")) == 1 and page.locator(tid("run-legend")).is_hidden()
    assert page.locator(".card").count() == 1


def test_cards_add_and_remove_runs_up_to_eight(page: Page) -> None:
    done = open_explorer(page, "ds=moons&n=100&r=10", path="/network")
    page.locator(tid("add-optimizer")).click()
    done = settle(page, done)
    assert [t["name"] for t in plotted(page, "loss")] == ["Adam", "GD"]  # the new run: another optimizer
    assert parse_qs(urlsplit(page.url).query)["o"] == ["adam;lr=0.03", "sgd;lr=0.1"]
    for _ in range(6):
        page.locator(tid("add-optimizer")).click()
    expect(page.locator(".card")).to_have_count(8)
    expect(page.locator(tid("add-optimizer"))).to_be_disabled()
    done = settle(page, done)
    assert len(plotted(page, "loss")) == 8 and len(plotted(page, "landscape")) == 6 + 8
    page.locator(tid("remove-0")).click()
    done = settle(page, done)
    expect(page.locator(".card")).to_have_count(7)
    assert parse_qs(urlsplit(page.url).query)["o"][0] == "sgd;lr=0.1"  # the second is now the first
    # A run's own hyperparameter: only that run changes.
    before = plotted(page, "loss")
    commit(page, "param-1-lr", "0.01")
    settle(page, done)
    after = plotted(page, "loss")
    assert after[0]["values"] == before[0]["values"] and after[1]["values"] != before[1]["values"]
    assert parse_qs(urlsplit(page.url).query)["o"][1] == "adam;lr=0.01"


def test_test_split_draws_test_curves_dashed_in_the_runs_colour(page: Page, server: str) -> None:
    bodies = trainings(page)
    done = open_explorer(page, f"{RACE}&test=0.3", path="/network")
    assert bodies[-1]["test_fraction"] == 0.3
    runs = api_train(server, bodies[-1])["runs"]
    for testid, key, name in (("loss", "test_loss", "{}, test"), ("accuracy", "test_accuracy", "{}, test")):
        drawn = plotted(page, testid)
        assert len(drawn) == 4, testid  # two runs, and each one's test line
        for i, run in enumerate(runs):
            train, test = drawn[i], drawn[2 + i]
            assert train["dash"] is None and test["dash"] == "dash"
            assert test["color"] == train["color"] == PALETTE[i]
            assert test["name"] == name.format(train["name"]) and close(test["values"], run[key])
    # Truthful words: the legend and the plots say which line is which.
    expect(page.locator(tid("line-key"))).to_have_text("solid: training data · dashed: test data")
    notes = page.evaluate(
        "() => document.querySelector('[data-testid=\"loss\"]').layout.annotations.map((a) => a.text)"
    )
    assert "dashed: test data" in notes
    # No test share: no test lines.
    commit(page, "test-fraction", "0")
    settle(page, done)
    assert len(plotted(page, "loss")) == 2 and "test_fraction" not in bodies[-1]
    expect(page.locator(tid("line-key"))).to_have_count(0)


def test_schedule_parameters_and_clipping_reach_the_request(page: Page) -> None:
    bodies = trainings(page)
    done = open_explorer(page, "ds=moons&o=sgd;lr=0.1&n=100&r=10", path="/network")
    page.locator(tid("schedule")).select_option("step")
    done = settle(page, done)
    assert bodies[-1]["schedule"] == {"name": "step"}
    step_size = page.get_by_label("step size", exact=True)
    step_size.fill("25")
    step_size.press("Enter")
    done = settle(page, done)
    assert bodies[-1]["schedule"] == {"name": "step", "step_size": 25}
    page.locator(tid("clip")).select_option("max_norm")
    commit(page, "clip-limit", "0.5")
    done = settle(page, done)
    assert bodies[-1]["clip"] == {"max_norm": 0.5}
    query = parse_qs(urlsplit(page.url).query)
    assert query["clip"] == ["norm:0.5"] and query["sch"] == ["step;step_size=25"]
    page.locator(tid("clip")).select_option("value")
    settle(page, done)
    assert bodies[-1]["clip"] == {"value": 0.5}


def point_traces(page: Page) -> list[dict[str, Any]]:
    """The boundary's scatter traces of data points: positions, fill, ring colour (by class) and meta."""
    return page.evaluate(
        """() => document.querySelector('[data-testid="boundary"]').data.filter((t) => t.mode === 'markers')
            .map((t) => ({x: Array.from(t.x), y: Array.from(t.y), meta: t.meta ?? null, fill: t.marker.color,
                          ring: t.marker.line?.color ?? null, classes: Array.from(t.customdata ?? [])}))"""
    )


@pytest.mark.parametrize(("lang", "note"), [("en", "hollow: test points"), ("zh", "空心点：测试集")])
def test_held_out_points_are_drawn_hollow_and_the_title_says_so(page: Page, server: str, lang: str, note: str) -> None:
    bodies = trainings(page)
    open_explorer(page, f"lang={lang}&{RACE}&test=0.3", path="/network")
    answer = api_train(server, bodies[-1])
    data = answer["data"]
    test = set(data["test"])
    assert len(test) == 60  # 30 % of 200
    train, held = point_traces(page)
    assert train["meta"] is None and held["meta"] == "test"
    kept = [i for i in range(200) if i not in test]
    assert train["x"] == [data["x"][i][0] for i in kept] and train["classes"] == [data["y"][i] for i in kept]
    ordered = [i for i in range(200) if i in test]
    assert held["x"] == [data["x"][i][0] for i in ordered] and held["y"] == [data["x"][i][1] for i in ordered]
    # Hollow: a white centre in a ring of the class's colour (the filled ones are their class's colour).
    assert held["fill"] == "#ffffff" and held["ring"] == [data["y"][i] for i in ordered]
    assert train["fill"] == train["classes"]
    title = page.evaluate("() => document.querySelector('[data-testid=\"boundary\"]').layout.title.text")
    assert title.endswith(note)
    # Regression: the fitted curve's points split the same way.
    page.goto(f"/network?lang={lang}&ds=sine&dn=100&n=50&r=10&test=0.2")
    page.wait_for_function("() => document.body.hasAttribute('data-runs')")
    metas = [t["meta"] for t in point_traces(page)]
    assert metas == [None, "test"] and len(point_traces(page)[1]["x"]) == 20


def test_a_dashed_test_line_is_at_least_2_5_px_on_a_projector(page: Page) -> None:
    open_explorer(page, f"theme=projector&{RACE}&test=0.3", path="/network/embed")
    drawn = page.evaluate(
        """() => document.querySelector('[data-testid="loss"]').data.map((t) => [t.line.dash ?? null,
            t.line.width])"""
    )
    dashed = [width for dash, width in drawn if dash == "dash"]
    assert len(dashed) == 2 and min(dashed) >= 2.5
    assert all(width >= 3 for dash, width in drawn if dash is None)


LAYERED = "ds=moons&dn=100&h=6,4&o=sgd;lr=0.3&n=60&r=10"


def test_learning_rates_per_layer_reach_the_request_and_the_address(page: Page, server: str) -> None:
    bodies = trainings(page)
    done = open_explorer(page, f"{LAYERED}&ls=1,0.5,2", path="/network")
    assert bodies[-1]["lr_scale"] == [1, 0.5, 2]
    field = page.locator(tid("lr-scale"))
    expect(field).to_have_value("1,0.5,2")
    answer = api_train(server, bodies[-1])
    assert close(plotted(page, "loss")[0]["values"], answer["loss"])
    plain = api_train(server, {**bodies[-1], "lr_scale": None})
    assert plain["loss"][-1] != answer["loss"][-1]  # the factors change the training
    # A wrong count or a factor out of (0, 1000] is not taken: the field shows what is used.
    for wrong in ("2,2", "1,1,0", "1,1,2000", "1,x,1"):
        commit(page, "lr-scale", wrong)
        expect(field).to_have_value("1,0.5,2")
    commit(page, "lr-scale", "1,1,0.25")
    done = settle(page, done)
    assert bodies[-1]["lr_scale"] == [1, 1, 0.25]
    assert parse_qs(urlsplit(page.url).query)["ls"] == ["1,1,0.25"]
    # Other layers: the factors go, from the request and the address.
    commit(page, "hidden", "6")
    done = settle(page, done)
    assert "lr_scale" not in bodies[-1] and "ls" not in parse_qs(urlsplit(page.url).query)
    expect(field).to_have_value("")
    commit(page, "lr-scale", "3,1")
    done = settle(page, done)
    assert bodies[-1]["lr_scale"] == [3, 1]
    commit(page, "lr-scale", "")  # empty: all 1
    settle(page, done)
    assert "lr_scale" not in bodies[-1]


@pytest.mark.parametrize("ls", ["1,2", "1,1,1,1", "1,1,0", "1,1,1001", "1,,1"])
def test_an_address_whose_factors_do_not_fit_trains_without_them(page: Page, ls: str) -> None:
    bodies = trainings(page)
    open_explorer(page, f"{LAYERED}&ls={ls}", path="/network")
    assert "lr_scale" not in bodies[-1]
    expect(page.locator(tid("lr-scale"))).to_have_value("")
