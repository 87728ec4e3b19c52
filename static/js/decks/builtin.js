// A built-in deck on /decks, to look at: its scenes (each to open), "Present", the offline file, and
// "Copy to my decks" to make an editable copy of it.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { localLines, localText } from "../deck-store.js";
import { offlineButton, openLink, pageBadge, presentLink, sceneCount } from "./parts.js";

function sceneRow(scene, index) {
  const notice = localLines(scene.notice);
  return h(
    "li",
    { class: "scene-card readonly", "data-testid": "scene" },
    h(
      "div",
      { class: "scene-head" },
      h("span", { class: "scene-number" }, String(index + 1)),
      h("span", { class: "scene-title-text" }, localText(scene.title)),
      pageBadge(scene),
      h("div", { class: "scene-buttons" }, openLink(scene)),
    ),
    h("p", { class: "scene-text" }, localText(scene.narration)),
    notice.length ? h("ul", { class: "scene-lines" }, notice.map((line) => h("li", {}, line))) : null,
  );
}

/** Draws the built-in deck `deck` (as /api/decks/{id} answers it) into `box`. */
export function showBuiltinDeck(box, deck, { copy, offline }) {
  box.replaceChildren(
    h(
      "div",
      { class: "deck-head" },
      h("h1", { class: "deck-title-text" }, localText(deck.title)),
      h(
        "div",
        { class: "deck-bar" },
        h("span", { class: "deck-meta" }, sceneCount(deck.scenes.length)),
        presentLink(deck.id),
        h("button", { type: "button", "data-testid": "deck-copy", onclick: () => copy(deck) }, t("decks.copy")),
        offlineButton(deck, offline),
      ),
    ),
    h("p", { class: "deck-help" }, t("decks.builtin_help")),
    h("ol", { class: "scenes", "data-testid": "scenes" }, deck.scenes.map(sceneRow)),
  );
}
