// The hero figure of a curve in one variable (a surface of `dims` 1): f(x) over the x domain, and each
// run's iterates as markers on it joined by thin lines, as textbooks draw their first gradient-descent
// pictures. The only module that calls Plotly for it. Its handle is the contour's (contour.js): the page
// drives either one the same way.
//
// A run is drawn at (xₖ, loss[k]): its iterates sit on the curve of the objective it minimizes. With one
// penalty shared by every run the curve is J = f + penalty (f stays, dashed, for reference); with
// penalties that differ, each penalized run has its own J curve, thin, in its colour, and its minimum.
import { t } from "../i18n.js";
import { save } from "../export.js";
import { colorOf } from "./colors.js";
import { boxSize, followBox, perFrame, plotConfig } from "./frame.js";
import { legendAnchor, legendCorner, legendNames } from "./legend.js";
import { circleShape, createPaths, marksTrace } from "./marks.js";
import { nearestIndex, objectiveCaption, penaltyAt, penaltyMinima, penaltyName, penaltyPlan } from "./penalty.js";
import { listenForPicks } from "./pick.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

const FIXED = 5; // traces before the runs': curve, f for reference, f's minima, the shared J's minimum, marks
const MARKS = 4;
const INK = "#1d2330";
const MARGIN = 0.06; // room above and below the curve, as a share of its span

/** Trace indices of run `i` among `n` runs: its J curve, its J minimum, its path. */
export const curveTraces = (n, i) => ({ jCurve: FIXED + i, jMinimum: FIXED + n + i, path: FIXED + 2 * n + i });

