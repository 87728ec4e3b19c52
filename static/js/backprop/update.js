// The last stage of the step-through: one step of the chosen optimizer from a fresh state, built from
// POST /api/backprop's `update` (README, "Backprop, one sample"). Plain SGD is one step (θ ← θ − η·∂L/∂θ);
// an optimizer that keeps a state takes two: what it computes from the gradient (its moments, its sums),
// then the step and the new weights. Each shows its formula with the numbers of one weight (W₁₁ of the
// output layer) and a table of every weight of that layer; every number there is the server's, only the
// hyperparameters' 1 − β are written out here.
import { factor, num, sub, sup } from "./format.js";

// What each state entry (torch.optim's names, as the API answers them) is called in the formulas.
const SYMBOL = {
  grad: "g",
  momentum_buffer: "b",
  sum: "s",
  square_avg: "v",
  grad_avg: "ḡ",
  acc_delta: "u",
  exp_avg: "m",
  exp_avg_sq: "v",
  max_exp_avg_sq: "v̂ₘₐₓ",
  exp_inf: "u",
  m_hat: "m̂",
  v_hat: "v̂",
};
// The state the table shows: Adam's table keeps to m̂ and v̂, the two its step divides.
const TABLE_HIDES = { adam: ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], adamw: ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
  radam: ["exp_avg_sq"] };
const DECOUPLED = ["adamw", "lion"];

/** Whether the optimizer's update is plain θ − η·∂L/∂θ, shown in one step as the textbook writes it. */
export const isPlainSgd = (update) =>
  update.optimizer === "sgd" && !update.params.momentum && !update.params.weight_decay;

const one = (v) => num(1 - v); // 1 − β, written out

/** The formula lines of the state step: [symbols, numbers] with the numbers of one weight. */
function stateLines(name, p, { w, dw, state: s }) {
  const g = s.grad ?? dw;
  const [b1, b2] = p.betas ?? [0, 0];
  const moment1 = [`m = β₁·0 + (1 − β₁)·g`, `${one(b1)}·${factor(g)} = ${num(s.exp_avg)}`];
  const moment2 = [`v = β₂·0 + (1 − β₂)·g²`, `${one(b2)}·${factor(g)}² = ${num(s.exp_avg_sq)}`];
  const hat1 = [`m̂ = m/(1 − β₁¹)`, `${factor(s.exp_avg)}/${one(b1)} = ${num(s.m_hat)}`];
  const rules = {
    sgd: () => [[`b = g  (t = 1)`, num(s.momentum_buffer)]],
    adagrad: () => [[`s = s₀ + g²`, `${num(p.initial_accumulator_value)} + ${factor(g)}² = ${num(s.sum)}`]],
    rmsprop: () => [
      [`v = α·0 + (1 − α)·g²`, `${one(p.alpha)}·${factor(g)}² = ${num(s.square_avg)}`],
      ...(p.centered ? [[`ḡ = α·0 + (1 − α)·g`, `${one(p.alpha)}·${factor(g)} = ${num(s.grad_avg)}`]] : []),
      ...(p.momentum ? [[`b = g/(${rmsDenominator(p)})`,
        `${factor(g)}/(${rmsRoot(p, s)} + ${num(p.eps)}) = ${num(s.momentum_buffer)}`]] : []),
    ],
    adam: () => [moment1, moment2, hat1, [`v̂ = v/(1 − β₂¹)`, `${num(s.exp_avg_sq)}/${one(b2)} = ${num(s.v_hat)}`]],
    adamax: () => [
      [`m = β₁·0 + (1 − β₁)·g`, `${one(b1)}·${factor(g)} = ${num(s.exp_avg)}`],
      [`u = max(β₂·0, |g| + ε)`, `|${num(g)}| + ${num(p.eps)} = ${num(s.exp_inf)}`],
    ],
    nadam: () => [moment1, moment2],
    radam: () => [moment1, hat1],
    adadelta: () => [
      [`v = ρ·0 + (1 − ρ)·g²`, `${one(p.rho)}·${factor(g)}² = ${num(s.square_avg)}`],
      [`u = ρ·0 + (1 − ρ)·(Δw/η)²`, num(s.acc_delta)],
    ],
    lion: () => [
      [`c = β₁·0 + (1 − β₁)·g`, `${one(b1)}·${factor(g)} = ${num((1 - b1) * g)}`],
      [`m = β₂·0 + (1 − β₂)·g`, `${one(b2)}·${factor(g)} = ${num(s.exp_avg)}`],
    ],
  };
  rules.adamw = rules.adam;
  const lines = rules[name]();
  if (s.grad !== undefined) lines.unshift([`g = ∂L/∂w + λ·w`, `${factor(dw)} + ${num(p.weight_decay)}·${factor(w)} = ${num(g)}`]);
  return lines;
}

const rmsDenominator = (p) => (p.centered ? "√(v − ḡ²) + ε" : "√v + ε");
const rmsRoot = (p, s) => (p.centered ? `√(${num(s.square_avg)} − ${factor(s.grad_avg)}²)` : `√${num(s.square_avg)}`);

