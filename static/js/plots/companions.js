// The side plots' extra lines, read from the settings each run echoes: the clipping threshold on the
// gradient-norm plot with the norm clipping actually applied beside the raw one, and the mini-batch
// loss beside the full loss (series.js draws them). Pure functions.
import { t } from "../i18n.js";
import { colorOf } from "./colors.js";

const EPS = 1e-6; // torch's clip_grad_norm_: g·min(1, c / (‖g‖ + 1e-6))

/** The norm of the gradient after clipping by norm c, as torch computes it. */
export const clippedNorm = (norm, c) => norm * Math.min(1, c / (norm + EPS));

/**
 * For runs as the stream's start line echoes them ({clip, noise, batch}) and their labels:
 * `guides` (a dashed line at each threshold c), `grad` (per run clipped by norm, the norm applied; only
 * when the recorded ‖∇J‖ is the gradient that was clipped: no noise, no mini-batches) and `loss`
 * (per run with mini-batches, its batch loss). Each companion is {run, label, dash, note, maxNorm}.
 */
export function sideExtras(runs, labels) {
  const guides = [];
  const grad = [];
  const loss = [];
  runs.forEach((run, i) => {
    const c = run.clip?.max_norm;
    if (c > 0) {
      if (!guides.some((g) => g.value === c)) guides.push({ value: c, color: colorOf(i), text: t("plots.clip.threshold", { value: c }) });
      if (!(run.noise?.std > 0) && !run.batch) {
        grad.push({ run: i, maxNorm: c, dash: "dash", label: t("plots.clip.applied_of", { label: labels[i] }),
          note: t("plots.clip.applied_note") });
      }
    }
    if (run.batch) {
      loss.push({ run: i, dash: "dot", label: t("plots.batch.loss_of", { label: labels[i] }), note: t("plots.batch.loss_note") });
    }
  });
  return { guides, grad, loss };
}
