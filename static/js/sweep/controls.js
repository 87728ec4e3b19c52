// The Sweep view's sidebar: the surface (built-in with its parameters, or a formula), up to three optimizers (one
// map each) with their parameters, the two axes (parameter, range, cells, log), the runs' steps, tolerance,
// noise and clipping, and the colouring. Every control writes to the store; none knows about plots or the server.
import { clipControl, numberControl, paramControl, row, select } from "../controls.js";
import { debounce, h } from "../dom.js";
import { t } from "../i18n.js";
import { paramName } from "../labels.js";
import { COLORS, MAX_MAPS, MAX_N, axisParams, startingAxis } from "./state.js";

const RUN_PARAM_KEYS = { "start.x": "start_x", "start.y": "start_y", "noise.std": "noise_std",
  "clip.max_norm": "clip_max_norm", "clip.value": "clip_value", "betas[0]": "beta1", "betas[1]": "beta2" };

/** A parameter's name on an axis title or in its menu. */
export const paramTitle = (param) =>
  (param in RUN_PARAM_KEYS ? t(`sweep.param.${RUN_PARAM_KEYS[param]}`) : paramName(param));

/** The sidebar; `renderAll()` redraws it from the store (after a zoom or a state set from outside). */
export function createSweepControls(root, { store, catalog, validateExpression, domainOf }) {
  const set = (patch) => store.set(patch);
  const surfaces = catalog.surfaces.filter((s) => s.dims === 2);
  const meta = Object.fromEntries(catalog.optimizers.map((o) => [o.name, o]));
  const sections = {};

  function surfaceSection(s) {
    const options = [...surfaces.map((x) => [x.name, x.title]), ["custom", t("explorer.custom_formula")]];
    const picker = select(options, s.surface, t("explorer.surface"), (surface) => {
      set({ surface, surfaceParams: {}, start: null });
      fitAxes({ surfaceChanged: true });
      render("surface");
      render("axes");
    }, "surface");
    const body = [row(t("explorer.surface"), picker)];
    const info = surfaces.find((x) => x.name === s.surface);
    if (info) {
      for (const [name, fallback] of Object.entries(info.params)) {
        const [lo, hi] = info.param_ranges[name];
        const integer = (info.integer_params ?? []).includes(name);
        const log = lo > 0 && hi / lo >= 100 && name !== "seed";
        body.push(row(paramName(name), numberControl({ name: paramName(name), value: s.surfaceParams[name] ?? fallback,
          range: [lo, hi], log, integer, min: lo,
          onChange: (v) => set({ surfaceParams: { ...store.get().surfaceParams, [name]: v } }) }), name));
      }
      body.push(h("p", { class: "hint" }, info.description));
    } else {
      const input = h("input", { type: "text", class: "formula", value: s.expression, spellcheck: "false",
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
    const start = s.start ?? (info?.start ?? [-2, 2]);
    const entries = [0, 1].map((k) => {
      const entry = h("input", { type: "number", step: "any", class: "exact", value: start[k],
        "aria-label": t("explorer.start_axis", { axis: "xy"[k] }), "data-testid": `sw-start-${"xy"[k]}` });
      entry.addEventListener("change", () => {
        const next = [...(store.get().start ?? start)];
        next[k] = Number(entry.value);
        if (entry.value !== "" && next.every(Number.isFinite)) set({ start: next });
      });
      return entry;
    });
    body.push(row("x₀, y₀", h("div", { class: "pair" }, ...entries)));
    return body;
  }

  function optimizerCard(entry, index, s) {
    const picker = select(catalog.optimizers.map((o) => [o.name, o.title]), entry.name, t("explorer.optimizer"),
      (name) => {
        const optimizers = store.get().optimizers.map((o, i) => (i === index ? { name, params: {} } : o));
        set({ optimizers });
        fitAxes();
        render("optimizers");
        render("axes");
      }, `sw-optimizer-${index}`);
    const remove = h("button", { type: "button", class: "icon", title: t("sweep.remove_optimizer"),
      "aria-label": t("sweep.remove_optimizer"), disabled: s.optimizers.length === 1,
      "data-testid": `sw-remove-${index}`,
      onclick: () => {
        set({ optimizers: store.get().optimizers.filter((_, i) => i !== index) });
        render("optimizers");
        render("axes");
      } }, "×");
    const onAxis = new Set([s.x.param, s.y.param].map((p) => (p.startsWith("betas") ? "betas" : p)));
    const params = meta[entry.name].params.filter((p) => !onAxis.has(p.name) || p.type === "betas").map((p) =>
      paramControl(p, entry.params[p.name], (v) => {
        const optimizers = store.get().optimizers.map((o, i) =>
          (i === index ? { ...o, params: { ...o.params, [p.name]: v } } : o));
        set({ optimizers });
      }, `sw-param-${index}-${p.name}`));
    return h("div", { class: "sw-card", "data-testid": `sw-card-${index}` },
      h("div", { class: "sw-card-head" }, picker, remove), ...params);
  }

  function optimizersSection(s) {
    const add = h("button", { type: "button", class: "link", "data-testid": "sw-add",
      disabled: s.optimizers.length >= MAX_MAPS, onclick: () => {
        const last = store.get().optimizers.at(-1);
        set({ optimizers: [...store.get().optimizers, structuredClone(last)] });
        render("optimizers");
      } }, t("sweep.add_optimizer"));
    return [...s.optimizers.map((o, i) => optimizerCard(o, i, s)), add];
  }

  // An axis keeps its parameter while every optimizer still has it (a start axis: while the surface stays); else it
  // takes the first one they share.
  function fitAxes({ surfaceChanged = false } = {}) {
    const s = store.get();
    const allowed = axisParams(s.optimizers, catalog.optimizers);
    const patch = {};
    for (const name of ["x", "y"]) {
      const axis = s[name];
      const other = name === "x" ? s.y : s.x;
      const stale = !allowed.includes(axis.param) || (surfaceChanged && axis.param.startsWith("start."));
      if (!stale) continue;
      const param = allowed.includes(axis.param) ? axis.param : allowed.find((p) => p !== other.param);
      patch[name] = startingAxis(param, axis.n, context(s));
    }
    if (Object.keys(patch).length) set(patch);
  }

  const context = (s) => ({ optimizer: meta[s.optimizers[0].name], domain: domainOf(s) });

  function axisRows(s, name) {
    const axis = s[name];
    const label = t(`sweep.axis.${name}`);
    const options = axisParams(s.optimizers, catalog.optimizers).map((p) => [p, paramTitle(p)]);
    const pick = select(options, axis.param, label, (param) => {
      set({ [name]: startingAxis(param, store.get()[name].n, context(store.get())) });
      render("axes");
      render("optimizers");
    }, `sw-${name}-param`);
    const change = (patch) => set({ [name]: { ...store.get()[name], ...patch } });
    const bound = (k) => {
      const entry = h("input", { type: "number", step: "any", class: "exact", value: axis.range[k],
        "aria-label": `${t("sweep.axis.range_label", { axis: label })}: ${t(`sweep.axis.${k ? "to" : "from"}`)}`,
        "data-testid": `sw-${name}-${k ? "hi" : "lo"}` });
      entry.addEventListener("change", () => {
        const range = [...store.get()[name].range];
        range[k] = Number(entry.value);
        if (entry.value === "" || !range.every(Number.isFinite) || !(range[1] > range[0])) {
          return (entry.value = String(store.get()[name].range[k]));
        }
        change({ range });
      });
      return entry;
    };
    const cells = h("input", { type: "number", min: 2, max: MAX_N, step: 1, class: "exact", value: axis.n,
      "aria-label": `${label}: ${t("sweep.axis.cells")}`, title: t("sweep.axis.cells_hint"),
      "data-testid": `sw-${name}-n` });
    cells.addEventListener("change", () => {
      const n = Math.round(Number(cells.value));
      if (!(n >= 2 && n <= MAX_N)) return (cells.value = String(store.get()[name].n));
      change({ n });
    });
    const log = h("input", { type: "checkbox", "aria-label": `${label}: ${t("sweep.axis.log")}`,
      "data-testid": `sw-${name}-log` });
    log.checked = axis.log;
    log.addEventListener("change", () => change({ log: log.checked }));
    return [row(label, pick),
      row("", h("div", { class: "sw-range", title: t("sweep.axis.range_label", { axis: label }) },
        bound(0), h("span", { class: "sw-dash" }, "–"), bound(1))),
      row("", h("div", { class: "sw-cells" }, h("label", { title: t("sweep.axis.cells_hint") }, t("sweep.axis.cells")),
        cells, h("label", { title: t("sweep.axis.log_hint") }, log, t("sweep.axis.log"))))];
  }

  function axesSection(s) {
    const colors = select(COLORS.map((c) => [c, t(`sweep.color.${c}`)]), s.color, t("sweep.color"),
      (color) => set({ color }), "sw-color");
    return [...axisRows(s, "x"), ...axisRows(s, "y"), row(t("sweep.color"), colors)];
  }

  function runSection(s) {
    const steps = numberControl({ name: t("sweep.steps"), value: s.steps, range: [10, 10000], log: true, min: 1,
      integer: true, testid: "sw-steps", onChange: (v) => set({ steps: Math.min(100000, Math.max(1, v)) }) });
    const tol = h("input", { type: "number", step: "any", min: 0, class: "exact", value: s.tol,
      "aria-label": t("sweep.tol"), "data-testid": "sw-tol" });
    tol.addEventListener("change", () => {
      const v = Number(tol.value);
      if (tol.value === "" || !(v >= 0)) return (tol.value = String(store.get().tol));
      set({ tol: v });
    });
    const noise = numberControl({ name: t("sweep.noise"), value: s.noise.std, range: [0, 2], min: 0,
      testid: "sw-noise", onChange: (std) => set({ noise: { ...store.get().noise, std } }) });
    return [row(t("sweep.steps"), steps, t("sweep.steps_hint")), row(t("sweep.tol"), tol, t("sweep.tol_hint")),
      row(t("sweep.noise"), noise, t("sweep.noise_hint")),
      row(t("explorer.clip"), clipControl(s.clip, (clip) => set({ clip }), { testid: "sw-clip" }),
        t("explorer.clip_hint"))];
  }

  const builders = { surface: surfaceSection, optimizers: optimizersSection, axes: axesSection, run: runSection };
  for (const name of Object.keys(builders)) {
    sections[name] = h("div", { class: "section-body" });
    root.append(h("section", { class: `panel panel-${name}` }, h("h2", {}, t(`sweep.section.${name}`)),
      sections[name]));
  }
  const render = (name) => sections[name].replaceChildren(...builders[name](store.get()));
  const renderAll = () => Object.keys(builders).forEach(render);
  renderAll();
  return { renderAll };
}
