// The sidebar, generated from the catalog (surfaces, optimizers, schedules):
// every control writes to the store; none knows about plots or the server.
import { t } from "./i18n.js";
import { debounce, h } from "./dom.js";
import { paramName, runLabels } from "./labels.js";
import { ownSettings } from "./overrides.js";
import { guarded } from "./page.js";
import { colorOf } from "./plots/colors.js";
import { DEFAULTS, isDataSurface } from "./state.js";

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

/** A menu of [value, text] options; onChange gets the chosen value. */
export function select(options, value, label, onChange, testid) {
  const node = h("select", { "aria-label": label, "data-testid": testid },
    ...options.map(([v, text]) => h("option", { value: v }, text)));
  node.value = value;
  node.addEventListener("change", () => onChange(node.value));
  return node;
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

/** A schedule's parameters as exact entries (`plan`: its catalog entry); empty: the API's default. */
export function scheduleRows(plan, schedule, onChange) {
  let current = { ...schedule };
  return plan.params.map((p) => {
    const entry = h("input", { type: "number", step: "any", class: "exact", placeholder: t("explorer.auto"),
      "aria-label": paramName(p.name) });
    entry.value = current[p.name] ?? "";
    entry.addEventListener("change", () => {
      const { [p.name]: _, ...rest } = current;
      const v = Number(entry.value);
      current = entry.value === "" || !Number.isFinite(v) ? rest : { ...rest, [p.name]: v };
      onChange(current);
    });
    return row(paramName(p.name), entry, paramHint(p));
  });
}

/** Clipping: none (null), by norm or by value, and its limit. With `inherit` (the text of that
 * choice) the menu offers undefined too: a run that keeps the shared clipping. */
export function clipControl(clip, onChange, { inherit, testid } = {}) {
  const kind = h("select", { "aria-label": t("explorer.clip"), "data-testid": testid },
    inherit ? h("option", { value: "inherit" }, inherit) : null,
    h("option", { value: "" }, t("explorer.clip_none")),
    h("option", { value: "max_norm" }, t("explorer.clip_norm")), h("option", { value: "value" }, t("explorer.clip_value")));
  kind.value = clip === undefined ? "inherit" : clip ? Object.keys(clip)[0] : "";
  // The limit shows only for a kind of clipping: the menu has the room of both otherwise.
  const limit = h("input", { type: "number", step: "any", min: 0, class: "exact", "aria-label": t("explorer.clip_limit"),
    value: clip ? Object.values(clip)[0] : 10, hidden: !clip, "data-testid": testid && `${testid}-limit` });
  const apply = () => {
    const value = Number(limit.value);
    limit.hidden = !kind.value || kind.value === "inherit";
    if (kind.value === "inherit") return onChange(undefined);
    onChange(kind.value && value > 0 ? { [kind.value]: value } : null);
  };
  kind.addEventListener("change", apply);
  limit.addEventListener("change", apply);
  return h("div", { class: "pair" }, kind, limit);
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
      const patch = { surface: picker.value, surfaceParams: {}, start: null, cursor: null };
      // Mini-batches are of data points: another kind of surface keeps none, neither shared nor a run's own.
      if (!isDataSurface(picker.value, catalog.surfaces)) {
        patch.batch = { ...DEFAULTS.batch };
        patch.optimizers = store.get().optimizers.map(({ batch: _, ...rest }) => rest);
      }
      set(patch);
      for (const name of ["surface", "optimizers", "run"]) render(name);
    });
    const body = [row(t("explorer.surface"), picker)];
    const meta = surfaceMeta[state.surface];
    if (meta) {
      for (const [name, fallback] of Object.entries(meta.params)) {
        const [lo, hi] = meta.param_ranges[name];
        const integer = (meta.integer_params ?? []).includes(name);
        // A seed is a label, not a size: a linear slider; an open interval (the cliff's target) keeps off its ends.
        const log = lo > 0 && hi / lo >= 100 && name !== "seed";
        const range = name === "seed" ? [lo, Math.min(hi, 1000)] : [lo, hi];
        const open = name === "target" ? [lo + 0.01, hi - 0.01] : range;
        body.push(row(paramName(name), numberControl({ name: paramName(name), value: state.surfaceParams[name] ?? fallback,
          range: open, log, integer, min: lo,
          onChange: (v) => set({ surfaceParams: { ...store.get().surfaceParams, [name]: v } }) }),
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

  // A run's own setting: undefined removes it (the run inherits the shared one), null turns it off.
  function setOwn(index, key, value) {
    const optimizers = store.get().optimizers.map((o, i) => {
      if (i !== index) return o;
      const { [key]: _, ...rest } = o;
      return value === undefined ? rest : { ...rest, [key]: value };
    });
    set({ optimizers });
  }

  const unfolded = new Set(); // the cards whose own settings the reader opened, kept across renders
  const helpers = { numberControl, row, scheduleRows, startingSchedule, clipControl };

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
      catalog.optimizers, store.get())[index];
    const label = h("input", { type: "text", class: "label", value: opt.label ?? "", maxlength: 80,
      placeholder: automatic, title: t("explorer.label_hint"), "aria-label": t("explorer.label") });
    label.addEventListener("change", () => updateOptimizer(index, { label: label.value.trim() || undefined }));
    const remove = h("button", { type: "button", class: "icon", title: t("explorer.remove_optimizer"),
      "aria-label": t("explorer.remove_optimizer"),
      disabled: store.get().optimizers.length === 1, onclick: () => {
        const kept = [...unfolded].filter((i) => i !== index).map((i) => (i > index ? i - 1 : i));
        unfolded.clear();
        kept.forEach((i) => unfolded.add(i));
        set({ optimizers: store.get().optimizers.filter((_, i) => i !== index) });
        render("optimizers");
      } }, "×");
    const params = meta.params.map((p) =>
      paramControl(p, opt.params[p.name], (v) => {
        const current = store.get().optimizers[index];
        updateOptimizer(index, { params: { ...current.params, [p.name]: v } });
      }, `param-${index}-${p.name}`),
    );
    const own = ownSettings({ index, catalog, controls: helpers, open: unfolded.has(index),
      entry: () => store.get().optimizers[index], shared: () => store.get(),
      setOwn: (key, value) => setOwn(index, key, value),
      dataSurface: isDataSurface(store.get().surface, catalog.surfaces),
      onToggle: (open) => (open ? unfolded.add(index) : unfolded.delete(index)) });
    return h("div", { class: "card", style: `--run-color: ${colorOf(index)}`, "data-testid": `card-${index}` },
      h("div", { class: "card-head" }, h("span", { class: "swatch" }), picker, remove),
      row(t("explorer.label"), label), ...params, h("p", { class: "rule" }, meta.update), own);
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
    const scheduleParams = scheduleRows(scheduleMeta[state.schedule.name], state.schedule,
      (schedule) => set({ schedule }));
    const clip = clipControl(state.clip, (value) => set({ clip: value }));
    const scalar = (name, path, range, log, hint) =>
      row(name, numberControl({ name, value: path.split(".").reduce((n, k) => n[k], state), range, log, min: 0,
        onChange: (v) => {
          const [head, key] = path.split(".");
          set(key ? { [head]: { ...store.get()[head], [key]: v } } : { [head]: v });
        } }), hint);
    return [
      row(t("explorer.steps"), steps),
      row(t("explorer.schedule"), schedulePicker), ...scheduleParams,
      row(t("explorer.clip"), clip, t("explorer.clip_hint")),
      scalar(t("explorer.noise"), "noise.std", [0, 2], false, t("explorer.noise_hint")),
      scalar(t("explorer.seed"), "noise.seed", [0, 100], false, t("explorer.seed_hint")),
      scalar("L1", "l1", [0, 2], false, t("explorer.l1_hint")),
      scalar("L2", "l2", [0, 2], false, t("explorer.l2_hint")),
      ...(isDataSurface(state.surface, catalog.surfaces) ? batchRows(state) : []),
    ];
  }

  // Mini-batches of the data points, for every run that has no batch of its own: a size (empty: the
  // full batch), with or without replacement, and the seed that draws them.
  function batchRows(state) {
    const setBatch = (patch) => set({ batch: { ...store.get().batch, ...patch } });
    const size = h("input", { type: "number", step: 1, min: 1, class: "exact", placeholder: t("cards.batch_full"),
      "aria-label": t("cards.batch_size"), "data-testid": "batch-size" });
    size.value = state.batch.size ?? "";
    size.addEventListener("change", () => {
      const v = Number(size.value);
      if (size.value === "") return setBatch({ size: null });
      if (!Number.isInteger(v) || v < 1) return (size.value = store.get().batch.size ?? "");
      setBatch({ size: v });
    });
    const replace = h("input", { type: "checkbox", "aria-label": t("cards.replace"), "data-testid": "batch-replace" });
    replace.checked = state.batch.replace;
    replace.addEventListener("change", () => setBatch({ replace: replace.checked }));
    const seed = h("input", { type: "number", step: 1, min: 0, class: "exact", "aria-label": t("cards.batch_seed"),
      "data-testid": "batch-seed" });
    seed.value = String(state.batch.seed);
    seed.addEventListener("change", () => {
      const v = Number(seed.value);
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) return (seed.value = String(store.get().batch.seed));
      setBatch({ seed: v });
    });
    return [
      h("div", { class: "batch-rows", "data-testid": "batch-rows" },
        row(t("cards.batch"), size, t("cards.batch_hint")),
        row(t("cards.replace"), replace, t("cards.replace_hint")),
        row(t("cards.batch_seed"), seed, t("cards.batch_seed_hint"))),
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

