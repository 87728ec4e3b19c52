// The name of each run as the reader sees it (legend, table, hover, exports): the label the view
// gives it, else the optimizer's title in the reader's language (the catalog answers in it), with
// the settings that tell apart entries of the same title ("SGD · lr 0.4", "SGD · lr 0.6"), and the
// per-run settings that do ("SGD · full batch", "SGD · B = 10", "SGD · B = 1").
import { maybe, t } from "./i18n.js";
import { ownBadges } from "./overrides.js";

const OWN_KEYS = ["schedule", "clip", "noise", "regularization", "batch"];

// What a run uses for a per-run setting: its own, else the request's (the view's state).
function effective(entry, key, shared) {
  if (key in entry) return entry[key];
  if (!shared) return undefined;
  switch (key) {
    case "schedule": return shared.schedule ?? { name: "constant" };
    case "clip": return shared.clip ?? null;
    case "noise": return shared.noise?.std ? { std: shared.noise.std } : null;
    case "regularization": return shared.l1 || shared.l2 ? { l1: shared.l1, l2: shared.l2 } : null;
    default: return shared.batch?.size ? { size: shared.batch.size, replace: shared.batch.replace } : null;
  }
}

/** Badges of the per-run settings that differ within `group` (indices into entries), for entry i. */
function ownDifferences(entries, group, i, shared) {
  const keys = OWN_KEYS.filter((key) => group.some((j) => key in entries[j])
    && new Set(group.map((j) => JSON.stringify(effective(entries[j], key, shared) ?? null))).size > 1);
  return ownBadges(Object.fromEntries(keys.map((key) => [key, effective(entries[i], key, shared) ?? null])), []);
}

/** A hyperparameter's short name for a person: translated where the catalog has one, else its API name. */
export const paramName = (name) => maybe(`explorer.param.${name}`) ?? name;

function showValue(value) {
  if (typeof value === "boolean") return t(value ? "explorer.label.yes" : "explorer.label.no");
  if (Array.isArray(value)) return `(${value.join(", ")})`;
  return String(value);
}

// SGD with momentum is the textbook's momentum method; with nesterov, Nesterov momentum. Without
// momentum, on the full data and without noise, nothing about it is stochastic: gradient descent.
function titleOf(entry, meta, shared) {
  if (entry.name === "sgd" && (entry.params.momentum ?? 0) > 0) {
    return t(entry.params.nesterov ? "explorer.label.nesterov" : "explorer.label.momentum");
  }
  if (entry.name === "sgd" && shared && !effective(entry, "batch", shared) && !effective(entry, "noise", shared)?.std) {
    return t("explorer.label.gd");
  }
  return meta?.title ?? entry.name;
}

/** entries: [{name, params, label?, own settings?}]; optimizers: the catalog's optimizers (titles in the
 * reader's language); shared: the view's state, whose settings a run without its own inherits. */
export function runLabels(entries, optimizers, shared = null) {
  const meta = Object.fromEntries(optimizers.map((o) => [o.name, o]));
  const titles = entries.map((entry) => titleOf(entry, meta[entry.name], shared));
  const valueOf = (j, name) =>
    entries[j].params[name] ?? meta[entries[j].name]?.params.find((p) => p.name === name)?.default ?? null;
  const labels = entries.map((entry, i) => {
    if (entry.label) return entry.label;
    const same = entries.map((_, j) => j).filter((j) => !entries[j].label && titles[j] === titles[i]);
    const names = [...new Set(same.flatMap((j) => Object.keys(entries[j].params)))];
    const differing = names.filter((name) => new Set(same.map((j) => JSON.stringify(valueOf(j, name)))).size > 1);
    const own = same.length < 2 ? [] : ownDifferences(entries, same, i, shared);
    if (same.length < 2 || (!differing.length && !own.length)) return titles[i];
    const params = differing
      .map((name) => t("explorer.label.param", { name: paramName(name), value: showValue(valueOf(i, name)) }))
      .concat(own)
      .join(t("explorer.label.separator"));
    return t("explorer.label.with_params", { title: titles[i], params });
  });
  // Entries that nothing tells apart are numbered, as the server numbers them.
  const seen = {};
  return labels.map((label) => {
    seen[label] = (seen[label] ?? 0) + 1;
    return seen[label] === 1 ? label : t("explorer.label.nth", { label, n: seen[label] });
  });
}
