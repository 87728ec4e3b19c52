// The Trainability view's state: defaults, the declarative table behind its URL, the body of
// POST /api/train/sweep, the limits a map must keep, and the /network address of one cell.
import { codecs, urlCodec } from "../state.js";
import {
  MAX_LAYERS,
  MAX_UNITS,
  NETWORK_FIELDS,
  DEFAULTS as NETWORK_DEFAULTS,
  encode as encodeNetwork,
} from "../network/state.js";

const { number, entry } = codecs;

// Full-batch GD on a small tanh network fitting a regression, both layers' rates on the axes, as in
// Sohl-Dickstein 2024: a squared loss lets a training blow up (a classifier's cross-entropy gradient is
// bounded, so its weights only drift), and the default ranges hold the border between the two.
export const DEFAULTS = Object.freeze({
  dataset: { name: "linear", n: 50, noise: 0.1, seed: 0 },
  hidden: [8],
  activation: "tanh",
  init: "xavier",
  initScale: 1,
  modelSeed: 0,
  optimizer: { name: "sgd", params: { lr: 0.1 } },
  steps: 200,
  batchSize: null,
  x: { param: "lr_scale[0]", range: [1, 1000] },
  y: { param: "lr_scale[1]", range: [0.5, 50] },
  resolution: 64,
});
// Where an axis starts when the reader picks its parameter anew (or resets a zoom the address came with).
export const START_RANGES = { lr: [1e-3, 10], lr_scale: [0.1, 100] };

export { MAX_LAYERS, MAX_UNITS };
export const MAX_RESOLUTION = 128;
// A layer's factor is in (0, 1e3] (README, "Per-layer learning rates"); lr's own bound is the optimizer's.
export const MAX_SCALE = 1e3;
export const MAX_LR = 1e3;


// An axis, "ls0:0.1:100" (lr_scale[0] from 0.1 to 100) or "lr:0.001:10".
const axis = {
  parse(value) {
    const [name, lo, hi, ...more] = value.split(":");
    const match = /^(?:lr|ls(\d))$/.exec(name ?? "");
    const range = [Number(lo), Number(hi)];
    if (!match || more.length || !validRange(range)) return undefined;
    return { param: match[1] === undefined ? "lr" : `lr_scale[${match[1]}]`, range };
  },
  format: ({ param, range }) => [param === "lr" ? "lr" : `ls${layerOf(param)}`, ...range].join(":"),
};

const FIELDS = [
  ...NETWORK_FIELDS,
  { key: "o", path: "optimizer", codec: entry },
  { key: "n", path: "steps", codec: number(1, 20000, true) },
  { key: "bs", path: "batchSize", codec: number(1, 2000, true) },
  { key: "x", path: "x", codec: axis },
  { key: "y", path: "y", codec: axis },
  { key: "res", path: "resolution", codec: number(2, MAX_RESOLUTION, true) },
];

const codec = urlCodec(FIELDS, DEFAULTS);
export const encode = codec.encode;

/** The state of an address; an axis on a layer the network lacks moves to the output layer. */
export function decode(search) {
  const state = codec.decode(search);
  return { ...state, x: fitAxis(state.x, state.hidden), y: fitAxis(state.y, state.hidden) };
}

/** With the catalogs: an unknown dataset or optimizer (or one that needs the Hessian) falls back to the default,
 * and an optimizer keeps only the parameters it has. */
export function sanitize(state, { optimizers, datasets }) {
  const out = { ...state };
  if (!datasets.some((d) => d.name === state.dataset.name)) out.dataset = { ...state.dataset, name: DEFAULTS.dataset.name };
  const meta = optimizers.find((o) => o.name === state.optimizer.name && !o.needs_hessian);
  if (!meta) out.optimizer = structuredClone(DEFAULTS.optimizer);
  else {
    const names = meta.params.map((p) => p.name);
    const params = Object.fromEntries(Object.entries(state.optimizer.params).filter(([k]) => names.includes(k)));
    out.optimizer = { name: meta.name, params: { lr: DEFAULTS.optimizer.params.lr, ...params } };
  }
  return out;
}

/** The layer index of "lr_scale[l]", or null for "lr". */
export const layerOf = (param) => (param === "lr" ? null : Number(/\[(\d+)\]/.exec(param)[1]));

/** The parameters an axis may take for a network with these hidden layers: lr, then every layer's factor. */
export const axisParams = (hidden) => ["lr", ...Array.from({ length: hidden.length + 1 }, (_, l) => `lr_scale[${l}]`)];

export function fitAxis(axis, hidden) {
  const layer = layerOf(axis.param);
  return layer === null || layer <= hidden.length ? axis : { ...axis, param: `lr_scale[${hidden.length}]` };
}

export const upperBound = (param) => (param === "lr" ? MAX_LR : MAX_SCALE);

function validRange([lo, hi]) {
  return Number.isFinite(lo) && Number.isFinite(hi) && lo > 0 && hi > lo;
}

/** Why this state cannot be sent (a message key and its parameters), or null. `limits` are the server's:
 * {cells, work} (cells ≤ cells, cells × steps ≤ work). */
export function refusal(state, limits) {
  if (state.x.param === state.y.param) return ["trainability.same_axes", {}];
  for (const { param, range } of [state.x, state.y]) {
    if (!validRange(range) || range[1] > upperBound(param)) return ["trainability.bad_range", {}];
  }
  const n = state.resolution;
  const cells = n * n;
  if (cells > limits.cells) return ["trainability.over_cells", { n, cells, limit: limits.cells }];
  if (cells * state.steps > limits.work) {
    return ["trainability.over_work", { cells, steps: state.steps, work: cells * state.steps, limit: limits.work }];
  }
  return null;
}

/** The body of POST /api/train/sweep for this state: x is axes[0] (the columns), y is axes[1] (the rows). */
export function sweepBody(state) {
  const axisBody = ({ param, range }) => ({ param, range, n: state.resolution, log: true });
  return {
    dataset: state.dataset,
    model: { hidden: state.hidden, activation: state.activation, init: state.init, init_scale: state.initScale,
      seed: state.modelSeed },
    optimizer: { name: state.optimizer.name, params: state.optimizer.params },
    steps: state.steps,
    batch_size: state.batchSize,
    axes: [axisBody(state.x), axisBody(state.y)],
  };
}

/** The learning rate and the per-layer factors of the cell at x = xValue, y = yValue. */
export function cellSettings(state, xValue, yValue) {
  let lr = state.optimizer.params.lr;
  const scales = Array(state.hidden.length + 1).fill(1);
  for (const [{ param }, value] of [[state.x, xValue], [state.y, yValue]]) {
    if (param === "lr") lr = value;
    else scales[layerOf(param)] = value;
  }
  return { lr, scales };
}

/** The /network query that trains this cell's network alone: the same data, network, optimizer and steps,
 * with the cell's lr and per-layer factors (`lrScale`, written when /network's state knows it). */
export function networkQuery(state, xValue, yValue) {
  const { lr, scales } = cellSettings(state, xValue, yValue);
  const network = {
    ...structuredClone(NETWORK_DEFAULTS),
    dataset: state.dataset,
    hidden: state.hidden,
    activation: state.activation,
    init: state.init,
    initScale: state.initScale,
    modelSeed: state.modelSeed,
    optimizers: [{ name: state.optimizer.name, params: { ...state.optimizer.params, lr } }],
    steps: state.steps,
    batchSize: state.batchSize,
    lrScale: scales.every((s) => s === 1) ? null : scales,
  };
  return encodeNetwork(network);
}
