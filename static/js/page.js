// What both pages share: Plotly's readiness, the message line, the URL sync,
// and the playback bar's buttons and keyboard.
import { debounce } from "./dom.js";

export const $ = (id) => document.getElementById(id);

// Plotly is a deferred script after the page's module: it has run by DOMContentLoaded.
export const plotlyReady = new Promise((resolve) => {
  const check = () => window.Plotly && resolve();
  check();
  document.addEventListener("DOMContentLoaded", check);
  window.addEventListener("load", check);
});

export function say(text, kind = "info") {
  const box = $("message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = !text;
}

/** Keeps the URL's query equal to the state (debounced: browsers throttle replaceState). */
export const urlSync = (encode) =>
  debounce((state) => {
    const query = encode(state);
    history.replaceState(null, "", query ? `?${query}` : location.pathname);
  }, 250);

/** The playback bar and the keyboard: space, ←/→ (shift: ×10), Home/End, R to run again. */
export function wirePlayback(player, store, run) {
  const settle = () => store.set({ cursor: player.cursor });
  const step = (delta) => (player.stepBy(delta), settle());
  $("run").addEventListener("click", run);
  $("back").addEventListener("click", () => step(-1));
  $("forward").addEventListener("click", () => step(1));
  $("home").addEventListener("click", () => (player.home(), settle()));
  $("end").addEventListener("click", () => (player.end(), settle()));
  $("scrub").addEventListener("change", settle);
  $("speed").value = String(store.get().view.speed);
  $("speed").addEventListener("change", () =>
    store.set({ view: { ...store.get().view, speed: Number($("speed").value) } }),
  );
  player.setSpeed(store.get().view.speed);
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.metaKey || event.ctrlKey) return;
    const big = event.shiftKey ? 10 : 1;
    const actions = {
      " ": () => player.toggle(),
      ArrowLeft: () => step(-big),
      ArrowRight: () => step(big),
      Home: () => (player.home(), settle()),
      End: () => (player.end(), settle()),
      r: run,
      R: run,
    };
    if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });
}
