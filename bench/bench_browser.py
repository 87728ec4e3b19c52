"""Browser benchmark of the gdviz explorer page (see bench/README.md, section bench_browser.py).

Run from the repository root:  python bench/bench_browser.py  [--loads 5] [--play-seconds 3]

Starts `python -m gdviz serve --host 127.0.0.1 --port <free port>` as a subprocess (its own
process group, stopped at the end, also on Ctrl-C or an error), drives headless Debian
chromium (/usr/bin/chromium) with Playwright, and measures on loopback:

1. first contour: navigation start → the end of the rendering of the first frame in which
   the contour plot has its surface trace drawn (`.contourlayer .contour` in the SVG of the background figure),
   median of `--loads` loads, each in a fresh browser context (empty HTTP cache), after one
   warm-up load;
2. playback: 8 optimizers × 2 000 steps; once the run has streamed (`body[data-runs]`),
   space starts the player and an in-page requestAnimationFrame counter runs for
   `--play-seconds`: frames per second, frames longer than 50 ms, how often the readout
   (the player's cursor) changed, and whether the "now" markers moved;
3. big stream: 16 optimizers × 100 000 steps, every 50: long tasks (PerformanceObserver
   "longtask", registered by an init script before the page's scripts run), the time the
   stream took in the page against the same stream read by a plain HTTP client, and the
   points drawn.

Plotly's entry points (react, restyle, relayout, extendTraces, …) are wrapped by the init
script to count their calls and time them; long animation frames ("long-animation-frame")
are recorded with their script attribution. These are printed as evidence alongside the
figures. Nothing in the page is changed otherwise.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
VIEWPORT = {"width": 1280, "height": 800}

PLAYBACK_OPTIMIZERS = [
    "sgd;lr=0.001",
    "sgd;lr=0.001;momentum=0.9",
    "adam;lr=0.05",
    "rmsprop;lr=0.01",
    "adagrad;lr=0.5",
    "nadam;lr=0.05",
    "radam;lr=0.05",
    "lion;lr=0.01",
]
PLAYBACK_STEPS = 2000

# 16 first-order optimizers that do not diverge early on rosenbrock from its start
# (the same list as bench_api.py), so that the page really receives 16 × 100 000 / 50 points.
STREAM_OPTIMIZERS = [
    "sgd;lr=0.0001",
    "sgd;lr=0.0001;momentum=0.9",
    "sgd;lr=0.0001;momentum=0.9;nesterov=true",
    "adam;lr=0.001",
    "adam;lr=0.001;amsgrad=true",
    "adamw;lr=0.001",
    "rmsprop;lr=0.001",
    "rmsprop;lr=0.001;momentum=0.5;centered=true",
    "nadam;lr=0.001",
    "radam;lr=0.001",
    "adamax;lr=0.001",
    "adagrad;lr=0.01",
    "adadelta;lr=1.0",
    "lion;lr=0.0001",
    "adam;lr=0.0001",
    "nadam;lr=0.0001",
]
STREAM_STEPS = 100_000
STREAM_EVERY = 50

# Installed in every page before its own scripts run.
INIT_SCRIPT = r"""
(() => {
  const bench = (window.__bench = {
    longtasks: [], loafs: [], contourSeenAt: null, contourAt: null, runsAt: null, plotly: {},
  });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) bench.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch (_) { bench.longtasks = null; }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        bench.loafs.push({
          start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
          render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
          scripts: e.scripts.map((s) => ({
            invoker: s.invoker, fn: s.sourceFunctionName, url: (s.sourceURL || "").split("/").pop(),
            start: s.startTime, duration: s.duration,
          })),
        });
      }
    }).observe({ type: "long-animation-frame", buffered: true });
  } catch (_) { bench.loafs = null; }

  // The first frame in which the contour plot has its surface trace in the SVG (contourSeenAt, at the
  // start of that frame's callbacks), and the end of that frame's rendering (contourAt: a task posted
  // from the frame runs once the frame has been rendered and committed).
  const poll = () => {
    const el = document.querySelector("[data-testid=contour]");
    // The surface is drawn by a background figure beside the hook (the paths figure sits on top).
    if (el && el.parentElement.querySelector(".contourlayer .contour")) {
      bench.contourSeenAt = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { bench.contourAt = performance.now(); };
      channel.port2.postMessage(null);
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);

  // main.js sets body[data-runs] once the streamed run is complete.
  new MutationObserver(() => {
    if (bench.runsAt === null && document.body?.dataset.runs !== undefined) bench.runsAt = performance.now();
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-runs"] });

  // Count and time Plotly's entry points (synchronous part: the drawing happens there).
  let plotly;
  const wrap = (P) => {
    for (const name of ["newPlot", "react", "restyle", "relayout", "update", "extendTraces", "redraw"]) {
      const f = P[name];
      if (typeof f !== "function") continue;
      P[name] = function (...args) {
        const t0 = performance.now();
        try {
          return f.apply(this, args);
        } finally {
          const d = performance.now() - t0;
          const s = (bench.plotly[name] ??= { calls: 0, total: 0, max: 0, over16: 0 });
          s.calls += 1;
          s.total += d;
          s.max = Math.max(s.max, d);
          if (d > 16) s.over16 += 1;
        }
      };
    }
  };
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: () => plotly,
    set: (value) => { plotly = value; if (value) wrap(value); },
  });
})();
"""

# Starts a requestAnimationFrame recorder; window.__recording resolves after `ms` from its first frame.
RECORDER = r"""
(ms) => {
  const readout = document.querySelector("[data-testid=readout]");
  const contour = document.querySelector("[data-testid=contour]");
  const now = (figure) => figure.layout.shapes.slice(1); // the current points (shapes[0] is the start)
  const rec = { times: [], readouts: [], changes: 0 };
  window.__bench.plotly = {};
  window.__bench.loafs = [];
  let last = readout.textContent;
  window.__recording = new Promise((resolve) => {
    const frame = (t) => {
      rec.times.push(t);
      const text = readout.textContent;
      if (text !== last) { rec.changes += 1; last = text; }
      rec.readouts.push(text);
      if (t - rec.times[0] < ms) requestAnimationFrame(frame);
      else resolve({
        times: rec.times, changes: rec.changes, first: rec.readouts[0], last: text,
        markers: [now(contour).map((p) => p.xanchor), now(contour).map((p) => p.yanchor)],
        plotly: window.__bench.plotly, loafs: window.__bench.loafs,
      });
    };
    requestAnimationFrame(frame);
  });
}
"""

# contour.js's traces: surface, minima, saddles, start, "now" markers (4), diverged markers, then one per run.
PAGE_STATE = r"""
() => {
  const el = document.querySelector("[data-testid=contour]");
  const now = (figure) => figure.layout.shapes.slice(1); // the current points (shapes[0] is the start)
  const loss = document.querySelector("[data-testid=loss]");
  const entries = performance.getEntriesByType("resource").map((e) => ({
    name: e.name, start: e.startTime, responseStart: e.responseStart, end: e.responseEnd,
  }));
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    bench: window.__bench,
    readout: document.querySelector("[data-testid=readout]").textContent,
    markers: el.layout ? [now(el).map((p) => p.xanchor), now(el).map((p) => p.yanchor)] : null,
    contourPoints: (el.data ?? []).slice(6).map((t) => t.x.length),
    lossPoints: (loss.data ?? []).map((t) => t.x.length),
    statuses: [...document.querySelectorAll("[data-testid=summary] tbody tr")].map(
      (tr) => [tr.children[1].textContent, tr.children[2].textContent, tr.children[3].textContent]),
    message: document.getElementById("message").hidden ? "" : document.getElementById("message").textContent,
    nav: nav && { responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd,
                  load: nav.loadEventEnd },
    resources: entries,
  };
}
"""


# ---------------------------------------------------------------------------- the server


# The server's lifecycle is bench_api's: the same process group handling, log and readiness wait.
from bench_api import Server, load_average, running_server  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.browser import chromium  # noqa: E402  (launched as the browser tests launch it)


def page_url(server: Server, optimizers: list[str], steps: int, every: int = 1) -> str:
    query: list[tuple[str, object]] = [("n", steps)]
    if every != 1:
        query.append(("every", every))
    query += [("o", o) for o in optimizers]
    return f"{server.base}/?{urlencode(query, doseq=True)}"


def stream_body(optimizers: list[str], steps: int, every: int) -> dict:
    """The body main.js posts for such a URL (state.js runBody with the defaults)."""
    parsed = []
    for entry in optimizers:
        name, *fields = entry.split(";")
        params = {}
        for field in fields:
            key, raw = field.split("=")
            params[key] = raw == "true" if raw in ("true", "false") else float(raw)
        parsed.append({"name": name, "params": params})
    return {
        "surface": {"name": "rosenbrock", "params": {}},
        "steps": steps,
        "every": every,
        "tol": 0,
        "optimizers": parsed,
        "schedule": {"name": "constant"},
    }


def fetch_stream(server: Server, body: dict) -> tuple[float, list[int]]:
    """Seconds to read the whole NDJSON stream with a plain HTTP client, and the points per run."""
    request = urllib.request.Request(
        f"{server.base}/api/run/stream",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    started = time.perf_counter()
    points = [0] * len(body["optimizers"])
    with urllib.request.urlopen(request, timeout=180) as response:
        for line in response:
            record = json.loads(line)
            if record["type"] == "chunk":
                points[record["run"]] += len(record["x"])
    return time.perf_counter() - started, points


def new_page(browser: Browser, errors: list[str]) -> Page:
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def close(page: Page) -> None:
    page.context.close()


def resource(state: dict, fragment: str) -> dict | None:
    found = [r for r in state["resources"] if fragment in r["name"]]
    return found[-1] if found else None


def print_trace(plotly: dict, loafs: list[dict] | None, message: str | None, when: str) -> None:
    """Plotly's calls, the longest animation frames and the page's message, over `when`."""
    print(f"  Plotly calls {when}:")
    for line in plotly_lines(plotly):
        print(line)
    if loafs:
        print(f"  long animation frames (> 50 ms) {when}: {len(loafs)}; the longest:")
        for line in loaf_lines(loafs):
            print(line)
    if message:
        print(f"  page message: {message!r}")


def plotly_lines(stats: dict, indent: str = "    ") -> list[str]:
    lines = []
    for name, s in sorted(stats.items(), key=lambda kv: -kv[1]["total"]):
        mean = s["total"] / s["calls"] if s["calls"] else 0.0
        lines.append(
            f"{indent}Plotly.{name:<13} {s['calls']:6d} calls, total {s['total']:8.0f} ms, "
            f"mean {mean:6.1f} ms, max {s['max']:6.0f} ms, > 16 ms: {s['over16']}"
        )
    return lines


def loaf_lines(loafs: list[dict] | None, top: int = 3, indent: str = "    ") -> list[str]:
    """The longest animation frames with the scripts that ran in them."""
    if not loafs:
        return []
    lines = []
    for frame in sorted(loafs, key=lambda f: -f["duration"])[:top]:
        scripts = ", ".join(
            f"{s['invoker'] or '?'} [{s['fn'] or 'anonymous'} in {s['url'] or '?'}] {s['duration']:.0f} ms"
            for s in sorted(frame["scripts"], key=lambda s: -s["duration"])[:3]
        )
        lines.append(
            f"{indent}{frame['duration']:5.0f} ms frame at {frame['start'] / 1000:6.2f} s "
            f"(render {frame['render']:.0f} ms): {scripts or 'no script attribution'}"
        )
    return lines


# ---------------------------------------------------------------------------- measurements


def load_once(page: Page, url: str) -> dict:
    """Navigate and wait until the frame that first shows the contour has been rendered."""
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__bench && window.__bench.contourAt !== null", timeout=30_000)
    return page.evaluate(PAGE_STATE)


def milestones(state: dict) -> dict[str, float]:
    """Times since navigation start: responses, Plotly's evaluation, the contour in the DOM and rendered."""
    marks = {"document": state["nav"]["responseEnd"]} if state["nav"] else {}
    for label, fragment, key in (
        ("plotly", "/static/vendor/plotly", "end"),
        ("main.js", "/static/js/main.js", "end"),
        ("modules requested", "/static/js/api.js", "start"),
        ("catalog requested", "/api/schedules", "start"),
        ("catalog", "/api/surfaces", "end"),
        ("grid requested", "/api/grid", "start"),
        ("grid", "/api/grid", "end"),
        ("stream first byte", "/api/run/stream", "responseStart"),
    ):
        entry = resource(state, fragment)
        if entry:
            marks[label] = entry[key]
    for frame in state["bench"]["loafs"] or []:
        for script in frame["scripts"]:
            if script["url"].startswith("plotly") and script["duration"] > 50:
                marks["plotly evaluated"] = script["start"] + script["duration"]
    marks["contour in the DOM"] = state["bench"]["contourSeenAt"]
    marks["contour rendered"] = state["bench"]["contourAt"]
    return marks


