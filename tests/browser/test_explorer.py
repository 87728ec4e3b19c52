"""End-to-end tests of the explorer (`/`) and the embed view (`/embed`) in a headless chromium.

Every test runs against the real app (see conftest.py) and fails on console errors, uncaught page
errors and requests that leave the test server. A run is complete when <body> carries `data-runs`;
`window.__runs` (installed by conftest.RUNS_PROBE) counts how often that attribute was set and removed."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

FIXED = 6  # contour traces before the paths: surface, minima, saddles, start, current points, diverged markers
QUIET_MS = 450  # longer than the page's 200 ms re-run debounce and 250 ms URL debounce
STATUSES = {"max steps", "converged", "diverged ✕"}


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


# ── Waiting for runs ──────────────────────────────────────────────────────────


def runs_set(page: Page) -> int:
    return page.evaluate("window.__runs.set")


def settle(page: Page, since: int) -> int:
    """Wait until a run newer than `since` completed and no other run followed it within QUIET_MS
    (controls re-run the page ~200 ms after they change). Returns the new count of completed runs."""
    while True:
        page.wait_for_function(
            "since => window.__runs.set > since && document.body.hasAttribute('data-runs')", arg=since
        )
        done = runs_set(page)
        page.wait_for_timeout(QUIET_MS)
        if page.evaluate("done => window.__runs.set === done && document.body.hasAttribute('data-runs')", arg=done):
            return done
        since = done


def open_explorer(page: Page, query: str = "", path: str = "/") -> int:
    """Load the page and wait for its first run (nothing else starts one: no quiet period needed)."""
    page.goto(f"{path}?{query}" if query else path)
    page.wait_for_function("() => window.__runs.set > 0 && document.body.hasAttribute('data-runs')")
    return runs_set(page)


def blur(page: Page) -> None:
    """Move the focus off any control, so that the page's keyboard shortcuts apply."""
    page.evaluate("document.activeElement?.blur()")


def commit(page: Page, testid: str, value: str) -> None:
    """Type into a number/text input and commit it (inputs commit on `change`)."""
    field = page.locator(tid(testid))
    field.fill(value)
    field.press("Enter")


# ── Reading the plots and the table ──────────────────────────────────────────


def traces(page: Page, testid: str) -> list[dict[str, Any]]:
    return page.evaluate(
        """testid => document.querySelector(`[data-testid="${testid}"]`).data.map((t) => ({
            name: t.name ?? null, type: t.type,
            x: Array.from(t.x ?? []), y: Array.from(t.y ?? []),
        }))""",
        testid,
    )


def paths(page: Page) -> list[dict[str, Any]]:
    return traces(page, "contour")[FIXED:]


