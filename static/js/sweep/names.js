// The title of each map: the run's name as the explorer gives it (labels.js: SGD without momentum or noise is
// gradient descent, with momentum the momentum method), then the settings of its card that are not an axis
// ("GD · lr 0.01"), so that a reader of a slide knows which runs the map holds.
import { t } from "../i18n.js";
import { paramName, runLabels } from "../labels.js";

// An axis stands for its whole range: it names the run as its far end would (a momentum axis makes the momentum
// method, a noise axis makes SGD stochastic).
function named(state) {
  const axes = [state.x, state.y];
  const top = (param) => axes.find((a) => a.param === param)?.range[1];
  const noise = top("noise.std") ?? state.noise.std;
  const entries = state.optimizers.map((o) => {
    const params = { ...o.params };
    for (const { param, range } of axes) {
      if (!param.includes(".") && !param.startsWith("betas")) params[param] = range[1];
    }
    return { name: o.name, params };
  });
  return { entries, shared: { noise: { std: noise }, clip: state.clip } };
}

// The card's own settings, those no axis replaces: numbers and pairs (a flag such as nesterov is in the title).
function cardSettings(entry, state) {
  const axes = [state.x.param, state.y.param];
  return Object.entries(entry.params)
    .filter(([name, value]) => !axes.includes(name) && typeof value !== "boolean"
      && !(name === "betas" && axes.some((a) => a.startsWith("betas"))))
    .map(([name, value]) => t("explorer.label.param", { name: paramName(name),
      value: Array.isArray(value) ? `(${value.join(", ")})` : String(value) }));
}

/** The maps' titles, one per optimizer of `state`; `optimizers`: the catalog's. */
export function mapTitles(state, optimizers) {
  const { entries, shared } = named(state);
  const labels = runLabels(entries, optimizers, shared);
  return labels.map((label, i) => {
    const alone = runLabels([entries[i]], optimizers, shared)[0];
    const settings = cardSettings(state.optimizers[i], state);
    // Where two maps share a title, labels.js has already added what tells them apart.
    return label === alone && settings.length
      ? t("explorer.label.with_params", { title: label, params: settings.join(t("explorer.label.separator")) })
      : label;
  });
}
