"""The Network view in a real browser: training streams in and every plot fills; in a slide (an embed
framed by another origin) the scene comes back on reset, the view options stay in the address, and
`hide=` hides parts."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Browser, Frame, Page, expect

from .slides import Site, command, count, get_state, static_site, wait_event, watched_slides
from .test_explorer import QUIET_MS, blur, commit, open_explorer, settle, tid, traces


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
    assert len(boundary[-1]["x"]) == 200  # the data points, over the boundary
    z = boundary[0]["z"]
    assert len(z) == 50 and len(z[0]) == 50 and all(v is not None for row in z for v in row)  # a frame is shown
    assert boundary[1]["z"] == z  # the line P = 0.5 is drawn from the same frame
    grads = traces(page, "grad-lines")
    assert [g["name"] for g in grads] == ["layer 1", "layer 2", "output"] and all(g["x"] == steps for g in grads)
    assert len(figure(page, "weights")) == 3
    # The landscape grid is drawn once, in the figure under the paths.
    grid = page.evaluate("document.querySelector('[data-testid=\"landscape\"]').previousElementSibling.data[0].z")
    assert len(grid) == 25 and len(grid[0]) == 25
    scape = figure(page, "landscape")
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
    assert [g["name"] for g in traces(page, "grad-lines")] == ["layer 1", "output"]
    assert "h=4" in page.url


LAYER_LINES = """id => {
    const el = document.querySelector(`[data-testid="${id}"]`);
    return {norms: el.data.map((t) => Array.from(t.customdata)), drawn: el.data.map((t) => Array.from(t.y)),
            type: el.layout.yaxis.type,
            notes: (el.layout.annotations ?? []).map((a) => ({text: a.text, y: a.y})),
            floor: (el.layout.shapes ?? []).filter((s) => s.meta === "floor").map((s) => s.y0)};
}"""


def test_a_gradient_of_exactly_zero_is_drawn_on_the_floor_marked_zero(page: Page) -> None:
    open_explorer(page, "n=200&r=20", path="/network")
    lines = page.evaluate(LAYER_LINES, "grad-lines")
    assert lines["type"] == "log" and lines["floor"] == []  # every gradient is there: no floor
    assert lines["drawn"] == lines["norms"]  # drawn at their values
    # Too large a normal init for ReLUs: after one step every unit is dead and the gradients are zero.
    open_explorer(page, "h=8,8,8,8&act=relu&init=normal&iscale=3&o=sgd;lr=0.1&n=100&r=10", path="/network")
    lines = page.evaluate(LAYER_LINES, "grad-lines")
    zeros = [(i, j) for i, row in enumerate(lines["norms"]) for j, v in enumerate(row) if v == 0]
    assert len(zeros) > len(lines["norms"])  # more than one record's worth
    smallest = min(v for row in lines["norms"] for v in row if v > 0)
    floors = {lines["drawn"][i][j] for i, j in zeros}
    assert len(floors) == 1, floors
    floor = floors.pop()
    assert floor <= smallest / 10, (floor, smallest)  # one floor, a decade below the smallest value
    zero_note = next(n for n in lines["notes"] if n["text"] == "0 (no gradient)")
    assert abs(zero_note["y"] - math.log10(floor)) < 1e-9  # and it says 0 there


def test_regression_shows_the_fitted_function(page: Page) -> None:
    open_explorer(page, "ds=sine&n=300&r=30", path="/network")
    curve, points = figure(page, "boundary")
    assert len(points["x"]) == 200 and len(curve["x"]) == 50  # the data (x₁, y) and the fit along x₁
    assert all(v is not None for v in curve["y"])
    assert figure(page, "accuracy") == []  # no accuracy for regression: the plot says so
    note = page.evaluate("document.querySelector('[data-testid=\"accuracy\"]').layout.annotations[0].text")
    assert "classification only" in note


# ── In a slide: the scene comes back, the view options stay, parts hide ──────

# The slides around the frame, on an origin of their own (a static site), as reveal.js frames a scene.
SLIDES = """<!doctype html>
<html><head><meta charset="utf-8"><title>slides</title><link rel="icon" href="data:,"></head>
<body style="margin:0"><iframe width="1280" height="720" title="gdviz" style="border:0"></iframe>
<script>document.querySelector("iframe").src = new URLSearchParams(location.search).get("src");</script>
</body></html>"""
SCENE = "ds=moons&n=200&r=20"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with static_site(pages={"/slides.html": SLIDES}) as running:
        yield running


@pytest.fixture
def slides(browser: Browser, server: str, site: Site) -> Iterator[Page]:
    with watched_slides(browser, server, site) as (page, _):
        yield page


def trained(frame: Frame, since: int) -> int:
    """Wait for a training newer than `since` to be drawn; the new count of trainings drawn."""
    frame.wait_for_function("since => window.__runs.set > since && document.body.hasAttribute('data-runs')", arg=since)
    return frame.evaluate("window.__runs.set")


def scene_of(query: str) -> dict[str, list[str]]:
    return {k: v for k, v in parse_qs(query).items() if k != "k"}


def shown(frame: Frame) -> dict[str, Any]:
    """What the frame shows of its training: the data points, the layers, the step in the slider."""
    return frame.evaluate(
        """() => ({points: document.querySelector('[data-testid="boundary"]').data.at(-1).x.length,
                   layers: document.querySelector('[data-testid="grad-lines"]').data.length,
                   boundary: JSON.stringify(document.querySelector('[data-testid="boundary"]').data[0].z),
                   scrub: Number(document.querySelector('[data-testid="scrub"]').value)})"""
    )


def test_reset_brings_back_the_scene_by_message_button_and_key(slides: Page, site: Site, server: str) -> None:
    src = f"{server}/network/embed?{SCENE}&lang=zh&theme=projector"
    slides.goto(f"{site.base}/slides.html?src={quote(src, safe='')}")
    wait_event(slides, "ready", 0)
    frame = next(f for f in slides.frames if "/network/embed" in f.url)
    runs = frame.evaluate("window.__runs.set")
    original = shown(frame)
    assert scene_of(get_state(slides)["query"]) == scene_of(SCENE)

    # Another scene: trained anew.
    since = count(slides)
    command(slides, "setState", "ds=circles&dn=100&r=20&h=4")
    assert scene_of(wait_event(slides, "state", since)["query"]) == scene_of("ds=circles&dn=100&r=20&h=4")
    runs = trained(frame, runs)
    assert (shown(frame)["points"], shown(frame)["layers"]) == (100, 2)

    # reset (the message): the scene as the address gave it, trained again, at step 0.
    command(slides, "reset")
    runs = trained(frame, runs)
    state = get_state(slides)
    assert scene_of(state["query"]) == scene_of(SCENE) and state["step"] == 0 and state["playing"] is False
    back = shown(frame)
    assert (back["points"], back["layers"], back["scrub"]) == (original["points"], original["layers"], 0)

    # The button: after another scene, the same way back.
    command(slides, "setState", "ds=xor&dn=100&r=20")
    runs = trained(frame, runs)
    slides.frame_locator("iframe").locator(tid("reset-scene")).click()
    runs = trained(frame, runs)
    assert scene_of(get_state(slides)["query"]) == scene_of(SCENE)
    assert shown(frame)["points"] == original["points"]

    # R inside the frame, when only the step moved: back to step 0 with no training at all.
    since = count(slides)
    command(slides, "seek", 7)
    wait_event(slides, "step", since, step=7)
    slides.frame_locator("iframe").locator(tid("readout")).click()
    slides.keyboard.press("r")
    frame.wait_for_function("() => document.querySelector('[data-testid=\"scrub\"]').value === '0'")
    slides.wait_for_timeout(QUIET_MS)
    assert frame.evaluate("window.__runs.set") == runs, "the same scene is not trained again"
    assert get_state(slides)["step"] == 0
    assert shown(frame)["boundary"] != original["boundary"], "step 0 shows the untrained boundary"


def test_view_options_survive_the_url_sync(page: Page) -> None:
    options = "lang=zh&theme=projector&hide=landscape&autoplay=1&loop=1&present=1"
    open_explorer(page, f"n=200&r=20&{options}", path="/network/embed")
    blur(page)
    page.keyboard.press("Home")
    page.keyboard.press(".")
    page.wait_for_function("() => new URLSearchParams(location.search).get('k') === '1'")
    query = parse_qs(urlsplit(page.url).query)
    for key, value in parse_qs(options).items():
        assert query[key] == value, key
    assert query["n"] == ["200"]


def test_a_control_keeps_the_language_in_the_address(page: Page) -> None:
    done = open_explorer(page, "lang=zh&n=200&r=20", path="/network")
    commit(page, "hidden", "4")
    settle(page, done)
    query = parse_qs(urlsplit(page.url).query)
    assert query["h"] == ["4"] and query["lang"] == ["zh"]


def boxes(page: Page) -> dict[str, list[float]]:
    """The on-screen box [left, top, width, height] of every part of the view; [] when not shown."""
    return page.evaluate(
        """() => Object.fromEntries([['boundary', '#boundary'], ['landscape', '#landscape'], ['loss', '#loss'],
            ['accuracy', '#accuracy'], ['grads', '#grad-lines'], ['weights', '#weights'], ['player', '.player']]
            .map(([name, selector]) => {
              const el = document.querySelector(selector);
              const r = el.getBoundingClientRect();
              return [name, el.getClientRects().length && r.width ? [r.left, r.top, r.width, r.height] : []];
            }))"""
    )


def test_hide_hides_parts_and_the_rest_takes_the_room(page: Page) -> None:
    open_explorer(page, "n=200&r=20", path="/network/embed")
    whole = boxes(page)
    assert all(whole.values())

    open_explorer(page, "n=200&r=20&hide=accuracy", path="/network/embed")
    parts = boxes(page)
    assert parts["accuracy"] == []
    assert parts["loss"][3] > whole["loss"][3] + 20, "three side plots share the column"

    open_explorer(page, "n=200&r=20&hide=landscape,player,table", path="/network/embed")
    parts = boxes(page)
    assert parts["landscape"] == [] and parts["player"] == []
    assert parts["boundary"][2] > 1.8 * whole["boundary"][2], "the boundary takes the landscape's room"
    assert figure(page, "boundary")[-1]["x"], "and is drawn"

    open_explorer(page, "n=200&r=20&hide=loss,accuracy,grads,weights", path="/network/embed")
    parts = boxes(page)
    assert [parts[p] for p in ("loss", "accuracy", "grads", "weights")] == [[], [], [], []]
    assert parts["landscape"][0] + parts["landscape"][2] > 1200, "no side column: the hero takes the width"
