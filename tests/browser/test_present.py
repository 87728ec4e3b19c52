"""/present in a headless chromium: the built-in deck scene by scene, in zh and en, driven by the keys a
presenter's clicker sends, pressed on the page or inside the scene's frame; every scene drawn with data."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Frame, Page, expect


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def course(server: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server}/api/decks/course") as response:
        return json.load(response)


def scene_frame(page: Page) -> Frame:
    handle = page.locator("iframe.scene-frame.current").element_handle()
    frame = handle.content_frame()
    assert frame is not None
    return frame


def wait_drawn(page: Page, index: int) -> Frame:
    """Scene `index` (1-based) is current, its frame said `ready` and its plots (Backprop: its diagram) hold
    data. A map page (/sweep) counts its drawn maps in `data-sweeps`."""
    page.wait_for_function("i => document.body.dataset.shown === String(i)", arg=index, timeout=30_000)
    frame = scene_frame(page)
    frame.wait_for_function(
        "() => ['data-runs', 'data-step', 'data-sweeps'].some((name) => document.body.hasAttribute(name))",
        timeout=30_000,
    )
    return frame


def plotted_points(frame: Frame) -> int:
    """How many points the scene's plots hold (every Plotly figure in the frame), or Backprop's units drawn."""
    return frame.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap((g) => g.data ?? [])
             .reduce((n, t) => n + (Array.isArray(t.x) ? t.x.length : 0) + (Array.isArray(t.z) ? t.z.length : 0), 0)
             + document.querySelectorAll('[data-testid="bp-diagram"] circle').length"""
    )


def test_scene_from_the_hash_in_chinese(page: Page, server: str) -> None:
    deck = course(server)
    page.goto("/present?deck=course&lang=zh#3")
    wait_drawn(page, 3)
    scene = deck["scenes"][2]
    expect(page.locator(tid("scene-title"))).to_have_text(scene["title"]["zh"])
    expect(page.locator(tid("scene-index"))).to_have_text(f"3 / {len(deck['scenes'])}")
    expect(page.locator(tid("narration"))).to_contain_text(scene["narration"]["zh"])
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    frame = scene_frame(page)
    assert "lang=zh" in frame.url and "theme=projector" in frame.url
    assert frame.evaluate("document.documentElement.lang") == "zh-CN"


def test_clicker_and_keyboard(page: Page, server: str) -> None:
    count = len(course(server)["scenes"])
    page.goto("/present?deck=course&lang=en#1")
    wait_drawn(page, 1)
    for key, expected in [
        ("ArrowRight", 2),
        ("PageDown", 3),
        ("PageUp", 2),
        ("ArrowLeft", 1),
        ("End", count),
        ("Home", 1),
    ]:
        page.keyboard.press(key)
        expect(page.locator(tid("scene-index"))).to_have_text(f"{expected} / {count}")
        assert page.evaluate("location.hash") == f"#{expected}"
    page.keyboard.press("ArrowLeft")  # before the first scene: stays
    expect(page.locator(tid("scene-index"))).to_have_text(f"1 / {count}")

    page.keyboard.press("b")
    expect(page.locator("#black")).to_be_visible()
    page.keyboard.press("b")
    expect(page.locator("#black")).to_be_hidden()
    page.keyboard.press("n")
    expect(page.locator(tid("narration"))).to_be_hidden()
    page.keyboard.press("n")
    expect(page.locator(tid("narration"))).to_be_visible()
    page.keyboard.press("o")
    expect(page.locator("#overview .overview-card")).to_have_count(count)
    page.keyboard.press("Escape")
    expect(page.locator("#overview")).to_be_hidden()
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("x")
    expect(page.locator("#help")).to_be_hidden()
    # Keys are left alone while a form field has the focus.
    page.locator(tid("lang")).focus()
    page.keyboard.press("ArrowRight")
    page.evaluate("document.activeElement.blur()")
    expect(page.locator(tid("scene-index"))).to_have_text(f"1 / {count}")


def test_overview_picks_a_scene(page: Page, server: str) -> None:
    count = len(course(server)["scenes"])
    page.goto("/present?deck=course&lang=en")
    wait_drawn(page, 1)
    page.keyboard.press("o")
    page.locator("#overview .overview-card").nth(4).click()
    expect(page.locator("#overview")).to_be_hidden()
    expect(page.locator(tid("scene-index"))).to_have_text(f"5 / {count}")
    wait_drawn(page, 5)


