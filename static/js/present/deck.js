// The deck to present: a built-in one from the server, or `local:<name>`, one of the reader's.
import { t } from "../i18n.js";
import { deck as builtinDeck } from "../api.js";
import { getDeck } from "../deck-store.js";

export async function loadDeck(id) {
  if (id.startsWith("local:")) {
    const found = getDeck(id.slice("local:".length));
    if (!found) throw new Error(t("present.unknown_deck", { deck: id }));
    return found;
  }
  try {
    return await builtinDeck(id);
  } catch (error) {
    throw error.status === 404 ? new Error(t("present.unknown_deck", { deck: id })) : error;
  }
}
