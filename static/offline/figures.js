// The offline player's figures beyond the contour (static/offline/player.js draws them): a curve in one
// variable, the data panel of a data surface, and the plots of a value against the step. They draw what
// the explorer draws (static/js/plots/curve.js, data.js and series.js), re-said in a classic script: an
// offline file can hold no module. What can be
// computed ahead (J's values and minima, the names of penalties) comes computed in the scene's data
// (static/js/offline/scenes.js); what follows the cursor (the models of the step) is computed here.
window.gdvizOfflineFigures = function (kit) {
  "use strict";

  const { t, colorOf, unpack, INK, classes, config, baseLayout, axisFont } = kit;
  const CURVE_MARGIN = 0.06; // room above and below the curve, as a share of its span
  const MODEL_POINTS = 80;

  // Each trace says what it is in `meta` (the tests read it).
  const line = (meta, name, x, y, style) => ({ type: "scatter", mode: "lines", meta, name, x, y, line: style,
    hoverinfo: "skip" });
  const marker = (meta, name, list, color, symbol, size) => ({ type: "scatter", mode: "markers", meta, name,
    cliponaxis: false, x: list.map((p) => p.x), y: list.map((p) => p.f),
    marker: { symbol, size, color, line: { color: INK, width: 1.5 } },
    hovertemplate: `${name} (%{x:.4g}, %{y:.4g})<extra></extra>` });

  function span(lists, pad) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const list of lists) {
      for (const v of list) if (v !== null && Number.isFinite(v)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
    }
    if (!(hi > lo)) ((lo -= 1), (hi += 1));
    return [lo - pad * (hi - lo), hi + pad * (hi - lo)];
  }

  /**
   * A curve f(x) (a surface of `dims` 1) with each run's iterates at (xₖ, loss[k]): on the curve of the
   * objective it minimizes (J when one penalty is shared, f otherwise; a run with its own penalty has its J
   * drawn thin in its colour, and its minimum). Answers the traces, the axes, where the paths start among
   * the traces, and the value each path is drawn at.
   */
  function curve(scene, runs) {
    const values = scene.curve;
    const x = unpack(values.x);
    const f = unpack(values.f);
    const shared = unpack(values.shared);
    const own = values.perRun.map((c) => c && { name: c.name, y: unpack(c.values) });
    const xName = scene.surface.variables[0] ?? "x";
    const yName = `${shared ? "J" : "f"}(${xName})`;
    const known = [...scene.surface.minima, ...scene.surface.localMinima];
    const jMinima = scene.penalty.minima;
    const [sx] = scene.start;
    const nearest = x.reduce((best, v, i) => (Math.abs(v - sx) < Math.abs(x[best] - sx) ? i : best), 0);
    const startF = runs.find((run) => run.loss.length)?.loss[0] ?? (shared ?? f)[nearest];
    const fixed = [
      line("curve", shared ? scene.penalty.caption : yName, x, shared ?? f, { color: INK, width: 3 }),
      line("f", t("plots.curve.f_reference"), shared ? x : [], shared ? f : [], { color: "#7d8798", width: 1.5,
        dash: "dash" }),
      ...own.map((c, i) => line("j-curve", c?.name ?? "", c ? x : [], c ? c.y : [], { color: colorOf(i), width: 1.5 })),
      marker("minimum", t("contour.minimum"), known, "#ffd400", "star", 16),
      { ...marker("j-minimum", t("plots.penalty.minimum"), jMinima,
        jMinima.map((m) => (m.run === null ? INK : colorOf(m.run))), "diamond", 17),
      text: jMinima.map((m) => m.name), hovertemplate: "%{text} (%{x:.4g}, %{y:.4g})<extra></extra>" },
      { ...marker("start", t("contour.start"), [{ x: sx, f: startF }], INK, "circle-open", 20),
        marker: { symbol: "circle-open", size: 20, color: INK, line: { width: 3 } } },
    ];
    const valueName = (i) => (shared || own[i] ? "J" : "f");
    const paths = runs.map((run, i) => ({ type: "scatter", mode: "lines+markers", meta: "path", name: run.label,
      x: [], y: [], line: { color: colorOf(i), width: 1.2 }, marker: { color: colorOf(i), size: 9 },
      hovertemplate: `${run.label}<br>${xName} = %{x:.4g}, ${valueName(i)} = %{y:.4g}<extra></extra>` }));
    return {
      traces: [...fixed, ...paths],
      firstPath: fixed.length,
      pathY: (run) => run.loss,
      axes: { x: { range: scene.surface.domain.x, title: xName },
        y: { range: span([f, shared ?? [], ...own.map((c) => c?.y ?? [])], CURVE_MARGIN), title: yName } },
    };
  }

  const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

  /**
   * The data panel of a data surface: the points, each run's model of the step under the cursor (the
   * line w·x + b, or σ(w·x + b) over the labels) and the points of each run's mini-batch of the step ringed
   * in its colour, each run's rings a size larger (as in the explorer). `draw(at)`: at[i] is the index of
   * run i's point shown.
   */
  function dataPanel(element, scene, runs) {
    const logistic = scene.surface.name === "logistic_regression";
    const px = unpack(scene.surface.data.x);
    const py = unpack(scene.surface.data.y);
    const [lo, hi] = span([px], 0.05);
    const xs = Array.from({ length: MODEL_POINTS }, (_, i) => lo + ((hi - lo) * i) / (MODEL_POINTS - 1));
    const model = (w, b) => xs.map((v) => (logistic ? sigmoid(w * v + b) : w * v + b));
    const ringed = runs.flatMap((run, i) => (run.batches ? [i] : []));
    // Logistic regression's points in the colours of their labels (the classes' ends), else one grey.
    const pointColor = logistic ? py.map((v) => (v ? classes[2][1] : classes[0][1])) : "#6b7a93";
    const points = { type: "scatter", mode: "markers", meta: "points", name: t("plots.data.points"), x: px, y: py,
      marker: { size: 8, opacity: 0.75, color: pointColor }, hovertemplate: "(%{x:.3g}, %{y:.3g})<extra></extra>" };
    const rings = { type: "scatter", mode: "markers", meta: "batch", name: t("plots.data.batch"), x: [], y: [],
      customdata: [], hoverinfo: "skip",
      marker: { symbol: "circle-open", size: [], color: [], line: { width: 2.5 } } };
    const models = runs.map((run, i) => ({ type: "scatter", mode: "lines", meta: "model", name: run.label, x: xs,
      y: [], line: { color: colorOf(i), width: 3 }, hovertemplate: `${run.label}<extra></extra>` }));
    const note = (text, y, yanchor, size) => ({ text, showarrow: false, xref: "paper", yref: "paper", x: 0,
      xanchor: "left", y, yanchor, font: { size, color: size > 16 ? INK : "#5d6677" },
      bgcolor: "rgba(255,255,255,0.85)" });
    const axis = (range, title) => ({ range, title: { text: title, font: axisFont, standoff: 4 }, zeroline: false,
      gridcolor: "#e6eaf0", fixedrange: true });
    const layout = { ...baseLayout({ l: 56, r: 8, t: 30, b: 52 }), plot_bgcolor: "#fbfcfe", xaxis: axis([lo, hi], "x"),
      yaxis: axis(logistic ? [-0.12, 1.12] : span([py], 0.12), logistic ? t("plots.data.label_axis") : "y"),
      annotations: [note(t(logistic ? "plots.data.title_logistic" : "plots.data.title_linear"), 1, "bottom", 18),
        ...(ringed.length ? [note(t("plots.data.batch_note"), 0.01, "bottom", 15)] : [])] };
    window.Plotly.react(element, [points, rings, ...models], layout, config);
    return {
      draw(at) {
        const rung = ringed.flatMap((r, k) => (runs[r].batches[at[r]] ?? []).map((i) => ({ i, r, size: 17 + 6 * k })));
        window.Plotly.restyle(element, {
          customdata: [rung.map((g) => g.i), ...runs.map(() => null)],
          "marker.size": [rung.map((g) => g.size), ...runs.map(() => null)],
          "marker.color": [rung.map((g) => colorOf(g.r)), ...runs.map(() => null)],
          x: [rung.map((g) => px[g.i]), ...runs.map(() => xs)],
          y: [rung.map((g) => py[g.i]), ...runs.map((run, i) => {
            const w = run.x[at[i]];
            const b = run.y[at[i]];
            return w === null || b === null || w === undefined ? [] : model(w, b);
          })],
        }, [1, ...runs.map((_, i) => i + 2)]);
      },
    };
  }

  // ---- a value against the step (the loss; the gradient norm), with a cursor. A run may have a companion
  // line (same colour, thinner, dashed or dotted: the batch loss, the norm clipping applied) and the plot
  // guides: a dashed line at a value (a clipping threshold), labelled.
  // The cursor is a line laid over the plot, placed from the plot's fixed x range: moving it costs no
  // Plotly redraw, so playback redraws one figure a frame.
  const SERIES_MARGIN = { l: 70, r: 12, t: 34, b: 30 };
  function seriesPlot(element, cursorLine) {
    let range = [0, 1];
    let step = 0;
    function place() {
      const width = element.clientWidth - SERIES_MARGIN.l - SERIES_MARGIN.r;
      const share = (step - range[0]) / (range[1] - range[0]);
      Object.assign(cursorLine.style, { left: `${SERIES_MARGIN.l + share * width}px`, top: `${SERIES_MARGIN.t}px`,
        height: `${Math.max(0, element.clientHeight - SERIES_MARGIN.t - SERIES_MARGIN.b)}px` });
    }
    // series: [{name, x, y, color, dash?}]; guides: [{value, color, text}]; notes: what the thinner lines are;
    // linear: always a linear axis (learning rates, as the explorer draws them).
    function draw(series, titleText, { guides = [], notes = [], linear = false } = {}) {
      // Log when the values are positive and span two decades or more; linear otherwise (and for ≤ 0).
      const finite = [...series.flatMap((s) => s.y), ...guides.map((g) => g.value)].filter((v) => v !== null);
      const decades = finite.length ? Math.log10(Math.max(...finite) / Math.min(...finite)) : 0;
      const log = !linear && finite.length > 0 && finite.every((v) => v > 0) && decades >= 2;
      const traces = series.map((s) => ({ type: "scatter", mode: "lines", meta: s.dash ? "companion" : "run",
        name: s.name, x: s.x, y: s.y, line: { color: s.color, width: s.dash ? 2.5 : 3, dash: s.dash ?? "solid" },
        hovertemplate: `%{y:.4g}<extra>${s.name}</extra>` }));
      const steps = series.flatMap((s) => [s.x[0], s.x.at(-1)]).filter((v) => v !== undefined);
      const [first, last] = [Math.min(...steps), Math.max(...steps)];
      range = last > first ? [first, last] : [first - 1, first + 1];
      // On a log axis a shape takes the value itself and an annotation its log10 (Plotly's conventions).
      const shapes = guides.map((g) => ({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: g.value,
        y1: g.value, line: { color: g.color, width: 2.5, dash: "dash" }, layer: "below", name: "guide" }));
      const note = (text, extra) => ({ text, showarrow: false, xref: "paper", yref: "paper",
        bgcolor: "rgba(255,255,255,0.8)", font: { size: 15, color: "#5d6677" }, ...extra });
      const annotations = [
        ...guides.map((g) => note(g.text, { yref: "y", y: log ? Math.log10(g.value) : g.value, yanchor: "bottom",
          x: 0.99, xanchor: "right", font: { size: 15, color: g.color } })),
        ...[...new Set(notes)].map((text, k) => note(text, { x: 0.01, xanchor: "left", y: 0.02 + 0.12 * k,
          yanchor: "bottom" })),
      ];
      const layout = { ...baseLayout(SERIES_MARGIN), plot_bgcolor: "#fbfcfe",
        title: { text: titleText, font: { size: 20 }, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
        xaxis: { zeroline: false, gridcolor: "#e6eaf0", range }, shapes, annotations,
        // On a log axis, powers of ten only (a short plot has no room for 2 and 5 between them).
        yaxis: { type: log ? "log" : "linear", exponentformat: "power", nticks: 5, gridcolor: "#e6eaf0",
          zeroline: false, ...(log ? { dtick: Math.max(1, Math.ceil(decades / 4)) } : {}) } };
      window.Plotly.react(element, traces, layout, config);
    }
    return {
      draw,
      place,
      move(value) {
        step = value;
        cursorLine.dataset.step = String(value);
        place();
      },
    };
  }

  return { curve, dataPanel, seriesPlot };
};
