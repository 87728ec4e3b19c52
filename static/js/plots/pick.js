// Click (and drag) on a 2D figure's plot area: the point under the pointer in data coordinates, for
// moving the start (the contour and the curve both use it).

/** Calls `onPick(x, y, dragging)` on a left click inside the plot area while `canPick()`, and as the
 * pointer drags on from there. Clicks on the legend are the legend's. */
export function listenForPicks(element, { canPick, onPick }) {
  function toData(event) {
    const full = element._fullLayout;
    if (!full?.xaxis || event.target.closest?.(".legend")) return null;
    const box = element.querySelector(".nsewdrag")?.getBoundingClientRect();
    if (!box) return null;
    const px = event.clientX - box.left;
    const py = event.clientY - box.top;
    if (px < 0 || py < 0 || px > box.width || py > box.height) return null;
    return [full.xaxis.p2d(px), full.yaxis.p2d(py)];
  }
  let dragging = false;
  element.addEventListener("pointerdown", (event) => {
    const point = event.button === 0 && canPick() ? toData(event) : null;
    if (!point) return;
    dragging = true;
    element.setPointerCapture?.(event.pointerId);
    onPick(point[0], point[1], false);
  });
  element.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const point = toData(event);
    if (point) onPick(point[0], point[1], true);
  });
  const stop = () => (dragging = false);
  element.addEventListener("pointerup", stop);
  element.addEventListener("pointercancel", stop);
}
