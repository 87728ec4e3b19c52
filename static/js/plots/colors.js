// One colour per optimizer, in the order they are listed. Every one keeps a contrast of at least
// 3:1 against the light greys of the surface (#fdfdfe, #e8edf4), so that a path reads on a projector
// too: the classic light orange, cyan, pink and yellow-green of plotting palettes do not, so darker
// shades of those hues stand in for them.
export const PALETTE = [
  "#e6194b", "#1f77b4", "#1e8a1e", "#d35f00", "#7d5ba6", "#0a8a96", "#c2187a", "#8c564b",
  "#7a7a00", "#4363d8", "#b03a00", "#006d77", "#911eb4", "#3a5a00", "#000075", "#8a6d00",
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

// The decision boundary's class colours (P(class 1) from 0 to 1), on the page and in offline files.
export const CLASSES = [[0, "#2f6fd0"], [0.5, "#f4f6fa"], [1, "#e8772e"]];
