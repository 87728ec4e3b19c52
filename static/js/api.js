// The only module that knows the server's URLs.
import { lang } from "./i18n.js";

// The catalog endpoints answer titles and descriptions in the page's language.
const inLang = (path) => `${path}?lang=${encodeURIComponent(lang)}`;

async function getJSON(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

export class ApiError extends Error {
  constructor(status, detail) {
    const messages = Array.isArray(detail) ? detail.map((d) => d.msg) : [String(detail)];
    super(messages.join("; "));
    this.status = status;
    this.messages = messages;
  }
}

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
  return response;
}

export const catalog = () =>
  Promise.all([getJSON(inLang("/api/surfaces")), getJSON(inLang("/api/optimizers")), getJSON(inLang("/api/schedules"))]).then(
    ([surfaces, optimizers, schedules]) => ({ surfaces, optimizers, schedules }),
  );

/** A trainability map: every cell's status, final loss and steps taken (README, "Trainability maps"). */
export async function trainSweep(body, signal) {
  return (await postJSON("/api/train/sweep", body, signal)).json();
}

/** One sample's forward and backward pass (README, "Backprop, one sample"). */
export async function backprop(body, signal) {
  return (await postJSON("/api/backprop", body, signal)).json();
}

/** The curvature at a point: value, gradient, Hessian, its eigenvalues and directions (README, "Why it happens"). */
export async function analyze(body, signal) {
  return (await postJSON("/api/analyze", body, signal)).json();
}

/** The rate of SGD with momentum over (lr, β) for a curvature: {lr, momentum, rate} (README, "Why it happens"). */
export async function analyzeMomentum(body, signal) {
  return (await postJSON("/api/analyze/momentum", body, signal)).json();
}

export async function grid(surface, n, signal) {
  return (await postJSON("/api/grid", { surface, n }, signal)).json();
}

/** The surface's values on an n × n grid over the box {x: [lo, hi], y: [lo, hi]} (the contour under a basin map). */
export async function gridOver(surface, box, n, signal) {
  return (await postJSON("/api/grid", { surface, x_range: box.x, y_range: box.y, n }, signal)).json();
}

/** One optimizer on one surface, a map of runs in one batch: every cell's status, final loss and point, steps taken
 * and the minimum reached (README, "Sweep maps"). */
export async function sweep(body, signal) {
  return (await postJSON("/api/sweep", body, signal)).json();
}

// POST /api/run/stream: calls onLine(object) for every NDJSON line as it arrives.
export const streamRun = (body, onLine, signal) => stream("/api/run/stream", body, onLine, signal);

// POST /api/train/stream: one line per training record, then the landscape.
export const streamTraining = (body, onLine, signal) => stream("/api/train/stream", body, onLine, signal);

export const datasets = () => getJSON(inLang("/api/datasets"));

async function stream(url, body, onLine, signal) {
  const response = await postJSON(url, body, signal);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline;
    let since = performance.now();
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line) onLine(JSON.parse(line));
      if (performance.now() - since > 30) {
        // A big batch of lines must not freeze the page: let it paint and handle input.
        await new Promise((resolve) => setTimeout(resolve));
        since = performance.now();
      }
    }
  }
  if (buffer.trim()) onLine(JSON.parse(buffer));
}

// GET /api/decks/{id}: a built-in deck, whole; an unknown id rejects with status 404.
export async function deck(id) {
  const response = await fetch(`/api/decks/${encodeURIComponent(id)}`);
  if (!response.ok) throw new ApiError(response.status, response.statusText);
  return response.json();
}

// GET /api/decks: the built-in decks, {id, title: {en, zh}, scenes: <count>} each.
export const decks = () => getJSON("/api/decks");
