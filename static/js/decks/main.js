// The /decks page: the reader's decks (this browser's) and the built-in ones on the left, the chosen one
// on the right; the choice is the address's hash (#local:<name> or #<built-in id>).
import * as api from "../api.js";
import * as store from "../deck-store.js";
import { h } from "../dom.js";
import { lang, t } from "../i18n.js";
import { $, say } from "../page.js";
import { offlineFile } from "../header.js";
import { showBuiltinDeck } from "./builtin.js";
import { renderLists } from "./lists.js";
import { showLocalDeck } from "./local.js";

let builtins = [];
const fullDecks = new Map(); // built-in id -> Promise of the whole deck

const selected = () => decodeURIComponent(location.hash.slice(1));

function select(key) {
  history.replaceState(null, "", key ? `#${key}` : location.pathname + location.search);
}

/** The deck to show: the hash's if it exists, else the reader's first, else the first built-in one. */
function current(mine) {
  const key = selected();
  if (key.startsWith("local:") ? store.getDeck(key.slice("local:".length)) : builtins.some((d) => d.id === key)) {
    return key;
  }
  return mine.length ? `local:${mine[0].id}` : (builtins[0]?.id ?? "");
}

const actions = {
  redraw,
  offline: (deck) =>
    offlineFile({ title: store.localText(deck.title), scenes: deck.scenes, filename: `${deck.id}-${lang}.html` }),
  copy(deck) {
    try {
      const copy = store.copyDeck(deck);
      redraw({ select: `local:${copy.id}`, message: t("decks.copied", { deck: store.localText(copy.title) }) });
    } catch (error) {
      say(error.message, "error");
    }
  },
};

async function showBuiltin(box, id) {
  if (!fullDecks.has(id)) fullDecks.set(id, api.deck(id));
  box.replaceChildren(h("p", { class: "deck-empty" }, t("decks.loading")));
  try {
    const deck = await fullDecks.get(id);
    if (current(store.listDecks()) === id) showBuiltinDeck(box, deck, actions); // not if another was chosen since
  } catch (error) {
    fullDecks.delete(id);
    box.replaceChildren();
    say(t("decks.builtin_failed", { reason: error.message }), "error");
  }
}

/** Draws the page from the store. `select` changes the chosen deck; `focus` is [scene index, testid]
 * of a button to keep the focus on (after a move); `message` is said in the page. */
function redraw({ select: key, focus, message } = {}) {
  if (key !== undefined) select(key);
  const mine = store.listDecks();
  const chosen = current(mine);
  renderLists(mine, builtins, chosen);
  const box = $("deck");
  if (chosen.startsWith("local:")) showLocalDeck(box, store.getDeck(chosen.slice("local:".length)), actions);
  else if (chosen) showBuiltin(box, chosen);
  else box.replaceChildren(h("p", { class: "deck-empty" }, t("decks.empty_help")));
  if (message !== undefined) say(message);
  if (focus) {
    const [index, testid] = focus;
    const button = box.querySelector(`[data-index="${index}"] [data-testid="${testid}"]`);
    (button?.disabled ? box.querySelector(`[data-index="${index}"] [data-testid="scene-title"]`) : button)?.focus();
  }
}

async function importFile(input) {
  const [file] = input.files;
  input.value = ""; // the same file can be chosen again
  if (!file) return;
  try {
    const deck = store.importDeck(await file.text(), file.name);
    redraw({ select: `local:${deck.id}`, message: t("decks.imported", { deck: store.localText(deck.title) }) });
  } catch (error) {
    say(error.message, "error");
  }
}

function wireNewDeck() {
  $("new-deck").addEventListener("click", () => {
    const name = t("decks.new_name");
    try {
      const deck = store.createDeck(store.findDeck(name) ? `${name} ${store.listDecks().length + 1}` : name);
      redraw({ select: `local:${deck.id}`, message: t("decks.created") });
      $("deck").querySelector('[data-testid="deck-title"]')?.select();
    } catch (error) {
      say(error.message, "error");
    }
  });
}

async function main() {
  $("deck-import").addEventListener("change", (event) => importFile(event.target));
  wireNewDeck();
  window.addEventListener("hashchange", () => redraw());
  // Another tab (a view's "Add to deck") changed the reader's decks: show them as they are now.
  window.addEventListener("storage", () => redraw());
  redraw();
  try {
    builtins = await api.decks();
  } catch (error) {
    say(t("decks.builtin_failed", { reason: error.message }), "error");
  }
  redraw();
}

main();
