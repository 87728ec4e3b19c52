// What /present shows around the scene: the notes (narration, what to notice, what to try),
// the overview of all scenes, and the keyboard help. Scene text is set as text, never as HTML.
import { localLines, localText } from "../deck-store.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function renderNotes(root, scene) {
  const list = (key, items) =>
    items.length ? [h("h2", {}, t(key)), h("ul", {}, ...items.map((item) => h("li", {}, item)))] : [];
  root.replaceChildren(
    h("p", { class: "narration-text" }, localText(scene.narration)),
    ...list("present.notice", localLines(scene.notice)),
    ...list("present.try", localLines(scene.try)),
  );
}

export function renderOverview(root, deck, current, onPick) {
  const cards = deck.scenes.map((scene, i) =>
    h(
      "button",
      { type: "button", class: `overview-card${i === current ? " current" : ""}`, onclick: () => onPick(i) },
      h("span", { class: "overview-number" }, String(i + 1)),
      scene.section ? h("span", { class: "overview-section" }, t("present.section", { section: scene.section })) : null,
      h("span", { class: "overview-title" }, localText(scene.title)),
    ),
  );
  root.replaceChildren(
    h("h2", {}, t("present.overview_title", { deck: localText(deck.title) || deck.id })),
    h("div", { class: "overview-grid" }, ...cards),
  );
  return cards;
}

const KEYS = [
  ["→  PageDown", "present.key.next"],
  ["←  PageUp", "present.key.prev"],
  ["Home  End", "present.key.ends"],
  [null, "present.key.play"], // the space bar: its name is a word of the page's language
  [".  ,", "present.key.step"],
  ["R", "present.key.reset"],
  ["B", "present.key.black"],
  ["F", "present.key.fullscreen"],
  ["N", "present.key.narration"],
  ["O  Esc", "present.key.overview"],
  ["?", "present.key.help"],
];

export function renderHelp(root) {
  root.replaceChildren(
    h("h2", {}, t("present.help_title")),
    h("dl", {}, ...KEYS.flatMap(([keys, key]) => [h("dt", {}, keys ?? t("present.space_bar")), h("dd", {}, t(key))])),
    h("p", { class: "help-close" }, t("present.help_close")),
  );
}