def test_keys_pressed_inside_the_scene_move_the_deck(page: Page, server: str) -> None:
    count = len(course(server)["scenes"])
    page.goto("/present?deck=course&lang=en#2")
    frame = wait_drawn(page, 2)
    frame.locator("body").click(position={"x": 5, "y": 5})  # the focus is inside the frame now
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"
    frame.locator("body").press("PageDown")
    expect(page.locator(tid("scene-index"))).to_have_text(f"3 / {count}")
    frame = wait_drawn(page, 3)
    frame.locator("body").click(position={"x": 5, "y": 5})
    frame.locator("body").press("ArrowLeft")
    expect(page.locator(tid("scene-index"))).to_have_text(f"2 / {count}")


def test_space_plays_the_scene(page: Page) -> None:
    page.goto("/present?deck=course&lang=en#1")
    frame = wait_drawn(page, 1)
    page.keyboard.press(" ")
    readouts = set()
    for _ in range(6):
        readouts.add(frame.locator('[data-testid="readout"]').inner_text())
        page.wait_for_timeout(150)
    assert len(readouts) > 1, f"the cursor did not move while playing: {readouts}"


def test_a_backprop_scene_opens_at_its_step_and_the_presenter_steps_it(page: Page, server: str) -> None:
    scenes = course(server)["scenes"]
    index, scene = next((i, s) for i, s in enumerate(scenes, start=1) if s["page"] == "backprop")
    k = int(re.search(r"(?:^|&)k=(\d+)", scene["query"]).group(1))
    page.goto(f"/present?deck=course&lang=en#{index}")
    frame = wait_drawn(page, index)
    at = "k => document.body.dataset.step === String(k)"
    assert frame.evaluate("document.body.dataset.step") == str(k)
    page.keyboard.press(".")
    frame.wait_for_function(at, arg=k + 1, timeout=5_000)
    page.keyboard.press(",")
    frame.wait_for_function(at, arg=k, timeout=5_000)
    page.keyboard.press(" ")  # play: one step every 1.5 s
    frame.wait_for_function(at, arg=k + 2, timeout=6_000)
    page.keyboard.press(" ")  # pause
    page.wait_for_timeout(2_000)
    assert int(frame.evaluate("document.body.dataset.step")) in (k + 2, k + 3)
    stopped = frame.evaluate("document.body.dataset.step")
    page.wait_for_timeout(1_800)
    assert frame.evaluate("document.body.dataset.step") == stopped


def test_fits_a_projector(page: Page) -> None:
    page.goto("/present?deck=course&lang=zh#1")
    frame = wait_drawn(page, 1)
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth + 1")
    assert frame.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")
    title_px = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.scene-title')).fontSize)")
    notes_px = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.narration-text')).fontSize)")
    assert title_px >= 18 and notes_px >= 18


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_scene_loads_with_data(page: Page, server: str, lang: str) -> None:
    deck = course(server)
    page.goto(f"/present?deck=course&lang={lang}#1")
    for i, scene in enumerate(deck["scenes"], start=1):
        frame = wait_drawn(page, i)
        expect(page.locator(tid("scene-title"))).to_have_text(scene["title"][lang])
        assert plotted_points(frame) > 0, f"scene {i} ({scene['id']}) plotted nothing"
        # At 1280×720 nothing of the scene is cut off or needs scrolling: not the notes, not the view.
        assert page.evaluate("(n => n.scrollHeight <= n.clientHeight)(document.querySelector('#notes'))"), i
        assert frame.evaluate("document.documentElement.scrollHeight <= innerHeight + 1"), i
        if i < len(deck["scenes"]):
            page.keyboard.press("ArrowRight")


def test_unknown_deck_says_so(page_watch: Any) -> None:
    page, watch = page_watch
    watch.expect_console_error(
        "Failed to load resource: the server responded with a status of 404 (Not Found)", "/api/decks/"
    )
    page.goto("/present?deck=nope&lang=en")
    expect(page.locator("#message")).to_contain_text("nope")


def test_no_english_left_in_chinese(page: Page) -> None:
    """The present page's own words (bar, buttons, help, overview) are Chinese; scene text is the deck's."""
    page.goto("/present?deck=course&lang=zh#1")
    wait_drawn(page, 1)
    page.keyboard.press("?")
    help_text = page.locator("#help").inner_text()
    page.keyboard.press("x")
    page.keyboard.press("o")
    overview_heading = page.locator("#overview h2").inner_text()
    sections = page.locator("#overview .overview-section").all_inner_texts()
    page.keyboard.press("Escape")
    labels = page.evaluate(
        """() => [...document.querySelectorAll('.present-bar button, .present-bar select')]
             .flatMap((b) => [b.innerText, b.title, b.getAttribute('aria-label') ?? ''])"""
    )
    words = " ".join([help_text, overview_heading, *sections, *labels])
    # Key names and the language's own name are not English prose.
    for allowed in ("PageDown", "PageUp", "Home", "End", "Space", "Esc", "English", "gdviz"):
        words = words.replace(allowed, "")
    english = re.findall(r"[A-Za-z]{2,}", words)
    assert not english, english