def first_contour(browser: Browser, server: Server, loads: int, errors: list[str]) -> float:
    print(f"\n== 1. first contour after navigation ({loads} loads, fresh context each, after one warm-up)")
    url = f"{server.base}/"
    times = []
    phases: dict[str, list[float]] = {}
    for i in range(loads + 1):
        page = new_page(browser, errors)
        try:
            state = load_once(page, url)
        finally:
            close(page)
        at = state["bench"]["contourAt"]
        seen = state["bench"]["contourSeenAt"]
        if i == 0:
            print(f"  warm-up: {at:.0f} ms")
            continue
        times.append(at)
        for label, value in milestones(state).items():
            phases.setdefault(label, []).append(value)
        print(f"  load {i}: {at:.0f} ms (contour in the DOM at the start of a frame at {seen:.0f} ms)")
    median = statistics.median(times)
    print(f"  median {median:.0f} ms, min {min(times):.0f}, max {max(times):.0f}")
    print("  median milestones since navigation start (resources: response end unless named):")
    for label, values in sorted(phases.items(), key=lambda kv: statistics.median(kv[1])):
        print(f"    {label:<24} {statistics.median(values):6.0f} ms")

    # For comparison: one context, so the HTTP cache (plotly.min.js has max-age) and V8's code cache are warm.
    page = new_page(browser, errors)
    try:
        warm = [load_once(page, url)["bench"]["contourAt"] for _ in range(4)][1:]
    finally:
        close(page)
    print(
        "  for comparison, repeat visits in one context (warm HTTP and code cache): "
        f"median {statistics.median(warm):.0f} ms"
    )
    return median


