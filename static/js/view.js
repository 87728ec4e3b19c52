// A page's view as slides and /present drive it through the embed bridge (embed.js): play, pause,
// step and seek, reset to the scene the address gave (at step 0), setState to another one.
// One object for both pages: the explorer's steps are optimizer steps, the Network view's are records.

/**
 * `run()` computes the store's state and resolves when it is drawn; `ran(state)` tells whether the
 * latest run was of that state's request (then only the step changes); `decode(query)` and
 * `encode(state)` are the page's URL codec; `refresh()` shows a state set from outside in the
 * controls; `onReset()` undoes what the reader did beside the state (the "move start" mode). The
 * page calls the listeners it is given on each step and at the end, and `markReady()` once drawn.
 */
export function createView({ store, player, run, ran, decode, encode, refresh, onReset = () => {}, cursorListeners,
  endListeners }) {
  const original = store.get(); // the scene as the address gave it
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  const settle = () => store.set({ cursor: player.cursor });

  // A whole state: computed only when its request differs from the one on screen.
  async function load(state) {
    player.pause();
    store.set(state);
    refresh(state);
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
    setState: (query) => load(decode(query)),
    getState: () => ({ query: encode(store.get()), step: player.cursor, playing: player.playing }),
    onCursor: (fn) => cursorListeners.push(fn),
    onEnded: (fn) => endListeners.push(fn),
    markReady: () => markReady(),
  };
}
