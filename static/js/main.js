// Wires the page: catalog → store → controls, plots, player; the store drives runs and the URL.
import * as api from "./api.js";
import { createControls } from "./controls.js";
import { debounce } from "./dom.js";
import { connectEmbed } from "./embed.js";
import { copyText, download, embedSnippet, toCSV } from "./export.js";
import { t, withLang } from "./i18n.js";
import { runLabels } from "./labels.js";
import { createPlayer } from "./player.js";
import { perFrame, whenDrawn } from "./plots/frame.js";
import { clippedNorm, sideExtras } from "./plots/companions.js";
import { createDataPanel } from "./plots/data.js";
import { createHero } from "./plots/hero.js";
import { createSeries } from "./plots/series.js";
import { createStore, decode, encode, runBody } from "./state.js";
import { $, createPickMode, hiddenParts, plotlyReady, say, urlSync, viewOptions, wirePlayback } from "./page.js";
import { createSummary, outcomeWord } from "./summary.js";
import { createView } from "./view.js";
import { createWhy } from "./why/explain.js";

const RUN_KEYS = ["surface", "surfaceParams", "expression", "start", "optimizers", "steps", "every", "schedule",
  "clip", "noise", "l1", "l2", "tol", "batch"];
const nextTask = () => new Promise((resolve) => setTimeout(resolve));
const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
const GRID_N = 100; // points per axis of the surface: smooth contours, and the first one drawn within a second

// In a slide the bridge (embed.js, imported above: the page's load event waits for it, and reveal.js
// sends slide:start on that event) listens from the start; commands that come early wait for the view.
// Before any figure is drawn, so that each one is drawn at the size it keeps.
const hidden = hiddenParts();

async function validateExpression(expression) {
  try {
    await api.grid({ expression }, 2);
    return null;
  } catch (error) {
    const detail = error.messages?.map((m) => m.replace(/^surface\.expression: /, "")).join("; ") ?? String(error);
    return t("explorer.formula_error", { detail });
  }
}