def summary_rows(page: Page) -> list[dict[str, str]]:
    header = page.locator(f"{tid('summary')} thead th").all_inner_texts()
    rows = []
    for row in page.locator(f"{tid('summary')} tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        rows.append(dict(zip(header, cells, strict=True)) | {"class": row.get_attribute("class") or ""})
    return rows


def readout(page: Page) -> tuple[int, int]:
    text = page.locator(tid("readout")).inner_text()
    words = text.split()
    assert words[0] == "step" and words[2] == "/", text
    return int(words[1]), int(words[3])


# The start and the current points are layout shapes of the contour (Plotly moves those without a
# redraw): shapes[0] is the start, shapes[1:] the current point of every run.
SHAPES = "document.querySelector('[data-testid=\"contour\"]').layout.shapes"


def shape_points(page: Page) -> list[tuple[float, float]]:
    return [tuple(p) for p in page.evaluate(f"() => {SHAPES}.map((s) => [s.xanchor, s.yanchor])")]


def markers(page: Page) -> list[tuple[float, float]]:
    return shape_points(page)[1:]


def start_marker(page: Page) -> tuple[float, float]:
    return shape_points(page)[0]


def points_at(runs: list[dict[str, Any]], step: int) -> list[tuple[float, float]]:
    """Where every run is at `step` (every=1: index == step; a run that stopped early stays at its end)."""
    return [(run["x"][min(step, len(run["x"]) - 1)], run["y"][min(step, len(run["y"]) - 1)]) for run in runs]


def scrub_to(page: Page, step: int) -> None:
    """Move the step slider as a user's drag does: a new value, `input`, then `change` on release."""
    page.locator(tid("scrub")).evaluate(
        """(slider, step) => {
            slider.value = String(step);
            slider.dispatchEvent(new Event("input", {bubbles: true}));
            slider.dispatchEvent(new Event("change", {bubbles: true}));
        }""",
        step,
    )


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


# ── Tests ─────────────────────────────────────────────────────────────────────


def test_default_run_fills_contour_series_and_summary(page: Page) -> None:
    open_explorer(page)
    assert page.locator(tid("surface")).input_value() == "rosenbrock"
    assert page.locator("body").get_attribute("data-runs") == "3"

    contour = traces(page, "contour")
    assert contour[0]["type"] == "contour"
    assert len(contour[0]["x"]) > 10 and len(contour[0]["y"]) > 10
    runs = contour[FIXED:]
    assert [run["name"] for run in runs] == ["SGD", "Momentum", "Adam"]
    for run in runs:
        assert len(run["x"]) == len(run["y"]) == 501, run["name"]
        assert all(math.isfinite(v) for v in run["x"] + run["y"])
        assert (run["x"][0], run["y"][0]) == (-1.5, 2.0)  # rosenbrock's start
    # start marker, and the current points at the last step
    assert start_marker(page) == (-1.5, 2.0)
    assert markers(page) == points_at(runs, 500)
    assert contour[5]["x"] == []  # nothing diverged

    for testid in ("loss", "grad-norm"):
        series = traces(page, testid)
        assert len(series) == 3, testid
        for line in series:
            assert line["x"] == list(range(501)), testid
            assert len(line["y"]) == 501 and all(v is None or v > 0 for v in line["y"]), testid
    rates = traces(page, "lr")
    assert len(rates) == 3
    assert [line["y"][0] for line in rates] == [0.001, 0.001, 0.05]

    rows = summary_rows(page)
    assert [row["optimizer"] for row in rows] == ["SGD", "Momentum", "Adam"]
    for row in rows:
        assert row["status"] in STATUSES, row
        assert row["steps"] == "500", row
    assert readout(page) == (500, 500)


def test_surface_and_added_optimizer_rerun(page: Page) -> None:
    done = open_explorer(page)
    rosenbrock_grid = traces(page, "contour")[0]
    assert (min(rosenbrock_grid["x"]), max(rosenbrock_grid["x"])) == (-2, 2)

    page.locator(tid("surface")).select_option("quadratic")
    page.locator(tid("add-optimizer")).click()
    expect(page.locator(tid("optimizer-3"))).to_have_value("adam")
    commit(page, "param-3-lr", "0.2")
    commit(page, "steps", "300")
    page.locator(tid("run")).click()
    settle(page, done)

    grid = traces(page, "contour")[0]
    assert (min(grid["x"]), max(grid["x"])) == (-3, 3)  # the quadratic's domain
    assert (min(grid["y"]), max(grid["y"])) == (-2, 2)
    assert grid != rosenbrock_grid

    runs = paths(page)
    rows = summary_rows(page)
    assert len(runs) == len(rows) == 4
    for run, row in zip(runs, rows, strict=True):
        assert row["status"] in STATUSES, row
        taken = int(row["steps"])
        assert taken == 300 or row["status"] != "max steps", row
        assert len(run["x"]) == len(run["y"]) == taken + 1, (run["name"], row)
        assert (run["x"][0], run["y"][0]) == (-2.5, 1.5)  # the quadratic's start
    # the new optimizer ran with the lr typed in, and differs from the default Adam
    assert set(traces(page, "lr")[3]["y"]) == {0.2}
    assert runs[3]["x"] != runs[2]["x"]
    assert query_of(page)["s"] == ["quadratic"]
    assert query_of(page)["n"] == ["300"]


def test_scrub_moves_the_current_points(page: Page) -> None:
    open_explorer(page, "s=quadratic")
    runs = paths(page)
    assert readout(page) == (500, 500)

    scrub_to(page, 123)
    expect(page.locator(tid("readout"))).to_have_text("step 123 / 500")
    page.wait_for_function(
        """want => {
            const now = document.querySelector('[data-testid="contour"]').layout.shapes.slice(1);
            return JSON.stringify([now.map((s) => s.xanchor), now.map((s) => s.yanchor)]) === JSON.stringify(want);
        }""",
        arg=[[p[0] for p in points_at(runs, 123)], [p[1] for p in points_at(runs, 123)]],
        timeout=3000,
    )
    assert markers(page) == points_at(runs, 123)
    page.wait_for_function("() => location.search.includes('k=123')", timeout=3000)


def test_keyboard_steps_plays_and_goes_home(page: Page) -> None:
    open_explorer(page, "s=quadratic")
    runs = paths(page)
    blur(page)

    page.keyboard.press("Home")
    expect(page.locator(tid("readout"))).to_have_text("step 0 / 500")
    page.wait_for_function(f"() => {SHAPES}.length === 4")
    page.wait_for_timeout(50)
    assert markers(page) == points_at(runs, 0)

    page.keyboard.press("ArrowRight")
    expect(page.locator(tid("readout"))).to_have_text("step 1 / 500")
    page.wait_for_timeout(50)
    assert markers(page) == points_at(runs, 1)

    play = page.locator(tid("play"))
    assert play.get_attribute("aria-label") == "play"
    paused_label = play.inner_text()
    page.keyboard.press(" ")
    expect(play).to_have_attribute("aria-label", "pause")
    assert play.inner_text() != paused_label
    page.wait_for_function(
        """() => Number(document.querySelector('[data-testid="readout"]').textContent.split(" ")[1]) >= 10"""
    )
    # the readout and the markers, read together (the markers follow the readout within a frame)
    text, now_x, now_y = page.evaluate(
        """() => {
            const now = document.querySelector('[data-testid="contour"]').layout.shapes.slice(1);
            const text = document.querySelector('[data-testid="readout"]').textContent;
            return [text, now.map((s) => s.xanchor), now.map((s) => s.yanchor)];
        }"""
    )
    playing_step = int(text.split()[1])
    now = list(zip(now_x, now_y, strict=True))
    assert now != points_at(runs, 1)
    assert now in [points_at(runs, k) for k in range(playing_step - 5, playing_step + 1)], (text, now)

    page.keyboard.press("Home")
    expect(page.locator(tid("readout"))).to_have_text("step 0 / 500")
    expect(play).to_have_attribute("aria-label", "play")
    assert play.inner_text() == paused_label
    page.wait_for_timeout(300)  # paused: it stays at 0
    assert readout(page) == (0, 500)
    assert markers(page) == points_at(runs, 0)


def test_permalink_reproduces_the_view(watched: Any) -> None:
    page, _ = watched()
    done = open_explorer(page)
    page.locator(tid("surface")).select_option("himmelblau")
    page.locator(tid("optimizer-0")).select_option("rmsprop")
    commit(page, "param-0-lr", "0.03")
    page.locator(tid("param-0-centered")).check()
    commit(page, "steps", "200")
    page.locator(tid("schedule")).select_option("cosine")
    done = settle(page, done)
    blur(page)
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator(tid("readout"))).to_have_text("step 3 / 200")
    page.wait_for_function("() => location.search.includes('k=3')", timeout=3000)
    url = page.url
    query = query_of(page)
    assert query["s"] == ["himmelblau"] and query["n"] == ["200"] and query["sch"] == ["cosine"]
    original = paths(page)
    assert [len(run["x"]) for run in original] == [201, 201, 201]

    copy, _ = watched()
    copy.goto(url)
    settle(copy, 0)
    assert copy.url == url
    assert copy.locator(tid("surface")).input_value() == "himmelblau"
    assert copy.locator(tid("optimizer-0")).input_value() == "rmsprop"
    assert float(copy.locator(tid("param-0-lr")).input_value()) == 0.03
    assert copy.locator(tid("param-0-centered")).is_checked()
    assert copy.locator(tid("steps")).input_value() == "200"
    assert copy.locator(tid("schedule")).input_value() == "cosine"
    assert paths(copy) == original
    assert traces(copy, "contour")[0] == traces(page, "contour")[0]
    assert summary_rows(copy) == summary_rows(page)
    assert readout(copy) == (3, 200)


