// Per-layer gradient norms against the step, in log colour: vanishing and exploding
// gradients show as a dark or bright band. The only caller of Plotly for its figure.
import { boxSize, followBox, perFrame } from "./frame.js";

export function createLayerHeatmap(element, { title }) {
  const Plotly = window.Plotly;
  let steps = [];
  let rows = []; // per layer: values
  let names = [];
  let cursor = null;

  const draw = perFrame(() => {
    const z = rows.map((row) => row.map((v) => (v > 0 ? Math.log10(v) : null)));
    Plotly.react(element, [{ type: "heatmap", x: steps, y: names, z, colorscale: "Viridis", hoverongaps: false,
      colorbar: { title: { text: "log₁₀", side: "right" }, thickness: 10, len: 0.9 },
      hovertemplate: "%{y}, step %{x}: 10^%{z:.2f}<extra></extra>" }], {
      ...boxSize(element),
      margin: { l: 62, r: 8, t: 24, b: 22 },
      title: { text: title, font: { size: 13 }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
      paper_bgcolor: "rgba(0,0,0,0)",
      font: { family: "system-ui, sans-serif", size: 11, color: "#1d2330" },
      shapes: cursor === null ? [] : [{ type: "line", xref: "x", yref: "paper", x0: cursor, x1: cursor, y0: 0, y1: 1,
        line: { color: "#ffffff", width: 1.5, dash: "dot" } }],
    }, { displaylogo: false, displayModeBar: false, responsive: false });
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
