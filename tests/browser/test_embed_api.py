"""The embed's postMessage API in a headless chromium, driven the way slides drive it: a parent page on
another origin (a static site of its own) frames `/embed` and `/network/embed`, posts commands to the
frame and records the events the frame posts back. Keys are pressed inside the frame, as a presenter
who clicked into it would press them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Browser, Frame, Page, expect

from .conftest import PageWatch
from .slides import (
    Site,
    command,
    count,
    events,
    get_state,
    messages,
    send,
    static_site,
    wait_event,
    wait_state,
    watched_slides,
)

# Two optimizers on a quadratic bowl, 60 steps: a whole playback takes about 2 s at 1×. Where a test
# must catch it playing, it plays at ¼× (8 s): a busy machine answers getState in seconds.
SCENE = "s=quadratic&o=sgd;lr=0.1&o=adam;lr=0.1&n=60"
SLOW = f"{SCENE}&speed=0.25"
NETWORK = "ds=moons&n=200&speed=0.1"  # 21 records, 7 s of playback
OPTIONS = "lang=zh&theme=projector"
QUIET_MS = 450  # longer than the page's 200 ms re-run debounce
PARENT = """<!doctype html>
<html><head><meta charset="utf-8"><title>slides</title><link rel="icon" href="data:,"></head>
<body style="margin:0">
<iframe width="1100" height="680" allow="fullscreen" title="gdviz" style="border:0"></iframe>
<script>
const frame = document.querySelector("iframe");
const params = new URLSearchParams(location.search);
// As reveal.js starts a lazily loaded frame: slide:start on the frame's load event.
window.__frameLoads = 0;
frame.addEventListener("load", () => window.__frameLoads++);
const start = () => frame.contentWindow.postMessage("slide:start", "*");
if (params.has("start-on-load")) frame.addEventListener("load", start);
frame.src = params.get("src");
</script>
</body></html>"""


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with static_site(pages={"/slides.html": PARENT}) as running:
        yield running


@pytest.fixture
def slides_watch(browser: Browser, server: str, site: Site) -> Iterator[tuple[Page, PageWatch]]:
    with watched_slides(browser, server, site) as opened:
        yield opened


@pytest.fixture
def slides(slides_watch: tuple[Page, PageWatch]) -> Page:
    return slides_watch[0]


def frame_of(page: Page, path: str = "/embed") -> Frame:
    return next(f for f in page.frames if f.url.split("?")[0].endswith(path))


def open_embed(page: Page, site: Site, server: str, query: str, path: str = "/embed") -> dict[str, Any]:
    """Open the parent page framing `path?query` and wait for the frame's `ready`."""
    page.goto(f"{site.base}/slides.html?src={quote(f'{server}{path}?{query}', safe='')}")
    ready = wait_event(page, "ready", 0)
    origins = page.evaluate("window.__frameMessages.map((m) => m.origin)")
    assert set(origins) == {server}, "every message comes from the app's origin"
    return ready


def scene_fields(query: str) -> dict[str, list[str]]:
    return {k: v for k, v in parse_qs(query).items() if k not in ("k", "lang", "theme")}


# ── Ready, autoplay, the end, loop ───────────────────────────────────────────


def test_ready_without_autoplay_stays_still(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SCENE}&{OPTIONS}")
    assert [e["event"] for e in events(slides)].count("ready") == 1
    state = get_state(slides)
    assert state["playing"] is False
    assert scene_fields(state["query"]) == scene_fields(SCENE)
    since = count(slides)
    slides.wait_for_timeout(600)
    assert [e for e in events(slides, since) if e["event"] == "step"] == [], "nothing moves without autoplay"


def test_autoplay_plays_to_the_end_once(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SCENE}&{OPTIONS}&autoplay=1")
    ended = wait_event(slides, "ended", 0)
    after_ready = [e for e in events(slides) if e["event"] in ("ready", "step", "ended")]
    after_ready = after_ready[[e["event"] for e in after_ready].index("ready") + 1 :]
    steps = [e["step"] for e in after_ready if e["event"] == "step"]
    assert steps and steps[0] < 10, f"autoplay starts from the beginning: {steps[:5]}"
    assert steps == sorted(steps) and len(steps) > 5, "the cursor moves forward, step by step"
    assert steps[-1] == 60
    state = wait_state(slides, playing=False)
    assert state["step"] == 60
    assert ended.get("step", 60) == 60
    since = count(slides)
    slides.wait_for_timeout(800)
    assert [e for e in events(slides, since) if e["event"] in ("step", "ended")] == [], "no loop without loop=1"


