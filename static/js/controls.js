// The sidebar, generated from the catalog (surfaces, optimizers, schedules):
// every control writes to the store; none knows about plots or the server.
import { t } from "./i18n.js";
import { debounce, h } from "./dom.js";
import { paramName, runLabels } from "./labels.js";
import { guarded } from "./page.js";
import { colorOf } from "./plots/colors.js";

const SLIDER_STEPS = 1000;

// A slider over [lo, hi] (logarithmic when asked) next to an exact number entry.
export function numberControl({ name, value, range, log, min, integer = false, onChange, testid }) {
  const [lo, hi] = range;
  const toSlider = (v) =>
    log ? (Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
  const fromSlider = (t) => (log ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo));
  const round = (v) => (integer ? Math.round(v) : Number(v.toPrecision(3)));
  const slider = h("input", { type: "range", min: 0, max: SLIDER_STEPS, "aria-label": name });
  const entry = h("input", { type: "number", step: "any", class: "exact", "aria-label": t("explorer.value_of", { name }),
    "data-testid": testid });
  const show = (v) => {
    slider.value = String(Math.round(Math.min(1, Math.max(0, toSlider(v))) * SLIDER_STEPS));
    entry.value = v === null || v === undefined ? "" : String(v);
  };
  show(value);
  slider.addEventListener("input", () => {
    const v = round(fromSlider(Number(slider.value) / SLIDER_STEPS));
    entry.value = String(v);
    onChange(v);
  });
  entry.addEventListener("change", () => {
    const v = Number(entry.value);
    if (entry.value === "" || !Number.isFinite(v) || (min !== undefined && v < min)) return show(value);
    show(v);
    onChange(integer ? Math.round(v) : v);
  });
  return h("div", { class: "number-control" }, slider, entry);
}

export const row = (label, control, hint) =>
  h("label", { class: "row" }, h("span", { class: "row-label", title: hint ?? "" }, label), control);

// A hyperparameter's row: its name for a person, and on hover what it does and its API name.
const paramHint = (meta) => [meta.description, meta.name].filter(Boolean).join(" · ");

export function paramControl(meta, value, onChange, testid) {
  const name = paramName(meta.name);
  if (meta.type === "bool") {
    const box = h("input", { type: "checkbox", "aria-label": name, "data-testid": testid });
    box.checked = Boolean(value);
    box.addEventListener("change", () => onChange(box.checked));
    return row(name, box, paramHint(meta));
  }
  if (meta.type === "betas") {
    const pair = [...(value ?? meta.default)];
    const entries = pair.map((b, i) => {
      const entry = h("input", { type: "number", step: "any", min: 0, max: 0.99999, class: "exact",
        "aria-label": ["β₁", "β₂"][i] });
      entry.value = String(b);
      entry.addEventListener("change", () => {
        const v = Number(entry.value);
        if (!(v >= 0 && v < 1)) return (entry.value = String(pair[i]));
        pair[i] = v;
        onChange([...pair]);
      });
      return entry;
    });
    return row("β₁, β₂", h("div", { class: "pair" }, ...entries), paramHint(meta));
  }
  const range = meta.range ?? [meta.min ?? 0, meta.max ?? 1];
  return row(
    name,
    numberControl({ name, value: value ?? meta.default, range, log: meta.log, min: meta.min ?? undefined,
      integer: meta.type === "int", onChange, testid }),
    paramHint(meta),
  );
}

/** A schedule as the sidebar first sets it. The API's cyclic cycles from each optimizer's lr up to 10×
 * that, which sends rates tuned for a constant lr off the plot; picked here, it starts instead from
 * explicit rates that peak at the smallest lr of the view (README, "Using the explorer"). */
export function startingSchedule(name, optimizers) {
  if (name !== "cyclic") return { name };
  const top = Math.min(...optimizers.map((o) => o.params.lr).filter((lr) => lr > 0));
  if (!Number.isFinite(top)) return { name };
  return { name, base_lr: Number((top / 10).toPrecision(3)), max_lr: top };
}

