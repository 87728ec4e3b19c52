// One of the reader's decks on /decks: rename it, present, export, download it offline, delete it;
// its scenes in order, each to open, move up or down, delete, and edit (title, narration, what to
// notice, what to try) in the reader's language. Every text is set as text, never as HTML.
import { h } from "../dom.js";
import { lang, t } from "../i18n.js";
import { say } from "../page.js";
import * as store from "../deck-store.js";
import { offlineButton, openLink, pageBadge, presentLink, sceneCount } from "./parts.js";

const OTHER = lang === "zh" ? "en" : "zh";

/** Runs a change to the store; a refusal (full storage, a deck gone) is said in the page. */
function attempt(change) {
  try {
    change();
    return true;
  } catch (error) {
    say(error.message, "error");
    return false;
  }
}

// A delete that asks once more on the button itself (no browser dialog in front of a class).
function confirmingButton(label, confirmLabel, attrs, onConfirm) {
  const button = h("button", { type: "button", ...attrs }, label);
  let armed = null;
  button.addEventListener("click", () => {
    if (armed) return (clearTimeout(armed), onConfirm());
    button.textContent = confirmLabel;
    button.classList.add("armed");
    armed = setTimeout(() => {
      armed = null;
      button.textContent = label;
      button.classList.remove("armed");
    }, 4000);
  });
  return button;
}

const iconButton = (label, attrs, text) =>
  h("button", { type: "button", "aria-label": label, title: label, ...attrs }, text);

function header(deck, { redraw, offline }) {
  const title = h("input", {
    type: "text",
    class: "deck-title",
    value: store.localText(deck.title),
    maxlength: 200,
    "aria-label": t("decks.deck_name"),
    "data-testid": "deck-title",
  });
  title.addEventListener("change", () => {
    if (attempt(() => store.renameDeck(deck.id, title.value))) redraw({ message: t("decks.renamed") });
  });
  const exportIt = () => attempt(() => store.exportDeck(deck.id));
  const remove = () => attempt(() => store.deleteDeck(deck.id)) && redraw({ select: "", message: t("decks.deleted") });
  const deleteAttrs = { class: "danger", "data-testid": "deck-delete" };
  const deleteDeck = confirmingButton(t("decks.delete_deck"), t("decks.delete_confirm"), deleteAttrs, remove);
  return h(
    "div",
    { class: "deck-head" },
    title,
    h(
      "div",
      { class: "deck-bar" },
      h("span", { class: "deck-meta" }, sceneCount(deck.scenes.length)),
      presentLink(`local:${deck.id}`, deck.scenes.length > 0),
      h("button", { type: "button", "data-testid": "deck-export", onclick: exportIt }, t("decks.export")),
      offlineButton(deck, offline),
      deleteDeck,
    ),
  );
}

// A field stored without languages (a hand-written file) is the reader's language's.
const mine = (value) => (typeof value === "string" || Array.isArray(value) ? value : value?.[lang]);
const theirs = (value) => (typeof value === "string" || Array.isArray(value) ? null : value?.[OTHER]);
const asText = (value) => (Array.isArray(value) ? value.join("\n") : (value ?? ""));
const LINES = new Set(["notice", "try"]);

/** An input (the title) or a text area for one field of a scene, in the reader's language; the other
 * language's text is its placeholder. It saves on change. "notice" and "try" hold one line per item. */
function field(deck, index, name) {
  const value = deck.scenes[index][name];
  const label = t(`decks.field.${name}`);
  const attrs = {
    placeholder: asText(theirs(value)) || t(`decks.placeholder.${name}`),
    "aria-label": label,
    "data-testid": `scene-${name}`,
  };
  const box =
    name === "title"
      ? h("input", { type: "text", class: "scene-title", maxlength: 200, ...attrs })
      : h("textarea", { rows: 2, ...attrs });
  box.value = asText(mine(value));
  box.addEventListener("change", () => {
    const text = box.value.trim();
    const patch = { [name]: LINES.has(name) ? text.split("\n").map((line) => line.trim()).filter(Boolean) : text };
    if (attempt(() => store.editScene(deck.id, index, patch))) say(t("decks.saved"));
  });
  return name === "title" ? box : h("label", { class: `scene-field scene-${name}` }, h("span", {}, label), box);
}

function sceneCard(deck, index, { redraw }) {
  const scene = deck.scenes[index];
  const move = (delta) => {
    const focus = [index + delta, delta < 0 ? "scene-up" : "scene-down"];
    if (attempt(() => store.moveScene(deck.id, index, delta))) redraw({ focus });
  };
  const remove = () =>
    attempt(() => store.deleteScene(deck.id, index)) && redraw({ message: t("decks.scene_deleted") });
  const autoplay = h("input", { type: "checkbox", checked: scene.autoplay === true, "data-testid": "scene-autoplay" });
  autoplay.addEventListener("change", () => {
    if (attempt(() => store.editScene(deck.id, index, { autoplay: autoplay.checked }))) say(t("decks.saved"));
  });
  return h(
    "li",
    { class: "scene-card", "data-testid": "scene", "data-index": index },
    h(
      "div",
      { class: "scene-head" },
      h("span", { class: "scene-number" }, String(index + 1)),
      field(deck, index, "title"),
      pageBadge(scene),
      h(
        "div",
        { class: "scene-buttons" },
        openLink(scene),
        iconButton(
          t("decks.move_up"),
          { disabled: index === 0, "data-testid": "scene-up", onclick: () => move(-1) },
          "↑",
        ),
        iconButton(
          t("decks.move_down"),
          { disabled: index === deck.scenes.length - 1, "data-testid": "scene-down", onclick: () => move(1) },
          "↓",
        ),
        iconButton(t("decks.delete_scene"), { class: "danger", "data-testid": "scene-delete", onclick: remove }, "✕"),
      ),
    ),
    h(
      "div",
      { class: "scene-fields" },
      field(deck, index, "narration"),
      field(deck, index, "notice"),
      field(deck, index, "try"),
      h("label", { class: "scene-autoplay" }, autoplay, h("span", {}, t("decks.field.autoplay"))),
    ),
  );
}

/** Draws the reader's deck `deck` into `box`. `redraw({select?, message?, focus?})` redraws the page. */
export function showLocalDeck(box, deck, actions) {
  const scenes = deck.scenes.length
    ? h("ol", { class: "scenes", "data-testid": "scenes" }, deck.scenes.map((_, i) => sceneCard(deck, i, actions)))
    : h("p", { class: "deck-empty" }, t("decks.no_scenes"));
  box.replaceChildren(header(deck, actions), h("p", { class: "deck-help" }, t("decks.edit_help")), scenes);
}
