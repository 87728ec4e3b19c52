// The marks of runs that leave the picture: an arrow where a path crosses the edge of the plotted
// domain (pointing the way it went, its hover the step it left at), and a cross where a diverged
// run was last seen inside. Pure functions; contour.js draws them.
import { t } from "../i18n.js";
import { colorOf } from "./colors.js";

const INK = "#1d2330";

const insideOf = (domain) => (path, j) =>
  path.x[j] >= domain.x[0] && path.x[j] <= domain.x[1] && path.y[j] >= domain.y[0] && path.y[j] <= domain.y[1];

// Where the segment from an inside point a to an outside point b crosses the domain's edge, and
// which way it goes out (the arrow's angle, clockwise from up).
function exitPoint(a, b, domain) {
  const [[x0, x1], [y0, y1]] = [domain.x, domain.y];
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const candidates = [
    [dx < 0 ? (x0 - a.x) / dx : Infinity, 270],
    [dx > 0 ? (x1 - a.x) / dx : Infinity, 90],
    [dy < 0 ? (y0 - a.y) / dy : Infinity, 180],
    [dy > 0 ? (y1 - a.y) / dy : Infinity, 0],
  ];
  const [s, angle] = candidates.reduce((best, c) => (c[0] < best[0] ? c : best));
  const f = Math.min(1, Math.max(0, s));
  return { x: a.x + f * dx, y: a.y + f * dy, f: a.f + f * (b.f - a.f), angle };
}

/** The exits of `path` ({x, y, loss, step} arrays) among its points from index `from`, at most `max`:
 * [{index (the first point outside), step, x, y, f, angle}]. */
export function findExits(path, domain, from, max) {
  const inside = insideOf(domain);
  const found = [];
  for (let j = Math.max(1, from); j < path.x.length && found.length < max; j++) {
    if (inside(path, j - 1) && !inside(path, j)) {
      const a = { x: path.x[j - 1], y: path.y[j - 1], f: path.loss[j - 1] };
      const b = { x: path.x[j], y: path.y[j], f: path.loss[j] };
      found.push({ index: j, step: path.step[j], ...exitPoint(a, b, domain) });
    }
  }
  return found;
}

/** The index of the last point of `path` inside the domain (-1: none). */
export function lastInside(path, domain) {
  const inside = insideOf(domain);
  let last = path.x.length - 1;
  while (last >= 0 && !inside(path, last)) last -= 1;
  return last;
}

/** The marks as one scatter trace; list: [{run, kind: "exit" | "diverged", x, y, f, step, angle}];
 * words: how each run ended (a diverged run may have run off toward −∞ or blown up). */
export function marksTrace(list, { threeD, zOf, labels, words }) {
  const exit = (m) => m.kind === "exit";
  const marker = threeD
    ? { symbol: list.map((m) => (exit(m) ? "diamond" : "x")), size: 7, color: list.map((m) => colorOf(m.run)),
        line: { width: 1, color: INK } }
    : { symbol: list.map((m) => (exit(m) ? "triangle-up" : "x-thin")), angle: list.map((m) => (exit(m) ? m.angle : 0)),
        size: list.map((m) => (exit(m) ? 14 : 16)), color: list.map((m) => colorOf(m.run)),
        line: { width: list.map((m) => (exit(m) ? 1.5 : 3)), color: list.map((m) => (exit(m) ? INK : colorOf(m.run))) } };
  return {
    type: threeD ? "scatter3d" : "scatter",
    mode: "markers",
    name: t("contour.marks"),
    showlegend: false,
    x: list.map((m) => m.x),
    y: list.map((m) => m.y),
    ...(threeD ? { z: list.map((m) => zOf(m.f)) } : {}),
    text: list.map((m) =>
      exit(m)
        ? t("contour.left_view", { label: labels[m.run], step: m.step })
        : t("contour.last_seen", { label: labels[m.run], outcome: words[m.run], step: m.step })),
    hovertemplate: "%{text}<extra></extra>",
    marker,
    ...(threeD ? {} : { cliponaxis: false }), // an exit sits on the edge: show it whole
  };
}

/** A ring or dot of `radius` pixels at (x, y) in data coordinates: a layout shape, which Plotly moves
 * without redrawing the traces (the start and the current points of the contour and the curve). */
export function circleShape(x, y, fill, line, radius = 7) {
  return { type: "circle", xref: "x", yref: "y", xsizemode: "pixel", ysizemode: "pixel", xanchor: x, yanchor: y,
    x0: -radius, x1: radius, y0: -radius, y1: radius, fillcolor: fill, line: { color: line, width: 2.5 },
    layer: "above" };
}

const MAX_EXITS = 3; // a run that leaves and comes back again and again: its first exits are enough

/** The growing paths of a view's runs, as the contour and the curve draw them: the points as they stream
 * in ({x, y, loss, step} per run; `second` names the chunk field drawn as y: "y" on the plane, "loss" on a
 * curve), how many of them the reveal shows, where each path left the plotted `box()` and where a diverged
 * run was last seen inside it. */
export function createPaths(second, box) {
  const track = { paths: [], limit: [], exits: [], scanned: [], ends: [] };
  return {
    get list() { return track.paths; },
    reset(n) {
      track.paths = Array.from({ length: n }, () => ({ x: [], y: [], loss: [], step: [] }));
      track.limit = track.paths.map(() => Infinity);
      track.exits = track.paths.map(() => []);
      track.scanned = track.paths.map(() => 0);
      track.ends = track.paths.map(() => null);
    },
    /** How many points of run i the reveal shows. */
    count: (i) => Math.min(track.limit[i] ?? Infinity, track.paths[i].x.length),
    append(run, chunk) {
      const path = track.paths[run];
      path.x.push(...chunk.x);
      path.y.push(...chunk[second]);
      path.loss.push(...chunk.loss);
      path.step.push(...(chunk.step ?? chunk.x.map((_, i) => chunk.offset + i)));
      const exits = track.exits[run];
      exits.push(...findExits(path, box(), track.scanned[run], MAX_EXITS - exits.length));
      track.scanned[run] = path.x.length;
    },
    /** How many points of each run's path to show (null: every path whole). */
    reveal(counts) {
      track.limit = track.paths.map((_, i) => (counts === null ? Infinity : counts[i] ?? Infinity));
    },
    /** Marks where a diverged run was last inside the box (false: it never was). Shown once the
     * reveal reaches the run's end: its story is told in order. */
    markDiverged(run) {
      const path = track.paths[run];
      const last = lastInside(path, box());
      if (last < 0) return false;
      track.ends[run] = { index: path.x.length - 1, x: path.x[last], y: path.y[last], f: path.loss[last],
        step: path.step[last] };
      return true;
    },
    /** The exits and diverged ends the reveal has reached: arrows where a path left, crosses where a
     * diverged run was last seen inside. */
    marks() {
      const list = [];
      track.paths.forEach((_, i) => {
        const n = this.count(i);
        for (const e of track.exits[i]) if (e.index < n) list.push({ ...e, run: i, kind: "exit" });
        const end = track.ends[i];
        if (end && end.index < n) list.push({ ...end, run: i, kind: "diverged" });
      });
      return list;
    },
  };
}
