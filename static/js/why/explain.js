// The explorer's "Why" view: the curvature at the start, at the cursor's point and at each minimum (axes
// on the contour, numbers in the panel, each run's lr against 2/λ₂), the momentum rate map of the chosen
// point with the SGD runs on it (a click sets a run's lr and β), and, with "Inside", the optimizer's own
// state at the cursor (arrows, the effective learning rate per coordinate). The page hands it the runs as
// they stream in and the step shown; it asks the server for the analyses it needs (README, "Why it happens").
import * as api from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { colorOf } from "../plots/colors.js";
import { curvatureAxes } from "../plots/curvature.js";
import { arrowScale, createEffectiveLrPlot, insideMarks, stepParts } from "../plots/inside.js";
import { drawRateMap } from "../plots/ratemap.js";
import { plotTheme } from "../plots/theme.js";
import { createOverlay } from "./overlay.js";
import { createPanel } from "./panel.js";
import { verdict } from "./verdict.js";

const MAP_LR_N = 160;
// The state of optimizers with a learning rate of their own per coordinate (AdaGrad, RMSProp, Adam...).
const ADAPTIVE = new Set(["sum", "square_avg", "exp_avg_sq", "exp_inf", "acc_delta"]);
const MAP_MOMENTUM = { range: [0, 0.999], n: 120 };
const FAR = 1e6; // the largest coordinate of a point the server analyses

/** The run the panel follows: the view's choice, else the first SGD run, else the first. */
export function followedRun(entries, chosen) {
  if (chosen !== null && chosen !== undefined && chosen < entries.length) return chosen;
  const sgd = entries.findIndex((e) => e.name === "sgd");
  return Math.max(0, sgd);
}

// One request at a time per kind: while one is out, only the latest wish waits (the cursor moves faster
// than the server answers while playing).
function latestOnly(fetcher, onAnswer) {
  let busy = false;
  let wanted = null;
  async function pump() {
    if (busy || !wanted) return;
    const job = wanted;
    wanted = null;
    busy = true;
    try {
      onAnswer(job, await fetcher(job), null);
    } catch (error) {
      onAnswer(job, null, error);
    } finally {
      busy = false;
      pump();
    }
  }
  return (job) => {
    wanted = job;
    pump();
  };
}

