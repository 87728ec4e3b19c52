// Per-layer gradient norms against the step, in log colour: vanishing and exploding
// gradients show as a dark or bright band, and a gradient that is exactly zero (a layer of dead
// ReLUs) as black, below the scale. The only caller of Plotly for its figure.
import { t } from "../i18n.js";
import { boxSize, followBox, perFrame, plotConfig } from "./frame.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

const VANISHED = "#000000"; // darker than the scale's darkest: no gradient at all

export function createLayerHeatmap(element, { title }) {
  const Plotly = window.Plotly;
  const config = plotConfig();
  let steps = [];
  let rows = []; // per layer: values
  let names = [];
  let cursor = null;

  const draw = perFrame(() => {
    const theme = plotTheme();
    const size = boxSize(element);
    const margin = { l: 8, r: 8, t: 2 * theme.title, b: 2 * theme.font };
    // Every layer named, however many: the labels shrink to fit their rows rather than skip some.
    const rowPx = (size.height - margin.t - margin.b) / Math.max(1, names.length);
    const tickSize = Math.max(9, Math.min(theme.font, Math.floor(rowPx - 3)));
    const z = rows.map((row) => row.map((v) => (v > 0 ? Math.log10(v) : null)));
    const vanished = rows.some((row) => row.some((v) => v === 0));
    const hover = t("network.hover.grad", { layer: "%{y}", step: "%{x}", value: "%{customdata:.3g}" });
    Plotly.react(element, [{ type: "heatmap", x: steps, y: names, z, customdata: rows, colorscale: "Viridis",
      hoverongaps: vanished, colorbar: { title: { text: "log₁₀", side: "right", font: { size: theme.legend } },
        thickness: 10, len: 0.9, nticks: Math.max(3, Math.floor(size.height / 50)) },
      hovertemplate: `${hover}<extra></extra>` }], {
      ...size,
      margin,
      plot_bgcolor: vanished ? VANISHED : "rgba(0,0,0,0)",
      title: { text: title, font: { size: theme.title }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
      paper_bgcolor: "rgba(0,0,0,0)",
      font: { family: FONT_FAMILY, size: theme.font, color: "#1d2330" },
      hoverlabel: { font: { family: FONT_FAMILY } },
      yaxis: { automargin: true, tickfont: { size: tickSize } },
      shapes: cursor === null ? [] : [{ type: "line", xref: "x", yref: "paper", x0: cursor, x1: cursor, y0: 0, y1: 1,
        line: { color: "#ffffff", width: Math.max(1.5, theme.cursor), dash: "dot" } }],
    }, config);
  });
  followBox(element, () => draw());

  return {
    reset(layerNames) {
      names = layerNames;
      steps = [];
      rows = names.map(() => []);
      draw();
    },
    append(step, values) {
      steps.push(step);
      values.forEach((v, i) => rows[i].push(v));
      draw();
    },
    setCursor(step) {
      cursor = step;
      draw();
    },
    element,
  };
}
