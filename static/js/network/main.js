// Wires the Network view: catalog → store → controls, plots, player; the store drives training and the URL.
import * as api from "../api.js";
import { debounce, h } from "../dom.js";
import { copyText, download, embedSnippet } from "../export.js";
import { t, withLang } from "../i18n.js";
import { createPlayer } from "../player.js";
import { createBoundary } from "../plots/boundary.js";
import { createContour } from "../plots/contour.js";
import { perFrame, whenDrawn } from "../plots/frame.js";
import { createHistograms } from "../plots/histograms.js";
import { createLayerBars, createLayerLines } from "../plots/layers.js";
import { createNetDiagram } from "../plots/netdiagram.js";
import { createSeries } from "../plots/series.js";
import { colorOf } from "../plots/colors.js";
import { createStore } from "../state.js";
import { connectEmbed } from "../embed.js";
import { createNetworkControls } from "./controls.js";
import { createRunLegend } from "./legend.js";
import { networkLabels, oneStart } from "./runs.js";
import { createSharpness } from "./sharpness.js";
import { createWeightSource } from "./weights.js";
import { $, guarded, hiddenParts, plotlyReady, say, urlSync, viewOptions, wirePlayback } from "../page.js";
import { HIDEABLE, PANELS, decode, encode, sidePlots, trainBody } from "./state.js";
import { createView } from "../view.js";

const embedded = document.body.classList.contains("embed");
// Before any figure is drawn, so that each one is drawn at the size it keeps.
const hidden = embedded ? hiddenParts(HIDEABLE, sidePlots(decode(location.search))) : new Set();
document.body.classList.toggle("with-sharpness", decode(location.search).sharpness);
const cursorListeners = [];
const endListeners = [];

const percent = (accuracy) => (100 * accuracy).toFixed(1);
function readoutOf(record, label) {
  const values = { step: record.step, loss: record.loss.toPrecision(3), run: label };
  const race = label ? "_run" : "";
  if (record.accuracy === null) return t(`network.readout${race}`, values);
  return t(`network.readout_accuracy${race}`, { ...values, accuracy: percent(record.accuracy) });
}

// What the diagram's weights are: those of the step shown, or (a network too large for every record's
// weights) the last ones, which the caption says (and the note under the diagram why). Whose they are in a
// race, the panel's header says.
const diagramCaption = (known) =>
  t(known.exact ? "network.plot.diagram_at" : "network.plot.diagram_last", { step: known.step });

// The landscape as the contour figure takes a surface: the plane of two directions through the final
// weights (a race: the mean of the runs' final weights), which sit at its centre (0, 0).
const landscapeInfo = (line, final, race) => ({ name: "landscape", title: t("network.plot.landscape"),
  domain: { x: [line.a[0], line.a.at(-1)], y: [line.b[0], line.b.at(-1)] },
  start: race ? [line.paths[0].a[0], line.paths[0].b[0]] : [line.path.a[0], line.path.b[0]],
  minima: race ? [] : [{ x: 0, y: 0, f: final.loss }], saddles: [], local_minima: [] });