def playback(browser: Browser, server: Server, seconds: float, errors: list[str]) -> dict:
    print(f"\n== 2. playback: {len(PLAYBACK_OPTIMIZERS)} optimizers × {PLAYBACK_STEPS} steps, {seconds:g} s")
    page = new_page(browser, errors)
    try:
        started = time.perf_counter()
        page.goto(page_url(server, PLAYBACK_OPTIMIZERS, PLAYBACK_STEPS))
        page.wait_for_selector("body[data-runs]", state="attached", timeout=60_000)
        print(f"  run streamed and drawn in {time.perf_counter() - started:.1f} s (since goto)")
        page.wait_for_timeout(500)  # let the last flushes settle
        before = page.evaluate(PAGE_STATE)
        page.evaluate(RECORDER, seconds * 1000)
        page.keyboard.press("Space")
        rec = page.evaluate("window.__recording")
        after = page.evaluate(PAGE_STATE)
    finally:
        close(page)
    t = rec["times"]
    deltas = [b - a for a, b in itertools.pairwise(t)]
    span = (t[-1] - t[0]) / 1000 if len(t) > 1 else float("nan")
    fps = len(deltas) / span if span else float("nan")
    long_frames = sum(d > 50 for d in deltas)
    moved = before["markers"] != rec["markers"]
    result = {
        "fps": fps,
        "long_frames": long_frames,
        "frames": len(deltas),
        "moved": moved,
        "cursor_changes": rec["changes"],
    }
    print(f"  readout before: {before['readout']!r}; first frame {rec['first']!r}; after {rec['last']!r}")
    print(f"  animation frames: {len(deltas)} in {span:.2f} s = {fps:.1f} fps")
    if deltas:
        ordered = sorted(deltas)
        print(
            f"  frame interval: median {statistics.median(deltas):.1f} ms, "
            f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms, max {ordered[-1]:.0f} ms; "
            f"> 50 ms: {long_frames}"
        )
    print(f"  cursor advances (readout changes): {rec['changes']} = {rec['changes'] / span:.1f} per second")
    print(f"  'now' markers moved: {'yes' if moved else 'NO'}")
    print_trace(rec["plotly"], rec["loafs"], after["message"], "during the recording")
    return result


