"""The Sweep page (/sweep): each map is POST /api/sweep's answer cell for cell (final loss, steps, status or the
basin reached), maps side by side share one request shape but their optimizer, the analytic momentum map stands
beside an SGD lr × momentum map, a hover shows a cell's numbers, a click opens that exact run in the explorer, a
drag-zoom sweeps every map again over the box, a map over the limits is never asked for, a 256 × 256 map is drawn
within 300 ms of its answer, the header and the projector view fit, and the zh page has no English left."""

from __future__ import annotations

import base64
import itertools
import json
import math
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
SWEEP = "/api/sweep"
DIVERGED = (0xE0, 0x30, 0x1E)  # static/js/plots/cellmap.js
# SGD's lr × momentum on the ill-conditioned bowl, 16 × 16: the upper right corner diverges.
SMALL = "x=lr:0.01:0.5:16&y=momentum:0:0.95:16&n=100&c=loss"
# GD, Newton and saddle-free Newton from every start of Himmelblau's square: which minimum each reaches.
BASINS = (
    "s=himmelblau&o=sgd;lr=0.01&o=newton&o=saddle_free_newton&x=start.x:-5:5:24&y=start.y:-5:5:24"
    "&n=200&tol=0.000001&c=basin"
)


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def open_maps(page: Page, query: str, path: str = "/sweep", maps: int = 1, sweeps: int = 1) -> list[dict[str, Any]]:
    """Opens the page and waits for its first maps; returns the bodies of the sweeps it asked for, in map order."""
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith(SWEEP) else None)
    page.goto(f"{path}?{query}")
    wait_maps(page, maps)
    assert len(bodies) == sweeps, bodies
    return list(bodies)  # the bodies of the first maps (the listener goes on collecting later sweeps)


def wait_maps(page: Page, n: int) -> None:
    page.wait_for_function("(n) => Number(document.body.dataset.sweeps) >= n", arg=n, timeout=60_000)
    expect(page.locator(tid("sw-busy"))).to_be_hidden()


