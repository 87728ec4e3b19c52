// The hero figure: the surface (contour or 3D), known points, the paths and the
// current point of every optimizer. The only module that calls Plotly for it.
import { SURFACE_SCALE, colorOf } from "./colors.js";
import { boxSize, followBox, perFrame } from "./frame.js";

const Plotly = window.Plotly;
const FIXED = 6; // traces before the paths: surface, minima, saddles, start, cursor markers, end markers

// Colour by log(f − f_min + δ): Rosenbrock's valley and a quadratic's bowl both read.
function logScale(z, zmin, span) {
  const delta = Math.max(span * 1e-4, 1e-12);
  return (v) => (v === null ? null : Math.log10(v - zmin + delta));
}

export function createContour(element, { onPick, onHover }) {
  let surface = null;
  let gridData = null;
  let options = { threeD: false, logColor: true };
  let heads = [];
  let paths = []; // per run: {x, y, loss}
  let pending = []; // per run: points not yet drawn
  let scale = (v) => v;
  let labels = [];

  const axis = (range, title) => ({
    range, title: { text: title, standoff: 4 }, zeroline: false, showgrid: false, ticks: "outside", fixedrange: true,
  });

  let lift = 0; // in 3D, paths float a little above the surface so that it does not hide them

  function zOf(loss) {
    return (options.logColor ? scale(loss) : loss) + (options.threeD ? lift : 0);
  }

  function traces() {
    const { x: xs, y: ys, z } = gridData;
    const zc = z.map((row) => row.map(options.logColor ? scale : (v) => v));
    const runs = heads.map((head, i) => ({
      name: labels[i],
      x: [...(paths[i]?.x ?? [])], // copies: Plotly keeps the arrays it is given and extendTraces grows them
      y: [...(paths[i]?.y ?? [])],
      ...(options.threeD ? { z: (paths[i]?.loss ?? []).map(zOf), type: "scatter3d" } : { type: "scatter" }),
      mode: "lines",
      line: { color: colorOf(i), width: options.threeD ? 7 : 2.5 },
      hovertemplate: `${labels[i]}<br>θ = (%{x:.4g}, %{y:.4g})<extra></extra>`,
    }));
    const points = (list, symbol, name, color) => ({
      type: options.threeD ? "scatter3d" : "scatter",
      mode: "markers",
      name,
      x: list.map((p) => p.x),
      y: list.map((p) => p.y),
      ...(options.threeD ? { z: list.map((p) => zOf(p.f)) } : {}),
      marker: { symbol, size: options.threeD ? 5 : 11, color, line: { color: "#1d2330", width: 1.5 } },
      hovertemplate: `${name} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      showlegend: false,
    });
    const surfaceTrace = options.threeD
      ? { type: "surface", x: xs, y: ys, z: zc, colorscale: SURFACE_SCALE, showscale: false, opacity: 0.8,
          hoverinfo: "skip", contours: { z: { show: true, usecolormap: true, project: { z: false } } } }
      : { type: "contour", x: xs, y: ys, z: zc, colorscale: SURFACE_SCALE, showscale: false, ncontours: 28,
          contours: { coloring: "heatmap", showlines: true }, line: { color: "rgba(60,72,96,0.35)", width: 0.6 },
          hoverinfo: "skip", connectgaps: false };
    const start = startPoint();
    return [
      surfaceTrace,
      points([...surface.minima, ...(surface.local_minima ?? [])], "star", "minimum", "#ffd400"),
      points(surface.saddles, "x", "saddle", "#ffffff"),
      { ...points([{ x: start[0], y: start[1], f: pathsLoss0() }], "circle-open", "start", "#1d2330"),
        marker: { size: options.threeD ? 6 : 14, color: "#1d2330", line: { width: 2.5 }, symbol: "circle-open" } },
      { ...points([], "circle", "now", []), marker: { size: options.threeD ? 6 : 12, color: [], line: { color: "#fff", width: 2 } } },
      { ...points(ends.map((e) => e.point), "x-thin", "diverged", []),
        marker: { symbol: "x-thin", size: 16, color: ends.map((e) => e.color), line: { width: 3, color: ends.map((e) => e.color) } } },
      ...runs,
    ];
  }

  let start = null;
  let ends = []; // {point, color}: where diverged runs stopped
  const startPoint = () => start ?? surface.start;
  const pathsLoss0 = () => paths.find((p) => p?.loss.length)?.loss[0] ?? gridData.z[0][0];

  function layout() {
    const [xr, yr] = [surface.domain.x, surface.domain.y];
    const common = { ...boxSize(element), margin: { l: 48, r: 12, t: 8, b: 40 }, showlegend: false, uirevision: surface.name,
      paper_bgcolor: "rgba(0,0,0,0)", font: { family: "system-ui, sans-serif", size: 13, color: "#1d2330" } };
    if (options.threeD) {
      return { ...common, scene: { xaxis: { range: xr, title: { text: "x" } }, yaxis: { range: yr, title: { text: "y" } },
        zaxis: { title: { text: options.logColor ? "log f" : "f" } }, camera: { eye: { x: 0.25, y: -1.45, z: 1.9 } } } };
    }
    return { ...common, xaxis: axis(xr, "x"), yaxis: { ...axis(yr, "y"), scaleanchor: undefined }, dragmode: false,
      hovermode: "closest" };
  }

  let listening = false;
  function render() {
    if (!surface || !gridData) return;
    Plotly.react(element, traces(), layout(), { displaylogo: false, responsive: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "zoom2d", "pan2d", "zoomIn2d", "zoomOut2d"] });
    if (!listening && element.on) {
      listening = true;
      element.on("plotly_hover", (event) => {
        const point = event.points.find((p) => p.curveNumber >= FIXED);
        if (point) onHover?.(point.curveNumber - FIXED, point.pointIndex);
      });
      element.on("plotly_unhover", () => onHover?.(null, null));
    }
  }

  const flush = perFrame(() => {
    const indices = [];
    const update = { x: [], y: [], ...(options.threeD ? { z: [] } : {}) };
    pending.forEach((points, i) => {
      if (!points || !points.x.length) return;
      indices.push(FIXED + i);
      update.x.push(points.x);
      update.y.push(points.y);
      if (options.threeD) update.z.push(points.loss.map(zOf));
      pending[i] = { x: [], y: [], loss: [] };
    });
    if (indices.length) Plotly.extendTraces(element, update, indices);
    // The start's height is the loss there, known once the first point has arrived.
    if (options.threeD && indices.length) Plotly.restyle(element, { z: [[zOf(pathsLoss0())]] }, [3]);
  });

  followBox(element, (size) => element.layout && Plotly.relayout(element, size));

  // Click (and drag) anywhere on the contour to move the start point.
  function toData(event) {
    const full = element._fullLayout;
    if (!full?.xaxis || options.threeD) return null;
    const box = element.querySelector(".nsewdrag")?.getBoundingClientRect();
    if (!box) return null;
    const px = event.clientX - box.left;
    const py = event.clientY - box.top;
    if (px < 0 || py < 0 || px > box.width || py > box.height) return null;
    return [full.xaxis.p2d(px), full.yaxis.p2d(py)];
  }
  let dragging = false;
  element.addEventListener("pointerdown", (event) => {
    const point = event.button === 0 ? toData(event) : null;
    if (!point) return;
    dragging = true;
    element.setPointerCapture?.(event.pointerId);
    onPick(point, false);
  });
  element.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const point = toData(event);
    if (point) onPick(point, true);
  });
  const stop = () => (dragging = false);
  element.addEventListener("pointerup", stop);
  element.addEventListener("pointercancel", stop);

  return {
    setSurface(info, grid, view) {
      surface = info;
      gridData = grid;
      options = { ...options, ...view };
      let zmin = Infinity;
      let zmax = -Infinity;
      for (const row of grid.z) for (const v of row) if (v !== null) ((zmin = Math.min(zmin, v)), (zmax = Math.max(zmax, v)));
      const known = [...info.minima, ...(info.local_minima ?? [])].map((p) => p.f);
      zmin = Math.min(zmin, ...known);
      scale = logScale(grid.z, zmin, zmax - zmin);
      lift = 0.015 * (scale(zmax) - scale(zmin));
      render();
    },
    setView(view) {
      options = { ...options, ...view };
      render();
    },
    setStart(point) {
      start = point;
      if (surface && gridData && !options.threeD) {
        Plotly.restyle(element, { x: [[startPoint()[0]]], y: [[startPoint()[1]]] }, [3]);
      }
    },
    setRuns(newHeads, newLabels) {
      heads = newHeads;
      labels = newLabels;
      paths = heads.map(() => ({ x: [], y: [], loss: [] }));
      pending = heads.map(() => ({ x: [], y: [], loss: [] }));
      ends = [];
      render();
    },
    markDiverged(run) {
      // The last point still inside the plotted domain: a diverged path leaves it at once.
      const path = paths[run];
      const inside = (i) => path.x[i] >= surface.domain.x[0] && path.x[i] <= surface.domain.x[1]
        && path.y[i] >= surface.domain.y[0] && path.y[i] <= surface.domain.y[1];
      let last = path.x.length - 1;
      while (last > 0 && !inside(last)) last -= 1;
      if (last < 0) return;
      ends.push({ point: { x: path.x[last], y: path.y[last], f: path.loss[last] }, color: colorOf(run) });
      const update = { x: [ends.map((e) => e.point.x)], y: [ends.map((e) => e.point.y)],
        "marker.color": [ends.map((e) => e.color)], "marker.line.color": [ends.map((e) => e.color)] };
      if (options.threeD) update.z = [ends.map((e) => zOf(e.point.f))];
      Plotly.restyle(element, update, [5]);
    },
    downloadPNG() {
      return Plotly.downloadImage(element, { format: "png", width: 1400, height: 1000, filename: "gdviz" });
    },
    appendChunk(run, chunk) {
      for (const key of ["x", "y", "loss"]) {
        paths[run][key].push(...chunk[key]);
        pending[run][key].push(...chunk[key]);
      }
      flush();
    },
    // points: per run, {x, y, loss} or null
    setCursor(points) {
      const shown = points.map((p, i) => [p, i]).filter(([p]) => p);
      const update = {
        x: [shown.map(([p]) => p.x)],
        y: [shown.map(([p]) => p.y)],
        "marker.color": [shown.map(([, i]) => colorOf(i))],
      };
      if (options.threeD) update.z = [shown.map(([p]) => zOf(p.loss))];
      Plotly.restyle(element, update, [4]);
    },
    element,
  };
}
