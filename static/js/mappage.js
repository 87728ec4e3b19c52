// What the two map pages (/trainability and /sweep) wire alike: the zoom and cancel buttons, "copy link" and
// "embed code", and the embed bridge of a view that has no steps to play (a scene is its address).
import { connectEmbed } from "./embed.js";
import { copyText, embedSnippet } from "./export.js";
import { t, withLang } from "./i18n.js";
import { $, say, viewOptions } from "./page.js";

/**
 * `original` is the view as the address gave it (an embed's reset). `room` is the page's message room (`${room}.link_copied`, `${room}.embed_copied`); `embedPath` its embed's
 * path; `run()` computes the store's state and resolves when it is drawn; `read(query)` decodes an address;
 * `back`, `resetZoom`, `cancel` are the page's handlers of its buttons.
 */
export function wireMapPage({ store, original, encode, read, run, room, embedPath, back, resetZoom, cancel }) {
  $("zoom-back").addEventListener("click", back);
  $("zoom-reset").addEventListener("click", resetZoom);
  $("cancel").addEventListener("click", cancel);
  $("share")?.addEventListener("click", async () => {
    const query = [encode(store.get()), viewOptions()].filter(Boolean).join("&");
    await copyText(`${location.origin}${location.pathname}?${withLang(query)}`);
    say(t(`${room}.link_copied`));
  });
  $("embed-code")?.addEventListener("click", async () => {
    await copyText(embedSnippet(withLang(encode(store.get())), embedPath));
    say(t(`${room}.embed_copied`));
  });
  const ready = run();
  connectEmbed({
    ready,
    play() {},
    pause() {},
    step() {},
    seek() {},
    reset: () => store.set(structuredClone(original)),
    async setState(query) {
      store.set(read(query));
      await run();
    },
    getState: () => ({ query: encode(store.get()), step: 0, playing: false }),
    onCursor() {},
    onEnded() {},
  });
}
