// The Hessian's eigen-directions at a point, drawn on the contour as two crossing axes (the axes of the
// level sets' ellipse there): along v₁ and v₂, each as long as 1/√|λ| relative to the other, so that a
// long axis is a gentle direction and a short one a steep direction; a dashed axis curves downwards
// (λ < 0, a saddle's escape). The point the panel explains gets long, labelled axes, the others short ones.
import { shortNumber } from "../dom.js";
import { svg } from "../why/overlay.js";

export const AXIS_COLORS = ["#006d77", "#b03a00"]; // v₁ (the smaller eigenvalue), v₂ (the larger)
const SHORTEST = 0.12; // of the longer axis: a condition number of 10⁴ still shows a stub

/** The two axes' half-lengths in pixels, the longer one `length`: proportional to 1/√|λ| (a flat
 * direction, λ = 0, is as long as the longest). */
export function axisLengths(eigenvalues, length) {
  const size = eigenvalues.map(Math.abs);
  const soft = Math.min(...size.filter((s) => s > 0), Infinity);
  return size.map((s) => (s === 0 || soft === Infinity ? length : Math.max(SHORTEST, Math.sqrt(soft / s)) * length));
}

function axis(frame, at, vector, half, color, dashed, width) {
  const [cx, cy] = frame.toPixel(at);
  const dx = vector[0] * frame.px;
  const dy = -vector[1] * frame.py; // screen y points down
  const norm = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [(dx / norm) * half, (dy / norm) * half];
  const line = (stroke, w) => svg("line", { x1: cx - ux, y1: cy - uy, x2: cx + ux, y2: cy + uy, stroke, "stroke-width": w,
    "stroke-linecap": "round", "stroke-dasharray": dashed ? "6 4" : null });
  return { nodes: [line("rgba(255,255,255,0.85)", width + 3), line(color, width)], dir: [ux, uy] };
}

/**
 * The axes of every analysed point: `points` [{id, at: [x, y], analysis}], `selected` the id drawn long and
 * labelled (λ₁, λ₂ at the axes' ends). `sizes`: {long, short} half-lengths in pixels.
 */
export function curvatureAxes(frame, points, selected, { long = 64, short = 26, font = 12 } = {}) {
  const nodes = [];
  for (const { id, at, analysis } of points) {
    if (!analysis || !at) continue;
    const chosen = id === selected;
    const lengths = axisLengths(analysis.eigenvalues, chosen ? long : short);
    const group = svg("g", { class: `why-axes${chosen ? " selected" : ""}`, "data-point": id });
    analysis.eigenvalues.forEach((lambda, i) => {
      const drawn = axis(frame, at, analysis.eigenvectors[i], lengths[i], AXIS_COLORS[i], lambda < 0, chosen ? 2.5 : 1.6);
      group.append(...drawn.nodes);
      if (!chosen) return;
      // The label at the end of the axis with room for it: the right-hand end if it fits in the plot.
      const label = `v${"₁₂"[i]}: λ${"₁₂"[i]} = ${shortNumber(lambda)}`;
      const width = 0.62 * font * label.length;
      const [cx, cy] = frame.toPixel(at);
      const away = Math.hypot(...drawn.dir) || 1;
      const [ux, uy] = [drawn.dir[0] / away, drawn.dir[1] / away];
      const place = (sign) => {
        const [x, y] = [cx + sign * ux * (lengths[i] + 6), cy + sign * uy * (lengths[i] + 6)];
        const right = sign * ux >= -0.05;
        return { x, y, right, fits: right ? x + width <= frame.box.l + frame.box.w : x - width >= frame.box.l };
      };
      const first = place(ux >= 0 ? 1 : -1);
      const second = place(ux >= 0 ? -1 : 1);
      const spot = first.fits || !second.fits ? first : second;
      const text = svg("text", { x: spot.x, y: spot.y + font / 3, "text-anchor": spot.right ? "start" : "end",
        "font-size": font, fill: AXIS_COLORS[i], class: "why-label" }, label);
      group.append(text);
    });
    nodes.push(group);
  }
  return nodes;
}
