// The data panel of a data surface (kind "data": linear and logistic regression, θ = (w, b)): the data
// points, and for the step under the cursor each run's model in its colour — the line y = w·x + b, or
// the logistic curve σ(w·x + b) over the points' labels — moving as the runs play; the points of the
// step's mini-batch are ringed. The only module that calls Plotly for it.
import { t } from "../i18n.js";
import { CLASSES, colorOf } from "./colors.js";
import { boxSize, followBox, perFrame, plotConfig } from "./frame.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

const FIXED = 2; // traces before the runs' models: the points, the batch's rings
const CURVE_POINTS = 80;
const INK = "#1d2330";
const POINT = "#6b7a93";

const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The model of θ = (w, b) at the x values: a line, or the probability of label 1. */
export function modelAt(surfaceName, w, b, xs) {
  return xs.map((x) => (surfaceName === "logistic_regression" ? sigmoid(w * x + b) : w * x + b));
}

/** `box`: the panel's box (hidden unless the surface is a data surface); `element` its figure. */
export function createDataPanel(box, element) {
  const Plotly = window.Plotly;
  const style = plotTheme();
  let surface = null;
  let labels = [];
  let models = []; // per run: {w, b} or null
  let batches = []; // [{run, indices}]: each run's batch of the step shown
  let drawn = false;

  const logistic = () => surface.name === "logistic_regression";
  const data = () => surface.data;

  function xGrid() {
    const xs = data().x;
    let lo = Math.min(...xs);
    let hi = Math.max(...xs);
    const pad = 0.05 * (hi - lo || 1);
    lo -= pad;
    hi += pad;
    return Array.from({ length: CURVE_POINTS }, (_, i) => lo + ((hi - lo) * i) / (CURVE_POINTS - 1));
  }

  function yRange() {
    if (logistic()) return [-0.12, 1.12];
    const ys = data().y;
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    const pad = 0.12 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  }

  function pointsTrace() {
    const { x, y } = data();
    const color = logistic() ? y.map((label) => (label ? CLASSES[2][1] : CLASSES[0][1])) : POINT;
    return { type: "scatter", mode: "markers", name: t("plots.data.points"), x, y, meta: "points",
      marker: { color, size: style.marker, opacity: 0.75, line: { width: 0 } }, hovertemplate: "(%{x:.3g}, %{y:.3g})<extra></extra>" };
  }

  // One trace of rings for every run's batch: in the run's colour, each run's rings a size larger, so
  // that a point in two runs' batches shows both.
  function batchTrace() {
    const { x, y } = data();
    const rings = batches.flatMap(({ run, indices }, k) => indices.map((i) => ({ i, run, size: style.marker + 9 + 6 * k })));
    return { type: "scatter", mode: "markers", name: t("plots.data.batch"), meta: "batch",
      x: rings.map((r) => x[r.i]), y: rings.map((r) => y[r.i]), customdata: rings.map((r) => r.i),
      marker: { symbol: "circle-open", size: rings.map((r) => r.size), color: rings.map((r) => colorOf(r.run)),
        line: { width: 2.5 } },
      hovertemplate: `${t("plots.data.batch")} #%{customdata}<extra></extra>` };
  }

  function modelTrace(i) {
    const m = models[i];
    const xs = m ? xGrid() : [];
    return { type: "scatter", mode: "lines", name: labels[i], meta: "model", x: xs,
      y: m ? modelAt(surface.name, m.w, m.b, xs) : [], line: { color: colorOf(i), width: Math.max(2, style.line) },
      hovertemplate: `${labels[i]}: w = ${m ? m.w.toPrecision(4) : ""}, b = ${m ? m.b.toPrecision(4) : ""}<extra></extra>` };
  }

  function notes() {
    const title = t(logistic() ? "plots.data.title_logistic" : "plots.data.title_linear");
    const out = [{ text: title, showarrow: false, xref: "paper", yref: "paper", x: 0, xanchor: "left", y: 1, yanchor: "bottom",
      font: { size: style.title, color: INK } }];
    if (batches.length) {
      out.push({ text: t("plots.data.batch_note"), showarrow: false, xref: "paper",
        yref: "paper", x: 0.01, xanchor: "left", y: 0.01, yanchor: "bottom", bgcolor: "rgba(255,255,255,0.85)",
        font: { size: style.font, color: "#5d6677" } });
    }
    return out;
  }

  const layout = () => ({
    ...boxSize(element),
    margin: { l: 40, r: 8, t: style.title + 12, b: 34 },
    font: { family: FONT_FAMILY, size: style.font, color: INK },
    hoverlabel: { font: { size: style.title } },
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfcfe", showlegend: false, dragmode: false, hovermode: "closest",
    xaxis: { title: { text: "x", standoff: 2 }, zeroline: false, gridcolor: "#e8ecf2", fixedrange: true, range: [xGrid()[0], xGrid().at(-1)] },
    yaxis: { title: { text: logistic() ? t("plots.data.label_axis") : "y", standoff: 2 }, zeroline: false,
      gridcolor: "#e8ecf2", fixedrange: true, range: yRange(), automargin: true },
    annotations: notes(),
    uirevision: surface.name,
  });

  function render() {
    Plotly.react(element, [pointsTrace(), batchTrace(), ...labels.map((_, i) => modelTrace(i))], layout(), plotConfig());
    drawn = true;
  }

  const update = perFrame(() => {
    if (!drawn || box.hidden) return;
    const traces = [batchTrace(), ...labels.map((_, i) => modelTrace(i))];
    const keys = ["x", "y", "customdata", "marker", "hovertemplate"];
    const patch = Object.fromEntries(keys.map((k) => [k, traces.map((tr) => tr[k] ?? null)]));
    Plotly.restyle(element, patch, traces.map((_, k) => 1 + k));
    Plotly.relayout(element, { annotations: notes() });
  });

  followBox(element, (size) => {
    if (drawn && !box.hidden) Plotly.relayout(element, size);
  });

  return {
    /** Shows the panel for a data surface (with its data), hides it for any other. */
    setSurface(info) {
      const show = info?.kind === "data" && Boolean(info.data?.x?.length);
      box.hidden = !show;
      document.body.classList.toggle("has-data-panel", show);
      if (!show) return;
      const changed = info !== surface;
      surface = info;
      if (changed || !drawn) render();
    },
    reset(runLabels) {
      labels = runLabels;
      models = labels.map(() => null);
      batches = [];
      if (!box.hidden && surface) render();
    },
    /** models: per run {w, b} or null; stepBatches: [{run, indices}], the data indices of each run's batch. */
    show(newModels, stepBatches) {
      models = newModels;
      batches = stepBatches;
      update();
    },
    FIXED,
    element,
  };
}