def test_embed_shows_the_same_paths_without_chrome(watched: Any) -> None:
    query = "s=himmelblau&o=rmsprop%3Blr%3D0.03&o=adam%3Blr%3D0.1&n=200&start=1%2C-1"
    explorer, _ = watched()
    open_explorer(explorer, query)
    embed, _ = watched()
    open_explorer(embed, query, path="/embed")

    assert embed.locator("#controls").count() == 0
    assert embed.locator("header").count() == 0
    assert embed.locator(tid("surface")).count() == 0
    assert embed.locator(tid("share")).count() == 0
    expect(embed.locator(tid("contour"))).to_be_visible()
    runs = paths(embed)
    assert len(runs) == 2 and all(len(run["x"]) == 201 for run in runs)
    assert (runs[0]["x"][0], runs[0]["y"][0]) == (1, -1)
    assert runs == paths(explorer)
    assert traces(embed, "contour")[0] == traces(explorer, "contour")[0]


def test_click_on_contour_moves_the_start(page: Page) -> None:
    done = open_explorer(page)
    box = page.locator(f"{tid('contour')} .nsewdrag").bounding_box()
    assert box is not None
    (x0, x1), (y0, y1) = page.locator(tid("contour")).evaluate(
        "el => [el._fullLayout.xaxis.range, el._fullLayout.yaxis.range]"
    )
    fx, fy = 0.3, 0.65  # where to click, as fractions of the plot area from its top-left corner
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    settle(page, done)

    want = (x0 + fx * (x1 - x0), y1 - fy * (y1 - y0))
    tolerance = (abs(x1 - x0) / box["width"] * 1.5, abs(y1 - y0) / box["height"] * 1.5)  # 1.5 px

    def near(point: tuple[float, float]) -> bool:
        return abs(point[0] - want[0]) <= tolerance[0] and abs(point[1] - want[1]) <= tolerance[1]

    contour = traces(page, "contour")
    start = start_marker(page)
    assert near(start), (start, want)
    runs = contour[FIXED:]
    assert len(runs) == 3
    for run in runs:
        assert (run["x"][0], run["y"][0]) == start, run["name"]
    shown = (float(page.locator(tid("start-x")).input_value()), float(page.locator(tid("start-y")).input_value()))
    assert shown == pytest.approx(start, rel=1e-5, abs=1e-6)
    assert query_of(page)["start"] == [f"{start[0]:g},{start[1]:g}"]


