// The y scale of a side plot: linear, log or symlog. Pure functions: which scale suits the values,
// how a value is placed on it, and tick labels that read as numbers a person writes (one label per
// decade, all in the same notation: never "5, 2, 10⁻¹").

export const SCALES = ["linear", "log", "symlog"];
const MAX_DECADES = 12; // symlog: magnitudes below max / 10¹² sit in its linear part around zero

/** The extent of the values seen so far, grown value by value. */
export function emptyExtent() {
  return { count: 0, min: Infinity, max: -Infinity, minAbs: Infinity, maxAbs: 0, nonPositive: 0 };
}

export function grow(extent, values) {
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    extent.count += 1;
    if (v < extent.min) extent.min = v;
    if (v > extent.max) extent.max = v;
    const abs = Math.abs(v);
    if (abs > 0 && abs < extent.minAbs) extent.minAbs = abs;
    if (abs > extent.maxAbs) extent.maxAbs = abs;
    if (v <= 0) extent.nonPositive += 1;
  }
  return extent;
}

const decades = (lo, hi) => Math.log10(hi) - Math.log10(lo);

/** log when every value is > 0 and they span a decade or more; symlog when some are ≤ 0 and the
 * magnitudes span two decades or more; linear otherwise (a log axis over less than a decade has no
 * decade to label, and a line of values near one size reads best on a linear one). */
export function autoScale(extent) {
  if (!extent.count) return "linear";
  if (extent.min > 0) return decades(extent.min, extent.max) >= 1 ? "log" : "linear";
  return extent.maxAbs > 0 && extent.minAbs < Infinity && decades(extent.minAbs, extent.maxAbs) >= 2
    ? "symlog" : "linear";
}

/** The symlog constant c of sign(v)·log10(1 + |v|/c): a power of ten at the smallest magnitude
 * seen, but no more than MAX_DECADES below the largest. */
export function symlogConstant(extent) {
  if (!(extent.maxAbs > 0)) return 1;
  const top = Math.ceil(Math.log10(extent.maxAbs));
  const low = extent.minAbs < Infinity ? Math.floor(Math.log10(extent.minAbs)) : top - 1;
  return pow10(Math.max(low, top - MAX_DECADES));
}

/** Where a value is drawn on the axis (null: not drawn; only a log axis drops values, those ≤ 0). */
export function placer(scale, c = 1) {
  if (scale === "log") return (v) => (v > 0 ? v : null);
  if (scale === "symlog") return (v) => (v === null || v === undefined ? null : Math.sign(v) * Math.log10(1 + Math.abs(v) / c));
  return (v) => (v === undefined ? null : v);
}

// 10^k exactly (10 ** -4 is 0.00009999999999999999).
const pow10 = (k) => Number(`1e${k}`);

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const MINUS = "−";

// 10^k in one notation for the whole axis: plain numbers when every k is in [-2, 3], else powers.
function powerLabels(ks) {
  const plain = ks.every((k) => k >= -2 && k <= 3);
  return (k) => {
    if (plain) return String(pow10(k));
    if (k === 0) return "1";
    if (k === 1) return "10";
    return `10${String(k).replace(/./g, (ch) => SUPERSCRIPT[ch])}`;
  };
}

const signed = (text, negative) => (negative ? `${MINUS}${text}` : text);

// Every `stride`-th integer in [lo, hi], with no more than `max` of them.
function everyNth(lo, hi, max) {
  const stride = Math.max(1, Math.ceil((hi - lo + 1) / max));
  const out = [];
  for (let k = Math.ceil(lo / stride) * stride; k <= hi; k += stride) out.push(k);
  return out;
}

// Round-number ticks (1, 2 or 5 × 10^e apart) inside [lo, hi], all written with the same decimals.
function niceTicks(lo, hi) {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / 4;
  const e = Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow10(e)).find((s) => s >= raw);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const values = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) values.push(Number(v.toFixed(decimals)));
  return { values, text: values.map((v) => signed(Math.abs(v).toFixed(decimals), v < 0)) };
}

// A log axis over a decade or two: 1, 2 and 5 times the powers of ten inside it (or fewer of them
// when the plot has no room), every label a plain number ("0.05, 0.1, 0.2"), or m×10ᵏ far from 1.
function oneTwoFive(lo, hi, room) {
  const all = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of [1, 2, 5]) {
      const v = m * pow10(k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) all.push([m, k, v]);
    }
  }
  const pick = all.length > room ? all.filter(([m]) => m !== 2) : all;
  const kept = pick.length > room ? pick.filter(([m]) => m === 1) : pick;
  const chosen = kept.length >= 2 ? kept : all.filter((_, i) => i % Math.ceil(all.length / room) === 0);
  const plain = chosen.every(([, k]) => k >= -3 && k <= 4);
  const label = ([m, k]) => {
    if (plain) return String(Number((m * pow10(k)).toPrecision(1)));
    const power = `10${String(k).replace(/./g, (ch) => SUPERSCRIPT[ch])}`;
    return m === 1 ? power : `${m}×${power}`;
  };
  if (chosen.length < 2) {
    const nice = niceTicks(lo, hi);
    return { tickvals: nice.values.filter((v) => v > 0), ticktext: nice.text.filter((_, i) => nice.values[i] > 0) };
  }
  return { tickvals: chosen.map(([, , v]) => v), ticktext: chosen.map(label) };
}

/** Ticks of a log or symlog axis for values in `extent`, at most `room` of them (what the plot's
 * height holds): {tickvals, ticktext} in axis coordinates (a log axis takes its tickvals as values;
 * a symlog one as placed values). */
export function ticks(scale, extent, c = 1, room = 6) {
  if (!extent.count) return {};
  if (scale === "log") {
    const lo = Math.max(extent.min, Number.MIN_VALUE);
    const hi = Math.max(extent.max, lo);
    const ks = everyNth(Math.ceil(Math.log10(lo) - 1e-9), Math.floor(Math.log10(hi) + 1e-9), room);
    if (ks.length < 3) return oneTwoFive(lo, hi, room);
    const label = powerLabels(ks);
    return { tickvals: ks.map(pow10), ticktext: ks.map(label) };
  }
  if (scale === "symlog") {
    const place = placer("symlog", c);
    // From 10c up: c itself sits at 0.3 of a decade from zero, too close for two labels.
    const k0 = Math.round(Math.log10(c)) + 1;
    const top = Math.ceil(Math.log10(Math.max(extent.maxAbs, c)));
    const sides = extent.min < 0 && extent.max > 0 ? 2 : 1;
    const ks = everyNth(k0, top, Math.max(1, Math.floor((room - 1) / sides)));
    const label = powerLabels(ks);
    const values = [0];
    const text = ["0"];
    // A label closer to zero than the room of one label would sit on the "0".
    const gap = (place(extent.maxAbs) || 1) / room;
    for (const k of ks) {
      if (place(pow10(k)) < gap) continue;
      if (extent.max > 0 && pow10(k) <= extent.max * 10) (values.push(place(pow10(k))), text.push(label(k)));
      if (extent.min < 0 && pow10(k) <= -extent.min * 10) (values.push(place(-pow10(k))), text.push(signed(label(k), true)));
    }
    return { tickvals: values, ticktext: text };
  }
  return {};
}
