// Wires the Sweep view: catalog → store → sidebar and maps; every change of the store asks new sweeps (one per
// optimizer, the ones before cancelled), a drag-zoom narrows the axes of every map, a click opens the cell's run
// in the explorer. Beside an SGD lr × momentum map stands the analytic rate map of the surface's curvature.
import * as api from "../api.js";
import { debounce, h } from "../dom.js";
import { lang, t, withLang } from "../i18n.js";
import { createCellMap } from "../plots/cellmap.js";
import { whenDrawn } from "../plots/frame.js";
import { drawRateMap } from "../plots/ratemap.js";
import { plotTheme } from "../plots/theme.js";
import { $, plotlyReady, say, urlSync, viewOptions } from "../page.js";
import { wireMapPage } from "../mappage.js";
import { createStore } from "../state.js";
import { cellTraces, describeCell, sharedScale } from "./cells.js";
import { createSweepControls, paramTitle } from "./controls.js";
import { paintKey } from "./key.js";
import { createMapLayout } from "./layout.js";
import { mapTitles } from "./names.js";
import { contourTrace, minimaOf, minimaTrace } from "./overlays.js";
import { DEFAULTS, decode, encode, explorerQuery, refusal, sanitize, surfaceRef, sweepBodies } from "./state.js";

const KEPT = 12; // answers kept for "back" and "reset", newest last
// A busy server (503: its queue of heavy work is full, e.g. while a lecture's neighbouring scenes load) is asked again
// after a pause, this many times, before the page gives up and shows the refusal.
const BUSY_TRIES = 12;
const BUSY_PAUSE_MS = 1500;
const GRID_N = 80; // the contour lines under a basin map
const count = (n) => n.toLocaleString(lang === "zh" ? "zh-CN" : "en");
const seconds = (ms) => (ms / 1000).toFixed(1);

async function validateExpression(expression) {
  try {
    await api.grid({ expression }, 2);
    return null;
  } catch (error) {
    const detail = error.messages?.map((m) => m.replace(/^surface\.expression: /, "")).join("; ") ?? String(error);
    return t("explorer.formula_error", { detail });
  }
}

// A zoomed bound, to as many digits as keep the two ends apart.
function zoomedRange([lo, hi], log) {
  const span = log ? hi / lo - 1 : (hi - lo) / Math.max(Math.abs(lo), Math.abs(hi), 1e-300);
  const digits = Math.min(15, Math.max(6, Math.ceil(-Math.log10(span)) + 4));
  return [Number(lo.toPrecision(digits)), Number(hi.toPrecision(digits))];
}

