// What the Network view says about each run of a race: its name for a person and the stability
// threshold its sharpness is compared with (Edge of Stability, Cohen et al. 2021 and 2022).
import { t } from "../i18n.js";
import { runLabels } from "../labels.js";
import { runModel } from "./state.js";

// The init as a run's name shows it: `normal` with its σ, which the other inits do not read.
const initName = (m) => (m.init === "normal" ? t("network.run_init_normal", { scale: m.init_scale })
  : t(`network.init.${m.init}`));

/** What sets each run's network apart, by the API's rule (its labels), in the page's words: the
 * activation, the init, or both, whichever differ among the runs ("sigmoid, Xavier"); "" for each when
 * none do. */
export function modelDetails(models) {
  const columns = [models.map((m) => t(`network.activation.${m.activation}`)), models.map(initName)]
    .filter((c) => new Set(c).size > 1);
  return models.map((_, i) => columns.map((c) => c[i]).join(t("explorer.label.separator")));
}

/** Whether every run trains the same loss from the same initial weights (the API's rule for its one
 * landscape): the same activation, init and, for `normal` alone, σ. */
export const oneStart = (models) => new Set(models.map((m) => JSON.stringify([m.activation, m.init,
  m.init === "normal" ? m.init_scale : null]))).size === 1;

/** The runs' names as the Surfaces page names them (labels.js), from the network's own settings: full
 * batch and no noise make plain SGD gradient descent. Runs that differ in their network say how after the
 * optimizer's name, as the API's labels do ("GD · sigmoid, xavier"); runs of one network are named among
 * themselves, so that only what the network does not tell apart is added (a learning rate) or numbered. */
export function networkLabels(entries, catalog, state) {
  const shared = { schedule: state.schedule, clip: state.clip, noise: { std: 0 }, l1: 0, l2: 0,
    batch: { size: state.batchSize, replace: false } };
  const details = modelDetails(entries.map((entry) => runModel(state, entry)));
  const labels = [];
  for (const detail of new Set(details)) {
    const group = entries.map((_, i) => i).filter((i) => details[i] === detail);
    const names = runLabels(group.map((i) => entries[i]), catalog.optimizers, shared);
    group.forEach((i, k) => {
      labels[i] = detail && !entries[i].label ? t("explorer.label.with_params", { title: names[k], params: detail })
        : names[k];
    });
  }
  return labels;
}

const ADAMS = ["adam", "adamw"];

/**
 * The quantity of a run's sharpness plot and the threshold it meets when gradient descent stops being
 * stable on the local quadratic: {kind, value, rule} with `kind` "sharpness" (λ₁ of the Hessian H) or
 * "preconditioned" (λ₁ of P⁻¹H, Adam's), `value` the threshold or null when none applies (another
 * optimizer, a learning rate that changes) and `rule` naming the formula (a message key's suffix).
 * On f = λθ²/2 torch's SGD with momentum β and dampening d is stable for λ < 2(1 + β)/((1 − d)·lr),
 * with Nesterov for λ < 2(1 + β)/((1 − d)(1 + 2β)·lr).
 */
export function stability(entry, params, constantRate) {
  const lr = params.lr;
  const preconditioned = ADAMS.includes(entry.name) && !params.amsgrad;
  if (preconditioned) {
    const [b1] = params.betas ?? [0.9, 0.999];
    return { kind: "preconditioned", rule: "adam", value: constantRate ? (2 + 2 * b1) / ((1 - b1) * lr) : null };
  }
  if (entry.name !== "sgd" || !constantRate) return { kind: "sharpness", rule: null, value: null };
  const beta = params.momentum ?? 0;
  const damp = 1 - (params.dampening ?? 0);
  if (beta === 0) return { kind: "sharpness", rule: "gd", value: 2 / lr };
  if (params.nesterov) return { kind: "sharpness", rule: "nesterov", value: (2 + 2 * beta) / (damp * (1 + 2 * beta) * lr) };
  return { kind: "sharpness", rule: "momentum", value: (2 + 2 * beta) / (damp * lr) };
}