async function main() {
  const [catalog, datasets] = await Promise.all([api.catalog(), api.datasets(), plotlyReady]);
  const store = createStore(decode(location.search));
  let runs = []; // per run: {label, entry, records, status}
  let task = "classification";
  let landscape = null;
  let layerNames = [];
  let trainedBody = null; // the request of the latest training started
  let everyRecord = false; // whether it sends every record's weights (else the first and last only)
  const bodyOf = (state) => JSON.stringify(trainBody(state));
  const race = () => runs.length > 1;
  const selected = () => Math.max(0, Math.min(store.get().view.run, runs.length - 1));
  const panel = () => store.get().view.panel;

  const boundary = createBoundary($("boundary"));
  const onHover = (step) => showRecord(step);
  const loss = createSeries($("loss"), { title: t("network.plot.loss"), onHover });
  const accuracy = createSeries($("accuracy"), { title: t("network.plot.accuracy"), log: false, onHover,
    emptyText: t("network.plot.accuracy_none") });
  const grads = createLayerLines($("grad-lines"), { title: t("network.plot.grads"), onHover });
  const weights = createLayerLines($("weights"), { title: t("network.plot.weights"), onHover });
  const sharpness = createSharpness($("sharpness"), { onHover, catalog });
  const bars = createLayerBars($("grad-bars"), { title: t("network.plot.grad_bars") });
  const histograms = createHistograms($("histograms"), { title: t("network.plot.histograms") });
  const diagram = createNetDiagram($("diagram"), { title: t("network.plot.diagram") });
  const legend = createRunLegend($("run-legend"), {
    onPick: (run) => store.set({ view: { ...store.get().view, run } }),
  });
  // A hidden landscape is not drawn at all (Plotly cannot lay out axes it cannot measure).
  const scape = hidden.has("landscape") ? null : createContour($("landscape"), { onPick: () => {},
    axisTitles: [t("network.landscape.direction", { n: 1 }), t("network.landscape.direction", { n: 2 })] });
  const player = createPlayer({ slider: $("scrub"), playButton: $("play"), readout: $("readout"),
    onCursor: (i) => {
      showIndex(i);
      cursorListeners.forEach((fn) => fn(i));
    },
    onEnd: () => endListeners.forEach((fn) => fn()) });
  const controls = $("controls") ? createNetworkControls($("controls"), { store, catalog, datasets }) : null;
  const source = createWeightSource();

  const recordOf = (run, i) => {
    const records = runs[run]?.records ?? [];
    return records[Math.min(i, records.length - 1)];
  };
  const longest = () => Math.max(0, ...runs.map((r) => r.records.length));

  let shown = 0;
  const draw = perFrame(() => {
    const run = selected();
    const record = recordOf(run, shown);
    if (!record) return;
    boundary.setFrame(record.z);
    for (const series of [loss, accuracy, sharpness]) series.setCursor(record.step);
    grads.setCursor(record.step);
    weights.setCursor(record.step);
    if (landscape && scape) {
      const paths = landscape.paths ?? [landscape.path];
      scape.setCursor(runs.map((r, k) => {
        const j = Math.min(shown, r.records.length - 1, paths[k].a.length - 1);
        return j < 0 ? null : { x: paths[k].a[j], y: paths[k].b[j], loss: r.records[j].loss };
      }));
      // The paths grow as the training plays (the player's step, not the mouse's), whole at the end.
      const played = player.cursor;
      scape.reveal(played >= longest() - 1 ? null : runs.map(() => played + 1));
    }
    const name = race() ? runs[run].label : null;
    if (panel() === "layers") {
      // Whose they are, the panel's header says (showRunHeader).
      bars.show(record.grad_norm, t("network.plot.grad_bars_at", { step: record.step }));
      // Each run's records carry their own edges: its activation's range.
      histograms.show(record.activations ?? null, t("network.plot.histograms_at", { step: record.step }),
        t("network.plot.histograms_none"));
    }
    if (panel() === "diagram") {
      const known = source.at(run, record.step);
      diagram.show(known?.layers ?? null, source.scale(run), known ? diagramCaption(known)
        : t("network.plot.diagram_wait"));
      $("diagram-note").hidden = everyRecord || !known;
    }
    $("readout").textContent = readoutOf(record, name);
  });
  const showIndex = (i) => {
    shown = Math.max(0, Math.min(longest() - 1, i));
    draw();
  };
  const showRecord = (step) => {
    if (step === null) return showIndex(player.cursor);
    const records = runs[selected()]?.records ?? [];
    const i = records.findIndex((r) => r.step >= step);
    showIndex(i < 0 ? records.length - 1 : i);
  };

  // The per-layer plots show the selected run: its history so far, then what streams in.
  function showLayersOf(run) {
    const records = runs[run]?.records ?? [];
    const of = (key) => (race() ? t(`network.plot.${key}_of`, { run: runs[run].label }) : t(`network.plot.${key}`));
    const steps = records.map((r) => r.step);
    // A deep network's legend names the layers by number: "layer ━1 ━2 … ━8 ━output".
    const deep = layerNames.length > 4;
    const key = deep ? { prefix: t("network.layers_key"), names: [...layerNames.slice(0, -1).map((_, i) => i + 1),
      layerNames.at(-1)] } : { names: layerNames };
    grads.reset(layerNames, { title: of("grads"), steps, values: records.map((r) => r.grad_norm), legend: key });
    weights.reset(layerNames, { title: of("weights"), steps, values: records.map((r) => r.weight_norm), legend: key });
    bars.setRange(key.names.map(String), records.map((r) => r.grad_norm), key.prefix);
    histograms.setRange(records.map((r) => r.activations).filter(Boolean), layerNames.length);
    legend.select(run);
    showRunHeader();
    draw();
  }

  // Over the network and layers tabs of a race: the run they show (the landscape draws every run).
  function showRunHeader() {
    const header = $("panel-run");
    const run = selected();
    header.hidden = !race() || panel() === "landscape";
    const label = race() ? runs[run].label : "";
    header.replaceChildren(h("span", {}, label));
    header.title = label && t("network.plot.panel_of", { run: label });
    header.style.setProperty("--run-color", colorOf(run));
  }

  async function train() {
    const state = store.get();
    const signal = player.newRun();
    const body = trainBody(state);
    trainedBody = bodyOf(state);
    const labels = networkLabels(state.optimizers, catalog, state);
    runs = state.optimizers.map((entry, i) => ({ label: labels[i], entry, records: [], status: null }));
    landscape = null;
    layerNames = [...state.hidden.map((_, i) => t("network.layer", { n: i + 1 })), t("network.layer_output")];
    source.reset(state.optimizers.length);
    everyRecord = Boolean(body.record_weights);
    document.body.classList.add("busy");
    document.body.classList.toggle("with-sharpness", state.sharpness);
    delete document.body.dataset.runs;
    say("");
    const onLine = (line) => {
      if (line.type === "start") {
        task = line.task;
        boundary.setData(line.data, line.boundary, line.task);
        const test = state.testFraction > 0;
        const names = race() ? runs.map((r) => r.label) : [t("network.loss")];
        const companions = (key) => (test ? runs.map((r, i) => ({ run: i, dash: "dash", note: t("network.plot.test_note"),
          label: race() ? t("network.test_of", { run: r.label }) : t(`network.test_${key}`) })) : []);
        loss.setRuns(names, { companions: companions("loss") });
        accuracy.setRuns(task === "classification" ? (race() ? names : [t("network.plot.accuracy")]) : [],
          { companions: task === "classification" ? companions("accuracy") : [] });
        sharpness.reset(runs, line.runs, state);
        legend.setRuns(runs.map((r) => r.label), { test });
        // Runs of different activations or initial weights have no landscape in common: the panel says why.
        showLandscapeNote(race() && !oneStart(line.runs.map((r) => r.model)));
        showLayersOf(selected());
        player.reset(state.cursor);
      } else if (line.type === "record") {
        const run = line.run ?? 0;
        runs[run].records.push(line);
        if (line.weights) source.remember(run, line.step, line.weights);
        loss.append(run, [line.step], [line.loss]);
        if (line.test_loss !== undefined) loss.appendCompanion(run, [line.step], [line.test_loss]);
        if (line.accuracy !== null) accuracy.append(run, [line.step], [line.accuracy]);
        if (line.test_accuracy !== undefined && line.test_accuracy !== null) {
          accuracy.appendCompanion(run, [line.step], [line.test_accuracy]);
        }
        sharpness.append(run, line);
        if (run === selected()) {
          grads.append(line.step, line.grad_norm);
          weights.append(line.step, line.weight_norm);
        }
        player.setMax(longest() - 1);
      } else if (line.type === "end") {
        const run = line.run ?? 0;
        runs[run].status = line.status;
        source.known(run, line);
        draw();
        if (line.status === "diverged") {
          say(race() ? t("network.diverged_run", { run: runs[run].label }) : t("network.diverged"), "error");
          legend.markDiverged(run);
        }
      } else if (line.type === "landscape") {
        landscape = line;
        const paths = line.paths ?? [line.path];
        const last = runs[0].records.at(-1);
        scape?.reset({ info: landscapeInfo(line, last, race()), grid: { x: line.a, y: line.b, z: line.loss },
          view: { threeD: false, logColor: true }, startAt: null, runLabels: runs.map((r) => r.label) });
        paths.forEach((path, i) => {
          const records = runs[i].records.slice(0, path.a.length);
          scape?.appendChunk(i, { x: path.a, y: path.b, loss: records.map((r) => r.loss), step: records.map((r) => r.step) });
        });
      } else if (line.type === "done") {
        // Every record is in: the per-layer plots' scales are final.
        showLayersOf(selected());
        // The step asked for now: a scene may have set it while the training streamed in.
        const cursor = store.get().cursor;
        if (cursor !== null) player.set(cursor);
        else showIndex(longest() - 1);
        document.body.classList.remove("busy");
        whenDrawn().then(() => {
          if (!signal.aborted) document.body.dataset.runs = String(longest());
        });
      }
    };
    try {
      await api.streamTraining(body, onLine, signal);
    } catch (error) {
      if (error.name === "AbortError") return;
      document.body.classList.remove("busy");
      say(error.message, "error");
    }
  }

  // In place of the landscape, a note (the answer has none) or the figure.
  function showLandscapeNote(shown) {
    $("landscape-none").hidden = !shown;
    $("landscape-panel").classList.toggle("no-landscape", shown);
    $("landscape-title").textContent = t(shown ? "network.plot.landscape_none_title"
      : race() ? "network.plot.landscape_race" : "network.plot.landscape");
  }

  // The hero's right panel: one of its tabs at a time.
  function showPanel(name) {
    for (const tab of document.querySelectorAll(".panel-tabs .tab")) {
      tab.setAttribute("aria-selected", String(tab.dataset.panel === name));
    }
    for (const box of document.querySelectorAll(".tab-panel")) box.classList.toggle("shown", box.dataset.tab === name);
    showRunHeader();
    draw();
  }
  for (const tab of document.querySelectorAll(".panel-tabs .tab")) {
    tab.addEventListener("click", () => store.set({ view: { ...store.get().view, panel: tab.dataset.panel } }));
  }
  showPanel(PANELS.includes(panel()) ? panel() : "landscape");

  const view = createView({ store, player, run: train, ran: (state) => bodyOf(state) === trainedBody, decode, encode,
    refresh: () => controls?.renderAll(), cursorListeners, endListeners });
  // The bridge (embed.js, a static import: the page's load event waits for it) has listened since then.
  if (embedded) connectEmbed(view);

  // A change trains again only when it changes the request (a scene set from outside has trained already).
  const retrain = debounce(() => bodyOf(store.get()) !== trainedBody && train(), 250);
  const syncURL = urlSync(encode);
  let shownView = store.get().view;
  store.subscribe((state, patch) => {
    syncURL(state);
    if (Object.keys(patch).some((key) => key !== "cursor" && key !== "view")) retrain();
    if ("view" in patch) {
      player.setSpeed(state.view.speed);
      $("speed").value = String(state.view.speed);
      if (state.view.panel !== shownView.panel) showPanel(state.view.panel);
      if (state.view.run !== shownView.run && runs.length) showLayersOf(selected());
      shownView = state.view;
    }
  });

  // In a slide, R and the reset button go back to the scene as prepared (elsewhere R trains again).
  wirePlayback(player, store, train, { reset: guarded() ? view.reset : null });
  $("share")?.addEventListener("click", async () => {
    const query = [encode(store.get()), viewOptions()].filter(Boolean).join("&");
    await copyText(`${location.origin}${location.pathname}?${withLang(query)}`);
    say(t("network.link_copied"));
  });
  $("embed-code")?.addEventListener("click", async () => {
    await copyText(embedSnippet(withLang(encode(store.get())), "/network/embed"));
    say(t("network.embed_copied"));
  });
  $("export-json")?.addEventListener("click", () => {
    const records = race() ? runs.map((r) => ({ label: r.label, records: r.records })) : runs[0]?.records ?? [];
    download("gdviz-network.json", JSON.stringify({ request: trainBody(store.get()), records, landscape }),
      "application/json");
  });
  await train();
  await whenDrawn();
  view.markReady();
}

main().catch((error) => say(t("network.failed", { reason: error.message }), "error"));
