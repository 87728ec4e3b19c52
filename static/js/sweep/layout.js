// How the maps share the stage. One map keeps the key beside it. Two or three go side by side with the key below
// them (body.sw-wide, static/css/sweep.css): maps of the same axes share the first one's y labels, their columns are
// sized so that their plots come out equally wide, and maps of starts (squares, body.sw-fit) are as tall as that
// width allows, with the key right under them. A lecture's scene frame then shows three maps of about 265 px, not
// 130 px maps beside a key over an empty half.
import { whenDrawn } from "../plots/frame.js";
import { plotTheme } from "../plots/theme.js";

const MIN_HEIGHT = 160; // a map of starts never shrinks below this, whatever the room

/** `box`: the maps' grid; `mapBox`: it and the status line above it; `stage`: the grid of both and `side` (the key). */
export function createMapLayout({ box, mapBox, stage, side }) {
  let now = { maps: 0, beside: false, equal: false, range: null }; // see arrange()
  let figures = []; // [{map, caption}] of the maps

  const sharing = () => now.maps > 1 && !now.beside;

  // Plotly settles its margins over a few redraws: size from them, then again once the maps are redrawn at their new
  // sizes, until nothing moves.
  function place() {
    const margins = figures.map((f) => f.map.margins());
    if (!sharing() || margins.length !== now.maps || margins.some((m) => !m)) return;
    const n = now.maps;
    const gap = parseFloat(getComputedStyle(box).columnGap) || 0;
    const sides = margins.map((m) => m.l + m.r);
    const fixed = gap * (n - 1) + sides.reduce((a, b) => a + b, 0);
    box.style.gridTemplateColumns = sides.map((w) => `minmax(0, calc((100% - ${fixed}px) / ${n} + ${w}px))`)
      .join(" ");
    if (!now.equal) {
      box.style.height = "";
      return;
    }
    // Equal units on both axes: a plot is (its width) × (y span / x span) tall.
    const { x, y } = now.range;
    const plot = ((box.clientWidth - fixed) / n) * ((y[1] - y[0]) / (x[1] - x[0]));
    const need = figures[0].caption.offsetHeight + margins[0].t + margins[0].b + plot;
    const style = getComputedStyle(stage);
    const status = mapBox.offsetHeight - box.offsetHeight;
    const room = stage.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
      - (parseFloat(style.rowGap) || 0) - status - side.offsetHeight;
    box.style.height = `${Math.floor(Math.max(MIN_HEIGHT, Math.min(need, room)))}px`;
  }
  new ResizeObserver(() => place()).observe(stage);

  return {
    /** The maps on the stage: `figures` [{map, caption}], `beside`: the analytic map stands after them (its own
     * axes: nothing shared), `equal`: maps of starts, over `range` {x: [lo, hi], y: [lo, hi]}. */
    arrange(maps, { beside, equal, range }) {
      figures = maps;
      now = { maps: maps.length, beside, equal, range };
      document.body.classList.toggle("sw-wide", maps.length + (beside ? 1 : 0) > 1);
      document.body.classList.toggle("sw-fit", sharing() && equal);
      if (!sharing()) Object.assign(box.style, { gridTemplateColumns: "", height: "" });
    },
    /** Forgets the sizes of the maps before (a new set of maps). */
    clear: () => Object.assign(box.style, { gridTemplateColumns: "", height: "" }),
    /** Whether map `index` leaves its y labels to the first map. */
    sharesY: (index) => index > 0 && sharing(),
    /** The layout margins of map `index`: side by side, a thin edge (the first keeps room for the y labels). */
    edges: (index) => (sharing() ? { margin: { l: index ? 4 : 10, r: 4, t: plotTheme().font, b: 10 } } : {}),
    /** Sizes the maps once they are drawn; resolves when they have settled. */
    async fit() {
      for (let pass = 0; pass < 3; pass++) {
        const before = box.getAttribute("style");
        place();
        if (box.getAttribute("style") === before) return;
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        await whenDrawn();
      }
    },
  };
}