export function createWhy({ store, box, contour, panelRoot, mapBox, insideBox }) {
  const overlay = createOverlay(contour);
  const analyses = new Map(); // request key -> {analysis} | {error}
  let surface = null; // the request's surface, regularization and start
  let info = null;
  let runs = [];
  let entries = [];
  let step = 0;
  let indexAt = () => -1;
  let map = null; // {key, data} of the rate map drawn
  const effectivePlot = createEffectiveLrPlot(insideBox.querySelector(".plot"));

  const view = () => store.get().view;
  const panel = createPanel(panelRoot, {
    onPoint: (id) => store.set({ view: { ...view(), whyPoint: id } }),
    onRun: (i) => store.set({ view: { ...view(), whyRun: i } }),
    onMap: () => store.set({ view: { ...view(), momentumMap: !view().momentumMap } }),
  });

  // The toggles on the contour, beside "whole path".
  const toggle = (key, testid) => h("button", { type: "button", class: "plot-toggle why-toggle", "data-testid": testid,
    "aria-pressed": "false", title: t(`why.toggle.${key}_hint`),
    onclick: () => store.set({ view: { ...view(), [key]: !view()[key] } }) }, t(`why.toggle.${key}`));
  const toggles = h("div", { class: "why-toggles" }, toggle("why", "why-toggle"), toggle("inside", "inside-toggle"));
  box.append(toggles);
  const placeToggles = () => {
    const whole = box.querySelector("#whole-path");
    toggles.style.left = whole ? `${whole.offsetLeft + whole.offsetWidth + 6}px` : "52px";
  };
  placeToggles();
  document.fonts?.ready.then(placeToggles);

  const keyOf = (point) => JSON.stringify([surface?.surface, surface?.regularization ?? null, point]);
  const analyzeAt = (point) => api.analyze({ surface: surface.surface, point,
    ...(surface.regularization ? { regularization: surface.regularization } : {}) });
  const ask = latestOnly(analyzeAt, (point, analysis, error) => {
    if (error?.status === 503) return; // busy: the next render asks again
    analyses.set(keyOf(point), analysis ? { analysis } : { error: error.messages?.[0] ?? String(error) });
    render();
  });
  const requested = new Set();
  function analysisAt(point) {
    if (!point || !surface) return {};
    const key = keyOf(point);
    if (analyses.has(key)) return analyses.get(key);
    if (!requested.has(key)) {
      requested.add(key);
      queue.push(point);
      drain();
    }
    return {};
  }
  // The fixed points (start, minima) are asked for in turn; the cursor's point only as the latest wish.
  const queue = [];
  let draining = false;
  async function drain() {
    if (draining) return;
    draining = true;
    while (queue.length) {
      const point = queue.shift();
      const key = keyOf(point);
      try {
        analyses.set(key, { analysis: await analyzeAt(point) });
      } catch (error) {
        if (error.status === 503) {
          // A busy server (a room at work): asked again a second later, not given up on.
          setTimeout(() => requested.delete(key) && render(), 1000);
          continue;
        }
        analyses.set(key, { error: error.messages?.[0] ?? String(error) });
      }
      render();
    }
    draining = false;
  }

  const runIndex = () => followedRun(entries, view().whyRun);
  function cursorPoint() {
    const run = runs[runIndex()];
    const i = run ? indexAt(run, step) : -1;
    return i < 0 ? null : [run.x[i], run.y[i]];
  }

  function points() {
    const minima = info ? [...info.minima, ...(info.local_minima ?? [])] : [];
    const start = surface?.start ?? null;
    const out = [{ id: "start", name: t("why.point.start"), at: start }];
    const cursor = cursorPoint();
    out.push({ id: "cursor", name: t("why.point.cursor"), at: cursor });
    const add = (list, kind) => list.slice(0, 16).forEach((p, k) =>
      out.push({ id: `${kind}${k}`, name: t(`why.point.${kind === "min" ? "minimum" : kind}`, { n: k + 1 }), at: [p.x, p.y] }));
    add(minima, "min");
    add(info?.saddles ?? [], "saddle");
    return out.map((p) => {
      if (p.id !== "cursor") return { ...p, ...analysisAt(p.at) };
      if (!p.at) return { ...p, error: t("why.no_cursor") };
      // A run far out (diverged) is beyond what the server analyses (|θᵢ| ≤ 10⁶): not asked.
      if (p.at.some((v) => !(Math.abs(v) <= FAR))) return { ...p, error: t("why.too_far") };
      const key = keyOf(p.at);
      if (!analyses.has(key) && view().why) ask(p.at);
      return { ...p, ...(analyses.get(key) ?? {}) };
    });
  }

  const selectedId = (rows) => {
    const id = view().whyPoint;
    return rows.some((r) => r.id === id) ? id : rows.find((r) => r.id.startsWith("min")) ? "min0" : "start";
  };
  const lrAt = (run, entry) => {
    const i = run ? Math.min(indexAt(run, step), run.lr.length - 1) : -1;
    return i >= 0 ? run.lr[i] : entry.params.lr ?? 0.001;
  };

  function render() {
    const v = view();
    document.body.classList.toggle("why-open", v.why);
    document.body.classList.toggle("mm-open", v.why && v.momentumMap);
    document.body.classList.toggle("inside-open", v.inside);
    toggles.children[0].setAttribute("aria-pressed", String(v.why));
    toggles.children[1].setAttribute("aria-pressed", String(v.inside));
    if (surface && info?.dims === 1 && v.why) {
      panel.render({ rows: [], selected: null, runs, run: runIndex(), verdicts: [], mapOn: false, note: t("why.one_d") });
    }
    // The layer draws on the 2D contour (the 3D view has no plane to draw on).
    if (!surface || !info || info.dims === 1 || v.threeD) return overlay.show(null);
    const rows = v.why ? points() : [];
    const selected = selectedId(rows);
    const chosen = rows.find((r) => r.id === selected);
    const follow = runIndex();
    if (v.why) {
      const lines = chosen?.analysis ? entries.map((entry, r) => ({ run: r,
        ...verdict(entry, lrAt(runs[r], entry), chosen.analysis) })) : [];
      panel.render({ rows, selected, runs, run: follow, verdicts: lines, mapOn: v.momentumMap, note: mapNote(chosen) });
      if (v.momentumMap) showMap(chosen, follow);
    }
    const theme = plotTheme();
    overlay.show((frame) => [
      ...(v.why ? curvatureAxes(frame, rows, selected, { font: theme.font + 1 }) : []),
      ...(v.inside ? insideNodes(frame, follow, theme) : []),
    ]);
    if (v.inside) effectivePlot.setCursor(step);
  }

  let mapError = null; // why the server refused the map, said under the verdicts
  function mapNote(chosen) {
    if (!view().momentumMap || !chosen?.analysis) return "";
    if (mapError) return t("why.map_failed", { reason: mapError });
    if (!(chosen.analysis.eigenvalues[1] > 0)) return t("why.map_none");
    const target = mapTarget();
    return target === null ? t("why.map_no_sgd") : t("why.map_click", { run: runs[target]?.label ?? "" });
  }

  // The run a click on the map sets: the one followed if it is an SGD run, else the first SGD run.
  const mapTarget = () => {
    const follow = runIndex();
    if (entries[follow]?.name === "sgd") return follow;
    const first = entries.findIndex((e) => e.name === "sgd");
    return first < 0 ? null : first;
  };

  const showMapSoon = latestOnly((job) => api.analyzeMomentum(job.body), (job, data, error) => {
    if (error || !data) {
      mapBox.dataset.state = "error";
      mapError = error?.messages?.[0] ?? String(error);
      return render();
    }
    mapError = null;
    map = { key: job.key, data };
    drawMap();
  });

  function mapMarks(nesterov) {
    return entries.flatMap((entry, r) => (entry.name === "sgd" && Boolean(entry.params.nesterov) === nesterov
      ? [{ lr: entry.params.lr ?? 0.001, momentum: entry.params.momentum ?? 0, color: colorOf(r),
        label: runs[r]?.label ?? "" }] : []));
  }

  function drawMap() {
    if (!map) return;
    const nesterov = Boolean(entries[mapTarget() ?? -1]?.params.nesterov);
    drawRateMap(mapBox.querySelector(".plot"), map.data, { marks: mapMarks(nesterov), onPick: pickFromMap });
    mapBox.dataset.state = "drawn";
    mapBox.dataset.key = map.key;
  }

  function showMap(chosen, follow) {
    const a = chosen?.analysis;
    if (!a || !(a.eigenvalues[1] > 0)) return;
    const target = mapTarget();
    const nesterov = Boolean(entries[target ?? follow]?.params.nesterov);
    const lrs = mapMarks(nesterov).map((m) => m.lr);
    const top = Math.max(4 / a.eigenvalues[1], ...lrs.map((lr) => lr * 1.15));
    const body = { surface: surface.surface, point: chosen.at, nesterov, momentum: MAP_MOMENTUM,
      lr: { range: [top / MAP_LR_N, top], n: MAP_LR_N },
      ...(surface.regularization ? { regularization: surface.regularization } : {}) };
    const key = JSON.stringify(body);
    if (map?.key === key) return drawMap();
    if (mapBox.dataset.wanted === key) return;
    mapBox.dataset.wanted = key;
    mapBox.dataset.state = "loading";
    showMapSoon({ key, body });
  }

  function pickFromMap(lr, momentum) {
    const target = mapTarget();
    if (target === null) return;
    const optimizers = store.get().optimizers.map((o, i) => (i === target
      ? { ...o, params: { ...o.params, lr: Number(lr.toPrecision(4)), momentum: Number(momentum.toPrecision(4)) } } : o));
    store.set({ optimizers });
  }

  function insideNodes(frame, follow, theme) {
    const run = runs[follow];
    if (!run?.moves?.length) return [];
    const i = indexAt(run, step);
    if (i < 0 || i >= run.moves.length) return [];
    const parts = stepParts(run, i);
    // A readable multiplier (1, 2 or 5 × 10^k) per step, said on the plot: a step 10⁻⁸ long still shows.
    const arrows = parts ? [parts.gradient, parts.state, parts.step].filter(Boolean) : [];
    const longest = Math.max(0, ...arrows.map((v) => Math.hypot(...v)));
    const scale = arrowScale(longest, Math.min(frame.px, frame.py));
    const eff = run.effective_lr?.[i];
    const rect = eff && run.adaptive && run.maxEffective && eff.every((e) => e !== null)
      ? { x: Math.abs(eff[0]) / run.maxEffective, y: Math.abs(eff[1]) / run.maxEffective } : null;
    const stateKey = run.state?.momentum_buffer && entries[follow]?.name === "sgd" ? "momentum" : "state";
    return insideMarks(frame, { at: [run.x[i], run.y[i]], parts, scale, rect, color: colorOf(follow), stateKey,
      font: theme.font + 1 });
  }

  // The plot of the effective rates, for an optimizer with a rate of its own per coordinate (for SGD
  // −step/g only says how much momentum carries: its arrows say that better).
  function showEffective() {
    const follow = runIndex();
    const run = runs[follow];
    const names = info?.variables ?? ["x", "y"];
    const shown = Boolean(view().inside && run?.adaptive && run.effective_lr?.length);
    document.body.classList.toggle("inside-plot", shown);
    if (!shown) return effectivePlot.show(null);
    effectivePlot.show({ steps: run.step.slice(0, run.effective_lr.length), x: run.effective_lr.map((e) => e[0]),
      y: run.effective_lr.map((e) => e[1]), color: colorOf(follow),
      names: names.map((n) => t("why.inside.coordinate", { name: n })) });
  }

  return {
    /** A new run: its request body, the surface's description, the runs (filled as chunks come) and entries. */
    reset({ body, surfaceInfo, runList, optimizerEntries }) {
      surface = { surface: body.surface, regularization: body.regularization ?? null, start: body.start ?? surfaceInfo.start };
      info = surfaceInfo;
      runs = runList;
      if (analyses.size > 5000) {
        // Every point a cursor stopped at is kept while a view is explored; a long session starts afresh.
        analyses.clear();
        requested.clear();
      }
      entries = optimizerEntries;
      map = null;
      mapError = null;
      delete mapBox.dataset.wanted;
      effectivePlot.show(null);
      render();
    },
    /** A chunk of run r: its optimizer state, as the stream carries it (with include_state). */
    appendChunk(r, line) {
      if (!line.state) return;
      const run = runs[r];
      run.state ??= {};
      for (const [name, values] of Object.entries(line.state)) (run.state[name] ??= []).push(...values);
      // The columns beside the optimizer's own state: the gradient it received, the step, the rates.
      Object.assign(run, { grads: run.state.grad, moves: run.state.step, effective_lr: run.state.effective_lr });
      run.adaptive = Object.keys(run.state).some((n) => ADAPTIVE.has(n));
    },
    /** The run is complete: the effective learning rates' plot and their scale. */
    done() {
      for (const run of runs) {
        let largest = 0; // a loop, not Math.max(...): a run has up to 10⁵ steps
        for (const pair of run.effective_lr ?? []) {
          for (const e of pair) if (Number.isFinite(e)) largest = Math.max(largest, Math.abs(e));
        }
        run.maxEffective = largest || 1;
        run.complete = true;
      }
      showEffective();
      render();
    },
    setStep(shown, indexOf) {
      step = shown;
      indexAt = indexOf;
      if (view().why || view().inside) render();
    },
    setView() {
      showEffective();
      render();
    },
  };
}
