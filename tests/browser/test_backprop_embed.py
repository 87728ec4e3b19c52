"""/backprop/embed in slides, outside /present: a parent page on another origin frames it and drives it
with the embed's postMessage API (static/js/embed.js) as reveal.js or any page would — ready, seek, step,
play, pause, setState, reset, getState — and reads the events it posts back. The step-through's numbers
in the frame stay the API's, the optimizer of the update included."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Browser, Frame, Page, expect

from gdviz.api.i18n import t

from .slides import (
    FRAME_HOST,
    Site,
    command,
    count,
    events,
    get_state,
    messages,
    static_site,
    wait_event,
    wait_state,
    watched_slides,
)

SCENE = "h=3,2&act=tanh&x=0.5,-0.5&y=1&seed=0&lr=0.1&opt=adam&k=3"
LAST = 20  # 3,2 with Adam: 19 steps of the pass, Adam's state, its update
OTHER = "h=2&act=relu&x=1,0&y=0&seed=1&lr=0.05&opt=sgd;momentum=0.9&k=0"
PARENT = FRAME_HOST


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with static_site(pages={"/slides.html": PARENT}) as running:
        yield running


@pytest.fixture
def slides(browser: Browser, server: str, site: Site) -> Iterator[Page]:
    with watched_slides(browser, server, site) as (page, _):
        yield page


def open_embed(page: Page, site: Site, server: str, query: str) -> dict[str, Any]:
    page.goto(f"{site.base}/slides.html?src={quote(f'{server}/backprop/embed?{query}', safe='')}")
    return wait_event(page, "ready", 0)


def frame_of(page: Page) -> Frame:
    return next(f for f in page.frames if f.url.split("?")[0].endswith("/backprop/embed"))


def fields(query: str) -> dict[str, list[str]]:
    return {k: v for k, v in parse_qs(query).items() if k not in ("k", "lang", "theme")}


def api_pass(server: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server}/api/backprop", json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def moved_to(page: Page, method: str, *args: Any, step: int) -> None:
    since = count(page)
    command(page, method, *args)
    wait_event(page, "step", since, step=step)


def test_ready_reports_the_scene_and_commands_walk_it(slides: Page, site: Site, server: str) -> None:
    ready = open_embed(slides, site, server, f"{SCENE}&lang=zh&theme=projector")
    assert (ready["step"], ready["playing"]) == (3, False)
    assert fields(ready["query"]) == fields(SCENE), "the address holds the optimizer"
    frame = frame_of(slides)
    expect(frame.locator(tid("bp-count"))).to_have_text(t("zh", "backprop.count", step=4, total=LAST + 1))

    moved_to(slides, "seek", LAST, step=LAST)
    assert frame.locator(tid("bp-phase")).get_attribute("data-phase") == "update"
    expect(frame.locator(tid("bp-title"))).to_have_text(t("zh", "backprop.step.update", optimizer="Adam", lr="0.1"))
    # The frame shows the API's update: each weight of the output layer, its step and its new value.
    truth = api_pass(server, {"model": {"hidden": [3, 2], "activation": "tanh", "init": "xavier", "seed": 0},
                              "sample": {"x": [0.5, -0.5], "y": 1},
                              "optimizer": {"name": "adam", "params": {"lr": 0.1}}})  # fmt: skip
    update = truth["update"]["layers"][-1]
    cells = [number(c) for c in frame.locator(f"{tid('bp-table')} tbody td").all_text_contents()]
    want = [v for i in range(2) for v in (truth["layers"][-1]["W"][i][0], update["step"]["W"][i][0], update["W"][i][0])]
    want += [truth["layers"][-1]["b"][0], update["step"]["b"][0], update["b"][0]]
    assert len(cells) == len(want) and all(
        abs(c - v) <= 6e-4 * max(1, abs(v)) for c, v in zip(cells, want, strict=True)
    )

    moved_to(slides, "step", -1, step=LAST - 1)
    expect(frame.locator(tid("bp-title"))).to_have_text(t("zh", "backprop.step.state", optimizer="Adam"))
    moved_to(slides, "step", step=LAST)
    command(slides, "step", 5)  # no step beyond the last: the cursor stays there
    assert get_state(slides)["step"] == LAST
    moved_to(slides, "seek", -4, step=0)  # nor before the first
    state = get_state(slides)
    assert (state["step"], state["playing"]) == (0, False) and fields(state["query"]) == fields(SCENE)


def test_set_state_opens_another_pass_and_reset_brings_the_scene_back(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SCENE}&lang=en")
    frame = frame_of(slides)
    since = count(slides)
    command(slides, "setState", f"?{OTHER}")
    state = wait_event(slides, "state", since)
    assert fields(state["query"]) == fields(OTHER) and state["step"] == 0
    # One hidden layer of two units, SGD with momentum (its velocity is a state: two update steps).
    expect(frame.locator(tid("bp-count"))).to_have_text(t("en", "backprop.count", step=1, total=13))
    moved_to(slides, "seek", 12, step=12)
    assert frame.locator(tid("bp-phase")).get_attribute("data-phase") == "update"
    expect(frame.locator(tid("bp-diagram")).locator('[data-testid^="unit-1-"]')).to_have_count(2)

    since = count(slides)
    command(slides, "reset")
    wait_event(slides, "step", since, step=0)
    state = wait_state(slides, step=0)
    assert fields(state["query"]) == fields(SCENE), "reset goes back to the scene, its optimizer too"
    expect(frame.locator(tid("bp-count"))).to_have_text(t("en", "backprop.count", step=1, total=LAST + 1))


def test_play_walks_on_pause_stops_and_the_end_is_reported(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SCENE}&lang=en")
    command(slides, "seek", LAST - 2)
    wait_state(slides, step=LAST - 2)
    since = count(slides)
    command(slides, "play")
    wait_state(slides, playing=True)
    wait_event(slides, "step", since, step=LAST - 1)
    ended = wait_event(slides, "ended", since)
    assert ended["step"] == LAST
    assert wait_state(slides, playing=False)["step"] == LAST

    command(slides, "seek", 0)
    wait_state(slides, step=0)
    command(slides, "play")
    wait_state(slides, playing=True)
    since = count(slides)
    wait_event(slides, "step", since, step=1)
    command(slides, "pause")
    paused = wait_state(slides, playing=False)
    slides.wait_for_timeout(1800)  # longer than one step of play
    assert get_state(slides)["step"] == paused["step"]


def test_keys_in_the_frame_step_the_pass_and_leave_the_arrows_to_the_slides(
    slides: Page, site: Site, server: str
) -> None:
    open_embed(slides, site, server, f"{SCENE}&lang=en")
    slides.frame_locator("iframe").locator(tid("bp-panel")).click()  # the frame has the keyboard
    since = count(slides)
    slides.keyboard.press("ArrowRight")
    slides.keyboard.press("ArrowLeft")
    slides.wait_for_function("since => window.__frameMessages.slice(since).length >= 2", arg=since)
    assert [m for m in messages(slides)[since:] if isinstance(m, str)] == ['{"method":"right"}', '{"method":"left"}']
    assert [e for e in events(slides, since) if e["event"] == "step"] == [], "the arrows belong to the slides"
    since = count(slides)
    slides.keyboard.press(" ")
    wait_event(slides, "step", since, step=4)
    since = count(slides)
    slides.keyboard.press("Backspace")
    slides.keyboard.press("Backspace")
    wait_event(slides, "step", since, step=2)
    assert get_state(slides)["step"] == 2
