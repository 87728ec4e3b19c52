// One value per layer of a network: as lines against the step on a log axis (gradient and weight norms
// over training), or as bars at the step shown. Layers take one colour ramp by depth, the same in both,
// so that vanishing gradients read as the deep-blue first layers falling below the orange output.
// A value of exactly 0 (a layer of dead ReLUs) has no place on a log axis: it is drawn on a floor a
// decade below the smallest value, marked "0", never left out.
// The only caller of Plotly for its figures.
import { formatNumber } from "../dom.js";
import { t } from "../i18n.js";
import { boxSize, followBox, perFrame, plotConfig } from "./frame.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

const INK = "#1d2330";
const RAMP = [[0x17, 0x37, 0x7a], [0x5b, 0x3a, 0x9b], [0xb0, 0x30, 0x6e], [0xd3, 0x5f, 0x00]]; // first layer → output

/** The colour of layer `i` of `count`: first layer navy, the output dark orange. */
export function layerColor(i, count) {
  const s = count <= 1 ? 1 : i / (count - 1);
  const k = Math.min(RAMP.length - 2, Math.floor(s * (RAMP.length - 1)));
  const f = s * (RAMP.length - 1) - k;
  const mix = RAMP[k].map((c, j) => Math.round(c + f * (RAMP[k + 1][j] - c)));
  return `#${mix.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

// "━ layer 1 ━ layer 2 ━ output", or for a deep network "layer ━1 ━2 … ━8 ━output": the ramp's legend. Beyond
// five layers only the ends are named ("layer ━1 … ━output"): the ramp runs between them, and nine names
// would not fit a side plot's width.
const rampLegend = ({ prefix = "", names }) => {
  const shown = names.length > 5 ? [0, null, names.length - 1] : names.map((_, i) => i);
  const item = (i) => (i === null ? "…"
    : `<span style="color:${layerColor(i, names.length)}">━</span>${prefix ? "" : " "}${names[i]}`);
  return [prefix, ...shown.map(item)].filter(Boolean).join("  ");
};

// The log axis's extent of positive values, and the floor that stands for 0 below it.
function extentOf(columns) {
  let lo = Infinity;
  let hi = 0;
  let zeros = 0;
  for (const column of columns) {
    for (const v of column) {
      if (v > 0) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
      else if (v === 0) zeros += 1;
    }
  }
  if (!(hi > 0)) ((lo = 1e-3), (hi = 1));
  const floor = zeros ? 10 ** (Math.floor(Math.log10(lo)) - 1) : null;
  return { lo, hi, floor };
}

// Ticks of a log axis over [lo, hi]: over two decades or more, one every decade or every few decades, as
// many as `room` labels fit; within fewer, the finest of 1 · 10ᵏ, (1, 3) · 10ᵏ, (1, 2, 5) · 10ᵏ that puts no
// more than four labels on it.
function logTicks(lo, hi, room = 6) {
  const decades = Math.log10(hi / lo);
  if (decades >= 2) return { dtick: Math.max(1, Math.ceil(decades / Math.max(2, room))) };
  const within = (mantissas) => {
    const out = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of mantissas) if (m * 10 ** k >= lo * 0.999 && m * 10 ** k <= hi * 1.001) out.push(m * 10 ** k);
    }
    return out;
  };
  const fits = [[1, 2, 5], [1, 3], [1]].map(within).find((ticks) => ticks.length <= 4 && ticks.length >= 2)
    ?? [lo, hi].map((v) => Number(v.toPrecision(2)));
  return { tickmode: "array", tickvals: fits, ticktext: fits.map((v) => formatNumber(v)) };
}

function frame(element, title, legend, floor, [lo, hi] = [1e-3, 1]) {
  const theme = plotTheme();
  const shapes = [];
  // The legend is a line of its own under the title, above the plot.
  const annotations = legend ? [{ text: legend, showarrow: false, xref: "paper", x: 0, xanchor: "left", yref: "paper",
    y: 1, yanchor: "bottom", yshift: 1, font: { size: theme.legend }, meta: "legend" }] : [];
  if (floor !== null) {
    shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: floor * Math.sqrt(10), y1: floor * Math.sqrt(10),
      line: { color: "#8a93a6", width: 1, dash: "dot" }, meta: "floor" });
    annotations.push({ text: t("network.plot.zero"), showarrow: false, xref: "paper", x: 0.01, xanchor: "left",
      yref: "y", y: Math.log10(floor), yanchor: "middle", font: { size: theme.font, color: "#5d6677" },
      bgcolor: "rgba(255,255,255,0.8)" });
  }
  const size = boxSize(element);
  const top = theme.title + (legend ? theme.legend + 10 : 0) + 12;
  const room = Math.floor(((size.height ?? 200) - top - 22) / (1.6 * theme.font)); // tick labels that fit apart
  return {
    ...size,
    margin: { l: 52, r: 8, t: top, b: 22 },
    title: { text: title, font: { size: theme.title }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
    showlegend: false,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#fbfcfe",
    font: { family: FONT_FAMILY, size: theme.font, color: INK },
    hoverlabel: { font: { size: theme.title, family: FONT_FAMILY } },
    yaxis: { type: "log", gridcolor: "#e8ecf2", automargin: true, tickfont: { size: theme.font },
      exponentformat: "power", ...logTicks(floor ?? lo, hi, room) },
    shapes,
    annotations,
    uirevision: "keep",
  };
}

const place = (floor) => (v) => (v > 0 ? v : v === 0 && floor !== null ? floor : null);

/** Lines of one value per layer against the step (log axis); `setCursor(step)` marks the step shown. */
export function createLayerLines(element, { title, onHover }) {
  const Plotly = window.Plotly;
  let names = [];
  let key = { names: [] }; // the legend's words
  let steps = [];
  let columns = []; // per layer: values
  let cursor = null;
  let caption = title;
  let drawnFloor = null;

  const cursorShape = () => (cursor === null ? [] : [{ type: "line", xref: "x", yref: "paper", x0: cursor, x1: cursor,
    y0: 0, y1: 1, line: { color: INK, width: plotTheme().cursor, dash: "dot" }, meta: "cursor" }]);

  const draw = perFrame(() => {
    const theme = plotTheme();
    const { lo, hi, floor } = extentOf(columns);
    drawnFloor = floor;
    const at = place(floor);
    const traces = names.map((name, i) => ({
      type: "scatter", mode: "lines", name, x: [...steps], y: columns[i].map(at), customdata: [...columns[i]],
      line: { color: layerColor(i, names.length), width: theme.line },
      hovertemplate: `%{customdata:.3g}<extra>${name}</extra>`,
    }));
    const layout = frame(element, caption, rampLegend(key), floor, [lo, hi]);
    layout.xaxis = { zeroline: false, gridcolor: "#e8ecf2", tickfont: { size: theme.font },
      unifiedhovertitle: { text: t("contour.hover_step", { step: "%{x}" }) } };
    layout.hovermode = "x unified";
    layout.shapes = [...layout.shapes, ...cursorShape()];
    Plotly.react(element, traces, layout, plotConfig());
  });
  followBox(element, () => draw());
  element.on?.("plotly_hover", (event) => onHover?.(event.points[0]?.x ?? null));
  element.on?.("plotly_unhover", () => onHover?.(null));

  return {
    /** New layers (and a new title: the run they belong to), with the values recorded so far. `legend`:
     * {prefix, names}, shorter names for the legend ("layer" and 1 … 8, output). */
    reset(layerNames, { title: newTitle = title, steps: known = [], values = [], legend = { names: layerNames } } = {}) {
      names = layerNames;
      key = legend;
      caption = newTitle;
      steps = [...known];
      columns = names.map((_, i) => values.map((v) => v[i]));
      draw();
    },
    append(step, values) {
      steps.push(step);
      values.forEach((v, i) => columns[i].push(v));
      draw();
    },
    setCursor(step) {
      if (step === cursor) return;
      cursor = step;
      if (element.layout) {
        const kept = (element.layout.shapes ?? []).filter((s) => s.meta !== "cursor");
        Plotly.relayout(element, { shapes: [...kept, ...cursorShape()] });
      }
    },
    get floor() {
      return drawnFloor;
    },
    element,
  };
}

/** Bars of one value per layer at one step, on a log axis fixed for the whole training (`setRange`). */
export function createLayerBars(element, { title }) {
  const Plotly = window.Plotly;
  let names = [];
  let values = [];
  let range = { lo: 1e-3, hi: 1, floor: null };
  let caption = title;
  let axisTitle = "";

  const draw = perFrame(() => {
    const theme = plotTheme();
    const at = place(range.floor);
    const bottom = range.floor ?? range.lo;
    const layout = frame(element, caption, "", range.floor, [bottom / 2, range.hi * 2]);
    layout.yaxis.range = [Math.log10(bottom) - 0.3, Math.log10(range.hi) + 0.3];
    layout.xaxis = { type: "category", tickfont: { size: theme.font }, automargin: true, tickangle: "auto",
      title: { text: axisTitle, font: { size: theme.axisTitle }, standoff: 2 } };
    layout.bargap = 0.25;
    // A bar starts at the bottom of the axis: on a log axis Plotly's base 0 would sit at −∞.
    const base = 10 ** (Math.log10(bottom) - 0.3);
    Plotly.react(element, [{ type: "bar", x: names, y: values.map((v) => (at(v) === null ? null : at(v) - base)), base,
      customdata: values, marker: { color: names.map((_, i) => layerColor(i, names.length)) },
      hovertemplate: "%{x}: %{customdata:.3g}<extra></extra>", name: caption }], layout, plotConfig());
  });
  followBox(element, () => draw());

  return {
    /** The layers (`title`: the axis's word for short names), and every value they take over the training
     * (per record, per layer): the axis's extent. */
    setRange(layerNames, history, title = "") {
      names = layerNames;
      axisTitle = title;
      range = extentOf(names.map((_, i) => history.map((v) => v[i])));
      draw();
    },
    show(layerValues, newTitle) {
      values = layerValues ?? names.map(() => null);
      caption = newTitle;
      draw();
    },
    element,
  };
}