def post(server: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(f"{server}{path}", json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def traces(page: Page, testid: str = "sw-map-0") -> list[dict[str, Any]]:
    return page.evaluate(
        """(testid) => document.querySelector(`[data-testid="${testid}"]`).data.map((t) =>
             ({name: t.name, type: t.type, x: Array.from(t.x ?? []), y: Array.from(t.y ?? []), z: t.z ?? null,
               customdata: t.customdata ?? null, text: t.text ?? null}))""",
        testid,
    )


def cell_point(page: Page, x: float, y: float, testid: str = "sw-map-0") -> dict[str, float]:
    """Where on the page the cell centred at (x, y) is drawn (linear axes)."""
    return page.evaluate(
        """([x, y, testid]) => {
             const el = document.querySelector(`[data-testid="${testid}"]`);
             const box = el.getBoundingClientRect();
             const {xaxis, yaxis} = el._fullLayout;
             return {x: box.left + xaxis._offset + xaxis.l2p(x), y: box.top + yaxis._offset + yaxis.l2p(y)};
           }""",
        [x, y, testid],
    )


def value_at(page: Page, px: float, py: float, testid: str = "sw-map-0") -> tuple[float, float]:
    return tuple(
        page.evaluate(
            """([px, py, testid]) => {
                 const el = document.querySelector(`[data-testid="${testid}"]`);
                 const box = el.getBoundingClientRect();
                 const {xaxis, yaxis} = el._fullLayout;
                 return [xaxis.p2l(px - box.left - xaxis._offset), yaxis.p2l(py - box.top - yaxis._offset)];
               }""",
            [px, py, testid],
        )
    )


def screen_colour(page: Page, point: dict[str, float]) -> tuple[int, int, int]:
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
    (body,) = open_maps(page, f"{SMALL}&lang={lang}")
    assert body["optimizer"]["name"] == "sgd" and body["steps"] == 100 and body["surface"]["name"] == "quadratic"
    assert [(a["param"], a["range"], a["n"], a["log"]) for a in body["axes"]] == [
        ("lr", [0.01, 0.5], 16, False),
        ("momentum", [0, 0.95], 16, False),
    ]
    truth = post(server, SWEEP, body)
    loss, marks = traces(page)
    assert loss["x"] == truth["axes"][0]["values"] and loss["y"] == truth["axes"][1]["values"]
    assert marks["name"] == "diverged" and marks["x"] == loss["x"]
    diverged = converged = 0
    for j in range(16):
        for i in range(16):
            status, final = truth["status"][j][i], truth["final_loss"][j][i]
            if status == "diverged":
                diverged += 1
                assert loss["z"][j][i] is None and marks["z"][j][i] == 1
            else:
                converged += 1
                assert loss["z"][j][i] == pytest.approx(math.log10(final), rel=1e-12, abs=1e-12)
                assert marks["z"][j][i] is None
    assert diverged and converged, (diverged, converged)
    expect(page.locator(tid("sw-status"))).to_contain_text(str(diverged))
    # Every loss is positive: a log scale, and the key says so.
    expect(page.locator(tid("sw-key-loss"))).to_have_text(t(lang, "sweep.key.loss"))
    # SGD over a momentum axis is the momentum method, as the explorer names it.
    expect(page.locator(tid("sw-caption-0"))).to_have_text(t(lang, "explorer.label.momentum"))
    j, i = next((j, i) for j in range(16) for i in range(16) if truth["status"][j][i] == "diverged")
    assert screen_colour(page, cell_point(page, loss["x"][i], loss["y"][j])) == DIVERGED
    j, i = next((j, i) for j in range(16) for i in range(16) if truth["status"][j][i] != "diverged")
    assert screen_colour(page, cell_point(page, loss["x"][i], loss["y"][j])) != DIVERGED
    layout = page.evaluate("document.querySelector('[data-testid=\"sw-map-0\"]')._fullLayout")
    assert layout["xaxis"]["type"] == "linear" and layout["xaxis"]["title"]["text"] == t(lang, "explorer.param.lr")
    # Beside it, the analytic rate of SGD on the bowl's curvature at its minimum, over the same axes: the cells it
    # marks as diverging are those whose rate is above 1.
    rates = {t["name"]: t for t in traces(page, "sw-rates")}
    analytic = post(
        server,
        "/api/analyze/momentum",
        {
            "surface": {"name": "quadratic", "params": {}},
            "point": [0, 0],
            "lr": {"range": [0.01, 0.5], "n": 16, "log": False},
            "momentum": {"range": [0, 0.95], "n": 16},
        },
    )
    assert rates["rate"]["x"] == analytic["lr"] and rates["rate"]["y"] == analytic["momentum"]
    grows = [[1 if r > 1 + 1e-12 else None for r in row] for row in analytic["rate"]]
    assert rates["diverged"]["z"] == grows and any(v for row in grows for v in row)
    expect(page.locator(tid("sw-rates-caption"))).to_have_text(
        t(lang, "sweep.analytic.title", where=t(lang, "sweep.analytic.at_minimum"))
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"13-sweep-momentum-{lang}.png")


def test_steps_and_status_colourings_are_the_answers_steps_and_statuses(page_watch: Any, server: str) -> None:
    page, watch = page_watch
    (body,) = open_maps(page, SMALL.replace("c=loss", "c=steps") + "&tol=0.001")
    truth = post(server, SWEEP, body)
    statuses = {s for row in truth["status"] for s in row}
    assert statuses == {"converged", "max_steps", "diverged"}, statuses  # all three kinds on the map
    steps, marks = traces(page)
    assert steps["name"] == "steps"
    for j in range(16):
        for i in range(16):
            diverged = truth["status"][j][i] == "diverged"
            assert steps["z"][j][i] == (None if diverged else truth["steps_taken"][j][i])
            assert marks["z"][j][i] == (1 if diverged else None)
    page.locator(tid("sw-color")).select_option("status")
    wait_maps(page, 2)
    status, marks = traces(page)
    code = {"converged": 0, "max_steps": 1, "diverged": None}
    assert status["name"] == "status"
    assert status["z"] == [[code[s] for s in row] for row in truth["status"]]
    for testid in ("sw-key-converged", "sw-key-max-steps", "sw-key-diverged"):
        expect(page.locator(tid(testid))).to_be_visible()
    # The colouring is in the address, and a new colouring asks nothing of the server.
    page.wait_for_function("() => new URLSearchParams(location.search).get('c') === 'status'")
    assert sum(r.endswith(SWEEP) for r in watch.requests) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_basins_of_three_optimizers_side_by_side(page: Page, server: str, lang: str) -> None:
    bodies = open_maps(page, f"{BASINS}&lang={lang}", sweeps=3)
    assert [b["optimizer"]["name"] for b in sorted(bodies, key=lambda b: b["optimizer"]["name"])] == [
        "newton",
        "saddle_free_newton",
        "sgd",
    ]
    by_name = {b["optimizer"]["name"]: b for b in bodies}
    reached_by_map = []
    for index, name in enumerate(["sgd", "newton", "saddle_free_newton"]):
        truth = post(server, SWEEP, by_name[name])
        basin, none, diverged, lines, minima = traces(page, f"sw-map-{index}")
        assert [basin["name"], none["name"], diverged["name"], lines["type"], minima["name"]] == [
            "basin",
            "none",
            "diverged",
            "contour",
            "minima",
        ]
        reached = set()
        for j in range(24):
            for i in range(24):
                m, status = truth["minimum"][j][i], truth["status"][j][i]
                if status == "diverged":
                    assert basin["z"][j][i] is None and diverged["z"][j][i] == 1
                elif m < 0:
                    assert basin["z"][j][i] is None and none["z"][j][i] == 1
                else:
                    reached.add(m)
                    # The hue is the minimum (the integer part), the paleness the share of the steps it took.
                    assert basin["z"][j][i] == pytest.approx(m + 0.998 * truth["steps_taken"][j][i] / 200, abs=1e-12)
        reached_by_map.append(reached)
        # Himmelblau's four minima, numbered as the catalog lists them, on every map.
        assert minima["text"] == ["1", "2", "3", "4"]
    # Named as the explorer names runs (labels.js): SGD without momentum or noise is gradient descent.
    titles = {
        "en": ["GD · lr 0.01", "Newton", "Saddle-free Newton"],
        "zh": ["梯度下降 · 学习率 0.01", "牛顿法", "无鞍牛顿法"],
    }
    for index, title in enumerate(titles[lang]):
        expect(page.locator(tid(f"sw-caption-{index}"))).to_have_text(title)
    assert reached_by_map[0] == {0, 1, 2, 3}, reached_by_map  # GD's basins tile the square
    for k in range(4):
        expect(page.locator(tid(f"sw-key-minimum-{k}"))).to_be_visible()
    expect(page.locator(tid("sw-rates"))).to_have_count(0)  # no lr × momentum: no analytic map
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"13-sweep-basins-{lang}.png")


def plot_area(page: Page, testid: str) -> dict[str, float]:
    """The box of a map's plot (its cells), not of its figure (axes, labels)."""
    return page.locator(f"{tid(testid)} .nsewdrag").bounding_box()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_three_basin_maps_fill_a_scene_frame(page: Page, lang: str) -> None:
    """In a lecture's scene frame (/present leaves the scene about 900 × 650), three maps of starts stand side by side,
    as large as the width allows and square, with the key below them, overlapping none."""
    page.set_viewport_size({"width": 860, "height": 640})
    open_maps(page, f"{BASINS}&lang={lang}&present=1&theme=projector&hide=table", path="/sweep/embed", sweeps=3)
    plots = [plot_area(page, f"sw-map-{index}") for index in range(3)]
    for box in plots:
        assert box["width"] >= 240, plots
        assert box["height"] == pytest.approx(box["width"], abs=2), plots  # equal units on a square of starts
    assert max(b["width"] for b in plots) - min(b["width"] for b in plots) <= 2, plots  # one size for all three
    assert all(a["x"] + a["width"] < b["x"] for a, b in itertools.pairwise(plots)), plots  # in a row, apart
    figures = [page.locator(f"{tid(f'sw-map-{index}')}").bounding_box() for index in range(3)]
    key = page.locator(tid("sw-key")).bounding_box()
    assert key["y"] >= max(f["y"] + f["height"] for f in figures), (key, figures)  # below the maps, not over them
    for testid in ("sw-key-diverged", "sw-key-minimum-3", "sw-reset", "sw-status"):
        box = page.locator(tid(testid)).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 860 and box["y"] + box["height"] <= 640, testid
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size == [860, 640], size
    # What diverged means in gdviz: past 10⁸, or no longer finite.
    expect(page.locator(tid("sw-key-diverged"))).to_contain_text("10⁸")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"13b-sweep-scene-{lang}.png")


