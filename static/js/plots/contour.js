// The hero figure: the surface, its known points, the paths and the current point
// of every optimizer. The only module that calls Plotly for it.
//
// In 2D it is two stacked figures with the same axes: the surface below, drawn
// once per surface, and a transparent figure above with the paths, so that a
// streamed chunk or a playback frame never redraws the 120×120 contour. The
// start and current points are layout shapes, which Plotly moves without a redraw.
// In 3D one figure holds everything.
//
// A path is drawn up to the point the player reveals (it grows as playback goes), or whole. Where
// a path leaves the plotted domain an arrow marks the exit, and a diverged run keeps a cross at its
// last point inside: a run never just vanishes.
//
// Regularized runs minimize J = f + penalty: with one penalty shared by every run the surface drawn is
// J's (and the legend says so); with penalties that differ it stays f's, and each penalized run's own
// minimum of J is marked in its colour (a trace after the paths), so that a run stopping short of f's
// minimum is seen to be at its own.
import { t } from "../i18n.js";
import { save } from "../export.js";
import { SURFACE_SCALE, colorOf } from "./colors.js";
import { boxSize, followBox, perFrame, plotConfig } from "./frame.js";
import { legendAnchor, legendCorner, legendNames } from "./legend.js";
import { circleShape as circle, createPaths, marksTrace } from "./marks.js";
import { objectiveCaption, penaltyMinima, penaltyPlan, withPenalty } from "./penalty.js";
import { listenForPicks } from "./pick.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

const FIXED = 6; // traces before the paths: surface, minima, saddles, start, current points, marks
const MARKS = 5;
const INK = "#1d2330";

// Colour by log(f − f_min + δ): Rosenbrock's valley and a quadratic's bowl both read.
function logScale(zmin, span) {
  const delta = Math.max(span * 1e-4, 1e-12);
  return (v) => (v === null ? null : Math.log10(v - zmin + delta));
}

/** `legend`: show which colour is which run (the explorer does; a figure of one path needs none).
 * `canPick()`: whether a click on the plot moves the start now (not in a slide unless asked). */
