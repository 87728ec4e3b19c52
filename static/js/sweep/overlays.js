// What a basin map draws over its cells: the surface's contour lines, faint, and its minima, numbered (the key gives
// each its basin's hue). Only where the map's axes are the start's x and y.

const LINES = "rgba(29, 35, 48, 0.32)";
const INK = "#1d2330";

/** The contour lines of a grid answer {x, y, z}, on log(f − f_min + δ) so that both a valley and a bowl read. */
export function contourTrace({ x, y, z }) {
  const values = z.flat().filter((v) => v !== null);
  const lo = Math.min(...values);
  const delta = Math.max((Math.max(...values) - lo) * 1e-4, 1e-12);
  const logZ = z.map((row) => row.map((v) => (v === null ? null : Math.log10(v - lo + delta))));
  return { type: "contour", name: "surface", x, y, z: logZ, ncontours: 14, showscale: false, hoverinfo: "skip",
    contours: { coloring: "none" }, line: { color: LINES, width: 1 } };
}

/** The minima [{x, y} | null] inside the box of the axes, as white stars, numbered from 1 where the key lists them
 * (`numbered`: the basin colouring). */
export function minimaTrace(minima, axes, size, numbered = true) {
  const inside = (v, values) => v >= Math.min(values[0], values.at(-1)) && v <= Math.max(values[0], values.at(-1));
  const shown = minima.map((m, k) => m && { ...m, k })
    .filter((m) => m && inside(m.x, axes[0].values) && inside(m.y, axes[1].values));
  return { type: "scatter", mode: numbered ? "markers+text" : "markers", name: "minima",
    x: shown.map((m) => m.x), y: shown.map((m) => m.y),
    text: shown.map((m) => String(m.k + 1)), textposition: "top center", cliponaxis: false, hoverinfo: "skip",
    textfont: { size: size + 2, color: INK },
    // White with a dark rim: a star reads on its own basin's hue and on the grey and red alike.
    marker: { symbol: "star", size: size + 8, color: "#ffffff", line: { color: INK, width: 1.5 } } };
}

/** Where each minimum is: the resolved surface's minima as the answer gives them, else the final point of a cell
 * that reached it (within 1e-3 of it). */
export function minimaOf(results) {
  if (results[0]?.surface) return results[0].surface.minima;
  const found = [];
  for (const result of results) {
    result.minimum.forEach((row, j) => row.forEach((m, i) => {
      if (m >= 0 && !found[m]) found[m] = { x: result.final_x[j][i], y: result.final_y[j][i] };
    }));
  }
  return Array.from(found, (m) => m ?? null); // null: a minimum no cell reached
}
