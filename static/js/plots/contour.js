// The hero figure: the surface, its known points, the paths and the current point
// of every optimizer. The only module that calls Plotly for it.
//
// In 2D it is two stacked figures with the same axes: the surface below, drawn
// once per surface, and a transparent figure above with the paths, so that a
// streamed chunk or a playback frame never redraws the 120×120 contour. The
// start and current points are layout shapes, which Plotly moves without a redraw.
// In 3D one figure holds everything.
import { save } from "../export.js";
import { SURFACE_SCALE, colorOf } from "./colors.js";
import { boxSize, followBox, perFrame } from "./frame.js";

const FIXED = 6; // traces before the paths: surface, minima, saddles, start, current points, diverged ends
const MARKER_PX = 7;

// Colour by log(f − f_min + δ): Rosenbrock's valley and a quadratic's bowl both read.
function logScale(zmin, span) {
  const delta = Math.max(span * 1e-4, 1e-12);
  return (v) => (v === null ? null : Math.log10(v - zmin + delta));
}

export function createContour(element, { onPick, onHover }) {
  const Plotly = window.Plotly;
  const background = document.createElement("div");
  background.className = "plot background";
  element.before(background);

  let surface = null;
  let gridData = null;
  let options = { threeD: false, logColor: true };
  let labels = [];
  let paths = []; // per run: {x, y, loss}
  let pending = []; // per run: points not yet drawn
  let scale = (v) => v;
  let lift = 0; // in 3D, paths float a little above the surface so that it does not hide them
  let start = null;
  let ends = []; // {point, color}: where diverged runs stopped
  let current = []; // per run: {x, y, loss} or null

  const zOf = (loss) => (options.logColor ? scale(loss) : loss) + (options.threeD ? lift : 0);
  const startPoint = () => start ?? surface.start;
  const startLoss = () => paths.find((p) => p.loss.length)?.loss[0] ?? null;

  function surfaceTrace(visible) {
    const { x, y, z } = gridData;
    const zc = z.map((row) => row.map(options.logColor ? scale : (v) => v));
    return options.threeD
      ? { type: "surface", x, y, z: zc, colorscale: SURFACE_SCALE, showscale: false, opacity: 0.8, hoverinfo: "skip",
          contours: { z: { show: true, usecolormap: true } } }
      : { type: "contour", x, y, z: zc, colorscale: SURFACE_SCALE, showscale: false, ncontours: 28, visible,
          contours: { coloring: "fill", showlines: true }, line: { color: "rgba(60,72,96,0.35)", width: 0.6 },
          hoverinfo: "skip", connectgaps: false };
  }

  function points(list, symbol, name, color, extra = {}) {
    return {
      type: options.threeD ? "scatter3d" : "scatter",
      mode: "markers",
      name,
      x: list.map((p) => p.x),
      y: list.map((p) => p.y),
      ...(options.threeD ? { z: list.map((p) => zOf(p.f)) } : {}),
      marker: { symbol, size: options.threeD ? 5 : 11, color, line: { color: "#1d2330", width: 1.5 } },
      hovertemplate: `${name} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      ...extra,
    };
  }

  // The surface trace is kept (hidden) in the top figure too: its data is what the page shows.
  function topTraces() {
    const shown = current.map((p, i) => [p, i]).filter(([p]) => p);
    const in3D = (list) => (options.threeD ? list : []);
    return [
      surfaceTrace(false),
      points([...surface.minima, ...(surface.local_minima ?? [])], "star", "minimum", "#ffd400"),
      points(surface.saddles, options.threeD ? "x" : "x-thin", "saddle", "#1d2330",
        { marker: { symbol: options.threeD ? "x" : "x-thin", size: 12, line: { color: "#1d2330", width: 2.5 } } }),
      points(in3D(startLoss() === null ? [] : [{ x: startPoint()[0], y: startPoint()[1], f: startLoss() }]), "circle-open",
        "start", "#1d2330"),
      points(in3D(shown.map(([p]) => ({ x: p.x, y: p.y, f: p.loss }))), "circle", "now", shown.map(([, i]) => colorOf(i))),
      points(ends.map((e) => e.point), "x-thin", "diverged", [],
        { marker: { symbol: "x-thin", size: 16, line: { width: 3, color: ends.map((e) => e.color) } } }),
      ...labels.map((label, i) => ({
        name: label,
        x: [...paths[i].x], // copies: Plotly keeps the arrays it is given and extendTraces grows them
        y: [...paths[i].y],
        ...(options.threeD ? { z: paths[i].loss.map(zOf), type: "scatter3d" } : { type: "scatter" }),
        mode: "lines",
        line: { color: colorOf(i), width: options.threeD ? 7 : 2.5 },
        hovertemplate: `${label}<br>θ = (%{x:.4g}, %{y:.4g})<extra></extra>`,
      })),
    ];
  }

  function circle(x, y, fill, line, radius = MARKER_PX) {
    return { type: "circle", xref: "x", yref: "y", xsizemode: "pixel", ysizemode: "pixel", xanchor: x, yanchor: y,
      x0: -radius, x1: radius, y0: -radius, y1: radius, fillcolor: fill, line: { color: line, width: 2.5 },
      layer: "above" };
  }

  function shapes() {
    if (options.threeD || !surface) return [];
    const [sx, sy] = startPoint();
    const now = current.flatMap((p, i) => (p ? [circle(p.x, p.y, colorOf(i), "#ffffff", 6)] : []));
    return [circle(sx, sy, "rgba(0,0,0,0)", "#1d2330", 8), ...now];
  }

  const font = { family: "system-ui, sans-serif", size: 13, color: "#1d2330" };
  function layout(axesVisible) {
    const [xr, yr] = [surface.domain.x, surface.domain.y];
    const common = { ...boxSize(element), margin: { l: 48, r: 12, t: 8, b: 40 }, showlegend: false, font,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", uirevision: surface.name };
    if (options.threeD) {
      return { ...common, scene: { xaxis: { range: xr, title: { text: "x" } }, yaxis: { range: yr, title: { text: "y" } },
        zaxis: { title: { text: options.logColor ? "log f" : "f" } }, camera: { eye: { x: 0.25, y: -1.45, z: 1.9 } } } };
    }
    const axis = (range, title) => ({ range, title: { text: title, standoff: 4 }, zeroline: false, showgrid: false,
      ticks: "outside", fixedrange: true, visible: axesVisible });
    return { ...common, xaxis: axis(xr, "x"), yaxis: axis(yr, "y"), dragmode: false, hovermode: "closest",
      shapes: axesVisible ? [] : shapes() };
  }

  const config = { displaylogo: false, responsive: false, displayModeBar: false };
  function renderBackground() {
    if (options.threeD) {
      Plotly.purge(background);
      background.hidden = true;
      return;
    }
    background.hidden = false;
    Plotly.react(background, [surfaceTrace(true)], layout(true), { ...config, staticPlot: true });
  }

  let listening = false;
  function renderTop() {
    Plotly.react(element, topTraces(), layout(false), config);
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
      if (!points.x.length) return;
      indices.push(FIXED + i);
      update.x.push(points.x);
      update.y.push(points.y);
      if (options.threeD) update.z.push(points.loss.map(zOf));
      pending[i] = { x: [], y: [], loss: [] };
    });
    if (indices.length) Plotly.extendTraces(element, update, indices);
  });

  const moveMarkers = perFrame(() => {
    if (!surface) return;
    if (!options.threeD) {
      Plotly.relayout(element, { shapes: shapes() });
      return;
    }
    const shown = current.map((p, i) => [p, i]).filter(([p]) => p);
    const [sx, sy] = startPoint();
    const start3d = startLoss() === null ? [] : [zOf(startLoss())];
    Plotly.restyle(element, {
      x: [start3d.length ? [sx] : [], shown.map(([p]) => p.x)],
      y: [start3d.length ? [sy] : [], shown.map(([p]) => p.y)],
      z: [start3d, shown.map(([p]) => zOf(p.loss))],
      "marker.color": ["#1d2330", shown.map(([, i]) => colorOf(i))],
    }, [3, 4]);
  });

  followBox(element, (size) => {
    if (!surface) return;
    if (!options.threeD) Plotly.relayout(background, size);
    Plotly.relayout(element, size);
  });

  // Click (and drag) anywhere on the 2D plot to move the start point.
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

  // Returns whether the surface (or how it is shown) changed.
  function setSurface(info, grid, view) {
    const changed = info !== surface || grid !== gridData || view.threeD !== options.threeD
      || view.logColor !== options.logColor;
    surface = info;
    gridData = grid;
    options = { ...options, threeD: view.threeD, logColor: view.logColor };
    if (changed) {
      let zmin = Infinity;
      let zmax = -Infinity;
      for (const row of grid.z) for (const v of row) if (v !== null) ((zmin = Math.min(zmin, v)), (zmax = Math.max(zmax, v)));
      zmin = Math.min(zmin, ...[...info.minima, ...(info.local_minima ?? [])].map((p) => p.f));
      scale = logScale(zmin, zmax - zmin);
      lift = 0.015 * (scale(zmax) - scale(zmin));
    }
    return changed;
  }

  return {
    // The surface alone, before any run: what a visitor sees first.
    showSurface({ info, grid, view }) {
      if (setSurface(info, grid, view)) renderBackground();
    },
    // A new run: everything set at once, drawn once (the surface only when it changed).
    reset({ info, grid, view, startAt, runLabels }) {
      const surfaceChanged = setSurface(info, grid, view);
      start = startAt;
      labels = runLabels;
      paths = labels.map(() => ({ x: [], y: [], loss: [] }));
      pending = labels.map(() => ({ x: [], y: [], loss: [] }));
      current = labels.map(() => null);
      ends = [];
      if (surfaceChanged) renderBackground();
      renderTop();
    },
    setView(view) {
      if (!surface) return;
      this.reset({ info: surface, grid: gridData, view, startAt: start, runLabels: labels });
    },
    setStart(point) {
      start = point;
      moveMarkers();
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
      current = points;
      moveMarkers();
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
        "marker.line.color": [ends.map((e) => e.color)] };
      if (options.threeD) update.z = [ends.map((e) => zOf(e.point.f))];
      Plotly.restyle(element, update, [5]);
    },
    async downloadPNG() {
      // The picture a person sees: both layers composed into one image.
      const size = boxSize(element);
      const layers = options.threeD ? [element] : [background, element];
      const urls = await Promise.all(layers.map((l) => Plotly.toImage(l, { format: "png", ...size, scale: 2 })));
      const canvas = Object.assign(document.createElement("canvas"), { width: size.width * 2, height: size.height * 2 });
      const context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      for (const url of urls) {
        const image = new Image();
        image.src = url;
        await image.decode();
        context.drawImage(image, 0, 0);
      }
      save("gdviz.png", canvas.toDataURL("image/png"));
    },
    element,
  };
}