def hover_lines(page: Page, point: dict[str, float], first: str, testid: str = "sw-map-0") -> list[str]:
    """The hover box's lines at a point, once its first line is `first` (Plotly's hover lags behind the pointer)."""
    tip = page.locator(tid(f"{testid}-tip"))
    page.mouse.move(5, 700)  # off the map first: the box of the cell before goes
    expect(tip).to_be_hidden()
    page.mouse.move(point["x"], point["y"], steps=3)
    page.wait_for_timeout(100)
    page.mouse.move(point["x"] + 0.5, point["y"] + 0.5)
    expect(tip.locator("div").first).to_have_text(first)
    return tip.locator("div").all_text_contents()


def four(page: Page, value: float) -> str:
    """A number as the hover box writes it (static/js/sweep/cells.js)."""
    return page.evaluate(
        "(v) => v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) ? v.toExponential(3)"
        " : String(Number(v.toPrecision(4)))",
        value,
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_hover_shows_the_cells_numbers(page: Page, server: str, lang: str) -> None:
    (body,) = open_maps(page, f"{SMALL}&lang={lang}")
    truth = post(server, SWEEP, body)
    loss, _ = traces(page)
    cells = [(3, 5), (15, 15), (0, 0)]  # one converging, one diverged (upper right), the corner
    assert truth["status"][15][15] == "diverged"
    for i, j in cells:
        across = t(lang, "sweep.hover.value", name=t(lang, "explorer.param.lr"), value=four(page, loss["x"][i]))
        lines = hover_lines(page, cell_point(page, loss["x"][i], loss["y"][j]), across)
        status = t(lang, f"sweep.status.{truth['status'][j][i]}")
        values = {k: four(page, truth[k][j][i]) for k in ("final_loss", "final_x", "final_y")}
        assert lines == [
            across,
            t(lang, "sweep.hover.value", name=t(lang, "explorer.param.momentum"), value=four(page, loss["y"][j])),
            t(lang, "sweep.hover.cell", status=status, steps=truth["steps_taken"][j][i]),
            t(lang, "sweep.hover.final", loss=values["final_loss"], x=values["final_x"], y=values["final_y"]),
            t(lang, "sweep.hover.minimum", k=1) if truth["minimum"][j][i] == 0 else t(lang, "sweep.hover.no_minimum"),
        ], (i, j)
    page.mouse.move(5, 700)
    expect(page.locator(tid("sw-map-0-tip"))).to_be_hidden()


def test_a_click_opens_that_exact_run_in_the_explorer(page: Page, server: str) -> None:
    (body,) = open_maps(page, f"{SMALL}&lang=en&noise=0.05&seed=3")
    truth = post(server, SWEEP, body)
    loss, _ = traces(page)
    i, j = 6, 9
    point = cell_point(page, loss["x"][i], loss["y"][j])
    with page.context.expect_page() as opened:
        page.mouse.click(point["x"], point["y"])
    explorer = opened.value
    with explorer.expect_request(lambda r: "/api/run" in r.url) as asked:
        explorer.wait_for_load_state()
    url = urlsplit(explorer.url)
    assert url.path == "/"
    query = parse_qs(url.query)
    assert (
        query["s"] == ["quadratic"] and query["n"] == ["100"] and query["noise"] == ["0.05"] and query["seed"] == ["3"]
    )
    run = json.loads(asked.value.post_data)
    (optimizer,) = run["optimizers"]
    assert optimizer["params"] == {"lr": loss["x"][i], "momentum": loss["y"][j]}
    # The explorer's run is the cell: the same end, to the last digit.
    answer = post(server, "/api/run", run)["runs"][0]
    assert answer["status"] == truth["status"][j][i] and answer["steps_taken"] == truth["steps_taken"][j][i]
    assert answer["x"][-1] == pytest.approx(truth["final_x"][j][i], rel=1e-9, abs=1e-12)
    assert answer["y"][-1] == pytest.approx(truth["final_y"][j][i], rel=1e-9, abs=1e-12)
    explorer.close()


def test_a_drag_zoom_sweeps_every_map_over_the_box_and_back_returns(page_watch: Any) -> None:
    page, watch = page_watch
    query = "o=sgd;lr=0.1&o=adam;lr=0.1&x=lr:0.01:0.5:12&y=weight_decay:0:1:12&n=60"
    first = open_maps(page, query, sweeps=2)
    plot = page.locator(f"{tid('sw-map-1')} .nsewdrag").bounding_box()
    start = (plot["x"] + 0.2 * plot["width"], plot["y"] + 0.3 * plot["height"])
    end = (plot["x"] + 0.7 * plot["width"], plot["y"] + 0.8 * plot["height"])
    lo = value_at(page, start[0], end[1], "sw-map-1")
    hi = value_at(page, end[0], start[1], "sw-map-1")
    before = sum(SWEEP in r for r in watch.requests)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    wait_maps(page, 2)
    assert sum(SWEEP in r for r in watch.requests) == before + 2  # both maps, over the same box
    for testid in ("sw-map-0", "sw-map-1"):
        loss, _ = traces(page, testid)
        assert loss["x"][0] == pytest.approx(lo[0], rel=0.02) and loss["x"][-1] == pytest.approx(hi[0], rel=0.02)
        assert loss["y"][0] == pytest.approx(lo[1], abs=0.02) and loss["y"][-1] == pytest.approx(hi[1], abs=0.02)
        assert len(loss["x"]) == 12
    page.wait_for_function("() => new URLSearchParams(location.search).get('x') !== 'lr:0.01:0.5:12'")
    page.locator(tid("sw-back")).click()
    wait_maps(page, 3)
    loss, _ = traces(page, "sw-map-0")
    assert loss["x"][0] == pytest.approx(0.01) and loss["x"][-1] == pytest.approx(0.5)
    assert sum(SWEEP in r for r in watch.requests) == before + 2  # from memory
    assert [b["axes"][0]["range"] for b in first] == [[0.01, 0.5], [0.01, 0.5]]


def test_a_busy_server_is_asked_again(page_watch: Any) -> None:
    """A 503 (the server's queue of heavy work is full, as when a lecture's neighbouring scenes load at once) is not
    the end: the page says it waits, asks the same sweep again, and draws its answer."""
    page, watch = page_watch
    refusal = "Failed to load resource: the server responded with a status of 503 (Service Unavailable)"
    watch.expect_console_error(refusal, SWEEP)
    busy = {"msg": "server busy: the queue of heavy computations is full; try again in 1 s", "type": "busy"}
    refused: list[str] = []

    def once_busy(route: Any) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.post_data)
        route.fulfill(status=503, headers={"Retry-After": "1"}, json={"detail": [{"loc": [], **busy}]})

    page.route(f"**{SWEEP}", once_busy)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data) if r.url.endswith(SWEEP) else None)
    page.goto(f"/sweep?{SMALL}&lang=en")
    expect(page.locator(tid("sw-status"))).to_contain_text("The server is busy")
    wait_maps(page, 1)
    assert len(refused) == 1 and asked == [refused[0], refused[0]], asked  # the same sweep, asked twice
    expect(page.locator(tid("sw-message"))).to_be_hidden()
    expect(page.locator(tid("sw-status"))).to_contain_text("256 runs")
    assert traces(page)[0]["z"] is not None