def big_stream(browser: Browser, server: Server, timeout: float, errors: list[str]) -> dict:
    n = len(STREAM_OPTIMIZERS)
    print(f"\n== 3. stream: {n} optimizers × {STREAM_STEPS} steps, every {STREAM_EVERY}")
    body = stream_body(STREAM_OPTIMIZERS, STREAM_STEPS, STREAM_EVERY)
    http_seconds, expected = fetch_stream(server, body)
    print(f"  plain HTTP client: whole stream in {http_seconds:.1f} s, {sum(expected)} points")
    page = new_page(browser, errors)
    try:
        page.goto(page_url(server, STREAM_OPTIMIZERS, STREAM_STEPS, STREAM_EVERY))
        page.wait_for_selector("body[data-runs]", state="attached", timeout=timeout * 1000)
        page.wait_for_timeout(300)  # the last frame's flush
        state = page.evaluate(PAGE_STATE)
    finally:
        close(page)
    bench = state["bench"]
    stream = resource(state, "/api/run/stream")
    tasks = bench["longtasks"] or []
    # The stream's window: from the request until body[data-runs]; the page load's own tasks
    # (Plotly's evaluation) come before it and are printed apart.
    in_stream = [x for x in tasks if stream and x["start"] + x["duration"] > stream["start"]]
    before = [x for x in tasks if x not in in_stream]
    longest = max((x["duration"] for x in in_stream), default=0.0)
    over = sum(x["duration"] > 200 for x in in_stream)
    total = (bench["runsAt"] - stream["start"]) / 1000 if stream else float("nan")
    drawn = sum(state["contourPoints"])
    result = {"longest": longest, "over200": over, "total": total, "tasks": len(in_stream), "drawn": drawn}
    if bench["longtasks"] is None:
        print("  warning: this chromium does not report long tasks")
    busy = sum(x["duration"] for x in in_stream)
    print(
        f"  long tasks during the stream: {len(in_stream)}, {busy:.0f} ms in all "
        f"({100 * busy / 1000 / total:.0f}% of the stream's time), longest {longest:.0f} ms, > 200 ms: {over}"
    )
    if in_stream:
        ordered = sorted(x["duration"] for x in in_stream)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print(f"  their durations: median {statistics.median(ordered):.0f} ms, p90 {p90:.0f} ms")
    if before:
        print(
            f"  before the stream (page load): {len(before)} long tasks, longest "
            f"{max(x['duration'] for x in before):.0f} ms (not counted above)"
        )
    if stream:
        print(
            f"  stream: request at {stream['start'] / 1000:.2f} s, first byte {stream['responseStart'] / 1000:.2f} s, "
            f"last byte {stream['end'] / 1000:.2f} s, body[data-runs] at {bench['runsAt'] / 1000:.2f} s "
            f"(since navigation start) → total {total:.1f} s; plain HTTP client {http_seconds:.1f} s"
        )
    print(
        f"  points drawn: contour {drawn} (expected {sum(expected)}), loss plot {sum(state['lossPoints'])}; "
        f"per run {state['contourPoints']}"
    )
    if state["contourPoints"] != expected:
        print(f"  warning: points per run differ from the stream's: expected {expected}")
    statuses = {s for _, s, _ in state["statuses"]}
    print(f"  runs: {len(state['statuses'])}, statuses {sorted(statuses)}")
    print_trace(bench["plotly"], bench["loafs"], state["message"], "over the page's life")
    return result


