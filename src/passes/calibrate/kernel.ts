/**
 * The statistics kernel: one pass over one tensor of one batch computes its min, max, zero
 * count, signed histogram and (optionally) per-feature sums of squares together.
 *
 * Histogram ranges are powers of two (or 0 before any nonzero value): a range grows by a factor
 * 2^k, so each new bin is exactly the union of 2^k old bins and re-binning moves counts without
 * approximation. The final range is therefore the smallest power of two ≥ max|x| over all the
 * data, whatever the batch size or the order in which batch results are merged, and the
 * histogram counts are exact integers: merging is associative.
 *
 * `observeTensor` and the helpers it calls also run in worker threads, sent as source text
 * ({@link KERNEL_SOURCE}), so they must stay self-contained: no imports, only each other and
 * globals such as Math.
 */

/** Histogram bins over [-range, range]: 4096 per side, so ≥ 2048 bins cover [0, max|x|]. */
export const HISTOGRAM_BINS = 8192;

/** What one pass over one tensor of one batch observed. */
export interface TensorObservation {
  count: number;
  zeros: number;
  /** +Infinity / -Infinity when `count` is 0. */
  min: number;
  max: number;
  /** A power of two ≥ max|x|, or 0 when every value was 0. */
  range: number;
  /**
   * HISTOGRAM_BINS + 1 counts: bin i < bins covers [(i − bins/2)·w, (i − bins/2 + 1)·w),
   * w = 2·range/bins; slot `bins` counts the values equal to +range. Kept apart from the last
   * bin until the statistics are written (where the last bin is closed), because after the
   * range grows they belong to a bin of their own.
   */
  counts: Int32Array;
  /** Sum of x² per index of the last axis; undefined unless asked for. */
  squareSums: Float64Array | undefined;
  /** Flat index of the first NaN or ±Infinity, or -1. When ≥ 0 the other fields are meaningless. */
  nonFinite: number;
}

/**
 * Observes `data`, laid out as rows of `features` values (the last axis).
 *
 * Four values are taken per step. On large tensors neighbouring values go into two copies of
 * the histogram ("lanes", bins + 1 slots each): consecutive increments of one bin (runs of
 * zeros after a ReLU) would otherwise wait on each other through memory. Two lanes measured
 * faster than four (less memory to zero, add up and keep in cache) and than one. The lanes are
 * added up at the end. The range is checked against the running min and max, which must be
 * computed anyway, rather than against each |v|.
 *
 * The loop is kept free of branches that depend on the data: min and max are plain
 * comparisons, not Math.min/Math.max, whose ±0 handling branches on every value equal to the
 * running extreme (a ReLU output's zeros: 8.4 → 2.5 ns a value on ReLU outputs); a bin index is
 * truncated with `| 0`, not converted with a minus-zero check; zeros are counted from the bit
 * patterns (isZeroBits), not with `v === 0 ? 1 : 0`. NaN fails every comparison, so
 * `poison` (the sum of v − v: 0 for finite values, NaN for NaN and ±Infinity) catches it.
 */
export function observeTensor(data: Float32Array, features: number, squares: boolean, bins: number): TensorObservation {
  const observation = observeValues(data, bins);
  if (squares && observation.nonFinite < 0) observation.squareSums = sumSquares(data, features);
  return observation;
}

/**
 * observeTensor's one pass over the values, square sums apart: one loop serving tensors with and
 * without them was compiled for whichever came first and ran the other up to 5× slower.
 */
function observeValues(data: Float32Array, bins: number): TensorObservation {
  // The same values as IEEE bit patterns, for a zero test without a branch.
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  const half = bins / 2;
  const stride = bins + 1;
  // Below a few values per bin, zeroing and adding up a second lane costs more than it saves.
  const lanes = new Int32Array((data.length >= 4 * bins ? 2 : 1) * stride);
  // The middle bin of the second lane (or of the only one): b and e are counted there, a and d in the first.
  const second = half + (lanes.length > stride ? stride : 0);
  const body = data.length - (data.length % 4);
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  let range = 0;
  // half / range, a power of two, so v * scale and its floor are exact; 0 while range is 0
  // (only zeros are binned then, and 0 * 0 = 0 lands them in bin `half`).
  let scale = 0;
  let poison = 0;
  let p = 0;
  for (; p < body; p += 4) {
    const a = data[p]!;
    const b = data[p + 1]!;
    const d = data[p + 2]!;
    const e = data[p + 3]!;
    if (a < min) min = a;
    if (a > max) max = a;
    if (b < min) min = b;
    if (b > max) max = b;
    if (d < min) min = d;
    if (d > max) max = d;
    if (e < min) min = e;
    if (e > max) max = e;
    poison += a - a + (b - b) + (d - d) + (e - e);
    // A new extreme beyond the range (an infinity among them): the rare slow path.
    if (!(max <= range && min >= -range)) {
      if (!Number.isFinite(min) || !Number.isFinite(max)) return nonFiniteAt(data);
      range = growLanes(lanes, bins, range, powerOfTwoAtLeast(Math.max(max, -min)));
      scale = half / range;
    }
    zeros += isZeroBits(bits[p]!) + isZeroBits(bits[p + 1]!) + isZeroBits(bits[p + 2]!) + isZeroBits(bits[p + 3]!);
    lanes[(Math.floor(a * scale) | 0) + half]!++;
    lanes[(Math.floor(b * scale) | 0) + second]!++;
    lanes[(Math.floor(d * scale) | 0) + half]!++;
    lanes[(Math.floor(e * scale) | 0) + second]!++;
  }
  for (; p < data.length; p++) {
    const v = data[p]!;
    if (v < min) min = v;
    if (v > max) max = v;
    poison += v - v;
    if (!(max <= range && min >= -range)) {
      if (!Number.isFinite(min) || !Number.isFinite(max)) return nonFiniteAt(data);
      range = growLanes(lanes, bins, range, powerOfTwoAtLeast(Math.max(max, -min)));
      scale = half / range;
    }
    zeros += isZeroBits(bits[p]!);
    lanes[(Math.floor(v * scale) | 0) + half]!++;
  }
  if (poison !== 0) return nonFiniteAt(data);
  const counts = new Int32Array(stride);
  for (let offset = 0; offset < lanes.length; offset += stride) {
    for (let i = 0; i < stride; i++) counts[i]! += lanes[offset + i]!;
  }
  return { count: data.length, zeros, min, max, range, counts, squareSums: undefined, nonFinite: -1 };
}

