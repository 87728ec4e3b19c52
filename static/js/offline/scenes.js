// The data of one scene of an offline file, computed by the server as the pages compute it (the page's
// own URL codec and request body, the same endpoints), then made compact: paths thinned, decision-
// boundary frames thinned in time and space, numbers packed (pack.js). What the explorer derives for
// drawing (the objective J of a penalty and its minima, the side plots' extra lines, a curve's values)
// is derived here with the explorer's own functions, so that the player only draws.
import * as api from "../api.js";
import { t } from "../i18n.js";
import { runLabels } from "../labels.js";
import { networkLabels } from "../network/runs.js";
import { decode as decodeNetwork, trainBody } from "../network/state.js";
import { clippedNorm, sideExtras } from "../plots/companions.js";
import {
  nearestIndex, objectiveCaption, penaltyMinima, penaltyName, penaltyPlan, withPenalty,
} from "../plots/penalty.js";
import { decode, runBody } from "../state.js";
import { pack, packLists, pick, thin } from "./pack.js";

const GRID_N = 100; // the explorer's contour grid, one per surface, shared by the scenes on it
const MAX_POINTS = 2000; // points of a run: more than the plot has pixels across
const MAX_FRAMES = 50; // decision-boundary frames of a network scene: five a second over a ten-second play
const FRAME_SIDE = 34; // their grid: two in three points of the page's 50 × 50, smoothed when drawn

