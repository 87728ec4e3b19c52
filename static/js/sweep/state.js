// The Sweep view's state: defaults, the declarative table behind its URL, the bodies of POST /api/sweep (one per
// optimizer on the page), the limits a map must keep, and the explorer's address of one cell.
import {
  DEFAULTS as EXPLORER_DEFAULTS,
  FIELDS as EXPLORER_FIELDS,
  codecs,
  encode as encodeExplorer,
  urlCodec,
} from "../state.js";

const { number, entry } = codecs;

// Goh's picture ("Why Momentum Really Works"): SGD's lr × momentum on an ill-conditioned bowl, coloured by the
// steps it takes to converge; the analytic rate map of the same bowl stands beside it.
export const DEFAULTS = Object.freeze({
  surface: "quadratic",
  surfaceParams: {},
  expression: "x**2 + 3*y**2",
  domain: null,
  start: null,
  optimizers: [{ name: "sgd", params: { lr: 0.01 } }],
  steps: 300,
  tol: 1e-6,
  noise: { std: 0, seed: 0 },
  clip: null,
  x: { param: "lr", range: [0.002, 0.4], n: 128, log: false },
  y: { param: "momentum", range: [0, 0.99], n: 128, log: false },
  color: "steps",
});

export const MAX_MAPS = 3; // optimizers side by side
export const MAX_N = 256; // cells per axis
export const COLORS = ["loss", "steps", "status", "basin"];
// Parameters of the run rather than of the optimizer: a map of starts (basins), of noise, of clipping.
export const RUN_PARAMS = ["start.x", "start.y", "noise.std", "clip.max_norm", "clip.value"];

// An axis: "lr:0.001:1:128:log" (param, from, to, cells, log scale) or "momentum:0:0.99:64".
const axis = {
  parse(value) {
    const parts = value.split(":");
    const [param, lo, hi, n, log, ...more] = parts;
    const range = [Number(lo), Number(hi)];
    const cells = number(2, MAX_N, true).parse(n ?? "");
    if (!/^[a-z_]+(\[[01]\]|\.[a-z_]+)?$/.test(param ?? "") || more.length || cells === undefined) return undefined;
    if (!range.every(Number.isFinite) || !(range[1] > range[0])) return undefined;
    if (log !== undefined && log !== "log") return undefined;
    return { param, range, n: cells, log: log === "log" };
  },
  format: ({ param, range, n, log }) => [param, ...range, n, ...(log ? ["log"] : [])].join(":"),
};

const color = { parse: (value) => (COLORS.includes(value) ? value : undefined), format: (value) => value };

// The surface, start, noise, clipping and tolerance are written as the explorer writes them.
const SHARED = ["s", "sp", "f", "dom", "start", "noise", "seed", "clip", "tol"];
const FIELDS = [
  ...EXPLORER_FIELDS.filter((field) => SHARED.includes(field.key)),
  { key: "o", path: "optimizers", codec: entry, repeated: true },
  { key: "n", path: "steps", codec: number(1, 100000, true) },
  { key: "x", path: "x", codec: axis },
  { key: "y", path: "y", codec: axis },
  { key: "c", path: "color", codec: color },
];

const codec = urlCodec(FIELDS, DEFAULTS);
export const encode = codec.encode;

/** The state of an address: at most three optimizers. */
export function decode(search) {
  const state = codec.decode(search);
  return { ...state, optimizers: state.optimizers.slice(0, MAX_MAPS) };
}

/** With the catalog: the surfaces of two variables only, known optimizers with only their own parameters, and
 * axes whose parameter every optimizer of the page has (else the default axes). */
export function sanitize(state, { surfaces, optimizers }) {
  const out = { ...state };
  const surface = surfaces.find((s) => s.name === state.surface && s.dims === 2);
  if (!surface && state.surface !== "custom") Object.assign(out, { surface: DEFAULTS.surface, surfaceParams: {} });
  if (surface) {
    const names = Object.keys(surface.params);
    out.surfaceParams = Object.fromEntries(Object.entries(state.surfaceParams).filter(([k]) => names.includes(k)));
  }
  const known = Object.fromEntries(optimizers.map((o) => [o.name, o]));
  out.optimizers = state.optimizers.filter((o) => known[o.name]).map((o) => {
    const names = known[o.name].params.map((p) => p.name);
    return { name: o.name, params: Object.fromEntries(Object.entries(o.params).filter(([k]) => names.includes(k))) };
  });
  if (!out.optimizers.length) out.optimizers = structuredClone(DEFAULTS.optimizers);
  const allowed = axisParams(out.optimizers, optimizers);
  if (!allowed.includes(out.x.param) || !allowed.includes(out.y.param) || out.x.param === out.y.param) {
    Object.assign(out, { x: structuredClone(DEFAULTS.x), y: structuredClone(DEFAULTS.y) });
  }
  return out;
}

/** The parameters an axis may take with these optimizers: the numeric hyperparameters every one of them has
 * (`betas[0]`, `betas[1]` for optimizers with betas), then the run's start, noise and clipping. */
