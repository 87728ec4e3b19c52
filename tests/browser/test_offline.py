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
          const of = (meta) => (plot("main-plot").data ?? []).filter((t) => t.meta === meta).map((t) => t.x.length);
          return {scene: Number(document.body.dataset.scene), step: Number(document.body.dataset.step),
            playing: document.body.dataset.playing === "1", main: points("main-plot"), surface: points("surface-plot"),
            loss: points("loss-plot"), cursor: Number(plot("loss-cursor").dataset.step),
            cursorShare: (plot("loss-cursor").offsetLeft - 70) / (plot("loss-plot").clientWidth - 82),
            lossArea: ((size) => size && [size.l, size.w + size.l + size.r - plot("loss-plot").clientWidth])(
              plot("loss-plot")._fullLayout?._size),  // none on a live page's scene: it has no plots
            lossRange: plot("loss-plot")._fullLayout?.xaxis.range ?? null,
            types: (plot("main-plot").data ?? []).map((t) => t.type), paths: of("path"), now: of("now")[0] ?? 0,
            hero: document.body.dataset.hero,
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
    assert state["paths"] == [101, 101, 101] and state["loss"] == [101, 101, 101], state
    assert state["cursor"] == 100

    # Scrub: the paths grow with the cursor (step k shows points 0 … k), the loss cursor follows.
    page.get_by_test_id("scrub").fill("40")
    state = offline.state()
    assert state["step"] == 40 and state["paths"] == [41, 41, 41] and state["cursor"] == 40
    # The cursor line over the loss plot sits at step 40 of its x axis, which runs from step 0 to 100 over
    # the plot area Plotly drew (left margin 70 px, width the box's less 82 px).
    assert state["lossRange"] == [0, 100] and state["lossArea"] == [70, 0], state
    assert abs(state["cursorShare"] - 0.4) < 0.01, state
    assert state["now"] == 3  # the current point of each run
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
        if scenes[i]["page"] in ("backprop", "sweep"):
            # A live page's scene: its words, and the address to open it at with the server running.
            note = page.get_by_test_id("live-note")
            expect(note).to_be_visible()
            assert f"/{scenes[i]['page']}?{scenes[i]['query']}" in note.inner_text()
            return state
        if scenes[i]["page"] == "network":
            assert state["types"][0] in ("heatmap", "scatter") and sum(state["main"]) > 100, state
        else:
            if state["hero"] == "contour":  # a curve in one variable has none
                surface_state(offline)
            assert state["paths"] and all(n >= 1 for n in state["paths"]) and state["now"] >= 1, state
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


# ---- the pictures of the explorer's curves and data surfaces, in the offline file

PARABOLA = "s=parabola&start=5,0&o=sgd;lr=0.05&o=sgd;lr=0.3&o=sgd;lr=1.05&n=20"
# Batches of 30 of the 100 points: each epoch's last is 10 (the file codes their sizes apart).
LINEAR = "s=linear_regression&o=sgd;lr=0.1;bs=full&o=sgd;lr=0.1;bs=30&n=40"
PALETTE = ["#e6194b", "#1f77b4", "#1e8a1e"]  # static/js/plots/colors.js
F32 = 1e-6  # the offline file keeps numbers as float32: 7 significant digits
GRID = 1e-5  # a value against its coordinates, each of them 7 digits: their rounding moves the value too


def traces(offline: OfflinePage, testid: str) -> list[dict[str, Any]]:
    """The traces of one of the offline file's plots, as plain lists."""
    return offline.page.evaluate(
        """(testid) => (document.querySelector(`[data-testid="${testid}"]`).data ?? []).map((t) => ({
            meta: t.meta ?? null, mode: t.mode ?? null, x: Array.from(t.x ?? []), y: Array.from(t.y ?? []),
            customdata: Array.from(t.customdata ?? []), color: t.line?.color ?? t.marker?.color ?? null,
            dash: t.line?.dash ?? null}))""",
        testid,
    )


def of_kind(offline: OfflinePage, testid: str, meta: str) -> list[dict[str, Any]]:
    return [t for t in traces(offline, testid) if t["meta"] == meta]


def close(a: float, b: float, tol: float = F32) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def server_run(page: Page, query: str) -> dict[str, Any]:
    """The view's runs as /api/run answers them (float64), asked with the explorer's own request body."""
    return page.evaluate(
        """async (query) => {
          const {decode, runBody} = await import("/static/js/state.js");
          const response = await fetch("/api/run", {method: "POST", headers: {"content-type": "application/json"},
            body: JSON.stringify(runBody(decode(query)))});
          return response.json();
        }""",
        query,
    )


def scrub(offline: OfflinePage, step: int) -> None:
    offline.page.get_by_test_id("scrub").fill(str(step))
    offline.page.wait_for_function(f"document.body.dataset.step === '{step}'")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_curve_in_one_variable_is_drawn_with_its_iterates_on_it(watched, offline_page, tmp_path, lang):
    page, _ = watched()
    open_explorer(page, f"{PARABOLA}&lang={lang}")
    path, _ = build(page, tmp_path, "Parabola", [{"page": "surfaces", "query": PARABOLA}], lang)
    offline = offline_page(path)
    state = offline.state()
    assert state["hero"] == "curve" and state["surface"] == [], state  # no contour under a curve
    assert not RAW_KEY.search(state["text"]), state["text"]
    expect(offline.page.get_by_test_id("data-panel")).to_be_hidden()

    # The curve is f(x) = x² over the domain, drawn on axes named x and f(x).
    [curve] = of_kind(offline, "main-plot", "curve")
    assert len(curve["x"]) >= 50 and all(close(y, x * x) for x, y in zip(curve["x"], curve["y"], strict=True))
    axes = offline.page.evaluate(
        "(l => [l.xaxis.title.text, l.yaxis.title.text])(document.querySelector('[data-testid=main-plot]').layout)"
    )
    assert axes == ["x", "f(x)"]

    # Each run's iterates are markers on the curve, at the GD oracle's places: xₖ = 5·(1 − 2·lr)ᵏ.
    def check(step: int) -> None:
        runs = of_kind(offline, "main-plot", "path")
        assert [r["color"] for r in runs] == PALETTE and all("markers" in r["mode"] for r in runs)
        for run, lr in zip(runs, (0.05, 0.3, 1.05), strict=True):
            assert len(run["x"]) == step + 1
            for k, (x, y) in enumerate(zip(run["x"], run["y"], strict=True)):
                assert close(x, 5 * (1 - 2 * lr) ** k) and close(y, x * x), (lr, k, x, y)
        [now] = of_kind(offline, "main-plot", "now")
        assert now["x"] == [run["x"][-1] for run in runs] and now["y"] == [run["y"][-1] for run in runs]

    check(20)
    SHOTS.mkdir(parents=True, exist_ok=True)
    offline.page.screenshot(path=SHOTS / f"offline11-curve-{lang}.png")
    scrub(offline, 5)
    check(5)
    offline.page.keyboard.press(".")
    offline.page.wait_for_function("document.body.dataset.step === '6'")
    check(6)
    assert offline.requests == [offline.url] and offline.errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_data_surface_has_its_panel_with_moving_lines_and_the_ringed_batch(watched, offline_page, tmp_path, lang):
    from .test_data_panel import batch_of_update

    page, _ = watched()
    open_explorer(page, f"{LINEAR}&lang={lang}")
    want = server_run(page, LINEAR)
    path, _ = build(page, tmp_path, "Linear regression", [{"page": "surfaces", "query": LINEAR}], lang)
    print(f"\noffline file of a mini-batch view: {path.stat().st_size / 1e6:.2f} MB")
    offline = offline_page(path)
    state = surface_state(offline)
    assert state["hero"] == "contour" and state["paths"] == [41, 41]
    expect(offline.page.get_by_test_id("data-panel")).to_be_visible()
    expect(offline.page.get_by_test_id("grad-plot")).to_be_hidden()  # no clipping: no gradient-norm plot
    # The plane's axes are the parameters, w and b.
    axes = offline.page.evaluate(
        "(l => [l.xaxis.title.text, l.yaxis.title.text])(document.querySelector('[data-testid=surface-plot]').layout)"
    )
    assert axes == ["w", "b"]

    # The data points, as the server made them.
    data = want["surface"]["data"]
    [points] = of_kind(offline, "data-panel", "points")
    assert len(points["x"]) == len(data["x"]) == 100
    assert all(close(a, b) for a, b in zip(points["x"] + points["y"], data["x"] + data["y"], strict=True))

    def check(step: int) -> list[list[float]]:
        scrub(offline, step)
        models = of_kind(offline, "data-panel", "model")
        assert [m["color"] for m in models] == PALETTE[:2]
        for run, model in zip(want["runs"], models, strict=True):
            w, b = run["x"][step], run["y"][step]
            assert len(model["x"]) > 10
            assert all(close(y, w * x + b, 1e-5) for x, y in zip(model["x"], model["y"], strict=True)), step
        # The batch of the update after this step, of the run with mini-batches (the second), ringed in its colour.
        [rings] = of_kind(offline, "data-panel", "batch")
        batch = batch_of_update(step, size=30)
        assert want["runs"][1]["batches"][step] == batch
        assert rings["customdata"] == batch and rings["color"] == [PALETTE[1]] * len(batch)
        assert all(close(x, data["x"][i]) for x, i in zip(rings["x"], batch, strict=True))
        return [m["y"] for m in models]

    early = check(3)  # the fourth batch of an epoch: its last ten points
    assert len(of_kind(offline, "data-panel", "batch")[0]["customdata"]) == 10
    late = check(30)
    assert early != late  # the lines move with the step
    SHOTS.mkdir(parents=True, exist_ok=True)
    offline.page.screenshot(path=SHOTS / f"offline11-data-{lang}.png")

    # The batch loss, dotted, beside the full loss of the run with mini-batches: the server's values.
    loss = traces(offline, "loss-plot")
    [batch_loss] = [t for t in loss if t["meta"] == "companion"]
    assert batch_loss["dash"] == "dot" and batch_loss["color"] == PALETTE[1]
    assert len(batch_loss["y"]) == len(want["runs"][1]["batch_loss"]) == 40
    assert all(close(a, b) for a, b in zip(batch_loss["y"], want["runs"][1]["batch_loss"], strict=True))
    assert batch_loss["x"] == list(range(40))
    assert offline.requests == [offline.url] and offline.errors == []


def test_penalties_draw_the_contours_of_j_and_each_runs_own_minimum(watched, offline_page, tmp_path):
    from .test_reg_view import BOWL, RUNS, minimizer

    page, _ = watched()
    open_explorer(page)
    # log colours off: the contour drawn is then the objective itself
    shared = f"{BOWL}&log=0&l1=1&o=sgd;lr=0.1&o=adam;lr=0.05"
    own = f"{BOWL}&{RUNS}&log=0"
    curve = "s=custom&f=(x-3)**2&start=-2,0&o=sgd;lr=0.1&o=sgd;lr=0.1;reg=l1:2&o=sgd;lr=0.1;reg=l2:0.5&n=60"
    scenes = [{"page": "surfaces", "query": q} for q in (shared, own, curve)]
    path, _ = build(page, tmp_path, "Penalties", scenes, "en")
    offline = offline_page(path)

    def contour() -> dict[str, Any]:
        return offline.page.evaluate("""() => {
            const t = document.querySelector('[data-testid="surface-plot"]').data[0];
            return {x: Array.from(t.x), y: Array.from(t.y), z: t.z.map((row) => Array.from(row))}; }""")

    def j_minima() -> list[dict[str, Any]]:
        return offline.page.evaluate("""() => document.querySelector('[data-testid="main-plot"]').data
            .filter((t) => t.meta === "j-minimum").flatMap((t) => Array.from(t.x).map((x, k) => ({x, y: t.y[k],
              text: t.text[k], color: Array.isArray(t.marker.color) ? t.marker.color[k] : t.marker.color})))""")

    def legend() -> list[str]:
        return offline.page.get_by_test_id("legend").locator("li").all_inner_texts()

    # One penalty for every run: the contour is J = f + |x| + |y|, its minimum at the L1 corner.
    j = contour()
    for row, y in zip(j["z"], j["y"], strict=True):
        for v, x in zip(row, j["x"], strict=True):
            assert close(v, (x - 1) ** 2 + (y - 0.5) ** 2 + abs(x) + abs(y), GRID), (x, y, v)
    [minimum] = j_minima()
    want = minimizer(l1=1)
    assert abs(minimum["x"] - want[0]) < 1e-5 and abs(minimum["y"] - want[1]) < 1e-5
    assert minimum["text"] == "minimum of J"
    assert any("contours of J = f + L1 penalty" in text for text in legend()), legend()
    offline.page.screenshot(path=SHOTS / "offline11-penalty-shared-en.png")

    # A penalty per run: the contour stays f's; each penalized run's minimum of J, in its colour.
    offline.page.keyboard.press("ArrowRight")
    f = contour()
    for row, y in zip(f["z"], f["y"], strict=True):
        bad = [(x, v) for v, x in zip(row, f["x"], strict=True) if not close(v, (x - 1) ** 2 + (y - 0.5) ** 2, GRID)]
        assert not bad, (y, bad[:5])
    minima = j_minima()
    assert [m["text"] for m in minima] == ["minimum of J (L1 1)", "minimum of J (L2 1)"]
    assert [m["color"] for m in minima] == PALETTE[1:]
    for m, want in zip(minima, (minimizer(l1=1), minimizer(l2=1)), strict=True):
        assert abs(m["x"] - want[0]) < 1e-5 and abs(m["y"] - want[1]) < 1e-5, (m, want)
    assert "minimum of J (L1 1)" in legend() and not any("J = f" in text for text in legend())
    offline.page.screenshot(path=SHOTS / "offline11-penalty-own-en.png")

    # A curve: each penalized run's J in its colour, its minimum, and the run's iterates on it.
    offline.page.keyboard.press("ArrowRight")
    assert offline.state()["hero"] == "curve"
    j_curves = of_kind(offline, "main-plot", "j-curve")
    objectives = [lambda x: (x - 3) ** 2, lambda x: (x - 3) ** 2 + 2 * abs(x), lambda x: (x - 3) ** 2 + 0.25 * x * x]
    assert j_curves[0]["x"] == [] and [t["color"] for t in j_curves[1:]] == PALETTE[1:]
    for trace, j in zip(j_curves[1:], objectives[1:], strict=True):
        assert len(trace["x"]) >= 50 and all(close(y, j(x)) for x, y in zip(trace["x"], trace["y"], strict=True))
    minima = j_minima()
    assert [round(m["x"], 5) for m in minima] == [2, 2.4]  # 3 − l1/2; 3 / (1 + l2/2)
    for run, j in zip(of_kind(offline, "main-plot", "path"), objectives, strict=True):
        assert len(run["x"]) == 61 and all(close(y, j(x), 1e-5) for x, y in zip(run["x"], run["y"], strict=True))
    offline.page.screenshot(path=SHOTS / "offline11-penalty-curve-en.png")
    assert offline.requests == [offline.url] and offline.errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_clipping_draws_its_threshold_and_the_norm_applied(watched, offline_page, tmp_path, lang):
    query = "s=rnn_cliff&o=sgd;lr=0.5&o=sgd;lr=0.5;clip=norm:1&n=100"
    page, _ = watched()
    open_explorer(page, f"{query}&lang={lang}")
    want = server_run(page, query)
    path, _ = build(page, tmp_path, "Clipping", [{"page": "surfaces", "query": query}], lang)
    offline = offline_page(path)
    surface_state(offline)
    expect(offline.page.get_by_test_id("grad-plot")).to_be_visible()
    expect(offline.page.get_by_test_id("data-panel")).to_be_hidden()  # rnn_cliff is a formula, not data
    grad = traces(offline, "grad-plot")
    norms = [t for t in grad if t["meta"] == "run"]
    assert [t["color"] for t in norms] == PALETTE[:2]
    for trace, run in zip(norms, want["runs"], strict=True):
        assert len(trace["y"]) == len(run["grad_norm"]) == 101
        assert all(close(a, b) for a, b in zip(trace["y"], run["grad_norm"], strict=True))
    # Beside the clipped run's raw norm, dashed, the norm clipping applied: torch's g·min(1, c / (‖g‖ + 1e-6)).
    [applied] = [t for t in grad if t["meta"] == "companion"]
    assert applied["dash"] == "dash" and applied["color"] == PALETTE[1]
    raw = want["runs"][1]["grad_norm"]
    assert all(close(a, g * min(1, 1 / (g + 1e-6))) for a, g in zip(applied["y"], raw, strict=True))
    assert max(raw) > 10 and max(applied["y"]) <= 1 + 1e-6  # the cliff: the raw norm is far above what was applied
    # The threshold: a dashed line at 1 in the clipped run's colour, labelled.
    layout = offline.page.evaluate(
        "(l => ({shapes: l.shapes, notes: l.annotations.map((a) => a.text)}))("
        "document.querySelector('[data-testid=grad-plot]').layout)"
    )
    [guide] = layout["shapes"]
    assert guide["y0"] == guide["y1"] == 1 and guide["line"]["dash"] == "dash" and guide["line"]["color"] == PALETTE[1]
    threshold = {"en": "clip threshold 1", "zh": "裁剪阈值 1"}[lang]
    assert threshold in layout["notes"], layout
    # Its cursor follows the step, as the loss plot's does.
    scrub(offline, 30)
    assert offline.page.get_by_test_id("grad-cursor").get_attribute("data-step") == "30"
    offline.page.screenshot(path=SHOTS / f"offline11-clip-{lang}.png")
    assert offline.requests == [offline.url] and offline.errors == []


def test_schedules_draw_each_runs_learning_rate(watched, offline_page, tmp_path):
    # Four schedules in one picture: offline, the second plot is the learning rate, linear, as /api/run has it.
    query = "s=quadratic&o=sgd;lr=0.1&o=sgd;lr=0.1;sch=step,step_size:20,gamma:0.5&o=sgd;lr=0.1;sch=cosine&n=60"
    page, _ = watched()
    open_explorer(page, query)
    want = server_run(page, query)
    path, _ = build(page, tmp_path, "Schedules", [{"page": "surfaces", "query": query}], "en")
    offline = offline_page(path)
    surface_state(offline)
    expect(offline.page.get_by_test_id("grad-plot")).to_be_visible()
    rates = [t for t in traces(offline, "grad-plot") if t["meta"] == "run"]
    assert [t["color"] for t in rates] == PALETTE[:3]
    for trace, run in zip(rates, want["runs"], strict=True):
        assert len(trace["y"]) == len(run["lr"]) == 60
        assert all(close(a, b) for a, b in zip(trace["y"], run["lr"], strict=True))
    assert rates[1]["y"][19:21] == [pytest.approx(0.1), pytest.approx(0.05)]  # the step schedule halves at 20
    layout = offline.page.evaluate("document.querySelector('[data-testid=grad-plot]').layout")
    assert layout["yaxis"].get("type", "linear") == "linear"
    assert offline.requests == [offline.url] and offline.errors == []


# ---- a network race in the offline file, and the live pages' scenes

NETWORK_RACE = "ds=moons&dn=100&o=adam;lr=0.03&o=sgd;lr=0.5&n=100&r=10&test=0.3&run=1"
TRAINABILITY = "res=8&n=20&x=lr:0.01:10&y=ls1:0.1:10"


def server_training(page: Page, query: str) -> dict[str, Any]:
    """The network view's training as /api/train answers it (float64), asked with the page's own request body."""
    return page.evaluate(
        """async (query) => {
          const {decode, trainBody} = await import("/static/js/network/state.js");
          const response = await fetch("/api/train", {method: "POST", headers: {"content-type": "application/json"},
            body: JSON.stringify({...trainBody(decode(query)), landscape: null})});
          return response.json();
        }""",
        query,
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_network_race_draws_each_runs_loss_and_a_trainability_scene_says_where_to_open_it(
    watched, offline_page, tmp_path, lang
):
    page, _ = watched()
    open_explorer(page, f"lang={lang}")
    scenes = [{"page": "network", "query": NETWORK_RACE}, {"page": "trainability", "query": TRAINABILITY}]
    path, _ = build(page, tmp_path, "race", scenes, lang)
    runs = server_training(page, NETWORK_RACE)["runs"]
    labels = page.evaluate(
        """async (query) => {
          const api = await import("/static/js/api.js");
          const {networkLabels} = await import("/static/js/network/runs.js");
          const {decode} = await import("/static/js/network/state.js");
          const state = decode(query);
          return networkLabels(state.optimizers, await api.catalog(), state);
        }""",
        NETWORK_RACE,
    )
    words = page.evaluate("async () => (await import('/static/js/i18n.js')).messages")
    offline = offline_page(path)
    state = offline.state()
    assert not RAW_KEY.search(state["text"]), state["text"]
    # One loss line per run in its colour, named as the page names it, each with its test loss dashed.
    drawn = traces(offline, "loss-plot")
    assert [t["meta"] for t in drawn] == ["run", "run", "companion", "companion"]
    assert [t["color"] for t in drawn] == PALETTE[:2] * 2 and [t["dash"] for t in drawn[2:]] == ["dash", "dash"]
    for i, run in enumerate(runs):
        assert drawn[i]["x"] == run["steps"] == drawn[2 + i]["x"]
        assert all(close(a, b) for a, b in zip(drawn[i]["y"], run["loss"], strict=True))
        assert all(close(a, b) for a, b in zip(drawn[2 + i]["y"], run["test_loss"], strict=True))
    expect(offline.page.get_by_test_id("legend").locator("li")).to_have_text(labels)
    names = offline.page.evaluate("() => document.querySelector('[data-testid=\"loss-plot\"]').data.map((t) => t.name)")
    assert names == [*labels, *(words["network.test_of"].replace("{run}", label) for label in labels)]
    # The boundary is the run the address shows (run=1), over the points, the held-out ones hollow.
    points = [t for t in traces(offline, "main-plot") if t["mode"] == "markers"]
    assert [t["meta"] for t in points] == ["train", "test"] and len(points[1]["x"]) == 30
    expect(offline.page.get_by_test_id("readout")).to_contain_text(labels[1])
    title = words["network.plot.of_run"].format(title=words["network.plot.boundary"], run=labels[1])
    assert words["network.plot.with_test"].format(title=title) in state["text"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    offline.page.screenshot(path=SHOTS / f"net2-offline-race-{lang}.png")
    # The trainability map is a live page: its scene says where to open it.
    offline.page.keyboard.press("ArrowRight")
    note = offline.page.get_by_test_id("live-note")
    expect(note).to_be_visible()
    assert f"/trainability?{TRAINABILITY}" in note.inner_text()
    assert offline.requests == [offline.url] and offline.errors == []
