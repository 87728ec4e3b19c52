// What both pages share: Plotly's readiness, the message line, the URL sync, the view options of
// slides (hide=, present=), the "move start" mode, and the playback bar's buttons and keyboard.
import { t } from "./i18n.js";
import { debounce, h } from "./dom.js";

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

// How a view is shown, not what it shows: they stay in the address when the state rewrites it.
export const VIEW_OPTIONS = ["lang", "theme", "autoplay", "loop", "hide", "present"];
// The parts `hide=` can hide (a comma list); "side" is every side plot.
export const HIDEABLE = ["table", "loss", "grad", "lr", "side", "player", "legend"];

const options = () => new URLSearchParams(location.search);

/** The view options of the address as a query string ("" when there is none). */
export function viewOptions() {
  const current = options();
  const kept = new URLSearchParams();
  for (const key of VIEW_OPTIONS) for (const value of current.getAll(key)) kept.append(key, value);
  return kept.toString();
}

/** Keeps the URL's query equal to the state and its view options (debounced: browsers throttle replaceState). */
export const urlSync = (encode) =>
  debounce((state) => {
    const query = new URLSearchParams(encode(state));
    for (const [key, value] of new URLSearchParams(viewOptions())) if (!query.has(key)) query.append(key, value);
    const text = query.toString();
    history.replaceState(null, "", `${text ? `?${text}` : location.pathname}${location.hash}`);
  }, 250);

/** The parts `hide=` names among a page's `hideable` ones (others are ignored); `side` hides all the
 * `sidePlots` and hiding all of them hides `side`. Each is also set as a class `hide-<part>` on <body>
 * for the CSS. */
export function hiddenParts(hideable = HIDEABLE, sidePlots = ["loss", "grad", "lr"]) {
  const asked = (options().get("hide") ?? "").split(",").map((p) => p.trim());
  const parts = new Set(hideable.filter((p) => asked.includes(p)));
  if (parts.has("side")) sidePlots.forEach((p) => parts.add(p));
  if (sidePlots.every((p) => parts.has(p))) parts.add("side");
  for (const part of parts) document.body.classList.add(`hide-${part}`);
  return parts;
}

/** Whether the view is in a slide or a presentation, where a click must not destroy the scene. */
export const guarded = () => document.body.classList.contains("embed") || options().get("present") === "1";

/** The explicit "move start" mode of a guarded view (#pick-start, key S). Elsewhere a click on the
 * plot always moves the start. */
export function createPickMode(onChange = () => {}) {
  const button = $("pick-start");
  let active = false;
  const set = (value) => {
    active = value;
    button?.setAttribute("aria-pressed", String(active));
    document.body.classList.toggle("picking", active);
    onChange(active);
  };
  button?.addEventListener("click", () => set(!active));
  return {
    canPick: () => !guarded() || active,
    toggle: () => set(!active),
    set,
    get active() {
      return active;
    },
  };
}

// The keyboard help (?), in the page's language.
function toggleHelp(canReset, canPick) {
  const open = $("key-help");
  if (open) return open.remove();
  const rows = [["play", t("explorer.keys.space")], ["step", "→ ←   . ,"], ["big_step", "Shift + → ←"],
    ["ends", "Home  End"], canReset ? ["reset", "R"] : ["run", "R"], ...(canPick ? [["pick", "S"]] : []), ["help", "?"]]
    .map(([action, keys]) => h("tr", {}, h("th", {}, keys), h("td", {}, t(`explorer.keys.${action}`))));
  const dialog = h("div", { id: "key-help", class: "key-help", role: "dialog", "aria-label": t("explorer.keys.title"),
    "data-testid": "key-help", onclick: () => dialog.remove() },
    h("h2", {}, t("explorer.keys.title")), h("table", {}, ...rows), h("p", { class: "hint" }, t("explorer.keys.close")));
  document.body.append(dialog);
}

/** The playback bar and the keyboard: space, ←/→ and . , (shift: ×10), Home/End, R to run again
 * (in a slide: back to the scene, with `reset`), S for the "move start" mode (`pick`), ? for help. */
export function wirePlayback(player, store, run, { reset = null, pick = null } = {}) {
  const settle = () => store.set({ cursor: player.cursor });
  const step = (delta) => (player.stepBy(delta), settle());
  $("run").addEventListener("click", run);
  $("back").addEventListener("click", () => step(-1));
  $("forward").addEventListener("click", () => step(1));
  $("home").addEventListener("click", () => (player.home(), settle()));
  $("end").addEventListener("click", () => (player.end(), settle()));
  $("scrub").addEventListener("change", settle);
  if (reset) $("reset-scene")?.addEventListener("click", reset);
  $("readout").dataset.running = t("status.running");
  // A scene may ask for a speed the menu lacks (0.2×): it gets an entry of its own, not a blank menu.
  const speed = String(store.get().view.speed);
  if (![...$("speed").options].some((option) => option.value === speed)) {
    $("speed").append(Object.assign(document.createElement("option"), { value: speed, textContent: `${speed}×` }));
  }
  $("speed").value = speed;
  $("speed").addEventListener("change", () =>
    store.set({ view: { ...store.get().view, speed: Number($("speed").value) } }),
  );
  player.setSpeed(store.get().view.speed);
  const framed = document.body.classList.contains("embed") && window.parent !== window;
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.metaKey || event.ctrlKey || event.altKey) return;
    if ($("key-help") && event.key !== "?") $("key-help").remove();
    const big = event.shiftKey ? 10 : 1;
    const again = reset ?? run;
    const actions = {
      " ": () => player.toggle(),
      // In a slide the arrows belong to the deck around the frame (the embed bridge hands them on).
      ...(framed ? {} : { ArrowLeft: () => step(-big), ArrowRight: () => step(big) }),
      ",": () => step(-1),
      ".": () => step(1),
      Home: () => (player.home(), settle()),
      End: () => (player.end(), settle()),
      r: again,
      R: again,
      "?": () => toggleHelp(Boolean(reset), Boolean(pick)),
      ...(pick ? { s: pick.toggle, S: pick.toggle } : {}),
    };
    if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });
}
