// The objective a regularized run minimizes, J = f + l1·Σ|θᵢ| + (l2/2)·Σθᵢ² (README, "regularization"),
// on the surface's grid, and where J is lowest: for drawing only (the runs' values come from the server).
// Pure functions; the contour and the curve draw what they return.
import { t } from "../i18n.js";

const REFINE_ITERATIONS = 400;

/** A run's echoed `regularization` as {l1, l2}, or null when it adds nothing. */
export function penaltyOf(reg) {
  const l1 = reg?.l1 ?? 0;
  const l2 = reg?.l2 ?? 0;
  return l1 > 0 || l2 > 0 ? { l1, l2 } : null;
}

const samePenalty = (a, b) => (a === null ? b === null : b !== null && a.l1 === b.l1 && a.l2 === b.l2);

/** How the runs' penalties stand: `shared` when every run has the same one (the picture shows J),
 * else `perRun` (the picture shows f, and each penalized run's own minimum of J). */
export function penaltyPlan(regs) {
  const list = regs.map(penaltyOf);
  const shared = list.length > 0 && list[0] !== null && list.every((p) => samePenalty(p, list[0])) ? list[0] : null;
  return { shared, perRun: shared ? list.map(() => null) : list };
}

/** The penalty at (x, y). */
export const penaltyAt = ({ l1, l2 }, x, y = 0) => l1 * (Math.abs(x) + Math.abs(y)) + (l2 / 2) * (x * x + y * y);

/** The grid of J = f + penalty (null where f is null). */
export function withPenalty(grid, reg) {
  const z = grid.z.map((row, j) => row.map((v, i) => (v === null ? null : v + penaltyAt(reg, grid.x[i], grid.y[j]))));
  return { ...grid, z };
}

/** "L1 0.5", "L2 0.1", "L1 0.5, L2 0.1": the penalty in the legend's words. */
export function penaltyName({ l1, l2 }) {
  const parts = [];
  if (l1 > 0) parts.push(t("plots.penalty.l1", { value: l1 }));
  if (l2 > 0) parts.push(t("plots.penalty.l2", { value: l2 }));
  return parts.join(t("plots.penalty.join"));
}

/** What the picture's caption says it shows: "contours of J = f + L1 penalty" and the like. */
export function objectiveCaption(reg, curve = false) {
  const which = reg.l1 > 0 && reg.l2 > 0 ? "l1_l2" : reg.l1 > 0 ? "l1" : "l2";
  return t(curve ? `plots.objective.curve_${which}` : `plots.objective.contour_${which}`, { l1: reg.l1, l2: reg.l2 });
}

// Minimizes the local model m(d) = g·d + ½ dᵀH d of f (finite differences of the grid around the grid's
// argmin θ0) plus the exact penalty at θ0 + d, over the cell |dᵢ| ≤ hᵢ, by proximal gradient steps: the
// soft threshold lands exactly on an axis where L1 puts the minimum (its corner), which no interpolation
// of grid values would.
function refine(theta0, g, H, h, { l1, l2 }) {
  const n = theta0.length;
  const bound = Math.max(...H.map((row) => row.reduce((s, v) => s + Math.abs(v), 0))) + l2; // ≥ the largest curvature
  if (!(bound > 0) || !Number.isFinite(bound)) return theta0;
  const step = 1 / bound;
  const theta = [...theta0];
  for (let k = 0; k < REFINE_ITERATIONS; k++) {
    const d = theta.map((v, i) => v - theta0[i]);
    for (let i = 0; i < n; i++) {
      const grad = g[i] + H[i].reduce((s, v, j) => s + v * d[j], 0) + l2 * theta[i];
      const moved = theta[i] - step * grad;
      const shrunk = Math.sign(moved) * Math.max(0, Math.abs(moved) - step * l1);
      theta[i] = Math.min(theta0[i] + h[i], Math.max(theta0[i] - h[i], shrunk));
    }
  }
  return theta;
}

