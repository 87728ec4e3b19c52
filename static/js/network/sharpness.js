// The sharpness plot: per run the largest eigenvalue of the Hessian over training (for Adam that of the
// preconditioned Hessian P⁻¹H, which the title and the line's name say), each with the stability threshold
// its optimizer meets (runs.js), a dashed line in the run's colour labelled with its formula and value.
import { formatNumber } from "../dom.js";
import { t } from "../i18n.js";
import { colorOf } from "../plots/colors.js";
import { createSeries } from "../plots/series.js";
import { stability } from "./runs.js";

// The plot's title says what its lines are: λ_max of the Hessian, and only when some run is Adam's (without
// amsgrad) which runs draw that of P⁻¹H instead.
function titleOf(runs, kinds) {
  const adams = runs.filter((_, i) => kinds[i].kind === "preconditioned").map((r) => r.label);
  if (!adams.length) return t("network.plot.sharpness");
  const names = adams.join(t("network.list_separator"));
  return t(adams.length === runs.length ? "network.plot.sharpness_preconditioned" : "network.plot.sharpness_mixed",
    { runs: names });
}

export function createSharpness(element, { onHover, catalog }) {
  const series = createSeries(element, { title: t("network.plot.sharpness"), onHover });
  const defaults = Object.fromEntries(catalog.optimizers.map((o) => [o.name,
    Object.fromEntries(o.params.map((p) => [p.name, p.default]))]));
  let kinds = [];
  let active = false;

  return {
    /** A new training: `runs` [{label, entry}], `started` the stream's runs (params filled in) or undefined. */
    reset(runs, started, state) {
      active = state.sharpness;
      const constant = state.schedule.name === "constant";
      kinds = runs.map((r, i) => stability(r.entry, started?.[i]?.params ?? { ...defaults[r.entry.name], ...r.entry.params },
        constant));
      if (!active) return;
      series.setTitle(titleOf(runs, kinds));
      const race = runs.length > 1;
      const labels = runs.map((r, i) => {
        const what = t(`network.sharpness.${kinds[i].kind}`);
        return race ? t("network.sharpness.of", { what, run: r.label }) : what;
      });
      const guides = kinds.flatMap((k, i) => (k.value === null ? [] : [{ value: k.value, color: colorOf(i),
        text: t(`network.threshold.${k.rule}`, { value: formatNumber(k.value) }) }]));
      series.setRuns(labels, { guides });
    },
    append(run, line) {
      if (!active) return;
      const value = kinds[run].kind === "preconditioned" ? line.preconditioned_sharpness : line.sharpness;
      if (value !== undefined) series.append(run, [line.step], [value]);
    },
    setCursor(step) {
      if (active) series.setCursor(step);
    },
    /** The thresholds drawn (what the tests read). */
    get kinds() {
      return kinds;
    },
  };
}
