"""The reveal.js example (docs/reveal/index.html) with a real reveal.js from the npm registry, in a headless
chromium: the deck is served by a static site of its own (another origin than the app), its frames point
at the test's app, and the slides are moved the way a presenter moves them, from the deck and from inside
a frame that has the keyboard. Each scene plays when its slide comes up and pauses when it leaves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Browser, Page, expect

from ..server import ROOT
from .slides import Site, command, count, get_state, messages, static_site, wait_event, wait_state, watched_slides

REVEAL = Path(__file__).parent / ".reveal" / "node_modules" / "reveal.js"
DECK = ROOT / "docs" / "reveal" / "index.html"
GDVIZ = "http://127.0.0.1:8000"  # where the example expects gdviz; the test serves it elsewhere
STEPS = 20  # the example's canyon scenes: 20 steps

pytestmark = pytest.mark.skipif(
    not (REVEAL / "dist" / "reveal.js").is_file(),
    reason="reveal.js is not installed: `npm install --prefix tests/browser/.reveal reveal.js@5.2.1` (.ci/run does it)",
)


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


@pytest.fixture(scope="module")
def site(server: str) -> Iterator[Site]:
    """The example as a lecturer serves it, reveal.js in ./reveal.js, its frames on the test's app."""
    deck = DECK.read_text()
    assert GDVIZ in deck
    with static_site(folders={"/reveal.js/": REVEAL}, pages={"/index.html": deck.replace(GDVIZ, server)}) as running:
        yield running


@pytest.fixture
def deck(browser: Browser, server: str, site: Site) -> Iterator[Page]:
    with watched_slides(browser, server, site) as (page, _):
        # transition=none (reveal.js reads its options from the query): a slide is in place at once.
        page.goto(f"{site.base}/index.html?transition=none#/0")
        page.wait_for_function("() => window.Reveal?.isReady()")
        yield page


def slide(page: Page) -> int:
    return page.evaluate("Reveal.getIndices().h")


def wait_slide(page: Page, index: int) -> None:
    page.wait_for_function("h => Reveal.getIndices().h === h", arg=index)


def focus_frame(page: Page) -> None:
    """Click the current slide's frame where a click changes nothing (its step readout): it has the keyboard."""
    page.frame_locator("section.present iframe.gdviz").locator(tid("readout")).click()


def test_scenes_play_on_their_slides_and_keys_inside_move_the_deck(deck: Page, server: str) -> None:
    frames = deck.evaluate(
        "[...document.querySelectorAll('iframe.gdviz')].map((f) => f.getAttribute('src') ?? f.dataset.src)"
    )
    assert len(frames) == 3 and all(src.startswith(f"{server}/") for src in frames), "the frames show the app"
    assert all("lang=zh" in src and "theme=projector" in src and "autoplay=1" in src for src in frames)

    # The first scene is preloaded and plays once by itself (autoplay=1).
    wait_event(deck, "ready", 0, frame=0)
    wait_event(deck, "ended", 0, frame=0)
    assert wait_state(deck, frame=0, playing=False)["step"] == STEPS

    # → on the deck: its slide comes up, reveal.js posts slide:start, the scene plays again from the start.
    since = count(deck, 0)
    deck.keyboard.press("ArrowRight")
    wait_slide(deck, 1)
    restarted = wait_event(deck, "step", since, frame=0)
    assert restarted["step"] < STEPS
    wait_event(deck, "ended", since, frame=0)

    # → inside the frame moves the deck, and slide:stop pauses the scene that was playing (slowed down
    # first through the API, so that it surely still plays when the key is pressed on a busy machine).
    query = [p for p in get_state(deck, 0)["query"].split("&") if not p.startswith(("speed=", "k="))]
    since = count(deck, 0)
    command(deck, "setState", "&".join([*query, "speed=0.05"]), frame=0)
    wait_event(deck, "state", since, frame=0)
    command(deck, "seek", 0, frame=0)
    command(deck, "play", frame=0)
    wait_state(deck, frame=0, playing=True)
    focus_frame(deck)
    since = count(deck, 1)
    deck.keyboard.press("ArrowRight")
    wait_slide(deck, 2)
    stopped = wait_state(deck, frame=0, playing=False)
    assert stopped["step"] < STEPS, "paused on the way, not at the end"
    assert '{"method":"right"}' in messages(deck, 0), "the frame handed the key to the deck"
    # The second scene plays on its own slide:start.
    restarted = wait_event(deck, "step", since, frame=1)
    assert restarted["step"] < STEPS

    # PageDown inside the second frame: its fragments, each posting its command to the frame.
    focus_frame(deck)
    deck.keyboard.press("PageDown")  # ① reset: step 0 of the scene, paused
    wait_state(deck, frame=1, step=0, playing=False)
    deck.keyboard.press("PageDown")  # ② five steps
    wait_state(deck, frame=1, step=5, playing=False)
    expect(deck.locator("section.present .gdviz-step")).to_have_text("（第 5 步）")
    deck.keyboard.press("PageDown")  # ③ play
    wait_state(deck, frame=1, playing=True)
    assert slide(deck) == 2, "the fragments came first"

    # PageDown once more: the network scene's slide; it plays from its start.
    since = count(deck, 2)
    deck.keyboard.press("PageDown")
    wait_slide(deck, 3)
    wait_state(deck, frame=1, playing=False)
    assert wait_event(deck, "step", since, frame=2)["step"] < 5

    # PageUp inside the network frame goes back (to the previous slide, its fragments all shown).
    focus_frame(deck)
    deck.keyboard.press("PageUp")
    wait_slide(deck, 2)
    assert '{"method":"prev"}' in messages(deck, 2)
