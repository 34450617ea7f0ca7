/**
 * Which scores to prune: the `count` smallest |score| of one array or of several taken together,
 * with ties at the threshold broken by position (the earliest go first). This is the selection
 * torch's L1Unstructured makes with `topk(|w|, k, largest=False)`, except when several scores
 * equal the threshold and only some of them are pruned: torch's choice among such ties depends
 * on its topk kernel, ours on position. `Cut.ties` counts them so a report can say whether that
 * case arose.
 *
 * Scores are compared through their bits: a float32's bit pattern with the sign cleared is an
 * unsigned integer that orders exactly as |score| does (IEEE 754), so a weight array serves as
 * its own magnitude scores without an |w| copy, and comparisons are integer ones. The k-th
 * smallest is found by selection, never by sorting: Floyd–Rivest sampling brackets it between two
 * sampled keys, one pass counts what lies below the bracket and gathers what lies inside, and
 * quickselect finishes on the gathered few (O(n) expected; a bracket that misses falls back to
 * quickselect over everything).
 */

const SIGN_CLEARED = 0x7fffffff;
/** Below this many scores, quickselect on a copy is cheaper than sampling. */
const SMALL = 1 << 16;
const SAMPLE = 1 << 14;
/** Half-width of the sampled bracket, in sample ranks: 4 standard deviations of the rank at worst. */
const BRACKET = 4 * Math.ceil(Math.sqrt(SAMPLE) / 2);

/** Python 3's `round()` (half to even), which torch's `_compute_nparams_toprune` uses. */
export function pythonRound(x: number): number {
  const floor = Math.floor(x);
  if (x - floor !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** How many of `n` elements a fraction prunes: `round(fraction × n)`, as torch computes it. */
export function countToPrune(fraction: number, n: number): number {
  return Math.min(n, pythonRound(fraction * n));
}

/** The cut through a set of scores that prunes exactly `count` of them. */
export interface Cut {
  /** The threshold's key (|score|'s bits): keys below it are pruned. */
  threshold: number;
  /** Of the scores equal to the threshold, this many are pruned, in order of position. */
  takeAtThreshold: number;
  /** Scores equal to the threshold: when > takeAtThreshold > 0, position decided among them. */
  ties: number;
  count: number;
}

/** No cut: nothing pruned. */
const NO_CUT: Cut = { threshold: 0, takeAtThreshold: 0, ties: 0, count: 0 };

/** The keys of `scores` (a view of the same memory; clear the sign bit on reading). */
function keysOf(scores: Float32Array): Uint32Array {
  return new Uint32Array(scores.buffer, scores.byteOffset, scores.length);
}

/**
 * The cut that prunes the `count` smallest |score| of `scores`, or of all of `parts` taken
 * together (global scope; positions run through the parts in order). Never modifies them.
 */
export function smallestCut(scores: Float32Array | readonly Float32Array[], count: number): Cut {
  const parts = (Array.isArray(scores) ? scores : [scores]).map(keysOf);
  const n = parts.reduce((total, part) => total + part.length, 0);
  if (count <= 0 || n === 0) return NO_CUT;
  if (count > n) throw new RangeError(`cannot prune ${count} of ${n} scores`);
  const k = count - 1;
  const sampled = n > SMALL ? sampledBracket(parts, n, k) : undefined;
  return (sampled && cutWithin(parts, sampled.lo, sampled.hi, n, k)) ?? cutWithin(parts, 0, SIGN_CLEARED, n, k)!;
}

/** Floyd–Rivest: two sampled keys that bracket rank k with high probability. */
function sampledBracket(parts: readonly Uint32Array[], n: number, k: number): { lo: number; hi: number } {
  const sample = new Uint32Array(SAMPLE);
  const offsets = parts.map((_, i) => parts.slice(0, i).reduce((t, p) => t + p.length, 0));
  // A fixed seed: the same scores always give the same bracket (and the same work).
  let state = 0x2545f491;
  for (let s = 0; s < SAMPLE; s++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const at = (state >>> 0) % n;
    let part = parts.length - 1;
    while (offsets[part]! > at) part--;
    sample[s] = parts[part]![at - offsets[part]!]! & SIGN_CLEARED;
  }
  const rank = Math.floor((k * SAMPLE) / n);
  const loRank = rank - BRACKET;
  const hiRank = rank + BRACKET;
  const lo = loRank < 0 ? 0 : kthSmallest(sample, loRank);
  // After the first selection every key of rank > loRank sits right of it: select hi there.
  const hi = hiRank >= SAMPLE ? SIGN_CLEARED : loRank < 0 ? kthSmallest(sample, hiRank) : kthSmallest(sample.subarray(loRank + 1), hiRank - loRank - 1);
  return { lo, hi };
}

/**
 * The cut at rank k if its key lies in [lo, hi] (always, for [0, 2³¹ − 1]), else undefined. One
 * pass counts the keys below lo and those equal to lo (often many: exact zeros) and gathers the
 * rest of the bracket; quickselect finishes on what was gathered.
 */
function cutWithin(parts: readonly Uint32Array[], lo: number, hi: number, n: number, k: number): Cut | undefined {
  let inside = new Uint32Array(Math.min(n, 1 << 12));
  let length = 0;
  let below = 0;
  let atLo = 0;
  const span = hi - lo;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const key = part[i]! & SIGN_CLEARED;
      // Branch-free counts (keys < 2³¹, so the difference's sign bit says key < lo; keys equal
      // to lo, often half the tensor when it holds exact zeros, are counted, not gathered).
      // What remains, (lo, hi], is one unsigned comparison, rarely true, so well predicted.
      const offset = (key - lo) >>> 0;
      below += offset >>> 31;
      atLo += offset === 0 ? 1 : 0;
      if ((offset - 1) >>> 0 < span) {
        if (length === inside.length) {
          const grown = new Uint32Array(Math.min(n, inside.length * 2));
          grown.set(inside);
          inside = grown;
        }
        inside[length++] = key;
      }
    }
  }
  if (k < below || k >= below + atLo + length) return undefined;
  if (k < below + atLo) return { threshold: lo, takeAtThreshold: k + 1 - below, ties: atLo, count: k + 1 };
  const keys = inside.subarray(0, length);
  const threshold = kthSmallest(keys, k - below - atLo);
  let smaller = below + atLo;
  let ties = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key < threshold) smaller++;
    else if (key === threshold) ties++;
  }
  return { threshold, takeAtThreshold: k + 1 - smaller, ties, count: k + 1 };
}

