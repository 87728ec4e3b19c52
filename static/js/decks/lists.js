// The left column of /decks: the reader's decks and the built-in ones, each a link to its #key
// (`local:<name>` for the reader's, the id for a built-in one, as /present?deck= names them).
import { h } from "../dom.js";
import { localText } from "../deck-store.js";
import { sceneCount } from "./parts.js";

function item(key, title, count, current) {
  return h(
    "li",
    {},
    h(
      "a",
      { href: `#${key}`, class: key === current ? "deck-item current" : "deck-item", "data-deck": key },
      h("span", { class: "deck-item-title" }, title),
      h("span", { class: "deck-item-count" }, sceneCount(count)),
    ),
  );
}

/** Fills both lists; `current` is the selected deck's key. */
export function renderLists(mine, builtins, current) {
  const own = document.getElementById("local-decks");
  own.replaceChildren(...mine.map((d) => item(`local:${d.id}`, localText(d.title) || d.id, d.scenes.length, current)));
  document.getElementById("no-local").hidden = mine.length > 0;
  document
    .getElementById("builtin-decks")
    .replaceChildren(...builtins.map((d) => item(d.id, localText(d.title) || d.id, d.scenes, current)));
}
