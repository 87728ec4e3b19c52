// The Network view's state: defaults and the declarative table behind its URL.
import { codecs, urlCodec } from "../state.js";

const { number, text, entry, schedule, clip } = codecs;

export const DEFAULTS = Object.freeze({
  dataset: { name: "spiral", n: 200, noise: 0.05, seed: 0 },
  hidden: [8, 8],
  activation: "tanh",
  init: "xavier",
  initScale: 1,
  modelSeed: 0,
  optimizer: { name: "adam", params: { lr: 0.03 } },
  steps: 1000,
  batchSize: null,
  l2: 0,
  dropout: 0,
  clip: null,
  schedule: { name: "constant" },
  recordEvery: 10,
  landscape: "pca",
  view: { speed: 1 },
  cursor: null,
});

// "8,8" <-> [8, 8]: 1 to 4 layers of 1 to 64 units
const layers = {
  parse(value) {
    const units = value.split(",").map(Number);
    const ok = units.length <= 4 && units.every((u) => Number.isInteger(u) && u >= 1 && u <= 64);
    return ok && value !== "" ? units : undefined;
  },
  format: (units) => units.join(","),
};

const FIELDS = [
  { key: "ds", path: "dataset.name", codec: text(20) },
  { key: "dn", path: "dataset.n", codec: number(4, 2000, true) },
  { key: "noise", path: "dataset.noise", codec: number(0, 5) },
  { key: "dseed", path: "dataset.seed", codec: number(0, 2 ** 32 - 1, true) },
  { key: "h", path: "hidden", codec: layers },
  { key: "act", path: "activation", codec: text(20) },
  { key: "init", path: "init", codec: text(20) },
  { key: "iscale", path: "initScale", codec: number(1e-6, 100) },
  { key: "mseed", path: "modelSeed", codec: number(0, 2 ** 32 - 1, true) },
  { key: "o", path: "optimizer", codec: entry },
  { key: "n", path: "steps", codec: number(1, 20000, true) },
  { key: "bs", path: "batchSize", codec: number(1, 2000, true) },
  { key: "l2", path: "l2", codec: number(0) },
  { key: "drop", path: "dropout", codec: number(0, 0.95) },
  { key: "clip", path: "clip", codec: clip },
  { key: "sch", path: "schedule", codec: schedule },
  { key: "r", path: "recordEvery", codec: number(1, 20000, true) },
  { key: "land", path: "landscape", codec: text(10) },
  { key: "speed", path: "view.speed", codec: number(0.05, 100) },
  { key: "k", path: "cursor", codec: number(0, 2001, true) },
];

export const { encode, decode } = urlCodec(FIELDS, DEFAULTS);

// The parts an embed can hide with `hide=` (page.js hiddenParts), and the plots of the side column.
export const HIDEABLE = ["loss", "accuracy", "grads", "weights", "landscape", "side", "player"];
export const SIDE_PLOTS = ["loss", "accuracy", "grads", "weights"];

/** The body of POST /api/train for this state. */
export function trainBody(state) {
  return {
    dataset: state.dataset,
    model: { hidden: state.hidden, activation: state.activation, init: state.init, init_scale: state.initScale,
      seed: state.modelSeed },
    optimizer: { name: state.optimizer.name, params: state.optimizer.params },
    steps: state.steps,
    batch_size: state.batchSize,
    l2: state.l2,
    dropout: state.dropout,
    clip: state.clip ?? undefined,
    schedule: state.schedule.name === "constant" ? undefined : state.schedule,
    record_every: Math.max(state.recordEvery, Math.ceil(state.steps / 2000)),
    boundary: { n: 50 },
    landscape: { n: 25, span: 1.0, method: state.landscape },
  };
}
