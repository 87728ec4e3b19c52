// Compact numbers for the offline file: arrays become little-endian float32 in base64 (5.3 characters a
// number instead of about 10 for 7 significant digits written out; float32 keeps at least 7 significant
// digits), and long series are thinned to evenly spaced samples. The offline player reads them back.

const F32_MAX = 3.4e38;
const F32_NORMAL_MIN = 1.2e-38; // below it float32 loses digits

const fitsFloat32 = (v) => v === 0 || (Math.abs(v) >= F32_NORMAL_MIN && Math.abs(v) <= F32_MAX);

function base64(bytes) {
  let text = "";
  const CHUNK = 0x8000; // String.fromCharCode takes its arguments on the stack
  for (let i = 0; i < bytes.length; i += CHUNK) text += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(text);
}

/** A list of numbers (null where not finite) as `{f32: base64}`, NaN standing for null; a value beyond
 *  float32's range (a run blowing up, a probability of 1e-50) goes in `wide` as [index, value] with 7
 *  significant digits. */
export function pack(values) {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  const wide = [];
  values.forEach((v, i) => {
    const finite = v !== null && Number.isFinite(v);
    if (finite && !fitsFloat32(v)) wide.push([i, Number(v.toPrecision(7))]);
    view.setFloat32(i * 4, finite ? (fitsFloat32(v) ? v : 0) : NaN, true);
  });
  const packed = { f32: base64(new Uint8Array(view.buffer)) };
  if (wide.length) packed.wide = wide;
  return packed;
}

/** Lists of small non-negative integers (the data indices of mini-batches) as `{u16: base64, sizes}`: every
 *  number as a little-endian uint16, one after the other, and the lists' lengths run-length coded as
 *  [[length, how many lists in a row], …] (batches share one size but the last of an epoch). */
export function packLists(lists) {
  const flat = lists.flat();
  const bad = flat.find((v) => !Number.isInteger(v) || v < 0 || v > 0xffff);
  if (bad !== undefined) throw new Error(`packLists: ${bad} is not an integer in 0 … 65535`);
  const view = new DataView(new ArrayBuffer(flat.length * 2));
  flat.forEach((v, i) => view.setUint16(i * 2, v, true));
  const sizes = [];
  for (const list of lists) {
    const last = sizes.at(-1);
    if (last && last[0] === list.length) last[1] += 1;
    else sizes.push([list.length, 1]);
  }
  return { u16: base64(new Uint8Array(view.buffer)), sizes };
}

/** At most `limit` indices of 0 … n − 1, evenly spaced, the first and the last always among them. */
export function thin(n, limit) {
  if (n <= limit) return Array.from({ length: n }, (_, i) => i);
  const picked = Array.from({ length: limit }, (_, i) => Math.round((i * (n - 1)) / (limit - 1)));
  return [...new Set(picked)];
}

export const pick = (values, indices) => indices.map((i) => values[i]);
