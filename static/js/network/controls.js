// The Network view's sidebar, generated from the catalog like the explorer's: data, network, one card
// per optimizer (several race on the same network), training.
import { clipControl, numberControl, paramControl, row, scheduleRows, select, startingSchedule } from "../controls.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { colorOf } from "../plots/colors.js";
import { ownNetwork } from "./ownnet.js";
import { ACTIVATIONS, INITS, MAX_LAYERS, MAX_LR_SCALE, MAX_RUNS, validLayers, validScales } from "./state.js";
import { networkLabels } from "./runs.js";

/** The sidebar; `renderAll()` redraws it from the store (after a state set from outside, e.g. a scene). */
export function createNetworkControls(root, { store, catalog, datasets }) {
  const set = (patch) => store.set({ ...patch, cursor: null });
  const optimizers = catalog.optimizers.filter((o) => !o.needs_hessian);
  const meta = Object.fromEntries(optimizers.map((o) => [o.name, o]));
  const scheduleMeta = Object.fromEntries(catalog.schedules.map((s) => [s.name, s]));
  const sections = {};
  const unfolded = new Set(); // the cards whose "Own network" is open, across redraws

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
      field(t("network.data_seed"), "seed", [0, 100], true, t("network.data_seed_hint")),
      row(t("network.test_fraction"), numberControl({ name: t("network.test_fraction"), value: s.testFraction,
        range: [0, 0.5], min: 0, testid: "test-fraction",
        onChange: (v) => set({ testFraction: Math.min(0.5, Math.max(0, v)) }) }), t("network.test_fraction_hint"))];
  }

  // The cards name the network above (their own network's first choice) and the runs by what differs.
  const setModel = (patch) => {
    set(patch);
    render("optimizers");
  };

  function modelSection(s) {
    const layers = h("input", { type: "text", class: "exact", value: s.hidden.join(","),
      "aria-label": t("network.hidden_label"), "data-testid": "hidden" });
    layers.addEventListener("change", () => {
      const units = layers.value.split(",").map((u) => Number(u.trim()));
      if (!validLayers(units)) return void (layers.value = store.get().hidden.join(","));
      // Factors for another number of layers mean nothing here: they go (the address drops them too).
      const lrScale = store.get().lrScale?.length === units.length + 1 ? store.get().lrScale : null;
      set({ hidden: units, lrScale });
      render("model");
    });
    // One learning-rate factor per layer, "1,0.5,2"; empty: all 1. A wrong count or factor is not taken.
    const scales = h("input", { type: "text", class: "exact", value: s.lrScale?.join(",") ?? "",
      placeholder: s.hidden.map(() => "1").concat("1").join(","), "aria-label": t("network.lr_scale"),
      "data-testid": "lr-scale" });
    scales.addEventListener("change", () => {
      const text = scales.value.trim();
      const factors = text.split(",").map((f) => (f.trim() === "" ? NaN : Number(f)));
      const fits = factors.length === store.get().hidden.length + 1 && validScales(factors);
      if (text === "" || (fits && factors.every((f) => f === 1))) set({ lrScale: null });
      else if (fits) set({ lrScale: factors });
      scales.value = store.get().lrScale?.join(",") ?? "";
    });
    const choices = (names, prefix) => names.map((name) => [name, t(`${prefix}.${name}`)]);
    return [
      row(t("network.hidden"), layers, t("network.hidden_hint", { layers: MAX_LAYERS })),
      row(t("network.lr_scale"), scales, t("network.lr_scale_hint", { count: s.hidden.length + 1,
        max: MAX_LR_SCALE })),
      row(t("network.activation"), select(choices(ACTIVATIONS, "network.activation"), s.activation,
        t("network.activation"), (activation) => setModel({ activation }), "activation")),
      row(t("network.init"), select(choices(INITS, "network.init"), s.init, t("network.init_label"),
        (init) => setModel({ init }), "init")),
      row(t("network.init_scale"), numberControl({ name: t("network.init_scale"), value: s.initScale,
        range: [0.01, 10], log: true, onChange: (initScale) => setModel({ initScale }) }),
        t("network.init_scale_hint")),
      row(t("network.model_seed"), numberControl({ name: t("network.model_seed_label"), value: s.modelSeed,
        range: [0, 100], integer: true, onChange: (modelSeed) => set({ modelSeed }) }), t("network.model_seed_hint")),
    ];
  }

  // ── Optimizers: one card per run, as on the Surfaces page ────────────────
  const update = (index, patch) =>
    set({ optimizers: store.get().optimizers.map((o, i) => (i === index ? { ...o, ...patch } : o)) });

  function card(opt, index, labels) {
    const s = store.get();
    const picker = select(optimizers.map((o) => [o.name, o.title]), opt.name, t("network.optimizer"), (name) => {
      update(index, { name, params: {}, label: undefined });
      render("optimizers");
    }, `optimizer-${index}`);
    const label = h("input", { type: "text", class: "label", value: opt.label ?? "", maxlength: 80,
      placeholder: labels[index], title: t("explorer.label_hint"), "aria-label": t("explorer.label"),
      "data-testid": `label-${index}` });
    label.addEventListener("change", () => update(index, { label: label.value.trim() || undefined }));
    const remove = h("button", { type: "button", class: "icon", title: t("explorer.remove_optimizer"),
      "aria-label": t("explorer.remove_optimizer"), "data-testid": `remove-${index}`,
      disabled: s.optimizers.length === 1, onclick: () => {
        const kept = s.optimizers.filter((_, i) => i !== index);
        const run = s.view.run;
        const open = [...unfolded].filter((i) => i !== index).map((i) => (i > index ? i - 1 : i));
        unfolded.clear();
        open.forEach((i) => unfolded.add(i));
        set({ optimizers: kept, view: { ...s.view, run: run > index ? run - 1 : Math.min(run, kept.length - 1) } });
        render("optimizers");
      } }, "×");
    const params = meta[opt.name].params.map((p) =>
      paramControl(p, opt.params[p.name], (v) => {
        const current = store.get().optimizers[index];
        update(index, { params: { ...current.params, [p.name]: v } });
      }, `param-${index}-${p.name}`));
    const own = ownNetwork({ index, entry: opt, state: s, row, open: unfolded.has(index),
      onToggle: (open) => (open ? unfolded.add(index) : unfolded.delete(index)),
      setModel: (model) => {
        // No own field left: the entry is as it was without one (its address too).
        const { model: _, ...rest } = store.get().optimizers[index];
        const entry = Object.keys(model).length ? { ...rest, model } : rest;
        set({ optimizers: store.get().optimizers.map((o, i) => (i === index ? entry : o)) });
        render("optimizers");
      } });
    return h("div", { class: "card", style: `--run-color: ${colorOf(index)}`, "data-testid": `card-${index}` },
      h("div", { class: "card-head" }, h("span", { class: "swatch" }), picker, remove),
      row(t("explorer.label"), label), ...params, h("p", { class: "rule" }, meta[opt.name].update), own);
  }

  function optimizersSection(s) {
    const labels = networkLabels(s.optimizers.map((o) => ({ ...o, label: undefined })), catalog, s);
    // A new run starts as the last one does, with another optimizer: a race of two is one click.
    const add = h("button", { type: "button", class: "add", "data-testid": "add-optimizer",
      disabled: s.optimizers.length >= MAX_RUNS, title: t("network.add_optimizer_hint"), onclick: () => {
        const last = store.get().optimizers.at(-1);
        const next = last.name === "sgd" ? { name: "adam", params: { lr: 0.03 } } : { name: "sgd", params: { lr: 0.1 } };
        set({ optimizers: [...store.get().optimizers, next] });
        render("optimizers");
      } }, t("explorer.add_optimizer"));
    return [...s.optimizers.map((o, i) => card(o, i, labels)), add,
      h("p", { class: "hint" }, t("network.race_hint"))];
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
      (name) => {
        set({ schedule: startingSchedule(name, store.get().optimizers) });
        render("training");
      }, "schedule");
    const landscape = select(["pca", "random"].map((m) => [m, t(`network.landscape.${m}`)]), s.landscape,
      t("network.landscape"), (value) => set({ landscape: value }));
    const sharpness = h("input", { type: "checkbox", "data-testid": "sharpness-option", "aria-label": t("network.sharpness") });
    sharpness.checked = s.sharpness;
    sharpness.addEventListener("change", () => {
      set({ sharpness: sharpness.checked });
      render("training");
    });
    return [
      scalar(t("network.steps"), "steps", [10, 20000], true, "", true),
      row(t("network.batch_size"), batch, t("network.batch_hint")),
      scalar(t("network.l2"), "l2", [0, 0.1], false, t("network.l2_hint")),
      scalar(t("network.dropout"), "dropout", [0, 0.9], false, t("network.dropout_hint")),
      row(t("network.schedule"), schedule),
      ...scheduleRows(scheduleMeta[s.schedule.name], s.schedule, (value) => set({ schedule: value })),
      row(t("explorer.clip"), clipControl(s.clip, (clip) => set({ clip }), { testid: "clip" }), t("network.clip_hint")),
      row(t("network.landscape"), landscape),
      row(t("network.sharpness"), sharpness, t("network.sharpness_hint")),
      // The thresholds hold for a constant learning rate (network/runs.js): say why none is drawn.
      s.sharpness && s.schedule.name !== "constant"
        ? h("p", { class: "hint", "data-testid": "sharpness-schedule" }, t("network.sharpness_schedule")) : null,
    ].filter(Boolean);
  }

  const builders = { data: dataSection, model: modelSection, optimizers: optimizersSection, training: trainingSection };
  for (const name of Object.keys(builders)) {
    sections[name] = h("div", { class: "section-body" });
    root.append(h("section", { class: `panel panel-${name}` }, h("h2", {}, t(`network.section.${name}`)), sections[name]));
  }
  const render = (name) => sections[name].replaceChildren(...builders[name](store.get()));
  const renderAll = () => Object.keys(builders).forEach(render);
  renderAll();
  return { renderAll };
}
