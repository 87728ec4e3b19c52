"""The offline file (static/js/offline/build.js): built in a gdviz page from a view and from a whole deck, saved,
then opened from file:// in a fresh browser context with the network off and every request blocked. It must
draw, play, scrub and navigate its scenes with the keys, ask for nothing, and the course deck must stay small."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Browser, Page, Route, expect

from .test_explorer import open_explorer

MAX_DECK_BYTES = 12_000_000
SHOTS = Path(os.environ.get("GDVIZ_SHOTS", "/tmp/shots"))
BUILD = """async ({title, scenes, lang}) => {
  const {downloadOffline} = await import("/static/js/offline/build.js");
  const progress = [];
  const result = await downloadOffline({title, scenes, lang, filename: "gdviz-test.html",
    onProgress: (text) => progress.push(text)});
  return {...result, progress};
}"""
# What a title that tries to end the data's <script> early must show: itself, as text.
TRICKY = "Bowl </script><script>window.__escaped = 1</script> <!-- & <b>"

# Used only while the built-in deck does not exist yet: a deck of 25 scenes like the course's, both pages,
# long runs (thinned to 2000 points), a diverging run, classification and regression networks.
FALLBACK_QUERIES = [
    ("surfaces", "s=quadratic&n=100&o=sgd;lr=0.02&o=sgd;lr=0.15&o=sgd;lr=0.205"),
    ("surfaces", "s=quadratic&n=100&o=sgd;lr=0.1&o=sgd;lr=0.1;momentum=0.9"),
    ("surfaces", "s=rosenbrock"),
    ("surfaces", "s=rosenbrock&n=5000&o=sgd;lr=0.001;momentum=0.9&o=adam;lr=0.02"),
    ("surfaces", "s=himmelblau&o=adam;lr=0.1&o=rmsprop;lr=0.05"),
    ("surfaces", "s=saddle&n=200&o=sgd;lr=0.05&noise=0.05"),
    ("surfaces", "s=beale&o=adam;lr=0.05"),
    ("surfaces", "s=six_hump_camel&o=sgd;lr=0.05&o=adam;lr=0.05"),
    ("surfaces", "s=rastrigin&o=sgd;lr=0.002&o=adam;lr=0.1"),
    ("surfaces", "s=ackley&o=adam;lr=0.05"),
    ("surfaces", "s=booth&o=sgd;lr=0.05"),
    ("surfaces", "s=goldstein_price&o=adam;lr=0.01"),
    ("surfaces", "s=monkey_saddle&o=sgd;lr=0.05"),
    ("surfaces", "s=quadratic&sp=kappa:50&o=sgd;lr=0.039&o=adagrad;lr=0.5&o=adam;lr=0.1"),
    ("surfaces", "s=rosenbrock&sch=cosine;T_max=500&o=sgd;lr=0.002;momentum=0.9"),
    ("surfaces", "s=quadratic&n=60&clip=norm:1&o=sgd;lr=0.25"),
    ("surfaces", "s=saddle&o=newton;lr=1&o=saddle_free_newton;lr=1&n=30"),
    ("network", ""),
    ("network", "ds=moons&n=300"),
    ("network", "ds=circles&act=relu&init=he"),
    ("network", "ds=xor&h=8,8,8,8&act=sigmoid&o=sgd;lr=0.5"),
    ("network", "ds=gaussians&init=normal&iscale=3&o=sgd;lr=0.05"),
    ("network", "ds=sine&h=16,16&n=1500"),
    ("network", "ds=linear&bs=16&o=sgd;lr=0.05"),
    ("network", "ds=spiral&clip=norm:1&sch=cosine;T_max=1000&o=sgd;lr=0.3;momentum=0.9"),
]


def fallback_deck() -> dict[str, Any]:
    scenes = []
    for i, (page, query) in enumerate(FALLBACK_QUERIES, start=1):
        words = {lang: f"{name} {i}" for lang, name in (("en", "Scene"), ("zh", "场景"))}
        scenes.append(
            {
                "page": page,
                "query": query,
                "title": words,
                "narration": words,
                "notice": {"en": ["Look here."], "zh": ["看这里。"]},
                "try": {"en": [], "zh": []},
            }
        )
    return {"id": "fallback", "title": {"en": "Test deck", "zh": "测试演示文稿"}, "scenes": scenes}


def build(page: Page, tmp_path: Path, title: Any, scenes: list[dict[str, Any]], lang: str) -> tuple[Path, dict]:
    """Runs downloadOffline in the gdviz page and saves the file it downloads."""
    with page.expect_download(timeout=240_000) as download:
        result = page.evaluate(BUILD, {"title": title, "scenes": scenes, "lang": lang})
    path = tmp_path / f"offline-{lang}.html"
    download.value.save_as(path)
    assert download.value.suggested_filename == "gdviz-test.html"
    assert result["bytes"] == path.stat().st_size
    return path, result


class OfflinePage:
    """The saved file opened from file:// with the network off; every request but the file itself aborted."""

    def __init__(self, browser: Browser, path: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 720}, offline=True)
        self.context.set_default_timeout(15_000)
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self.handle)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='1']")

    def handle(self, route: Route) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort("internetdisconnected")

    def state(self) -> dict[str, Any]:
        """What the page shows: scene, step, playing, and per plot the number of points of every trace."""
        return self.page.evaluate("""() => {
          const plot = (id) => document.querySelector(`[data-testid="${id}"]`);
          const points = (id) => (plot(id).data ?? []).map((t) => (t.z ? t.z.flat().filter((v) => v !== null).length
            : (t.x ?? []).length));
          return {scene: Number(document.body.dataset.scene), step: Number(document.body.dataset.step),
            playing: document.body.dataset.playing === "1", main: points("main-plot"), surface: points("surface-plot"),
            loss: points("loss-plot"), cursor: Number(plot("loss-cursor").dataset.step),
            cursorShare: (plot("loss-cursor").offsetLeft - 70) / (plot("loss-plot").clientWidth - 82),
            lossArea: ((size) => [size.l, size.w + size.l + size.r - plot("loss-plot").clientWidth])(
              plot("loss-plot")._fullLayout._size),
            lossRange: plot("loss-plot")._fullLayout.xaxis.range,
            types: (plot("main-plot").data ?? []).map((t) => t.type),
            index: document.querySelector('[data-testid="scene-index"]').textContent,
            text: [...document.querySelectorAll("header, main, footer")].map((e) => e.textContent).join(" "),
            title: document.querySelector('[data-testid="scene-title"]').textContent,
            max: Number(document.querySelector('[data-testid="scrub"]').max)};
        }""")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[Any]:
    opened: list[OfflinePage] = []

    def open_file(path: Path) -> OfflinePage:
        opened.append(OfflinePage(browser, path))
        return opened[-1]

    yield open_file
    for page in opened:
        page.close()


