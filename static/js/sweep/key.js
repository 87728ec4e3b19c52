// The key beside the maps, for the colouring on screen: the loss or steps scale, the statuses, or one entry per
// minimum in its basin's hue (deep to pale: fast to slow), then grey for none and red for diverged.
import { h, formatNumber } from "../dom.js";
import { t } from "../i18n.js";
import { DIVERGED, LOSS_SCALE } from "../plots/cellmap.js";
import { NONE, STATUS_COLORS, basinGradient } from "./cells.js";

const swatch = (background) => h("span", { class: "sw-swatch", "aria-hidden": "true",
  style: `background: ${background}` });
const item = (background, text, testid) => h("li", { "data-testid": testid }, swatch(background), text);
const scale = `linear-gradient(to right, ${LOSS_SCALE.map(([, c]) => c).join(", ")})`;

/** Fills the key `list` for the colouring `mode`; `minima` [{x, y} | null] are the basins' minima; `logLoss`: the
 * loss colours are on a log scale (every loss of the page is positive). */
export function paintKey(list, mode, minima, logLoss = true) {
  const diverged = item(DIVERGED, t("sweep.key.diverged"), "sw-key-diverged");
  const items = {
    loss: () => [item(scale, t(logLoss ? "sweep.key.loss" : "sweep.key.loss_linear"), "sw-key-loss")],
    steps: () => [item(scale, t("sweep.key.steps"), "sw-key-steps")],
    status: () => [item(STATUS_COLORS.converged, t("sweep.key.converged"), "sw-key-converged"),
      item(STATUS_COLORS.max_steps, t("sweep.key.max_steps"), "sw-key-max-steps")],
    basin: () => [
      ...minima.map((m, k) => m && item(basinGradient(k), t("sweep.key.minimum", { k: k + 1, x: formatNumber(m.x),
        y: formatNumber(m.y) }), `sw-key-minimum-${k}`)).filter(Boolean),
      h("li", { class: "hint" }, t(minima.some(Boolean) ? "sweep.key.speed" : "sweep.key.no_minima")),
      item(NONE, t("sweep.key.none"), "sw-key-none"),
    ].filter(Boolean),
  };
  list.replaceChildren(...items[mode](), diverged);
}
