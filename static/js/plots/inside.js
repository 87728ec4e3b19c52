// Inside the optimizer, at the cursor: arrows on the contour for the step plain GD would take (−lr·g), what
// the optimizer's state adds to it (momentum carried over, per-coordinate scaling) and the step it took,
// tip to tail so that the two parts add up to the step; for optimizers with a per-coordinate learning
// rate a rectangle whose sides are the two coordinates' effective rates; and a small plot of those rates
// over the steps (AdaGrad's shrink, RMSProp's recovery). Arrows share one scale per run, said on the plot.
import { t } from "../i18n.js";
import { svg } from "../why/overlay.js";
import { boxSize, followBox, plotConfig } from "./frame.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

export const ARROW_COLORS = { gradient: "#1f77b4", state: "#7d5ba6", step: "#1d2330" };
const RECT = 100; // pixels: the side of the rectangle at the run's largest effective rate
const LONGEST = 170; // pixels: a longer arrow is cut there (drawn dashed)
const TYPICAL = 60; // pixels: the longest arrow of a step is drawn 60 to 150 px long (scale 1, 2 or 5 × 10^k)

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
/** A scale as the key writes it: 50, 0.2, 2×10⁸. */
export function scaleText(scale) {
  if (scale >= 1e-3 && scale < 1e5) return String(Number(scale.toPrecision(1)));
  const k = Math.floor(Math.log10(scale) + 1e-9);
  const m = Math.round(scale / 10 ** k);
  return `${m === 1 ? "" : `${m}×`}10${[...String(k)].map((c) => SUPERSCRIPT[c]).join("")}`;
}

/** A readable multiplier (1, 2 or 5 × 10^k) that draws a step of `size` (data units) about `pixels` long. */
export function arrowScale(size, pixelsPerUnit, pixels = TYPICAL) {
  if (!(size > 0) || !(pixelsPerUnit > 0)) return 1;
  const wanted = (2.5 * pixels) / (size * pixelsPerUnit); // rounded down below: 60 … 150 px
  const k = Math.floor(Math.log10(wanted));
  const m = wanted / 10 ** k;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * 10 ** k;
}

/** The parts of step k of a run with state: {gradient: −lr·g, state: step + lr·g, step}, each [dx, dy] or null,
 * g the gradient the optimizer received (after noise and clipping). */
export function stepParts(run, k) {
  const step = run.moves?.[k];
  const g = run.grads?.[k];
  const lr = run.lr?.[k];
  if (!step || step.some((s) => s === null)) return null;
  if (!g || lr === undefined || g.some((v) => v === null)) return { gradient: null, state: null, step };
  const gradient = g.map((v) => -lr * v);
  const state = step.map((s, i) => s - gradient[i]);
  return { gradient, state: Math.hypot(...state) > 1e-9 * Math.hypot(...step) ? state : null, step };
}

function arrow(kind, from, vector, color, scale, frame, width) {
  const [x0, y0] = frame.toPixel(from);
  let [dx, dy] = [vector[0] * scale * frame.px, -vector[1] * scale * frame.py];
  const length = Math.hypot(dx, dy);
  if (length < 1) return { nodes: [], end: from };
  const cut = length > LONGEST;
  if (cut) [dx, dy] = [(dx / length) * LONGEST, (dy / length) * LONGEST];
  const [x1, y1] = [x0 + dx, y0 + dy];
  const [ux, uy] = [dx / Math.hypot(dx, dy), dy / Math.hypot(dx, dy)];
  const head = 9;
  const corner = (side) => `${x1 - head * ux + side * head * 0.45 * uy},${y1 - head * uy - side * head * 0.45 * ux}`;
  const tip = `${x1},${y1} ${corner(1)} ${corner(-1)}`;
  const shown = scale * (cut ? LONGEST / length : 1); // where a cut arrow ends, in data units
  const end = [from[0] + vector[0] * shown, from[1] + vector[1] * shown];
  const stroke = (c, w) => svg("line", { x1: x0, y1: y0, x2: x1 - head * 0.6 * ux, y2: y1 - head * 0.6 * uy, stroke: c,
    "stroke-width": w, "stroke-dasharray": cut ? "7 4" : null, "stroke-linecap": "round" });
  const shaft = stroke(color, width);
  shaft.dataset.arrow = kind;
  return { nodes: [stroke("rgba(255,255,255,0.9)", width + 3), shaft,
    svg("polygon", { points: tip, fill: color, stroke: "#ffffff", "stroke-width": 1 })], end };
}

/**
 * The arrows and the rectangle of step k: `at` the point θₖ, `parts` from stepParts, `scale` the arrows'
 * multiplier, `rect` {x, y} the effective rates relative to the run's largest (null: none), `color` the run's,
 * `stateKey` the key's name for the optimizer's share ("momentum": SGD's velocity carried over).
 */
