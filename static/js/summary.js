// The table under the plots: where each optimizer is at the shown step, and how it ended.
import { formatNumber, h } from "./dom.js";
import { colorOf } from "./plots/colors.js";

const STATUS = { converged: "converged", diverged: "diverged ✕", max_steps: "max steps", running: "running…" };

export function createSummary(root) {
  const body = h("tbody");
  root.replaceChildren(
    h("table", { class: "summary", "data-testid": "summary" },
      h("thead", {}, h("tr", {}, ...["", "optimizer", "status", "steps", "θ at step", "loss at step", "‖∇J‖ at step",
        "final loss", "to nearest min"].map((t) => h("th", {}, t)))),
      body),
  );
  let rows = [];

  return {
    // runs: [{label, status, steps_taken, x, y, loss, grad_norm}], minima: [{x, y}]
    render(runs, minima) {
      rows = runs.map((run, i) => {
        const cells = Array.from({ length: 9 }, () => h("td"));
        cells[0].append(h("span", { class: "swatch", style: `--run-color: ${colorOf(i)}` }));
        cells[1].textContent = run.label;
        return { run, cells, tr: h("tr", { class: run.status === "diverged" ? "diverged" : "" }, ...cells) };
      });
      body.replaceChildren(...rows.map((r) => r.tr));
      this.update(null, minima);
    },
    update(indexOf, minima = []) {
      rows.forEach(({ run, cells, tr }, i) => {
        const last = run.x.length - 1;
        const k = indexOf ? indexOf(i) : last;
        cells[2].textContent = STATUS[run.status ?? "running"];
        cells[3].textContent = run.steps_taken ?? "";
        cells[4].textContent = k >= 0 ? `(${formatNumber(run.x[k])}, ${formatNumber(run.y[k])})` : "";
        cells[5].textContent = k >= 0 ? formatNumber(run.loss[k]) : "";
        cells[6].textContent = k >= 0 ? formatNumber(run.grad_norm[k]) : "";
        cells[7].textContent = last >= 0 ? formatNumber(run.loss[last]) : "";
        const distance = minima.length && last >= 0
          ? Math.min(...minima.map((m) => Math.hypot(run.x[last] - m.x, run.y[last] - m.y))) : null;
        cells[8].textContent = distance === null ? "–" : formatNumber(distance);
        tr.classList.toggle("diverged", run.status === "diverged");
      });
    },
  };
}
