// Wires the Network view: catalog → store → controls, plots, player; the store drives training and the URL.
import * as api from "../api.js";
import { debounce } from "../dom.js";
import { copyText, download, embedSnippet } from "../export.js";
import { t, withLang } from "../i18n.js";
import { createPlayer } from "../player.js";
import { createBoundary } from "../plots/boundary.js";
import { createContour } from "../plots/contour.js";
import { perFrame, whenDrawn } from "../plots/frame.js";
import { createLayerHeatmap } from "../plots/heatmap.js";
import { createSeries } from "../plots/series.js";
import { createStore } from "../state.js";
import { connectEmbed } from "../embed.js";
import { createNetworkControls } from "./controls.js";
import { $, guarded, hiddenParts, plotlyReady, say, urlSync, viewOptions, wirePlayback } from "../page.js";
import { HIDEABLE, SIDE_PLOTS, decode, encode, trainBody } from "./state.js";
import { createView } from "../view.js";

const embedded = document.body.classList.contains("embed");
// Before any figure is drawn, so that each one is drawn at the size it keeps.
const hidden = embedded ? hiddenParts(HIDEABLE, SIDE_PLOTS) : new Set();
const cursorListeners = [];
const endListeners = [];

const readoutOf = (record) => {
  const values = { step: record.step, loss: record.loss.toPrecision(3) };
  if (record.accuracy === null) return t("network.readout", values);
  return t("network.readout_accuracy", { ...values, accuracy: (100 * record.accuracy).toFixed(1) });
};

// The landscape as the contour figure takes a surface: the plane of two directions through the final
// weights, which sit at its centre (0, 0).
const landscapeInfo = (line, final) => ({ name: "landscape", title: t("network.plot.landscape"),
  domain: { x: [line.a[0], line.a.at(-1)], y: [line.b[0], line.b.at(-1)] }, start: [line.path.a[0], line.path.b[0]],
  minima: [{ x: 0, y: 0, f: final.loss }], saddles: [], local_minima: [] });

async function main() {
  const [catalog, datasets] = await Promise.all([api.catalog(), api.datasets(), plotlyReady]);
  const store = createStore(decode(location.search));
  let records = [];
  let landscape = null;
  let trainedBody = null; // the request of the latest training started
  const bodyOf = (state) => JSON.stringify(trainBody(state));

  const boundary = createBoundary($("boundary"));
  const onHover = (step) => showRecord(step);
  const loss = createSeries($("loss"), { title: t("network.plot.loss"), onHover });
  const accuracy = createSeries($("accuracy"), { title: t("network.plot.accuracy"), log: false, onHover,
    emptyText: t("network.plot.accuracy_none") });
  const grads = createLayerHeatmap($("grad-heatmap"), { title: t("network.plot.grads") });
  const weights = createSeries($("weights"), { title: t("network.plot.weights"), onHover });
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

  let shown = 0;
  const draw = perFrame(() => {
    const record = records[shown];
    if (!record) return;
    boundary.setFrame(record.z);
    for (const series of [loss, accuracy, weights]) series.setCursor(record.step);
    grads.setCursor(record.step);
    if (landscape && scape) {
      scape.setCursor([{ x: landscape.path.a[shown], y: landscape.path.b[shown], loss: record.loss }]);
      // The path grows as the training plays (the player's step, not the mouse's), whole at the end.
      const played = player.cursor;
      scape.reveal(played >= records.length - 1 ? null : [played + 1]);
    }
    $("readout").textContent = readoutOf(record);
  });
  const showIndex = (i) => {
    shown = Math.max(0, Math.min(records.length - 1, i));
    draw();
  };
  const showRecord = (step) => {
    if (step === null) return showIndex(player.cursor);
    const i = records.findIndex((r) => r.step >= step);
    showIndex(i < 0 ? records.length - 1 : i);
  };

  async function train() {
    const state = store.get();
    const signal = player.newRun();
    trainedBody = bodyOf(state);
    records = [];
    landscape = null;
    document.body.classList.add("busy");
    delete document.body.dataset.runs;
    say("");
    const layerNames = [...state.hidden.map((_, i) => t("network.layer", { n: i + 1 })), t("network.layer_output")];
    const onLine = (line) => {
      if (line.type === "start") {
        boundary.setData(line.data, line.boundary, line.task);
        loss.setRuns([t("network.loss")]);
        accuracy.setRuns(line.task === "classification" ? [t("network.plot.accuracy")] : []);
        weights.setRuns(layerNames);
        grads.reset(layerNames);
        player.reset(state.cursor);
      } else if (line.type === "record") {
        records.push(line);
        loss.append(0, [line.step], [line.loss]);
        if (line.accuracy !== null) accuracy.append(0, [line.step], [line.accuracy]);
        line.weight_norm.forEach((w, i) => weights.append(i, [line.step], [w]));
        grads.append(line.step, line.grad_norm);
        player.setMax(records.length - 1);
      } else if (line.type === "landscape") {
        landscape = line;
        scape?.reset({ info: landscapeInfo(line, records.at(-1)), grid: { x: line.a, y: line.b, z: line.loss },
          view: { threeD: false, logColor: true }, startAt: null, runLabels: [t("network.path")] });
        scape?.appendChunk(0, { x: line.path.a, y: line.path.b, loss: records.map((r) => r.loss),
          step: records.map((r) => r.step) });
      } else if (line.type === "end") {
        if (line.status === "diverged") say(t("network.diverged"), "error");
      } else if (line.type === "done") {
        // The step asked for now: a scene may have set it while the training streamed in.
        const cursor = store.get().cursor;
        if (cursor !== null) player.set(cursor);
        else showIndex(records.length - 1);
        document.body.classList.remove("busy");
        whenDrawn().then(() => {
          if (!signal.aborted) document.body.dataset.runs = String(records.length);
        });
      }
    };
    try {
      await api.streamTraining(trainBody(state), onLine, signal);
    } catch (error) {
      if (error.name === "AbortError") return;
      document.body.classList.remove("busy");
      say(error.message, "error");
    }
  }

  const view = createView({ store, player, run: train, ran: (state) => bodyOf(state) === trainedBody, decode, encode,
    refresh: () => controls?.renderAll(), cursorListeners, endListeners });
  // The bridge (embed.js, a static import: the page's load event waits for it) has listened since then.
  if (embedded) connectEmbed(view);

  // A change trains again only when it changes the request (a scene set from outside has trained already).
  const retrain = debounce(() => bodyOf(store.get()) !== trainedBody && train(), 250);
  const syncURL = urlSync(encode);
  store.subscribe((state, patch) => {
    syncURL(state);
    if (Object.keys(patch).some((key) => key !== "cursor" && key !== "view")) retrain();
    if ("view" in patch) {
      player.setSpeed(state.view.speed);
      $("speed").value = String(state.view.speed);
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
  $("export-json")?.addEventListener("click", () =>
    download("gdviz-network.json", JSON.stringify({ request: trainBody(store.get()), records, landscape }), "application/json"),
  );
  await train();
  await whenDrawn();
  view.markReady();
}

main().catch((error) => say(t("network.failed", { reason: error.message }), "error"));
