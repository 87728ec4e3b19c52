// The Backprop page: one sample through a small network, step by step (keyboard: → ← space backspace
// Home End). The state lives in the address (?h=3,2&act=tanh&x=0.5,-0.5&y=1&seed=0&lr=0.1&k=<step>), so
// a scene can open at a given step. The numbers come from POST /api/backprop; the update's new weights
// are sent back as the next request's `weights` to show the loss they give.
import { row, select } from "../controls.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { $, urlSync } from "../page.js";
import { backprop } from "../api.js";
import { connectEmbed } from "../embed.js";
import { drawDiagram } from "./diagram.js";
import { buildSteps, num } from "./steps.js";

const ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"];
const TASKS = ["classification", "regression"];
const INITS = ["xavier", "he", "normal"];
const DEFAULTS = { hidden: [3, 2], activation: "tanh", task: "classification", init: "xavier", x: [0.5, -0.5], y: 1,
  seed: 0, lr: 0.1, k: 0 };

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
  q.set("k", String(s.k));
  return q.toString();
};

const state = parse(location.search);
const sync = urlSync(encode);
let pass = null;
let steps = [];
let after = null; // the loss of the sample with the updated weights (the next request's answer)
let asked = 0;
const cursorListeners = [];
const endListeners = [];

const request = (weights = null) => ({
  model: { hidden: state.hidden, activation: state.activation, init: state.init, seed: state.seed },
  task: state.task,
  sample: { x: state.x, y: state.y },
  ...(weights ? { weights } : {}),
});

function say(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
}

async function load() {
  const ticket = ++asked;
  try {
    const answer = await backprop(request());
    if (ticket !== asked) return;
    pass = answer;
    steps = buildSteps(pass, state.activation, state.lr);
    state.k = Math.min(state.k, steps.length - 1);
    after = null;
    say("");
    show();
    const next = await backprop(request(steps.at(-1).updated));
    if (ticket !== asked) return;
    after = next;
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
  if (step.phase === "update") {
    extra.push(h("p", { class: "bp-after", "data-testid": "bp-after" }, after
      ? t("backprop.after", { before: num(pass.loss), after: num(after.loss) })
      : t("backprop.after_pending")));
  }
  $("bp-panel").replaceChildren(
    h("div", { class: "bp-head" },
      h("span", { class: `bp-phase ${step.phase}`, "data-testid": "bp-phase", "data-phase": step.phase },
        t(`backprop.phase.${step.phase}`)),
      h("h2", { "data-testid": "bp-title" }, t(...step.title)),
      h("span", { class: "bp-count", "data-testid": "bp-count" },
        t("backprop.count", { step: state.k + 1, total: steps.length }))),
    h("p", { class: "bp-note" }, t(...step.note)),
    h("div", { class: "bp-body" }, h("div", { class: "bp-lines" }, ...lines), ...extra),
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
    h("section", { class: "panel" }, h("h2", {}, t("backprop.section.update")),
      row(t("backprop.lr"), field(state.lr, t("backprop.lr"), "bp-lr", (lr) => change({ lr }), { min: 0 }))),
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
