// The explorer as slides and /present drive it through the embed bridge (embed.js): play, pause,
// step and seek, reset to the scene the address gave (at step 0), setState to another one.
import { decode, encode } from "./state.js";

/**
 * `run()` runs the store's state and resolves when the run is drawn; `ran(state)` tells whether the
 * latest run was of that state's request (then only the step changes); `refresh()` shows a state
 * set from outside in the controls; `onReset()` undoes what the reader did beside the state (the
 * "move start" mode). The page calls the listeners it is given on each step and at the end.
 */
export function createExplorerView({ store, player, run, catalog, ran, refresh, onReset, cursorListeners, endListeners }) {
  const original = store.get(); // the scene as the address gave it
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  const settle = () => store.set({ cursor: player.cursor });

  // A whole state: run only when its request differs from the one on screen.
  async function load(state) {
    player.pause();
    store.set(state);
    refresh();
    if (!ran(state)) return run();
    if (state.cursor === null) player.end();
    else player.set(state.cursor);
    settle();
  }

  return {
    ready,
    play: () => player.play(),
    pause() {
      player.pause();
      settle();
    },
    step(n = 1) {
      player.stepBy(n);
      settle();
    },
    seek(k) {
      player.pause();
      player.set(k);
      settle();
    },
    reset() {
      onReset();
      return load({ ...original, cursor: 0 });
    },
    setState: (query) => load(decode(query, catalog)),
    getState: () => ({ query: encode(store.get()), step: player.cursor, playing: player.playing }),
    onCursor: (fn) => cursorListeners.push(fn),
    onEnded: (fn) => endListeners.push(fn),
    markReady: () => markReady(),
  };
}
