// The activations of each hidden layer at the step shown, as histograms stacked one layer per row (the
// picture of Glorot & Bengio 2010): tanh units piling up at ±1 are saturated, a spike at 0 is a layer
// that passes nothing on. Bars are the share of the layer's activations (every unit on every data
// point) in each bin; each row keeps one height for the whole training, so that a layer's change reads
// as its bars moving.
// The only caller of Plotly for its figure.
import { t } from "../i18n.js";
import { boxSize, followBox, perFrame, plotConfig } from "./frame.js";
import { layerColor } from "./layers.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

const INK = "#1d2330";

const shares = (hist) => {
  const total = hist.counts.reduce((a, b) => a + b, 0) || 1;
  return hist.counts.map((c) => c / total);
};

export function createHistograms(element, { title }) {
  const Plotly = window.Plotly;
  let layers = []; // per hidden layer: {edges, counts} at the step shown
  let tops = []; // per hidden layer: the largest share over the training
  let colors = []; // per hidden layer (the ramp of the whole network, output included)
  let caption = title;
  let note = "";

  const draw = perFrame(() => {
    const theme = plotTheme();
    const n = layers.length;
    const gap = n > 1 ? Math.min(0.06, 0.3 / n) : 0;
    const height = n ? (1 - gap * (n - 1)) / n : 1;
    const layout = {
      ...boxSize(element),
      margin: { l: 4 + theme.font, r: 8, t: theme.title + 14, b: 2 * theme.font },
      title: { text: caption, font: { size: theme.title }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
      showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#fbfcfe",
      font: { family: FONT_FAMILY, size: theme.font, color: INK },
      hoverlabel: { font: { size: theme.title, family: FONT_FAMILY } },
      bargap: 0.05,
      annotations: note ? [{ text: note, showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5,
        font: { color: "#5d6677", size: theme.font } }] : [],
    };
    if (!n) layout.xaxis = layout.yaxis = { visible: false };
    const traces = layers.map((hist, i) => {
      const axis = i === 0 ? "" : String(i + 1);
      const top = 1 - i * (height + gap);
      const lo = hist.edges[0];
      const hi = hist.edges.at(-1);
      layout[`yaxis${axis}`] = { domain: [Math.max(0, top - height), top], range: [0, tops[i] * 1.05 || 1],
        showticklabels: false, gridcolor: "#e8ecf2", fixedrange: true };
      // The row's name inside its top left corner: a rotated axis title would not fit a row's height.
      layout.annotations.push({ text: t("network.layer", { n: i + 1 }), showarrow: false, xref: "paper", x: 0,
        xanchor: "left", yref: `y${axis} domain`, y: 1, yanchor: "top", font: { size: theme.font, color: colors[i] ?? INK },
        bgcolor: "rgba(255,255,255,0.75)" });
      layout[`xaxis${axis}`] = { anchor: `y${axis}`, range: [lo, hi], fixedrange: true, zeroline: false,
        showticklabels: i === n - 1, tickfont: { size: theme.font }, gridcolor: "#e8ecf2",
        ...(i > 0 ? { matches: "x" } : {}) };
      const centres = hist.edges.slice(0, -1).map((e, k) => (e + hist.edges[k + 1]) / 2);
      const widths = hist.edges.slice(0, -1).map((e, k) => hist.edges[k + 1] - e);
      return { type: "bar", x: centres, y: shares(hist), width: widths, xaxis: `x${axis}`, yaxis: `y${axis}`,
        name: t("network.layer", { n: i + 1 }), marker: { color: colors[i] ?? INK },
        hovertemplate: `${t("network.hover.histogram", { layer: i + 1, share: "%{y:.1%}", x: "%{x:.2g}" })}<extra></extra>` };
    });
    Plotly.react(element, traces, layout, plotConfig());
  });
  followBox(element, () => draw());

  return {
    /** Every record's histograms of the run (per record: per hidden layer {edges, counts}): each row's height. */
    setRange(history, layerCount) {
      const hidden = history[0]?.length ?? 0;
      tops = Array.from({ length: hidden }, (_, i) => Math.max(...history.map((h) => Math.max(...shares(h[i])))));
      colors = Array.from({ length: hidden }, (_, i) => layerColor(i, layerCount));
    },
    /** The histograms at the step shown (null: none recorded, `emptyText` says why). */
    show(histograms, newTitle, emptyText = "") {
      layers = histograms ?? [];
      caption = newTitle;
      note = histograms ? "" : emptyText;
      draw();
    },
    element,
  };
}
