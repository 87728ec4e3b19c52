// The embed's postMessage bridge (README, "Embedding in slides"): commands from the parent page,
// events back to it, reveal.js's slide:start / slide:stop, and the slide keys handed to the deck.
// Importing it in an embed starts listening at once, before the view exists: commands that come
// early wait for the view, and a slide:start that came early is remembered.
const PROTOCOL = 1;
const METHODS = new Set(["play", "pause", "step", "seek", "reset", "setState", "getState"]);
const MAX_QUERY = 4000;
// Keys that belong to the slides, in reveal.js's own postMessage format.
const DECK_KEYS = { ArrowLeft: "left", ArrowRight: "right", PageUp: "prev", PageDown: "next" };
// In /present, the presenter's keys too (scene navigation, black screen, overview...).
const PRESENT_KEYS = new Set(["Home", "End", "b", "B", "f", "F", "n", "N", "o", "O", "Escape", "?"]);

const active = document.body.classList.contains("embed") && window.parent !== window;
const params = new URLSearchParams(location.search);
const inPresent = params.get("present") === "1";
let view = null;
let ready = false;
let wantPlay = false; // a slide:start before the view was ready
const waiting = []; // commands before the view was ready

const post = (message) => window.parent.postMessage({ gdviz: PROTOCOL, ...message }, "*");
const stateOf = () => {
  const { query, step, playing } = view.getState();
  return { query: String(query), step: Number(step), playing: Boolean(playing) };
};

const integer = (value, fallback) => (value === undefined ? fallback : Number.isInteger(value) ? value : null);

// A well-formed command, or null: anything else is ignored.
function parse(data) {
  if (data === "slide:start" || data === "slide:stop") return { method: data };
  if (!data || typeof data !== "object" || data.gdviz !== PROTOCOL || !METHODS.has(data.method)) return null;
  const args = data.args === undefined ? [] : data.args;
  if (!Array.isArray(args)) return null;
  if (data.method === "step" || data.method === "seek") {
    const n = integer(args[0], data.method === "step" ? 1 : undefined);
    return n === null || n === undefined ? null : { method: data.method, n };
  }
  if (data.method === "setState") {
    const query = args[0];
    return typeof query === "string" && query.length <= MAX_QUERY ? { method: "setState", query } : null;
  }
  return { method: data.method };
}

async function run(command) {
  switch (command.method) {
    case "slide:start":
      wantPlay = true;
      if (ready) view.play();
      return;
    case "slide:stop":
      wantPlay = false;
      if (ready) view.pause();
      return;
    case "play":
      return view.play();
    case "pause":
      return view.pause();
    case "step":
      return view.step(command.n);
    case "seek":
      return view.seek(command.n);
    case "reset":
      return view.reset();
    case "setState":
      await view.setState(command.query.replace(/^\?/, ""));
      return post({ event: "state", ...stateOf() });
    case "getState":
      return post({ event: "state", ...stateOf() });
  }
}

if (active) {
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const command = parse(event.data);
    if (!command) return;
    if (ready) run(command);
    else if (command.method === "slide:start" || command.method === "slide:stop") wantPlay = command.method === "slide:start";
    else waiting.push(command);
  });
  // Capture: these keys never reach the player; the slides move instead.
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.target.closest?.("input, select, textarea") || event.metaKey || event.ctrlKey || event.altKey) return;
      if (DECK_KEYS[event.key]) {
        window.parent.postMessage(JSON.stringify({ method: DECK_KEYS[event.key] }), "*");
      } else if (inPresent && PRESENT_KEYS.has(event.key)) {
        post({ event: "key", key: event.key });
      } else {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
    },
    true,
  );
}

/** Hands the view to the bridge: once it is ready, early commands run, then `ready` is posted. */
export async function connectEmbed(target) {
  if (!active || view) return;
  view = target;
  let last = null;
  view.onCursor((step) => {
    if (step !== last) post({ event: "step", step: (last = step) });
  });
  view.onEnded(() => {
    post({ event: "ended", step: last });
    if (params.get("loop") === "1") {
      view.seek(0);
      view.play();
    }
  });
  await view.ready;
  ready = true;
  for (const command of waiting.splice(0)) await run(command);
  post({ event: "ready", ...stateOf() });
  if (wantPlay || params.get("autoplay") === "1") view.play();
}
