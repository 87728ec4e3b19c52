// The explorer's hero figure: the contour for a surface in two variables, the curve for one in x alone
// (`dims` 1). Both have one handle (contour.js, curve.js); this picks the one the surface needs and
// hides the other, so that the page drives "the hero" and never asks which.
import { createContour } from "./contour.js";
import { createCurve } from "./curve.js";

/** `box`: the element holding #contour and #curve; the options are the contour's and the curve's. */
export function createHero(box, options) {
  const contour = createContour(box.querySelector("#contour"), options);
  const curve = createCurve(box.querySelector("#curve"), options);
  let active = contour;

  function choose(info) {
    active = info.dims === 1 ? curve : contour;
    box.classList.toggle("one-d", active === curve);
    box.dataset.hero = active === curve ? "curve" : "contour";
  }

  const forward = (name) => (...args) => active[name](...args);
  return {
    showSurface(args) {
      choose(args.info);
      active.showSurface(args);
    },
    reset(args) {
      choose(args.info);
      active.reset(args);
    },
    setView: forward("setView"),
    setStart: forward("setStart"),
    appendChunk: forward("appendChunk"),
    setCursor: forward("setCursor"),
    reveal: forward("reveal"),
    markDiverged: forward("markDiverged"),
    setOutcome: forward("setOutcome"),
    settle: forward("settle"),
    downloadPNG: forward("downloadPNG"),
    get kind() {
      return active === curve ? "curve" : "contour";
    },
  };
}
