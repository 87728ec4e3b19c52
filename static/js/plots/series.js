// A value against the step, one line per optimizer, with a cursor at the current
// step (loss, gradient norm and learning rate each use one). The only caller of
// Plotly for its figure.
import { colorOf } from "./colors.js";
import { boxSize, followBox, perFrame } from "./frame.js";

export function createSeries(element, { title, log = true, onHover, emptyText = "" }) {
  const Plotly = window.Plotly;
  let steps = []; // per run: step indices
  let values = []; // per run: values
  let pending = [];
  let labels = [];
  let cursor = null;

  const layout = () => ({
    ...boxSize(element),
    margin: { l: 52, r: 8, t: 24, b: 22 },
    title: { text: title, font: { size: 13 }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
    showlegend: false,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#fbfcfe",
    font: { family: "system-ui, sans-serif", size: 11, color: "#1d2330" },
    xaxis: { zeroline: false, gridcolor: "#e8ecf2", ticklen: 3 },
    yaxis: { type: log ? "log" : "linear", exponentformat: "power", nticks: 5, gridcolor: "#e8ecf2",
      zeroline: false },
    hovermode: "x unified",
    shapes: cursor === null ? [] : [cursorShape(cursor)],
    annotations: labels.length || !emptyText ? [] : [{ text: emptyText, showarrow: false, xref: "paper", yref: "paper",
      x: 0.5, y: 0.5, font: { color: "#5d6677" } }],
    uirevision: "keep",
  });
  const cursorShape = (step) => ({
    type: "line", xref: "x", yref: "paper", x0: step, x1: step, y0: 0, y1: 1,
    line: { color: "#1d2330", width: 1.2, dash: "dot" },
  });

  // A log axis cannot show zero or negative values: they are left out of the line.
  const shown = (v) => (log && !(v > 0) ? null : v);

  function render() {
    const traces = labels.map((label, i) => ({
      type: "scatter",
      mode: "lines",
      name: label,
      x: [...steps[i]], // copies: Plotly keeps the arrays it is given and extendTraces grows them
      y: values[i].map(shown),
      line: { color: colorOf(i), width: 1.8 },
      hovertemplate: `%{y:.4g}<extra>${label}</extra>`,
    }));
    Plotly.react(element, traces, layout(), { displaylogo: false, responsive: false, displayModeBar: false });
  }

  const flush = perFrame(() => {
    const indices = [];
    const update = { x: [], y: [] };
    pending.forEach((p, i) => {
      if (!p.x.length) return;
      indices.push(i);
      update.x.push(p.x);
      update.y.push(p.y.map(shown));
      pending[i] = { x: [], y: [] };
    });
    if (indices.length) Plotly.extendTraces(element, update, indices);
  });

  render();
  followBox(element, (size) => Plotly.relayout(element, size));
  element.on?.("plotly_hover", (event) => onHover?.(event.points[0]?.x ?? null));
  element.on?.("plotly_unhover", () => onHover?.(null));

  return {
    setRuns(newLabels) {
      labels = newLabels;
      steps = labels.map(() => []);
      values = labels.map(() => []);
      pending = labels.map(() => ({ x: [], y: [] }));
      render();
    },
    // chunkSteps: the step of each value
    append(run, chunkSteps, chunkValues) {
      steps[run].push(...chunkSteps);
      values[run].push(...chunkValues);
      pending[run].x.push(...chunkSteps);
      pending[run].y.push(...chunkValues);
      flush();
    },
    setCursor(step) {
      if (step === cursor) return;
      cursor = step;
      Plotly.relayout(element, { shapes: step === null ? [] : [cursorShape(step)] });
    },
    element,
  };
}
