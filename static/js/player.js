// Playback: the current step, play/pause, scrubbing, speed, and the
// AbortController of the run being streamed (a new run aborts the old one).
import { t } from "./i18n.js";

/** `onEnd()` is called when playback reaches the last step by itself. */
export function createPlayer({ slider, playButton, readout, onCursor, onEnd }) {
  let max = 0;
  let cursor = 0;
  let playing = false;
  let following = true; // while a run streams in, the cursor stays at its end
  let speed = 1;
  let controller = null;
  let lastTime = 0;

  function show() {
    slider.max = String(max);
    slider.value = String(cursor);
    readout.textContent = t("player.readout", { step: cursor, max });
    playButton.textContent = playing ? "❚❚" : "▶";
    playButton.setAttribute("aria-label", t(playing ? "player.pause" : "player.play"));
  }

  function set(step, { follow = false } = {}) {
    cursor = Math.max(0, Math.min(max, Math.round(step)));
    following = follow || cursor === max;
    show();
    onCursor(cursor);
  }

  // A whole run plays in about ten seconds at 1×, however many steps it has.
  const stepsPerSecond = () => Math.max(30, max / 10) * speed;

  function tick(time) {
    if (!playing) return;
    const elapsed = lastTime ? (time - lastTime) / 1000 : 0;
    lastTime = time;
    const next = cursor + elapsed * stepsPerSecond();
    if (next >= max) {
      set(max);
      pause();
      onEnd?.();
      return;
    }
    cursor = next; // fractional between frames; shown rounded
    const shown = Math.floor(cursor);
    slider.value = String(shown);
    readout.textContent = t("player.readout", { step: shown, max });
    onCursor(shown);
    requestAnimationFrame(tick);
  }

  function play() {
    if (playing) return;
    if (cursor >= max) cursor = 0;
    playing = true;
    following = false;
    lastTime = 0;
    show();
    requestAnimationFrame(tick);
  }

  function pause() {
    playing = false;
    cursor = Math.round(cursor);
    show();
  }

  slider.addEventListener("input", () => {
    const step = Number(slider.value); // read before pause() redraws the slider at the old step
    pause();
    set(step);
  });
  playButton.addEventListener("click", () => (playing ? pause() : play()));

  return {
    get cursor() {
      return Math.round(cursor);
    },
    get playing() {
      return playing;
    },
    get max() {
      return max;
    },
    setMax(n) {
      max = n;
      if (following && !playing) set(max, { follow: true });
      else show();
    },
    // A new run: it follows the end as it streams in, unless the view asks for a step of its own.
    reset(requestedStep = null) {
      pause();
      max = 0;
      cursor = 0;
      following = requestedStep === null;
      show();
    },
    set,
    play,
    pause,
    toggle: () => (playing ? pause() : play()),
    stepBy: (delta) => {
      pause();
      set(cursor + delta);
    },
    home: () => (pause(), set(0)),
    end: () => (pause(), set(max)),
    setSpeed: (value) => (speed = value),
    // A fresh AbortSignal for a new stream; the previous stream is cancelled.
    newRun() {
      controller?.abort();
      controller = new AbortController();
      return controller.signal;
    },
  };
}
