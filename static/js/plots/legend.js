// Where the contour's legend goes: the corner of the plot that hides the least of what matters
// (the start and the known minima and saddles most, then the points of the paths).
const CORNERS = ["top right", "top left", "bottom right", "bottom left"]; // in order of preference
const KNOWN_POINT = 50; // hiding a minimum or the start costs as much as fifty path points

export function legendCorner(domain, known, paths, labels) {
  const [[x0, x1], [y0, y1]] = [domain.x, domain.y];
  const width = 0.4 * (x1 - x0);
  const height = Math.min(0.9, 0.05 + 0.07 * labels.length) * (y1 - y0);
  const scores = CORNERS.map((corner) => {
    const [vertical, side] = corner.split(" ");
    const inX = side === "right" ? (x) => x >= x1 - width : (x) => x <= x0 + width;
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
