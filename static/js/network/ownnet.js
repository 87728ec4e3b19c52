// A run's own network on its optimizer card: an activation, an init and the normal init's σ in place of
// the network above, for that run alone (README, "A different network per run"): sigmoid with Xavier
// beside ReLU with He on the same data. Folded like the Surfaces page's "Own settings" (overrides.js),
// with a badge for each field the run sets itself.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { ACTIVATIONS, INITS, MAX_INIT_SCALE, runModel } from "./state.js";

const INHERIT = "";

/** The badges of an entry's own network, in the order of the rows. */
export function ownNetworkBadges(model = {}) {
  return [
    model.activation && t(`network.activation.${model.activation}`),
    model.init && t(`network.init.${model.init}`),
    model.init_scale !== undefined && t("network.own_scale_badge", { scale: model.init_scale }),
  ].filter(Boolean);
}

/**
 * The folded "Own network" part of card `index`, for its optimizer `entry` in `state`. `setModel(model)`
 * writes the entry's own fields (an empty object: none) and redraws the cards, since every run's name may
 * say what sets its network apart; `open` is whether it starts unfolded, `onToggle(open)` remembers it
 * across those redraws; `row` is controls.js's.
 */
export function ownNetwork({ index, entry, state, setModel, open, onToggle, row }) {
  const own = entry.model ?? {};
  // A σ of its own goes with an init that does not read it.
  const change = (key, value) => {
    const { [key]: _, ...rest } = own;
    const next = value === undefined ? rest : { ...rest, [key]: value };
    if (key === "init" && runModel(state, { model: next }).init !== "normal") delete next.init_scale;
    setModel(next);
  };

  // A menu whose first option keeps the network above's value, which it names.
  function menu(key, names, prefix, label) {
    const node = h("select", { "aria-label": label, "data-testid": `own-net-${index}-${key}` },
      h("option", { value: INHERIT }, t("network.own_inherit", { value: t(`${prefix}.${state[key]}`) })),
      ...names.map((name) => h("option", { value: name }, t(`${prefix}.${name}`))));
    node.value = own[key] ?? INHERIT;
    node.addEventListener("change", () => change(key, node.value === INHERIT ? undefined : node.value));
    return row(t(prefix), node);
  }

  // σ of the normal init, asked only when this run's init is normal (the others do not read it). Empty:
  // the network above's σ, which the placeholder shows; a value out of range is not taken.
  function scaleField() {
    const field = h("input", { type: "number", step: "any", min: 0, class: "exact", value: own.init_scale ?? "",
      placeholder: String(state.initScale), "aria-label": t("network.init_scale"),
      "data-testid": `own-net-${index}-init_scale` });
    field.addEventListener("change", () => {
      const v = Number(field.value);
      if (field.value.trim() === "") change("init_scale", undefined);
      else if (v > 0 && v <= MAX_INIT_SCALE) change("init_scale", v);
      else field.value = own.init_scale ?? "";
    });
    return row(t("network.init_scale"), field, t("network.own_scale_hint"));
  }

  const normal = runModel(state, entry).init === "normal";
  const badges = ownNetworkBadges(own).map((text) => h("span", { class: "badge" }, text));
  const details = h("details", { class: `own${badges.length ? " has-own" : ""}`, "data-testid": `own-net-${index}`,
    open },
  h("summary", { title: t("network.own_hint") }, h("span", { class: "own-title" }, t("network.own")),
    h("span", { class: "own-badges", "data-testid": `own-net-badges-${index}`, "aria-label": t("network.own_badges") },
      ...badges)),
  h("div", { class: "own-body" },
    menu("activation", ACTIVATIONS, "network.activation", t("network.activation")),
    menu("init", INITS, "network.init", t("network.init_label")),
    normal || own.init_scale !== undefined ? scaleField() : null));
  details.addEventListener("toggle", () => onToggle(details.open));
  return details;
}