export function axisParams(entries, catalogOptimizers) {
  const metas = entries.map((o) => catalogOptimizers.find((m) => m.name === o.name)).filter(Boolean);
  const own = (meta) => meta.params.flatMap((p) => (p.type === "betas" ? ["betas[0]", "betas[1]"]
    : p.type === "bool" ? [] : [p.name]));
  const [first, ...rest] = metas.map(own);
  return [...(first ?? []).filter((p) => rest.every((names) => names.includes(p))), ...RUN_PARAMS];
}

/** Where an axis starts when its parameter is picked: the catalog's slider range (log where the catalog says),
 * the surface's domain for a start, and plain ranges for noise and clipping. */
export function startingAxis(param, n, { optimizer, domain }) {
  if (param === "start.x" || param === "start.y") {
    return { param, range: [...domain[param === "start.x" ? "x" : "y"]], n, log: false };
  }
  if (param === "noise.std") return { param, range: [0, 2], n, log: false };
  if (param.startsWith("clip.")) return { param, range: [0.01, 100], n, log: true };
  const name = param.startsWith("betas") ? "betas" : param;
  const meta = optimizer?.params.find((p) => p.name === name);
  const [lo, hi] = meta?.range ?? [0, 1];
  return meta?.log ? { param, range: [lo, hi], n, log: true }
    : { param, range: [lo, Math.min(hi, 0.999)], n, log: false };
}

/** The surface reference of the state, as the API takes it. */
export function surfaceRef(state) {
  return state.surface === "custom"
    ? { expression: state.expression, ...(state.domain ? { domain: state.domain } : {}) }
    : { name: state.surface, params: state.surfaceParams };
}

/** Why this state cannot be sent (a message key and its parameters), or null. `limits` are the server's:
 * {cells, work} (cells ≤ cells, cells × steps ≤ work). */
export function refusal(state, limits) {
  if (state.x.param === state.y.param) return ["sweep.same_axes", {}];
  for (const { range, log } of [state.x, state.y]) if (log && !(range[0] > 0)) return ["sweep.log_from_zero", {}];
  const cells = state.x.n * state.y.n;
  if (cells > limits.cells) return ["sweep.over_cells", { cells, limit: limits.cells }];
  if (cells * state.steps > limits.work) {
    return ["sweep.over_work", { cells, steps: state.steps, work: cells * state.steps, limit: limits.work }];
  }
  return null;
}

/** The bodies of POST /api/sweep for this state, one per optimizer: x is axes[0] (the columns), y is axes[1]
 * (the rows). */
export function sweepBodies(state) {
  const axisBody = ({ param, range, n, log }) => ({ param, range, n, log });
  return state.optimizers.map((optimizer) => ({
    surface: surfaceRef(state),
    ...(state.start ? { start: state.start } : {}),
    steps: state.steps,
    tol: state.tol,
    optimizer: { name: optimizer.name, params: optimizer.params },
    noise: state.noise.std > 0 ? state.noise : null,
    clip: state.clip,
    axes: [axisBody(state.x), axisBody(state.y)],
  }));
}

/** The settings of one cell: the optimizer's params, start, noise and clipping with the cell's values in.
 * `surfaceStart`: the start when the state has none; `defaultBetas`: the optimizer's betas when its entry has none. */
export function cellSettings(state, index, xValue, yValue, { surfaceStart, defaultBetas = [0.9, 0.999] }) {
  const optimizer = structuredClone(state.optimizers[index]);
  const start = [...(state.start ?? surfaceStart)];
  let noise = { ...state.noise };
  let clip = state.clip;
  for (const [{ param }, value] of [[state.x, xValue], [state.y, yValue]]) {
    const beta = /^betas\[([01])\]$/.exec(param);
    if (param === "start.x") start[0] = value;
    else if (param === "start.y") start[1] = value;
    else if (param === "noise.std") noise = { ...noise, std: value };
    else if (param === "clip.max_norm") clip = { max_norm: value };
    else if (param === "clip.value") clip = { value };
    else if (beta) {
      const betas = [...(optimizer.params.betas ?? defaultBetas)];
      betas[Number(beta[1])] = value;
      optimizer.params.betas = betas;
    } else optimizer.params[param] = value;
  }
  return { optimizer, start, noise, clip };
}

/** The explorer's query that runs this cell alone: the same surface, start, optimizer with the cell's values,
 * steps, tolerance, noise and clipping. */
export function explorerQuery(state, index, xValue, yValue, context) {
  const { optimizer, start, noise, clip } = cellSettings(state, index, xValue, yValue, context);
  return encodeExplorer({
    ...structuredClone(EXPLORER_DEFAULTS),
    surface: state.surface,
    surfaceParams: state.surfaceParams,
    expression: state.expression,
    domain: state.domain,
    start,
    optimizers: [optimizer],
    steps: state.steps,
    tol: state.tol,
    noise,
    clip,
  });
}
