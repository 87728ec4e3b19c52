// The Network view's state: defaults and the declarative table behind its URL.
import { codecs, urlCodec } from "../state.js";

const { number, bool, text, entry, schedule, clip } = codecs;

export const MAX_LAYERS = 8; // hidden layers: deep enough to watch gradients vanish (README, "Tiny networks")
export const MAX_UNITS = 64;
export const MAX_RUNS = 8; // optimizers of one race
export const PANELS = ["landscape", "diagram", "layers"]; // what the hero's right panel shows
export const MAX_LR_SCALE = 1000; // a layer's learning-rate factor, as /api/train takes it
// The weights of every record are asked for only while network size × records × runs stays at or below this:
// at about 20 characters a number in the stream, 2 000 000 numbers are some 40 MB to send, parse and keep
// in the page. Beyond it the diagram has the first and last weights only (`include_weights`).
export const MAX_RECORDED_WEIGHTS = 2_000_000;
export const ACTIVATIONS = ["tanh", "relu", "sigmoid", "leaky_relu", "linear"];
export const INITS = ["xavier", "he", "normal"];
export const MAX_INIT_SCALE = 100; // the `normal` init's σ, as /api/train takes it

export const DEFAULTS = Object.freeze({
  dataset: { name: "spiral", n: 200, noise: 0.05, seed: 0 },
  hidden: [8, 8],
  activation: "tanh",
  init: "xavier",
  initScale: 1,
  modelSeed: 0,
  // One entry trains one network; several race from the same initial weights on the same batches.
  optimizers: [{ name: "adam", params: { lr: 0.03 } }],
  steps: 1000,
  batchSize: null,
  l2: 0,
  dropout: 0,
  testFraction: 0,
  clip: null,
  schedule: { name: "constant" },
  lrScale: null, // one learning-rate factor per layer, hidden layers then output; null: all 1
  recordEvery: 10,
  landscape: "pca",
  sharpness: false,
  view: { speed: 1, panel: "landscape", run: 0 },
  cursor: null,
});

/** Whether `units` is a list of hidden layers the API takes. */
export const validLayers = (units) =>
  units.length >= 1 && units.length <= MAX_LAYERS && units.every((u) => Number.isInteger(u) && u >= 1 && u <= MAX_UNITS);

// "8,8" <-> [8, 8]: 1 to 8 layers of 1 to 64 units
const layers = {
  parse(value) {
    const units = value.split(",").map(Number);
    return value !== "" && validLayers(units) ? units : undefined;
  },
  format: (units) => units.join(","),
};

// "1,0.5,2" <-> [1, 0.5, 2]: a factor per layer in (0, 1000] (decode checks the count against the layers)
const factors = {
  parse(value) {
    const scales = value.split(",").map((v) => (v.trim() === "" ? NaN : Number(v)));
    return validScales(scales) ? scales : undefined;
  },
  format: (scales) => scales.join(","),
};

/** Whether `scales` are learning-rate factors the API takes (any count: the layers decide it). */
export const validScales = (scales) => scales.length >= 1 && scales.every((f) => f > 0 && f <= MAX_LR_SCALE);

const choice = (options) => ({
  parse: (value) => (options.includes(value) ? value : undefined),
  format: (value) => value,
});

// A run's own network inside its optimizer entry (README, "A different network per run"): activation, init
// and the normal init's σ, e.g. "sgd;lr=0.1;act=relu;init=he". No optimizer has a hyperparameter of these
// names; an entry without them inherits the network above, as every address did before.
const MODEL_FIELDS = {
  act: { key: "activation", codec: choice(ACTIVATIONS) },
  init: { key: "init", codec: choice(INITS) },
  iscale: { key: "init_scale", codec: number(1e-6, MAX_INIT_SCALE) },
};

const runEntry = {
  parse(value) {
    const [name, ...fields] = value.split(";");
    const model = {};
    const rest = [];
    for (const field of fields) {
      const cut = field.indexOf("=");
      const own = cut > 0 ? MODEL_FIELDS[field.slice(0, cut)] : undefined;
      if (!own) {
        rest.push(field);
        continue;
      }
      const parsed = own.codec.parse(field.slice(cut + 1));
      if (parsed === undefined) return undefined;
      model[own.key] = parsed;
    }
    const out = entry.parse([name, ...rest].join(";"));
    return out && (Object.keys(model).length ? { ...out, model } : out);
  },
  format(value) {
    const own = Object.entries(MODEL_FIELDS).filter(([, { key }]) => value.model?.[key] !== undefined)
      .map(([field, { key, codec }]) => `${field}=${codec.format(value.model[key])}`);
    return entry.format(value, own);
  },
};

// The data and the network, as every page that trains networks writes them in its address (the
// Trainability view too, so that a cell opens here as it was).
export const NETWORK_FIELDS = [
  { key: "ds", path: "dataset.name", codec: text(20) },
  { key: "dn", path: "dataset.n", codec: number(4, 2000, true) },
  { key: "noise", path: "dataset.noise", codec: number(0, 5) },
  { key: "dseed", path: "dataset.seed", codec: number(0, 2 ** 32 - 1, true) },
  { key: "h", path: "hidden", codec: layers },
  { key: "act", path: "activation", codec: text(20) },
  { key: "init", path: "init", codec: text(20) },
  { key: "iscale", path: "initScale", codec: number(1e-6, 100) },
  { key: "mseed", path: "modelSeed", codec: number(0, 2 ** 32 - 1, true) },
];

