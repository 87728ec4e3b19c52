// The Backprop page: one sample through a small network, step by step (keyboard: → ← space backspace
// Home End). The state lives in the address (?h=3,2&act=tanh&x=0.5,-0.5&y=1&seed=0&lr=0.1&k=<step>, and
// &opt=adam;betas=0.9,0.999 for an optimizer other than plain SGD), so a scene can open at a given step.
// Every number comes from one POST /api/backprop: the pass, and the update with the loss it gives.
import { paramControl, row, select } from "../controls.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { $, urlSync } from "../page.js";
import { backprop, catalog } from "../api.js";
import { connectEmbed } from "../embed.js";
import { codecs } from "../state.js";
import { drawDiagram } from "./diagram.js";
import { num } from "./format.js";
import { buildSteps } from "./steps.js";

const ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"];
const TASKS = ["classification", "regression"];
const INITS = ["xavier", "he", "normal"];
// The learning rate is the page's own (`lr`), whichever the optimizer; `optimizer.params` holds the others.
const DEFAULTS = { hidden: [3, 2], activation: "tanh", task: "classification", init: "xavier", x: [0.5, -0.5], y: 1,
  seed: 0, lr: 0.1, optimizer: { name: "sgd", params: {} }, k: 0 };
const isDefaultOptimizer = (o) => o.name === DEFAULTS.optimizer.name && !Object.keys(o.params).length;

function parse(query) {
  const q = new URLSearchParams(query);
  const numbers = (text) => (text ?? "").split(",").map((v) => Number(v.trim()));
  const s = structuredClone(DEFAULTS);
  const hidden = numbers(q.get("h"));
  if (q.has("h") && hidden.length <= 3 && hidden.every((u) => Number.isInteger(u) && u >= 1 && u <= 4)) s.hidden = hidden;
  if (ACTIVATIONS.includes(q.get("act"))) s.activation = q.get("act");
  if (TASKS.includes(q.get("task"))) s.task = q.get("task");
  if (INITS.includes(q.get("init"))) s.init = q.get("init");
  const x = numbers(q.get("x"));
  if (x.length === 2 && x.every(Number.isFinite)) s.x = x;
  for (const key of ["y", "seed", "lr", "k"]) {
    const v = Number(q.get(key));
    if (q.has(key) && Number.isFinite(v)) s[key] = v;
  }
  const optimizer = q.has("opt") ? codecs.entry.parse(q.get("opt")) : undefined;
  if (optimizer) s.optimizer = { name: optimizer.name, params: optimizer.params };
  if ("lr" in s.optimizer.params && !q.has("lr") && Number(s.optimizer.params.lr) > 0) s.lr = s.optimizer.params.lr;
  delete s.optimizer.params.lr; // the page's learning rate is `lr=`
  s.seed = Math.max(0, Math.round(s.seed));
  s.k = Math.max(0, Math.round(s.k));
  return s;
}

const encode = (s) => {
  const q = new URLSearchParams({ h: s.hidden.join(","), act: s.activation });
  if (s.task !== DEFAULTS.task) q.set("task", s.task);
  if (s.init !== DEFAULTS.init) q.set("init", s.init);
  q.set("x", s.x.join(","));
  q.set("y", String(s.y));
  q.set("seed", String(s.seed));
  q.set("lr", String(s.lr));
  if (!isDefaultOptimizer(s.optimizer)) q.set("opt", codecs.entry.format(s.optimizer));
  q.set("k", String(s.k));
  return q.toString();
};

const state = parse(location.search);
const sync = urlSync(encode);
let pass = null;
let steps = [];
let asked = 0;
// The optimizers networks have (those needing a Hessian are not among them), from the catalog.
const optimizers = catalog().then(({ optimizers: all }) => all.filter((o) => !o.needs_hessian));
const cursorListeners = [];
const endListeners = [];

const request = () => ({
  model: { hidden: state.hidden, activation: state.activation, init: state.init, seed: state.seed },
  task: state.task,
  sample: { x: state.x, y: state.y },
  optimizer: { name: state.optimizer.name, params: { ...state.optimizer.params, lr: state.lr } },
});

function say(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
}

async function load() {
  const ticket = ++asked;
  try {
    const [answer, known] = await Promise.all([backprop(request()), optimizers]);
    if (ticket !== asked) return;
    pass = answer;
    const title = known.find((o) => o.name === pass.update.optimizer)?.title ?? pass.update.optimizer;
    steps = buildSteps(pass, state.activation, title);
    state.k = Math.min(state.k, steps.length - 1);
    say("");
    show();
  } catch (error) {
    if (ticket === asked) say(t("backprop.error", { message: error.message }));
  }
}

function go(k) {
  if (!steps.length) return;
  state.k = Math.max(0, Math.min(steps.length - 1, k));
  show();
}

