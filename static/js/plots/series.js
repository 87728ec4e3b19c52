// A value against the step, one line per optimizer, with a cursor at the current
// step (loss, gradient norm and learning rate each use one). The only caller of
// Plotly for its figure.
//
// The y scale is linear, log or symlog: chosen from the data ("auto") unless the reader picks one
// in the small menu at the plot's corner. Values that a log scale cannot show are counted on the
// plot, never dropped in silence; symlog shows them all.
//
// A run may have a companion line (same colour, thinner, dashed: the norm clipping applied beside the
// raw one, the mini-batch loss beside the full one), and the plot may carry guides: horizontal dashed
// lines at a value (a clipping threshold), each labelled.
import { t } from "../i18n.js";
import { h } from "../dom.js";
import { colorOf } from "./colors.js";
import { boxSize, followBox, perFrame, plotConfig } from "./frame.js";
import { SCALES, autoScale, emptyExtent, grow, placer, symlogConstant, ticks } from "./scales.js";
import { FONT_FAMILY, plotTheme } from "./theme.js";

/** `scale`: "auto" (the default; `log: false` makes it "linear", as it was), "linear", "log" or "symlog". */
export function createSeries(element, { title, log = true, scale, onHover, emptyText = "" }) {
  const Plotly = window.Plotly;
  let choice = scale ?? (log ? "auto" : "linear");
  let steps = []; // per run: step indices
  let values = []; // per run: values
  let pending = [];
  let labels = [];
  let cursor = null;
  let extent = emptyExtent();
  let shape = null; // {scale, c, tickKey}: what the figure is drawn with
  let guides = []; // [{value, color, text}]
  let companions = []; // [{run, label, dash, note}]: one more line each, after the runs'

  const style = plotTheme();
  const menu = h("select", { class: "scale-menu", "aria-label": t("plot.scale.label"), title: t("plot.scale.hint"),
    "data-testid": `${element.dataset.testid ?? element.id}-scale` });
  element.parentElement.append(menu);

  const inUse = () => (choice === "auto" ? autoScale(extent) : choice);
  let named = null; // the scale "auto" names in the menu
  function fillMenu() {
    named = autoScale(extent);
    const options = [["auto", t("plot.scale.auto", { scale: t(`plot.scale.${autoScale(extent)}`) })],
      ...SCALES.map((s) => [s, t(`plot.scale.${s}`)])];
    menu.replaceChildren(...options.map(([value, text]) => h("option", { value }, text)));
    menu.value = choice;
  }
  menu.addEventListener("change", () => {
    choice = menu.value;
    render();
  });

  // A companion is thinner than its run's line; a dashed one less so, or its dashes do not read on a
  // projector (at least 2.5 px there).
  const companionWidth = (dash) => (dash ? Math.max(1.5, style.line * 0.85) : Math.max(1, style.line * 0.6));

  const cursorShape = (step) => ({
    type: "line", xref: "x", yref: "paper", x0: step, x1: step, y0: 0, y1: 1,
    line: { color: "#1d2330", width: style.cursor, dash: "dot" },
  });

  // As many labels as the plot's height holds, one to every 2.2 lines of tick text.
  const room = () => {
    const height = boxSize(element).height - (style.title + 12) - 22;
    return Math.max(2, Math.min(6, Math.floor(height / (2.2 * style.font))));
  };

  function currentShape() {
    const used = inUse();
    const c = used === "symlog" ? symlogConstant(extent) : 1;
    const tick = ticks(used, extent, c, room());
    return { scale: used, c, tick, tickKey: JSON.stringify(tick) };
  }

  function yaxis({ scale: used, tick }) {
    const axis = { type: used === "log" ? "log" : "linear", gridcolor: "#e8ecf2", zeroline: used === "symlog",
      zerolinecolor: "#b8c2d3", automargin: true, tickfont: { size: style.font } };
    if (used === "linear") return { ...axis, tickmode: "auto", nticks: room(), exponentformat: "power" };
    return { ...axis, tickmode: "array", tickvals: tick.tickvals, ticktext: tick.ticktext };
  }

  // A guide is a layout shape across the plot: on a log axis a shape takes the value itself, on the
  // others the placed one; an annotation takes log10 of it on a log axis.
  function guideShapes() {
    if (!shape) return [];
    const place = placer(shape.scale, shape.c);
    return guides.map((g) => ({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: place(g.value), y1: place(g.value),
      line: { color: g.color, width: style.line, dash: "dash" }, layer: "below", meta: "guide" }));
  }
  function guideLabels() {
    if (!shape) return [];
    const place = placer(shape.scale, shape.c);
    return guides.map((g) => ({ text: g.text, showarrow: false, xref: "paper", x: 0.99, xanchor: "right", yref: "y",
      y: shape.scale === "log" ? Math.log10(g.value) : place(g.value), yanchor: "bottom",
      font: { color: g.color, size: style.font }, bgcolor: "rgba(255,255,255,0.75)" }));
  }
  const allShapes = () => [...guideShapes(), ...(cursor === null ? [] : [cursorShape(cursor)])];

  function notes() {
    if (!labels.length && emptyText) {
      return [{ text: emptyText, showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5,
        font: { color: "#5d6677" } }];
    }
    // A log axis cannot show zero or negative values: say how many are not shown.
    if (shape?.scale === "log" && extent.nonPositive) {
      return [{ text: t("plot.scale.hidden", { count: extent.nonPositive }), showarrow: false, xref: "paper",
        yref: "paper", x: 0.99, xanchor: "right", y: 0.02, yanchor: "bottom", bgcolor: "rgba(255,255,255,0.85)",
        font: { color: "#a23b00", size: style.font } }];
    }
    // What the thinner lines are, once each: "dashed: the norm applied after clipping".
    const said = [...new Set(companions.map((c) => c.note))];
    return [...guideLabels(), ...said.map((text, k) => ({ text, showarrow: false, xref: "paper", yref: "paper", x: 0.01,
      xanchor: "left", y: 0.02 + 0.1 * k, yanchor: "bottom", bgcolor: "rgba(255,255,255,0.85)",
      font: { color: "#5d6677", size: style.font } }))];
  }

  const layout = () => ({
    ...boxSize(element),
    margin: { l: 52, r: 8, t: style.title + 12, b: 22 },
    title: { text: title, font: { size: style.title }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
    showlegend: false,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#fbfcfe",
    font: { family: FONT_FAMILY, size: style.font, color: "#1d2330" },
    hoverlabel: { font: { size: style.title } },
    xaxis: { zeroline: false, gridcolor: "#e8ecf2", ticklen: 3, tickfont: { size: style.font },
      unifiedhovertitle: { text: t("contour.hover_step", { step: "%{x}" }) } },
    yaxis: yaxis(shape),
    hovermode: "x unified",
    shapes: allShapes(),
    annotations: notes(),
    uirevision: "keep",
  });

  function render() {
    shape = currentShape();
    const place = placer(shape.scale, shape.c);
    const traces = labels.map((label, i) => ({
      type: "scatter",
      mode: "lines",
      name: label,
      x: [...steps[i]], // copies: Plotly keeps the arrays it is given and extendTraces grows them
      y: values[i].map(place),
      customdata: [...values[i]],
      line: { color: colorOf(i), width: style.line },
      hovertemplate: `%{customdata:.4g}<extra>${label}</extra>`,
    }));
    companions.forEach((c, j) => {
      const k = labels.length + j;
      traces.push({ type: "scatter", mode: "lines", name: c.label, x: [...steps[k]], y: values[k].map(place),
        customdata: [...values[k]], line: { color: colorOf(c.run), width: companionWidth(c.dash), dash: c.dash },
        hovertemplate: `%{customdata:.4g}<extra>${c.label}</extra>`, meta: "companion" });
    });
    pending = traces.map(() => ({ x: [], y: [] }));
    fillMenu();
    element.dataset.scale = shape.scale;
    Plotly.react(element, traces, layout(), plotConfig());
  }

  const flush = perFrame(() => {
    const next = currentShape();
    if (next.scale !== shape.scale || next.c !== shape.c) return render(); // every value moves
    if (next.tickKey !== shape.tickKey || (next.scale === "log" && extent.nonPositive)) {
      shape = next;
      Plotly.relayout(element, { yaxis: yaxis(shape), annotations: notes(), shapes: allShapes() });
    }
    if (named !== autoScale(extent)) fillMenu(); // "auto" names the scale it picks
    const place = placer(shape.scale, shape.c);
    const indices = [];
    const update = { x: [], y: [], customdata: [] };
    pending.forEach((p, i) => {
      if (!p.x.length) return;
      indices.push(i);
      update.x.push(p.x);
      update.y.push(p.y.map(place));
      update.customdata.push(p.y);
      pending[i] = { x: [], y: [] };
    });
    if (indices.length) Plotly.extendTraces(element, update, indices);
  });

  render();
  followBox(element, (size) => {
    const next = currentShape(); // the ticks the new height holds
    if (next.scale !== shape.scale || next.c !== shape.c) return render();
    shape = next;
    Plotly.relayout(element, { ...size, yaxis: yaxis(shape) });
  });
  element.on?.("plotly_hover", (event) => onHover?.(event.points[0]?.x ?? null));
  element.on?.("plotly_unhover", () => onHover?.(null));

  return {
    /** `guides`: [{value, color, text}]; `companions`: [{run, label, dash, note}], filled by appendCompanion. */
    setRuns(newLabels, { guides: newGuides = [], companions: newCompanions = [] } = {}) {
      labels = newLabels;
      guides = newGuides;
      companions = newCompanions;
      const count = labels.length + companions.length;
      steps = Array.from({ length: count }, () => []);
      values = Array.from({ length: count }, () => []);
      extent = grow(emptyExtent(), guides.map((g) => g.value));
      render();
    },
    // The line of companion j (an index into setRuns' companions).
    appendCompanion(j, chunkSteps, chunkValues) {
      this.append(labels.length + j, chunkSteps, chunkValues);
    },
    // chunkSteps: the step of each value
    append(run, chunkSteps, chunkValues) {
      steps[run].push(...chunkSteps);
      values[run].push(...chunkValues);
      pending[run].x.push(...chunkSteps);
      pending[run].y.push(...chunkValues);
      grow(extent, chunkValues);
      flush();
    },
    /** A new title, kept through later redraws. */
    setTitle(text) {
      if (text === title) return;
      title = text;
      Plotly.relayout(element, { "title.text": title });
    },
    setCursor(step) {
      if (step === cursor) return;
      cursor = step;
      Plotly.relayout(element, { shapes: allShapes() });
    },
    /** The scale drawn now ("linear", "log" or "symlog") and the reader's choice ("auto" or one of those). */
    get scale() {
      return { used: shape.scale, choice };
    },
    element,
  };
}
