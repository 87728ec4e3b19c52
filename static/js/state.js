// The view's state: defaults, one declarative table that drives both the URL
// encoding and its decoding, and a small store. Everything here is pure but the store.

export const DEFAULTS = Object.freeze({
  surface: "rosenbrock",
  surfaceParams: {},
  expression: "x**2 + 3*y**2",
  domain: null, // a formula's plot range {x: [lo, hi], y: [lo, hi]}; null: x, y ∈ [−3, 3]
  start: null, // null: the surface's own start
  // No labels: the legend names runs from the catalog, in the reader's language (labels.js).
  optimizers: [
    { name: "sgd", params: { lr: 0.001 } },
    { name: "sgd", params: { lr: 0.001, momentum: 0.9 } },
    { name: "adam", params: { lr: 0.05 } },
  ],
  steps: 500,
  every: 1,
  schedule: { name: "constant" },
  clip: null, // {max_norm} or {value}
  noise: { std: 0, seed: 0 },
  l1: 0,
  l2: 0,
  tol: 0,
  // Mini-batches, on data surfaces only (a catalog surface of kind "data"); size null: the full batch.
  batch: { size: null, seed: 0, replace: false },
  // why: the "Why" panel (curvature at the start, the cursor, the minima); inside: the optimizer's own
  // state drawn at the cursor; momentumMap: the rate map of momentum in the panel; whyPoint: the point the
  // panel explains ("start", "cursor", "min<k>" or "saddle<k>": the surface's minimum or saddle k);
  // whyRun: the run it follows (null: the first SGD run, else the first run).
  view: { threeD: false, logColor: true, speed: 1, wholePath: false, why: false, inside: false, momentumMap: false,
    whyPoint: "min0", whyRun: null },
  cursor: null, // the step shown; null: the end
});

const number = (min = -Infinity, max = Infinity, integer = false) => ({
  parse(text) {
    const value = Number(text);
    if (text === "" || !Number.isFinite(value) || value < min || value > max) return undefined;
    if (integer && !Number.isInteger(value)) return undefined;
    return value;
  },
  format: (value) => String(value),
});

const bool = {
  parse: (text) => (text === "1" ? true : text === "0" ? false : undefined),
  format: (value) => (value ? "1" : "0"),
};

const text = (maxLength) => ({
  parse: (value) => (value.length <= maxLength ? value : undefined),
  format: (value) => value,
});

// The point the "Why" panel explains: the start, the cursor's point, or minimum (saddle) k of the surface.
const whyPoint = {
  parse: (value) => (/^(start|cursor|(min|saddle)([0-9]|1[0-5]))$/.test(value) ? value : undefined),
  format: (value) => value,
};

// "a:1,b:100" <-> {a: 1, b: 100}
const numberMap = {
  parse(value) {
    const out = {};
    for (const part of value.split(",")) {
      const [key, raw] = part.split(":");
      const parsed = number().parse(raw ?? "");
      if (!key || parsed === undefined) return undefined;
      out[key] = parsed;
    }
    return out;
  },
  format: (map) =>
    Object.entries(map)
      .map(([k, v]) => `${k}:${v}`)
      .join(","),
};

const pair = {
  parse(value) {
    const parts = value.split(",").map((p) => number(-1e6, 1e6).parse(p));
    return parts.length === 2 && parts.every((p) => p !== undefined) ? parts : undefined;
  },
  format: (value) => value.join(","),
};

// "x0,x1,y0,y1" <-> {x: [x0, x1], y: [y0, y1]}: the plotted box of a formula.
const box = {
  parse(value) {
    const parts = value.split(",").map((p) => number(-1e6, 1e6).parse(p));
    if (parts.length !== 4 || parts.some((p) => p === undefined)) return undefined;
    const [x0, x1, y0, y1] = parts;
    return x0 < x1 && y0 < y1 ? { x: [x0, x1], y: [y0, y1] } : undefined;
  },
  format: (value) => [...value.x, ...value.y].join(","),
};

// Hyperparameter values in an optimizer or schedule entry: numbers, booleans, [b1, b2].
function parseValue(raw) {
  if (raw === "true" || raw === "false") return raw === "true";
  if (raw.includes(",")) {
    const list = raw.split(",").map(Number);
    return list.every(Number.isFinite) ? list : undefined;
  }
  const value = Number(raw);
  return raw !== "" && Number.isFinite(value) ? value : undefined;
}

