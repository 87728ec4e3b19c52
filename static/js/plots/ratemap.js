// The momentum phase map: the convergence rate of SGD with momentum over (lr, β) for a quadratic of the
// surface's curvature (POST /api/analyze/momentum), as a heatmap with contour lines of equal rate, the
// cells that diverge (rate ≥ 1) in a red of their own, and marks for the runs of the view. A click hands
// the (lr, β) under the pointer to `onPick`. The only caller of Plotly for its figure; the explorer's
// "Why" panel and the sweep page both draw it.
import { t } from "../i18n.js";
import { boxSize, followBox, plotConfig } from "./frame.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

// Coloured by how many nines the rate has, −log₁₀(1 − rate): 0 is a rate of 0 (one step to the
// minimum), 1 is 0.9, 2 is 0.99 ... so that an ill-conditioned bowl (every rate above 0.99) shows its
// structure as well as a round one. Dark is fast, pale is slow; the diverged red is in no part of the scale.
export const RATE_SCALE = [[0, "#0b2e59"], [0.3, "#2c6aa6"], [0.6, "#8fbcd9"], [0.85, "#dcebf3"], [1, "#fbfbf4"]];
export const DIVERGED = "#e0301e";
const INK = "#1d2330";
const NINES = 4; // at most: a rate of 0.9999 or slower is the palest colour
const nines = (rate) => Math.min(NINES, -Math.log10(Math.max(1 - rate, 10 ** -NINES)));
// The colour bar's labels: rates, at their nines.
const TICK_RATES = [0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999];

// The scale spans the map's own rates (its slowest quarter all palest), from one nine (a round bowl: rates
// 0 … 0.9) to four (an ill-conditioned one); eight lines of equal rate split it. Where the rate is √β
// (complex eigenvalues) they run level with the lr axis: the ripples of the map.
function scaleOf(converging) {
  const values = converging.flat().filter((v) => v !== null).sort((a, b) => a - b);
  const slow = values.length ? values[Math.floor(0.75 * (values.length - 1))] : 1;
  const top = Math.min(NINES, Math.max(1, Math.ceil(slow * 2) / 2));
  const ticks = TICK_RATES.filter((r) => nines(r) <= top + 1e-9);
  const shown = ticks.length > 6 ? ticks.filter((r, i) => i % 2 === 0 || i === ticks.length - 1) : ticks;
  return { top, ticks: shown, levels: { start: top / 8, end: (top * 7) / 8, size: top / 8 } };
}

// Equally spaced in log: the lr axis was asked for with `log: true`.
const isGeometric = (values) =>
  values.length > 2 && values[0] > 0 && Math.abs(values[2] / values[1] - values[1] / values[0]) < 1e-6 * (values[1] / values[0]);

// Plotly's contour lines cost ~ the cells they cross (2 s on 256 × 256, 70 ms on 64 × 64): they are
// traced on every k-th row and column (the last kept), at most LINE_GRID a side; the colours keep every cell.
const LINE_GRID = 64;
function thin(values) {
  const k = Math.ceil(values.length / LINE_GRID);
  return k <= 1 ? values : values.filter((_, i) => i % k === 0 || i === values.length - 1);
}

/** Steps for the error to shrink tenfold at this rate (null: it does not shrink). */
export const stepsPerDecade = (rate) => (rate > 0 && rate < 1 ? Math.ceil(-1 / Math.log10(rate)) : null);

