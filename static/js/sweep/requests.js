// The Sweep page's requests that static/js/api.js does not have yet: POST /api/sweep and the grid over a box (the
// contour lines under a basin map). The lead moves them into api.js, the only
// module meant to know the server's URLs.
import { ApiError } from "../api.js";

async function postJSON(url, body, signal) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail;
    } catch (_) {
      /* not JSON: keep the status text */
    }
    throw new ApiError(response.status, detail);
  }
  return response.json();
}

/** One optimizer, one surface, a map of runs in one batch (README, "Sweeps"). */
export const sweep = (body, signal) => postJSON("/api/sweep", body, signal);

/** The surface's values on an n × n grid over the box {x: [lo, hi], y: [lo, hi]}. */
export const gridOver = (surface, box, n, signal) =>
  postJSON("/api/grid", { surface, x_range: box.x, y_range: box.y, n }, signal);

