// Coalesces many small updates into one per animation frame.
export function perFrame(flush) {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      flush();
    });
  };
}

// A figure takes the size of its box, and follows it (Plotly's own autosize
// measures once, before the grid has settled).
export function boxSize(element) {
  const box = element.parentElement.getBoundingClientRect();
  return { width: Math.max(50, Math.floor(box.width)), height: Math.max(50, Math.floor(box.height)) };
}

export function followBox(element, onResize) {
  const first = boxSize(element);
  let last = `${first.width}x${first.height}`; // the size the figure was first drawn at
  new ResizeObserver(() => {
    const size = boxSize(element);
    const key = `${size.width}x${size.height}`;
    if (key !== last) {
      last = key;
      onResize(size);
    }
  }).observe(element.parentElement);
}