// ── The explanation panel ─────────────────────────────────────────────────────

/** A step's table: one row per weight of a layer, a column per quantity (symbols as the formulas write them). */
function table({ layer, columns, rows }) {
  const head = h("tr", {}, h("th", {}, ""), ...columns.map((c) => h("th", {}, c)));
  const body = rows.map(([label, ...values], r) =>
    h("tr", { class: r === rows.length - 1 ? "bias" : "" }, h("th", {}, label), ...values.map((v) => h("td", {}, num(v)))));
  return h("table", { class: "bp-matrix", "data-testid": "bp-table", "aria-label": t("backprop.table_label", { layer }) },
    h("thead", {}, head), h("tbody", {}, ...body));
}

function matrix({ dW, db, layer }) {
  const head = h("tr", {}, h("th", {}, ""), ...db.map((_, j) => h("th", {}, `${t("backprop.matrix.to")} ${j + 1}`)));
  const rows = dW.map((row, i) =>
    h("tr", {}, h("th", {}, `${t("backprop.matrix.from")} ${i + 1}`), ...row.map((v) => h("td", {}, num(v)))),
  );
  const bias = h("tr", { class: "bias" }, h("th", {}, "∂L/∂b"), ...db.map((v) => h("td", {}, num(v))));
  return h("table", { class: "bp-matrix", "data-testid": "bp-matrix", "aria-label": t("backprop.matrix.label", { layer }) },
    h("thead", {}, head), h("tbody", {}, ...rows, bias));
}

function show() {
  const step = steps[state.k];
  sync(state);
  if (!step) return;
  drawDiagram($("bp-diagram"), pass, steps, state.k);
  document.body.dataset.step = String(state.k);
  for (const fn of cursorListeners) fn(state.k);
  const lines = step.lines.map(([symbols, numbers]) =>
    h("div", { class: "bp-line" }, h("span", { class: "rule bp-symbols" }, symbols),
      h("span", { class: "rule bp-numbers", "data-testid": "bp-numbers" }, numbers ? `= ${numbers}` : "")),
  );
  const extra = [];
  if (step.matrix) extra.push(matrix(step.matrix));
  if (step.table) extra.push(table(step.table));
  const after = step.updated
    ? h("p", { class: "bp-after", "data-testid": "bp-after" },
      t("backprop.after", { before: num(pass.loss), after: num(pass.update.loss ?? Infinity) }))
    : null;
  $("bp-panel").replaceChildren(
    h("div", { class: "bp-head" },
      h("span", { class: `bp-phase ${step.phase}`, "data-testid": "bp-phase", "data-phase": step.phase },
        t(`backprop.phase.${step.phase}`)),
      h("h2", { "data-testid": "bp-title" }, t(...step.title)),
      h("span", { class: "bp-count", "data-testid": "bp-count" },
        t("backprop.count", { step: state.k + 1, total: steps.length }))),
    h("p", { class: "bp-note" }, t(...step.note)),
    h("div", { class: "bp-body" }, h("div", { class: "bp-lines" }, ...lines, after), ...extra),
  );
  $("bp-strip").replaceChildren(...steps.map((s, i) =>
    h("button", { type: "button", class: `bp-dot ${s.phase}${i === state.k ? " current" : ""}`,
      title: t(...s.title), "aria-label": t(...s.title), onclick: () => go(i) }),
  ));
}

// ── Controls ───────────────────────────────────────────────────────────────────

function field(value, label, testid, onChange, attrs = {}) {
  const node = h("input", { type: "number", step: "any", class: "exact", value, "aria-label": label,
    "data-testid": testid, ...attrs });
  node.addEventListener("change", () => {
    const v = Number(node.value);
    if (node.value === "" || !Number.isFinite(v)) return (node.value = String(value));
    onChange(v);
  });
  return node;
}

/** The optimizer of the update: its menu, the page's learning rate, and its other hyperparameters. */
function optimizerRows(known, change) {
  const meta = known.find((o) => o.name === state.optimizer.name);
  const picker = select(known.map((o) => [o.name, o.title]), state.optimizer.name, t("backprop.optimizer"),
    (name) => {
      change({ optimizer: { name, params: {} } });
      controls($("controls"));
    }, "bp-optimizer");
  const lr = field(state.lr, t("backprop.lr"), "bp-lr", (v) => (v > 0 ? change({ lr: v }) : controls($("controls"))),
    { min: 0 });
  const params = (meta?.params ?? []).filter((p) => p.name !== "lr").map((p) =>
    paramControl(p, state.optimizer.params[p.name], (v) =>
      change({ optimizer: { ...state.optimizer, params: { ...state.optimizer.params, [p.name]: v } } }), `bp-param-${p.name}`));
  return [row(t("backprop.optimizer"), picker), row(t("backprop.lr"), lr, t("backprop.lr_hint")), ...params];
}

