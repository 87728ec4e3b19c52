// The decision boundary over the data points (classification), or the fitted function against x₁
// (regression), one frame per record. Held-out test points (`data.test`) are drawn hollow, in the same
// colours, and the title says so.
// The only caller of Plotly for its figure.
import { t } from "../i18n.js";
import { CLASSES } from "./colors.js";
import { boxSize, followBox, plotConfig } from "./frame.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

const INK = "#1d2330";

export function createBoundary(element) {
  const Plotly = window.Plotly;
  const config = plotConfig();
  let ready = false;

  const layout = (title, xTitle = "") => {
    const theme = plotTheme();
    const axis = (text) => ({ title: { text, font: { size: theme.axisTitle }, standoff: 2 }, zeroline: false,
      showgrid: false, fixedrange: true });
    return {
      ...boxSize(element),
      margin: { l: 8 + 3 * theme.font, r: 8, t: 2 * theme.title, b: (xTitle ? 10 : 6) + 2 * theme.font },
      title: { text: title, font: { size: theme.title }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
      showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)",
      font: { family: FONT_FAMILY, size: theme.font, color: INK },
      hoverlabel: { font: { family: FONT_FAMILY } },
      xaxis: { ...axis(xTitle), automargin: true },
      yaxis: axis(""),
    };
  };

  followBox(element, (size) => ready && Plotly.relayout(element, size));

  let curveRow = null; // regression: the grid row whose fitted values are drawn as a curve

  // The points as one trace, or with a test split two: training (filled) then test (hollow, meta "test").
  function pointTraces(data, trace) {
    const held = new Set(data.test ?? []);
    const part = (test) => {
      const keep = data.x.map((_, i) => i).filter((i) => held.has(i) === test);
      return trace(keep, test);
    };
    return held.size ? [part(false), { ...part(true), meta: "test" }] : [trace(data.x.map((_, i) => i), false)];
  }
  const titled = (title, data) => (data.test?.length ? t("network.plot.with_test", { title }) : title);

  return {
    setData(data, grid, task) {
      const theme = plotTheme();
      const hollow = (marker) => ({ ...marker, color: "#ffffff",
        line: { color: marker.color, width: Math.max(2, theme.line) } });
      if (task === "regression") {
        // The fitted function against x₁, at the middle x₂ of the data, over the points (x₁, y).
        curveRow = Math.floor(grid.y.length / 2);
        const points = pointTraces(data, (keep, test) => {
          const marker = { size: theme.marker - 1, color: "#2f6fd0", opacity: test ? 1 : 0.6 };
          return { type: "scatter", mode: "markers", x: keep.map((i) => data.x[i][0]), y: keep.map((i) => data.y[i]),
            marker: test ? hollow(marker) : marker,
            hovertemplate: `${t(test ? "network.hover.test_sample" : "network.hover.sample",
              { x: "%{x:.3g}", y: "%{y:.3g}" })}<extra></extra>` };
        });
        const curve = { type: "scatter", mode: "lines", x: grid.x, y: grid.x.map(() => null),
          line: { color: "#e8772e", width: Math.max(3, theme.line) },
          hovertemplate: `${t("network.hover.fit", { y: "%{y:.3g}" })}<extra></extra>` };
        const title = titled(t("network.plot.fit", { x2: grid.y[curveRow].toPrecision(2) }), data);
        Plotly.react(element, [curve, ...points], layout(title, "x₁"), config);
        ready = true;
        return;
      }
      curveRow = null;
      const ys = data.y;
      const empty = grid.y.map(() => grid.x.map(() => null));
      const heat = { type: "heatmap", x: grid.x, y: grid.y, z: empty, colorscale: CLASSES, zmin: 0, zmax: 1,
        showscale: false, hoverinfo: "skip", zsmooth: "best", opacity: 0.85 };
      // The boundary itself, P = 0.5, as a line: it shows even where the network is unsure everywhere.
      const boundary = { type: "contour", x: grid.x, y: grid.y, z: empty, autocontour: false, showscale: false,
        contours: { start: 0.5, end: 0.5, size: 1, coloring: "none" }, line: { color: INK, width: theme.line },
        hoverinfo: "skip" };
      // A test point is a ring in its class's colour around a white centre: an open marker alone would vanish
      // where the boundary's colour is its own.
      const points = pointTraces(data, (keep, test) => {
        const classes = keep.map((i) => ys[i]);
        const marker = test
          ? { size: theme.marker + 2, color: "#ffffff", line: { color: classes, cmin: 0, cmax: 1, colorscale: CLASSES,
            width: Math.max(2, theme.line) } }
          : { size: theme.marker, color: classes, cmin: 0, cmax: 1, colorscale: CLASSES,
            line: { color: INK, width: theme.line / 2 } };
        return { type: "scatter", mode: "markers", x: keep.map((i) => data.x[i][0]), y: keep.map((i) => data.x[i][1]),
          marker, customdata: classes,
          hovertemplate: `${t(test ? "network.hover.test_class" : "network.hover.class",
            { x: "%{x:.3g}", y: "%{y:.3g}", label: "%{customdata}" })}<extra></extra>` };
      });
      Plotly.react(element, [heat, boundary, ...points], layout(titled(t("network.plot.boundary"), data)), config);
      ready = true;
    },
    setFrame(z) {
      if (!ready || !z) return;
      if (curveRow === null) Plotly.restyle(element, { z: [z, z] }, [0, 1]);
      else Plotly.restyle(element, { y: [z[curveRow]] }, [0]);
    },
    element,
  };
}
