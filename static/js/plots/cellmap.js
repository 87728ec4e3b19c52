// A map of cells over two axes, one run (or one network) per cell: the figure of the Trainability and Sweep
// pages. The caller gives the cells' traces (heatmaps, and any overlay); this module owns the axes (log or
// linear), the layout, the drag-zoom (handed to `onZoom` as value ranges) and the click (handed to `onPick`
// as the cell's indices and values). The only caller of Plotly for its figure.
import { boxSize, followBox, plotConfig } from "./frame.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

// Dark is low (viridis); the diverged red is in no part of the scale.
export const LOSS_SCALE = [[0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"], [1, "#fde725"]];
export const DIVERGED = "#e0301e";

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
// 10^k as the axes write it, 10⁻⁵.
const power = (k) => `10${[...String(k)].map((c) => SUPERSCRIPT[c]).join("")}`;

/** Colour-bar ticks for log10 values in [lo, hi]: at 10^k, else (a narrow span) at 1, 2 and 5 × 10^k, else at
 * every digit; the text is the value itself, not its logarithm. */
export function logTicks(lo, hi) {
  const at = (digits) => {
    const out = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const m of digits) {
        const v = k + Math.log10(m);
        if (v >= lo - 1e-9 && v <= hi + 1e-9) out.push({ v, m, k });
      }
    }
    return out;
  };
  let ticks = at([1]);
  if (ticks.length < 3) ticks = at([1, 2, 5]);
  if (ticks.length < 3) ticks = at([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const stride = Math.ceil(ticks.length / 7);
  ticks = ticks.filter((_, i) => i % stride === 0);
  const text = ({ m, k }) => (k >= -3 && k <= 3 ? String(Number((m * 10 ** k).toPrecision(2))) : m === 1 ? power(k)
    : `${m}×${power(k)}`);
  return { tickvals: ticks.map((tick) => tick.v), ticktext: ticks.map(text) };
}

/** A colour bar in the map's style, titled `title`, with `extra` (ticks) merged in. */
export function colorBar(title, extra = {}) {
  const theme = plotTheme();
  // At the plot's edge (x = 1, not Plotly's 1.02 of the plot's width): the margin it needs is then the same at every
  // size, and maps side by side can be given plots of one width (sweep/main.js).
  return { title: { text: title, side: "right", font: { size: theme.axisTitle } }, thickness: theme.font + 4, len: 1,
    x: 1, y: 0.5, ...extra };
}

/** A heatmap of one colour where `mask` is true (the diverged cells), with its own hover text. */
export function maskTrace(name, axes, mask, color, extra = {}) {
  const [xs, ys] = axes.map((a) => a.values);
  return { type: "heatmap", name, x: xs, y: ys, z: mask.map((row) => row.map((on) => (on ? 1 : null))),
    showscale: false, colorscale: [[0, color], [1, color]], zmin: 0, zmax: 1, hoverongaps: false, ...extra };
}

export function createCellMap(element, { onZoom, onPick }) {
  const Plotly = window.Plotly;
  const config = plotConfig({ doubleClick: false, scrollZoom: false, showTips: false });
  let shown = null; // {axes: [{values, title, log}, …], traces, layout, equal, describe, revision}
  let wired = false;
  // A cell's numbers in a box of our own (when `describe` is given): Plotly's hover text would need a copy of every
  // cell's numbers in the figure, which on a 256 × 256 map costs more than drawing it.
  const tip = document.createElement("div");
  tip.className = "cell-tip";
  tip.hidden = true;
  if (element.dataset.testid) tip.dataset.testid = `${element.dataset.testid}-tip`;
  element.after(tip);

  function draw() {
    if (!shown) return;
    const theme = plotTheme();
    // Log axes over a decade and a half are labelled at the powers of ten only (Plotly's digit labels between
    // them, "2", "5", read as 2 and 5 however many decades they stand for), with unlabelled minor ticks; a
    // narrower zoom keeps Plotly's own ticks, which write the values out.
    const axis = ({ title, values, log }) => ({ type: log ? "log" : "linear",
      title: { text: title, font: { size: theme.axisTitle } }, autorange: true, ticks: "outside", showgrid: false,
      // "allow": Plotly's check for labels past the plot measures every label, a long forced layout on a big map.
      zeroline: false, automargin: true, ticklabeloverflow: "allow", ...(log ? { exponentformat: "power" } : {}),
      ...(log && Math.log10(values.at(-1) / values[0]) >= 1.5 ? { dtick: 1, minor: { dtick: "D1", ticks: "outside" } }
        : {}) });
    Plotly.react(element, shown.traces, {
      ...boxSize(element),
      margin: { l: 10, r: 10, t: shown.layout.title ? theme.title + 14 : theme.font, b: 10 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      font: { family: FONT_FAMILY, size: theme.font, color: "#1d2330" },
      hoverlabel: { font: { family: FONT_FAMILY, size: theme.font } },
      // A map of starts: ticks as dense on x as on y (Plotly spaces x's wider), which also keeps them off the ends,
      // where a label would stick out into the neighbouring map's room.
      xaxis: { ...axis(shown.axes[0]), ...(shown.equal ? { nticks: 8 } : {}) },
      // Equal units on both axes where they are the plane's x and y (a map of starts). A map beside another of the
      // same axes leaves its y labels to the one on its left.
      yaxis: { ...axis(shown.axes[1]),
        ...(shown.equal ? { scaleanchor: "x", scaleratio: 1, constrain: "domain", constraintoward: "top" } : {}),
        ...(shown.shareY ? { showticklabels: false, title: { text: "" }, automargin: false } : {}) },
      dragmode: "zoom",
      showlegend: false,
      // A new map is a new view: Plotly must not keep the zoom of the old one.
      uirevision: shown.revision,
      ...shown.layout,
    }, config);
    if (!wired) wire();
  }

  function wire() {
    wired = true;
    element.on("plotly_relayout", (event) => {
      const range = (name, { log }) => {
        const lo = event[`${name}.range[0]`];
        const hi = event[`${name}.range[1]`];
        if (lo === undefined || hi === undefined) return null;
        const value = log ? (v) => 10 ** v : (v) => v;
        return [value(Math.min(lo, hi)), value(Math.max(lo, hi))];
      };
      const x = range("xaxis", shown.axes[0]);
      const y = range("yaxis", shown.axes[1]);
      if (x || y) onZoom({ x, y });
    });
    element.on("plotly_hover", (event) => {
      const point = event.points?.find((p) => Array.isArray(p.pointNumber));
      const lines = point && shown.describe?.(point.pointNumber[1], point.pointNumber[0]);
      if (!lines) return;
      tip.replaceChildren(...lines.map((line) => Object.assign(document.createElement("div"), { textContent: line })));
      tip.hidden = false;
      // Beside the pointer, on the side of the figure with more room.
      const box = tip.parentElement.getBoundingClientRect();
      const x = event.event.clientX - box.left;
      const y = event.event.clientY - box.top;
      tip.style.left = x < box.width / 2 ? `${x + 14}px` : "";
      tip.style.right = x < box.width / 2 ? "" : `${box.width - x + 14}px`;
      tip.style.top = `${Math.min(y + 14, Math.max(0, box.height - tip.offsetHeight))}px`;
    });
    element.on("plotly_unhover", () => (tip.hidden = true));
    element.on("plotly_click", (event) => {
      const point = event.points?.find((p) => Array.isArray(p.pointNumber));
      if (!point || !shown) return;
      const [j, i] = point.pointNumber;
      onPick({ i, j, x: shown.axes[0].values[i], y: shown.axes[1].values[j] });
    });
  }
  followBox(element, () => draw());

  let revision = 0;
  return {
    /** Draws the cells' `traces` over `axes` ([x, y], each {values, title, log}); `layout` adds to the figure's;
     * `equal`: one unit is as long on both axes; `describe(i, j)`: the lines of cell [j][i]'s hover box (the traces'
     * hoverinfo is then "none"); `shareY`: the map on its left labels the y axis (no tick labels or title here). */
    show({ axes, traces, layout = {}, equal = false, describe = null, shareY = false }) {
      tip.hidden = true;
      shown = { axes, traces, layout, equal, describe, shareY, revision: ++revision };
      draw();
    },
    /** The figure's margins around the plot as drawn, {l, r, t, b} in pixels (axis labels, colour bar), or null
     * before the first draw: the page sizes maps side by side so that their plots come out equal. */
    margins() {
      // What the labels ask for (Plotly's pushed margins), not the margins of the last frame: Plotly settles its
      // automatic margins over several redraws, and the page must not size the columns from one in between.
      const pushed = Object.values(element._fullLayout?._pushmargin ?? {});
      if (!pushed.length) return null;
      const side = (k) => Math.ceil(Math.max(...pushed.map((p) => p[k]?.size ?? 0)));
      return { l: side("l"), r: side("r"), t: side("t"), b: side("b") };
    },
    element,
  };
}