// "name;key=value;key=value" <-> {name, ...fields}; `label=` is kept as text.
const entry = {
  parse(value) {
    const [name, ...fields] = value.split(";");
    if (!/^[a-z_]+$/.test(name)) return undefined;
    const out = { name, params: {} };
    for (const field of fields) {
      const cut = field.indexOf("=");
      const key = field.slice(0, cut);
      const raw = field.slice(cut + 1);
      if (cut <= 0) return undefined;
      if (key === "label") {
        out.label = raw.slice(0, 80);
        continue;
      }
      const parsed = parseValue(raw);
      if (parsed === undefined) return undefined;
      out.params[key] = parsed;
    }
    return out;
  },
  // `extra`: more key=value fields, written after the parameters and before the label.
  format({ name, params = {}, label }, extra = []) {
    const fields = Object.entries(params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`);
    fields.push(...extra);
    if (label) fields.push(`label=${label.replaceAll(";", ",")}`);
    return [name, ...fields].join(";");
  },
};

const schedule = {
  parse(value) {
    const parsed = entry.parse(value);
    return parsed && { name: parsed.name, ...parsed.params };
  },
  format: ({ name, ...params }) => entry.format({ name, params }),
};

const clip = {
  parse(value) {
    const [kind, raw] = value.split(":");
    const limit = number(0).parse(raw ?? "");
    if (!limit || !["norm", "value"].includes(kind)) return undefined;
    return kind === "norm" ? { max_norm: limit } : { value: limit };
  },
  format: (value) => ("max_norm" in value ? `norm:${value.max_norm}` : `value:${value.value}`),
};

// A run's own settings inside its optimizer entry, each one key=value field: the value, or "off" (for
// the batch, "full") to turn the request's setting off for that run; no field: the run inherits it.
//   sch=cosine  sch=step,step_size:100,gamma:0.5   clip=norm:1  clip=value:0.5  clip=off
//   noise=0.5  noise=off   reg=l1:0.1  reg=l1:0.1,l2:0.01  reg=off   bs=10  bs=10,replace  bs=full
const orOff = (codec, off = "off") => ({
  parse: (raw) => (raw === off ? null : codec.parse(raw)),
  format: (value) => (value === null ? off : codec.format(value)),
});

const ownSchedule = {
  parse(value) {
    const [name, ...params] = value.split(",");
    if (!/^[a-z_]+$/.test(name)) return undefined;
    const parsed = params.length ? numberMap.parse(params.join(",")) : {};
    return parsed && { name, ...parsed };
  },
  format: ({ name, ...params }) => [name, ...(Object.keys(params).length ? [numberMap.format(params)] : [])].join(","),
};

const ownNoise = {
  parse(value) {
    const std = number(0).parse(value);
    return std === undefined ? undefined : { std };
  },
  format: ({ std }) => String(std),
};

const ownPenalty = {
  parse(value) {
    const parsed = numberMap.parse(value);
    const keys = Object.keys(parsed ?? {});
    if (!parsed || keys.some((k) => !["l1", "l2"].includes(k) || parsed[k] < 0)) return undefined;
    return { l1: parsed.l1 ?? 0, l2: parsed.l2 ?? 0 };
  },
  format: ({ l1, l2 }) => numberMap.format(l2 ? (l1 ? { l1, l2 } : { l2 }) : { l1 }),
};

const ownBatch = {
  parse(value) {
    const [raw, flag, ...more] = value.split(",");
    const size = number(1, 2000, true).parse(raw);
    if (size === undefined || more.length || (flag !== undefined && flag !== "replace")) return undefined;
    return { size, replace: flag === "replace" };
  },
  format: ({ size, replace }) => (replace ? `${size},replace` : String(size)),
};

// Field key in the entry -> the optimizer entry's (and the API's) key.
export const RUN_SETTINGS = {
  sch: { key: "schedule", codec: ownSchedule },
  clip: { key: "clip", codec: orOff(clip) },
  noise: { key: "noise", codec: orOff(ownNoise) },
  reg: { key: "regularization", codec: orOff(ownPenalty) },
  bs: { key: "batch", codec: orOff(ownBatch, "full") },
};

// An optimizer entry with the run's own settings: "sgd;lr=0.1;sch=cosine;clip=norm:1".
const runEntry = {
  parse(value) {
    const [name, ...fields] = value.split(";");
    const own = {};
    const rest = [];
    for (const field of fields) {
      const cut = field.indexOf("=");
      const setting = cut > 0 ? RUN_SETTINGS[field.slice(0, cut)] : undefined;
      if (!setting) {
        rest.push(field);
        continue;
      }
      const parsed = setting.codec.parse(field.slice(cut + 1));
      if (parsed === undefined) return undefined;
      own[setting.key] = parsed;
    }
    const out = entry.parse([name, ...rest].join(";"));
    return out && { ...out, ...own };
  },
  format(value) {
    const own = Object.entries(RUN_SETTINGS)
      .filter(([, { key }]) => key in value)
      .map(([field, { key, codec }]) => `${field}=${codec.format(value[key])}`);
    return entry.format(value, own);
  },
};

// The table: query key, state path, codec. Repeated keys hold lists.
export const FIELDS = [
  { key: "s", path: "surface", codec: text(40) },
  { key: "sp", path: "surfaceParams", codec: numberMap },
  { key: "f", path: "expression", codec: text(300) },
  { key: "start", path: "start", codec: pair },
  { key: "dom", path: "domain", codec: box },
  { key: "o", path: "optimizers", codec: runEntry, repeated: true },
  { key: "n", path: "steps", codec: number(1, 100000, true) },
  { key: "every", path: "every", codec: number(1, 100000, true) },
  { key: "sch", path: "schedule", codec: schedule },
  { key: "clip", path: "clip", codec: clip },
  { key: "noise", path: "noise.std", codec: number(0) },
  { key: "seed", path: "noise.seed", codec: number(0, 2 ** 32 - 1, true) },
  { key: "l1", path: "l1", codec: number(0) },
  { key: "l2", path: "l2", codec: number(0) },
  { key: "tol", path: "tol", codec: number(0) },
  { key: "bs", path: "batch.size", codec: number(1, 2000, true) },
  { key: "bseed", path: "batch.seed", codec: number(0, 2 ** 32 - 1, true) },
  { key: "brep", path: "batch.replace", codec: bool },
  { key: "3d", path: "view.threeD", codec: bool },
  { key: "log", path: "view.logColor", codec: bool },
  { key: "speed", path: "view.speed", codec: number(0.05, 100) },
  { key: "whole", path: "view.wholePath", codec: bool },
  { key: "why", path: "view.why", codec: bool },
  { key: "inside", path: "view.inside", codec: bool },
  { key: "mm", path: "view.momentumMap", codec: bool },
  { key: "wp", path: "view.whyPoint", codec: whyPoint },
  { key: "wr", path: "view.whyRun", codec: number(0, 15, true) },
  { key: "k", path: "cursor", codec: number(0, 100000, true) },
];

const read = (state, path) => path.split(".").reduce((node, key) => node?.[key], state);

function write(state, path, value) {
  const [head, ...rest] = path.split(".");
  return { ...state, [head]: rest.length ? write(state[head] ?? {}, rest.join("."), value) : value };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The URL codec of a table of fields and its defaults: both directions pure. */
export function urlCodec(fields, defaults) {
  return {
    // state -> query string; only what differs from the defaults is written.
    encode(state) {
      const query = new URLSearchParams();
      for (const { key, path, codec, repeated } of fields) {
        const value = read(state, path);
        if (value === null || value === undefined || same(value, read(defaults, path))) continue;
        for (const item of repeated ? value : [value]) query.append(key, codec.format(item));
      }
      return query.toString();
    },
    // query string -> state; anything missing or invalid falls back to its default.
    decode(search) {
      const query = new URLSearchParams(search);
      let state = structuredClone(defaults);
      for (const { key, path, codec, repeated } of fields) {
        const raw = query.getAll(key);
        if (!raw.length) continue;
        const values = raw.map((r) => codec.parse(r));
        if (values.some((v) => v === undefined)) continue;
        state = write(state, path, repeated ? values.slice(0, 16) : values[0]);
      }
      return state;
    },
  };
}

export const codecs = { number, bool, text, entry, schedule, clip, runEntry };
const explorer = urlCodec(FIELDS, DEFAULTS);
export const encode = explorer.encode;

/** With a catalog, unknown surfaces, optimizers and schedules fall back to the defaults too. */
export function decode(search, catalog = null) {
  const state = explorer.decode(search);
  return catalog ? sanitize(state, catalog) : state;
}

function sanitize(state, { surfaces, optimizers, schedules }) {
  const out = { ...state };
  const surface = surfaces.find((s) => s.name === state.surface);
  if (!surface && state.surface !== "custom") Object.assign(out, { surface: DEFAULTS.surface, surfaceParams: {} });
  if (surface) out.surfaceParams = pick(state.surfaceParams, Object.keys(surface.params));
  const known = Object.fromEntries(optimizers.map((o) => [o.name, o]));
  const schedule = (value) => {
    const plan = schedules.find((s) => s.name === value?.name);
    return plan && { name: plan.name, ...pick(value, plan.params.map((p) => p.name)) };
  };
  const batches = isDataSurface(out.surface, surfaces);
  out.optimizers = state.optimizers
    .filter((o) => known[o.name])
    .map((o) => {
      const entry = { ...o, params: pick(o.params, known[o.name].params.map((p) => p.name)) };
      // An unknown schedule inherits the request's; batches exist only on data surfaces.
      if (o.schedule) entry.schedule = schedule(o.schedule);
      if (entry.schedule === undefined) delete entry.schedule;
      if (!batches) delete entry.batch;
      return entry;
    });
  if (!out.optimizers.length) out.optimizers = structuredClone(DEFAULTS.optimizers);
  out.schedule = schedule(state.schedule) ?? { ...DEFAULTS.schedule };
  if (!batches) out.batch = { ...DEFAULTS.batch };
  return out;
}

const pick = (object, keys) => Object.fromEntries(Object.entries(object ?? {}).filter(([k]) => keys.includes(k)));

/** Whether the surface is defined by data points (then runs can take mini-batches of them). */
export const isDataSurface = (name, surfaces) => surfaces.some((s) => s.name === name && s.kind === "data");

// Each optimizer entry as the API takes it: the run's own settings beside its name and params, null
// where the run turns the request's setting off, absent where it inherits it.
const runEntryBody = (o) => ({
  name: o.name,
  params: o.params,
  label: o.label || undefined,
  ...Object.fromEntries(Object.values(RUN_SETTINGS).filter(({ key }) => key in o).map(({ key }) => [key, o[key]])),
});

/** The body of POST /api/run for this state. Batch settings are only in the state of a data surface
 * (decode with the catalog and the surface picker clear them elsewhere). */
export function runBody(state) {
  const optimizers = state.optimizers.map(runEntryBody);
  const batch = state.batch ?? DEFAULTS.batch;
  const owns = (key) => optimizers.some((o) => o[key]);
  const body = {
    surface:
      state.surface === "custom"
        ? { expression: state.expression, ...(state.domain ? { domain: state.domain } : {}) }
        : { name: state.surface, params: state.surfaceParams },
    steps: state.steps,
    every: state.every,
    tol: state.tol,
    optimizers,
    schedule: state.schedule,
    // A run's own noise draws from the request's sequence: its seed goes along.
    noise: state.noise.std > 0 || owns("noise") ? state.noise : undefined,
    regularization: state.l1 || state.l2 ? { l1: state.l1, l2: state.l2 } : undefined,
    clip: state.clip ?? undefined,
  };
  if (state.start) body.start = state.start;
  const batched = optimizers.some((o) => ("batch" in o ? o.batch : batch.size));
  if (batched) {
    // The seed of every run's batches is the request's: with full batches for the request, its
    // batch comes from the first run that has its own, and runs that inherit say "full" (null).
    const own = optimizers.find((o) => o.batch);
    body.batch = batch.size
      ? { size: batch.size, seed: batch.seed, replace: batch.replace }
      : { size: own.batch.size, seed: batch.seed, replace: own.batch.replace };
    if (!batch.size) for (const o of optimizers) if (!("batch" in o)) o.batch = null;
    body.include_batches = true;
  }
  return body;
}

/** One store: set(patch) merges, subscribers hear (state, patch). */
export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...patch };
      for (const listener of listeners) listener(state, patch);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
