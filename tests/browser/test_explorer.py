"""End-to-end tests of the explorer (`/`) and the embed view (`/embed`) in a headless chromium.

Every test runs against the real app (see conftest.py) and fails on console errors, uncaught page
errors and requests that leave the test server. A run is complete when <body> carries `data-runs`;
`window.__runs` (installed by conftest.RUNS_PROBE) counts how often that attribute was set and removed."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

FIXED = 6  # contour traces before the paths: surface, minima, saddles, start, current points, marks (exits, ends)
MARKS = 5
QUIET_MS = 450  # longer than the page's 200 ms re-run debounce and 250 ms URL debounce
# The outcome of a run in words (app/messages/en/status.json)
OUTCOMES = {
    "minimum": "reached a minimum",
    "saddle": "stuck at a saddle",
    "flat": "stopped on flat ground",
    "unbounded": "ran off to −∞",
    "diverging": "blowing up",
    "moving": "still moving",
}
STATUSES = set(OUTCOMES.values())


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


def surface_grid(page: Page) -> dict[str, Any]:
    """The surface under the paths (in 2D a figure of its own, below theirs)."""
    return traces(page, "contour-surface")[0]


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
    surface = surface_grid(page)
    assert surface["type"] == "contour"
    assert len(surface["x"]) > 10 and len(surface["y"]) > 10
    runs = contour[FIXED:]
    # SGD without momentum, on the full data and without noise, is plain gradient descent: "GD"
    assert [run["name"] for run in runs] == ["GD", "Momentum", "Adam"]
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
    assert [row["optimizer"] for row in rows] == ["GD", "Momentum", "Adam"]
    for row in rows:
        assert row["status"] in STATUSES, row
        assert row["steps"] == "500", row
    assert readout(page) == (500, 500)


def test_surface_and_added_optimizer_rerun(page: Page) -> None:
    done = open_explorer(page)
    rosenbrock_grid = surface_grid(page)
    assert (min(rosenbrock_grid["x"]), max(rosenbrock_grid["x"])) == (-2, 2)

    page.locator(tid("surface")).select_option("quadratic")
    page.locator(tid("add-optimizer")).click()
    expect(page.locator(tid("optimizer-3"))).to_have_value("adam")
    commit(page, "param-3-lr", "0.2")
    commit(page, "steps", "300")
    page.locator(tid("run")).click()
    settle(page, done)

    grid = surface_grid(page)
    assert (min(grid["x"]), max(grid["x"])) == (-3, 3)  # the quadratic's domain
    assert (min(grid["y"]), max(grid["y"])) == (-2, 2)
    assert grid != rosenbrock_grid

    runs = paths(page)
    rows = summary_rows(page)
    assert len(runs) == len(rows) == 4
    for run, row in zip(runs, rows, strict=True):
        assert row["status"] in STATUSES, row
        taken = int(row["steps"])
        assert taken == 300 or row["status"] != OUTCOMES["moving"], row
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
    # the markers follow the readout a few frames behind (more on a busy machine), never ahead of it
    assert now in [points_at(runs, k) for k in range(2, playing_step + 1)], (text, now)

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
    assert [len(run["x"]) for run in original] == [4, 4, 4]  # a path is drawn up to the step shown

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
    assert surface_grid(copy) == surface_grid(page)
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
    assert surface_grid(embed) == surface_grid(explorer)


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


def marks(page: Page) -> list[dict[str, Any]]:
    """The contour's marks: where a path left the plotted domain (a triangle) and where a diverged run
    was last seen inside it (a cross), with their hover text."""
    return page.evaluate(
        """() => {
            const t = document.querySelector('[data-testid="contour"]').data[5];
            const symbols = [].concat(t.marker.symbol ?? []);
            return Array.from(t.x).map((x, i) => ({x, y: t.y[i], symbol: symbols[i], text: t.text[i]}));
        }"""
    )


def test_diverging_optimizer_is_marked(page: Page) -> None:
    open_explorer(page, "o=sgd;lr=10")
    rows = summary_rows(page)
    assert len(rows) == 1
    assert rows[0]["status"] == OUTCOMES["diverging"], rows
    assert "outcome-diverging" in rows[0]["class"].split()
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
    crosses = [m for m in marks(page) if m["symbol"] == "x-thin"]
    assert [(m["x"], m["y"]) for m in crosses] == [inside[-1]]
    assert crosses[0]["text"].startswith(f"GD: {OUTCOMES['diverging']}; last seen in the view at step ")
    # ... and where it left the plot, an arrow on the edge of the domain, with the step it left at
    exits = [m for m in marks(page) if m["symbol"] == "triangle-up"]
    assert exits, marks(page)
    points = list(zip(runs[0]["x"], runs[0]["y"], strict=True))
    first_out = next(k for k in range(1, len(points)) if points[k] not in inside and points[k - 1] in inside)
    on_edge = exits[0]["x"] in (x_lo, x_hi) or exits[0]["y"] in (y_lo, y_hi)
    assert on_edge and x_lo <= exits[0]["x"] <= x_hi and y_lo <= exits[0]["y"] <= y_hi, exits[0]
    assert exits[0]["text"] == f"GD: left the view at step {first_out}"
    # no console error: checked by the fixture at teardown


def test_custom_formula_runs_and_refuses_attributes(page_watch: Any) -> None:
    page, watch = page_watch
    done = open_explorer(page)
    page.locator(tid("surface")).select_option("custom")
    formula = page.locator(tid("formula"))
    expect(formula).to_be_visible()
    formula.fill("x**2 + 3*y**2")
    done = settle(page, done)
    grid = surface_grid(page)
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


# ── Playback for teaching ─────────────────────────────────────────────────────

# The classic saddle x² − y², started just off the ridge: Newton stops on the saddle, the others
# slide off toward −∞ (its loss goes negative), saddle-free Newton and momentum leave the plot fast.
SADDLE = (
    "s=saddle&start=-1.8,0.05&n=100&o=newton&o=saddle_free_newton&o=sgd;lr=0.05&o=sgd;lr=0.05;momentum=0.9"
    "&o=adam;lr=0.05&o=rmsprop;lr=0.01"
)


def shown_lengths(page: Page) -> tuple[int, list[int]]:
    """The step in the readout and how many points each path shows, read in one go."""
    step, lengths = page.evaluate(
        """() => [document.querySelector('[data-testid="readout"]').textContent,
                  document.querySelector('[data-testid="contour"]').data.slice(6).map((t) => t.x.length)]"""
    )
    return int(step.split()[1]), lengths


def test_paths_grow_with_the_cursor_when_playing_from_step_0(page: Page) -> None:
    open_explorer(page, "s=quadratic&n=200")
    full = [len(run["x"]) for run in paths(page)]
    assert full == [201, 201, 201]  # at the end, every path is whole
    blur(page)
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('[data-testid=\"contour\"]').data[6].x.length === 1")
    assert shown_lengths(page) == (0, [1, 1, 1])

    page.keyboard.press(" ")
    partial = []
    while True:
        step, lengths = shown_lengths(page)
        for length in lengths:
            assert 1 <= length <= step + 1, (step, lengths)  # never more than the cursor has reached
        if 1 < min(lengths) and max(lengths) < 201:
            partial.append(lengths)
        if page.locator(tid("play")).get_attribute("aria-label") == "play":
            break
        page.wait_for_timeout(60)
    assert len(partial) >= 3, partial  # seen growing, frame after frame
    page.wait_for_function("() => document.querySelector('[data-testid=\"contour\"]').data[6].x.length === 201")
    assert shown_lengths(page) == (200, full)

    # back at step 3, the "whole path" toggle shows every path whole; off again, up to the step
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press(".")
    page.wait_for_function("() => document.querySelector('[data-testid=\"contour\"]').data[6].x.length === 4")
    toggle = page.locator(tid("whole-path"))
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => document.querySelector('[data-testid=\"contour\"]').data[6].x.length === 201")
    assert shown_lengths(page) == (3, full)
    page.wait_for_function("() => location.search.includes('whole=1')", timeout=3000)
    toggle.click()
    page.wait_for_function("() => document.querySelector('[data-testid=\"contour\"]').data[6].x.length === 4")


def test_a_run_leaving_the_view_is_marked_from_the_step_it_left(page: Page) -> None:
    open_explorer(page, SADDLE)
    runs = paths(page)
    sgd = runs[2]
    (x_lo, x_hi), (y_lo, y_hi) = [-2, 2], [-2, 2]  # the saddle's domain

    def inside(k: int) -> bool:
        return x_lo <= sgd["x"][k] <= x_hi and y_lo <= sgd["y"][k] <= y_hi

    left = next(k for k in range(1, len(sgd["x"])) if inside(k - 1) and not inside(k))
    label = summary_rows(page)[2]["optimizer"]
    want = f"{label}: left the view at step {left}"

    def texts() -> list[str]:
        return [m["text"] for m in marks(page)]

    assert want in texts()
    exit_mark = next(m for m in marks(page) if m["text"] == want)
    assert exit_mark["symbol"] == "triangle-up"
    assert exit_mark["y"] == y_hi and x_lo <= exit_mark["x"] <= x_hi  # on the edge it crossed (the top)
    # the mark appears when the path gets there, not before
    scrub_to(page, left - 1)
    page.wait_for_function(
        "want => !document.querySelector('[data-testid=\"contour\"]').data[5].text.includes(want)", arg=want
    )
    scrub_to(page, left)
    page.wait_for_function(
        "want => document.querySelector('[data-testid=\"contour\"]').data[5].text.includes(want)", arg=want
    )


def test_honest_status_words(page: Page) -> None:
    open_explorer(page, SADDLE)
    rows = summary_rows(page)
    assert len(rows) == 6
    newton, saddle_free = rows[0], rows[1]
    # Newton is attracted to the saddle and stops there: not a success
    assert newton["status"] == OUTCOMES["saddle"], newton
    assert newton["status"] != OUTCOMES["minimum"]
    # saddle-free Newton escapes downhill, toward −∞: not "diverged" in red
    assert saddle_free["status"] == OUTCOMES["unbounded"], saddle_free
    assert "outcome-diverging" not in saddle_free["class"]
    cells = page.locator(f"{tid('summary')} tbody tr td:nth-child(3)")
    colours = cells.evaluate_all("tds => tds.map((td) => getComputedStyle(td).color)")
    danger = "rgb(198, 40, 40)"  # --danger: for a run blowing up only
    assert colours[1] != danger, colours
    # the path's hover says it too
    hover = page.evaluate("document.querySelector('[data-testid=\"contour\"]').data[6].hovertemplate")
    assert OUTCOMES["saddle"] in hover
    open_explorer(page, "o=sgd;lr=10")  # one that does blow up is red: the check can see red
    assert cells.evaluate_all("tds => tds.map((td) => getComputedStyle(td).color)") == [danger]


def test_side_plots_pick_a_scale_and_never_drop_values(page: Page) -> None:
    open_explorer(page, SADDLE)
    plot = page.locator(tid("loss"))
    assert plot.get_attribute("data-scale") == "symlog"  # losses below zero, over many decades
    series = page.evaluate(
        """() => document.querySelector('[data-testid="loss"]').data.map((t) => ({
            y: Array.from(t.y), values: Array.from(t.customdata)}))"""
    )
    runs = paths(page)
    for line, run in zip(series, runs, strict=True):
        assert len(line["values"]) == len(run["x"])
        assert all(v is not None for v in line["y"])  # every value drawn, negative or not
        assert [math.copysign(1, v) if v else 0 for v in line["y"]] == [
            math.copysign(1, v) if v else 0 for v in line["values"]
        ]
    negative = sum(v <= 0 for line in series for v in line["values"])
    assert negative > 100
    ticks = page.evaluate("document.querySelector('[data-testid=\"loss\"]').layout.yaxis.ticktext")
    assert "0" in ticks and any(t.startswith("−10") for t in ticks), ticks

    # The reader picks log: what it cannot show is counted on the plot, not dropped in silence.
    page.locator(tid("loss-scale")).select_option("log")
    page.wait_for_function("() => document.querySelector('[data-testid=\"loss\"]').dataset.scale === 'log'")
    note = page.evaluate("document.querySelector('[data-testid=\"loss\"]').layout.annotations.map((a) => a.text)")
    assert note == [f"{negative} values ≤ 0 not shown on a log scale"], note
    page.locator(tid("loss-scale")).select_option("linear")
    page.wait_for_function("() => document.querySelector('[data-testid=\"loss\"]').dataset.scale === 'linear'")
    page.locator(tid("loss-scale")).select_option("auto")
    page.wait_for_function("() => document.querySelector('[data-testid=\"loss\"]').dataset.scale === 'symlog'")

    # a schedule reads on a linear axis by default
    assert page.locator(tid("lr")).get_attribute("data-scale") == "linear"


def test_log_ticks_read_as_powers_of_ten(page: Page) -> None:
    open_explorer(page, "s=quadratic")
    assert page.locator(tid("loss")).get_attribute("data-scale") == "log"  # all > 0, many decades
    axis = page.evaluate("document.querySelector('[data-testid=\"loss\"]').layout.yaxis")
    values, labels = axis["tickvals"], axis["ticktext"]
    assert len(values) >= 3
    for value in values:  # one label a decade: no "2" and "5" between them
        assert math.log10(value) == round(math.log10(value)), values
    plain = all(not any(ch in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻" for ch in label) for label in labels)
    powers = all(label in ("1", "10") or label.startswith("10") for label in labels)
    assert plain or powers, labels  # one notation on the whole axis


def test_results_table_has_a_row_per_optimizer(page: Page) -> None:
    open_explorer(page, SADDLE)
    rows = page.locator(f"{tid('summary')} tbody tr")
    assert rows.count() == 6
    box = page.locator("#summary").bounding_box()
    for i in range(6):
        row = rows.nth(i).bounding_box()
        assert row["y"] >= box["y"] - 0.5 and row["y"] + row["height"] <= box["y"] + box["height"] + 0.5, (i, row, box)


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_fits_a_projector_at_125_percent(page: Page, path: str) -> None:
    page.set_viewport_size({"width": 1024, "height": 576})
    open_explorer(page, SADDLE, path=path)
    size = page.evaluate(
        """() => ({scrollHeight: document.documentElement.scrollHeight,
                   scrollWidth: document.documentElement.scrollWidth, innerHeight, innerWidth})"""
    )
    assert size["scrollHeight"] <= size["innerHeight"] and size["scrollWidth"] <= size["innerWidth"], size
    bar = page.locator(".player").bounding_box()
    assert bar["y"] >= 0 and bar["y"] + bar["height"] <= 576 and bar["x"] + bar["width"] <= 1024, bar
    for testid in ("run", "play", "scrub", "readout"):
        item = page.locator(tid(testid)).bounding_box()
        assert item["width"] > 0 and item["x"] + item["width"] <= bar["x"] + bar["width"] + 0.5, testid
    stage = page.locator(".stage").evaluate("el => [el.scrollHeight, el.clientHeight]")
    assert stage[0] <= stage[1], stage  # nothing hidden below the stage either


def test_csv_starts_with_a_byte_order_mark(page: Page) -> None:
    open_explorer(page, "s=quadratic&n=20&o=adam;lr=0.1;label=自适应 Adam")
    with page.expect_download() as info:
        page.locator(tid("export-csv")).click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")  # so that Excel reads UTF-8
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "label,optimizer,step,x,y,loss,grad_norm,lr"
    assert len(lines) == 1 + 21
    assert all(line.startswith('"自适应 Adam",adam,') for line in lines[1:])


# ── Slides and presenting ─────────────────────────────────────────────────────


def test_in_a_slide_a_click_keeps_the_scene_unless_moving_the_start(page: Page) -> None:
    done = open_explorer(page, "s=quadratic&n=60", path="/embed")
    original = start_marker(page)
    box = page.locator(f"{tid('contour')} .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.7 * box["height"])
    page.wait_for_timeout(QUIET_MS)
    assert runs_set(page) == done and start_marker(page) == original  # nothing ran, nothing moved

    pick = page.locator(tid("pick-start"))
    expect(pick).to_have_attribute("aria-pressed", "false")
    blur(page)
    page.keyboard.press("s")
    expect(pick).to_have_attribute("aria-pressed", "true")
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.7 * box["height"])
    done = settle(page, done)
    moved = start_marker(page)
    assert moved != original
    assert all((run["x"][0], run["y"][0]) == moved for run in paths(page))

    # R (or the button) brings the scene back as prepared, at step 0, and leaves the "move start" mode
    blur(page)
    page.keyboard.press("r")
    settle(page, done)
    assert start_marker(page) == original
    assert readout(page) == (0, 60)
    expect(pick).to_have_attribute("aria-pressed", "false")
    page.locator(tid("pick-start")).click()
    expect(pick).to_have_attribute("aria-pressed", "true")
    page.locator(tid("reset-scene")).click()
    expect(pick).to_have_attribute("aria-pressed", "false")


def test_present_mode_guards_the_explorer_too(page: Page) -> None:
    done = open_explorer(page, "s=quadratic&n=60&present=1")
    expect(page.locator(tid("reset-scene"))).to_be_visible()
    original = start_marker(page)
    box = page.locator(f"{tid('contour')} .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.7 * box["height"])
    page.wait_for_timeout(QUIET_MS)
    assert runs_set(page) == done and start_marker(page) == original


def test_dot_and_comma_step(page: Page) -> None:
    open_explorer(page, "s=quadratic&n=50")
    blur(page)
    page.keyboard.press("Home")
    page.keyboard.press(".")
    page.keyboard.press(".")
    expect(page.locator(tid("readout"))).to_have_text("step 2 / 50")
    page.keyboard.press(",")
    expect(page.locator(tid("readout"))).to_have_text("step 1 / 50")


def test_view_options_stay_in_the_address(page: Page) -> None:
    options = "lang=en&theme=projector&hide=lr&autoplay=0&loop=1&present=1"
    open_explorer(page, f"s=quadratic&n=50&{options}")
    blur(page)
    page.keyboard.press("Home")
    page.keyboard.press(".")
    page.wait_for_function("() => location.search.includes('k=1')", timeout=3000)
    query = query_of(page)
    assert query["s"] == ["quadratic"] and query["k"] == ["1"]
    for key, value in (part.split("=") for part in options.split("&")):
        assert query[key] == [value], (key, query)


def test_hide_parts_of_an_embed(page: Page) -> None:
    open_explorer(page, "s=quadratic&n=50&hide=table,lr,legend", path="/embed")
    expect(page.locator("#summary")).to_be_hidden()
    expect(page.locator(tid("lr"))).to_be_hidden()
    expect(page.locator(tid("loss"))).to_be_visible()
    expect(page.locator(tid("contour-legend"))).to_be_hidden()
    expect(page.locator(".player")).to_be_visible()

    open_explorer(page, "s=quadratic&n=50&hide=side,player", path="/embed")
    for testid in ("loss", "grad-norm", "lr"):
        expect(page.locator(tid(testid))).to_be_hidden()
    expect(page.locator(".player")).to_be_hidden()
    expect(page.locator(tid("contour-legend"))).to_be_visible()
    width = page.locator(tid("contour")).bounding_box()["width"]
    assert width > 0.9 * 1280  # the contour takes the room of the side plots


def test_projector_theme_reads_from_the_back(page: Page) -> None:
    open_explorer(page, "s=quadratic&n=50&theme=projector", path="/embed")
    assert "projector" in page.locator("body").get_attribute("class").split()
    contour = page.evaluate(
        """() => { const el = document.querySelector('[data-testid="contour"]');
                   return {widths: el.data.slice(6).map((t) => t.line.width),
                           axis: [el.layout.xaxis.title.font.size, el.layout.yaxis.title.font.size]}; }"""
    )
    assert min(contour["widths"]) >= 3 and min(contour["axis"]) >= 18, contour
    legend = page.evaluate(
        "() => [document.querySelector('[data-testid=\"contour-legend\"]').layout.legend.font.size,"
        " getComputedStyle(document.querySelector('[data-testid=\"contour-legend\"] .legendtext')).fontSize]"
    )
    assert legend[0] >= 18 and float(legend[1].rstrip("px")) >= 18, legend
    for testid in ("loss", "grad-norm", "lr"):
        title = page.evaluate(f"document.querySelector('[data-testid=\"{testid}\"]').layout.title.font.size")
        assert title >= 18, testid


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_path_colours_contrast_with_the_light_surface(page: Page) -> None:
    open_explorer(page, "s=quadratic&n=10")
    palette, scale = page.evaluate(
        "async () => { const m = await import('/static/js/plots/colors.js'); return [m.PALETTE, m.SURFACE_SCALE]; }"
    )
    light = [colour for stop, colour in scale if stop <= 0.25]  # where minima and most paths lie
    assert len(palette) == 16 and len(light) == 2
    assert contrast("#000000", "#ffffff") == pytest.approx(21)  # the formula itself
    weak = [(c, bg, round(contrast(c, bg), 2)) for c in palette for bg in light if contrast(c, bg) < 3]
    assert not weak, weak


def test_picking_cyclic_starts_from_rates_the_view_can_take(page: Page) -> None:
    """The API's cyclic climbs to 10× each lr; picked in the sidebar it peaks at the view's smallest lr,
    so the default optimizers keep their footing on Rosenbrock and the lr plot shows the triangles."""
    done = open_explorer(page)
    page.locator(tid("schedule")).select_option("cyclic")
    settle(page, done)
    query = query_of(page)
    assert query["sch"] == ["cyclic;base_lr=0.0001;max_lr=0.001"], query
    rates = [trace["y"] for trace in traces(page, "lr")]
    assert rates and all(max(y) == pytest.approx(0.001) and min(y) == pytest.approx(0.0001) for y in rates)
    loss = [trace["y"] for trace in traces(page, "loss")]
    assert all(len(y) == 501 for y in loss), "a run stopped early: it diverged"


def test_2d_views_load_the_cartesian_plotly_and_3d_the_full_one(page: Page) -> None:
    """The 2D view draws with Plotly's cartesian bundle; switching to 3D reopens the view with the full bundle."""
    open_explorer(page)
    bundles = "() => [...document.scripts].map((s) => s.src).filter((src) => src.includes('/vendor/'))"
    assert [src.rsplit("/", 1)[1] for src in page.evaluate(bundles)] == ["plotly-cartesian.min.js"]
    page.locator(tid("toggle-3d")).check()
    page.wait_for_url(re.compile(r"[?&]3d=1"))
    page.wait_for_function("() => window.__runs.set > 0 && document.body.hasAttribute('data-runs')")
    assert [src.rsplit("/", 1)[1] for src in page.evaluate(bundles)] == ["plotly.min.js"]
    kinds = {trace["type"] for trace in traces(page, "contour")}
    assert "surface" in kinds and "scatter3d" in kinds, kinds
