// The "Why" panel's words and numbers: a table of the points it explains (the start, the cursor's point,
// each minimum) with the kind of point, the Hessian's eigenvalues, the condition number and 2/λ₂; under
// it each run's learning rate against the edge at the chosen point; and the run it follows. Pure DOM:
// why/explain.js gives it what to show.
import { h, shortNumber } from "../dom.js";
import { t } from "../i18n.js";
import { colorOf } from "../plots/colors.js";

const COLUMNS = ["point", "kind", "l1", "l2", "kappa", "edge"];
// Three significant digits: the table is narrow (the verdicts below give the lr's edge in full); the axes'
// labels on the contour use the same (plots/curvature.js), so both say the same λ.
const short = shortNumber;

/** `onPoint(id)`: a row was chosen; `onRun(i)`: the run followed; `onMap()`: the momentum map toggled. */
export function createPanel(root, { onPoint, onRun, onMap }) {
  const body = h("tbody");
  const table = h("table", { class: "why-points", "data-testid": "why-points" },
    h("thead", {}, h("tr", {}, ...COLUMNS.map((c) => h("th", { title: t(`why.col.${c}_hint`) }, t(`why.col.${c}`))))), body);
  const runSelect = h("select", { "data-testid": "why-run", "aria-label": t("why.run_hint"), title: t("why.run_hint"),
    onchange: () => onRun(Number(runSelect.value)) });
  const mapButton = h("button", { type: "button", class: "why-map-toggle", "data-testid": "mm-toggle", "aria-pressed": "false",
    title: t("why.map_hint"), onclick: () => onMap() }, t("why.map"));
  const verdicts = h("ul", { class: "why-verdicts", "data-testid": "why-verdicts" });
  const note = h("p", { class: "why-note hint", "data-testid": "why-note" });
  root.replaceChildren(
    h("div", { class: "why-head" }, h("strong", {}, t("why.title")),
      h("label", { class: "why-follow" }, t("why.run"), runSelect), mapButton),
    table, verdicts, note);

  const cell = (text, attrs = {}) => h("td", attrs, text);
  function row({ id, name, analysis, error }, selected) {
    const a = analysis;
    // The full values ride on the row (the cells show three digits): for a reader's copy, and for tests.
    const tr = h("tr", { "data-point": id, "aria-selected": String(id === selected), tabindex: "0",
      "data-eigenvalues": a ? a.eigenvalues.join(",") : null,
      onclick: () => onPoint(id), onkeydown: (event) => event.key === "Enter" && onPoint(id) },
    cell(name), ...(a
      ? [cell(t(`why.kind.${a.curvature}`), { class: `kind-${a.curvature}` }), cell(short(a.eigenvalues[0])),
        cell(short(a.eigenvalues[1])), cell(a.condition_number === null ? "∞" : short(a.condition_number)),
        cell(a.gd_lr_max === null ? "–" : short(a.gd_lr_max))]
      // The server's reason (a point far out of range, a J that is not finite there) on hover.
      : [h("td", { colspan: "5", class: "why-missing", title: error }, error ? t("why.unavailable") : t("why.loading"))]));
    return tr;
  }

  // While a run plays the panel is told every frame: only what changed is rebuilt, so that a row being
  // clicked or the menu being open is not replaced under the pointer.
  let shownRows = new Map(); // id -> {tr, key}
  let runsKey = "";
  let linesKey = "";

  return {
    /** rows [{id, name, analysis, error}]; selected: a row's id; runs [{label}]; run: the run followed;
     * verdicts [{run, text, kind}]; mapOn; note: a line under the verdicts (or ""). */
    render({ rows, selected, runs, run, verdicts: lines, mapOn, note: text }) {
      const next = new Map();
      for (const r of rows) {
        const key = JSON.stringify([r.name, r.analysis?.eigenvalues, r.error, r.id === selected]);
        const old = shownRows.get(r.id);
        next.set(r.id, old?.key === key ? old : { tr: row(r, selected), key });
      }
      const trs = [...next.values()].map((r) => r.tr);
      if (trs.some((tr, k) => body.children[k] !== tr) || body.children.length !== trs.length) body.replaceChildren(...trs);
      shownRows = next;
      const labels = JSON.stringify(runs.map((r) => r.label));
      if (labels !== runsKey) {
        runsKey = labels;
        runSelect.replaceChildren(...runs.map((r, i) => h("option", { value: String(i) }, r.label)));
      }
      runSelect.value = String(run);
      runSelect.style.setProperty("--run-color", colorOf(run));
      mapButton.setAttribute("aria-pressed", String(mapOn));
      const said = JSON.stringify([labels, lines]);
      if (said !== linesKey) {
        linesKey = said;
        verdicts.replaceChildren(...lines.map((v) => h("li", { class: `verdict-${v.kind}`, "data-kind": v.kind },
          h("span", { class: "swatch", style: `--run-color: ${colorOf(v.run)}` }),
          h("span", {}, t("why.verdict.line", { run: runs[v.run].label, text: v.text })))));
      }
      note.textContent = text;
      note.hidden = !text;
    },
  };
}
