// The scenes on screen: one iframe per scene (the embed of its page), the current one shown and
// its neighbours loaded behind it, so that moving to the next scene shows plots already drawn.
const EMBEDS = { surfaces: "/embed", network: "/network/embed", backprop: "/backprop/embed" };
const VIEW_OPTIONS = ["lang", "theme", "present", "hide", "autoplay", "loop"];
const KEEP = 1; // scenes kept loaded on each side of the current one

/** The URL of a scene inside /present: its page's embed in the projector theme, in `lang`. */
export function sceneURL(scene, lang) {
  const path = EMBEDS[scene.page] ?? `/${encodeURIComponent(scene.page)}/embed`;
  const params = new URLSearchParams(scene.query ?? "");
  for (const key of VIEW_OPTIONS) params.delete(key);
  params.set("lang", lang);
  params.set("theme", "projector");
  params.set("present", "1");
  params.set("hide", "table");
  return `${path}?${params}`;
}

export function createStage(root, { lang, onReady }) {
  const frames = new Map(); // scene index -> {frame, url, ready}
  let current = -1;

  function frameFor(index, scene) {
    const url = sceneURL(scene, lang);
    const known = frames.get(index);
    if (known && known.url === url) return known;
    known?.frame.remove();
    const frame = document.createElement("iframe");
    frame.className = "scene-frame";
    frame.src = url;
    frame.title = typeof scene.title === "object" ? (scene.title[lang] ?? scene.title.en ?? "") : (scene.title ?? "");
    frame.setAttribute("allow", "fullscreen");
    const entry = { frame, url, ready: false, index };
    frames.set(index, entry);
    root.append(frame);
    return entry;
  }

  const post = (entry, method, args = []) => entry?.frame.contentWindow?.postMessage({ gdviz: 1, method, args }, location.origin);

  let toggleAsked = false; // space: play or pause, whichever the scene is not doing (asked with getState)
  window.addEventListener("message", (event) => {
    if (event.origin !== location.origin || event.data?.gdviz !== 1) return;
    const entry = [...frames.values()].find((e) => e.frame.contentWindow === event.source);
    if (!entry) return;
    if (event.data.event === "ready") {
      entry.ready = true;
      if (entry.index === current) onReady(entry.index);
    } else if (event.data.event === "state" && toggleAsked && entry.index === current) {
      toggleAsked = false;
      post(entry, event.data.playing ? "pause" : "play");
    }
  });

  return {
    /** Show scene `index` of `scenes`; its neighbours load behind it; others are dropped. */
    show(index, scenes) {
      const previous = frames.get(current);
      if (previous && current !== index) post(previous, "pause");
      current = index;
      for (const [i, entry] of frames) {
        if (Math.abs(i - index) > KEEP) {
          entry.frame.remove();
          frames.delete(i);
        }
      }
      const entry = frameFor(index, scenes[index]);
      for (const other of frames.values()) other.frame.classList.toggle("current", other === entry);
      if (scenes[index].autoplay) {
        post(entry, "seek", [0]);
        post(entry, "play");
      }
      if (entry.ready) onReady(index);
      for (const near of [index + 1, index - 1]) if (scenes[near]) frameFor(near, scenes[near]);
      return entry;
    },
    /** A command to the shown scene (the embed's postMessage API). */
    command(method, args = []) {
      post(frames.get(current), method, args);
    },
    /** Play if paused, pause if playing. */
    toggle() {
      toggleAsked = true;
      post(frames.get(current), "getState");
    },
    /** Whether a message came from the shown scene. */
    isCurrent(source) {
      return frames.get(current)?.frame.contentWindow === source;
    },
    focus() {
      frames.get(current)?.frame.blur();
      window.focus();
    },
  };
}