/**
 * Applies a cut over `scores` in order: sets `target[base + i * stride]` to +0 for every pruned
 * index i. `taken` carries the ties already pruned when one cut spans several arrays (global
 * scope); returns the new total. `scores` may be `target` itself (magnitude: the weights are
 * their own scores) when base is 0 and stride 1.
 */
export function zeroPruned(scores: Float32Array, cut: Cut, target: Float32Array, base = 0, stride = 1, taken = 0): number {
  if (cut.count === 0) return taken;
  const keys = keysOf(scores);
  const bits = keysOf(target);
  const { threshold, takeAtThreshold } = cut;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]! & SIGN_CLEARED;
    const j = base + i * stride;
    if (key === threshold) {
      // Rare, so this branch is well predicted; ties go in order while the quota lasts.
      if (taken < takeAtThreshold) {
        taken++;
        bits[j] = 0;
      }
    } else {
      // Branch-free: the mask is 0 (prune) when key < threshold, else all ones (keep).
      bits[j] = bits[j]! & -(((key - threshold) >>> 31) ^ 1);
    }
  }
  return taken;
}

/** The scores equal to the cut's threshold when position, not score, chose among them; else 0. */
export function positionDecidedTies(cut: Cut): number {
  return cut.takeAtThreshold > 0 && cut.takeAtThreshold < cut.ties ? cut.ties : 0;
}

/**
 * The k-th smallest value (0-based) of `values`, by quickselect with Hoare partitioning and a
 * median-of-three pivot; reorders `values` so that values[0..k] ≤ values[k] ≤ values[k+1..].
 * O(n) expected; equal values split evenly between the two sides, so an all-equal array is
 * linear too.
 */
export function kthSmallest(values: Uint32Array, k: number): number {
  if (!(k >= 0 && k < values.length)) throw new RangeError(`k = ${k} outside [0, ${values.length})`);
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const mid = lo + ((hi - lo) >>> 1);
    // Order lo, mid, hi so that the pivot (the median) sits at mid and guards both scans.
    if (values[mid]! < values[lo]!) swap(values, mid, lo);
    if (values[hi]! < values[lo]!) swap(values, hi, lo);
    if (values[hi]! < values[mid]!) swap(values, hi, mid);
    const pivot = values[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    // Now values[lo..j] ≤ pivot, values[i..hi] ≥ pivot, and everything between equals it.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return pivot;
  }
  return values[k]!;
}

function swap(values: Uint32Array, a: number, b: number): void {
  const t = values[a]!;
  values[a] = values[b]!;
  values[b] = t;
}