async function main() {
  const [catalog] = await Promise.all([api.catalog(), plotlyReady]);
  const limits = JSON.parse($("map-box").dataset.limits);
  const read = (query) => sanitize(decode(query), catalog);
  const store = createStore(read(location.search));
  const original = store.get(); // the view as the address gave it: an embed's reset
  const surfaceInfo = (s) => catalog.surfaces.find((x) => x.name === s.surface) ?? null;
  const domainOf = (s) => surfaceInfo(s)?.domain ?? s.domain ?? { x: [-3, 3], y: [-3, 3] };
  const startOf = (s) => s.start ?? surfaceInfo(s)?.start ?? [-2, 2];
  const controls = $("controls")
    ? createSweepControls($("controls"), { store, catalog, validateExpression, domainOf })
    : null;
  const zooms = []; // the axes before each zoom, newest last
  const answers = new Map(); // request JSON -> {results, grid, rates}
  let shown = null; // {state, answer}
  let asked = null;
  let controller = null;
  let drawn = 0;
  let figures = []; // [{map, element, caption}] one per optimizer
  let analytic = null; // {element, caption}
  const layout = createMapLayout({ box: $("maps"), mapBox: $("map-box"), stage: document.querySelector(".sw-stage"),
    side: document.querySelector(".sw-side") });
  const arrange = (state) => layout.arrange(figures, { beside: Boolean(analytic), equal: basins(state),
    range: { x: state.x.range, y: state.y.range } });

  // ── Figures: one per optimizer, then the analytic map when it applies ──
  function layoutFigures(n, withRates) {
    if (figures.length === n && Boolean(analytic) === withRates) return;
    const box = $("maps");
    box.replaceChildren();
    layout.clear();
    figures = Array.from({ length: n }, (_, index) => {
      const element = h("div", { class: "plot", "data-testid": `sw-map-${index}` });
      const caption = h("figcaption", { "data-testid": `sw-caption-${index}` });
      box.append(h("figure", { class: "sw-figure" }, caption, h("div", { class: "fill" }, element)));
      const map = createCellMap(element, { onZoom: zoom, onPick: (cell) => openCell(index, cell) });
      return { map, element, caption };
    });
    analytic = null;
    if (withRates) {
      const element = h("div", { class: "plot", "data-testid": "sw-rates" });
      const caption = h("figcaption", { "data-testid": "sw-rates-caption" });
      box.append(h("figure", { class: "sw-figure analytic" }, caption, h("div", { class: "fill" }, element)));
      analytic = { element, caption };
    }
    box.style.setProperty("--maps", String(n + (withRates ? 1 : 0)));
  }

  // The SGD entry whose analytic map stands beside the maps: on lr (x) × momentum (y) only.
  const rateEntry = (s) => (s.x.param === "lr" && s.y.param === "momentum" ? s.optimizers.find((o) => o.name === "sgd")
    : undefined);
  const basins = (s) => s.x.param === "start.x" && s.y.param === "start.y";
  // The analytic map is of the curvature at the surface's first minimum (as the sweep's answer resolves it), else
  // at the start.
  const minimumOf = (results) => results[0].surface?.minima[0] ?? null;

  function ratesBody(s, entry, minimum) {
    const point = minimum ? [minimum.x, minimum.y] : startOf(s);
    return { surface: surfaceRef(s), point, nesterov: Boolean(entry.params.nesterov),
      lr: { range: s.x.range, n: Math.min(s.x.n, 400), log: s.x.log },
      momentum: { range: [s.y.range[0], Math.min(s.y.range[1], 0.9999)], n: Math.min(s.y.n, 400) } };
  }

  function statusText(state, answer) {
    const diverged = answer.results.reduce((sum, r) => sum + r.status.flat().filter((x) => x === "diverged").length, 0);
    const elapsed = answer.results.reduce((sum, r) => sum + r.elapsed_ms, 0); // the maps are computed in turn
    return t("sweep.status.done", { maps: answer.results.length, cells: count(state.x.n * state.y.n), nx: state.x.n,
      ny: state.y.n, steps: count(state.steps), diverged: count(diverged), seconds: seconds(elapsed) });
  }

  // The figures of a state, before its answers: empty axes under the spinner. Drawing them while the server computes
  // also spares the answer's draw Plotly's first-figure costs.
  function prepareFigures(state) {
    const fresh = figures.length !== state.optimizers.length || Boolean(analytic) !== Boolean(rateEntry(state));
    layoutFigures(state.optimizers.length, Boolean(rateEntry(state)));
    arrange(state);
    if (!fresh) return;
    const axes = [state.x, state.y].map((a) => ({ values: a.range, title: paramTitle(a.param), log: a.log }));
    const [xs, ys] = axes.map((a) => a.values);
    const empty = { type: "heatmap", x: xs, y: ys, z: [[null, null], [null, null]], showscale: false,
      hoverinfo: "skip" };
    figures.forEach((figure, index) => {
      figure.caption.textContent = mapTitles(state, catalog.optimizers)[index];
      figure.map.show({ axes, traces: [empty], equal: basins(state), shareY: layout.sharesY(index),
        layout: layout.edges(index) });
    });
  }

  async function show(state, answer) {
    const started = performance.now();
    shown = { state, answer };
    const { results, grid, rates } = answer;
    layoutFigures(results.length, Boolean(rates));
    arrange(state);
    const scale = sharedScale(results, state.steps);
    const names = mapTitles(state, catalog.optimizers);
    const minima = minimaOf(results);
    results.forEach((result, index) => {
      const axes = result.axes.map((a, k) => ({ values: a.values, title: paramTitle(a.param),
        log: [state.x, state.y][k].log }));
      const traces = cellTraces(result, axes, state.color, scale);
      // Maps side by side share one scale: its colour bar stands once, beside the last of them.
      if (index < results.length - 1) traces[0].showscale = false;
      if (basins(state) && grid) traces.push(contourTrace(grid));
      if (basins(state)) traces.push(minimaTrace(minima, axes, plotTheme().font, state.color === "basin"));
      figures[index].caption.textContent = names[index];
      figures[index].map.show({ axes, traces, equal: basins(state), shareY: layout.sharesY(index),
        layout: layout.edges(index), describe: (i, j) => describeCell(result, axes, i, j) });
    });
    if (rates) {
      const where = t(minimumOf(results) ? "sweep.analytic.at_minimum" : "sweep.analytic.at_start");
      analytic.caption.textContent = t("sweep.analytic.title", { where });
      analytic.caption.title = t("sweep.analytic.pick_hint");
      const index = state.optimizers.indexOf(rateEntry(state));
      drawRateMap(analytic.element, rates, { onPick: (lr, momentum) => openCell(index, { x: lr, y: momentum }) });
    }
    paintKey($("key"), state.color, minima, scale.loss.log);
    $("status").textContent = statusText(state, answer);
    $("zoom-back").disabled = !zooms.length;
    await whenDrawn();
    await layout.fit(); // maps side by side: sized from the margins they were drawn with
    // How long the maps took to draw after their answers arrived (README, "Sweeps": a figure to keep an eye on).
    document.body.dataset.drawMs = String(Math.round(performance.now() - started));
    document.body.dataset.sweeps = String(++drawn);
  }

  function setBusy(on) {
    document.body.classList.toggle("busy", on);
    $("busy").hidden = !on;
  }

  // Waits `ms`, or rejects as an abort when `signal` aborts first.
  const pause = (ms, signal) => new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
  });

  // A sweep, asked again while the server answers that it is busy; `onBusy(on)` says when the page is waiting.
  async function sweepPatiently(body, signal, onBusy) {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await api.sweep(body, signal);
        onBusy(false);
        return answer;
      } catch (error) {
        if (error.status !== 503 || attempt >= BUSY_TRIES) throw error;
        onBusy(true);
        await pause(BUSY_PAUSE_MS, signal);
      }
    }
  }

  async function fetchAnswer(state, signal, onBusy) {
    const bodies = sweepBodies(state);
    const entry = rateEntry(state);
    const domain = { x: state.x.range, y: state.y.range };
    // One map after the other: the server admits a few heavy computations at a time, and three at once from one
    // reader would crowd out the rest of the room.
    const grid = basins(state) ? await api.gridOver(surfaceRef(state), domain, GRID_N, signal).catch((error) => {
      if (error.name === "AbortError") throw error;
      return null;
    }) : null;
    const results = [];
    for (const body of bodies) results.push(await sweepPatiently(body, signal, onBusy));
    // A surface with no positive curvature at the point has no analytic map: the sweeps stand alone.
    const rates = entry ? await api.analyzeMomentum(ratesBody(state, entry, minimumOf(results)), signal)
      .catch((error) => {
        if (error.name === "AbortError") throw error;
        return null;
      }) : null;
    return { results, grid, rates };
  }

  async function run() {
    const state = store.get();
    const problem = refusal(state, limits);
    const key = JSON.stringify([sweepBodies(state), state.color]);
    if (!problem && key === asked) return;
    controller?.abort();
    controller = null;
    setBusy(false);
    if (problem) {
      asked = null;
      const [message, params] = problem;
      return say(t(message, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, count(v)]))), "error");
    }
    asked = key;
    say("");
    const sweepKey = JSON.stringify(sweepBodies(state));
    if (answers.has(sweepKey)) return show(state, answers.get(sweepKey));
    const mine = (controller = new AbortController());
    const started = performance.now();
    let waiting = false; // the server said it is busy: the page asks again in a moment
    const running = () => $("status").textContent = t(waiting ? "sweep.status.busy" : "sweep.status.running", {
      maps: state.optimizers.length,
      cells: count(state.x.n * state.y.n), nx: state.x.n, ny: state.y.n, steps: count(state.steps),
      seconds: seconds(performance.now() - started) });
    running();
    const timer = setInterval(running, 100);
    setBusy(true);
    if (!shown) prepareFigures(state);
    try {
      const answer = await fetchAnswer(state, mine.signal, (on) => (waiting = on));
      answers.set(sweepKey, answer);
      if (answers.size > KEPT) answers.delete(answers.keys().next().value);
      if (controller !== mine) return;
      clearInterval(timer);
      setBusy(false);
      await show(state, answer);
    } catch (error) {
      if (error.name === "AbortError") return;
      if (controller === mine) {
        asked = null;
        say(error.message, "error");
        $("status").textContent = shown ? statusText(shown.state, shown.answer) : "";
      }
    } finally {
      clearInterval(timer);
      if (controller === mine) {
        controller = null;
        setBusy(false);
      }
    }
  }

  function cancel() {
    controller?.abort();
    controller = null;
    asked = null;
    setBusy(false);
    $("status").textContent = t("sweep.status.cancelled");
  }

  // ── Zoom: a box on any map narrows the axes of all; back and reset walk the stack of earlier axes ──
  function zoom({ x, y }) {
    const state = store.get();
    zooms.push({ x: state.x, y: state.y });
    store.set({
      x: x ? { ...state.x, range: zoomedRange(x, state.x.log) } : state.x,
      y: y ? { ...state.y, range: zoomedRange(y, state.y.log) } : state.y,
    });
  }

  function back() {
    if (zooms.length) store.set(zooms.pop());
  }

  function resetZoom() {
    const first = zooms[0];
    zooms.length = 0;
    const same = (a, b) => a.param === b.param;
    const s = store.get();
    store.set(first ?? { x: same(s.x, DEFAULTS.x) ? { ...s.x, range: [...DEFAULTS.x.range] } : s.x,
      y: same(s.y, DEFAULTS.y) ? { ...s.y, range: [...DEFAULTS.y.range] } : s.y });
  }

  function openCell(index, { x, y }) {
    if (!shown || index < 0) return;
    const state = shown.state;
    const meta = catalog.optimizers.find((o) => o.name === state.optimizers[index].name);
    const defaultBetas = meta.params.find((p) => p.name === "betas")?.default;
    const query = new URLSearchParams(withLang(explorerQuery(state, index, x, y, { surfaceStart: startOf(state),
      defaultBetas })));
    const theme = new URLSearchParams(viewOptions()).get("theme");
    if (theme) query.set("theme", theme);
    window.open(`/?${query}`, "_blank", "noopener");
  }

  const again = debounce(run, 300);
  const syncURL = urlSync(encode);
  store.subscribe((state, patch) => {
    syncURL(state);
    if ("x" in patch || "y" in patch) controls?.renderAll();
    $("zoom-back").disabled = !zooms.length;
    again();
  });

  wireMapPage({ store, original, encode, read, run, room: "sweep", embedPath: "/sweep/embed", back,
    resetZoom, cancel });
}

main().catch((error) => say(t("sweep.failed", { reason: error.message }), "error"));
