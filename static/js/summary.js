// The table under the plots: where each optimizer is at the shown step, and how it ended.
import { t } from "./i18n.js";
import { formatNumber, h } from "./dom.js";
import { colorOf } from "./plots/colors.js";

// A run's outcome says what happened (a minimum, a saddle, off to −∞, blowing up ...); a server
// that sends only the status is read as plainly as the status allows.
const FROM_STATUS = { converged: "flat", diverged: "diverging", max_steps: "moving" };
export const outcomeOf = (run) => run.outcome ?? FROM_STATUS[run.status] ?? "running";
/** How a run ended, in the reader's words (status.* keys). */
export const outcomeWord = (run) => t(`status.${outcomeOf(run)}`);

const COLUMNS = ["swatch", "optimizer", "status", "steps", "theta", "loss", "grad", "final_loss", "nearest_min"];

export function createSummary(root) {
  const body = h("tbody");
  const heads = COLUMNS.map((c) => h("th", { title: t(`explorer.table.${c}_hint`) },
    c === "swatch" ? "" : t(`explorer.table.${c}`)));
  root.replaceChildren(h("table", { class: "summary", "data-testid": "summary" }, h("thead", {}, h("tr", {}, ...heads)),
    body));
  const theta = COLUMNS.indexOf("theta");
  let rows = [];
  let names = ["x", "y"];

  return {
    // runs: [{label, status, outcome, steps_taken, x, y, loss, grad_norm}], minima: [{x, y}];
    // variables: the plane's names (a model's parameters (w, b) are named so, not θ).
    // A curve in x alone has one variable: its y never moves and is not shown.
    render(runs, minima, variables = ["x", "y"]) {
      names = variables;
      heads[theta].textContent = variables.join() === "x,y" ? t("explorer.table.theta")
        : t("explorer.table.theta_named", { names: variables.length > 1 ? `(${variables.join(", ")})` : variables[0] });
      rows = runs.map((run, i) => {
        const cells = COLUMNS.map(() => h("td"));
        cells[0].append(h("span", { class: "swatch", style: `--run-color: ${colorOf(i)}` }));
        cells[1].textContent = run.label;
        return { run, cells, tr: h("tr", {}, ...cells) };
      });
      body.replaceChildren(...rows.map((r) => r.tr));
      root.style.setProperty("--rows", String(rows.length));
      // A surface with no known minimum (a saddle) has no distance to one: no column of dashes.
      root.classList.toggle("no-minima", !minima.length);
      this.update(null, minima);
    },
    update(indexOf, minima = []) {
      rows.forEach(({ run, cells, tr }, i) => {
        const last = run.x.length - 1;
        const k = indexOf ? indexOf(i) : last;
        const outcome = outcomeOf(run);
        cells[2].textContent = outcomeWord(run);
        cells[3].textContent = run.steps_taken ?? "";
        const at = names.length > 1 ? `(${formatNumber(run.x[k])}, ${formatNumber(run.y[k])})` : formatNumber(run.x[k]);
        cells[4].textContent = k >= 0 ? at : "";
        cells[5].textContent = k >= 0 ? formatNumber(run.loss[k]) : "";
        cells[6].textContent = k >= 0 ? formatNumber(run.grad_norm[k]) : "";
        cells[7].textContent = last >= 0 ? formatNumber(run.loss[last]) : "";
        const distance = minima.length && last >= 0
          ? Math.min(...minima.map((m) => Math.hypot(run.x[last] - m.x, run.y[last] - m.y))) : null;
        cells[8].textContent = distance === null ? "–" : formatNumber(distance);
        tr.className = `outcome-${outcome}`;
        tr.dataset.outcome = outcome;
      });
    },
  };
}
