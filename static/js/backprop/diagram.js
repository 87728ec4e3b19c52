// The computation graph of the step-through, drawn as SVG: the inputs, the hidden units and the output
// in columns, then the loss. Edges take their width and colour from their weight the way TensorFlow
// Playground draws them (blue positive, orange negative); each unit shows its numbers once the
// step that computes them has come, and the current step's units and edges are highlighted.
import { t } from "../i18n.js";
import { num, sub, sup } from "./format.js";
import { layerSizes } from "./steps.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 1000;
const HEIGHT = 500;
const R = 36;
const POSITIVE = "#0877bd";
const NEGATIVE = "#e8830c";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

// Where along its edge a weight's label may go, in order of preference: near the unit the edge feeds in the
// forward pass, near the unit it leaves on the way back (where the chain rule reads it).
// Then anywhere from 15% to 85% of the way.
const ANYWHERE = Array.from({ length: 15 }, (_, i) => 0.15 + 0.05 * i);
const FORWARD_AT = [0.45, 0.55, 0.35, ...ANYWHERE];
const BACKWARD_AT = [0.62, 0.52, 0.72, ...ANYWHERE];

const PAD = 2; // room kept around a label

/** The box [x0, y0, x1, y1] a drawn element takes, with PAD around it. */
function boxOf(node) {
  const b = node.getBBox();
  return [b.x - PAD, b.y - PAD, b.x + b.width + PAD, b.y + b.height + PAD];
}

const overlap = (a, b) =>
  Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));

/** Moves `label` (a drawn <text>) to the first place along its edge, above or below it, where it meets
 * nothing in `taken`; where the full text ("w = −0.5044") finds none, the number alone may, and in a crowded
 * network the number in a smaller type; else it goes where it meets the least. Returns its box: the
 * browser's own measure of the drawn text. */
function placeLabel(label, { x1, y1, x2, y2, text, value }, taken, fractions) {
  let best = null;
  for (const [words, small] of [[text, false], [value, false], [value, true]]) {
    label.textContent = words;
    label.classList.toggle("small", small);
    for (const s of fractions) {
      for (const dy of [-6, 20, -24, 38, -42]) {
        const [x, y] = [x1 + s * (x2 - x1), y1 + s * (y2 - y1) + dy];
        label.setAttribute("x", x);
        label.setAttribute("y", y);
        const box = boxOf(label);
        const hit = taken.reduce((sum, other) => sum + overlap(box, other), 0);
        if (hit === 0) return box;
        if (!best || hit < best.hit) best = { words, small, x, y, box, hit };
      }
    }
  }
  label.textContent = best.words;
  label.classList.toggle("small", best.small);
  label.setAttribute("x", best.x);
  label.setAttribute("y", best.y);
  return best.box;
}

/** Where each unit sits: columns for the layers and one for the loss, units centred in their column. */
function positions(sizes) {
  const columns = sizes.length + 1;
  const x = (c) => 80 + (c * (WIDTH - 170)) / (columns - 1);
  // Room under each unit for two lines of numbers; the legend keeps the bottom strip.
  const gap = Math.min(140, (HEIGHT - 150) / Math.max(1, Math.max(...sizes) - 1));
  const middle = (HEIGHT - 50) / 2;
  const y = (n, j) => middle + (j - (n - 1) / 2) * gap;
  return { unit: (l, j) => [x(l), y(sizes[l], j)], loss: [x(columns - 1), middle] };
}

/** What the steps up to `k` have revealed: per unit its forward values, slope and δ; the loss. */
function revealed(steps, k) {
  const seen = { forward: new Set(), slope: new Set(), delta: new Set(), loss: false };
  for (const step of steps.slice(0, k + 1)) {
    const keys = step.units.map(([l, j]) => `${l},${j}`);
    if (step.phase === "forward") keys.forEach((key) => seen.forward.add(key));
    if (step.phase === "loss") seen.loss = true;
    if (step.slopes) keys.forEach((key) => seen.slope.add(key));
    if (step.title[0] === "backprop.step.delta" || step.title[0] === "backprop.step.delta_out") {
      keys.forEach((key) => seen.delta.add(key));
    }
  }
  return seen;
}

