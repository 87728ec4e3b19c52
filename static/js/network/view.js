// The Network view as slides and /present drive it through the embed bridge (static/js/embed.js):
// play, pause, step and seek (a step is a record: the position of the step slider, the URL's `k`),
// reset to the scene the address gave, and setState to another one.
import { decode, encode } from "./state.js";

/**
 * `train()` trains the store's state and resolves when the training is over; `trained(state)` tells
 * whether the latest training was of that state's request (then only the step changes); `refresh()`
 * shows a state set from outside in the controls. The page calls the listeners it gives on each step
 * and when playback reaches the end.
 */
export function createNetworkView({ store, player, train, trained, refresh, cursorListeners, endListeners }) {
  const original = store.get(); // the scene as the address gave it
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));

  const settle = () => store.set({ cursor: player.cursor });

  // A whole state: trained only when its request differs from the one on screen.
  async function load(state) {
    player.pause();
    store.set(state);
    refresh(state);
    if (!trained(state)) return train();
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
    reset: () => load({ ...original, cursor: 0 }),
    setState: (query) => load(decode(query)),
    getState: () => ({ query: encode(store.get()), step: player.cursor, playing: player.playing }),
    onCursor: (fn) => cursorListeners.push(fn),
    onEnded: (fn) => endListeners.push(fn),
    markReady: () => markReady(),
  };
}
