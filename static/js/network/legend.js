// The one legend of a race: a chip per run in its colour (a click picks the run whose boundary, weights
// and layers are shown), and what the line styles mean (training solid, test dashed).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { colorOf } from "../plots/colors.js";

export function createRunLegend(root, { onPick }) {
  let labels = [];
  let selected = 0;
  let diverged = new Set();
  let withTest = false;

  function render() {
    root.hidden = labels.length < 2 && !withTest;
    const chips = labels.length < 2 ? [] : labels.map((label, i) => h("button", {
      type: "button", class: `run-chip${diverged.has(i) ? " diverged" : ""}`, style: `--run-color: ${colorOf(i)}`,
      "aria-pressed": String(i === selected), "data-testid": `run-chip-${i}`,
      title: t(diverged.has(i) ? "network.legend.diverged" : "network.legend.pick"), onclick: () => onPick(i) },
    h("span", { class: "swatch-line" }), label));
    const key = withTest ? [h("span", { class: "key", "data-testid": "line-key" }, t("network.legend.lines"))] : [];
    root.replaceChildren(...chips, ...key);
  }

  return {
    setRuns(newLabels, { test = false } = {}) {
      labels = newLabels;
      withTest = test;
      diverged = new Set();
      render();
    },
    select(i) {
      selected = i;
      render();
    },
    markDiverged(i) {
      diverged.add(i);
      render();
    },
  };
}