/** Σ x² per index of the last axis (`features` wide rows): a pass of its own, about 0.8 ns a value. */
function sumSquares(data: Float32Array, features: number): Float64Array {
  const sums = new Float64Array(features);
  if (features <= 0) return sums;
  const body = features - (features % 4);
  for (let p = 0; p < data.length; ) {
    let c = 0;
    for (; c < body; c += 4, p += 4) {
      const a = data[p]!;
      const b = data[p + 1]!;
      const d = data[p + 2]!;
      const e = data[p + 3]!;
      sums[c]! += a * a;
      sums[c + 1]! += b * b;
      sums[c + 2]! += d * d;
      sums[c + 3]! += e * e;
    }
    for (; c < features; c++, p++) sums[c]! += data[p]! * data[p]!;
  }
  return sums;
}

/** Grows every lane (bins + 1 slots each) from range `from` to `to`, and returns `to`. */
function growLanes(lanes: Int32Array, bins: number, from: number, to: number): number {
  for (let offset = 0; offset < lanes.length; offset += bins + 1) growRange(lanes.subarray(offset, offset + bins + 1), from, to);
  return to;
}

/** 1 when `bits` (a float32's bit pattern) is +0 or −0, else 0: |bits| − 1 is negative only for 0. */
function isZeroBits(bits: number): number {
  return ((bits & 0x7fffffff) - 1) >>> 31;
}

/** The observation of data whose element `index` is the first NaN or infinity. */
function nonFiniteAt(data: Float32Array): TensorObservation {
  let index = 0;
  while (Number.isFinite(data[index]!)) index++;
  return { count: 0, zeros: 0, min: Infinity, max: -Infinity, range: 0, counts: new Int32Array(0), squareSums: undefined, nonFinite: index };
}

/** The smallest power of two ≥ `value` (value > 0 and finite). */
export function powerOfTwoAtLeast(value: number): number {
  let power = 2 ** Math.ceil(Math.log2(value));
  // Math.log2 may be off by one ulp next to a power of two; correct either way.
  if (power < value) power *= 2;
  else if (power / 2 >= value) power /= 2;
  return power;
}

/**
 * Re-bins `counts` (bins + 1 slots, as {@link TensorObservation.counts}) in place from range
 * `from` to range `to` (powers of two, to ≥ from): slot i moves to half + floor((i − half) /
 * (to / from)), the +range slot included. Moves go towards the centre, so walking each side
 * from the centre outwards never reads a slot that already holds moved counts. From range 0
 * nothing moves: every count is a zero, in bin `half` at any range.
 */
export function growRange(counts: Int32Array | Float64Array, from: number, to: number): void {
  if (from === 0 || to === from) return;
  const factor = to / from;
  const half = (counts.length - 1) / 2;
  for (let i = half - 1; i >= 0; i--) {
    const target = half + Math.floor((i - half) / factor);
    if (target !== i) {
      counts[target]! += counts[i]!;
      counts[i] = 0;
    }
  }
  for (let i = half; i < counts.length; i++) {
    const target = half + Math.floor((i - half) / factor);
    if (target !== i) {
      counts[target]! += counts[i]!;
      counts[i] = 0;
    }
  }
}

/**
 * The kernel as source text declaring `observeTensor` and its helpers, for worker threads: a
 * worker file would exist only as .ts under the test runner, which plain Node workers cannot
 * load. The declarations keep the names the functions have in this build (a bundler may
 * rename them), so their calls to each other still resolve; {@link observeTensor}.name is
 * the entry point's.
 */
export const KERNEL_SOURCE = [powerOfTwoAtLeast, growRange, growLanes, isZeroBits, nonFiniteAt, sumSquares, observeValues, observeTensor].map((f) => f.toString()).join("\n");