def test_a_map_over_the_limits_is_never_asked_for(page_watch: Any) -> None:
    page, watch = page_watch
    page.goto("/sweep?x=lr:0.01:0.5:256&y=momentum:0:0.9:256&n=2000&lang=en")
    message = t("en", "sweep.over_work", cells="65,536", steps="2,000", work="131,072,000", limit="100,000,000")
    expect(page.locator(tid("sw-message"))).to_have_text(message, timeout=5000)
    page.wait_for_timeout(800)
    assert not [r for r in watch.requests if SWEEP in r]


def test_a_refusal_of_the_server_is_shown(page_watch: Any) -> None:
    page, watch = page_watch
    for reason in ("", "Unprocessable Entity", "Unprocessable Content"):
        refused = f"Failed to load resource: the server responded with a status of 422 ({reason})"
        watch.expect_console_error(refused, SWEEP)
    # Starts where log(x) is not finite: the server names the cell.
    query = f"s=custom&f={quote('log(x) + y**2')}&x=start.x:-1:1:4&y=start.y:-1:1:4&lang=en"
    with page.expect_response(lambda r: r.url.endswith(SWEEP)) as answered:
        page.goto(f"/sweep?{query}")
    assert answered.value.status == 422
    refusal = answered.value.json()["detail"]
    expect(page.locator(tid("sw-message"))).to_have_text("; ".join(d["msg"] for d in refusal))
    expect(page.locator(tid("sw-busy"))).to_be_hidden()


