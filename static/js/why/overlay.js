// A layer of SVG over the contour, in the contour's own coordinates: the curvature's axes and the
// optimizer's arrows are drawn here rather than as Plotly traces, so that moving the cursor never
// redraws the paths' figure. It reads the plot area from the figure Plotly drew (as plots/pick.js does)
// and draws again whenever that figure is drawn or resized.
const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with attributes; children appended. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, value);
  for (const child of children.flat()) {
    if (child) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** `element`: the contour figure (#contour). `draw(frame)` returns the layer's nodes, where `frame` maps
 * data to pixels: {toPixel([x, y]) -> [px, py], px: pixels per unit of x, py: of y (up), width, height}. */
export function createOverlay(element) {
  const layer = svg("svg", { class: "why-overlay", "data-testid": "why-overlay", "aria-hidden": "true" });
  element.after(layer);
  let draw = null;
  let wired = false;

  function frame() {
    const full = element._fullLayout;
    if (!full?.xaxis?.d2p || !full._size) return null;
    const { l, t, w, h } = full._size;
    const [x0, x1] = full.xaxis.range;
    const [y0, y1] = full.yaxis.range;
    return {
      toPixel: ([x, y]) => [l + full.xaxis.d2p(x), t + full.yaxis.d2p(y)],
      px: w / (x1 - x0),
      py: h / (y1 - y0),
      box: { l, t, w, h },
    };
  }

  // Drawn inside the plot area only: an axis or an arrow longer than the room left ends at the axes.
  const clip = svg("rect");
  const defs = svg("defs", {}, svg("clipPath", { id: "why-clip" }, clip));
  function render() {
    const shown = draw && frame();
    if (!shown) return layer.replaceChildren();
    const { l, t, w, h } = shown.box;
    Object.entries({ x: l, y: t, width: w, height: h }).forEach(([key, value]) => clip.setAttribute(key, value));
    layer.replaceChildren(defs, svg("g", { "clip-path": "url(#why-clip)" }, draw(shown)));
  }

  return {
    /** Draws `fn(frame)`'s nodes now and after every redraw of the contour (null: nothing). */
    show(fn) {
      draw = fn;
      if (!wired && element.on) {
        wired = true;
        element.on("plotly_afterplot", render);
        element.on("plotly_relayout", render);
      }
      render();
    },
    layer,
  };
}