/** Makes the scenes of one file; `grids()` then answers the surface grids the scenes refer to by index. */
export function createSceneMaker({ catalog, signal }) {
  const fetched = new Map(); // JSON of the surface -> the promise of its grid
  const shipped = new Map(); // what a scene draws as its contour (f's grid, or J's) -> {index, data}

  function fetchGrid(surface) {
    const key = JSON.stringify(surface);
    if (!fetched.has(key)) fetched.set(key, api.grid(surface, GRID_N, signal));
    return fetched.get(key);
  }
  function ship(key, data) {
    if (!shipped.has(key)) shipped.set(key, { index: shipped.size, data });
    return shipped.get(key).index;
  }

  async function surfaces(query) {
    const state = decode(query, catalog);
    const body = runBody(state);
    const [{ surface, runs, settings }, grid] = await Promise.all([collectRun(body, signal), fetchGrid(body.surface)]);
    const known = catalog.surfaces.find((s) => s.name === surface.name); // a custom surface has no title
    const points = (list = []) => list.map(({ x, y, f }) => ({ x, y, f }));
    // Named as the explorer names them: the view's label, else the optimizer's title in the reader's language.
    const labels = runLabels(state.optimizers, catalog.optimizers, state);
    const names = runs.map((run, i) => labels[i] ?? run.label);
    const start = state.start ?? surface.start;
    const curve = surface.dims === 1;
    // A curve is f along x at the start's y (f does not depend on y): its penalties are taken there too.
    const fixedY = curve ? (start[1] ?? 0) : null;
    const plan = penaltyPlan(settings.map((run) => run.regularization ?? null));
    const jMinima = penaltyMinima(grid, plan, fixedY).map(({ x, y, f, run, name }) => ({ x, y, f, run, name }));
    const extras = sideExtras(settings, names);
    const scheduled = settings.some((s) => s.schedule?.name && s.schedule.name !== "constant");
    const fMinima = [...surface.minima, ...(surface.local_minima ?? [])];
    // With one penalty for every run the contour is J's, coloured from J's lowest value.
    const contour = () => (plan.shared
      ? ship(JSON.stringify([body.surface, plan.shared]), withPenalty(grid, plan.shared))
      : ship(JSON.stringify(body.surface), grid));
    return {
      page: "surfaces",
      grid: curve ? null : contour(),
      curve: curve ? curveValues(grid, plan, fixedY) : null,
      surface: { title: known?.title ?? null, name: surface.name, dims: surface.dims ?? 2,
        kind: surface.kind ?? "formula", variables: surface.variables ?? ["x", "y"], domain: surface.domain,
        minima: points(surface.minima),
        localMinima: points(surface.local_minima), saddles: points(surface.saddles),
        floor: Math.min(...(plan.shared ? jMinima : fMinima).map((p) => p.f)),
        data: surface.kind === "data" && surface.data ? { x: pack(surface.data.x), y: pack(surface.data.y) } : null },
      // What the picture shows of the runs' penalties (penalty.js): J's caption and minima.
      penalty: { caption: plan.shared ? objectiveCaption(plan.shared, curve) : null, minima: jMinima },
      extras,
      start,
      logColor: state.view.logColor,
      speed: state.view.speed,
      cursor: state.cursor,
      runs: runs.map((run, i) => compactRun({ ...run, label: names[i] }, extras, i, scheduled)),
    };
  }

  // A network scene: the decision boundary of the run the page shows (`run=`), and every run's loss (a race
  // draws one line each, named as the page names them; with a test split each run's test loss beside it).
  async function network(query) {
    const state = decodeNetwork(query);
    // Only what the player draws: no weights, histograms or sharpness to pay for.
    const body = { ...trainBody(state), include_weights: false, record_weights: undefined, histograms: undefined,
      sharpness: undefined };
    const { head, runs } = await collectTraining(body, state.optimizers.length, signal);
    const race = runs.length > 1;
    const labels = race ? networkLabels(state.optimizers, catalog, state) : [t("network.loss")];
    const shown = Math.min(state.view.run, runs.length - 1);
    const records = runs[shown].records;
    const kept = thin(records.length, MAX_FRAMES);
    const classification = head.task === "classification";
    const test = records.some((r) => r.test_loss !== undefined);
    // The boundary's title: whose it is in a race, and (with a test split) what the hollow points are.
    const boundary = t("network.plot.boundary");
    const whose = race ? t("network.plot.of_run", { title: boundary, run: labels[shown] }) : boundary;
    return {
      page: "network",
      task: head.task,
      data: { x1: pack(head.data.x.map((p) => p[0])), x2: pack(head.data.x.map((p) => p[1])), y: pack(head.data.y),
        test: head.data.test ?? [] },
      boundary: head.boundary && compactFrames(head.task, head.boundary, pick(records, kept)),
      shown,
      boundaryTitle: test ? t("network.plot.with_test", { title: whose }) : whose,
      testNote: test ? t("network.plot.test_note") : null,
      runs: runs.map((run, i) => ({
        label: labels[i],
        testLabel: test ? (race ? t("network.test_of", { run: labels[i] }) : t("network.test_loss")) : null,
        // A network that blew up says so in the legend, in the explorer's word for it.
        outcome: run.status === "diverged" ? "diverging" : null,
        step: pack(run.records.map((r) => r.step)),
        loss: pack(run.records.map((r) => r.loss)),
        testLoss: test ? pack(run.records.map((r) => r.test_loss)) : null,
        accuracy: classification ? pack(run.records.map((r) => r.accuracy)) : null,
      })),
      speed: state.view.speed,
      cursor: state.cursor,
    };
  }

  // The backprop step-through and the maps are live pages (their numbers come from the server as
  // the reader asks): an offline file keeps the scene's words and says where to open it.
  const backprop = (query) => ({ page: "live", live: "backprop", path: `/backprop?${query}` });
  const trainability = (query) => ({ page: "live", live: "trainability", path: `/trainability?${query}` });
  const sweep = (query) => ({ page: "live", live: "sweep", path: `/sweep?${query}` });
  const makers = { surfaces, network, backprop, trainability, sweep };
  return {
    async make(scene) {
      const maker = makers[scene.page];
      if (!maker) throw new Error(`page "${scene.page}"`);
      return maker(scene.query ?? "");
    },
    async grids() {
      const ordered = [...shipped.values()].sort((a, b) => a.index - b.index);
      return (await Promise.all(ordered.map((g) => g.data))).map(({ x, y, z }) => ({
        x: pack(x), y: pack(y), z: pack(z.flat()),
      }));
    },
  };
}

