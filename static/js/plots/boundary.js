// The decision boundary (or the fitted function) over the data points, one frame per record.
// The only caller of Plotly for its figure.
import { boxSize, followBox } from "./frame.js";

const CLASSES = [[0, "#2f6fd0"], [0.5, "#f4f6fa"], [1, "#e8772e"]];
const VALUES = [[0, "#2f6fd0"], [0.5, "#f4f6fa"], [1, "#e8772e"]];

export function createBoundary(element) {
  const Plotly = window.Plotly;
  let ready = false;

  const layout = (title) => ({
    ...boxSize(element),
    margin: { l: 36, r: 8, t: 24, b: 28 },
    title: { text: title, font: { size: 13 }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
    showlegend: false,
    paper_bgcolor: "rgba(0,0,0,0)",
    font: { family: "system-ui, sans-serif", size: 11, color: "#1d2330" },
    xaxis: { zeroline: false, showgrid: false, fixedrange: true },
    yaxis: { zeroline: false, showgrid: false, fixedrange: true },
  });

  followBox(element, (size) => ready && Plotly.relayout(element, size));

  return {
    setData(data, grid, task) {
      const classes = task === "classification";
      const ys = data.y;
      const range = classes ? [0, 1] : [Math.min(...ys), Math.max(...ys)];
      const heat = { type: "heatmap", x: grid.x, y: grid.y, z: grid.y.map(() => grid.x.map(() => null)),
        colorscale: classes ? CLASSES : VALUES, zmin: range[0], zmax: range[1], showscale: false, hoverinfo: "skip",
        zsmooth: "best", opacity: 0.85 };
      const points = { type: "scatter", mode: "markers", x: data.x.map((p) => p[0]), y: data.x.map((p) => p[1]),
        marker: { size: 6, color: ys, cmin: range[0], cmax: range[1], colorscale: classes ? CLASSES : VALUES,
          line: { color: "#1d2330", width: 0.8 } }, hovertemplate: "(%{x:.3g}, %{y:.3g}) → %{marker.color:.3g}<extra></extra>" };
      Plotly.react(element, [heat, points], layout(classes ? "decision boundary: P(class 1)" : "prediction"),
        { displaylogo: false, displayModeBar: false, responsive: false });
      ready = true;
    },
    setFrame(z) {
      if (ready && z) Plotly.restyle(element, { z: [z] }, [0]);
    },
    element,
  };
}
