// Wires the Trainability view: catalog → store → sidebar and map; every change of the store asks a new
// sweep (the one before is cancelled), a drag-zoom narrows the axes, a click opens the cell on /network.
import * as api from "../api.js";
import { debounce } from "../dom.js";
import { lang, t, withLang } from "../i18n.js";
import { whenDrawn } from "../plots/frame.js";
import { $, plotlyReady, say, urlSync, viewOptions } from "../page.js";
import { wireMapPage } from "../mappage.js";
import { createStore } from "../state.js";
import { createTrainabilityControls, paramTitle } from "./controls.js";
import { createMap, paintKey } from "./map.js";
import { DEFAULTS, START_RANGES, decode, encode, networkQuery, refusal, sanitize, sweepBody, upperBound } from "./state.js";

const KEPT_MAPS = 12; // answers kept for "back" and "reset", newest last
const count = (n) => n.toLocaleString(lang === "zh" ? "zh-CN" : "en");
const seconds = (ms) => (ms / 1000).toFixed(1);

// A zoomed bound, to as many digits as keep the two ends apart (deep zooms need more than six).
function zoomedRange([lo, hi], param) {
  const digits = Math.min(15, Math.max(6, Math.ceil(-Math.log10(hi / lo - 1)) + 4));
  const round = (v) => Number(v.toPrecision(digits));
  return [Math.max(round(lo), Number.MIN_VALUE), Math.min(round(hi), upperBound(param))];
}

async function main() {
  const [catalog, datasets] = await Promise.all([api.catalog(), api.datasets(), plotlyReady]);
  const limits = JSON.parse($("map-box").dataset.limits);
  const read = (query) => sanitize(decode(query), { optimizers: catalog.optimizers, datasets });
  const store = createStore(read(location.search));
  const original = store.get(); // the view as the address gave it: an embed's reset
  const controls = $("controls") ? createTrainabilityControls($("controls"), { store, catalog, datasets }) : null;
  const zooms = []; // the axes before each zoom, newest last
  const answers = new Map(); // request JSON -> answer
  let shown = null; // {state, result}: the map on screen and the state it was asked for
  let asked = null; // the request JSON of the latest sweep asked for
  let controller = null;
  let drawn = 0;

  const map = createMap($("map"), { onZoom: zoom, onPick: openCell });
  paintKey(document.querySelector(".tm-swatch-loss"), document.querySelector(".tm-swatch-diverged"));

  function status(text) {
    $("status").textContent = text;
  }

  function doneText(state, result) {
    const n = state.resolution;
    const diverged = result.status.flat().filter((s) => s === "diverged").length;
    return t("trainability.status.done", { cells: count(n * n), n, steps: count(state.steps), diverged: count(diverged),
      seconds: seconds(result.elapsed_ms) });
  }

  async function show(state, result) {
    shown = { state, result };
    map.show(result, [paramTitle(state.x.param, state.hidden), paramTitle(state.y.param, state.hidden)]);
    status(doneText(state, result));
    updateButtons();
    await whenDrawn();
    document.body.dataset.sweeps = String(++drawn);
  }

  function setBusy(on) {
    document.body.classList.toggle("busy", on);
    $("busy").hidden = !on;
  }

  async function sweep() {
    const state = store.get();
    const problem = refusal(state, limits);
    const body = sweepBody(state);
    const key = JSON.stringify(body);
    if (!problem && key === asked) return; // asked already: it is on screen or on its way
    controller?.abort();
    controller = null;
    setBusy(false);
    if (problem) {
      asked = null;
      const [key, params] = problem;
      const shownParams = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, count(v)]));
      return say(t(key, shownParams), "error");
    }
    asked = key;
    say("");
    if (answers.has(key)) return show(state, answers.get(key));
    const mine = (controller = new AbortController());
    const started = performance.now();
    const n = state.resolution;
    const running = () => status(t("trainability.status.running", { cells: count(n * n), n, steps: count(state.steps),
      seconds: seconds(performance.now() - started) }));
    running();
    const timer = setInterval(running, 100);
    setBusy(true);
    try {
      const result = await api.trainSweep(body, mine.signal);
      answers.set(key, result);
      if (answers.size > KEPT_MAPS) answers.delete(answers.keys().next().value);
      if (controller !== mine) return;
      await show(state, result);
    } catch (error) {
      if (error.name === "AbortError") return;
      if (controller === mine) {
        asked = null;
        say(error.message, "error");
        status(shown ? doneText(shown.state, shown.result) : "");
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
    status(t("trainability.status.cancelled"));
  }

  // ── Zoom: a box on the map narrows the axes; back and reset walk the stack of earlier axes ──
  function zoom({ x, y }) {
    const state = store.get();
    zooms.push({ x: state.x, y: state.y });
    store.set({
      x: x ? { ...state.x, range: zoomedRange(x, state.x.param) } : state.x,
      y: y ? { ...state.y, range: zoomedRange(y, state.y.param) } : state.y,
    });
  }

  function back() {
    if (zooms.length) store.set(zooms.pop());
  }

  // Before the first zoom, or (opened on a zoomed address) the default ranges of the axes' parameters.
  function resetZoom() {
    const first = zooms[0];
    zooms.length = 0;
    const state = store.get();
    const fallback = (name) => {
      const axis = state[name];
      const kind = axis.param === "lr" ? "lr" : "lr_scale";
      const range = axis.param === DEFAULTS[name].param ? DEFAULTS[name].range : START_RANGES[kind];
      return { ...axis, range: [...range] };
    };
    store.set(first ?? { x: fallback("x"), y: fallback("y") });
  }

  function updateButtons() {
    $("zoom-back").disabled = !zooms.length;
  }

  function openCell({ x, y }) {
    if (!shown) return;
    const query = new URLSearchParams(withLang(networkQuery(shown.state, x, y)));
    const theme = new URLSearchParams(viewOptions()).get("theme");
    if (theme) query.set("theme", theme);
    window.open(`/network?${query}`, "_blank", "noopener");
  }

  const resweep = debounce(sweep, 300);
  const syncURL = urlSync(encode);
  store.subscribe((state, patch) => {
    syncURL(state);
    if ("x" in patch || "y" in patch) controls?.renderAll();
    updateButtons();
    resweep();
  });

  wireMapPage({ store, original, encode, read, run: sweep, room: "trainability", embedPath: "/trainability/embed", back,
    resetZoom, cancel });
}

main().catch((error) => say(t("trainability.failed", { reason: error.message }), "error"));
