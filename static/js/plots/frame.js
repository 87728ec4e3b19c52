import { plotlyLocale } from "../i18n.js";

// Coalesces many small updates into one per animation frame. The figures share the
// frames: once a frame has spent FRAME_BUDGET_MS, the flushes still waiting go to the
// next one, so a stream that feeds four plots never makes one long frame of all four.
const FRAME_BUDGET_MS = 12;
const waiting = [];
let frameRequested = false;

function runFrame() {
  frameRequested = false;
  const started = performance.now();
  while (waiting.length && performance.now() - started < FRAME_BUDGET_MS) {
    const job = waiting.shift();
    job.scheduled = false;
    job.flush();
  }
  if (waiting.length) requestFrame();
}

function requestFrame() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(runFrame);
}

// Resolves in the first frame that has no flush left waiting: all that was asked for is drawn.
export function whenDrawn() {
  return new Promise((resolve) => {
    const check = () => (waiting.length || frameRequested ? requestAnimationFrame(check) : resolve());
    requestAnimationFrame(check);
  });
}

export function perFrame(flush) {
  const job = { flush, scheduled: false };
  return () => {
    if (job.scheduled) return;
    job.scheduled = true;
    waiting.push(job);
    requestFrame();
  };
}

// A figure takes the size of its box, and follows it (Plotly's own autosize
// measures once, before the grid has settled).
export function boxSize(element) {
  const box = element.parentElement.getBoundingClientRect();
  return { width: Math.max(50, Math.floor(box.width)), height: Math.max(50, Math.floor(box.height)) };
}

export function followBox(element, onResize) {
  const first = boxSize(element);
  let last = `${first.width}x${first.height}`; // the size the figure was first drawn at
  new ResizeObserver(() => {
    const size = boxSize(element);
    const key = `${size.width}x${size.height}`;
    if (key !== last) {
      last = key;
      onResize(size);
    }
  }).observe(element.parentElement);
}

// Plotly's config for every figure: no mode bar, and Plotly's own strings in the page's language.
let locale = null;
export function plotConfig(extra = {}) {
  locale ??= plotlyLocale(window.Plotly);
  return { displaylogo: false, responsive: false, displayModeBar: false, locale, ...extra };
}