export function insideMarks(frame, { at, parts, scale, rect, color, stateKey = "state", font = 12 }) {
  const nodes = [];
  if (rect) {
    const [cx, cy] = frame.toPixel(at);
    const [w, h] = [Math.max(3, rect.x * RECT), Math.max(3, rect.y * RECT)];
    nodes.push(svg("rect", { x: cx - w / 2, y: cy - h / 2, width: w, height: h, fill: "none", stroke: color,
      "stroke-width": 2, "stroke-dasharray": "4 3", class: "why-rect", "data-testid": "why-rect" }));
  }
  if (parts) {
    const width = 2.6;
    if (parts.gradient) {
      const g = arrow("gradient", at, parts.gradient, ARROW_COLORS.gradient, scale, frame, width);
      nodes.push(...g.nodes);
      if (parts.state) nodes.push(...arrow("state", g.end, parts.state, ARROW_COLORS.state, scale, frame, width).nodes);
    }
    nodes.push(...arrow("step", at, parts.step, ARROW_COLORS.step, scale, frame, width + 0.6).nodes);
  }
  // The key, bottom right: what each colour is, and the arrows' scale.
  const { l, t: top, w, h } = frame.box;
  const lines = [["gradient", ARROW_COLORS.gradient], [stateKey, ARROW_COLORS.state], ["step", ARROW_COLORS.step]]
    .filter(([key]) => key !== stateKey || parts?.state);
  const x = l + w - 6;
  let y = top + h - 8 - lines.length * (font + 4);
  for (const [key, color] of lines) {
    nodes.push(svg("text", { x, y, "text-anchor": "end", "font-size": font, fill: color, class: "why-label" },
      `${t(`why.inside.key.${key}`)} ━►`));
    y += font + 4;
  }
  nodes.push(svg("text", { x, y, "text-anchor": "end", "font-size": font, fill: "#1d2330", class: "why-label",
    "data-testid": "why-arrow-scale" }, t("why.inside.scale", { scale: scaleText(scale) })));
  return nodes;
}

/** The small plot of the effective learning rate of each coordinate over the steps, with a cursor. */
export function createEffectiveLrPlot(element) {
  const Plotly = window.Plotly;
  let shown = null; // {steps, x, y, names}
  let cursor = null;
  const theme = plotTheme();

  const cursorShapes = () => (cursor === null ? [] : [{ type: "line", xref: "x", yref: "paper", x0: cursor, x1: cursor,
    y0: 0, y1: 1, line: { color: "#1d2330", width: theme.cursor, dash: "dot" } }]);

  // Where a coordinate's gradient crosses zero, −stepᵢ/gᵢ of an optimizer with momentum (Adam) spikes and
  // may change sign: the plot shows its size on a log axis whose range leaves out the rarest 2 % of spikes.
  function range(values) {
    const sizes = values.filter((v) => v !== null && v !== 0 && Number.isFinite(v)).map(Math.abs).sort((a, b) => a - b);
    if (!sizes.length) return undefined;
    const [lo, hi] = [sizes[Math.floor(0.01 * (sizes.length - 1))], sizes[Math.ceil(0.99 * (sizes.length - 1))]];
    const pad = Math.max(0.15, 0.08 * Math.log10(hi / lo));
    return [Math.log10(lo) - pad, Math.log10(hi) + pad];
  }

  function draw() {
    if (!shown) return Plotly.purge(element);
    const size = (values) => values.map((v) => (v === null ? null : Math.abs(v)));
    const line = (values, name, dash) => ({ type: "scatter", mode: "lines", x: shown.steps, y: size(values), name,
      line: { color: shown.color, width: theme.line, dash }, hovertemplate: `${name} = %{y:.4g}<extra>%{x}</extra>` });
    return Plotly.react(element, [line(shown.x, shown.names[0], "solid"), line(shown.y, shown.names[1], "dot")], {
      ...boxSize(element),
      margin: { l: 8, r: 8, t: theme.title + 10, b: 8 },
      title: { text: t("why.inside.plot_title"), font: { size: theme.title }, x: 0.02, xanchor: "left", y: 0.98 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff",
      font: { family: FONT_FAMILY, size: theme.font, color: "#1d2330" },
      xaxis: { automargin: true, zeroline: false, gridcolor: "#e8ecf2", fixedrange: true },
      yaxis: { type: "log", range: range([...shown.x, ...shown.y]), automargin: true, exponentformat: "power", nticks: 4,
        gridcolor: "#e8ecf2", fixedrange: true },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1, yanchor: "top", bgcolor: "rgba(255,255,255,0.85)",
        font: { size: theme.legend } },
      shapes: cursorShapes(),
    }, plotConfig());
  }
  followBox(element, draw);

  return {
    /** run: {effective_lr: [[ex, ey], …], step indices `steps`}, its colour and coordinate names; null: empty. */
    show(data) {
      shown = data;
      draw();
    },
    setCursor(step) {
      if (cursor === step) return;
      cursor = step;
      if (shown) Plotly.relayout(element, { shapes: cursorShapes() });
    },
    element,
  };
}