/** The step's rule in symbols, and its numbers for one weight. */
function stepLine(name, p, { w, dw, state: s, step }) {
  const g = s.grad ?? dw;
  const lr = num(p.lr);
  const wd = p.weight_decay ?? 0;
  const decoupled = (DECOUPLED.includes(name) || p.decoupled_weight_decay) && wd > 0;
  // Decoupled weight decay: λ·w joins the step beside the optimizer's direction.
  const around = (symbols, numbers) => decoupled
    ? [`Δw = −η·(${symbols} + λ·w)`, `−${lr}·(${numbers} + ${num(wd)}·${factor(w)}) = ${num(step)}`]
    : [`Δw = −η·${symbols}`, `−${lr}·${numbers} = ${num(step)}`];
  const adam = () => around("m̂/(√v̂ + ε)", `${factor(s.m_hat)}/(√${num(s.v_hat)} + ${num(p.eps)})`);
  const rules = {
    sgd: () => p.nesterov
      ? [`Δw = −η·(g + μ·b)`, `−${lr}·(${factor(g)} + ${num(p.momentum)}·${factor(s.momentum_buffer)}) = ${num(step)}`]
      : p.momentum ? around("b", factor(s.momentum_buffer)) : around("g", factor(g)),
    adagrad: () => around("g/(√s + ε)", `${factor(g)}/(√${num(s.sum)} + ${num(p.eps)})`),
    rmsprop: () => {
      if (p.momentum) return around("b", factor(s.momentum_buffer));
      return around(`g/(${rmsDenominator(p)})`, `${factor(g)}/(${rmsRoot(p, s)} + ${num(p.eps)})`);
    },
    adam,
    adamw: adam,
    adamax: () => around("m/((1 − β₁¹)·u)", `${factor(s.exp_avg)}/(${one(p.betas[0])}·${num(s.exp_inf)})`),
    // NAdam's first step mixes g and m̂ by its momentum schedule μ₁, μ₂: the rule, then the server's number.
    nadam: () => [`Δw = −η·((1 − μ₁)·ĝ + μ₂·m̂)/(√v̂ + ε)${decoupled ? " − η·λ·w" : ""}`, num(step)],
    radam: () => around("m̂", factor(s.m_hat)),
    adadelta: () => around("√(0 + ε)·g/√(v + ε)", `√${num(p.eps)}·${factor(g)}/√(${num(s.square_avg)} + ${num(p.eps)})`),
    lion: () => around("sign(c)", String(Math.sign(g)).replace("-", "−")),
  };
  return rules[name]();
}

/** The update's steps: one for plain SGD, else the state and then the step. `title` is the optimizer's name
 * for a person (the catalog's, in the page's language). */
export function updateSteps(pass, title) {
  const update = pass.update;
  const { optimizer: name, params: p } = update;
  const L = pass.layers.length;
  const layer = pass.layers[L - 1];
  const moved = update.layers[L - 1];
  const allEdges = pass.layers.flatMap((l, m) => l.W.flatMap((row, i) => row.map((_, j) => [m + 1, i, j])));
  const updated = update.layers.map(({ W, b }) => ({ W, b }));
  const W = `W₁₁${sup(L)}`;
  const lr = num(p.lr);
  if (isPlainSgd(update)) {
    return [{
      phase: "update", title: ["backprop.step.update_sgd", { lr }], note: ["backprop.note.update", {}],
      units: [], edges: allEdges, updated,
      lines: [
        ["θ ← θ − η·∂L/∂θ", ""],
        [`${W} ← ${W} − η·∂L/∂${W}`, `${num(layer.W[0][0])} − ${lr}·${factor(layer.dW[0][0])} = ${num(moved.W[0][0])}`],
        [`b₁${sup(L)} ← b₁${sup(L)} − η·∂L/∂b₁${sup(L)}`,
          `${num(layer.b[0])} − ${lr}·${factor(layer.db[0])} = ${num(moved.b[0])}`],
      ],
    }];
  }
  // Per weight of the output layer: its value, gradient, state and step; row 0 is the weight the lines show.
  const entries = [
    ...layer.W.map((row, i) => ({ label: `W${sub(i + 1)}₁${sup(L)}`, at: (block) => block.W[i][0] })),
    { label: `b₁${sup(L)}`, at: (block) => block.b[0] },
  ];
  const of = (entry) => ({
    w: entry.at({ W: layer.W, b: layer.b }),
    dw: entry.at({ W: layer.dW, b: layer.db }),
    state: Object.fromEntries(Object.entries(moved.state).map(([key, block]) => [key, entry.at(block)])),
    step: entry.at(moved.step),
    next: entry.at(moved),
  });
  const first = of(entries[0]);
  const hidden = TABLE_HIDES[name] ?? [];
  const keys = Object.keys(moved.state).filter((key) => !hidden.includes(key));
  // The weight the formulas follow, and its gradient g (unless weight decay makes g more than that).
  const head = first.state.grad === undefined
    ? [`w = ${W},  g = ∂L/∂w`, `${num(first.w)},  ${num(first.dw)}`]
    : [`w = ${W}`, num(first.w)];
  const table = (columns, cells) => ({
    layer: L, columns, rows: entries.map((entry) => [entry.label, ...cells(of(entry))]),
  });
  return [
    {
      phase: "update", title: ["backprop.step.state", { optimizer: title }], note: [`backprop.note.state.${name}`, {}],
      units: [], edges: allEdges, state: name,
      lines: [head, ...stateLines(name, p, first)],
      table: table(["∂L/∂w", ...keys.map((key) => SYMBOL[key])], (e) => [e.dw, ...keys.map((key) => e.state[key])]),
    },
    {
      phase: "update", title: ["backprop.step.update", { optimizer: title, lr }], note: [`backprop.note.update.${name}`, {}],
      units: [], edges: allEdges, updated,
      lines: [stepLine(name, p, first), ["w ← w + Δw", `${num(first.w)} + ${factor(first.step)} = ${num(first.next)}`]],
      table: table(["w", "Δw", "w′"], (e) => [e.w, e.step, e.next]),
    },
  ];
}