export function createCurve(element, { onPick, onHover, legend = false, canPick = () => true }) {
  const Plotly = window.Plotly;
  let surface = null;
  let gridData = null;
  let options = { legend };
  let labels = [];
  let plan = { shared: null, perRun: [] };
  let words = [];
  const track = createPaths("loss", () => box);
  let paths = []; // per run: {x, y (= loss: a path in the curve's plane), loss, step} (track.list)
  let drawn = [];
  let current = [];
  let start = null;
  let corner = "top right";
  let box = { x: [0, 1], y: [0, 1] }; // the plotted x domain and the curve's value range
  let topDrawn = false;
  const theme = plotTheme();
  const style = { font: theme.font + 2, axisTitle: theme.axisTitle, legend: Math.max(13, theme.legend),
    path: Math.max(2, theme.line), hover: theme.title, marker: theme.marker + 1 };

  const startPoint = () => start ?? surface.start;
  const startY = () => startPoint()[1] ?? 0;
  const shownCount = track.count;
  const xName = () => surface.variables?.[0] ?? "x";

  // f along x (the grid's row at the start's y: a curve does not depend on y), and a penalty's J.
  function fRow() {
    const row = gridData.z[nearestIndex(gridData.y, startY())];
    return { x: gridData.x, f: row };
  }
  const withPenalty = (row, reg) => row.f.map((v, i) => (v === null ? null : v + penaltyAt(reg, row.x[i], startY())));
  const mainValues = () => (plan.shared ? withPenalty(fRow(), plan.shared) : fRow().f);
  const curveAt = (x) => {
    const values = mainValues();
    const i = nearestIndex(gridData.x, x);
    return values[i];
  };

  function valueBox() {
    const row = fRow();
    const lists = [row.f, ...(plan.shared ? [withPenalty(row, plan.shared)] : []),
      ...plan.perRun.filter(Boolean).map((reg) => withPenalty(row, reg))];
    let lo = Infinity;
    let hi = -Infinity;
    for (const list of lists) for (const v of list) if (v !== null && Number.isFinite(v)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
    if (!(hi > lo)) ((lo -= 1), (hi += 1));
    const pad = MARGIN * (hi - lo);
    return { x: surface.domain.x, y: [lo - pad, hi + pad] };
  }

  // Formulas, the same in every language.
  const yName = () => `${plan.shared ? "J" : "f"}(${xName()})`;

  function pathHover(i) {
    const word = words[i] ? ` — ${words[i]}` : "";
    return `${labels[i]}${word}<br>${t("contour.hover_step", { step: "%{customdata}" })}`
      + `<br>${xName()} = %{x:.4g}, ${plan.perRun[i] || plan.shared ? "J" : "f"} = %{y:.4g}<extra></extra>`;
  }

  const shownMarks = () => track.marks();

  const line = (name, x, y, extra = {}) => ({ type: "scatter", mode: "lines", name, x, y, showlegend: false,
    hoverinfo: "skip", ...extra });
  const marker = (name, list, color, symbol, extra = {}) => ({ type: "scatter", mode: "markers", name, showlegend: false,
    x: list.map((p) => p.x), y: list.map((p) => p.f), cliponaxis: false,
    marker: { symbol, size: symbol === "diamond" ? 17 : 13, color, line: { color: INK, width: 1.5 } },
    hovertemplate: `${name} (%{x:.4g}, %{y:.4g})<extra></extra>`, ...extra });


  function traces() {
    const row = fRow();
    const n = labels.length;
    const known = [...surface.minima, ...(surface.local_minima ?? [])];
    const minima = penaltyMinima(gridData, plan, startY());
    const sharedMin = minima.find((m) => m.run === null);
    return [
      line(plan.shared ? objectiveCaption(plan.shared, true) : yName(), row.x, mainValues(),
        { line: { color: INK, width: style.path }, showlegend: Boolean(plan.shared), meta: "curve" }),
      line(t("plots.curve.f_reference"), plan.shared ? row.x : [], plan.shared ? row.f : [],
        { line: { color: "#7d8798", width: 1.5, dash: "dash" }, showlegend: Boolean(plan.shared), meta: "f" }),
      marker(t("contour.minimum"), known, "#ffd400", "star"),
      marker(sharedMin?.name ?? "", sharedMin ? [sharedMin] : [], INK, "diamond",
        { showlegend: Boolean(sharedMin), meta: "j-minimum" }),
      { ...marksTrace(shownMarks(), { threeD: false, zOf: (v) => v, labels, words }) },
      ...labels.map((_, i) => {
        const reg = plan.perRun[i];
        return line(reg ? t("plots.penalty.curve_of", { penalty: penaltyName(reg) }) : "", reg ? row.x : [],
          reg ? withPenalty(row, reg) : [], { line: { color: colorOf(i), width: 1.2 }, meta: "j-curve" });
      }),
      ...labels.map((_, i) => {
        const m = minima.find((p) => p.run === i);
        return marker(m?.name ?? "", m ? [m] : [], colorOf(i), "diamond", { showlegend: Boolean(m), meta: "j-minimum",
          legendrank: 500 + i });
      }),
      ...legendNames(labels).names.map((name, i) => {
        const count = shownCount(i);
        drawn[i] = count;
        return {
          type: "scatter", mode: "lines+markers", name, showlegend: true, meta: "path",
          x: paths[i].x.slice(0, count), y: paths[i].loss.slice(0, count), customdata: paths[i].step.slice(0, count),
          line: { color: colorOf(i), width: 1 }, marker: { color: colorOf(i), size: style.marker, line: { width: 0 } },
          hovertemplate: pathHover(i), legendrank: 100 + i,
        };
      }),
    ];
  }

  function shapes() {
    if (!surface) return [];
    const [sx] = startPoint();
    const sf = paths.find((p) => p.loss.length)?.loss[0] ?? curveAt(sx);
    const now = current.flatMap((p, i) => (p ? [circleShape(p.x, p.loss, colorOf(i), "#ffffff", 6)] : []));
    return [circleShape(sx, sf, "rgba(0,0,0,0)", INK, 8), ...now];
  }

  const margin = () => ({ l: 28 + 2 * style.axisTitle, r: 12, t: 8, b: 24 + 1.5 * style.axisTitle });
  function legendLayout() {
    // Top left, the legend goes below the "whole path" button that sits there.
    const plotHeight = boxSize(element).height - margin().t - margin().b;
    const top = corner !== "top right" && corner.startsWith("top") ? 1 - 34 / Math.max(plotHeight, 100) : 0.99;
    const { title } = legendNames(labels);
    return { ...legendAnchor(corner, top), title: { text: title ?? "" },
      bgcolor: "rgba(255,255,255,0.88)", bordercolor: "#b8c2d3", borderwidth: 1,
      font: { size: style.legend, color: INK }, itemclick: false, itemdoubleclick: false, itemwidth: 30 };
  }

  function layout() {
    const axisTitle = (text) => ({ text, font: { size: style.axisTitle }, standoff: 4 });
    const axis = (range, title) => ({ range, title: axisTitle(title), zeroline: false, gridcolor: "#eef1f6",
      ticks: "outside", fixedrange: true, tickfont: { size: style.font } });
    return {
      ...boxSize(element), margin: margin(),
      font: { family: FONT_FAMILY, size: style.font, color: INK },
      hoverlabel: { font: { size: style.hover, family: FONT_FAMILY } },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfcfe", uirevision: surface.name,
      xaxis: axis(box.x, xName()), yaxis: axis(box.y, yName()), dragmode: false, hovermode: "closest",
      showlegend: options.legend && labels.length > 0, legend: legendLayout(), shapes: shapes(),
    };
  }

  let listening = false;
  function render() {
    box = valueBox();
    Plotly.react(element, traces(), layout(), plotConfig());
    topDrawn = true;
    if (!listening && element.on) {
      listening = true;
      element.on("plotly_hover", (event) => {
        const n = labels.length;
        const point = event.points.find((p) => p.curveNumber >= FIXED + 2 * n);
        if (point) onHover?.(point.curveNumber - FIXED - 2 * n, point.pointIndex);
      });
      element.on("plotly_unhover", () => onHover?.(null, null));
    }
  }

  const sync = perFrame(() => {
    if (!topDrawn) return;
    const n = labels.length;
    const grow = { x: [], y: [], customdata: [] };
    const growing = [];
    const reset = { x: [], y: [], customdata: [] };
    const resetting = [];
    paths.forEach((path, i) => {
      const count = shownCount(i);
      if (count === drawn[i]) return;
      const [from, into, list] = count > drawn[i] ? [drawn[i], grow, growing] : [0, reset, resetting];
      list.push(curveTraces(n, i).path);
      into.x.push(path.x.slice(from, count));
      into.y.push(path.loss.slice(from, count));
      into.customdata.push(path.step.slice(from, count));
      drawn[i] = count;
    });
    if (resetting.length) Plotly.restyle(element, reset, resetting);
    if (growing.length) Plotly.extendTraces(element, grow, growing);
    const trace = marksTrace(shownMarks(), { threeD: false, zOf: (v) => v, labels, words });
    Plotly.restyle(element, { x: [trace.x], y: [trace.y], text: [trace.text], marker: [trace.marker] }, [MARKS]);
  });

  const moveMarkers = perFrame(() => {
    if (topDrawn) Plotly.relayout(element, { shapes: shapes() });
  });

  followBox(element, (size) => {
    if (topDrawn) Plotly.relayout(element, size);
  });

  listenForPicks(element, { canPick, onPick: (x, _y, dragging) => onPick([x, startY()], dragging) });

  function placeLegend() {
    const known = [...surface.minima, ...(surface.local_minima ?? [])].map((m) => ({ x: m.x, y: m.f }));
    const [sx] = startPoint();
    // The curve itself is to be seen too: its samples count as the points of one more path.
    const row = fRow();
    const curveLine = { x: row.x, y: mainValues().map((v) => v ?? NaN) };
    const next = legendCorner(box, [...known, { x: sx, y: curveAt(sx) ?? 0 }], [...paths, curveLine],
      [...labels, ...(plan.shared ? ["", ""] : [])]);
    if (next === corner) return false;
    corner = next;
    return true;
  }

  return {
    showSurface({ info, grid }) {
      surface = info;
      gridData = grid;
      render();
    },
    reset({ info, grid, startAt, runLabels, regularizations = [] }) {
      surface = info;
      gridData = grid;
      start = startAt;
      labels = runLabels;
      plan = penaltyPlan(labels.map((_, i) => regularizations[i] ?? null));
      words = labels.map(() => "");
      track.reset(labels.length);
      paths = track.list;
      drawn = labels.map(() => 0);
      current = labels.map(() => null);
      box = valueBox();
      placeLegend();
      render();
    },
    setView(view) {
      if (!surface) return;
      const next = view.legend ?? options.legend;
      if (next !== options.legend) {
        options.legend = next;
        render();
      }
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
    reveal(counts) {
      track.reveal(counts);
      sync();
    },
    markDiverged(run) {
      if (track.markDiverged(run)) sync();
    },
    setOutcome(run, word) {
      words[run] = word;
      if (topDrawn) Plotly.restyle(element, { hovertemplate: [pathHover(run)] }, [curveTraces(labels.length, run).path]);
    },
    settle() {
      if (surface && placeLegend() && topDrawn) Plotly.relayout(element, { legend: legendLayout() });
    },
    async downloadPNG() {
      save("gdviz.png", await Plotly.toImage(element, { format: "png", ...boxSize(element), scale: 2 }));
    },
    element,
  };
}
