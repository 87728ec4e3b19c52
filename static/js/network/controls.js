// The Network view's sidebar, generated from the catalog like the explorer's.
import { numberControl, paramControl, row, select } from "../controls.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

const ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"];
const INITS = ["xavier", "he", "normal"];

/** The sidebar; `renderAll()` redraws it from the store (after a state set from outside, e.g. a scene). */
export function createNetworkControls(root, { store, catalog, datasets }) {
  const set = (patch) => store.set({ ...patch, cursor: null });
  const optimizers = catalog.optimizers.filter((o) => !o.needs_hessian);
  const meta = Object.fromEntries(optimizers.map((o) => [o.name, o]));
  const sections = {};

  function dataSection(s) {
    const options = datasets.map((d) => [d.name,
      t("network.dataset_option", { title: d.title, task: t(`network.task.${d.task}`) })]);
    const pick = select(options, s.dataset.name, t("network.dataset"), (name) => {
      set({ dataset: { ...store.get().dataset, name } });
      render("data");
    }, "dataset");
    const field = (label, key, range, integer, hint) =>
      row(label, numberControl({ name: label, value: s.dataset[key], range, integer, min: 0,
        onChange: (v) => set({ dataset: { ...store.get().dataset, [key]: v } }) }), hint);
    const about = datasets.find((d) => d.name === s.dataset.name)?.description;
    return [row(t("network.dataset"), pick), h("p", { class: "hint", "data-testid": "dataset-about" }, about),
      field(t("network.points"), "n", [20, 2000], true), field(t("network.noise"), "noise", [0, 1]),
      field(t("network.data_seed"), "seed", [0, 100], true, t("network.data_seed_hint"))];
  }

  function modelSection(s) {
    const layers = h("input", { type: "text", class: "exact", value: s.hidden.join(","),
      "aria-label": t("network.hidden_label"), "data-testid": "hidden" });
    layers.addEventListener("change", () => {
      const units = layers.value.split(",").map((u) => Number(u.trim()));
      if (units.length >= 1 && units.length <= 4 && units.every((u) => Number.isInteger(u) && u >= 1 && u <= 64)) {
        set({ hidden: units });
      } else layers.value = store.get().hidden.join(",");
    });
    const choices = (names, prefix) => names.map((name) => [name, t(`${prefix}.${name}`)]);
    return [
      row(t("network.hidden"), layers, t("network.hidden_hint")),
      row(t("network.activation"), select(choices(ACTIVATIONS, "network.activation"), s.activation,
        t("network.activation"), (activation) => set({ activation }), "activation")),
      row(t("network.init"), select(choices(INITS, "network.init"), s.init, t("network.init_label"),
        (init) => set({ init }), "init")),
      row(t("network.init_scale"), numberControl({ name: t("network.init_scale"), value: s.initScale,
        range: [0.01, 10], log: true, onChange: (initScale) => set({ initScale }) }), t("network.init_scale_hint")),
      row(t("network.model_seed"), numberControl({ name: t("network.model_seed_label"), value: s.modelSeed,
        range: [0, 100], integer: true, onChange: (modelSeed) => set({ modelSeed }) }), t("network.model_seed_hint")),
    ];
  }

  function optimizerSection(s) {
    const pick = select(optimizers.map((o) => [o.name, o.title]), s.optimizer.name, t("network.optimizer"),
      (name) => {
        set({ optimizer: { name, params: {} } });
        render("optimizer");
      }, "optimizer");
    const params = meta[s.optimizer.name].params.map((p) =>
      paramControl(p, s.optimizer.params[p.name], (v) => {
        const current = store.get().optimizer;
        set({ optimizer: { ...current, params: { ...current.params, [p.name]: v } } });
      }),
    );
    return [row(t("network.optimizer"), pick), ...params, h("p", { class: "rule" }, meta[s.optimizer.name].update)];
  }

  function trainingSection(s) {
    const scalar = (label, key, range, log, hint, integer = false) =>
      row(label, numberControl({ name: label, value: s[key], range, log, integer, min: 0,
        onChange: (v) => set({ [key]: v }) }), hint);
    const batch = h("input", { type: "number", min: 1, step: 1, class: "exact", placeholder: t("network.batch_full"),
      "aria-label": t("network.batch_size"), value: s.batchSize ?? "" });
    batch.addEventListener("change", () => {
      const v = Number(batch.value);
      set({ batchSize: batch.value === "" || !(v >= 1) ? null : Math.round(v) });
    });
    const schedule = select(catalog.schedules.map((x) => [x.name, x.title]), s.schedule.name, t("network.schedule"),
      (name) => set({ schedule: { name } }));
    const landscape = select(["pca", "random"].map((m) => [m, t(`network.landscape.${m}`)]), s.landscape,
      t("network.landscape"), (value) => set({ landscape: value }));
    return [
      scalar(t("network.steps"), "steps", [10, 20000], true, "", true),
      row(t("network.batch_size"), batch, t("network.batch_hint")),
      scalar(t("network.l2"), "l2", [0, 0.1], false, t("network.l2_hint")),
      scalar(t("network.dropout"), "dropout", [0, 0.9], false, t("network.dropout_hint")),
      row(t("network.schedule"), schedule),
      row(t("network.landscape"), landscape),
    ];
  }

  const builders = { data: dataSection, model: modelSection, optimizer: optimizerSection, training: trainingSection };
  for (const name of Object.keys(builders)) {
    sections[name] = h("div", { class: "section-body" });
    root.append(h("section", { class: "panel" }, h("h2", {}, t(`network.section.${name}`)), sections[name]));
  }
  const render = (name) => sections[name].replaceChildren(...builders[name](store.get()));
  const renderAll = () => Object.keys(builders).forEach(render);
  renderAll();
  return { renderAll };
}
