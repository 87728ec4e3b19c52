// Text sizes, line widths and the font of the plots. The projector theme (body class "projector")
// makes them readable from the back of a lecture hall on a 1280×720 screen: titles, axis titles
// and legends of at least 18 px, lines of at least 3 px (README, "Lecture mode").

// The page's own font stack (gdviz.css: it lists the CJK fonts Chinese text needs), so that the
// plots' text is the page's.
export const FONT_FAMILY = getComputedStyle(document.documentElement).fontFamily || "system-ui, sans-serif";

const SIZES = {
  default: { font: 11, title: 13, axisTitle: 12, legend: 11, line: 1.8, cursor: 1.2, marker: 6 },
  projector: { font: 15, title: 19, axisTitle: 18, legend: 18, line: 3, cursor: 3, marker: 8 },
};

/** The sizes of the page's theme (read when a figure is drawn: the theme is the page's, fixed at load). */
export const plotTheme = () => SIZES[document.body.classList.contains("projector") ? "projector" : "default"];