def test_diverging_optimizer_is_marked(page: Page) -> None:
    open_explorer(page, "o=sgd;lr=10")
    rows = summary_rows(page)
    assert len(rows) == 1
    assert rows[0]["status"].startswith("diverged"), rows
    assert "diverged" in rows[0]["class"].split()
    runs = paths(page)
    assert len(runs) == 1
    assert len(runs[0]["x"]) == int(rows[0]["steps"]) + 1
    assert all(math.isfinite(v) for v in runs[0]["x"] + runs[0]["y"])
    # The marker sits on the last point still inside the plotted domain, where it can be seen.
    (x_lo, x_hi), (y_lo, y_hi) = [-2, 2], [-1, 3]  # rosenbrock's domain
    inside = [
        (x, y) for x, y in zip(runs[0]["x"], runs[0]["y"], strict=True) if x_lo <= x <= x_hi and y_lo <= y <= y_hi
    ]
    assert (runs[0]["x"][-1], runs[0]["y"][-1]) not in inside  # the path left the plot
    ends = traces(page, "contour")[5]
    assert list(zip(ends["x"], ends["y"], strict=True)) == [inside[-1]]
    # no console error: checked by the fixture at teardown


def test_custom_formula_runs_and_refuses_attributes(page_watch: Any) -> None:
    page, watch = page_watch
    done = open_explorer(page)
    page.locator(tid("surface")).select_option("custom")
    formula = page.locator(tid("formula"))
    expect(formula).to_be_visible()
    formula.fill("x**2 + 3*y**2")
    done = settle(page, done)
    grid = traces(page, "contour")[0]
    assert (min(grid["x"]), max(grid["x"]), min(grid["y"]), max(grid["y"])) == (-3, 3, -3, 3)
    runs = paths(page)
    assert len(runs) == 3
    for run in runs:
        assert len(run["x"]) >= 2 and (run["x"][0], run["y"][0]) == (-2, 2), run["name"]
    assert query_of(page)["s"] == ["custom"]
    assert page.locator(tid("formula-error")).inner_text() == ""

    # The page checks a formula with POST /api/grid; the 422 it expects is logged by chromium.
    watch.expect_console_error(
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)", "/api/grid"
    )
    streams_before = sum("/api/run/stream" in r for r in watch.requests)
    formula.fill("x.__class__")
    expect(page.locator(tid("formula-error"))).to_contain_text("attribute")
    expect(formula).to_have_class("formula invalid")
    page.wait_for_timeout(QUIET_MS)
    assert sum("/api/run/stream" in r for r in watch.requests) == streams_before  # no run of a refused formula
    assert "__class__" not in page.url
    assert paths(page) == runs
    assert watch.foreign_requests == []


def test_r_key_reruns(page_watch: Any) -> None:
    page, watch = page_watch
    done = open_explorer(page)
    before = page.evaluate("({...window.__runs})")
    streams = sum("/api/run/stream" in r for r in watch.requests)
    blur(page)
    page.keyboard.press("r")
    page.wait_for_function("removed => window.__runs.removed > removed", arg=before["removed"])
    settle(page, done)
    after = page.evaluate("({...window.__runs})")
    assert after["removed"] == before["removed"] + 1
    assert after["set"] == before["set"] + 1
    assert sum("/api/run/stream" in r for r in watch.requests) == streams + 1
    assert len(paths(page)) == 3


def test_runs_hook_is_set_after_the_plots_are_drawn(page: Page) -> None:
    """`data-runs` tells a test the run is complete: when it appears, the plots must already hold every
    point, so a test that reads them right away sees the whole run."""
    open_explorer(page, "n=200")
    snapshot = page.evaluate("window.__runs.snapshots[0]")
    assert snapshot["contour"][FIXED:] == [201, 201, 201], snapshot
    assert snapshot["shapes"] == 1 + 3, snapshot  # the start and the current point of every run
    assert snapshot["loss"] == [201, 201, 201], snapshot
    assert snapshot["grad"] == [201, 201, 201], snapshot