/** Draws `pass` (the API's answer) at step `k` of `steps` into `root` (an <svg>). */
export function drawDiagram(root, pass, steps, k) {
  const step = steps[k];
  const sizes = layerSizes(pass);
  const L = sizes.length - 1;
  const at = positions(sizes);
  const seen = revealed(steps, k);
  const classify = pass.task === "classification";
  const focusUnits = new Set(step.units.map(([l, j]) => `${l},${j}`));
  const focusEdges = new Set(step.edges.map((e) => e.join(",")));
  const focused = focusUnits.size + focusEdges.size > 0;
  const weights = step.updated ?? pass.layers;
  const gradient = step.gradient ? pass.layers[step.gradient - 1].dW : null;
  const largest = Math.max(1e-9, ...weights.flatMap((layer) => layer.W.flat().map(Math.abs)));
  const largestGrad = gradient ? Math.max(1e-9, ...gradient.flat().map(Math.abs)) : 1;

  root.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  root.dataset.phase = step.phase;
  const edges = svg("g", { class: "edges" });
  const labels = svg("g", { class: "edge-labels" });
  const wanted = []; // the edge labels of this step, placed once everything else is drawn
  weights.forEach((layer, m) => {
    layer.W.forEach((row, i) =>
      row.forEach((w, j) => {
        const key = `${m + 1},${i},${j}`;
        const [x1, y1] = at.unit(m, i);
        const [x2, y2] = at.unit(m + 1, j);
        const isGrad = gradient && step.gradient === m + 1;
        const value = isGrad ? gradient[i][j] : w;
        const scale = isGrad ? largestGrad : largest;
        const width = 1.2 + 7 * Math.min(1, Math.abs(value) / scale);
        const hot = focusEdges.has(key);
        edges.append(svg("line", {
          x1, y1, x2, y2, "stroke-width": width, stroke: value >= 0 ? POSITIVE : NEGATIVE,
          class: `edge${hot ? " hot" : ""}${focused && !hot ? " dim" : ""}${isGrad ? " grad" : ""}`,
          "data-testid": `edge-${key.replaceAll(",", "-")}`,
        }));
        if (hot && step.edges.length <= 4) wanted.push({ x1, y1, x2, y2, text: `w = ${num(w)}`, value: num(w) });
      }),
    );
  });

  const units = svg("g", { class: "units" });
  sizes.forEach((n, l) => {
    for (let j = 0; j < n; j++) {
      const key = `${l},${j}`;
      const [x, y] = at.unit(l, j);
      const layer = l > 0 ? pass.layers[l - 1] : null;
      const value = l === 0 ? pass.x[j] : layer.a[j];
      const known = l === 0 ? seen.forward.has(key) || k > 0 : seen.forward.has(key);
      const label = l === 0 ? `x${sub(j + 1)}` : l === L ? "ŷ" : `a${sub(j + 1)}${sup(l)}`;
      const group = svg("g", {
        class: `unit${focusUnits.has(key) ? " hot" : ""}${focused && !focusUnits.has(key) ? " dim" : ""}`,
        "data-testid": `unit-${l}-${j}`, "data-layer": l,
      });
      group.append(svg("circle", { cx: x, cy: y, r: R, class: l === 0 ? "input" : l === L ? "output" : "hidden" }));
      group.append(svg("text", { x: x - R - 6, y: y - R + 10, class: "unit-name", "text-anchor": "end" }, label));
      group.append(svg("text", { x, y: y + 6, class: "unit-value", "text-anchor": "middle", "data-role": "a" },
        known ? num(value) : "?"));
      const notes = [];
      // Two lines at most: z (and p at the output) in the forward pass, then f′ and δ on the way back.
      if (l > 0 && known && !seen.slope.has(key)) notes.push(["z", `z = ${num(layer.z[j])}`]);
      if (l === L && known && classify && !seen.delta.has(key)) notes.push(["p", `p = σ(ŷ) = ${num(pass.probability)}`]);
      if (seen.slope.has(key)) notes.push(["slope", `f′ = ${num(layer.slope[j])}`]);
      if (seen.delta.has(key)) notes.push(["delta", `δ = ${num(layer.delta[j])}`]);
      notes.forEach(([role, text], row) => {
        group.append(svg("text", { x, y: y + R + 18 + row * 19, class: `unit-note ${role}`, "text-anchor": "middle",
          "data-role": role }, text));
      });
      units.append(group);
    }
  });

  // The loss: a square fed by the output and the target y.
  const [lx, ly] = at.loss;
  const [ox, oy] = at.unit(L, 0);
  const lossGroup = svg("g", { class: `unit loss${focusUnits.has(`${L + 1},0`) ? " hot" : ""}${focused && !focusUnits.has(`${L + 1},0`) ? " dim" : ""}`,
    "data-testid": "loss-node" });
  edges.append(svg("line", { x1: ox + R, y1: oy, x2: lx - R, y2: ly, class: "edge loss-edge" }));
  lossGroup.append(svg("rect", { x: lx - R, y: ly - R, width: 2 * R, height: 2 * R, rx: 6 }));
  lossGroup.append(svg("text", { x: lx, y: ly - R - 8, class: "unit-name", "text-anchor": "middle" }, "L"));
  lossGroup.append(svg("text", { x: lx, y: ly + 6, class: "unit-value", "text-anchor": "middle", "data-role": "loss" },
    seen.loss ? num(pass.loss) : "?"));
  lossGroup.append(svg("text", { x: lx, y: ly + R + 20, class: "unit-note", "text-anchor": "middle", "data-role": "y" },
    `y = ${num(pass.y)}`));

  // What the colours mean, in the page's language.
  const legend = svg("g", { class: "diagram-legend" },
    svg("line", { x1: 20, y1: HEIGHT - 18, x2: 50, y2: HEIGHT - 18, stroke: POSITIVE, "stroke-width": 5 }),
    svg("text", { x: 56, y: HEIGHT - 12 }, step.gradient ? t("backprop.legend.grad_positive") : t("backprop.legend.positive")),
    svg("line", { x1: 250, y1: HEIGHT - 18, x2: 280, y2: HEIGHT - 18, stroke: NEGATIVE, "stroke-width": 5 }),
    svg("text", { x: 286, y: HEIGHT - 12 }, step.gradient ? t("backprop.legend.grad_negative") : t("backprop.legend.negative")),
    svg("text", { x: 520, y: HEIGHT - 12 }, t("backprop.legend.width")),
  );
  root.replaceChildren(edges, units, lossGroup, labels, legend);
  // The labels go last, where they meet no unit, no unit's text, the legend nor one another.
  const taken = [...root.querySelectorAll(".unit text, .unit circle, .unit rect, .diagram-legend")].map(boxOf);
  for (const want of wanted) {
    const label = svg("text", { class: "edge-label", "text-anchor": "middle" }, want.text);
    labels.append(label);
    taken.push(placeLabel(label, want, taken, step.phase === "forward" ? FORWARD_AT : BACKWARD_AT));
  }
}
