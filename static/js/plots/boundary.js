// The decision boundary over the data points (classification), or the fitted function against x₁
// (regression), one frame per record.
// The only caller of Plotly for its figure.
import { boxSize, followBox } from "./frame.js";

const CLASSES = [[0, "#2f6fd0"], [0.5, "#f4f6fa"], [1, "#e8772e"]];

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

  let curveRow = null; // regression: the grid row whose fitted values are drawn as a curve

  return {
    setData(data, grid, task) {
      const config = { displaylogo: false, displayModeBar: false, responsive: false };
      if (task === "regression") {
        // The fitted function against x₁, at the middle x₂ of the data, over the points (x₁, y).
        curveRow = Math.floor(grid.y.length / 2);
        const points = { type: "scatter", mode: "markers", x: data.x.map((p) => p[0]), y: data.y,
          marker: { size: 5, color: "#2f6fd0", opacity: 0.6 }, hovertemplate: "x₁ %{x:.3g} → y %{y:.3g}<extra></extra>" };
        const curve = { type: "scatter", mode: "lines", x: grid.x, y: grid.x.map(() => null),
          line: { color: "#e8772e", width: 3 }, hovertemplate: "fit %{y:.3g}<extra></extra>" };
        const title = `fitted function at x₂ = ${grid.y[curveRow].toPrecision(2)}`;
        Plotly.react(element, [curve, points], { ...layout(title), xaxis: { title: { text: "x₁" }, zeroline: false } },
          config);
        ready = true;
        return;
      }
      curveRow = null;
      const ys = data.y;
      const heat = { type: "heatmap", x: grid.x, y: grid.y, z: grid.y.map(() => grid.x.map(() => null)),
        colorscale: CLASSES, zmin: 0, zmax: 1, showscale: false, hoverinfo: "skip", zsmooth: "best", opacity: 0.85 };
      const points = { type: "scatter", mode: "markers", x: data.x.map((p) => p[0]), y: data.x.map((p) => p[1]),
        marker: { size: 6, color: ys, cmin: 0, cmax: 1, colorscale: CLASSES, line: { color: "#1d2330", width: 0.8 } },
        hovertemplate: "(%{x:.3g}, %{y:.3g}) → class %{marker.color}<extra></extra>" };
      Plotly.react(element, [heat, points], layout("decision boundary: P(class 1)"), config);
      ready = true;
    },
    setFrame(z) {
      if (!ready || !z) return;
      if (curveRow === null) Plotly.restyle(element, { z: [z] }, [0]);
      else Plotly.restyle(element, { y: [z[curveRow]] }, [0]);
    },
    element,
  };
}
