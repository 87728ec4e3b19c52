// The trainability map: one heatmap cell per network, its final loss in log colour, the diverged cells
// in a colour of their own (a second heatmap holding only them), on log axes of the two parameters.
// A drag-zoom hands the zoomed ranges to `onZoom`; a click hands the cell to `onPick`. The only caller
// of Plotly for this figure.
import { t } from "../i18n.js";
import { boxSize, followBox, plotConfig } from "../plots/frame.js";
import { FONT_FAMILY, plotTheme } from "../plots/theme.js";

// Dark is a low loss (viridis); the diverged red is in no part of the scale.
export const LOSS_SCALE = [[0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"], [1, "#fde725"]];
export const DIVERGED = "#e0301e";

/** The key's swatches in the map's own colours. */
export function paintKey(lossSwatch, divergedSwatch) {
  lossSwatch.style.background = `linear-gradient(to right, ${LOSS_SCALE.map(([, c]) => c).join(", ")})`;
  divergedSwatch.style.background = DIVERGED;
}

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
// 10^k as the axes write it, 10⁻⁵.
const power = (k) => `10${[...String(k)].map((c) => SUPERSCRIPT[c]).join("")}`;

// Colour-bar ticks at the losses 10^k, else (a narrow span) at 1, 2 and 5 × 10^k, else at every digit; the text
// is the loss itself, not its logarithm.
function lossTicks(lo, hi) {
  const at = (digits) => {
    const out = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const m of digits) {
        const v = k + Math.log10(m);
        if (v >= lo - 1e-9 && v <= hi + 1e-9) out.push({ v, m, k });
      }
    }
    return out;
  };
  let ticks = at([1]);
  if (ticks.length < 3) ticks = at([1, 2, 5]);
  if (ticks.length < 3) ticks = at([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const stride = Math.ceil(ticks.length / 7);
  ticks = ticks.filter((_, i) => i % stride === 0);
  const text = ({ m, k }) => (k >= -3 && k <= 3 ? String(Number((m * 10 ** k).toPrecision(2))) : m === 1 ? power(k)
    : `${m}×${power(k)}`);
  return { tickvals: ticks.map((tick) => tick.v), ticktext: ticks.map(text) };
}

export function createMap(element, { onZoom, onPick }) {
  const Plotly = window.Plotly;
  const config = plotConfig({ doubleClick: false, scrollZoom: false, showTips: false });
  let shown = null; // {result, names: [xTitle, yTitle]}
  let wired = false;

  function traces(result) {
    const [xs, ys] = result.axes.map((a) => a.values);
    const diverged = (j, i) => result.status[j][i] === "diverged";
    const logLoss = result.final_loss.map((row, j) =>
      row.map((loss, i) => (diverged(j, i) || !(loss > 0) ? null : Math.log10(loss))),
    );
    const marks = result.status.map((row) => row.map((s) => (s === "diverged" ? 1 : null)));
    const cells = result.final_loss.map((row, j) => row.map((loss, i) => [loss, result.steps_taken[j][i]]));
    const finite = logLoss.flat().filter((v) => v !== null);
    const lo = finite.length ? Math.min(...finite) : 0;
    const hi = finite.length ? Math.max(...finite) : 1;
    const theme = plotTheme();
    const [xName, yName] = shown.names;
    const value = (name, axis) => t("trainability.hover.value", { name, value: `%{${axis}:.4g}` });
    const where = `${value(xName, "x")}<br>${value(yName, "y")}<br>`;
    const trained = t("trainability.hover.trained", { loss: "%{customdata[0]:.4g}", steps: "%{customdata[1]}" });
    const stopped = t("trainability.hover.diverged", { steps: "%{customdata[1]}" });
    return [
      { type: "heatmap", name: "loss", x: xs, y: ys, z: logLoss, customdata: cells, colorscale: LOSS_SCALE,
        zmin: lo, zmax: hi === lo ? lo + 1 : hi, hoverongaps: false,
        hovertemplate: `${where}${trained}<extra></extra>`,
        colorbar: { title: { text: t("trainability.colorbar"), side: "right", font: { size: theme.axisTitle } },
          thickness: theme.font + 4, len: 1, y: 0.5, ...lossTicks(lo, hi === lo ? lo + 1 : hi) } },
      { type: "heatmap", name: "diverged", x: xs, y: ys, z: marks, customdata: cells, showscale: false,
        colorscale: [[0, DIVERGED], [1, DIVERGED]], zmin: 0, zmax: 1, hoverongaps: false,
        hovertemplate: `${where}${stopped}<extra></extra>` },
    ];
  }

  function draw() {
    if (!shown) return;
    const theme = plotTheme();
    // Over a decade and a half, labels at the powers of ten only (Plotly's digit labels between them, "2", "5",
    // read as 2 and 5 however many decades they stand for) and unlabelled minor ticks; a narrower zoom keeps
    // Plotly's own ticks, which write the values out.
    const axis = (title, values) => ({ type: "log", title: { text: title, font: { size: theme.axisTitle } },
      autorange: true, exponentformat: "power", ticks: "outside", showgrid: false, zeroline: false, automargin: true,
      ...(Math.log10(values.at(-1) / values[0]) >= 1.5 ? { dtick: 1, minor: { dtick: "D1", ticks: "outside" } } : {}) });
    const [xs, ys] = shown.result.axes.map((a) => a.values);
    Plotly.react(element, traces(shown.result), {
      ...boxSize(element),
      margin: { l: 10, r: 10, t: theme.font, b: 10 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      font: { family: FONT_FAMILY, size: theme.font, color: "#1d2330" },
      hoverlabel: { font: { family: FONT_FAMILY, size: theme.font } },
      xaxis: axis(shown.names[0], xs),
      yaxis: axis(shown.names[1], ys),
      dragmode: "zoom",
      // A new map is a new view: Plotly must not keep the zoom of the old one.
      uirevision: shown.revision,
    }, config);
    if (!wired) wire();
  }

  function wire() {
    wired = true;
    element.on("plotly_relayout", (event) => {
      const range = (name) => {
        const lo = event[`${name}.range[0]`];
        const hi = event[`${name}.range[1]`];
        return lo === undefined || hi === undefined ? null : [10 ** Math.min(lo, hi), 10 ** Math.max(lo, hi)];
      };
      const x = range("xaxis");
      const y = range("yaxis");
      if (x || y) onZoom({ x, y });
    });
    element.on("plotly_click", (event) => {
      const point = event.points?.[0];
      if (!point || !shown) return;
      const [j, i] = point.pointNumber;
      onPick({ i, j, x: shown.result.axes[0].values[i], y: shown.result.axes[1].values[j] });
    });
  }
  followBox(element, () => draw());

  let revision = 0;
  return {
    /** Draws a sweep's answer, its axes titled `names` ([x, y]). */
    show(result, names) {
      shown = { result, names, revision: ++revision };
      draw();
    },
    element,
  };
}