def script_bodies(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S)


def assert_self_contained(html: str) -> None:
    """Three inline scripts (data, Plotly, player), no module, nothing that loads anything."""
    assert len(re.findall(r"<script\b", html, flags=re.I)) == 3
    assert not re.search(r"<script[^>]*\bsrc=", html, flags=re.I)
    for tag in ("<link", "<img", "<iframe", "<object", "<embed", 'type="module"'):
        assert tag not in html, tag
    data, plotly, player = script_bodies(html)
    assert "Plotly" in plotly and json.loads(data)["scenes"]
    for needle in ("fetch(", "XMLHttpRequest", "import(", "import ", 'src="http', "http://", "https://", "<script"):
        assert needle not in player, needle
    style = re.search(r"<style>(.*?)</style>", html, flags=re.S).group(1)
    assert "url(" not in style and "@import" not in style


# A message key shown instead of its text (the catalog lacks it).
RAW_KEY = re.compile(r"\b(offline|player|contour|network|explorer|status|plotly)\.[a-z_]")


def surface_state(offline: OfflinePage) -> dict[str, Any]:
    state = offline.state()
    assert not RAW_KEY.search(state["text"]), state["text"]
    assert state["surface"] and state["surface"][0] > 1000, state  # the contour: 100 × 100 values
    return state


def test_a_view_plays_scrubs_and_steps_from_file_with_no_network(watched, offline_page, tmp_path):
    page, _ = watched()
    query = "s=quadratic&n=100&o=sgd;lr=0.1&o=sgd;lr=0.1;momentum=0.9&o=adam;lr=0.1"
    open_explorer(page, query)
    path, result = build(page, tmp_path, TRICKY, [{"page": "surfaces", "query": query}], "en")
    print(f"\noffline file of one view: {path.stat().st_size / 1e6:.2f} MB")
    assert result["progress"][0] == "Preparing the offline file: scene 1 of 1…"
    assert result["progress"][-1] == result["text"] and "gdviz-test.html" in result["text"]
    html = path.read_text(encoding="utf-8")
    assert_self_contained(html)

    offline = offline_page(path)
    page = offline.page
    expect(page.get_by_test_id("scene-title")).to_have_text(TRICKY)
    assert page.evaluate("window.__escaped") is None
    expect(page.get_by_test_id("scene-index")).to_be_hidden()  # one view: no scene navigation
    expect(page.get_by_test_id("legend").locator("li")).to_have_count(3)

    # Opened at the end of the runs: the whole paths, 101 points each (steps 0 … 100), and the loss plot.
    state = surface_state(offline)
    assert state["max"] == 100 and state["step"] == 100
    paths = state["main"][3:6]
    assert paths == [101, 101, 101] and state["loss"] == [101, 101, 101], state
    assert state["cursor"] == 100

    # Scrub: the paths grow with the cursor (step k shows points 0 … k), the loss cursor follows.
    page.get_by_test_id("scrub").fill("40")
    state = offline.state()
    assert state["step"] == 40 and state["main"][3:6] == [41, 41, 41] and state["cursor"] == 40
    # The cursor line over the loss plot sits at step 40 of its x axis, which runs from step 0 to 100 over
    # the plot area Plotly drew (left margin 70 px, width the box's less 82 px).
    assert state["lossRange"] == [0, 100] and state["lossArea"] == [70, 0], state
    assert abs(state["cursorShare"] - 0.4) < 0.01, state
    assert state["main"][6] == 3  # the current point of each run
    page.keyboard.press(".")
    assert offline.state()["step"] == 41
    page.keyboard.press(",")
    page.keyboard.press(",")
    assert offline.state()["step"] == 39

    # Play: the cursor advances by itself; space again pauses it where it is.
    page.keyboard.press("Space")
    page.wait_for_function("Number(document.body.dataset.step) >= 45")
    page.keyboard.press("Space")
    paused = offline.state()
    assert not paused["playing"] and 45 <= paused["step"] <= 100
    page.wait_for_timeout(300)
    assert offline.state()["step"] == paused["step"]
    # At the end, play starts again from step 0 and plays to the end.
    page.get_by_test_id("scrub").fill("100")
    page.get_by_test_id("play").click()
    page.wait_for_function("document.body.dataset.playing === '0' && document.body.dataset.step === '100'")
    assert offline.requests == [offline.url] and offline.errors == []