function traces({ lr, momentum, rate }, marks) {
  const theme = plotTheme();
  // A rate of exactly 1 (lr = 0, or β = 1) only stalls; above 1 the error grows.
  const grows = (r) => r !== null && r > 1 + 1e-12;
  const converging = rate.map((row) => row.map((r) => (r === null || grows(r) ? null : nines(r))));
  const diverging = rate.map((row) => row.map((r) => (grows(r) ? 1 : null)));
  const cells = rate.map((row) => row.map((r) => [r, stepsPerDecade(r) ?? "—"]));
  const where = `lr = %{x:.4g}<br>β = %{y:.4g}<br>`;
  const scale = scaleOf(converging);
  return [
    { type: "heatmap", name: "rate", x: lr, y: momentum, z: converging, zmin: 0, zmax: scale.top, colorscale: RATE_SCALE,
      customdata: cells, hoverongaps: false,
      hovertemplate: `${where}${t("why.ratemap.hover", { rate: "%{customdata[0]:.6f}", steps: "%{customdata[1]}" })}`
        + "<extra></extra>",
      colorbar: { title: { text: t("why.ratemap.colorbar"), side: "right", font: { size: theme.font } },
        thickness: theme.font, len: 1, y: 0.5, tickfont: { size: theme.font }, tickvals: scale.ticks.map(nines),
        ticktext: scale.ticks.map(String) } },
    { type: "heatmap", name: "diverged", x: lr, y: momentum, z: diverging, zmin: 0, zmax: 1, showscale: false,
      colorscale: [[0, DIVERGED], [1, DIVERGED]], hoverongaps: false, customdata: cells,
      hovertemplate: `${where}${t("why.ratemap.hover_diverged", { rate: "%{customdata[0]:.4g}" })}<extra></extra>` },
    { type: "contour", name: "levels", x: thin(lr), y: thin(momentum), z: thin(converging).map(thin), autocontour: false,
      contours: { ...scale.levels, coloring: "none" }, line: { color: "rgba(29,35,48,0.5)", width: 1 }, showscale: false,
      hoverinfo: "skip", connectgaps: false },
    { type: "scatter", mode: "markers", name: "runs", x: marks.map((m) => m.lr), y: marks.map((m) => m.momentum),
      text: marks.map((m) => m.label ?? ""), cliponaxis: false,
      marker: { size: theme.marker + 6, color: marks.map((m) => m.color ?? INK), symbol: "circle",
        line: { color: "#ffffff", width: 2 } },
      hovertemplate: `%{text}<br>${where}<extra></extra>` },
  ];
}

// Each mark's name on a light ground (readable on the dark, fast cells), above it or, high on the map, below.
// (On a log axis an annotation is placed by log₁₀ of its value.)
const labels = (marks, momentum, log) => marks.filter((m) => m.label).map((m) => ({ x: log ? Math.log10(m.lr) : m.lr,
  y: m.momentum, text: m.label,
  xref: "x", yref: "y", showarrow: false, yshift: (m.momentum > 0.6 * momentum.at(-1) ? -1 : 1) * (plotTheme().font + 4),
  bgcolor: "rgba(255,255,255,0.85)", borderpad: 1, font: { size: plotTheme().font, color: m.color ?? INK } }));

function layout(element, { lr, momentum }, marks = []) {
  const theme = plotTheme();
  const axis = (text, values, log) => ({ title: { text, font: { size: theme.axisTitle }, standoff: 2 },
    type: log ? "log" : "linear", range: log ? [Math.log10(values[0]), Math.log10(values.at(-1))] : [values[0], values.at(-1)],
    ticks: "outside", showgrid: false, zeroline: false, fixedrange: true, automargin: true, tickfont: { size: theme.font } });
  return {
    ...boxSize(element),
    margin: { l: 8, r: 8, t: theme.font + 6, b: 8 }, // room for a mark's name at the top
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    font: { family: FONT_FAMILY, size: theme.font, color: INK },
    hoverlabel: { font: { family: FONT_FAMILY, size: theme.font } },
    annotations: labels(marks, momentum, isGeometric(lr)),
    xaxis: axis(t("why.ratemap.lr_axis"), lr, isGeometric(lr)),
    yaxis: axis(t("why.ratemap.momentum_axis"), momentum, false),
    showlegend: false,
    dragmode: false,
    hovermode: "closest",
  };
}

/**
 * Draws (or redraws) the map of `{lr, momentum, rate}` (rate[j][i] for momentum[j], lr[i]) into `element`,
 * with `marks` [{lr, momentum, color, label}]; a click on the map calls `onPick(lr, momentum)`. The element
 * keeps following its box's size.
 */
export function drawRateMap(element, map, { marks = [], onPick = null } = {}) {
  const Plotly = window.Plotly;
  element.__rateMap = { map, marks, onPick };
  const draw = () => {
    const shown = element.__rateMap;
    return Plotly.react(element, traces(shown.map, shown.marks), layout(element, shown.map, shown.marks),
      plotConfig({ doubleClick: false, scrollZoom: false, showTips: false }));
  };
  const drawn = draw();
  if (!element.__rateMapWired) {
    element.__rateMapWired = true;
    element.on("plotly_click", (event) => {
      const point = event.points?.[0];
      const pick = element.__rateMap?.onPick;
      if (point && pick) pick(Number(point.x), Number(point.y));
    });
    followBox(element, () => element.__rateMap && draw());
  }
  element.dataset.marks = String(marks.length);
  return drawn;
}
