// What the curvature at a point says about a run's learning rate: the largest stable step of plain GD
// is 2/λ₂ (λ₂ the largest eigenvalue of the Hessian); heavy-ball momentum β stretches it to 2(1+β)/λ₂,
// Nesterov's to 2(1+β)/((1+2β)λ₂). These edges are where one steady step's linear map on a quadratic
// (the one the momentum map draws) reaches spectral radius 1 (README, "Why it happens").
import { formatNumber } from "../dom.js";
import { t } from "../i18n.js";

const NEWTON = new Set(["newton", "saddle_free_newton"]);
const SAME = 1e-9; // relative: an lr this close to the edge sits on it

/** The stability edge of an SGD entry for curvature λ > 0: {edge, formula}, or null for other optimizers.
 * Dampening d scales the gradient by 1 − d; weight decay wd adds wd to every curvature. */
export function stabilityEdge({ name, params = {} }, lambda) {
  if (name !== "sgd") return null;
  const beta = params.momentum ?? 0;
  const damped = beta > 0 ? 1 - (params.dampening ?? 0) : 1;
  const curvature = lambda + (params.weight_decay ?? 0);
  if (!(curvature > 0) || !(damped > 0)) return { edge: null, formula: "" };
  if (beta === 0) return { edge: 2 / curvature, formula: "2/λ" };
  if (params.nesterov) return { edge: (2 * (1 + beta)) / ((1 + 2 * beta) * damped * curvature), formula: "2(1+β)/((1+2β)λ)" };
  return { edge: (2 * (1 + beta)) / (damped * curvature), formula: damped === 1 ? "2(1+β)/λ" : "2(1+β)/((1−d)λ)" };
}

/**
 * A run's learning rate `lr` against the curvature `analysis` ({eigenvalues: [λ₁ ≤ λ₂]}) of a point:
 * {kind: "stable" | "escapes" | "edge" | "diverges" | "flat" | "adaptive" | "newton", text, edge}.
 */
export function verdict(entry, lr, analysis) {
  const [l1, l2] = analysis.eigenvalues;
  const escape = l1 < 0 ? ` ${t("why.verdict.escapes")}` : "";
  if (NEWTON.has(entry.name)) return { kind: "newton", text: t("why.verdict.newton"), edge: null };
  const top = stabilityEdge(entry, l2);
  if (top === null) return { kind: "adaptive", text: t("why.verdict.adaptive"), edge: null };
  if (top.edge === null) return { kind: "flat", text: t("why.verdict.flat", { lr: formatNumber(lr) }) + escape, edge: null };
  const formula = top.formula.replace("λ", "λ₂");
  const params = { lr: formatNumber(lr), formula, edge: formatNumber(top.edge) };
  if (Math.abs(lr - top.edge) <= SAME * top.edge) {
    return { kind: "edge", text: t("why.verdict.edge", params) + escape, edge: top.edge };
  }
  // At a saddle the step is stable only across it: along v₁ it slides away whatever the lr.
  if (lr < top.edge && l1 < 0) return { kind: "escapes", text: t("why.verdict.stable_v2", params) + escape, edge: top.edge };
  if (lr < top.edge) return { kind: "stable", text: t("why.verdict.stable", params), edge: top.edge };
  // Every direction whose own edge the lr passes grows: v₂ first, v₁ too when its curvature is as steep.
  const low = l1 > 0 ? stabilityEdge(entry, l1).edge : null;
  const along = low !== null && lr > low * (1 + SAME) ? "v₁, v₂" : "v₂";
  return { kind: "diverges", text: t("why.verdict.diverges", { ...params, along }) + escape, edge: top.edge };
}