// A curve's values along x (f, and J of the shared penalty or of each run's own, named), from the grid's
// row at the start's y, as the explorer's curve draws them.
function curveValues(grid, plan, y) {
  const row = { x: grid.x, y: [y], z: [grid.z[nearestIndex(grid.y, y)]] };
  const of = (reg) => pack(withPenalty(row, reg).z[0]);
  return { x: pack(grid.x), f: pack(row.z[0]), shared: plan.shared ? of(plan.shared) : null,
    perRun: plan.perRun.map((reg) => reg && { values: of(reg),
      name: t("plots.penalty.curve_of", { penalty: penaltyName(reg) }) }) };
}

// The run as /api/run answers it, gathered from the stream the explorer reads (its chunks, concatenated,
// are /api/run's arrays).
async function collectRun(body, signal) {
  let surface = null;
  let runs = [];
  let settings = []; // what each run used, as the start line echoes it (regularization, clip, noise, batch)
  await api.streamRun(body, (line) => {
    if (line.type === "start") {
      surface = line.surface;
      settings = line.runs;
      runs = line.runs.map((r) => ({ label: r.label, x: [], y: [], loss: [], grad_norm: [], lr: [], step: [],
        batch_loss: [], batches: [] }));
    } else if (line.type === "chunk") {
      const run = runs[line.run];
      for (const key of ["x", "y", "loss", "grad_norm", "lr", "batch_loss", "batches"]) run[key].push(...(line[key] ?? []));
      run.step.push(...(line.step ?? line.x.map((_, i) => line.offset + i)));
    } else if (line.type === "end") {
      Object.assign(runs[line.run], { status: line.status, outcome: line.outcome ?? null });
    }
  }, signal);
  return { surface, runs, settings };
}

// The stream of a training (a race: its runs' records interleaved, each tagged with its `run`), per run.
async function collectTraining(body, count, signal) {
  let head = null;
  const runs = Array.from({ length: count }, () => ({ records: [], status: null }));
  await api.streamTraining(body, (line) => {
    if (line.type === "start") head = line;
    else if (line.type === "record") runs[line.run ?? 0].records.push(line);
    else if (line.type === "end") runs[line.run ?? 0].status = line.status;
  }, signal);
  return { head, runs };
}

// The run's points thinned; with them, what its scene draws besides the path: the mini-batch loss and the
// batches (one per point that has an update after it: a prefix of the points), and, when the scene shows
// the gradient norm (it has a clipping threshold), the norm and the norm clipping applied; else, when
// some run follows a schedule, the learning rates (the picture of a schedules scene).
function compactRun(run, extras, i, scheduled) {
  const kept = thin(run.x.length, MAX_POINTS);
  const column = (key) => pack(pick(run[key], kept));
  const prefix = (list) => pick(list, kept.filter((k) => k < list.length));
  const out = { label: run.label, status: run.status ?? null, outcome: run.outcome ?? null,
    step: column("step"), x: column("x"), y: column("y"), loss: column("loss") };
  if (run.batch_loss.length) out.batchLoss = pack(prefix(run.batch_loss));
  if (run.batches.length) out.batches = packLists(prefix(run.batches));
  if (scheduled && !extras.guides.length) out.lr = pack(prefix(run.lr));
  if (extras.guides.length) {
    out.gradNorm = column("grad_norm");
    const clip = extras.grad.find((c) => c.run === i);
    const applied = (g) => (g === null ? null : clippedNorm(g, clip.maxNorm));
    if (clip) out.applied = pack(pick(run.grad_norm, kept).map(applied));
  }
  return out;
}

// Classification: P(class 1) on a coarser grid, frame after frame. Regression: the fitted function along
// x₁ at the middle x₂ (the row the network page draws), at full resolution.
function compactFrames(task, grid, frames) {
  const steps = frames.map((r) => r.step);
  if (task === "regression") {
    const row = Math.floor(grid.y.length / 2);
    return { x: pack(grid.x), x2: grid.y[row], steps, rows: pack(frames.flatMap((r) => r.z[row])) };
  }
  const xs = thin(grid.x.length, FRAME_SIDE);
  const ys = thin(grid.y.length, FRAME_SIDE);
  const cells = (z) => ys.flatMap((j) => pick(z[j], xs));
  return { x: pack(pick(grid.x, xs)), y: pack(pick(grid.y, ys)), steps, z: pack(frames.flatMap((r) => cells(r.z))) };
}
