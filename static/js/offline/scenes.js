// The data of one scene of an offline file, computed by the server as the pages compute it (the page's
// own URL codec and request body, the same endpoints), then made compact: paths thinned, decision-
// boundary frames thinned in time and space, numbers packed (pack.js).
import * as api from "../api.js";
import { runLabels } from "../labels.js";
import { decode as decodeNetwork, trainBody } from "../network/state.js";
import { decode, runBody } from "../state.js";
import { pack, pick, thin } from "./pack.js";

const GRID_N = 100; // the explorer's contour grid, one per surface, shared by the scenes on it
const MAX_POINTS = 2000; // points of a run: more than the plot has pixels across
const MAX_FRAMES = 50; // decision-boundary frames of a network scene: five a second over a ten-second play
const FRAME_SIDE = 34; // their grid: two in three points of the page's 50 × 50, smoothed when drawn

/** Makes the scenes of one file; `grids()` then answers the surface grids the scenes refer to by index. */
export function createSceneMaker({ catalog, signal }) {
  const grids = new Map(); // JSON of the surface -> {index, data: Promise}

  function gridIndex(surface) {
    const key = JSON.stringify(surface);
    if (!grids.has(key)) grids.set(key, { index: grids.size, data: api.grid(surface, GRID_N, signal) });
    return grids.get(key);
  }

  async function surfaces(query) {
    const state = decode(query, catalog);
    const body = runBody(state);
    const grid = gridIndex(body.surface);
    const [{ surface, runs }] = await Promise.all([collectRun(body, signal), grid.data]);
    const known = catalog.surfaces.find((s) => s.name === surface.name); // a custom surface has no title
    const points = (list = []) => list.map(({ x, y }) => ({ x, y }));
    // Named as the explorer names them: the view's label, else the optimizer's title in the reader's language.
    const labels = runLabels(state.optimizers, catalog.optimizers, state);
    return {
      page: "surfaces",
      grid: grid.index,
      surface: { title: known?.title ?? null, domain: surface.domain, minima: points(surface.minima),
        localMinima: points(surface.local_minima), saddles: points(surface.saddles),
        floor: Math.min(...[...surface.minima, ...(surface.local_minima ?? [])].map((p) => p.f)) },
      start: state.start ?? surface.start,
      logColor: state.view.logColor,
      speed: state.view.speed,
      cursor: state.cursor,
      runs: runs.map((run, i) => compactRun({ ...run, label: labels[i] ?? run.label })),
    };
  }

  async function network(query) {
    const state = decodeNetwork(query);
    const { head, records, status } = await collectTraining(trainBody(state), signal);
    const kept = thin(records.length, MAX_FRAMES);
    return {
      page: "network",
      task: head.task,
      data: { x1: pack(head.data.x.map((p) => p[0])), x2: pack(head.data.x.map((p) => p[1])), y: pack(head.data.y) },
      boundary: head.boundary && compactFrames(head.task, head.boundary, pick(records, kept)),
      records: {
        step: pack(records.map((r) => r.step)),
        loss: pack(records.map((r) => r.loss)),
        accuracy: head.task === "classification" ? pack(records.map((r) => r.accuracy)) : null,
      },
      status,
      speed: state.view.speed,
      cursor: state.cursor,
    };
  }

  const makers = { surfaces, network };
  return {
    async make(scene) {
      const maker = makers[scene.page];
      if (!maker) throw new Error(`page "${scene.page}"`);
      return maker(scene.query ?? "");
    },
    async grids() {
      const ordered = [...grids.values()].sort((a, b) => a.index - b.index);
      return (await Promise.all(ordered.map((g) => g.data))).map(({ x, y, z }) => ({
        x: pack(x), y: pack(y), z: pack(z.flat()),
      }));
    },
  };
}

// The run as /api/run answers it, gathered from the stream the explorer reads (its chunks, concatenated,
// are /api/run's arrays).
async function collectRun(body, signal) {
  let surface = null;
  let runs = [];
  await api.streamRun(body, (line) => {
    if (line.type === "start") {
      surface = line.surface;
      runs = line.runs.map((r) => ({ label: r.label, x: [], y: [], loss: [], step: [] }));
    } else if (line.type === "chunk") {
      const run = runs[line.run];
      for (const key of ["x", "y", "loss"]) run[key].push(...line[key]);
      run.step.push(...(line.step ?? line.x.map((_, i) => line.offset + i)));
    } else if (line.type === "end") {
      Object.assign(runs[line.run], { status: line.status, outcome: line.outcome ?? null });
    }
  }, signal);
  return { surface, runs };
}

async function collectTraining(body, signal) {
  let head = null;
  let status = null;
  const records = [];
  await api.streamTraining(body, (line) => {
    if (line.type === "start") head = line;
    else if (line.type === "record") records.push(line);
    else if (line.type === "end") status = line.status;
  }, signal);
  return { head, records, status };
}

function compactRun(run) {
  const kept = thin(run.x.length, MAX_POINTS);
  const column = (key) => pack(pick(run[key], kept));
  return { label: run.label, status: run.status ?? null, outcome: run.outcome ?? null,
    step: column("step"), x: column("x"), y: column("y"), loss: column("loss") };
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
