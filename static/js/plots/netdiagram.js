// The network as TensorFlow Playground draws it: neurons as circles, one column per layer (the inputs
// x₁, x₂ first, the output last), and every weight as an edge whose colour is its sign (blue positive,
// orange negative) and whose width and strength are its size. A neuron's fill is its bias, in the same
// colours. One scale for the whole training (the largest |w| it reaches), so that weights growing or
// dying out are seen as edges thickening or fading, in 24 steps of strength. Drawn on a canvas: 8 layers
// of 64 units are 29 000 edges. What was drawn is kept on the canvas as `drawn` (units, edges with the
// width and colour each was drawn with).
import { t } from "../i18n.js";
import { boxSize, followBox, perFrame } from "./frame.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

export const POSITIVE = [8, 119, 189]; // #0877bd
export const NEGATIVE = [232, 131, 12]; // #e8830c
const NEUTRAL = [232, 234, 235]; // #e8eaeb: a weight of 0
const INK = "#1d2330";
const LEVELS = 24; // strengths an edge can be drawn with, per sign

// The colour of a value v with |v| ≤ scale: from the neutral grey to the full colour of its sign.
function color(v, scale) {
  const s = Math.min(1, Math.abs(v) / (scale || 1));
  const end = v >= 0 ? POSITIVE : NEGATIVE;
  return `rgb(${NEUTRAL.map((c, j) => Math.round(c + s * (end[j] - c))).join(",")})`;
}

/** `layers`: per layer {W (fan_in × fan_out), b}; `scale`: the largest |w| of the training. */
export function createNetDiagram(canvas, { title }) {
  let model = null; // {layers, scale, caption}
  let size = boxSize(canvas);

  const draw = perFrame(() => {
    const theme = plotTheme();
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(size.width * ratio);
    canvas.height = Math.round(size.height * ratio);
    canvas.style.width = `${size.width}px`;
    canvas.style.height = `${size.height}px`;
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, size.width, size.height);
    g.font = `${theme.title}px ${FONT_FAMILY}`;
    g.fillStyle = INK;
    g.textBaseline = "top";
    g.fillText(model?.caption ?? title, 4, 4);
    const drawn = { units: [], edges: [], caption: model?.caption ?? title };
    canvas.drawn = drawn;
    if (!model) return;

    const { layers, scale } = model;
    const sizes = [layers[0].W.length, ...layers.map((l) => l.b.length)];
    const top = theme.title + theme.font + 20;
    const bottom = size.height - theme.font - 10;
    const left = 30 + theme.font;
    const right = size.width - 30 - theme.font;
    const x = (l) => left + (l * (right - left)) / (sizes.length - 1);
    const gap = (n) => (bottom - top) / Math.max(n, 1);
    const y = (l, j) => top + gap(sizes[l]) * (j + 0.5);
    const radius = Math.max(2, Math.min(14, 0.36 * Math.min(...sizes.map(gap)), 0.18 * (x(1) - x(0))));

    // Edges in LEVELS strengths per sign, each level one stroke (29 000 strokes would take a frame's
    // time many times over), the weak ones first so that the strong ones lie on top.
    const thin = sizes.slice(1).reduce((n, m, l) => n + m * sizes[l], 0) > 2000 ? 0.4 : 1; // thousands: thinner
    const buckets = Array.from({ length: 2 * (LEVELS + 1) }, () => []);
    layers.forEach((layer, m) => layer.W.forEach((row, i) => row.forEach((w, j) => {
      const level = Math.round(LEVELS * Math.min(1, Math.abs(w) / (scale || 1)));
      buckets[2 * level + (w >= 0 ? 0 : 1)].push([m, i, j, w]);
    })));
    buckets.forEach((edges, k) => {
      if (!edges.length) return;
      const level = k >> 1;
      const width = thin * (0.5 + 5.5 * (level / LEVELS));
      const stroke = color((k & 1 ? -1 : 1) * level, LEVELS);
      g.strokeStyle = stroke;
      g.lineWidth = width;
      g.beginPath();
      for (const [m, i, j, w] of edges) {
        g.moveTo(x(m), y(m, i));
        g.lineTo(x(m + 1), y(m + 1, j));
        drawn.edges.push({ layer: m, from: i, to: j, w, width, color: stroke });
      }
      g.stroke();
    });
    // Neurons: inputs white, the others filled with their bias.
    const biasScale = Math.max(1e-12, ...layers.flatMap((l) => l.b.map(Math.abs)));
    sizes.forEach((n, l) => {
      for (let j = 0; j < n; j++) {
        const b = l === 0 ? null : layers[l - 1].b[j];
        const fill = b === null ? "#ffffff" : color(b, biasScale);
        g.beginPath();
        g.arc(x(l), y(l, j), radius, 0, 2 * Math.PI);
        g.fillStyle = fill;
        g.fill();
        g.lineWidth = 1.2;
        g.strokeStyle = INK;
        g.stroke();
        drawn.units.push({ layer: l, index: j, x: x(l), y: y(l, j), r: radius, b, color: fill });
      }
    });
    // Column names under the columns, the inputs beside their units.
    g.font = `${theme.font}px ${FONT_FAMILY}`;
    g.fillStyle = INK;
    g.textAlign = "center";
    g.textBaseline = "bottom";
    const names = (short) => sizes.map((_, l) => (l === 0 ? t(short ? "network.diagram.x" : "network.diagram.inputs")
      : l === sizes.length - 1 ? t("network.layer_output") : short ? String(l) : t("network.layer", { n: l })));
    // Columns too close for "layer 3": the layers by number.
    const long = names(false);
    const room = x(1) - x(0) - 6;
    const fits = long.slice(0, -1).every((name) => g.measureText(name).width <= room);
    (fits ? long : names(true)).forEach((name, l) => g.fillText(name, x(l), top - 4));
    g.textAlign = "right";
    g.textBaseline = "middle";
    ["x₁", "x₂"].forEach((name, j) => g.fillText(name, x(0) - radius - 3, y(0, j)));
    g.textAlign = "left";
    g.textBaseline = "bottom";
    g.fillText(t("network.diagram.legend"), 4, size.height - 2);
  });

  followBox(canvas, (next) => {
    size = next;
    draw();
  });

  return {
    /** The weights to draw and their caption; `scale`: the largest |w| of the training. */
    show(layers, scale, caption) {
      if (model && layers === model.layers && scale === model.scale && caption === model.caption) return;
      model = layers ? { layers, scale, caption } : null;
      if (!layers) canvas.drawn = null;
      draw();
    },
    redraw: () => draw(),
    element: canvas,
  };
}