def test_a_running_sweep_shows_it_and_can_be_cancelled(page: Page) -> None:
    # Three maps of 65 536 Adam runs of 1 500 steps, one after the other: seconds of work.
    query = "s=rosenbrock&o=adam;lr=0.01&o=adam;lr=0.02&o=adam;lr=0.03&x=start.x:-2:2:256&y=start.y:-1:3:256&n=1500"
    page.goto(f"/sweep?{query}&lang=en")
    expect(page.locator(tid("sw-busy"))).to_be_visible()
    running = t("en", "sweep.status.running", maps=3, cells="65,536", nx=256, ny=256, steps="1,500", seconds="")
    expect(page.locator(tid("sw-status"))).to_contain_text(running.rsplit(" s", 1)[0].strip())
    page.locator(tid("sw-cancel")).click()
    expect(page.locator(tid("sw-busy"))).to_be_hidden()
    expect(page.locator(tid("sw-status"))).to_have_text(t("en", "sweep.status.cancelled"))
    assert page.evaluate("() => document.body.dataset.sweeps") is None


def test_a_256_by_256_map_is_drawn_within_300_ms_of_its_answer(page: Page) -> None:
    """The figure the README gives: the time from the answer's arrival to the map on screen (data-draw-ms), for the
    first answer and for redraws in other colourings. Wall-clock time on a shared machine: the best draw must be
    within 300 ms; all of them are printed (pytest -s) for the record."""
    open_maps(page, "x=lr:0.01:0.5:256&y=dampening:0:0.99:256&n=20&c=loss&lang=en")
    cells = page.evaluate("document.querySelector('[data-testid=\"sw-map-0\"]').data[0].z.flat().length")
    assert cells == 256 * 256
    timings = [int(page.evaluate("document.body.dataset.drawMs"))]
    for k, colour in enumerate(["steps", "status", "loss", "steps", "loss"]):
        page.locator(tid("sw-color")).select_option(colour)
        wait_maps(page, 2 + k)
        timings.append(int(page.evaluate("document.body.dataset.drawMs")))
    print(f"256 × 256 map drawn in {timings} ms after its answer (first, then redraws)")
    assert min(timings) <= 300, timings


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [1024, 1280])
def test_the_header_fits_with_the_sweep_tab(page: Page, lang: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 720})
    page.goto(f"/sweep?lang={lang}&x=lr:0.01:0.5:4&y=momentum:0:0.9:4&n=5")
    wait_maps(page, 1)
    header = page.locator("header.top").bounding_box()
    assert header["height"] <= 54 and page.evaluate("document.documentElement.scrollWidth") <= width
    for link in page.locator("header.top a, header.top button, header.top select").all():
        box = link.bounding_box()
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= header["height"], link.text_content()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_projector_view_fits_1280_by_720(page: Page, lang: str) -> None:
    open_maps(page, f"lang={lang}&theme=projector&{SMALL}")
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1280 and size[1] <= 720, size
    for testid in ("sw-map-0", "sw-rates"):
        box = page.locator(tid(testid)).bounding_box()
        assert box["width"] >= 300 and box["height"] >= 400, (testid, box)
    for testid in ("sw-back", "sw-reset", "sw-key-diverged", "sw-status"):
        box = page.locator(tid(testid)).bounding_box()
        assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 720, testid
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"13-sweep-projector-{lang}.png")


