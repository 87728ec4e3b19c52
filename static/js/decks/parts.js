// Pieces both kinds of deck show on /decks: the count of scenes, a scene's page and its "Open" link.
import { h } from "../dom.js";
import { maybe, t } from "../i18n.js";
import { sceneURL } from "../deck-store.js";

export const sceneCount = (n) => t(n === 1 ? "decks.scene_count_one" : "decks.scene_count", { n });

/** The page a scene shows, as the header's tabs name it. */
export const pageBadge = (scene) => h("span", { class: "page-badge" }, maybe(`nav.${scene.page}`) ?? scene.page);

/** The scene's own view, on its page. */
export const openLink = (scene) =>
  h(
    "a",
    { class: "button", href: sceneURL(scene), title: t("decks.open_hint"), "data-testid": "scene-open" },
    t("decks.open"),
  );

/** "Offline HTML" of a whole deck. */
export const offlineButton = (deck, offline) =>
  h("button", { type: "button", "data-testid": "deck-offline", onclick: () => offline(deck) }, t("decks.offline"));

/** "Present" a deck: `key` is what /present?deck= takes (a built-in id, or local:<name>). */
export function presentLink(key, enabled = true) {
  const href = `/present?deck=${encodeURIComponent(key).replace("%3A", ":")}`;
  const attrs = { class: enabled ? "button primary" : "button primary disabled", href, "data-testid": "deck-present" };
  return h("a", attrs, t("decks.present"));
}
