// The step-through of one sample's pass, built from POST /api/backprop's answer (README, "Backprop, one
// sample"): the forward pass unit by unit, the loss, the backward pass layer by layer from the output
// down, then the update with the chosen optimizer (update.js). Each step says which units and edges it is about, its formula in symbols
// and the same formula with the numbers; the words around them come from the catalog (backprop.json).
import { factor, num, sub, sup } from "./format.js";
import { updateSteps } from "./update.js";

// Each activation's symbol, and its derivative written with what the step shows (z and a).
export const ACTIVATION_SYMBOL = { tanh: "tanh", sigmoid: "σ", relu: "ReLU", leaky_relu: "LeakyReLU", linear: "id" };
const LEAK = 0.01; // app/engine/nn/layers.py
function slopeFormula(activation, z, a, slope) {
  const f = ACTIVATION_SYMBOL[activation];
  const rules = {
    tanh: [`${f}′(z) = 1 − a²`, `1 − ${factor(a)}² = ${num(slope)}`],
    sigmoid: [`${f}′(z) = a·(1 − a)`, `${factor(a)}·(1 − ${factor(a)}) = ${num(slope)}`],
    relu: [`${f}′(z) = 1 (z > 0), 0 (z ≤ 0)`, `z = ${num(z)} ${z > 0 ? ">" : "≤"} 0 ⇒ ${num(slope)}`],
    leaky_relu: [`${f}′(z) = 1 (z > 0), ${LEAK} (z ≤ 0)`, `z = ${num(z)} ${z > 0 ? ">" : "≤"} 0 ⇒ ${num(slope)}`],
    linear: [`${f}′(z) = 1`, num(slope)],
  };
  return rules[activation];
}

/** The layers as the diagram draws them: the inputs, each hidden layer, the output (sizes). */
export const layerSizes = (pass) => [pass.x.length, ...pass.layers.map((layer) => layer.b.length)];

/** The steps of `pass` (the API's answer) for `activation`; `optimizer` is the update's optimizer as a
 * person reads its name. A step is {phase, title: [key, params], note: [key, params], units: [[layer, unit]],
 * edges: [[layer, i, j]], lines: [[symbols, numbers]], matrix?: {dW, db, layer}, table?: {layer, columns,
 * rows}, updated?: the new weights}; layer 0 is the inputs, the last the output. */