async function main() {
  // Ask for the catalog and the surface's grid before Plotly is evaluated (the
  // grid only needs the surface named in the URL), and wait for both afterwards.
  const catalogRequest = api.catalog();
  const grids = new Map();
  const early = runBody(decode(location.search)).surface;
  const earlyKey = JSON.stringify(early);
  grids.set(earlyKey, api.grid(early, GRID_N).catch(() => grids.delete(earlyKey)));
  const [catalog] = await Promise.all([catalogRequest, plotlyReady]);
  const store = createStore(decode(location.search, catalog));
  let runs = []; // the trajectories as they stream in
  let surfaceInfo = null;
  let shownSurface = null;
  let shownGrid = null;
  let lastRun = null; // the request body of the latest run started, as JSON
  let extras = { guides: [], grad: [], loss: [] }; // the side plots' extra lines (plots/companions.js)
  // With "Inside" on, the runs carry the optimizer's state (the request differs: it runs again).
  const requestBody = (state) => ({ ...runBody(state), ...(state.view.inside ? { include_state: true } : {}) });
  const bodyKey = (state) => JSON.stringify(requestBody(state));

  // The step under the cursor (or the mouse), drawn in every plot at once; the paths show up to
  // the player's step (not the mouse's), whole once it reaches the end or when the reader asks.
  let shownStep = 0;
  let playedStep = 0;
  const indexAt = (run, step) => {
    // runs[i].step is sorted: the last point at or before `step`
    let lo = 0;
    let hi = run.step.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (run.step[mid] <= step) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const drawStep = perFrame(() => {
    const step = shownStep;
    hero.setCursor(runs.map((run) => {
      const i = indexAt(run, step);
      return i < 0 ? null : { x: run.x[i], y: run.y[i], loss: run.loss[i] };
    }));
    const whole = store.get().view.wholePath || playedStep >= player.max;
    hero.reveal(whole ? null : runs.map((run) => indexAt(run, playedStep) + 1));
    for (const series of [loss, grad, rate]) series.setCursor(step);
    dataPanel.show(runs.map((run) => {
      const i = indexAt(run, step);
      return i < 0 ? null : { w: run.x[i], b: run.y[i] };
    }), batchAt(step));
    summary.update((r) => indexAt(runs[r], step), surfaceInfo?.minima ?? []);
    why.setStep(step, indexAt);
  });
  // The batch of the update after the step shown, of every run with mini-batches.
  const batchAt = (step) => runs.flatMap((run, r) => {
    const indices = run.batches?.[indexAt(run, step)];
    return indices ? [{ run: r, indices }] : [];
  });
  const showStep = (step) => {
    shownStep = step;
    drawStep();
  };
  const hoverStep = (step) => showStep(step ?? player.cursor);

  // The contour, or the curve of a surface in x alone: one handle (plots/hero.js).
  const heroBox = $("contour").parentElement;
  const pick = createPickMode((active) => heroBox.classList.toggle("can-pick", active));
  const hero = createHero(heroBox, {
    legend: !hidden.has("legend"),
    canPick: pick.canPick,
    onPick: (point) => store.set({ start: point.map((v) => Number(v.toPrecision(6))), cursor: null }),
    onHover: (run, index) => hoverStep(run === null ? null : runs[run]?.step[index] ?? null),
  });
  heroBox.classList.toggle("can-pick", pick.canPick());
  const dataPanel = createDataPanel($("data-box"), $("data"));
  // The surface first: a built-in with its default parameters is fully described by the
  // catalog, and its grid was asked for before Plotly loaded; the runs arrive on top of it.
  const state0 = store.get();
  const known = catalog.surfaces.find((s) => s.name === state0.surface);
  if (known && !Object.keys(state0.surfaceParams).length && JSON.stringify(runBody(state0).surface) === earlyKey) {
    const grid = await grids.get(earlyKey);
    if (grid?.z) {
      [surfaceInfo, shownSurface, shownGrid] = [known, earlyKey, grid];
      dataPanel.setSurface(known); // first: the contour is drawn at the size it keeps
      hero.showSurface({ info: known, grid, view: state0.view });
      await afterPaint(); // on screen before the rest of the page is built
    }
  }
  const loss = createSeries($("loss"), { title: t("explorer.plot.loss"), onHover: hoverStep });
  const grad = createSeries($("grad"), { title: t("explorer.plot.grad"), onHover: hoverStep });
  // A schedule reads as its shape (a cycle, a warm-up) on a linear axis; the reader can switch.
  const rate = createSeries($("lr"), { title: t("explorer.plot.lr"), scale: "linear", onHover: hoverStep });
  const summary = createSummary($("summary"));
  const why = createWhy({ store, box: heroBox, contour: $("contour"), panelRoot: $("why"), mapBox: $("ratemap-box"),
    insideBox: $("inside-box") });
  const cursorListeners = [];
  const endListeners = [];
  const player = createPlayer({
    slider: $("scrub"),
    playButton: $("play"),
    readout: $("readout"),
    onCursor: (step) => {
      playedStep = step;
      showStep(step);
      for (const fn of cursorListeners) fn(step);
    },
    onEnd: () => endListeners.forEach((fn) => fn()),
  });
  // The embed view has no sidebar: the state comes from its URL alone.
  const controls = $("controls")
    ? createControls($("controls"), { store, catalog, validateExpression })
    : { showStart() {}, setDefaultStart() {}, renderAll() {} };

  async function gridFor(surface, signal) {
    const key = JSON.stringify(surface);
    if (!grids.has(key)) {
      const pending = api.grid(surface, GRID_N, signal);
      grids.set(key, pending);
      pending.catch(() => grids.delete(key));
    }
    return grids.get(key);
  }

  async function run() {
    const state = store.get();
    const body = requestBody(state);
    lastRun = JSON.stringify(body);
    const signal = player.newRun();
    const surfaceKey = JSON.stringify(body.surface);
    const grid = gridFor(body.surface, signal);
    grid.catch(() => {}); // a surface the server refuses: the stream's own error says why
    // Named from the catalog in the reader's language when the view gives no label.
    const labels = runLabels(state.optimizers, catalog.optimizers, state);
    let ready = Promise.resolve();
    document.body.classList.add("busy");
    say("");
    const onLine = (line) => {
      if (line.type === "start") {
        ready = grid.then(async (gridData) => {
          if (shownSurface !== surfaceKey) {
            surfaceInfo = line.surface;
            shownSurface = surfaceKey;
            shownGrid = gridData;
          }
          if (!state.start) controls.setDefaultStart(surfaceInfo.start);
          const start = state.start ?? surfaceInfo.start;
          controls.showStart(start);
          runs = line.runs.map((r, i) => ({ ...r, label: labels[i] ?? r.label, x: [], y: [], loss: [], grad_norm: [],
            lr: [], step: [] }));
          const names = runs.map((r) => r.label);
          dataPanel.setSurface(surfaceInfo);
          hero.reset({ info: surfaceInfo, grid: shownGrid, view: state.view, startAt: start, runLabels: names,
            regularizations: line.runs.map((r) => r.regularization ?? null) });
          await nextTask(); // the contour is on screen: the side plots follow in a task of their own
          dataPanel.reset(names);
          extras = sideExtras(line.runs, names);
          loss.setRuns(names, { companions: extras.loss });
          grad.setRuns(names, { guides: extras.guides, companions: extras.grad });
          rate.setRuns(names);
          summary.render(runs, surfaceInfo.minima, surfaceInfo.dims === 1 ? ["x"] : surfaceInfo.variables);
          why.reset({ body, surfaceInfo, runList: runs,
            optimizerEntries: line.runs.map((r) => ({ name: r.optimizer, params: r.params })) });
          player.reset(state.cursor);
        });
      } else if (line.type === "chunk") {
        ready = ready.then(() => {
          const target = runs[line.run];
          const steps = line.step ?? line.x.map((_, i) => line.offset + i);
          for (const key of ["x", "y", "loss", "grad_norm", "lr"]) target[key].push(...line[key]);
          target.step.push(...steps);
          if (line.batches) (target.batches ??= []).push(...line.batches);
          hero.appendChunk(line.run, line);
          loss.append(line.run, steps, line.loss);
          grad.append(line.run, steps, line.grad_norm);
          extras.grad.forEach((c, j) => c.run === line.run
            && grad.appendCompanion(j, steps, line.grad_norm.map((g) => clippedNorm(g, c.maxNorm))));
          extras.loss.forEach((c, j) => c.run === line.run && line.batch_loss
            && loss.appendCompanion(j, steps.slice(0, line.batch_loss.length), line.batch_loss));
          rate.append(line.run, steps.slice(0, line.lr.length), line.lr);
          why.appendChunk(line.run, line);
          player.setMax(Math.max(...runs.map((r) => r.step.at(-1) ?? 0)));
        });
      } else if (line.type === "end") {
        ready = ready.then(() => {
          const target = runs[line.run];
          Object.assign(target, { status: line.status, steps_taken: line.steps_taken });
          if (line.outcome) target.outcome = line.outcome;
          hero.setOutcome(line.run, outcomeWord(target));
          if (line.status === "diverged") hero.markDiverged(line.run);
        });
      } else if (line.type === "done") {
        ready = ready.then(() => {
          summary.render(runs, surfaceInfo.minima, surfaceInfo.dims === 1 ? ["x"] : surfaceInfo.variables);
          hero.settle();
          why.done();
          if (state.cursor !== null) player.set(state.cursor);
          else showStep(player.cursor);
          document.body.classList.remove("busy");
          // A hook for tests: the run is complete and drawn.
          whenDrawn().then(() => {
            if (!signal.aborted) document.body.dataset.runs = String(runs.length);
          });
        });
      }
    };
    try {
      delete document.body.dataset.runs;
      await api.streamRun(body, onLine, signal);
      await ready;
    } catch (error) {
      if (error.name === "AbortError") return;
      document.body.classList.remove("busy");
      say(t("explorer.run_failed", { reason: error.message }), "error");
    }
  }

  // A change runs again when it changes the request (a state set from a slide has run already).
  const rerun = debounce(() => bodyKey(store.get()) !== lastRun && run(), 200);
  const syncURL = urlSync(encode);
  const wholeButton = $("whole-path");
  const showWhole = (on) => wholeButton?.setAttribute("aria-pressed", String(on));

  store.subscribe((state, patch) => {
    syncURL(state);
    if ("start" in patch && state.start) {
      hero.setStart(state.start);
      controls.showStart(state.start);
    }
    if (RUN_KEYS.some((key) => key in patch)) rerun();
    if ("view" in patch && state.view.threeD && document.body.dataset.plotly !== "full") {
      // The page has Plotly's cartesian bundle: the 3D view opens with the full one.
      location.assign(`${location.pathname}?${[encode(state), viewOptions()].filter(Boolean).join("&")}`);
      return;
    }
    if ("view" in patch) {
      hero.setView(state.view);
      player.setSpeed(state.view.speed);
      $("speed").value = String(state.view.speed);
      showWhole(state.view.wholePath);
      why.setView(state.view);
      if (bodyKey(state) !== lastRun) rerun();
      drawStep();
    }
  });
  showWhole(store.get().view.wholePath);
  wholeButton?.addEventListener("click", () =>
    store.set({ view: { ...store.get().view, wholePath: !store.get().view.wholePath } }));

  const view = createView({ store, player, run, decode: (query) => decode(query, catalog), encode,
    refresh: () => controls.renderAll(), ran: (state) => bodyKey(state) === lastRun, onReset: () => pick.set(false), cursorListeners, endListeners });
  const inSlide = Boolean($("reset-scene"));
  wirePlayback(player, store, run, { reset: inSlide ? view.reset : null, pick: $("pick-start") ? pick : null });
  if (document.body.classList.contains("embed")) connectEmbed(view);

  // Share and export
  const sharedQuery = () => withLang([encode(store.get()), viewOptions()].filter(Boolean).join("&"));
  $("share")?.addEventListener("click", async () => {
    await copyText(`${location.origin}${location.pathname}?${sharedQuery()}`);
    say(t("explorer.link_copied"));
  });
  $("embed-code")?.addEventListener("click", async () => {
    await copyText(embedSnippet(withLang(encode(store.get()))));
    say(t("explorer.embed_copied"));
  });
  $("export-png")?.addEventListener("click", () => hero.downloadPNG());
  $("export-csv")?.addEventListener("click", () => download("gdviz.csv", toCSV(runs), "text/csv;charset=utf-8"));
  $("export-json")?.addEventListener("click", () =>
    download("gdviz.json", JSON.stringify({ request: requestBody(store.get()), runs }, null, 1), "application/json"),
  );

  await run();
  await whenDrawn();
  view.markReady();
}

main().catch((error) => say(t("explorer.failed", { reason: error.message }), "error"));
