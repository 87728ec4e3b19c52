// How the step-through writes numbers and indices: 4 significant digits with a true minus sign, and
// subscript and superscript digits (W₁₂⁽³⁾).
import { formatNumber } from "../dom.js";

const SUB = "₀₁₂₃₄₅₆₇₈₉";
const SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const digits = (n, set) => String(n).replace(/\d/g, (d) => set[Number(d)]);
export const sub = (n) => digits(n, SUB);
export const sup = (n) => `⁽${digits(n, SUP)}⁾`;

/** A number as the diagram and the formulas show it: 4 significant digits, a true minus sign. */
export const num = (v) => formatNumber(v).replaceAll("-", "−");
/** A factor of a product: negative numbers in parentheses. */
export const factor = (v) => (v < 0 ? `(${num(v)})` : num(v));