@pytest.mark.parametrize("path", ["/sweep", "/sweep/embed"])
def test_no_english_left_in_the_zh_page(page: Page, server: str, path: str) -> None:
    open_maps(page, f"lang=zh&{SMALL}", path=path)
    left = english_left(page, NAMES | api_identifiers(server) | {"lr"})
    assert not left, "English in the zh page:\n" + "\n".join(f"{w!r} in {kind}: {text!r}" for w, kind, text in left)


def test_the_check_finds_english_in_the_en_page(page: Page) -> None:
    open_maps(page, f"lang=en&{SMALL}")
    words = {w for w, _, _ in english_left(page, NAMES | {"lr"})}
    assert {"final", "loss", "diverged", "steps"} <= words, words


def test_the_address_grammar_round_trips_and_opens_cells(page: Page) -> None:
    """static/js/sweep/state.js: an address decodes to the view, encodes back to itself, gives one sweep body per
    optimizer, and a cell's explorer address carries the cell's values."""
    page.goto("/sweep?x=lr:0.01:0.5:4&y=momentum:0:0.9:4&n=5")
    query = (
        "s=himmelblau&o=sgd;lr=0.01&o=adam;lr=0.05;betas=0.8,0.99&n=400&tol=0.001"
        "&x=start.x:-5:5:64&y=betas[1]:0.9:0.9999:32:log&c=basin"
    )
    out = page.evaluate(
        """async (query) => {
             const m = await import("/static/js/sweep/state.js");
             const state = m.decode(query);
             return {state, again: m.encode(state), bodies: m.sweepBodies(state),
                     cell: m.explorerQuery(state, 1, 0.5, 0.95,
                                           {surfaceStart: [-0.5, -0.5], defaultBetas: [0.9, 0.999]}),
                     bad: m.decode("x=lr:1:0.5:4&y=momentum:0:0.9:999&c=rainbow&o=sgd;lr=0.1&o=sgd&o=sgd&o=adam")};
           }""",
        query,
    )
    state = out["state"]
    assert state["surface"] == "himmelblau" and state["color"] == "basin" and state["steps"] == 400
    assert state["x"] == {"param": "start.x", "range": [-5, 5], "n": 64, "log": False}
    assert state["y"] == {"param": "betas[1]", "range": [0.9, 0.9999], "n": 32, "log": True}
    assert parse_qs(out["again"]) == parse_qs(query)
    assert [b["optimizer"] for b in out["bodies"]] == [
        {"name": "sgd", "params": {"lr": 0.01}},
        {"name": "adam", "params": {"lr": 0.05, "betas": [0.8, 0.99]}},
    ]
    assert all(
        b["axes"][1] == {"param": "betas[1]", "range": [0.9, 0.9999], "n": 32, "log": True} for b in out["bodies"]
    )
    cell = parse_qs(out["cell"])
    assert cell["s"] == ["himmelblau"] and cell["n"] == ["400"] and cell["start"] == ["0.5,-0.5"]
    assert cell["o"] == ["adam;lr=0.05;betas=0.8,0.95"]
    # A bad axis, an unknown colouring and a fourth optimizer: the defaults, and three maps at most.
    bad = out["bad"]
    assert bad["x"]["range"] == [0.002, 0.4] and bad["y"]["n"] == 128 and bad["color"] == "steps"
    assert len(bad["optimizers"]) == 3