function controls(root) {
  const change = (patch) => {
    Object.assign(state, patch);
    load();
  };
  const layers = h("input", { type: "text", class: "exact", value: state.hidden.join(","),
    "aria-label": t("backprop.hidden_label"), "data-testid": "bp-hidden" });
  layers.addEventListener("change", () => {
    const units = layers.value.split(",").map((u) => Number(u.trim()));
    if (units.length >= 1 && units.length <= 3 && units.every((u) => Number.isInteger(u) && u >= 1 && u <= 4)) {
      change({ hidden: units });
    } else layers.value = state.hidden.join(",");
  });
  const choices = (names, prefix) => names.map((name) => [name, t(`${prefix}.${name}`)]);
  const update = h("div", {});
  optimizers.then((known) => update.replaceChildren(...optimizerRows(known, change))).catch(() => {});
  root.replaceChildren(
    h("section", { class: "panel" }, h("h2", {}, t("backprop.section.network")),
      row(t("backprop.hidden"), layers, t("backprop.hidden_hint")),
      row(t("network.activation"), select(choices(ACTIVATIONS, "network.activation"), state.activation,
        t("network.activation"), (activation) => change({ activation }), "bp-activation")),
      row(t("network.init"), select(choices(INITS, "network.init"), state.init, t("network.init_label"),
        (init) => change({ init }), "bp-init")),
      row(t("backprop.seed"), field(state.seed, t("backprop.seed"), "bp-seed", (seed) => change({ seed }),
        { step: 1, min: 0 }), t("backprop.seed_hint"))),
    h("section", { class: "panel" }, h("h2", {}, t("backprop.section.sample")),
      row(t("backprop.task"), select(choices(TASKS, "network.task"), state.task, t("backprop.task"),
        (task) => change({ task }), "bp-task")),
      row("x₁", field(state.x[0], "x₁", "bp-x1", (v) => change({ x: [v, state.x[1]] }))),
      row("x₂", field(state.x[1], "x₂", "bp-x2", (v) => change({ x: [state.x[0], v] }))),
      row("y", field(state.y, t("backprop.target"), "bp-y", (y) => change({ y })), t("backprop.target_hint"))),
    h("section", { class: "panel", "data-testid": "bp-update" }, h("h2", {}, t("backprop.section.update")), update),
    h("section", { class: "panel" }, h("h2", {}, t("backprop.section.keys")),
      h("p", { class: "hint" }, t("backprop.keys"))),
  );
}

// ── Keyboard ───────────────────────────────────────────────────────────────────

// In a slide the arrows belong to the deck around the frame; space and backspace still step.
const framed = document.body.classList.contains("embed") && window.parent !== window;
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, select, textarea") || event.metaKey || event.ctrlKey || event.altKey) return;
  const actions = {
    " ": () => go(state.k + 1),
    Backspace: () => go(state.k - 1),
    ...(framed ? {} : { ArrowRight: () => go(state.k + 1), ArrowLeft: () => go(state.k - 1) }),
    PageDown: () => go(state.k + 1),
    PageUp: () => go(state.k - 1),
    Home: () => go(0),
    End: () => go(steps.length - 1),
  };
  if (actions[event.key]) {
    event.preventDefault();
    actions[event.key]();
  }
});

$("bp-prev").addEventListener("click", () => go(state.k - 1));
$("bp-next").addEventListener("click", () => go(state.k + 1));

// ── In a slide or /present: the embed bridge (embed.js) ─────────────────────────
// A step of the slide is a step of the walk-through; play walks on, one step every PLAY_EVERY ms.
const PLAY_EVERY = 1500;
const original = structuredClone(state); // the scene as the address gave it
let timer = null;

function pause() {
  clearInterval(timer);
  timer = null;
}

function play() {
  if (timer || !steps.length) return;
  if (state.k >= steps.length - 1) go(0);
  timer = setInterval(() => {
    go(state.k + 1);
    if (state.k < steps.length - 1) return;
    pause();
    for (const fn of endListeners) fn();
  }, PLAY_EVERY);
}

async function setState(next) {
  pause();
  Object.assign(state, structuredClone(next));
  if ($("controls")) controls($("controls"));
  await load();
}

if ($("controls")) controls($("controls"));
const ready = load();
if (framed) {
  connectEmbed({
    ready,
    play,
    pause,
    step(n = 1) {
      pause();
      go(state.k + n);
    },
    seek(k) {
      pause();
      go(k);
    },
    reset: () => setState({ ...original, k: 0 }),
    setState: (query) => setState(parse(query)),
    getState: () => ({ query: encode(state), step: state.k, playing: timer !== null }),
    onCursor: (fn) => cursorListeners.push(fn),
    onEnded: (fn) => endListeners.push(fn),
  });
}
