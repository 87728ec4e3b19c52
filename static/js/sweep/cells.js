// The cells of a sweep map as Plotly traces, in one of four colourings: final loss (log where every loss is
// positive), steps taken, status, or basin (the minimum reached: one hue per minimum, paler the slower, grey
// for none and red for diverged). Maps side by side share one scale (`sharedScale`), so colours compare.
import { t } from "../i18n.js";
import { DIVERGED, LOSS_SCALE, colorBar, logTicks, maskTrace } from "../plots/cellmap.js";

export const NONE = "#b9c0cc"; // a cell that reached no known minimum
export const STATUS_COLORS = { converged: "#1b8a5a", max_steps: "#9aa7bd", diverged: DIVERGED };
// One hue per minimum (up to eight; more repeat), deep enough that their pale ends still differ.
export const BASIN_HUES = ["#1f5fbf", "#d4650a", "#2a8a2a", "#8e3fb0", "#0a8a96", "#b8860b", "#c2187a", "#5b6b00"];
const SLOWEST_PALENESS = 0.72; // the slowest cell mixes this much white into its minimum's hue

const diverged = (result) => result.status.map((row) => row.map((s) => s === "diverged"));

// Mixes a hex colour with white: 0 keeps it, 1 is white.
function paler(hex, amount) {
  const channel = (k) => parseInt(hex.slice(1 + 2 * k, 3 + 2 * k), 16);
  const mix = (c) => Math.round(c + (255 - c) * amount).toString(16).padStart(2, "0");
  return `#${[0, 1, 2].map((k) => mix(channel(k))).join("")}`;
}

/** The colour range every map of the page shares: {lo, hi, log} of the final loss, the steps, the minima count.
 * One pass over the cells, no copies: a page may hold three maps of 65 536 cells. */
export function sharedScale(results, steps) {
  let lo = Infinity;
  let hi = -Infinity;
  let positive = true;
  let minima = 1;
  for (const r of results) {
    r.final_loss.forEach((row, j) => row.forEach((v, i) => {
      if (v === null || r.status[j][i] === "diverged") return;
      positive &&= v > 0;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }));
    for (const row of r.minimum) for (const m of row) minima = Math.max(minima, m + 1);
  }
  if (lo > hi) return { loss: { lo: 0, hi: 1, log: false }, steps: Math.max(1, steps), minima };
  const log = positive;
  const [a, b] = log ? [Math.log10(lo), Math.log10(hi)] : [lo, hi];
  return { loss: { lo: a, hi: b > a ? b : a + 1, log }, steps: Math.max(1, steps), minima };
}

// z of a cell in the basin colouring: minimum k plus its slowness in [0, 1) (steps taken / steps); null for none.
function basinZ(result, steps) {
  return result.minimum.map((row, j) => row.map((m, i) =>
    m < 0 || result.status[j][i] === "diverged" ? null : m + 0.998 * (result.steps_taken[j][i] / steps)));
}

// Minimum k spans [k, k + 1): its deep hue at k (fast) to its pale one just before k + 1 (slow).
function basinScale(minima) {
  const scale = [];
  for (let k = 0; k < minima; k++) {
    const hue = BASIN_HUES[k % BASIN_HUES.length];
    scale.push([k / minima, hue], [(k + 1) / minima - 1e-9, paler(hue, SLOWEST_PALENESS)]);
  }
  scale[scale.length - 1][0] = 1;
  return scale;
}

/** The basin key's swatch of minimum k: its hue from fast to slow. */
export const basinGradient = (k) => {
  const hue = BASIN_HUES[k % BASIN_HUES.length];
  return `linear-gradient(to right, ${hue}, ${paler(hue, SLOWEST_PALENESS)})`;
};

/** The traces of one map: its colouring's heatmap, then the masks (diverged; in the basin colouring, none).
 * `axes`: [{values, title}, …]; `scale`: sharedScale(...). The hover box is describeCell's (no hover text here). */
export function cellTraces(result, axes, mode, scale) {
  const [xs, ys] = axes.map((a) => a.values);
  const mask = diverged(result);
  const base = { type: "heatmap", name: mode, x: xs, y: ys, hoverongaps: true, hoverinfo: "none" };
  const masks = [maskTrace("diverged", axes, mask, DIVERGED, { hoverinfo: "skip" })];
  if (mode === "loss") {
    const { lo, hi, log } = scale.loss;
    const z = result.final_loss.map((row, j) => row.map((v, i) =>
      mask[j][i] || v === null || (log && !(v > 0)) ? null : log ? Math.log10(v) : v));
    const title = t(log ? "sweep.colorbar.loss_log" : "sweep.colorbar.loss");
    return [{ ...base, z, colorscale: LOSS_SCALE, zmin: lo, zmax: hi,
      colorbar: colorBar(title, log ? logTicks(lo, hi) : {}) }, ...masks];
  }
  if (mode === "steps") {
    const z = result.steps_taken.map((row, j) => row.map((v, i) => (mask[j][i] ? null : v)));
    return [{ ...base, z, colorscale: LOSS_SCALE, zmin: 0, zmax: scale.steps,
      colorbar: colorBar(t("sweep.colorbar.steps")) }, ...masks];
  }
  if (mode === "status") {
    const code = { converged: 0, max_steps: 1 };
    const z = result.status.map((row) => row.map((s) => code[s] ?? null));
    const { converged, max_steps: stopped } = STATUS_COLORS;
    return [{ ...base, z, zmin: 0, zmax: 1, showscale: false,
      colorscale: [[0, converged], [0.5, converged], [0.5, stopped], [1, stopped]] }, ...masks];
  }
  const none = result.minimum.map((row, j) => row.map((m, i) => m < 0 && !mask[j][i]));
  return [{ ...base, z: basinZ(result, scale.steps), zmin: 0, zmax: scale.minima, showscale: false,
    colorscale: basinScale(scale.minima) },
  maskTrace("none", axes, none, NONE, { hoverinfo: "skip" }), ...masks];
}

// Four significant digits, as a person reads them: 0.01234, 1.235e-7.
const four = (v) => (v === null ? "–" : v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) ? v.toExponential(3)
  : String(Number(v.toPrecision(4))));

/** The lines of cell [j][i]'s hover box: its place on the axes, how it ended, where, and the minimum it reached. */
export function describeCell(result, axes, i, j) {
  const m = result.minimum[j][i];
  return [
    t("sweep.hover.value", { name: axes[0].title, value: four(axes[0].values[i]) }),
    t("sweep.hover.value", { name: axes[1].title, value: four(axes[1].values[j]) }),
    t("sweep.hover.cell", { status: t(`sweep.status.${result.status[j][i]}`), steps: result.steps_taken[j][i] }),
    t("sweep.hover.final", { loss: four(result.final_loss[j][i]), x: four(result.final_x[j][i]),
      y: four(result.final_y[j][i]) }),
    m < 0 ? t("sweep.hover.no_minimum") : t("sweep.hover.minimum", { k: m + 1 }),
  ];
}