export function createControls(root, { store, catalog, validateExpression }) {
  const optimizerMeta = Object.fromEntries(catalog.optimizers.map((o) => [o.name, o]));
  const surfaceMeta = Object.fromEntries(catalog.surfaces.map((s) => [s.name, s]));
  const scheduleMeta = Object.fromEntries(catalog.schedules.map((s) => [s.name, s]));
  const set = (patch) => store.set(patch);
  const sections = {};

  // ── Surface ──────────────────────────────────────────────────────────────
  function surfaceSection(state) {
    const picker = h("select", { "data-testid": "surface", "aria-label": t("explorer.surface") },
      ...catalog.surfaces.map((s) => h("option", { value: s.name }, s.title)),
      h("option", { value: "custom" }, t("explorer.custom_formula")));
    picker.value = state.surface;
    picker.addEventListener("change", () => {
      set({ surface: picker.value, surfaceParams: {}, start: null, cursor: null });
      render("surface");
    });
    const body = [row(t("explorer.surface"), picker)];
    const meta = surfaceMeta[state.surface];
    if (meta) {
      for (const [name, fallback] of Object.entries(meta.params)) {
        const [lo, hi] = meta.param_ranges[name];
        const log = lo > 0 && hi / lo >= 100;
        body.push(row(paramName(name), numberControl({ name: paramName(name), value: state.surfaceParams[name] ?? fallback,
          range: [lo, hi], log, onChange: (v) => set({ surfaceParams: { ...store.get().surfaceParams, [name]: v } }) }),
        name));
      }
      body.push(h("p", { class: "hint" }, meta.description));
    } else {
      const input = h("input", { type: "text", class: "formula", value: state.expression, spellcheck: "false",
        "aria-label": t("explorer.formula"), "data-testid": "formula", maxlength: 300 });
      const message = h("p", { class: "hint error", "data-testid": "formula-error" });
      const check = debounce(async () => {
        const error = await validateExpression(input.value);
        message.textContent = error ?? "";
        input.classList.toggle("invalid", Boolean(error));
        if (!error && input.value !== store.get().expression) set({ expression: input.value, start: null });
      }, 300);
      input.addEventListener("input", check);
      body.push(row("f(x, y)", input), message, h("p", { class: "hint" }, t("explorer.formula_hint")));
    }
    return body;
  }

  // ── Start point ──────────────────────────────────────────────────────────
  const startInputs = ["x", "y"].map((axis) => h("input", { type: "number", step: "any", class: "exact",
    "aria-label": t("explorer.start_axis", { axis }), "data-testid": `start-${axis}` }));
  startInputs.forEach((input, i) =>
    input.addEventListener("change", () => {
      const current = [...(store.get().start ?? currentStart())];
      current[i] = Number(input.value);
      if (current.every(Number.isFinite)) set({ start: current, cursor: null });
    }),
  );
  let currentStart = () => surfaceMeta[store.get().surface]?.start ?? [-2, 2];
  function startSection() {
    const reset = h("button", { type: "button", class: "link", title: t("explorer.start_reset_hint"),
      onclick: () => set({ start: null, cursor: null }) }, t("explorer.start_reset"));
    return [row("x₀, y₀", h("div", { class: "pair" }, ...startInputs, reset)),
      h("p", { class: "hint" }, t(guarded() ? "explorer.start_hint_guarded" : "explorer.start_hint"))];
  }

  // ── Optimizers ───────────────────────────────────────────────────────────
  function updateOptimizer(index, patch) {
    const optimizers = store.get().optimizers.map((o, i) => (i === index ? { ...o, ...patch } : o));
    set({ optimizers });
  }

  function optimizerCard(opt, index) {
    const meta = optimizerMeta[opt.name];
    const picker = h("select", { "aria-label": t("explorer.optimizer"), "data-testid": `optimizer-${index}` },
      ...catalog.optimizers.map((o) => h("option", { value: o.name }, o.title)));
    picker.value = opt.name;
    picker.addEventListener("change", () => {
      // No label: the legend names it from the catalog, in the reader's language.
      updateOptimizer(index, { name: picker.value, params: {}, label: undefined });
      render("optimizers");
    });
    const automatic = runLabels(store.get().optimizers.map((o, i) => (i === index ? { ...o, label: undefined } : o)),
      catalog.optimizers)[index];
    const label = h("input", { type: "text", class: "label", value: opt.label ?? "", maxlength: 80,
      placeholder: automatic, title: t("explorer.label_hint"), "aria-label": t("explorer.label") });
    label.addEventListener("change", () => updateOptimizer(index, { label: label.value.trim() || undefined }));
    const remove = h("button", { type: "button", class: "icon", title: t("explorer.remove_optimizer"),
      "aria-label": t("explorer.remove_optimizer"),
      disabled: store.get().optimizers.length === 1, onclick: () => {
        set({ optimizers: store.get().optimizers.filter((_, i) => i !== index) });
        render("optimizers");
      } }, "×");
    const params = meta.params.map((p) =>
      paramControl(p, opt.params[p.name], (v) => {
        const current = store.get().optimizers[index];
        updateOptimizer(index, { params: { ...current.params, [p.name]: v } });
      }, `param-${index}-${p.name}`),
    );
    return h("div", { class: "card", style: `--run-color: ${colorOf(index)}` },
      h("div", { class: "card-head" }, h("span", { class: "swatch" }), picker, remove),
      row(t("explorer.label"), label), ...params, h("p", { class: "rule" }, meta.update));
  }

  function optimizersSection(state) {
    const add = h("button", { type: "button", class: "add", "data-testid": "add-optimizer",
      disabled: state.optimizers.length >= 16, onclick: () => {
        set({ optimizers: [...store.get().optimizers, { name: "adam", params: {} }] });
        render("optimizers");
      } }, t("explorer.add_optimizer"));
    return [...state.optimizers.map(optimizerCard), add];
  }

  // ── Run settings ─────────────────────────────────────────────────────────
  function runSection(state) {
    const steps = numberControl({ name: t("explorer.steps"), value: state.steps, range: [10, 100000], log: true, min: 1,
      integer: true, testid: "steps", onChange: (v) => set({ steps: Math.min(100000, Math.max(1, v)), cursor: null }) });
    const schedulePicker = h("select", { "aria-label": t("explorer.schedule"), "data-testid": "schedule" },
      ...catalog.schedules.map((s) => h("option", { value: s.name }, s.title)));
    schedulePicker.value = state.schedule.name;
    schedulePicker.addEventListener("change", () => {
      set({ schedule: startingSchedule(schedulePicker.value, store.get().optimizers) });
      render("run");
    });
    const scheduleParams = scheduleMeta[state.schedule.name].params.map((p) => {
      const entry = h("input", { type: "number", step: "any", class: "exact", placeholder: t("explorer.auto"),
        "aria-label": paramName(p.name) });
      entry.value = state.schedule[p.name] ?? "";
      entry.addEventListener("change", () => {
        const { [p.name]: _, ...rest } = store.get().schedule;
        const v = Number(entry.value);
        set({ schedule: entry.value === "" || !Number.isFinite(v) ? rest : { ...rest, [p.name]: v } });
      });
      return row(paramName(p.name), entry, paramHint(p));
    });
    const clipKind = h("select", { "aria-label": t("explorer.clip") }, h("option", { value: "" }, t("explorer.clip_none")),
      h("option", { value: "max_norm" }, t("explorer.clip_norm")), h("option", { value: "value" }, t("explorer.clip_value")));
    clipKind.value = state.clip ? Object.keys(state.clip)[0] : "";
    const clipLimit = h("input", { type: "number", step: "any", min: 0, class: "exact", "aria-label": t("explorer.clip_limit"),
      value: state.clip ? Object.values(state.clip)[0] : 10, disabled: !state.clip });
    const applyClip = () => {
      const limit = Number(clipLimit.value);
      clipLimit.disabled = !clipKind.value;
      set({ clip: clipKind.value && limit > 0 ? { [clipKind.value]: limit } : null });
    };
    clipKind.addEventListener("change", applyClip);
    clipLimit.addEventListener("change", applyClip);
    const scalar = (name, path, range, log, hint) =>
      row(name, numberControl({ name, value: path.split(".").reduce((n, k) => n[k], state), range, log, min: 0,
        onChange: (v) => {
          const [head, key] = path.split(".");
          set(key ? { [head]: { ...store.get()[head], [key]: v } } : { [head]: v });
        } }), hint);
    return [
      row(t("explorer.steps"), steps),
      row(t("explorer.schedule"), schedulePicker), ...scheduleParams,
      row(t("explorer.clip"), h("div", { class: "pair" }, clipKind, clipLimit), t("explorer.clip_hint")),
      scalar(t("explorer.noise"), "noise.std", [0, 2], false, t("explorer.noise_hint")),
      scalar(t("explorer.seed"), "noise.seed", [0, 100], false, t("explorer.seed_hint")),
      scalar("L1", "l1", [0, 2], false, t("explorer.l1_hint")),
      scalar("L2", "l2", [0, 2], false, t("explorer.l2_hint")),
    ];
  }

  // ── View ─────────────────────────────────────────────────────────────────
  function viewSection(state) {
    const toggle = (name, key, testid) => {
      const box = h("input", { type: "checkbox", "data-testid": testid });
      box.checked = state.view[key];
      box.addEventListener("change", () => set({ view: { ...store.get().view, [key]: box.checked } }));
      return row(name, box);
    };
    return [toggle(t("explorer.view_3d"), "threeD", "toggle-3d"), toggle(t("explorer.view_log"), "logColor", "toggle-log")];
  }

  const builders = { surface: surfaceSection, start: startSection, optimizers: optimizersSection, run: runSection,
    view: viewSection };
  for (const name of Object.keys(builders)) {
    sections[name] = h("div", { class: "section-body" });
    root.append(h("section", { class: `panel panel-${name}` }, h("h2", {}, t(`explorer.section.${name}`)), sections[name]));
  }

  function render(name) {
    sections[name].replaceChildren(...builders[name](store.get()));
  }

  for (const name of Object.keys(builders)) render(name);

  return {
    // Reflect a start point chosen elsewhere (a click on the plot) or resolved by the server.
    showStart(point) {
      startInputs.forEach((input, i) => {
        if (document.activeElement !== input) input.value = String(Number(point[i].toPrecision(6)));
      });
    },
    setDefaultStart(point) {
      currentStart = () => point;
    },
    renderAll() {
      for (const name of Object.keys(builders)) render(name);
    },
  };
}

