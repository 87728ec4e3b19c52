// Wires the Network view: catalog → store → controls, plots, player; the store drives training and the URL.
import * as api from "../api.js";
import { debounce } from "../dom.js";
import { copyText, download, embedSnippet } from "../export.js";
import { createPlayer } from "../player.js";
import { createBoundary } from "../plots/boundary.js";
import { createContour } from "../plots/contour.js";
import { perFrame, whenDrawn } from "../plots/frame.js";
import { createLayerHeatmap } from "../plots/heatmap.js";
import { createSeries } from "../plots/series.js";
import { createStore } from "../state.js";
import { createNetworkControls } from "./controls.js";
import { $, plotlyReady, say, urlSync, wirePlayback } from "../page.js";
import { decode, encode, trainBody } from "./state.js";

async function main() {
  const [catalog, datasets] = await Promise.all([api.catalog(), api.datasets(), plotlyReady]);
  const store = createStore(decode(location.search));
  let records = [];
  let landscape = null;
  let task = "classification";

  const boundary = createBoundary($("boundary"));
  const loss = createSeries($("loss"), { title: "loss (full data)", onHover: (s) => showRecord(s) });
  const accuracy = createSeries($("accuracy"), { title: "accuracy", log: false, onHover: (s) => showRecord(s),
    emptyText: "accuracy: classification only" });
  const grads = createLayerHeatmap($("grad-heatmap"), { title: "gradient norm per layer ‖∂L/∂W‖" });
  const weights = createSeries($("weights"), { title: "weight norm per layer ‖W‖", onHover: (s) => showRecord(s) });
  const scape = createContour($("landscape"), { onPick: () => {} });
  const player = createPlayer({ slider: $("scrub"), playButton: $("play"), readout: $("readout"),
    onCursor: (i) => showIndex(i) });
  if ($("controls")) createNetworkControls($("controls"), { store, catalog, datasets });

  let shown = 0;
  const draw = perFrame(() => {
    const record = records[shown];
    if (!record) return;
    boundary.setFrame(record.z);
    for (const series of [loss, accuracy, weights]) series.setCursor(record.step);
    grads.setCursor(record.step);
    if (landscape) scape.setCursor([{ x: landscape.path.a[shown], y: landscape.path.b[shown], loss: record.loss }]);
    $("readout").textContent = `step ${record.step} · loss ${record.loss.toPrecision(3)}`
      + (record.accuracy === null ? "" : ` · ${(100 * record.accuracy).toFixed(1)}%`);
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
    records = [];
    landscape = null;
    document.body.classList.add("busy");
    delete document.body.dataset.runs;
    say("");
    const layerNames = [...state.hidden.map((_, i) => `layer ${i + 1}`), "output"];
    const onLine = (line) => {
      if (line.type === "start") {
        task = line.task;
        boundary.setData(line.data, line.boundary, task);
        loss.setRuns(["loss"]);
        accuracy.setRuns(task === "classification" ? ["accuracy"] : []);
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
        const final = records.at(-1);
        const info = { name: "landscape", title: "landscape", domain: { x: [line.a[0], line.a.at(-1)],
          y: [line.b[0], line.b.at(-1)] }, start: [line.path.a[0], line.path.b[0]],
          minima: [{ x: 0, y: 0, f: final.loss }], saddles: [], local_minima: [] };
        scape.reset({ info, grid: { x: line.a, y: line.b, z: line.loss }, view: { threeD: false, logColor: true },
          startAt: null, runLabels: ["training path"] });
        scape.appendChunk(0, { x: line.path.a, y: line.path.b, loss: records.map((r) => r.loss) });
      } else if (line.type === "end") {
        if (line.status === "diverged") say("Training diverged: the records end at the last finite weights.", "error");
      } else if (line.type === "done") {
        if (state.cursor !== null) player.set(state.cursor);
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

  const retrain = debounce(train, 250);
  const syncURL = urlSync(encode);
  store.subscribe((state, patch) => {
    syncURL(state);
    if (Object.keys(patch).some((key) => key !== "cursor" && key !== "view")) retrain();
    if ("view" in patch) player.setSpeed(state.view.speed);
  });

  wirePlayback(player, store, train);
  $("share")?.addEventListener("click", async () => {
    await copyText(location.href);
    say("Link copied: it reproduces this view.");
  });
  $("embed-code")?.addEventListener("click", async () => {
    await copyText(embedSnippet(encode(store.get()), "/network/embed"));
    say("Embed code copied: paste the <iframe> into your slides.");
  });
  $("export-json")?.addEventListener("click", () =>
    download("gdviz-network.json", JSON.stringify({ request: trainBody(store.get()), records, landscape }), "application/json"),
  );
  await train();
}

main().catch((error) => say(`gdviz could not start: ${error.message}`, "error"));
