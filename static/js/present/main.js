// Wires /present: a deck (built-in or the reader's) shown scene by scene on a projector, driven by
// a clicker and the keyboard (README, "Presenting"). The scene itself is an embed (present/stage.js).
import { lang, switchTo, t } from "../i18n.js";
import { say } from "../page.js";
import { loadDeck } from "./deck.js";
import { localText } from "../deck-store.js";
import { renderHelp, renderNotes, renderOverview } from "./panels.js";
import { createStage } from "./stage.js";

const $ = (id) => document.getElementById(id);

async function main() {
  const deckId = new URLSearchParams(location.search).get("deck");
  if (!deckId) return say(t("present.no_deck"), "error");
  const deck = await loadDeck(deckId);
  if (!deck.scenes.length) return say(t("present.empty_deck", { deck: deckId }), "error");
  const count = deck.scenes.length;
  let index = 0;
  let overviewCards = [];

  const stage = createStage($("stage"), {
    lang,
    onReady: (shown) => {
      if (shown === index) document.body.dataset.shown = String(index + 1); // a hook: the scene is drawn
    },
  });

  const fromHash = () => {
    const n = Number.parseInt(location.hash.slice(1), 10);
    return Number.isInteger(n) ? Math.min(count, Math.max(1, n)) - 1 : 0;
  };

  function go(target) {
    const next = Math.min(count - 1, Math.max(0, target));
    if (next === index && document.body.dataset.scene) return;
    index = next;
    const scene = deck.scenes[index];
    delete document.body.dataset.shown;
    document.body.dataset.scene = String(index + 1);
    document.querySelector("[data-testid=scene-title]").textContent = localText(scene.title);
    document.querySelector("[data-testid=scene-index]").textContent = t("present.index", { index: index + 1, count });
    renderNotes($("notes"), scene);
    history.replaceState(null, "", `${location.pathname}${location.search}#${index + 1}`);
    stage.show(index, deck.scenes);
    $("prev").disabled = index === 0;
    $("next").disabled = index === count - 1;
  }

  const toggle = (id, force) => {
    const node = $(id);
    node.hidden = force === undefined ? !node.hidden : !force;
    return !node.hidden;
  };
  function overview(open) {
    if (toggle("overview", open)) {
      overviewCards = renderOverview($("overview"), deck, index, (i) => (toggle("overview", false), go(i)));
      overviewCards[index]?.focus();
    } else {
      stage.focus();
    }
  }
  function narration() {
    const shown = document.body.classList.toggle("notes-hidden") === false;
    $("narration-button").setAttribute("aria-pressed", String(shown));
  }
  function fullscreen() {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }

  // One table for the keys, whether pressed here or handed up by the scene's frame.
  const actions = {
    ArrowRight: () => go(index + 1),
    PageDown: () => go(index + 1),
    ArrowLeft: () => go(index - 1),
    PageUp: () => go(index - 1),
    Home: () => go(0),
    End: () => go(count - 1),
    " ": () => stage.toggle(),
    ".": () => stage.command("step", [1]),
    ",": () => stage.command("step", [-1]),
    r: () => stage.command("reset"),
    b: () => toggle("black"),
    f: fullscreen,
    n: narration,
    o: () => overview(),
    Escape: () => overview(),
    "?": () => (renderHelp($("help")), toggle("help", true)),
  };
  function onKey(key) {
    if (!$("help").hidden) return toggle("help", false);
    if (!$("black").hidden && key.toLowerCase() !== "b") return toggle("black", false);
    if (!$("overview").hidden && !["o", "O", "Escape"].includes(key)) return false;
    const action = actions[key] ?? actions[key.toLowerCase()];
    if (!action) return false;
    action();
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.target.closest(".overview-card") && (event.key === "Enter" || event.key === " ")) return;
    if (onKey(event.key) !== false) event.preventDefault();
  });
  // Keys pressed inside the scene's frame come back as messages (embed.js hands them up).
  const DECK_METHODS = { left: "ArrowLeft", right: "ArrowRight", prev: "PageUp", next: "PageDown" };
  window.addEventListener("message", (event) => {
    if (event.origin !== location.origin || !stage.isCurrent(event.source)) return;
    const { data } = event;
    if (typeof data === "string" && data.startsWith("{")) {
      try {
        const method = JSON.parse(data).method;
        if (DECK_METHODS[method]) onKey(DECK_METHODS[method]);
      } catch (_) {
        /* not a deck command */
      }
    } else if (data?.gdviz === 1 && data.event === "key" && typeof data.key === "string") {
      onKey(data.key);
    }
  });

  $("prev").addEventListener("click", () => go(index - 1));
  $("next").addEventListener("click", () => go(index + 1));
  $("overview-button").addEventListener("click", () => overview());
  $("narration-button").addEventListener("click", narration);
  $("help-button").addEventListener("click", () => (renderHelp($("help")), toggle("help", true)));
  $("black").addEventListener("click", () => toggle("black", false));
  $("lang").addEventListener("change", () => switchTo($("lang").value));
  window.addEventListener("hashchange", () => go(fromHash()));
  go(fromHash());
}

main().catch((error) => say(t("present.load_failed", { error: error.message }), "error"));
