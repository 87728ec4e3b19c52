// The header's common controls, on every page that has the header: the language switch, "Add to deck"
// (the current view becomes a scene of one of the reader's decks) and "Offline HTML" (the current view
// as one self-contained file). The current view is the page and its address's query, unless the page
// says otherwise with provideView.
import { h } from "./dom.js";
import { lang, maybe, switchTo, t } from "./i18n.js";
import * as decks from "./deck-store.js";

const $ = (id) => document.getElementById(id);
const DEFAULT_DECK = "my-deck";
const LAST_DECK = "gdviz.lastDeck";
let viewSource = () => decks.viewAsScene(location);

/** Lets a page say what its current view is: fn() -> {page, query}. */
export function provideView(fn) {
  viewSource = fn;
}

// ── A short note under the header (where a scene went, what failed) ──────────

let note = null;
let noteTimer = null;

/** Shows `parts` (strings and nodes, never HTML) in the header's note; errors stay until closed. */
function notify(parts, kind = "info") {
  if (!note) {
    note = h("div", { class: "header-note", role: "status", "data-testid": "header-note" });
    document.body.append(note);
  }
  const hide = () => (note.hidden = true);
  const closeLabel = t("header.note_close");
  const close = h("button", { type: "button", class: "link", "aria-label": closeLabel, onclick: hide }, "×");
  note.replaceChildren(h("span", {}, ...parts), close);
  note.className = `header-note ${kind}`;
  // Just under the header, however many lines its buttons and tagline wrap onto.
  note.style.top = `${(document.querySelector("header.top")?.getBoundingClientRect().bottom ?? 0) + 6}px`;
  note.hidden = false;
  clearTimeout(noteTimer);
  if (kind !== "error") noteTimer = setTimeout(hide, 12_000);
}

// ── Add to deck ──────────────────────────────────────────────────────────────

function lastDeck() {
  try {
    return localStorage.getItem(LAST_DECK);
  } catch (_) {
    return null;
  }
}

/** The dialog that asks which deck: one of the reader's decks, or a new one by name. */
function askDeck() {
  const existing = decks.listDecks();
  const choice = h(
    "select",
    { name: "deck", "data-testid": "deck-choice" },
    existing.map((deck) => h("option", { value: deck.id }, decks.localText(deck.title) || deck.id)),
    h("option", { value: "" }, t("header.deck_new")),
  );
  const preferred = existing.find((deck) => deck.id === lastDeck()) ?? existing.at(-1);
  choice.value = preferred?.id ?? "";
  const name = h("input", { type: "text", value: DEFAULT_DECK, maxlength: 200, "data-testid": "deck-name" });
  const nameRow = h("label", { class: "deck-dialog-row" }, h("span", {}, t("header.deck_name")), name);
  const showName = () => (nameRow.hidden = choice.value !== "");
  choice.addEventListener("change", showName);
  showName();

  const dialog = h(
    "dialog",
    { class: "deck-dialog", "data-testid": "deck-dialog", "aria-label": t("header.deck_dialog") },
    h(
      "form",
      { method: "dialog" },
      h("h2", {}, t("header.deck_dialog")),
      h("label", { class: "deck-dialog-row" }, h("span", {}, t("header.deck_choose")), choice),
      nameRow,
      h(
        "div",
        { class: "deck-dialog-buttons" },
        h("button", { type: "button", onclick: () => dialog.close() }, t("header.cancel")),
        h("button", { type: "submit", value: "add", class: "primary", "data-testid": "deck-add" }, t("header.add")),
      ),
    ),
  );
  // The page's own keys (space plays, arrows step, → next scene) must not act while the dialog is open.
  dialog.addEventListener("keydown", (event) => event.stopPropagation());
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "add" ? { id: choice.value, name: name.value } : null);
    });
    dialog.showModal();
    (choice.value === "" ? name : choice).focus();
  });
}

async function addToDeck() {
  const answer = await askDeck();
  if (!answer) return;
  try {
    const deck = answer.id ? decks.getDeck(answer.id) : (decks.findDeck(answer.name) ?? decks.createDeck(answer.name));
    const view = viewSource();
    const page = maybe(`nav.${view.page}`) ?? view.page;
    const title = t("header.scene_title", { page, n: deck.scenes.length + 1 });
    const { index } = decks.addScene(deck.id, { ...view, title });
    try {
      localStorage.setItem(LAST_DECK, deck.id);
    } catch (_) {
      /* storage blocked: the next dialog just preselects the newest deck */
    }
    const where = `/decks#local:${deck.id}`;
    const name = decks.localText(deck.title) || deck.id;
    notify([t("header.added", { deck: name, n: index + 1 }), " ", h("a", { href: where }, t("header.open_decks"))]);
  } catch (error) {
    notify([error.message], "error");
  }
}

// ── Offline HTML ─────────────────────────────────────────────────────────────

/** Builds and downloads one self-contained file of `scenes` (static/js/offline/build.js); its progress
 * and any failure are said in the header's note. */
export async function offlineFile({ title, scenes, filename }) {
  let build;
  try {
    build = await import("./offline/build.js");
  } catch (error) {
    console.warn("gdviz: the offline builder could not be loaded", error);
    notify([t("header.offline_unavailable")], "error");
    return;
  }
  try {
    const onProgress = (text) => notify([text]);
    await build.downloadOffline({ title, scenes, lang, filename, onProgress });
    notify([t("header.offline_done", { file: filename })]);
  } catch (error) {
    notify([error.message], "error");
  }
}

function offlineView() {
  const view = viewSource();
  const scene = { id: "view", title: { [lang]: document.title }, ...view, narration: {}, notice: {}, try: {} };
  return offlineFile({ title: document.title, scenes: [scene], filename: `gdviz-${view.page}.html` });
}

// ── Wiring ───────────────────────────────────────────────────────────────────

$("lang")?.addEventListener("change", (event) => switchTo(event.target.value));
$("add-to-deck")?.addEventListener("click", addToDeck);
$("offline-html")?.addEventListener("click", offlineView);