def test_the_embed_in_a_slide_reports_ready_and_takes_a_new_scene(browser: Browser, server: str) -> None:
    with static_site(pages={"/slides.html": FRAME_HOST}) as site, watched_slides(browser, server, site) as (page, _):
        src = f"{server}/sweep/embed?{SMALL}&theme=projector"
        page.goto(f"{site.base}/slides.html?src={quote(src, safe='')}")
        ready = wait_event(page, "ready", 0)
        assert parse_qs(ready["query"]) == parse_qs(SMALL) and ready["playing"] is False
        frame = next(f for f in page.frames if "/sweep/embed" in f.url)
        assert frame.evaluate("() => document.body.dataset.sweeps") == "1"
        since = count(page)
        scene = "s=himmelblau&x=start.x:-5:5:8&y=start.y:-5:5:8&n=50&c=basin"
        with page.expect_request(lambda r: r.url.endswith(SWEEP)) as asked:
            command(page, "setState", scene)
        state = wait_event(page, "state", since)
        assert parse_qs(state["query"]) == parse_qs(scene)
        body = json.loads(asked.value.post_data)
        assert [(a["param"], a["n"]) for a in body["axes"]] == [("start.x", 8), ("start.y", 8)]
        assert frame.evaluate("() => document.body.dataset.sweeps") == "2"