def test_loop_starts_again_after_the_end(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SCENE}&{OPTIONS}&autoplay=1&loop=1")
    wait_event(slides, "ended", 0)
    since = count(slides)
    restarted = slides.wait_for_function(
        """since => window.__frameMessages.slice(since).map((m) => m.data)
             .find((d) => d && d.event === "step" && d.step < 30)""",
        arg=since,
    ).json_value()
    assert restarted["step"] < 30
    wait_event(slides, "ended", since)  # and round again


# ── Commands ─────────────────────────────────────────────────────────────────


def test_commands_move_the_cursor_and_report_state(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SLOW}&{OPTIONS}")
    original = get_state(slides)

    since = count(slides)
    command(slides, "seek", 10)
    wait_event(slides, "step", since, step=10)
    state = get_state(slides)
    assert (state["step"], state["playing"]) == (10, False)

    for args, expected in (((5,), 15), ((-3,), 12), ((), 13)):
        since = count(slides)
        command(slides, "step", *args)
        wait_event(slides, "step", since, step=expected)
        assert get_state(slides)["step"] == expected

    since = count(slides)
    send(slides, {"gdviz": 1, "method": "step"})  # no args at all: one step
    wait_event(slides, "step", since, step=14)

    command(slides, "play")
    wait_state(slides, playing=True)
    since = count(slides)
    wait_event(slides, "step", since)  # it moves
    command(slides, "pause")
    paused = wait_state(slides, playing=False)
    slides.wait_for_timeout(400)
    assert get_state(slides)["step"] == paused["step"], "pause stops the cursor"

    since = count(slides)
    command(slides, "reset")
    wait_event(slides, "step", since, step=0)
    state = wait_state(slides, step=0)
    assert state["playing"] is False
    assert scene_fields(state["query"]) == scene_fields(original["query"])


def test_set_state_loads_another_view_and_reset_brings_the_scene_back(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SCENE}&{OPTIONS}")
    frame = frame_of(slides)
    runs = frame.evaluate("window.__runs.set")

    since = count(slides)
    command(slides, "setState", "?s=beale&o=adam;lr=0.05&n=40")
    state = wait_event(slides, "state", since)
    assert scene_fields(state["query"])["s"] == ["beale"]
    assert scene_fields(state["query"])["o"] == ["adam;lr=0.05"]
    frame.wait_for_function("runs => window.__runs.set > runs && document.body.hasAttribute('data-runs')", arg=runs)
    assert scene_fields(get_state(slides)["query"]) == scene_fields(state["query"])

    command(slides, "reset")
    wait_state(slides, step=0)
    assert scene_fields(get_state(slides)["query"]) == scene_fields(SCENE), "reset goes back to the scene"


# ── Malformed messages and injection ─────────────────────────────────────────

MALFORMED = [
    "play",
    '{"gdviz": 1, "method": "play"}',
    None,
    42,
    [],
    {},
    {"method": "play"},
    {"gdviz": 2, "method": "play"},
    {"gdviz": "1", "method": "play"},
    {"gdviz": True, "method": "play"},
    {"gdviz": 1},
    {"gdviz": 1, "method": "explode"},
    {"gdviz": 1, "method": "PLAY"},
    {"gdviz": 1, "method": "toString"},
    {"gdviz": 1, "method": "constructor"},
    {"gdviz": 1, "method": "__proto__"},
    {"gdviz": 1, "method": "play", "args": "now"},
    {"gdviz": 1, "method": "step", "args": "5"},
    {"gdviz": 1, "method": "step", "args": ["5"]},
    {"gdviz": 1, "method": "step", "args": [1.5]},
    {"gdviz": 1, "method": "step", "args": [None]},
    {"gdviz": 1, "method": "step", "args": {"0": 5}},
    {"gdviz": 1, "method": "seek"},
    {"gdviz": 1, "method": "seek", "args": []},
    {"gdviz": 1, "method": "seek", "args": ["3"]},
    {"gdviz": 1, "method": "seek", "args": [[3]]},
    {"gdviz": 1, "method": "setState"},
    {"gdviz": 1, "method": "setState", "args": [42]},
    {"gdviz": 1, "method": "setState", "args": [{"s": "beale"}]},
    {"gdviz": 1, "method": "setState", "args": "s=beale"},
]


