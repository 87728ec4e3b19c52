// The trainability map: one heatmap cell per network, its final loss in log colour, the diverged cells
// in a colour of their own (a second heatmap holding only them), on log axes of the two parameters.
// The figure itself (axes, drag-zoom, click) is the shared cell map (plots/cellmap.js).
import { t } from "../i18n.js";
import { DIVERGED, LOSS_SCALE, colorBar, createCellMap, logTicks, maskTrace } from "../plots/cellmap.js";

export { DIVERGED, LOSS_SCALE };

/** The key's swatches in the map's own colours. */
export function paintKey(lossSwatch, divergedSwatch) {
  lossSwatch.style.background = `linear-gradient(to right, ${LOSS_SCALE.map(([, c]) => c).join(", ")})`;
  divergedSwatch.style.background = DIVERGED;
}

function traces(result, axes) {
  const diverged = result.status.map((row) => row.map((s) => s === "diverged"));
  const logLoss = result.final_loss.map((row, j) =>
    row.map((loss, i) => (diverged[j][i] || !(loss > 0) ? null : Math.log10(loss))),
  );
  const cells = result.final_loss.map((row, j) => row.map((loss, i) => [loss, result.steps_taken[j][i]]));
  const finite = logLoss.flat().filter((v) => v !== null);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
  const top = hi === lo ? lo + 1 : hi;
  const value = (name, axis) => t("trainability.hover.value", { name, value: `%{${axis}:.4g}` });
  const where = `${value(axes[0].title, "x")}<br>${value(axes[1].title, "y")}<br>`;
  const trained = t("trainability.hover.trained", { loss: "%{customdata[0]:.4g}", steps: "%{customdata[1]}" });
  const stopped = t("trainability.hover.diverged", { steps: "%{customdata[1]}" });
  return [
    { type: "heatmap", name: "loss", x: axes[0].values, y: axes[1].values, z: logLoss, customdata: cells,
      colorscale: LOSS_SCALE, zmin: lo, zmax: top, hoverongaps: false, hovertemplate: `${where}${trained}<extra></extra>`,
      colorbar: colorBar(t("trainability.colorbar"), logTicks(lo, top)) },
    maskTrace("diverged", axes, diverged, DIVERGED, { customdata: cells,
      hovertemplate: `${where}${stopped}<extra></extra>` }),
  ];
}

export function createMap(element, { onZoom, onPick }) {
  const map = createCellMap(element, { onZoom, onPick });
  return {
    /** Draws a sweep's answer, its axes titled `names` ([x, y]), both on log scales. */
    show(result, names) {
      const axes = result.axes.map((a, k) => ({ values: a.values, title: names[k], log: true }));
      map.show({ axes, traces: traces(result, axes) });
    },
    element,
  };
}
