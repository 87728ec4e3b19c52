// The Trainability view's sidebar: the network, its optimizer and training (the same controls as the
// Networks page), and the map's two axes with their ranges and resolution.
import { numberControl, paramControl, row, select } from "../controls.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { MAX_LAYERS, MAX_RESOLUTION, MAX_UNITS, START_RANGES, axisParams, fitAxis, layerOf } from "./state.js";

const ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"];
const INITS = ["xavier", "he", "normal"];

/** A parameter's name on an axis title ("learning rate of layer 1 (× lr)") or in its menu. */
export function paramTitle(param, hidden, prefix = "trainability.param") {
  const layer = layerOf(param);
  if (layer === null) return t(`${prefix}.lr`);
  return layer === hidden.length ? t(`${prefix}.lr_scale_output`) : t(`${prefix}.lr_scale`, { n: layer + 1 });
}

/** The sidebar; `renderAll()` redraws it from the store (after a zoom or a state set from outside). */
export function createTrainabilityControls(root, { store, catalog, datasets }) {
  const set = (patch) => store.set(patch);
  const optimizers = catalog.optimizers.filter((o) => !o.needs_hessian);
  const meta = Object.fromEntries(optimizers.map((o) => [o.name, o]));
  const sections = {};
  const lrOnAxis = (s) => s.x.param === "lr" || s.y.param === "lr";

  function dataSection(s) {
    const options = datasets.map((d) => [d.name,
      t("network.dataset_option", { title: d.title, task: t(`network.task.${d.task}`) })]);
    const pick = select(options, s.dataset.name, t("network.dataset"),
      (name) => set({ dataset: { ...store.get().dataset, name } }), "tm-dataset");
    const field = (label, key, range, integer, hint) =>
      row(label, numberControl({ name: label, value: s.dataset[key], range, integer, min: 0,
        onChange: (v) => set({ dataset: { ...store.get().dataset, [key]: v } }) }), hint);
    return [row(t("network.dataset"), pick), field(t("network.points"), "n", [20, 2000], true),
      field(t("network.noise"), "noise", [0, 1]),
      field(t("network.data_seed"), "seed", [0, 100], true, t("network.data_seed_hint"))];
  }

  function modelSection(s) {
    const layers = h("input", { type: "text", class: "exact", value: s.hidden.join(","),
      "aria-label": t("network.hidden_label"), "data-testid": "tm-hidden" });
    layers.addEventListener("change", () => {
      const units = layers.value.split(",").map((u) => Number(u.trim()));
      const ok = units.length >= 1 && units.length <= MAX_LAYERS &&
        units.every((u) => Number.isInteger(u) && u >= 1 && u <= MAX_UNITS);
      if (!ok) return (layers.value = store.get().hidden.join(","));
      const { x, y } = store.get();
      set({ hidden: units, x: fitAxis(x, units), y: fitAxis(y, units) });
      render("axes");
    });
    const choices = (names, prefix) => names.map((name) => [name, t(`${prefix}.${name}`)]);
    return [
      row(t("network.hidden"), layers, t("trainability.hidden_hint")),
      row(t("network.activation"), select(choices(ACTIVATIONS, "network.activation"), s.activation,
        t("network.activation"), (activation) => set({ activation }), "tm-activation")),
      row(t("network.init"), select(choices(INITS, "network.init"), s.init, t("network.init_label"),
        (init) => set({ init }), "tm-init")),
      row(t("network.init_scale"), numberControl({ name: t("network.init_scale"), value: s.initScale,
        range: [0.01, 10], log: true, onChange: (initScale) => set({ initScale }) }), t("network.init_scale_hint")),
      row(t("network.model_seed"), numberControl({ name: t("network.model_seed_label"), value: s.modelSeed,
        range: [0, 100], integer: true, onChange: (modelSeed) => set({ modelSeed }) }), t("network.model_seed_hint")),
    ];
  }

  function optimizerSection(s) {
    const pick = select(optimizers.map((o) => [o.name, o.title]), s.optimizer.name, t("network.optimizer"),
      (name) => {
        // The base lr carries over: the map's ranges are factors of it.
        set({ optimizer: { name, params: { lr: store.get().optimizer.params.lr } } });
        render("optimizer");
      }, "tm-optimizer");
    const params = meta[s.optimizer.name].params.map((p) => {
      if (p.name === "lr" && lrOnAxis(s)) {
        return h("p", { class: "hint", "data-testid": "tm-lr-on-axis" }, t("trainability.base_lr_on_axis"));
      }
      const control = paramControl(p, s.optimizer.params[p.name], (v) => {
        const current = store.get().optimizer;
        set({ optimizer: { ...current, params: { ...current.params, [p.name]: v } } });
      }, `tm-param-${p.name}`);
      if (p.name === "lr") control.querySelector(".row-label").title = t("trainability.base_lr_hint");
      return control;
    });
    return [row(t("network.optimizer"), pick), ...params, h("p", { class: "rule" }, meta[s.optimizer.name].update)];
  }

  function trainingSection(s) {
    const steps = numberControl({ name: t("network.steps"), value: s.steps, range: [10, 20000], log: true, min: 1,
      integer: true, testid: "tm-steps", onChange: (v) => set({ steps: Math.min(20000, Math.max(1, v)) }) });
    const batch = h("input", { type: "number", min: 1, step: 1, class: "exact", placeholder: t("network.batch_full"),
      "aria-label": t("network.batch_size"), value: s.batchSize ?? "", "data-testid": "tm-batch" });
    batch.addEventListener("change", () => {
      const v = Number(batch.value);
      set({ batchSize: batch.value === "" || !(v >= 1) ? null : Math.round(v) });
    });
    return [row(t("network.steps"), steps, t("trainability.steps_hint")),
      row(t("network.batch_size"), batch, t("network.batch_hint"))];
  }

  function axisRows(s, name) {
    const axis = s[name];
    const label = t(`trainability.axis.${name}`);
    const options = axisParams(s.hidden).map((p) => [p, paramTitle(p, s.hidden, "trainability.choice")]);
    const pick = select(options, axis.param, label, (param) => {
      // A new parameter starts over its own range: lr and a layer's factor live on different scales.
      const kind = (p) => (p === "lr" ? "lr" : "lr_scale");
      const range = kind(param) === kind(store.get()[name].param) ? store.get()[name].range : START_RANGES[kind(param)];
      set({ [name]: { param, range: [...range] } });
      render("axes");
      render("optimizer");
    }, `tm-${name}-param`);
    const bound = (k) => {
      const entry = h("input", { type: "number", step: "any", min: 0, class: "exact", value: axis.range[k],
        "aria-label": `${t("trainability.axis.range_label", { axis: label })}: ${t(`trainability.axis.${k ? "to" : "from"}`)}`,
        "data-testid": `tm-${name}-${k ? "hi" : "lo"}` });
      entry.addEventListener("change", () => {
        const v = Number(entry.value);
        if (entry.value === "" || !(v > 0)) return (entry.value = String(store.get()[name].range[k]));
        const range = [...store.get()[name].range];
        range[k] = v;
        set({ [name]: { ...store.get()[name], range } });
      });
      return entry;
    };
    return [row(label, pick),
      row("", h("div", { class: "pair tm-range", title: t("trainability.axis.range_label", { axis: label }) },
        bound(0), h("span", { class: "tm-dash" }, "–"), bound(1)))];
  }

  function axesSection(s) {
    const resolution = numberControl({ name: t("trainability.resolution"), value: s.resolution,
      range: [8, MAX_RESOLUTION], integer: true, min: 2, testid: "tm-resolution",
      onChange: (v) => set({ resolution: Math.min(MAX_RESOLUTION, Math.max(2, v)) }) });
    return [...axisRows(s, "x"), ...axisRows(s, "y"),
      row(t("trainability.resolution"), resolution, t("trainability.resolution_hint"))];
  }

  const builders = { axes: axesSection, data: dataSection, model: modelSection, optimizer: optimizerSection,
    training: trainingSection };
  for (const name of Object.keys(builders)) {
    sections[name] = h("div", { class: "section-body" });
    root.append(h("section", { class: `panel panel-${name}` }, h("h2", {}, t(`trainability.section.${name}`)), sections[name]));
  }
  const render = (name) => sections[name].replaceChildren(...builders[name](store.get()));
  const renderAll = () => Object.keys(builders).forEach(render);
  renderAll();
  return { renderAll };
}
