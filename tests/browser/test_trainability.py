"""The Trainability page (/trainability): the map is POST /api/train/sweep's answer cell for cell (final loss in
log colour, diverged cells in their own colour on screen), a drag-zoom asks a new sweep over the zoomed ranges
at the same resolution, a click opens that cell's training on /network, a map over the limits is never asked
for, a refusal of the server is shown, and the zh page has no English left."""

from __future__ import annotations

import base64
import json
import math
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Browser, Page, expect

from gdviz.api.i18n import t

from .slides import FRAME_HOST, command, count, static_site, wait_event, watched_slides
from .test_explorer_i18n import NAMES, api_identifiers, english_left

SHOTS = Path("/tmp/shots")
SWEEP = "/api/train/sweep"
DIVERGED = (0xE0, 0x30, 0x1E)  # static/js/trainability/map.js
# Small maps: a 16 × 16 grid of the default 2-8-1 network, 60 steps, whose upper right half diverges.
SMALL = "res=16&n=60&x=ls0:1:1000&y=ls1:0.5:50"


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def open_map(page: Page, query: str, path: str = "/trainability", maps: int = 1) -> dict[str, Any]:
    """Opens the page and waits for its first map; returns the body of the sweep it asked for."""
    with page.expect_request(lambda r: r.url.endswith(SWEEP)) as asked:
        page.goto(f"{path}?{query}")
    wait_maps(page, maps)
    return json.loads(asked.value.post_data)


def wait_maps(page: Page, n: int) -> None:
    page.wait_for_function("(n) => Number(document.body.dataset.sweeps) >= n", arg=n, timeout=60_000)
    expect(page.locator(tid("tm-busy"))).to_be_hidden()