# In /present: a key press at t0 (recorded in the page before the deck's own handler runs), and the
# frame after body[data-shown] names the new scene (set once that scene's frame has drawn its run).
SWITCH_PROBE = r"""
window.__switch = { pressedAt: null, shownAt: null, shown: null };
window.addEventListener("keydown", () => { window.__switch.pressedAt = performance.now(); }, true);
new MutationObserver(() => {
  const shown = document.body?.dataset.shown;
  if (shown === undefined || shown === window.__switch.shown) return;
  window.__switch.shown = shown;
  requestAnimationFrame(() => setTimeout(() => { window.__switch.shownAt = performance.now(); }));
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-shown"] });
"""


def scene_switch(browser: Browser, server: Server, dwell: float, errors: list[str]) -> dict:
    """Key press → the next scene's plots drawn, through the built-in deck in /present (1280×720).
    `dwell` seconds on each scene first, as a lecturer would talk; also the cold jumps (End, Home)."""
    deck = json.load(urllib.request.urlopen(f"{server.base}/api/decks/course"))
    count = len(deck["scenes"])
    print(f"\n== 4. scene switch in /present?deck=course&lang=zh ({count} scenes, {dwell:.1f} s on each)")
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_init_script(SWITCH_PROBE)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    def press(key: str, expected: int) -> float:
        page.evaluate("window.__switch.shownAt = null")
        page.keyboard.press(key)
        page.wait_for_function(
            "i => document.body.dataset.shown === String(i) && window.__switch.shownAt !== null",
            arg=expected,
            timeout=60_000,
        )
        return page.evaluate("window.__switch.shownAt - window.__switch.pressedAt")

    try:
        page.goto(f"{server.base}/present?deck=course&lang=zh#1")
        page.wait_for_function("() => document.body.dataset.shown === '1'", timeout=60_000)
        times = []
        for i in range(2, count + 1):
            page.wait_for_timeout(dwell * 1000)
            times.append(press("ArrowRight", i))
        cold = [press("Home", 1), press("End", count)]
    finally:
        context.close()
    median = statistics.median(times)
    ordered = sorted(times)
    print(
        f"  next scene: median {median:.0f} ms, p90 {ordered[int(0.9 * (len(ordered) - 1))]:.0f} ms, "
        f"max {max(times):.0f} ms over {len(times)} switches"
    )
    print(f"  cold jumps (not preloaded): Home {cold[0]:.0f} ms, End {cold[1]:.0f} ms")
    return {"median": median, "max": max(times), "cold": cold}