def test_malformed_messages_are_ignored(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SCENE}&{OPTIONS}")
    since = count(slides)
    command(slides, "seek", 7)
    wait_event(slides, "step", since, step=7)
    before = get_state(slides)
    runs = frame_of(slides).evaluate("window.__runs.set")

    since = count(slides)
    for data in MALFORMED:
        send(slides, data)
    slides.wait_for_timeout(QUIET_MS)
    assert get_state(slides) == before
    assert [e["event"] for e in events(slides, since)] == ["state"], "only the getState answer came back"
    assert frame_of(slides).evaluate("window.__runs.set") == runs, "nothing ran again"


INJECTIONS = [
    "<img src=x onerror=\"window.__pwned='query'\">",
    "s=quadratic&o=sgd;lr=0.1;label=<img src=x onerror=\"window.__pwned='label'\">&n=20",
    "s=custom&f=<img src=x onerror=\"window.__pwned='expression'\">",
    "s=quadratic&o=sgd;lr=0.1;label=</script><script>window.__pwned='script'</script>",
]


@pytest.mark.parametrize("query", INJECTIONS, ids=["bare", "label", "expression", "script"])
def test_nothing_in_a_message_becomes_html(
    slides_watch: tuple[Page, PageWatch], site: Site, server: str, query: str
) -> None:
    slides, watch = slides_watch
    if "s=custom" in query:  # not a formula: the app answers 422, which Chromium logs
        for path in ("/api/grid", "/api/run/stream"):
            watch.expect_console_error(
                "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)", path
            )
    open_embed(slides, site, server, f"{SCENE}&{OPTIONS}")
    frame = frame_of(slides)
    images = frame.evaluate("document.querySelectorAll('img').length")
    since = count(slides)
    command(slides, "setState", query)
    wait_event(slides, "state", since)
    slides.wait_for_timeout(1000)  # the run and whatever it shows
    assert frame.evaluate("window.__pwned") is None
    assert slides.evaluate("window.__pwned") is None
    assert frame.evaluate("document.querySelectorAll('img').length") == images
    assert frame.evaluate("document.querySelectorAll('[onerror], script:not([src]):not([type])').length") == 0


# ── reveal.js's slide:start and slide:stop ───────────────────────────────────


class Held:
    """Requests matching `pattern` wait until the test lets them go."""

    def __init__(self, page: Page, pattern: str) -> None:
        self.page, self.pattern, self.routes = page, pattern, []
        page.route(pattern, lambda route: self.routes.append(route))

    def wait_asked(self, what: str) -> None:
        for _ in range(100):
            if self.routes:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"the frame never asked for {what}")

    def release(self) -> None:
        for route in self.routes:
            route.continue_()
        self.page.unroute(self.pattern)


@pytest.mark.parametrize(
    ("early", "plays"),
    [(["slide:start"], True), (["slide:start", "slide:start"], True), (["slide:start", "slide:stop"], False)],
    ids=["start", "start-twice", "start-then-stop"],
)
def test_slide_messages_before_ready_are_remembered(
    slides: Page, site: Site, server: str, early: list[str], plays: bool
) -> None:
    runs = Held(slides, "**/api/run/stream")  # the frame stays not ready while its run is held
    slides.goto(f"{site.base}/slides.html?src={quote(f'{server}/embed?{SLOW}&{OPTIONS}', safe='')}")
    runs.wait_asked("its run")
    for message in early:
        send(slides, message)
    slides.wait_for_timeout(200)
    assert [e["event"] for e in events(slides) if e["event"] == "ready"] == [], "not ready while its run is held"
    runs.release()
    wait_event(slides, "ready", 0)
    if plays:
        wait_state(slides, playing=True)
    else:
        slides.wait_for_timeout(600)
        assert get_state(slides)["playing"] is False


@pytest.mark.parametrize(("path", "query"), [("/embed", SLOW), ("/network/embed", NETWORK)])
def test_slide_start_on_the_frames_load_event_plays(
    slides: Page, site: Site, server: str, path: str, query: str
) -> None:
    """reveal.js posts slide:start to a lazily loaded frame on its load event: the embed listens by then,
    however long its bridge takes to arrive (here held back, as on a busy server)."""
    bridge = Held(slides, "**/static/js/embed.js*")
    src = quote(f"{server}{path}?{query}&{OPTIONS}", safe="")
    # Not waiting for the slides' load event: the frame's (part of it) may wait for the bridge.
    slides.goto(f"{site.base}/slides.html?start-on-load=1&src={src}", wait_until="commit")
    bridge.wait_asked("the embed bridge")
    for _ in range(50):  # the frame's load event, unless the bridge holds it back (then 5 s go by)
        if slides.evaluate("window.__frameLoads"):
            break
        slides.wait_for_timeout(100)
    bridge.release()
    wait_event(slides, "ready", 0)
    wait_state(slides, playing=True)