def post(server: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(f"{server}{path}", json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def traces(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => document.querySelector('[data-testid="tm-map"]').data.map((t) =>
             ({name: t.name, x: Array.from(t.x), y: Array.from(t.y), z: t.z, customdata: t.customdata,
               colorscale: t.colorscale}))"""
    )


def cell_point(page: Page, x: float, y: float) -> dict[str, float]:
    """Where on the page the cell centred at (x, y) is drawn."""
    return page.evaluate(
        """([x, y]) => {
             const el = document.querySelector('[data-testid="tm-map"]');
             const box = el.getBoundingClientRect();
             const {xaxis, yaxis} = el._fullLayout;
             return {x: box.left + xaxis._offset + xaxis.l2p(Math.log10(x)),
                     y: box.top + yaxis._offset + yaxis.l2p(Math.log10(y))};
           }""",
        [x, y],
    )


def value_at(page: Page, px: float, py: float) -> tuple[float, float]:
    """The axes' values under a point of the page."""
    return tuple(
        page.evaluate(
            """([px, py]) => {
                 const el = document.querySelector('[data-testid="tm-map"]');
                 const box = el.getBoundingClientRect();
                 const {xaxis, yaxis} = el._fullLayout;
                 return [10 ** xaxis.p2l(px - box.left - xaxis._offset), 10 ** yaxis.p2l(py - box.top - yaxis._offset)];
               }""",
            [px, py],
        )
    )


def screen_colour(page: Page, point: dict[str, float]) -> tuple[int, int, int]:
    """The colour of one pixel of a screenshot (decoded by the browser's own PNG decoder)."""
    shot = base64.b64encode(page.screenshot()).decode()
    return tuple(
        page.evaluate(
            """async ([shot, x, y]) => {
                 const img = new Image();
                 img.src = `data:image/png;base64,${shot}`;
                 await img.decode();
                 const canvas = new OffscreenCanvas(img.width, img.height);
                 const g = canvas.getContext('2d');
                 g.drawImage(img, 0, 0);
                 return Array.from(g.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3));
               }""",
            [shot, point["x"], point["y"]],
        )
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_map_is_the_apis_answer_cell_for_cell(page: Page, server: str, lang: str) -> None:
    body = open_map(page, f"{SMALL}&lang={lang}")
    assert [a["n"] for a in body["axes"]] == [16, 16] and body["steps"] == 60
    assert [a["param"] for a in body["axes"]] == ["lr_scale[0]", "lr_scale[1]"]
    truth = post(server, SWEEP, body)
    loss, marks = traces(page)
    assert loss["x"] == truth["axes"][0]["values"] and loss["y"] == truth["axes"][1]["values"]
    assert marks["x"] == loss["x"] and marks["y"] == loss["y"]
    assert len(loss["z"]) == 16 and all(len(row) == 16 for row in loss["z"])
    diverged = trained = 0
    for j in range(16):
        for i in range(16):
            status, final = truth["status"][j][i], truth["final_loss"][j][i]
            shown, steps = loss["customdata"][j][i]  # a whole float may come back from the page as an int
            assert (float(shown), steps) == (final, truth["steps_taken"][j][i])
            if status == "diverged":
                diverged += 1
                assert loss["z"][j][i] is None and marks["z"][j][i] == 1
            else:
                trained += 1
                assert loss["z"][j][i] == pytest.approx(math.log10(final), rel=1e-12, abs=1e-12)
                assert marks["z"][j][i] is None
    assert diverged and trained, (diverged, trained)  # the map holds both kinds of cell
    n = f"{256:,}"
    expect(page.locator(tid("tm-status"))).to_contain_text(n if lang == "en" else "256")
    expect(page.locator(tid("tm-status"))).to_contain_text(str(diverged))
    # On screen: a diverged cell is the diverged colour, a trained one is not.
    j, i = next((j, i) for j in range(16) for i in range(16) if truth["status"][j][i] == "diverged")
    assert screen_colour(page, cell_point(page, loss["x"][i], loss["y"][j])) == DIVERGED
    j, i = next((j, i) for j in range(16) for i in range(16) if truth["status"][j][i] != "diverged")
    assert screen_colour(page, cell_point(page, loss["x"][i], loss["y"][j])) != DIVERGED
    # The axes say which parameter they carry, in the reader's language, on a log scale.
    layout = page.evaluate("document.querySelector('[data-testid=\"tm-map\"]')._fullLayout")
    assert layout["xaxis"]["type"] == "log" and layout["yaxis"]["type"] == "log"
    assert layout["xaxis"]["title"]["text"] == t(lang, "trainability.param.lr_scale", n=1)
    assert layout["yaxis"]["title"]["text"] == t(lang, "trainability.param.lr_scale_output")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"trainability-{lang}.png")


def test_a_drag_zoom_asks_a_new_map_over_the_box_and_back_returns(page_watch: Any) -> None:
    page, watch = page_watch
    first = open_map(page, SMALL)
    plot = page.locator(f"{tid('tm-map')} .nsewdrag").bounding_box()
    start = (plot["x"] + 0.25 * plot["width"], plot["y"] + 0.3 * plot["height"])
    end = (plot["x"] + 0.6 * plot["width"], plot["y"] + 0.75 * plot["height"])
    lo = value_at(page, start[0], end[1])
    hi = value_at(page, end[0], start[1])
    with page.expect_request(lambda r: r.url.endswith(SWEEP)) as asked:
        page.mouse.move(*start)
        page.mouse.down()
        page.mouse.move(*end, steps=8)
        page.mouse.up()
    zoomed = json.loads(asked.value.post_data)
    wait_maps(page, 2)
    # Within a pixel of the box's corners (each pixel is 1/width of the axis's decades).
    pixel = 10 ** (3 / plot["width"]) - 1
    for k, axis in enumerate(zoomed["axes"]):
        assert axis["range"][0] == pytest.approx(lo[k], rel=2 * pixel), (axis, lo)
        assert axis["range"][1] == pytest.approx(hi[k], rel=2 * pixel), (axis, hi)
        assert axis["n"] == 16 and axis["param"] == first["axes"][k]["param"]
    assert {k: v for k, v in zoomed.items() if k != "axes"} == {k: v for k, v in first.items() if k != "axes"}
    loss, _ = traces(page)
    assert loss["x"][0] == pytest.approx(zoomed["axes"][0]["range"][0], rel=1e-12)
    assert loss["x"][-1] == pytest.approx(zoomed["axes"][0]["range"][1], rel=1e-12)
    page.wait_for_function("() => location.search.includes('x=ls0')")
    query = parse_qs(urlsplit(page.url).query)
    assert query["x"] == [f"ls0:{':'.join(format_js(v) for v in zoomed['axes'][0]['range'])}"]
    # Back: the first map again, from memory (no new request).
    sweeps = sum(SWEEP in r for r in watch.requests)
    page.locator(tid("tm-back")).click()
    wait_maps(page, 3)
    loss, _ = traces(page)
    assert loss["x"][0] == pytest.approx(1) and loss["x"][-1] == pytest.approx(1000)
    assert sum(SWEEP in r for r in watch.requests) == sweeps
    expect(page.locator(tid("tm-back"))).to_be_disabled()


def format_js(value: float) -> str:
    """A number as JavaScript's String() writes it (the URL's form) for the ranges of this test."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def test_a_click_opens_the_cells_training_on_the_network_page(page: Page) -> None:
    body = open_map(page, "res=12&n=40&x=lr:0.01:10&y=ls1:0.1:10&o=sgd;lr=0.5;momentum=0.5&h=6,4&ds=circles")
    loss, _ = traces(page)
    i, j = 7, 3
    point = cell_point(page, loss["x"][i], loss["y"][j])
    with page.context.expect_page() as opened:
        page.mouse.click(point["x"], point["y"])
    network = opened.value
    network.wait_for_load_state()
    url = urlsplit(network.url)
    assert url.path == "/network"
    query = parse_qs(url.query)
    assert query["o"] == [f"sgd;lr={format_js(loss['x'][i])};momentum=0.5"]
    assert query["ds"] == ["circles"] and query["h"] == ["6,4"] and query["n"] == ["40"]
    assert body["model"]["hidden"] == [6, 4]
    # The y axis is lr_scale[1]: the second hidden layer of 6, 4 (the output layer is lr_scale[2]).
    assert body["axes"][1]["param"] == "lr_scale[1]"
    assert query["ls"] == [f"1,{format_js(loss['y'][j])},1"]
    network.close()


def test_a_map_over_the_limits_is_never_asked_for(page_watch: Any) -> None:
    page, watch = page_watch
    page.goto("/trainability?res=128&n=1000&lang=en")
    message = t("en", "trainability.over_work", cells="16,384", steps="1,000", work="16,384,000", limit="4,000,000")
    expect(page.locator(tid("tm-message"))).to_have_text(message, timeout=5000)
    page.wait_for_timeout(800)
    assert not [r for r in watch.requests if SWEEP in r]


def test_a_refusal_of_the_server_is_shown(page_watch: Any, server: str) -> None:
    page, watch = page_watch
    watch.expect_console_error("Failed to load resource: the server responded with a status of 422 ()", SWEEP)
    watch.expect_console_error(
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)", SWEEP
    )
    watch.expect_console_error(
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Content)", SWEEP
    )
    query = "res=120&n=270&h=64,64,64,64&dn=2000&lang=en"
    with page.expect_response(lambda r: r.url.endswith(SWEEP)) as answered:
        page.goto(f"/trainability?{query}")
    assert answered.value.status == 422
    refusal = answered.value.json()["detail"]
    expect(page.locator(tid("tm-message"))).to_have_text("; ".join(d["msg"] for d in refusal))
    expect(page.locator(tid("tm-busy"))).to_be_hidden()


def test_a_running_sweep_shows_it_and_can_be_cancelled(page: Page) -> None:
    page.goto("/trainability?res=120&n=270&lang=en")  # 14 400 networks: seconds of work
    expect(page.locator(tid("tm-busy"))).to_be_visible()
    running = t("en", "trainability.status.running", cells="14,400", n=120, steps=270, seconds="").rsplit(" s", 1)[0]
    expect(page.locator(tid("tm-status"))).to_contain_text(running.strip())
    page.locator(tid("tm-cancel")).click()
    expect(page.locator(tid("tm-busy"))).to_be_hidden()
    expect(page.locator(tid("tm-status"))).to_have_text(t("en", "trainability.status.cancelled"))
    assert page.evaluate("() => document.body.dataset.sweeps") is None


@pytest.mark.parametrize("path", ["/trainability", "/trainability/embed"])
def test_no_english_left_in_the_zh_page(page: Page, server: str, path: str) -> None:
    open_map(page, f"lang=zh&{SMALL}", path=path)
    left = english_left(page, NAMES | api_identifiers(server) | {"Xavier", "lr_scale"})
    assert not left, "English in the zh page:\n" + "\n".join(f"{w!r} in {kind}: {text!r}" for w, kind, text in left)


def test_the_check_finds_english_in_the_en_page(page: Page) -> None:
    open_map(page, f"lang=en&{SMALL}")
    words = {w for w, _, _ in english_left(page, NAMES | {"Xavier", "lr", "lr_scale"})}
    assert {"learning", "rate", "layer", "diverged"} <= words, words


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_projector_view_fits_1280_by_720(page: Page, lang: str) -> None:
    open_map(page, f"lang={lang}&theme=projector&{SMALL}")
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1280 and size[1] <= 720, size
    plot = page.locator(tid("tm-map")).bounding_box()
    assert plot["width"] >= 500 and plot["height"] >= 450, plot
    for testid in ("tm-back", "tm-reset", "tm-key-diverged", "tm-status"):
        box = page.locator(tid(testid)).bounding_box()
        assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 720, testid
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"trainability-projector-{lang}.png")


def test_the_api_refuses_what_the_page_refuses(server: str) -> None:
    """The page's own limit is the server's: one cell-step over it is a 422 there too."""
    body = {"dataset": {"name": "moons", "n": 20}, "model": {"hidden": [2]}, "steps": 245,
            "optimizer": {"name": "sgd", "params": {"lr": 1}},
            "axes": [{"param": "lr", "range": [0.01, 1], "n": 128, "log": True},
                     {"param": "lr_scale[0]", "range": [0.1, 10], "n": 128, "log": True}]}  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(server, SWEEP, body)
    assert refused.value.code == 422


PARENT = FRAME_HOST


def test_the_embed_in_a_slide_reports_ready_and_takes_a_new_scene(browser: Browser, server: str) -> None:
    """A deck's scene: the frame posts `ready` with its address once the map is drawn, and setState draws another."""
    with static_site(pages={"/slides.html": PARENT}) as site, watched_slides(browser, server, site) as (page, _):
        src = f"{server}/trainability/embed?{SMALL}&theme=projector"
        page.goto(f"{site.base}/slides.html?src={quote(src, safe='')}")
        ready = wait_event(page, "ready", 0)
        # SMALL's axes are the defaults, which an address leaves out.
        assert parse_qs(ready["query"]) == {"res": ["16"], "n": ["60"]} and ready["playing"] is False
        frame = next(f for f in page.frames if "/trainability/embed" in f.url)
        assert frame.evaluate("() => document.body.dataset.sweeps") == "1"
        since = count(page)
        with page.expect_request(lambda r: r.url.endswith(SWEEP)) as asked:
            command(page, "setState", "res=12&n=40&x=lr:0.01:10&y=ls1:0.1:10")
        state = wait_event(page, "state", since)
        assert parse_qs(state["query"]) == parse_qs("res=12&n=40&x=lr:0.01:10&y=ls1:0.1:10")
        body = json.loads(asked.value.post_data)
        assert [(a["param"], a["range"], a["n"]) for a in body["axes"]] == [("lr", [0.01, 10], 12),
                                                                            ("lr_scale[1]", [0.1, 10], 12)]  # fmt: skip
        assert frame.evaluate("() => document.body.dataset.sweeps") == "2"