def scenes_of(deck: dict[str, Any]) -> list[dict[str, Any]]:
    """The scenes as a deck page passes them to downloadOffline."""
    keys = ("page", "query", "title", "narration", "notice", "try", "autoplay")
    return [{key: scene[key] for key in keys if key in scene} for scene in deck["scenes"]]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_course_deck_is_one_small_file_that_navigates_with_the_keys(watched, offline_page, tmp_path, lang):
    page, _ = watched()
    open_explorer(page, f"lang={lang}")
    response = page.request.get("/api/decks/course")
    deck = response.json() if response.ok else fallback_deck()
    scenes = scenes_of(deck)
    path, result = build(page, tmp_path, deck["title"], scenes, lang)
    size = path.stat().st_size
    print(f"\noffline file of the deck {deck['id']!r} ({len(scenes)} scenes, {lang}): {size / 1e6:.2f} MB")
    assert size < MAX_DECK_BYTES, f"{size / 1e6:.2f} MB"
    assert len(result["progress"]) == len(scenes) + 2
    assert_self_contained(path.read_text(encoding="utf-8"))

    offline = offline_page(path)
    page = offline.page
    count = len(scenes)

    def expect_scene(i: int) -> dict[str, Any]:
        expect(page.get_by_test_id("scene-index")).to_have_text(f"{i + 1} / {count}")
        state = offline.state()
        assert state["scene"] == i
        if scenes[i].get("title"):
            assert state["title"] == scenes[i]["title"][lang]
        assert not RAW_KEY.search(state["text"]), state["text"]
        if scenes[i]["page"] == "network":
            assert state["types"][0] in ("heatmap", "scatter") and sum(state["main"]) > 100, state
        else:
            surface_state(offline)
            assert all(n >= 1 for n in state["main"][3:]), state
        assert state["loss"] and all(n >= 1 for n in state["loss"]), state
        return state

    narration = scenes[0].get("narration", {}).get(lang)
    if narration:
        expect(page.get_by_test_id("narration")).to_have_text(narration)
    first = expect_scene(0)
    if scenes[0].get("autoplay"):  # it plays by itself, to the end
        page.wait_for_function(f"document.body.dataset.step === '{first['max']}'", timeout=60_000)
        assert not offline.state()["playing"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"offline-deck-{lang}.png")
    # Every scene, one after the other (→ and PageDown), then back (← and PageUp), and the ends.
    for i in range(1, count):
        page.keyboard.press("ArrowRight" if i % 2 else "PageDown")
        expect_scene(i)
    network = next((i for i, s in enumerate(scenes) if s["page"] == "network"), None)
    page.keyboard.press("ArrowRight")  # past the last scene: stays there
    expect_scene(count - 1)
    page.keyboard.press("ArrowLeft")
    expect_scene(count - 2)
    page.keyboard.press("PageUp")
    expect_scene(count - 3)
    page.keyboard.press("Home")
    expect_scene(0)
    page.keyboard.press("End")
    expect_scene(count - 1)
    if network is not None:
        # A network scene plays too: the boundary frame and the loss cursor follow the cursor.
        page.keyboard.press("Home")
        for _ in range(network):
            page.keyboard.press("PageDown")
        state = expect_scene(network)
        page.screenshot(path=SHOTS / f"offline-deck-{lang}-network.png")
        page.get_by_test_id("scrub").fill("0")
        first_frame = page.evaluate("document.querySelector('[data-testid=main-plot]').data[0].z ?? null")
        page.keyboard.press("Space")
        page.wait_for_function(f"Number(document.body.dataset.step) >= {min(5, state['max'])}")
        page.keyboard.press("Space")
        moved = offline.state()
        assert moved["cursor"] > 0
        if first_frame is not None:
            page.get_by_test_id("scrub").fill(str(state["max"]))
            assert page.evaluate("document.querySelector('[data-testid=main-plot]').data[0].z") != first_frame
    assert offline.requests == [offline.url] and offline.errors == []