// `o` is repeated, one per run: an address of one `o` is one training, as it always was.
const FIELDS = [
  ...NETWORK_FIELDS,
  { key: "o", path: "optimizers", codec: runEntry, repeated: true },
  { key: "n", path: "steps", codec: number(1, 20000, true) },
  { key: "bs", path: "batchSize", codec: number(1, 2000, true) },
  { key: "l2", path: "l2", codec: number(0) },
  { key: "drop", path: "dropout", codec: number(0, 0.95) },
  { key: "test", path: "testFraction", codec: number(0, 0.5) },
  { key: "clip", path: "clip", codec: clip },
  { key: "sch", path: "schedule", codec: schedule },
  { key: "ls", path: "lrScale", codec: factors },
  { key: "r", path: "recordEvery", codec: number(1, 20000, true) },
  { key: "land", path: "landscape", codec: text(10) },
  { key: "sharp", path: "sharpness", codec: bool },
  { key: "speed", path: "view.speed", codec: number(0.05, 100) },
  { key: "panel", path: "view.panel", codec: choice(PANELS) },
  { key: "run", path: "view.run", codec: number(0, MAX_RUNS - 1, true) },
  { key: "k", path: "cursor", codec: number(0, 2001, true) },
];

const codec = urlCodec(FIELDS, DEFAULTS);
export const encode = codec.encode;

/** The state of a query; a race keeps its first MAX_RUNS entries and its selected run is one of them; factors
 * per layer whose count is not the layers' (hidden + output) are dropped. */
export function decode(search) {
  const state = codec.decode(search);
  const optimizers = state.optimizers.slice(0, MAX_RUNS);
  const run = Math.min(state.view.run, optimizers.length - 1);
  const lrScale = state.lrScale?.length === state.hidden.length + 1 ? state.lrScale : null;
  return { ...state, optimizers, lrScale, view: { ...state.view, run } };
}

// The parts an embed can hide with `hide=` (page.js hiddenParts), and the plots of the side column: its
// fourth is the weight norms, or the sharpness when the training measures it.
export const HIDEABLE = ["loss", "accuracy", "grads", "weights", "sharpness", "landscape", "side", "player"];
export const sidePlots = (state) => ["loss", "accuracy", "grads", state.sharpness ? "sharpness" : "weights"];

/** The number of weights and biases of the network: Σ (fan_in + 1)·fan_out, from the 2 inputs to the 1 output. */
export function networkSize(hidden) {
  const sizes = [2, ...hidden, 1];
  return sizes.slice(1).reduce((total, fanOut, l) => total + (sizes[l] + 1) * fanOut, 0);
}

const recordEvery = (state) => Math.max(state.recordEvery, Math.ceil(state.steps / 2000));

/** Whether the training asks for every record's weights (the diagram then follows the cursor). */
export function recordsWeights(state) {
  const records = Math.floor(state.steps / recordEvery(state)) + 2; // step 0, every k-th, and a last one
  return networkSize(state.hidden) * records * state.optimizers.length <= MAX_RECORDED_WEIGHTS;
}

/** The network above as the API names its fields: what a run without a network of its own trains. */
export const sharedModel = (state) => ({ activation: state.activation, init: state.init, init_scale: state.initScale });

/** The fields of a run's own network that differ from the network above (the entry's `model` in a request). */
export function ownModel(state, entry) {
  const shared = sharedModel(state);
  return Object.fromEntries(Object.entries(entry.model ?? {}).filter(([key, value]) => value !== shared[key]));
}

/** The activation, init and init_scale run `entry` trains with. */
export const runModel = (state, entry) => ({ ...sharedModel(state), ...ownModel(state, entry) });

function optimizerBody(state, o) {
  const model = ownModel(state, o);
  return { name: o.name, params: o.params, ...(o.label ? { label: o.label } : {}),
    ...(Object.keys(model).length ? { model } : {}) };
}

/** The body of POST /api/train for this state: one `optimizer`, or `optimizers` for a race. One run with a
 * network of its own is that network's training (the API answers a race of one run as the same numbers). */
export function trainBody(state) {
  const race = state.optimizers.length > 1;
  const model = race ? sharedModel(state) : runModel(state, state.optimizers[0]);
  return {
    dataset: state.dataset,
    model: { hidden: state.hidden, ...model, seed: state.modelSeed },
    ...(race ? { optimizers: state.optimizers.map((o) => optimizerBody(state, o)) }
      : { optimizer: { name: state.optimizers[0].name, params: state.optimizers[0].params } }),
    steps: state.steps,
    batch_size: state.batchSize,
    l2: state.l2,
    dropout: state.dropout,
    test_fraction: state.testFraction || undefined,
    clip: state.clip ?? undefined,
    schedule: state.schedule.name === "constant" ? undefined : state.schedule,
    lr_scale: state.lrScale ?? undefined,
    record_every: recordEvery(state),
    boundary: { n: 50 },
    landscape: { n: 25, span: 1.0, method: state.landscape },
    include_weights: true, // the diagram's first and last weights
    record_weights: recordsWeights(state) || undefined, // and, when they are not too many, every record's
    sharpness: state.sharpness || undefined,
    histograms: true, // each record's activations per hidden layer (the Layers panel)
  };
}
