// The Network view's sidebar, generated from the catalog like the explorer's.
import { numberControl, paramControl, row } from "../controls.js";
import { h } from "../dom.js";

const ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"];
const INITS = ["xavier", "he", "normal"];

function select(options, value, label, onChange, testid) {
  const node = h("select", { "aria-label": label, "data-testid": testid },
    ...options.map(([v, text]) => h("option", { value: v }, text)));
  node.value = value;
  node.addEventListener("change", () => onChange(node.value));
  return node;
}

export function createNetworkControls(root, { store, catalog, datasets }) {
  const set = (patch) => store.set({ ...patch, cursor: null });
  const optimizers = catalog.optimizers.filter((o) => !o.needs_hessian);
  const meta = Object.fromEntries(optimizers.map((o) => [o.name, o]));
  const sections = {};

  function dataSection(s) {
    const pick = select(datasets.map((d) => [d.name, `${d.name} (${d.task})`]), s.dataset.name, "dataset",
      (name) => set({ dataset: { ...store.get().dataset, name } }), "dataset");
    const field = (name, key, range, integer) =>
      row(name, numberControl({ name, value: s.dataset[key], range, integer, min: 0,
        onChange: (v) => set({ dataset: { ...store.get().dataset, [key]: v } }) }));
    return [row("dataset", pick), field("points", "n", [20, 2000], true), field("noise", "noise", [0, 1]),
      field("seed", "seed", [0, 100], true)];
  }

  function modelSection(s) {
    const layers = h("input", { type: "text", class: "exact", value: s.hidden.join(","), "aria-label": "hidden layers",
      "data-testid": "hidden" });
    layers.addEventListener("change", () => {
      const units = layers.value.split(",").map((u) => Number(u.trim()));
      if (units.length >= 1 && units.length <= 4 && units.every((u) => Number.isInteger(u) && u >= 1 && u <= 64)) {
        set({ hidden: units });
      } else layers.value = store.get().hidden.join(",");
    });
    return [
      row("hidden", layers, "units per hidden layer, e.g. 8,8 (up to 4 layers of 64)"),
      row("activation", select(ACTIVATIONS.map((a) => [a, a]), s.activation, "activation",
        (activation) => set({ activation }), "activation")),
      row("init", select(INITS.map((i) => [i, i]), s.init, "init", (init) => set({ init }), "init")),
      row("init scale", numberControl({ name: "init scale", value: s.initScale, range: [0.01, 10], log: true,
        onChange: (initScale) => set({ initScale }) }), "standard deviation of the normal init"),
      row("seed", numberControl({ name: "model seed", value: s.modelSeed, range: [0, 100], integer: true,
        onChange: (modelSeed) => set({ modelSeed }) })),
    ];
  }

  function optimizerSection(s) {
    const pick = select(optimizers.map((o) => [o.name, o.title]), s.optimizer.name, "optimizer", (name) => {
      set({ optimizer: { name, params: {} } });
      render("optimizer");
    }, "optimizer");
    const params = meta[s.optimizer.name].params.map((p) =>
      paramControl(p, s.optimizer.params[p.name], (v) => {
        const current = store.get().optimizer;
        set({ optimizer: { ...current, params: { ...current.params, [p.name]: v } } });
      }),
    );
    return [row("optimizer", pick), ...params, h("p", { class: "rule" }, meta[s.optimizer.name].update)];
  }

  function trainingSection(s) {
    const scalar = (name, key, range, log, hint, integer = false) =>
      row(name, numberControl({ name, value: s[key], range, log, integer, min: 0,
        onChange: (v) => set({ [key]: v }) }), hint);
    const batch = h("input", { type: "number", min: 1, step: 1, class: "exact", placeholder: "full",
      "aria-label": "batch size", value: s.batchSize ?? "" });
    batch.addEventListener("change", () => {
      const v = Number(batch.value);
      set({ batchSize: batch.value === "" || !(v >= 1) ? null : Math.round(v) });
    });
    const schedule = select(catalog.schedules.map((x) => [x.name, x.title]), s.schedule.name, "schedule",
      (name) => set({ schedule: { name } }));
    const landscape = select([["pca", "PCA of the path"], ["random", "random (filter-normalized)"]], s.landscape,
      "landscape", (value) => set({ landscape: value }));
    return [
      scalar("steps", "steps", [10, 20000], true, "", true),
      row("batch size", batch, "empty: full batch; else mini-batches, reshuffled every epoch"),
      scalar("L2", "l2", [0, 0.1], false, "(l2/2)·Σ‖W‖² over weight matrices"),
      scalar("dropout", "dropout", [0, 0.9], false, "inverted dropout on hidden units, training only"),
      row("schedule", schedule),
      row("landscape", landscape),
    ];
  }

  const builders = { data: dataSection, model: modelSection, optimizer: optimizerSection, training: trainingSection };
  const titles = { data: "Data", model: "Network", optimizer: "Optimizer", training: "Training" };
  for (const name of Object.keys(builders)) {
    sections[name] = h("div", { class: "section-body" });
    root.append(h("section", { class: "panel" }, h("h2", {}, titles[name]), sections[name]));
  }
  const render = (name) => sections[name].replaceChildren(...builders[name](store.get()));
  for (const name of Object.keys(builders)) render(name);
}