/** Where J = f + penalty is lowest over the grid, refined inside the grid's cell: {x, y, f} (f: J's
 * value there by the local model), or null when the lowest point lies on the grid's edge (J's minimum
 * is then outside the picture, or nowhere). `fixedY`: a curve, where y stays at that value. */
export function minimumOf(grid, reg, fixedY = null) {
  const { x: xs, y: ys, z } = grid;
  const row = fixedY === null ? null : nearestIndex(ys, fixedY);
  const at = (i, j) => z[j]?.[i] ?? null;
  const J = (i, j) => (at(i, j) === null ? null : at(i, j) + penaltyAt(reg, xs[i], fixedY ?? ys[j]));
  let best = null;
  for (const j of row === null ? ys.keys() : [row]) {
    for (let i = 0; i < xs.length; i++) {
      const v = J(i, j);
      if (v !== null && (best === null || v < best.v)) best = { i, j, v };
    }
  }
  if (!best) return null;
  const { i, j } = best;
  const hx = xs[1] - xs[0];
  const hy = ys[1] - ys[0];
  const inside = (ii, jj) => at(ii, jj) !== null;
  if (i === 0 || i === xs.length - 1 || !inside(i - 1, j) || !inside(i + 1, j)) return null;
  const f0 = at(i, j);
  const gx = (at(i + 1, j) - at(i - 1, j)) / (2 * hx);
  const hxx = (at(i + 1, j) - 2 * f0 + at(i - 1, j)) / (hx * hx);
  if (row !== null) {
    const [x] = refine([xs[i]], [gx], [[hxx]], [hx], reg);
    const d = x - xs[i];
    return { x, y: fixedY, f: f0 + gx * d + 0.5 * hxx * d * d + penaltyAt(reg, x, fixedY) };
  }
  if (j === 0 || j === ys.length - 1 || ![[i, j - 1], [i, j + 1], [i - 1, j - 1], [i + 1, j - 1], [i - 1, j + 1],
    [i + 1, j + 1]].every(([a, b]) => inside(a, b))) return null;
  const gy = (at(i, j + 1) - at(i, j - 1)) / (2 * hy);
  const hyy = (at(i, j + 1) - 2 * f0 + at(i, j - 1)) / (hy * hy);
  const hxy = (at(i + 1, j + 1) - at(i - 1, j + 1) - at(i + 1, j - 1) + at(i - 1, j - 1)) / (4 * hx * hy);
  const [x, y] = refine([xs[i], ys[j]], [gx, gy], [[hxx, hxy], [hxy, hyy]], [hx, hy], reg);
  const [dx, dy] = [x - xs[i], y - ys[j]];
  const model = f0 + gx * dx + gy * dy + 0.5 * (hxx * dx * dx + 2 * hxy * dx * dy + hyy * dy * dy);
  return { x, y, f: model + penaltyAt(reg, x, y) };
}

/** The index of the value in a sorted list nearest to v. */
export function nearestIndex(values, v) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i] - v) < Math.abs(values[best] - v)) best = i;
  return best;
}

/** The minima of J to mark for a plan (penaltyPlan): one for a shared penalty ({run: null}), else one per
 * distinct per-run penalty, in the colour of the first run that has it ({run: i}); each {x, y, f, run, name}.
 * A minimum outside the grid is not marked. `fixedY`: a curve (see minimumOf). */
export function penaltyMinima(grid, plan, fixedY = null) {
  if (plan.shared) {
    const m = minimumOf(grid, plan.shared, fixedY);
    return m ? [{ ...m, run: null, name: t("plots.penalty.minimum") }] : [];
  }
  const out = [];
  plan.perRun.forEach((reg, i) => {
    if (!reg || plan.perRun.findIndex((p) => samePenalty(p, reg)) !== i) return;
    const m = minimumOf(grid, reg, fixedY);
    if (m) out.push({ ...m, run: i, name: t("plots.penalty.minimum_of", { penalty: penaltyName(reg) }) });
  });
  return out;
}
