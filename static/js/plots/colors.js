// One colour per optimizer, in the order they are listed.
export const PALETTE = [
  "#e6194b", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#d62728", "#8c564b",
  "#e377c2", "#bcbd22", "#006d77", "#f58231", "#4363d8", "#911eb4", "#808000", "#000075",
];
export const colorOf = (i) => PALETTE[i % PALETTE.length];

// Light greys for the surface, so that every path colour stands out on it, near a minimum or far.
export const SURFACE_SCALE = [
  [0, "#fdfdfe"],
  [0.25, "#e8edf4"],
  [0.55, "#c3cddc"],
  [0.8, "#95a3ba"],
  [1, "#66748d"],
];
