// Where the legend of the contour or the curve goes: the corner of the plot that hides the least of
// what matters (the start and the known minima and saddles most, then the points of the paths; the
// top middle is last, free between a curve's two arms). And its names, kept short.
const CORNERS = ["top right", "top left", "bottom right", "bottom left", "top center"]; // in order of preference
const KNOWN_POINT = 50; // hiding a minimum or the start costs as much as fifty path points

export function legendCorner(domain, known, paths, labels) {
  const [[x0, x1], [y0, y1]] = [domain.x, domain.y];
  const width = 0.4 * (x1 - x0);
  const height = Math.min(0.9, 0.05 + 0.07 * labels.length) * (y1 - y0);
  const scores = CORNERS.map((corner) => {
    const [vertical, side] = corner.split(" ");
    const middle = (x0 + x1) / 2;
    const inX = { right: (x) => x >= x1 - width, left: (x) => x <= x0 + width,
      center: (x) => Math.abs(x - middle) <= width / 2 }[side];
    const inY = vertical === "top" ? (y) => y >= y1 - height : (y) => y <= y0 + height;
    let score = 0;
    for (const p of known) if (inX(p.x) && inY(p.y)) score += KNOWN_POINT;
    for (const path of paths) {
      const stride = Math.max(1, Math.floor(path.x.length / 400)); // a sample is enough to compare corners
      for (let j = 0; j < path.x.length; j += stride) if (inX(path.x[j]) && inY(path.y[j])) score += stride;
    }
    return score;
  });
  return CORNERS[scores.indexOf(Math.min(...scores))];
}

/** Plotly's legend position for a corner; `top` is the top edge's y (below a button at the top left). */
export function legendAnchor(corner, top) {
  const [vertical, side] = corner.split(" ");
  const x = { right: 0.99, left: 0.01, center: 0.5 }[side];
  return { x, xanchor: side, y: vertical === "top" ? top : 0.01, yanchor: vertical };
}

/** Legend names: runs whose labels all share a title ("SGD · lr 0.1", "SGD · lr 0.3") show it once as
 * the legend's title and only what tells them apart as their names, so that a legend stays narrow. */
export function legendNames(labels, separator = " · ") {
  const title = labels[0]?.split(separator)[0];
  const shared = labels.length > 1 && labels.every((l) => l.startsWith(title + separator));
  return shared ? { title, names: labels.map((l) => l.slice(title.length + separator.length)) }
    : { title: null, names: labels };
}