export function createContour(element, { onPick, onHover, legend = false, canPick = () => true, axisTitles = ["x", "y"] }) {
  const Plotly = window.Plotly;
  const background = document.createElement("div");
  background.className = "plot background";
  background.dataset.testid = "contour-surface";
  element.before(background);
  // The legend is a figure of its own above the paths: redrawing a legend costs as much as the
  // paths themselves, and they are redrawn every frame while they grow; it changes once a run.
  const legendLayer = document.createElement("div");
  legendLayer.className = "plot legend-layer";
  legendLayer.dataset.testid = "contour-legend";
  element.after(legendLayer);

  let surface = null;
  let gridData = null;
  let options = { threeD: false, logColor: true, legend };
  let labels = [];
  let words = []; // per run: how it ended, in words (hover)
  const track = createPaths("y", () => surface.domain);
  let paths = []; // per run: {x, y, loss, step} (track.list)
  let drawn = []; // per run: how many points its trace holds
  let marksKey = "";
  let scale = (v) => v;
  let lift = 0; // in 3D, paths float a little above the surface so that it does not hide them
  let start = null;
  let current = []; // per run: {x, y, loss} or null
  let corner = "top right";
  let plan = { shared: null, perRun: [] }; // the runs' penalties (penalty.js)
  let objective = { raw: null, key: "", grid: null }; // the grid drawn: f's, or the shared J's
  let jMinima = []; // [{x, y, f, run, name}]: where J is lowest (run null: the shared penalty's)
  // Paths a little bolder than the side plots' lines, and the legend no smaller than the tick labels.
  const theme = plotTheme();
  const style = { font: theme.font + 2, axisTitle: theme.axisTitle, legend: Math.max(13, theme.legend),
    path: Math.max(2.5, theme.line), hover: theme.title };

  const zOf = (loss) => (options.logColor ? scale(loss) : loss) + (options.threeD ? lift : 0);
  const startPoint = () => start ?? surface.start;
  const startLoss = () => paths.find((p) => p.loss.length)?.loss[0] ?? null;
  const shownCount = track.count;

  function surfaceTrace(visible) {
    const { x, y, z } = gridData;
    const zc = z.map((row) => row.map(options.logColor ? scale : (v) => v));
    return options.threeD
      ? { type: "surface", x, y, z: zc, colorscale: SURFACE_SCALE, showscale: false, opacity: 0.8, hoverinfo: "skip",
          contours: { z: { show: true, usecolormap: true } } }
      : { type: "contour", x, y, z: zc, colorscale: SURFACE_SCALE, showscale: false, ncontours: 28, visible,
          contours: { coloring: "fill", showlines: true }, line: { color: "rgba(60,72,96,0.35)", width: 0.6 },
          hoverinfo: "skip", connectgaps: false, showlegend: false };
  }

  function points(list, symbol, name, color, extra = {}) {
    return {
      type: options.threeD ? "scatter3d" : "scatter",
      mode: "markers",
      name,
      showlegend: false,
      x: list.map((p) => p.x),
      y: list.map((p) => p.y),
      ...(options.threeD ? { z: list.map((p) => zOf(p.f)) } : {}),
      marker: { symbol, size: options.threeD ? 5 : 11, color, line: { color: INK, width: 1.5 } },
      hovertemplate: `${name} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      ...extra,
    };
  }

  const shownMarks = () => track.marks();

  // The plane's axes are named for the surface's parameters: (w, b) on a data surface.
  const names = () => surface?.variables ?? axisTitles;
  const thetaName = () => (names().join() === "x,y" ? "θ" : `(${names().join(", ")})`);

  function pathHover(i) {
    const word = words[i] ? ` — ${words[i]}` : "";
    return `${labels[i]}${word}<br>${t("contour.hover_step", { step: "%{customdata}" })}`
      + `<br>${thetaName()} = (%{x:.4g}, %{y:.4g})<extra></extra>`;
  }

  // In 2D the surface is the figure below; its place among the paths' traces holds an empty one
  // (a hidden contour would still cost every redraw its 100 × 100 grid).
  const placeholder = () => ({ type: "scatter", mode: "none", name: "", x: [], y: [], showlegend: false, hoverinfo: "skip" });

  function topTraces() {
    const shown = current.map((p, i) => [p, i]).filter(([p]) => p);
    const in3D = (list) => (options.threeD ? list : []);
    const marks = shownMarks();
    marksKey = JSON.stringify(marks.map((m) => [m.run, m.kind, m.index]));
    return [
      options.threeD ? surfaceTrace(true) : placeholder(),
      minimaTrace(),
      points(surface.saddles, options.threeD ? "x" : "x-thin", t("contour.saddle"), INK,
        { marker: { symbol: options.threeD ? "x" : "x-thin", size: 12, line: { color: INK, width: 2.5 } } }),
      points(in3D(startLoss() === null ? [] : [{ x: startPoint()[0], y: startPoint()[1], f: startLoss() }]), "circle-open",
        t("contour.start"), INK),
      points(in3D(shown.map(([p]) => ({ x: p.x, y: p.y, f: p.loss }))), "circle", t("contour.now"),
        shown.map(([, i]) => colorOf(i))),
      marksTrace(marks, { threeD: options.threeD, zOf, labels, words }),
      ...labels.map((label, i) => {
        const n = shownCount(i);
        drawn[i] = n;
        return {
          name: label,
          showlegend: false,
          x: paths[i].x.slice(0, n), // copies: Plotly keeps the arrays it is given and extendTraces grows them
          y: paths[i].y.slice(0, n),
          customdata: paths[i].step.slice(0, n),
          ...(options.threeD ? { z: paths[i].loss.slice(0, n).map(zOf), type: "scatter3d" } : { type: "scatter" }),
          mode: "lines",
          line: { color: colorOf(i), width: options.threeD ? 2.5 * style.path : style.path },
          hovertemplate: pathHover(i),
        };
      }),
    ];
  }

  // f's known minima (stars) and, for penalized runs, where J is lowest (diamonds in the run's colour;
  // customdata tells them apart: "f" or "J").
  function minimaTrace() {
    const known = [...surface.minima, ...(surface.local_minima ?? [])];
    const fName = t(plan.shared || plan.perRun.some(Boolean) ? "plots.penalty.f_minimum" : "contour.minimum");
    const all = [...known, ...jMinima];
    const isJ = (k) => k >= known.length;
    const trace = points(all, "star", fName, "#ffd400", {
      text: all.map((m, k) => (isJ(k) ? m.name : fName)),
      customdata: all.map((_, k) => (isJ(k) ? "J" : "f")),
      hovertemplate: "%{text} (%{x:.4g}, %{y:.4g})<extra></extra>",
    });
    trace.marker.symbol = all.map((_, k) => (isJ(k) ? "diamond" : "star"));
    trace.marker.color = all.map((m, k) => (!isJ(k) ? "#ffd400" : m.run === null ? INK : colorOf(m.run)));
    if (!options.threeD) trace.marker.size = all.map((_, k) => (isJ(k) ? 17 : 11)); // a J minimum shows around a run's dot
    return trace;
  }

  // A caption, when the legend (whose title says it otherwise) is not shown: the surface is J's.
  const caption = () => (plan.shared ? objectiveCaption(plan.shared) : null);
  const captionNote = () => (caption() && (!options.legend || !labels.length)
    ? [{ text: caption(), showarrow: false, xref: "paper", yref: "paper", x: 0.99, xanchor: "right", y: 0.01,
        yanchor: "bottom", bgcolor: "rgba(255,255,255,0.88)", font: { size: style.legend, color: INK } }] : []);

  function shapes() {
    if (options.threeD || !surface) return [];
    const [sx, sy] = startPoint();
    const now = current.flatMap((p, i) => (p ? [circle(p.x, p.y, colorOf(i), "#ffffff", 6)] : []));
    return [circle(sx, sy, "rgba(0,0,0,0)", INK, 8), ...now];
  }

  function legendLayout() {
    // Top left, below the "whole path" button that sits there.
    const margin = margins();
    const plotHeight = boxSize(element).height - margin.t - margin.b;
    const top = corner !== "top right" && corner.startsWith("top") ? 1 - 34 / Math.max(plotHeight, 100) : 0.99;
    // Its title: what the contours are (J with a shared penalty), and the runs' shared title.
    const heading = [caption(), legendNames(labels).title].filter(Boolean).join("<br>");
    // Where equal units leave room under the plot (a tall box), the legend goes there, off the paths.
    const rows = labels.length + jMinima.length + heading.split("<br>").filter(Boolean).length;
    const below = margin.b - baseMargin().b >= rows * (style.legend * 1.5 + 6) + 12;
    const place = below ? { x: 0, xanchor: "left", y: -(baseMargin().b + 6) / Math.max(plotHeight, 1), yanchor: "top" }
      : legendAnchor(corner, top);
    return {
      ...place,
      title: { text: heading, font: { size: style.legend, color: INK } },
      bgcolor: "rgba(255,255,255,0.88)", bordercolor: "#b8c2d3", borderwidth: 1,
      font: { size: style.legend, color: INK }, itemclick: false, itemdoubleclick: false, itemwidth: 36,
    };
  }

  // A model's parameters (w, b) share one scale: drawn with equal units, a bowl's shape on screen is its
  // shape. The plot keeps the top left of its box (where the "whole path" button sits); the room left over
  // goes to the right or bottom margin, so the layers and the legend, placed on the plot, stay aligned.
  const baseMargin = () => ({ l: 20 + 2 * style.axisTitle, r: 12, t: 8, b: 24 + 1.5 * style.axisTitle });
  function margins() {
    const margin = baseMargin();
    if (surface?.kind !== "data" || options.threeD) return margin;
    const { width, height } = boxSize(element);
    const [w, h] = [width - margin.l - margin.r, height - margin.t - margin.b];
    const aspect = (surface.domain.x[1] - surface.domain.x[0]) / (surface.domain.y[1] - surface.domain.y[0]);
    if (w <= 0 || h <= 0) return margin;
    if (w / h > aspect) margin.r += w - h * aspect;
    else margin.b += h - w / aspect;
    return margin;
  }

  const font = { family: FONT_FAMILY, size: style.font, color: INK };
  function layout(axesVisible) {
    const [xr, yr] = [surface.domain.x, surface.domain.y];
    const common = { ...boxSize(element), margin: margins(),
      showlegend: false, font,
      hoverlabel: { font: { size: style.hover, family: FONT_FAMILY } },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", uirevision: surface.name };
    const axisTitle = (text) => ({ text, font: { size: style.axisTitle } });
    if (options.threeD) {
      return { ...common, scene: { xaxis: { range: xr, title: axisTitle(names()[0]) },
        yaxis: { range: yr, title: axisTitle(names()[1]) },
        zaxis: { title: axisTitle(options.logColor ? "log f" : "f") }, camera: { eye: { x: 0.25, y: -1.45, z: 1.9 } } } };
    }
    const axis = (range, title) => ({ range, title: { ...axisTitle(title), standoff: 4 }, zeroline: false, showgrid: false,
      ticks: "outside", fixedrange: true, visible: axesVisible, tickfont: { size: style.font } });
    return { ...common, xaxis: axis(xr, names()[0]), yaxis: axis(yr, names()[1]), dragmode: false, hovermode: "closest",
      shapes: axesVisible ? [] : shapes(), annotations: axesVisible ? [] : captionNote() };
  }

  function renderBackground() {
    if (options.threeD) {
      Plotly.purge(background);
      background.hidden = true;
      return;
    }
    background.hidden = false;
    Plotly.react(background, [surfaceTrace(true)], layout(true), plotConfig({ staticPlot: true }));
  }

  // Which colour is which run, in a figure with the same plot area as the others.
  function renderLegend() {
    legendLayer.hidden = !options.legend || !labels.length;
    if (legendLayer.hidden) return;
    const { names } = legendNames(labels);
    const traces = names.map((name, i) => ({ type: "scatter", mode: "lines", name, x: [null], y: [null],
      line: { color: colorOf(i), width: style.path }, hoverinfo: "skip", showlegend: true }));
    const minima = jMinima.map((m) => ({ type: "scatter", mode: "markers", name: m.name, x: [null], y: [null],
      marker: { symbol: "diamond", size: 12, color: m.run === null ? INK : colorOf(m.run), line: { color: INK, width: 1.5 } },
      hoverinfo: "skip", showlegend: true }));
    const hidden = { visible: false, fixedrange: true };
    Plotly.react(legendLayer, [...traces, ...minima], { ...layout(false), xaxis: hidden, yaxis: hidden, shapes: [],
      annotations: [], showlegend: true, legend: legendLayout() }, plotConfig({ staticPlot: true }));
  }

  let listening = false;
  let topDrawn = false; // the paths' figure exists (the surface alone is drawn before it)
  function renderTop() {
    Plotly.react(element, topTraces(), layout(false), plotConfig());
    renderLegend();
    topDrawn = true;
    if (!listening && element.on) {
      listening = true;
      element.on("plotly_hover", (event) => {
        const point = event.points.find((p) => p.curveNumber >= FIXED && p.curveNumber < FIXED + labels.length);
        if (point) onHover?.(point.curveNumber - FIXED, point.pointIndex);
      });
      element.on("plotly_unhover", () => onHover?.(null, null));
    }
  }

  // Brings every trace to what it should show: new points appended, or a shorter path re-set.
  const sync = perFrame(() => {
    if (!topDrawn) return;
    const grow = { x: [], y: [], customdata: [], ...(options.threeD ? { z: [] } : {}) };
    const growing = [];
    const reset = { x: [], y: [], customdata: [], ...(options.threeD ? { z: [] } : {}) };
    const resetting = [];
    paths.forEach((path, i) => {
      const n = shownCount(i);
      if (n === drawn[i]) return;
      const [from, into, list] = n > drawn[i] ? [drawn[i], grow, growing] : [0, reset, resetting];
      list.push(FIXED + i);
      into.x.push(path.x.slice(from, n));
      into.y.push(path.y.slice(from, n));
      into.customdata.push(path.step.slice(from, n));
      if (options.threeD) into.z.push(path.loss.slice(from, n).map(zOf));
      drawn[i] = n;
    });
    if (resetting.length) Plotly.restyle(element, reset, resetting);
    if (growing.length) Plotly.extendTraces(element, grow, growing);
    const marks = shownMarks();
    const key = JSON.stringify(marks.map((m) => [m.run, m.kind, m.index]));
    if (key !== marksKey) {
      marksKey = key;
      const trace = marksTrace(marks, { threeD: options.threeD, zOf, labels, words });
      const update = { x: [trace.x], y: [trace.y], text: [trace.text], marker: [trace.marker] };
      if (options.threeD) update.z = [trace.z];
      Plotly.restyle(element, update, [MARKS]);
    }
  });

  const moveMarkers = perFrame(() => {
    if (!topDrawn) return;
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
      "marker.color": [INK, shown.map(([, i]) => colorOf(i))],
    }, [3, 4]);
  });

  followBox(element, (size) => {
    if (!surface) return;
    // The margins follow the size too: equal units for w and b depend on it (margins()).
    const resized = { ...size, margin: margins() };
    if (!options.threeD) Plotly.relayout(background, resized);
    if (topDrawn) Plotly.relayout(element, resized);
    if (topDrawn && !legendLayer.hidden) Plotly.relayout(legendLayer, { ...resized, legend: legendLayout() });
  });

  // Click (and drag) on the 2D plot to move the start point, when picking is allowed.
  listenForPicks(element, { canPick: () => !options.threeD && canPick(), onPick: (x, y, dragging) => onPick([x, y], dragging) });

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
      const known = plan.shared ? jMinima : [...info.minima, ...(info.local_minima ?? [])];
      zmin = Math.min(zmin, ...known.map((p) => p.f));
      scale = logScale(zmin, zmax - zmin);
      lift = 0.015 * (scale(zmax) - scale(zmin));
    }
    return changed;
  }

  // The grid drawn: J's for a shared penalty (computed once per grid and penalty), else f's.
  function objectiveGrid(grid) {
    const key = JSON.stringify(plan.shared);
    if (objective.raw !== grid || objective.key !== key) {
      objective = { raw: grid, key, grid: plan.shared ? withPenalty(grid, plan.shared) : grid };
    }
    return objective.grid;
  }

  function placeLegend() {
    const known = [...surface.minima, ...(surface.local_minima ?? []), ...surface.saddles, ...jMinima];
    const [sx, sy] = startPoint();
    const next = legendCorner(surface.domain, [...known, { x: sx, y: sy }], paths, labels);
    if (next === corner) return false;
    corner = next;
    return true;
  }

  return {
    // The surface alone, before any run: what a visitor sees first.
    showSurface({ info, grid, view }) {
      if (setSurface(info, grid, view)) renderBackground();
    },
    // A new run: everything set at once, drawn once (the surface only when it changed).
    reset({ info, grid, view, startAt, runLabels, regularizations = [] }) {
      plan = penaltyPlan(runLabels.map((_, i) => regularizations[i] ?? null));
      jMinima = penaltyMinima(grid, plan);
      const surfaceChanged = setSurface(info, objectiveGrid(grid), view);
      start = startAt;
      labels = runLabels;
      words = labels.map(() => "");
      track.reset(labels.length);
      paths = track.list;
      drawn = labels.map(() => 0);
      current = labels.map(() => null);
      placeLegend();
      if (surfaceChanged) renderBackground();
      renderTop();
    },
    setView(view) {
      if (!surface) return;
      const legendChanged = (view.legend ?? options.legend) !== options.legend;
      options.legend = view.legend ?? options.legend;
      const surfaceChanged = setSurface(surface, gridData, view);
      if (surfaceChanged) renderBackground();
      if (surfaceChanged || legendChanged) renderTop();
    },
    setStart(point) {
      start = point;
      moveMarkers();
    },
    appendChunk(run, chunk) {
      track.append(run, chunk);
      sync();
    },
    // points: per run, {x, y, loss} or null
    setCursor(points) {
      current = points;
      moveMarkers();
    },
    /** How many points of each run's path to show (null: every path whole). */
    reveal(counts) {
      track.reveal(counts);
      sync();
    },
    markDiverged(run) {
      // The last point still inside the plotted domain: a diverged path leaves it at once.
      if (track.markDiverged(run)) sync();
    },
    /** How run `run` ended, in words: shown when its path is hovered. */
    setOutcome(run, word) {
      words[run] = word;
      if (topDrawn) Plotly.restyle(element, { hovertemplate: [pathHover(run)] }, [FIXED + run]);
    },
    /** Once the paths are in: the legend moves to the corner they leave free. */
    settle() {
      if (!legendLayer.hidden && surface && placeLegend()) Plotly.relayout(legendLayer, { legend: legendLayout() });
    },
    async downloadPNG() {
      // The picture a person sees: both layers composed into one image.
      const size = boxSize(element);
      const layers = [...(options.threeD ? [] : [background]), element, ...(legendLayer.hidden ? [] : [legendLayer])];
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