def test_slide_stop_pauses_and_repeats_are_harmless(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SLOW}&{OPTIONS}")
    send(slides, "slide:start")
    send(slides, "slide:start")
    wait_state(slides, playing=True)
    slides.wait_for_timeout(300)
    assert get_state(slides)["playing"] is True, "a second slide:start does not toggle playback off"
    send(slides, "slide:stop")
    stopped = wait_state(slides, playing=False)
    send(slides, "slide:stop")
    slides.wait_for_timeout(400)
    assert get_state(slides) == stopped, "stopped stays stopped"
    assert stopped["step"] < 60


# ── Keys pressed inside the frame ────────────────────────────────────────────


def focus_frame(page: Page) -> None:
    """Click the frame where clicking does nothing (the step readout): the frame has the keyboard."""
    page.frame_locator("iframe").locator(tid("readout")).click()


def test_slide_keys_go_to_the_deck_and_player_keys_to_the_player(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SLOW}&{OPTIONS}")
    since = count(slides)
    command(slides, "seek", 10)
    wait_event(slides, "step", since, step=10)
    focus_frame(slides)

    since = count(slides)
    for key in ("ArrowRight", "ArrowLeft", "PageDown", "PageUp"):
        slides.keyboard.press(key)
    slides.wait_for_function("since => window.__frameMessages.slice(since).length >= 4", arg=since)
    slides.wait_for_timeout(200)
    deck = [m for m in messages(slides)[since:] if isinstance(m, str)]
    assert deck == ['{"method":"right"}', '{"method":"left"}', '{"method":"next"}', '{"method":"prev"}']
    assert [e for e in events(slides, since) if e["event"] == "step"] == [], "the slide keys leave the player alone"
    assert get_state(slides)["step"] == 10

    since = count(slides)
    slides.keyboard.press(".")
    wait_event(slides, "step", since, step=11)
    since = count(slides)
    slides.keyboard.press(",")
    slides.keyboard.press(",")
    wait_event(slides, "step", since, step=9)
    slides.keyboard.press(" ")
    wait_state(slides, playing=True)
    slides.keyboard.press(" ")
    wait_state(slides, playing=False)


# ── Clicking the plot, pick mode and reset ───────────────────────────────────


def test_a_click_on_the_plot_keeps_the_scene_unless_picking(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{SCENE}&{OPTIONS}")
    frame = frame_of(slides)
    inner = slides.frame_locator("iframe")
    original = get_state(slides)
    runs = frame.evaluate("window.__runs.set")

    inner.locator(tid("contour")).click(position={"x": 200, "y": 150})
    slides.wait_for_timeout(QUIET_MS + 300)
    assert frame.evaluate("window.__runs.set") == runs, "a click did not run again"
    assert scene_fields(get_state(slides)["query"]) == scene_fields(original["query"]), "the start did not move"

    pick = inner.locator(tid("pick-start"))
    pick.click()
    expect(pick).to_have_attribute("aria-pressed", "true")
    inner.locator(tid("contour")).click(position={"x": 200, "y": 150})
    frame.wait_for_function("runs => window.__runs.set > runs && document.body.hasAttribute('data-runs')", arg=runs)
    moved = scene_fields(wait_state(slides, playing=False)["query"])
    assert "start" in moved and moved != scene_fields(original["query"]), "in pick mode the click moves the start"

    runs = frame.evaluate("window.__runs.set")
    inner.locator(tid("reset-scene")).click()
    frame.wait_for_function("runs => window.__runs.set > runs && document.body.hasAttribute('data-runs')", arg=runs)
    assert scene_fields(get_state(slides)["query"]) == scene_fields(original["query"]), "reset restores the scene"


# ── The network view ─────────────────────────────────────────────────────────


def test_network_embed_answers_the_same_api(slides: Page, site: Site, server: str) -> None:
    open_embed(slides, site, server, f"{NETWORK}&{OPTIONS}", path="/network/embed")
    state = get_state(slides)
    assert state["playing"] is False
    assert scene_fields(state["query"]) == scene_fields(NETWORK)

    since = count(slides)
    command(slides, "seek", 0)
    wait_event(slides, "step", since, step=0)
    since = count(slides)
    command(slides, "step", 3)
    moved = wait_event(slides, "step", since)["step"]
    assert moved > 0 and get_state(slides)["step"] == moved
    since = count(slides)
    command(slides, "step", -3)
    wait_event(slides, "step", since, step=0)

    command(slides, "play")
    wait_state(slides, playing=True)
    send(slides, "slide:stop")
    wait_state(slides, playing=False)