export function buildSteps(pass, activation, optimizer) {
  const L = pass.layers.length; // the output is layer L
  const f = ACTIVATION_SYMBOL[activation];
  const a = (l) => (l === 0 ? pass.x : pass.layers[l - 1].a);
  const name = (symbol, l, j) => `${symbol}${sub(j + 1)}${sup(l)}`;
  const range = (n) => [...Array(n).keys()];
  const steps = [];
  const classify = pass.task === "classification";

  steps.push({
    phase: "forward", title: ["backprop.step.input", {}], note: ["backprop.note.input", {}],
    units: [[0, 0], [0, 1]], edges: [],
    lines: [[`a${sup(0)} = x = (x₁, x₂)`, `(${num(pass.x[0])}, ${num(pass.x[1])})`]],
  });
  for (let l = 1; l <= L; l++) {
    const layer = pass.layers[l - 1];
    const below = a(l - 1);
    for (let j = 0; j < layer.b.length; j++) {
      const terms = below.map((v, i) => `${factor(layer.W[i][j])}·${factor(v)}`).join(" + ");
      const zLine = [
        `${name("z", l, j)} = Σᵢ Wᵢ${sub(j + 1)}${sup(l)}·aᵢ${sup(l - 1)} + ${name("b", l, j)}`,
        `${terms} + ${factor(layer.b[j])} = ${num(layer.z[j])}`,
      ];
      const edges = below.map((_, i) => [l, i, j]);
      if (l < L) {
        steps.push({
          phase: "forward", title: ["backprop.step.unit", { layer: l, unit: j + 1 }],
          note: ["backprop.note.unit", { f }], units: [[l, j]], edges,
          lines: [zLine, [`${name("a", l, j)} = ${f}(${name("z", l, j)})`, `${f}(${num(layer.z[j])}) = ${num(layer.a[j])}`]],
        });
      } else {
        const lines = [zLine];
        if (classify) lines.push(["p = σ(ŷ)", `σ(${num(pass.output)}) = ${num(pass.probability)}`]);
        steps.push({
          phase: "forward", title: ["backprop.step.output", {}],
          note: [classify ? "backprop.note.output_class" : "backprop.note.output_reg", {}],
          units: [[l, j]], edges, lines,
        });
      }
    }
  }
  const y = pass.y;
  steps.push({
    phase: "loss", title: ["backprop.step.loss", {}], note: [classify ? "backprop.note.loss_class" : "backprop.note.loss_reg", {}],
    units: [[L + 1, 0]], edges: [],
    lines: [classify
      ? ["L = −[y·log p + (1 − y)·log(1 − p)]",
        `−[${num(y)}·log ${num(pass.probability)} + ${factor(1 - y)}·log ${num(1 - pass.probability)}] = ${num(pass.loss)}`]
      : ["L = (ŷ − y)²", `(${num(pass.output)} − ${factor(y)})² = ${num(pass.loss)}`]],
  });

  const out = pass.layers[L - 1];
  steps.push({
    phase: "backward", title: ["backprop.step.delta_out", {}],
    note: [classify ? "backprop.note.delta_out_class" : "backprop.note.delta_out_reg", {}],
    units: [[L, 0]], edges: [],
    lines: [classify
      ? [`δ${sup(L)} = ∂L/∂ŷ = p − y`, `${num(pass.probability)} − ${factor(y)} = ${num(out.delta[0])}`]
      : [`δ${sup(L)} = ∂L/∂ŷ = 2(ŷ − y)`, `2·(${num(pass.output)} − ${factor(y)}) = ${num(out.delta[0])}`]],
  });
  const gradients = (l) => {
    const layer = pass.layers[l - 1];
    const below = a(l - 1);
    const i = 0, j = 0; // the formula with numbers shows one entry; the matrix shows them all
    return {
      phase: "backward", title: ["backprop.step.grad", { layer: l }], note: ["backprop.note.grad", {}],
      units: range(layer.b.length).map((k) => [l, k]), edges: below.flatMap((_, r) => layer.b.map((__, c) => [l, r, c])),
      gradient: l,
      lines: [
        [`∂L/∂W${sup(l)} = a${sup(l - 1)}·δ${sup(l)}ᵀ`, ""],
        [`∂L/∂W${sub(i + 1)}${sub(j + 1)}${sup(l)} = a${sub(i + 1)}${sup(l - 1)}·δ${sub(j + 1)}${sup(l)}`,
          `${factor(below[i])}·${factor(layer.delta[j])} = ${num(layer.dW[i][j])}`],
        [`∂L/∂b${sup(l)} = δ${sup(l)}`, `(${layer.db.map(num).join(", ")})`],
      ],
      matrix: { dW: layer.dW, db: layer.db, layer: l },
    };
  };
  steps.push(gradients(L));

  for (let l = L - 1; l >= 1; l--) {
    const layer = pass.layers[l - 1];
    const above = pass.layers[l];
    const units = range(layer.b.length);
    steps.push({
      phase: "backward", title: ["backprop.step.slopes", { layer: l }], note: ["backprop.note.slopes", { f }],
      units: units.map((j) => [l, j]), edges: [], slopes: l,
      lines: units.map((j) => {
        const [symbols, numbers] = slopeFormula(activation, layer.z[j], layer.a[j], layer.slope[j]);
        return [symbols.replaceAll("(z)", `(${name("z", l, j)})`), numbers];
      }),
    });
    for (const j of units) {
      const terms = above.delta.map((d, k) => `${factor(above.W[j][k])}·${factor(d)}`).join(" + ");
      steps.push({
        phase: "backward", title: ["backprop.step.delta", { layer: l, unit: j + 1 }], note: ["backprop.note.delta", {}],
        units: [[l, j]], edges: above.delta.map((_, k) => [l + 1, j, k]),
        lines: [
          [`∂L/∂${name("a", l, j)} = Σₖ W${sub(j + 1)}ₖ${sup(l + 1)}·δₖ${sup(l + 1)}`, `${terms} = ${num(layer.da[j])}`],
          [`${name("δ", l, j)} = ∂L/∂${name("a", l, j)} · ${f}′(${name("z", l, j)})`,
            `${factor(layer.da[j])}·${factor(layer.slope[j])} = ${num(layer.delta[j])}`],
        ],
      });
    }
    steps.push(gradients(l));
  }

  steps.push(...updateSteps(pass, optimizer));
  return steps;
}
