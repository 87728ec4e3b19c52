// The player of a gdviz offline file (static/js/offline/build.js writes it inline, after Plotly): it reads the
// scenes from <script id="gdviz-offline-data"> and draws them with Plotly. A classic script that asks for
// nothing: no module, no request, so the file plays from file:// with no network.
(function () {
  "use strict";

  const Plotly = window.Plotly;
  const data = JSON.parse(document.getElementById("gdviz-offline-data").textContent);
  const scenes = data.scenes;
  const FONT = data.font; // gdviz's font stack, with the CJK fonts Chinese text needs
  document.body.style.fontFamily = FONT;
  const INK = "#1d2330";
  const SPEED = 10; // a whole run plays in about ten seconds at 1×, as in gdviz

  function t(key, params) {
    let text = data.messages[key] ?? key;
    for (const [name, value] of Object.entries(params ?? {})) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  }
  const colorOf = (i) => data.palette[i % data.palette.length];

  // Numbers come as {f32: base64, wide?: [[index, value]]}: little-endian float32, NaN for null, and the
  // values float32 cannot hold listed apart (static/js/offline/pack.js).
  function unpack(packed) {
    if (!packed) return packed;
    const binary = atob(packed.f32);
    const view = new DataView(new ArrayBuffer(binary.length));
    for (let i = 0; i < binary.length; i += 1) view.setUint8(i, binary.charCodeAt(i));
    const values = new Array(binary.length / 4);
    for (let i = 0; i < values.length; i += 1) {
      const v = view.getFloat32(i * 4, true);
      values[i] = Number.isNaN(v) ? null : Number(v.toPrecision(7));
    }
    for (const [i, v] of packed.wide ?? []) values[i] = v;
    return values;
  }
  // Lists of integers come as {u16: base64, sizes: [[length, count]]} (pack.js packLists).
  function unpackLists(packed) {
    if (!packed) return packed;
    const binary = atob(packed.u16);
    const flat = new Array(binary.length / 2);
    for (let i = 0; i < flat.length; i += 1) flat[i] = binary.charCodeAt(2 * i) | (binary.charCodeAt(2 * i + 1) << 8);
    const lists = [];
    let at = 0;
    for (const [length, count] of packed.sizes) {
      for (let k = 0; k < count; k += 1) lists.push(flat.slice(at, (at += length)));
    }
    return lists;
  }
  const rows = (flat, width) =>
    Array.from({ length: flat.length / width }, (_, j) => flat.slice(j * width, (j + 1) * width));

  // The index of the last entry of a sorted list at or before `value` (0 when none is).
  function atOrBefore(sorted, value) {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sorted[mid] <= value) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  // ---- the page
  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children ?? []) node.append(child);
    return node;
  }
  const title = el("h1", { "data-testid": "scene-title" });
  const subtitle = el("p", { class: "subtitle" });
  const index = el("span", { class: "index", "data-testid": "scene-index" });
  const legend = el("ul", { class: "legend", "data-testid": "legend" });
  const background = el("div", { "data-testid": "surface-plot" });
  const main = el("div", { "data-testid": "main-plot" });
  const dataPlot = el("div", { "data-testid": "data-panel" });
  const dataBox = el("div", { class: "plot-box data-box", hidden: "" }, [dataPlot]);
  const loss = el("div", { "data-testid": "loss-plot" });
  const grad = el("div", { "data-testid": "grad-plot" });
  const words = el("section", { class: "words", "data-testid": "words" });
  const lossCursor = el("div", { class: "cursor", "data-testid": "loss-cursor" });
  const gradCursor = el("div", { class: "cursor", "data-testid": "grad-cursor" });
  // The gradient norm is shown only where a clipping threshold is drawn on it: under the hero, so that the
  // words keep their room.
  const gradBox = el("div", { class: "plot-box grad-box", hidden: "" }, [grad, gradCursor]);
  const side = el("div", { class: "side" }, [el("div", { class: "plot-box" }, [loss, lossCursor]), words]);
  const button = (label, hint, testid) =>
    el("button", { type: "button", "aria-label": label, title: hint, "data-testid": testid });
  const prev = button(t("offline.prev_scene"), t("offline.prev_scene"), "prev-scene");
  const back = button(t("offline.step_back"), t("offline.step_back"), "step-back");
  const play = button(t("player.play"), t("player.play_hint"), "play");
  const forward = button(t("offline.step_forward"), t("offline.step_forward"), "step-forward");
  const next = button(t("offline.next_scene"), t("offline.next_scene"), "next-scene");
  const scrub = el("input", { type: "range", min: "0", max: "0", step: "1", value: "0",
    "aria-label": t("offline.scrub"), "data-testid": "scrub" });
  const readout = el("span", { class: "readout", "data-testid": "readout", "aria-live": "off" });
  prev.textContent = "◀◀";
  back.textContent = "‹";
  forward.textContent = "›";
  next.textContent = "▶▶";
  play.className = "play";
  const message = el("p", { class: "message", role: "alert", hidden: "" });
  const liveNote = el("p", { class: "live-note", "data-testid": "live-note", hidden: "" });
  document.body.classList.add("offline");
  document.body.append(
    el("header", { class: "top" }, [title, subtitle, index]),
    el("main", { class: "stage" }, [
      el("div", { class: "figure" }, [legend, liveNote,
        el("div", { class: "hero" }, [el("div", { class: "plot-box" }, [background, main]), dataBox]), gradBox]),
      side,
    ]),
    el("footer", { class: "bar", title: t("offline.keys") }, [prev, back, play, forward, scrub, readout, next]),
    message,
  );
  if (scenes.length < 2) [prev, next, index].forEach((node) => (node.hidden = true));
  // A figure follows its box (Plotly's own `responsive` only hears the window): the legend and the words
  // change the boxes from scene to scene.
  const follow = new ResizeObserver((entries) => {
    for (const entry of entries) {
      for (const plot of entry.target.children) if (plot._fullLayout) Plotly.Plots.resize(plot).then(placeCursors);
    }
  });
  document.querySelectorAll(".plot-box").forEach((box) => follow.observe(box));

  const config = { displaylogo: false, displayModeBar: false, responsive: true, locale: plotlyLocale() };

  // Plotly's own strings (hover, number format) in zh, from the catalog's plotly.* keys.
  function plotlyLocale() {
    if (data.lang === "en") return "en";
    const dictionary = {};
    for (const [key, text] of Object.entries(data.messages)) {
      if (key.startsWith("plotly.")) dictionary[key.slice("plotly.".length)] = text;
    }
    Plotly.register({ moduleType: "locale", name: "zh-CN", dictionary, format: {} });
    return "zh-CN";
  }

  const axisFont = { size: 20, color: INK };
  const baseLayout = (margin) => ({
    margin, font: { family: FONT, size: 16, color: INK }, paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)", showlegend: false, dragmode: false, hovermode: "closest",
    hoverlabel: { font: { size: 16, family: FONT } },
  });
  const MAIN_MARGIN = { l: 64, r: 16, t: 12, b: 56 };
  const figures = window.gdvizOfflineFigures({ t, colorOf, unpack, INK, classes: data.classes, config, baseLayout,
    axisFont });

  // The loss against the step (and the gradient norm), with a cursor (figures.js).
  const lossPlot = figures.seriesPlot(loss, lossCursor);
  const gradPlot = figures.seriesPlot(grad, gradCursor);
  function placeCursors() {
    lossPlot.place();
    if (!gradBox.hidden) gradPlot.place();
  }

  // ---- a scene on a surface: the contour below (drawn once), the paths growing with the cursor above
  const grids = [];
  function gridOf(i) {
    if (!grids[i]) {
      const x = unpack(data.grids[i].x);
      grids[i] = { x, y: unpack(data.grids[i].y), z: rows(unpack(data.grids[i].z), x.length) };
    }
    return grids[i];
  }

  // Colour by log(f − f_min + δ), as gdviz does: a narrow valley and a wide bowl both read.
  function colourValues(grid, scene) {
    if (!scene.logColor) return grid.z;
    let zmin = scene.surface.floor ?? Infinity;
    let zmax = -Infinity;
    for (const row of grid.z) {
      for (const v of row) if (v !== null) ((zmin = Math.min(zmin, v)), (zmax = Math.max(zmax, v)));
    }
    const delta = Math.max((zmax - zmin) * 1e-4, 1e-12);
    return grid.z.map((row) => row.map((v) => (v === null ? null : Math.log10(v - zmin + delta))));
  }

  const marks = (meta, list, symbol, name, color, size) => ({ type: "scatter", mode: "markers", meta, name,
    x: list.map((p) => p.x), y: list.map((p) => p.y), marker: { symbol, size, color, line: { color: INK, width: 2 } },
    hovertemplate: `${name} (%{x:.4g}, %{y:.4g})<extra></extra>` });

  // The contour of f (or of J = f + penalty, when every run has the same one: the grid is then J's), below,
  // drawn once; above, f's minima, the saddles, the minima of J, the start, and the runs' paths. Answers
  // what surfacesView needs of either hero (the curve's is figures.curve).
  function contour(scene, runs) {
    const grid = gridOf(scene.grid);
    const { domain, minima, localMinima, saddles, variables } = scene.surface;
    const axis = (range, name) => ({ range, title: name });
    Plotly.react(background, [{ type: "contour", x: grid.x, y: grid.y, z: colourValues(grid, scene),
      colorscale: data.surfaceScale, showscale: false, ncontours: 28, contours: { coloring: "fill", showlines: true },
      line: { color: "rgba(60,72,96,0.35)", width: 0.6 }, hoverinfo: "skip", connectgaps: false }],
    { ...heroLayout({ x: axis(domain.x, variables[0]), y: axis(domain.y, variables[1]) }, { visible: true }),
      plot_bgcolor: "#ffffff" },
    { ...config, staticPlot: true });
    const jMinima = scene.penalty.minima;
    const jColor = (m) => (m.run === null ? INK : colorOf(m.run));
    // Where a penalty is drawn, f's own minimum is called so: it is not where the runs stop.
    const fName = t(jMinima.length || scene.penalty.caption ? "plots.penalty.f_minimum" : "contour.minimum");
    const fixed = [
      marks("minimum", [...minima, ...localMinima], "star", fName, "#ffd400", 18),
      marks("saddle", saddles, "x-thin", t("contour.saddle"), INK, 14),
      { ...marks("j-minimum", jMinima, "diamond", t("plots.penalty.minimum"), jMinima.map(jColor), 20),
        text: jMinima.map((m) => m.name), hovertemplate: "%{text} (%{x:.4g}, %{y:.4g})<extra></extra>" },
      { ...marks("start", [{ x: scene.start[0], y: scene.start[1] }], "circle-open", t("contour.start"), INK, 16),
        marker: { symbol: "circle-open", size: 18, color: INK, line: { width: 3 } } },
    ];
    const paths = runs.map((run, i) => ({ type: "scatter", mode: "lines", meta: "path", name: run.label, x: [], y: [],
      line: { color: colorOf(i), width: 3.5 }, hovertemplate: `${run.label}<br>(%{x:.4g}, %{y:.4g})<extra></extra>` }));
    return { traces: [...fixed, ...paths], firstPath: fixed.length, pathY: (run) => run.y,
      axes: { x: axis(domain.x, variables[0]), y: axis(domain.y, variables[1]) } };
  }

  // The hero's layout: over a contour its axes are the background's (hidden here), a curve shows its own.
  function heroLayout(axes, { visible, grid = false }) {
    const axis = ({ range, title: name }) => ({ range, title: { text: name, font: axisFont, standoff: 6 },
      zeroline: false, showgrid: grid, gridcolor: "#e6eaf0", ticks: "outside", fixedrange: true, visible });
    return { ...baseLayout(MAIN_MARGIN), xaxis: axis(axes.x), yaxis: axis(axes.y) };
  }

  function surfacesView(scene) {
    const curve = scene.surface.dims === 1;
    document.body.dataset.hero = curve ? "curve" : "contour";
    const runs = scene.runs.map((run) => ({ ...run, step: unpack(run.step), x: unpack(run.x), y: unpack(run.y),
      loss: unpack(run.loss), batchLoss: unpack(run.batchLoss), batches: unpackLists(run.batches),
      gradNorm: unpack(run.gradNorm), applied: unpack(run.applied), lr: unpack(run.lr) }));
    // The legend and the boxes first: they decide the plots' sizes.
    showLegend([
      ...(scene.penalty.caption ? [{ label: scene.penalty.caption, color: INK }] : []),
      ...runs.map((run, i) => ({ label: run.label, color: colorOf(i),
        status: run.outcome && data.messages[`status.${run.outcome}`] })),
      ...scene.penalty.minima.map((m) => ({ label: m.name, color: m.run === null ? INK : colorOf(m.run),
        shape: "diamond" })),
    ]);
    dataBox.hidden = !scene.surface.data;
    const extras = scene.extras;
    // The second plot: the gradient norm when a run clips, else the learning rates when a run follows a schedule.
    const rates = !extras.guides.length && runs.some((run) => run.lr?.length);
    gradBox.hidden = !extras.guides.length && !rates;
    let hero;
    if (curve) {
      Plotly.purge(background);
      hero = figures.curve(scene, runs);
      const layout = { ...heroLayout(hero.axes, { visible: true, grid: true }), plot_bgcolor: "#fbfcfe" };
      Plotly.react(main, [...hero.traces, nowTrace(runs)], layout, config);
    } else {
      hero = contour(scene, runs);
      Plotly.react(main, [...hero.traces, nowTrace(runs)], heroLayout(hero.axes, { visible: false }), config);
    }
    const panel = scene.surface.data ? figures.dataPanel(dataPlot, scene, runs) : null;
    if (!panel) Plotly.purge(dataPlot);
    // Each run's loss; beside it, thinner, the loss of its mini-batches.
    const lines = (key) => runs.map((run, i) => ({ name: run.label, x: run.step, y: run[key], color: colorOf(i) }));
    const companions = (list, key) => list.map((c) => ({ name: c.label, y: runs[c.run][key], color: colorOf(c.run),
      x: runs[c.run].step.slice(0, runs[c.run][key].length), dash: c.dash }));
    lossPlot.draw([...lines("loss"), ...companions(extras.loss, "batchLoss")], t("explorer.plot.loss"),
      { notes: extras.loss.map((c) => c.note) });
    if (rates) {
      const rate = (run) => run.step.slice(0, run.lr.length);
      gradPlot.draw(runs.map((run, i) => ({ name: run.label, x: rate(run), y: run.lr, color: colorOf(i) })),
        t("explorer.plot.lr"), { linear: true });
    } else if (!gradBox.hidden) {
      gradPlot.draw([...lines("gradNorm"), ...companions(extras.grad, "applied")], t("explorer.plot.grad"),
        { guides: extras.guides, notes: extras.grad.map((c) => c.note) });
    } else {
      Plotly.purge(grad);
    }
    const pathIndices = runs.map((_, i) => hero.firstPath + i);
    return {
      max: Math.max(0, ...runs.map((run) => run.step.at(-1) ?? 0)),
      draw(step) {
        // The paths up to the cursor and the current points, in one restyle: one redraw a frame.
        const at = runs.map((run) => atOrBefore(run.step, step));
        Plotly.restyle(main, {
          x: [...runs.map((run, i) => run.x.slice(0, at[i] + 1)), runs.map((run, i) => run.x[at[i]])],
          y: [...runs.map((run, i) => hero.pathY(run).slice(0, at[i] + 1)),
            runs.map((run, i) => hero.pathY(run)[at[i]])],
        }, [...pathIndices, hero.firstPath + runs.length]);
        panel?.draw(at);
        lossPlot.move(step);
        if (!gradBox.hidden) gradPlot.move(step);
        readout.textContent = t("player.readout", { step, max: this.max });
      },
    };
  }

  // The current point of every run, after the paths.
  const nowTrace = (runs) => ({ type: "scatter", mode: "markers", meta: "now", x: [], y: [], hoverinfo: "skip",
    cliponaxis: false, marker: { size: 17, color: runs.map((_, i) => colorOf(i)), line: { color: "#ffffff", width: 3 } } });

  // ---- a scene that only the live page can show: its words, and where to open it (in the words of its page
  // when the catalog has them)
  function liveView(scene) {
    for (const plot of [background, main, dataPlot, loss, grad]) Plotly.purge(plot);
    dataBox.hidden = true;
    gradBox.hidden = true;
    showLegend([]);
    const own = `offline.live_${scene.live}`;
    liveNote.textContent = t(own in data.messages ? own : "offline.live_only", { path: scene.path });
    return { max: 0, draw() { readout.textContent = ""; } };
  }

  // ---- a network scene: the decision boundary (or the fitted function) of the run shown, frame by frame,
  // and every run's loss (a race: one line each, in the legend; a test split: each run's test loss dashed)
  function networkView(scene) {
    document.body.dataset.hero = "network";
    Plotly.purge(background);
    Plotly.purge(dataPlot);
    Plotly.purge(grad);
    dataBox.hidden = true;
    gradBox.hidden = true;
    const runs = scene.runs.map((run) => ({ ...run, step: unpack(run.step), loss: unpack(run.loss),
      testLoss: unpack(run.testLoss), accuracy: unpack(run.accuracy) }));
    const shown = runs[scene.shown];
    const race = runs.length > 1;
    showLegend(race ? runs.map((run, i) => ({ label: run.label, color: colorOf(i),
      status: run.outcome && data.messages[`status.${run.outcome}`] })) : []);
    const points = { x1: unpack(scene.data.x1), x2: unpack(scene.data.x2), y: unpack(scene.data.y) };
    // Training points filled, held-out test points hollow (a ring in the same colour), as the page draws them.
    const held = new Set(scene.data.test ?? []);
    const split = (test) => points.y.map((_, i) => i).filter((i) => held.has(i) === test);
    const parts = held.size ? [split(false), split(true)] : [split(false)];
    const of = (list, keep) => keep.map((i) => list[i]);
    const boundary = scene.boundary;
    const frameSteps = boundary ? boundary.steps : [];
    let setFrame = () => {};
    const layout = { ...baseLayout(MAIN_MARGIN), xaxis: { zeroline: false, showgrid: false, fixedrange: true,
      title: { text: "x₁", font: axisFont } }, yaxis: { zeroline: false, showgrid: false, fixedrange: true,
      title: { text: scene.task === "regression" ? "y" : "x₂", font: axisFont } } };
    if (scene.task === "regression") {
      const x = boundary ? unpack(boundary.x) : [];
      const fits = boundary ? rows(unpack(boundary.rows), x.length) : [];
      const fitted = boundary && t("network.plot.fit", { x2: boundary.x2.toPrecision(2) });
      if (!race) showLegend(boundary ? [{ label: fitted, color: "#e8772e" }] : []);
      Plotly.react(main, [
        { type: "scatter", mode: "lines", name: t("offline.fit"), x, y: fits[0] ?? [],
          line: { color: "#e8772e", width: 4 } },
        ...parts.map((keep, k) => ({ type: "scatter", mode: "markers", name: t("offline.data"),
          meta: k ? "test" : "train", x: of(points.x1, keep), y: of(points.y, keep), marker: k
            ? { size: 10, color: "#ffffff", line: { color: "#2f6fd0", width: 2.5 } }
            : { size: 8, color: "#2f6fd0", opacity: 0.6 } })),
      ], layout, config);
      setFrame = (f) => fits[f] && Plotly.restyle(main, { y: [fits[f]] }, [0]);
    } else {
      const x = boundary ? unpack(boundary.x) : [];
      const frames = boundary ? rows(unpack(boundary.z), x.length) : [];
      const perFrame = boundary ? unpack(boundary.y).length : 1;
      const frame = (f) => frames.slice(f * perFrame, (f + 1) * perFrame);
      const classes = (keep) => ({ color: of(points.y, keep), cmin: 0, cmax: 1, colorscale: data.classes });
      Plotly.react(main, [
        { type: "heatmap", x, y: boundary ? unpack(boundary.y) : [], z: frame(0), colorscale: data.classes, zmin: 0,
          zmax: 1, showscale: false, hoverinfo: "skip", zsmooth: "best", opacity: 0.85 },
        ...parts.map((keep, k) => ({ type: "scatter", mode: "markers", name: t("offline.data"),
          meta: k ? "test" : "train", x: of(points.x1, keep), y: of(points.x2, keep),
          marker: k ? { size: 11, color: "#ffffff", line: { ...classes(keep), width: 3 } }
            : { size: 9, ...classes(keep), line: { color: INK, width: 1 } },
          hovertemplate: "(%{x:.3g}, %{y:.3g})<extra></extra>" })),
      ], layout, config);
      if (boundary) subtitle.textContent = scene.boundaryTitle ?? t("network.plot.boundary");
      setFrame = (f) => Plotly.restyle(main, { z: [frame(f)] }, [0]);
    }
    const lines = runs.map((run, i) => ({ name: run.label, x: run.step, y: run.loss, color: colorOf(i) }));
    const tests = runs.filter((run) => run.testLoss).map((run) => ({ name: run.testLabel, x: run.step,
      y: run.testLoss, color: colorOf(runs.indexOf(run)), dash: "dash" }));
    lossPlot.draw([...lines, ...tests], t("network.plot.loss"), { notes: tests.length ? [scene.testNote] : [] });
    // The timeline is the longest run's records (a run that diverged ends early).
    const steps = runs.reduce((a, run) => (run.step.length > a.length ? run.step : a), []);
    let shownFrame = 0;
    const last = steps.at(-1) ?? 0;
    return {
      max: Math.max(0, steps.length - 1),
      draw(k) {
        const step = steps[k];
        const f = frameSteps.length ? atOrBefore(frameSteps, step) : -1;
        if (f >= 0 && f !== shownFrame) setFrame(f);
        shownFrame = f;
        lossPlot.move(step);
        const j = atOrBefore(shown.step, step);
        const values = { step, max: last, loss: shown.loss[j]?.toPrecision(4) ?? "–" };
        const said = shown.accuracy
          ? t("offline.network_readout_accuracy", { ...values, accuracy: (100 * shown.accuracy[j]).toFixed(1) })
          : t("offline.network_readout", values);
        readout.textContent = race ? `${shown.label} · ${said}` : said;
      },
    };
  }

  function showLegend(items) {
    legend.replaceChildren(...items.map((item) => {
      const swatch = el("span", { class: `swatch ${item.shape ?? "line"}`, style: `background:${item.color}` });
      const label = item.status ? t("offline.legend_status", { label: item.label, status: item.status }) : item.label;
      return el("li", {}, [swatch, el("span", { text: label })]);
    }));
    legend.hidden = !items.length;
  }

  function showWords(scene) {
    const parts = [];
    if (scene.narration) parts.push(el("p", { "data-testid": "narration", text: scene.narration }));
    if (scene.notice.length) {
      parts.push(el("h2", { text: t("offline.notice") }),
        el("ul", { "data-testid": "notice" }, scene.notice.map((line) => el("li", { text: line }))));
    }
    // The keys, where the words leave room for them (a scene with words needs all the room it has).
    if (!parts.length && scenes.length > 1) parts.push(el("p", { class: "keys", text: t("offline.keys") }));
    words.replaceChildren(...parts);
  }

  // ---- playback: the cursor, play / pause, scrubbing, and the scenes
  let sceneIndex = -1;
  let view = null;
  let cursor = 0;
  let playing = false;
  let speed = 1;
  let lastTime = 0;
  let drawn = -1;

  function show(step) {
    const shown = Math.max(0, Math.min(view.max, Math.floor(step)));
    scrub.value = String(shown);
    if (shown === drawn) return;
    drawn = shown;
    view.draw(shown);
    document.body.dataset.step = String(shown);
  }
  function setPlaying(value) {
    playing = value;
    play.textContent = playing ? "❚❚" : "▶";
    play.setAttribute("aria-label", t(playing ? "player.pause" : "player.play"));
    document.body.dataset.playing = playing ? "1" : "0";
  }
  function tick(time) {
    if (!playing) return;
    const elapsed = lastTime ? (time - lastTime) / 1000 : 0;
    lastTime = time;
    cursor += elapsed * Math.max(30, view.max / SPEED) * speed;
    if (cursor >= view.max) {
      cursor = view.max;
      setPlaying(false);
    }
    show(cursor);
    if (playing) requestAnimationFrame(tick);
  }
  function start() {
    if (playing || !view) return;
    if (cursor >= view.max) cursor = 0;
    setPlaying(true);
    lastTime = 0;
    requestAnimationFrame(tick);
  }
  function pause() {
    setPlaying(false);
    cursor = Math.floor(cursor);
  }
  const toggle = () => (playing ? pause() : start());
  function stepBy(delta) {
    pause();
    cursor = Math.max(0, Math.min(view.max, cursor + delta));
    show(cursor);
  }

  function go(i) {
    const target = Math.max(0, Math.min(scenes.length - 1, i));
    if (target === sceneIndex) return;
    pause();
    sceneIndex = target;
    const scene = scenes[target];
    title.textContent = scene.title ?? data.title;
    subtitle.textContent = scene.surface?.title ?? "";
    index.textContent = t("offline.scene_index", { n: target + 1, total: scenes.length });
    showWords(scene);
    liveNote.hidden = scene.page !== "live";
    document.body.classList.toggle("live-scene", scene.page === "live");
    if (scene.page === "live") view = liveView(scene);
    else view = scene.page === "network" ? networkView(scene) : surfacesView(scene);
    speed = scene.speed ?? 1;
    scrub.max = String(view.max);
    drawn = -1;
    cursor = scene.autoplay ? 0 : Math.min(scene.cursor ?? view.max, view.max);
    show(cursor);
    document.body.dataset.scene = String(target);
    if (scene.autoplay) start();
  }

  scrub.addEventListener("input", () => {
    pause();
    cursor = Number(scrub.value);
    show(cursor);
  });
  const click = (node, action) =>
    node.addEventListener("click", (event) => {
      event.currentTarget.blur(); // space must not press the button again
      action();
    });
  click(play, toggle);
  click(back, () => stepBy(-1));
  click(forward, () => stepBy(1));
  click(prev, () => go(sceneIndex - 1));
  click(next, () => go(sceneIndex + 1));
  document.addEventListener("keydown", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    const actions = {
      " ": toggle,
      ".": () => stepBy(1),
      ",": () => stepBy(-1),
      ArrowLeft: () => go(sceneIndex - 1),
      PageUp: () => go(sceneIndex - 1),
      ArrowRight: () => go(sceneIndex + 1),
      PageDown: () => go(sceneIndex + 1),
      Home: () => go(0),
      End: () => go(scenes.length - 1),
    };
    if (!actions[event.key]) return;
    event.preventDefault();
    actions[event.key]();
  });

  try {
    go(0);
    document.body.dataset.ready = "1";
  } catch (error) {
    message.textContent = String(error && error.message);
    message.hidden = false;
    throw error;
  }
})();