def offline_deck_size(browser: Browser, server: Server, errors: list[str]) -> float:
    """The built-in deck as one offline HTML file, built in the page as the Decks page does: MB."""
    print("\n== 5. the built-in deck as one offline file")
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{server.base}/decks?lang=zh")
        started = time.perf_counter()
        with page.expect_download(timeout=300_000) as download:
            page.evaluate(
                """async () => {
                  const deck = await (await fetch("/api/decks/course")).json();
                  const { downloadOffline } = await import("/static/js/offline/build.js");
                  await downloadOffline({ title: deck.title.zh, scenes: deck.scenes, lang: "zh",
                                          filename: "course.html" });
                }"""
            )
        path = download.value.path()
        size = Path(path).stat().st_size / 1e6
    finally:
        context.close()
    print(f"  {size:.2f} MB, built in {time.perf_counter() - started:.1f} s")
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=5, help="page loads for the first-contour median")
    parser.add_argument("--play-seconds", type=float, default=3.0, help="length of the playback recording")
    parser.add_argument("--stream-timeout", type=float, default=120.0, help="seconds to wait for the big stream")
    parser.add_argument("--dwell", type=float, default=1.5, help="seconds on each scene before the next, in /present")
    parser.add_argument(
        "--only",
        choices=["contour", "playback", "stream", "present", "offline"],
        action="append",
        help="run only these parts (repeatable); default: all",
    )
    args = parser.parse_args()

    errors: list[str] = []
    started = time.perf_counter()
    with running_server(workers=1) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium.executable(), args=chromium.ARGS, headless=True)
        try:
            print(
                f"chromium {browser.version}, viewport {VIEWPORT['width']}×{VIEWPORT['height']}, "
                f"{os.cpu_count()} cores, {load_average()}"
            )
            parts = set(args.only or ["contour", "playback", "stream", "present", "offline"])
            contour_ms = first_contour(browser, server, args.loads, errors) if "contour" in parts else None
            play = playback(browser, server, args.play_seconds, errors) if "playback" in parts else None
            stream = big_stream(browser, server, args.stream_timeout, errors) if "stream" in parts else None
            switch = scene_switch(browser, server, args.dwell, errors) if "present" in parts else None
            deck_mb = offline_deck_size(browser, server, errors) if "offline" in parts else None
        finally:
            browser.close()
    if errors:
        print(f"\npage errors ({len(errors)}):")
        for error in errors[:10]:
            print(f"  {error}")
    print(f"\n== summary ({time.perf_counter() - started:.0f} s, {load_average()})")
    if contour_ms is not None:
        print(f"first contour: median {contour_ms:.0f} ms (target ≤ 1000)")
    if play:
        print(
            f"playback 8 opt x 2000: {play['fps']:.1f} fps, long frames {play['long_frames']} (target ≥ 30 fps)"
            f"{'' if play['moved'] else ' — markers did NOT move'}"
        )
    if stream:
        print(
            f"stream 16 opt x 100000 (every 50): longest task {stream['longest']:.0f} ms, tasks > 200 ms: "
            f"{stream['over200']}, total {stream['total']:.1f} s (target: none > 200 ms)"
        )
    if switch:
        print(f"scene switch in /present: median {switch['median']:.0f} ms (target ≤ 300), max {switch['max']:.0f} ms")
    if deck_mb is not None:
        print(f"offline course deck: {deck_mb:.2f} MB (target ≤ 12)")


if __name__ == "__main__":
    main()
