/**
 * Activation ranges for static quantization from the calibration statistics, with
 * onnxruntime's calibrators' math (calibrate.py, HistogramCalibrater):
 * - minmax: the observed [min, max];
 * - percentile (onnxruntime's symmetric default): the histogram of |x| (the signed histogram
 *   folded at 0), t = the lower edge of the first bin where the CDF reaches p/100, range
 *   [−t, t] clipped to the observed [min, max];
 * - entropy: TensorRT's KL-divergence search on the signed histogram with 128 quantized bins,
 *   candidate ranges [edge(zero − i), edge(zero + i + 1)] for i from 64 to half the bins,
 *   the one with the smallest divergence, clipped to [min, max]. Computed in float64 where
 *   onnxruntime computes in float32, so a near-tie may pick a neighbouring candidate.
 * The range is then turned into a scale and zero point by compute_scale_zp (linear.ts).
 */
import type { TensorStats } from "../calibrate/stats.js";
import type { CalibrationChoice } from "./params.js";

export interface ActivationRange {
  rmin: number;
  rmax: number;
}

/** onnxruntime's default number of quantized bins for the entropy method (int8). */
const QUANTIZED_BINS = 128;
/** onnxruntime's smooth_distribution epsilon. */
const EPSILON = 0.0001;

/** The range `choice` derives from one tensor's statistics. */
export function activationRange(stats: TensorStats, choice: CalibrationChoice): ActivationRange {
  switch (choice.method) {
    case "minmax":
      return { rmin: stats.min, rmax: stats.max };
    case "percentile":
      return percentileRange(stats, choice.percentile ?? 99.999);
    case "entropy":
      return entropyRange(stats);
  }
}

/** The |x| histogram: bin edges from 0 and counts, folded from the signed histogram. */
export function foldedHistogram(stats: TensorStats): { edges: Float64Array; counts: Float64Array } {
  const { range, counts } = stats.histogram;
  const n = counts.length;
  const width = (2 * range) / n;
  const half = Math.floor(n / 2);
  if (n % 2 === 0) {
    // Bins half + j and half − 1 − j cover [j·w, (j+1)·w) of |x|.
    const folded = new Float64Array(half);
    for (let j = 0; j < half; j++) folded[j] = counts[half + j]! + counts[half - 1 - j]!;
    return { edges: Float64Array.from({ length: half + 1 }, (_, j) => j * width), counts: folded };
  }
  // Odd: the middle bin straddles 0 and becomes [0, w/2) of |x|.
  const folded = new Float64Array(half + 1);
  folded[0] = counts[half]!;
  for (let j = 1; j <= half; j++) folded[j] = counts[half + j]! + counts[half - j]!;
  const edges = Float64Array.from({ length: half + 2 }, (_, j) => (j === 0 ? 0 : (j - 0.5) * width));
  return { edges, counts: folded };
}

/** onnxruntime's compute_percentile, symmetric. */
export function percentileRange(stats: TensorStats, percentile: number): ActivationRange {
  const { edges, counts } = foldedHistogram(stats);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return { rmin: stats.min, rmax: stats.max };
  const target = percentile / 100;
  let cdf = 0;
  let index = counts.length; // numpy.searchsorted past the end: the last edge
  for (let i = 0; i < counts.length; i++) {
    cdf += counts[i]! / total;
    if (cdf >= target) {
      index = i;
      break;
    }
  }
  const threshold = edges[index]!;
  return { rmin: Math.max(-threshold, stats.min), rmax: Math.min(threshold, stats.max) };
}

/** onnxruntime's get_entropy_threshold on the signed histogram, re-binned to at most 2048 bins. */
export function entropyRange(stats: TensorStats): ActivationRange {
  const { counts: hist, range } = entropyHistogram(stats);
  const bins = hist.length;
  const zero = Math.floor(bins / 2);
  const halfQuantized = QUANTIZED_BINS / 2;
  // Fewer bins than quantized levels leave nothing to search: the whole observed range.
  if (zero < halfQuantized) return { rmin: stats.min, rmax: stats.max };
  const width = (2 * range) / bins;
  const edge = (i: number) => -range + i * width;
  const prefix = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) prefix[i + 1] = prefix[i]! + hist[i]!;
  let best = Infinity;
  let bestRange: ActivationRange = { rmin: edge(0), rmax: edge(bins) };
  for (let i = halfQuantized; i <= zero; i++) {
    const start = zero - i;
    const end = Math.min(zero + i + 1, bins);
    const divergence = klDivergence(hist, start, end, prefix);
    if (divergence < best) {
      best = divergence;
      bestRange = { rmin: edge(start), rmax: edge(end) };
    }
  }
  return { rmin: Math.max(bestRange.rmin, stats.min), rmax: Math.min(bestRange.rmax, stats.max) };
}

/** Most bins the entropy search runs on: onnxruntime's recommended 2048 (its KL loop is quadratic in them). */
const ENTROPY_BINS = 2048;

/**
 * The signed histogram as onnxruntime's entropy calibrator would have built it: symmetric around
 * 0 and spanning about max|x| (the calibration histogram's range is rounded up), with at most
 * 2048 bins. Empty outer bins are trimmed in pairs around the centre, then runs of `factor`
 * bins are merged.
 */
export function entropyHistogram(stats: TensorStats): { counts: number[]; range: number } {
  const { counts, range } = stats.histogram;
  const half = Math.floor(counts.length / 2);
  if (counts.length % 2 !== 0 || half === 0) return { counts, range };
  let side = 1;
  counts.forEach((count, i) => {
    if (count !== 0) side = Math.max(side, i >= half ? i - half + 1 : half - i);
  });
  const factor = Math.ceil((2 * side) / ENTROPY_BINS);
  const kept = Math.ceil(side / factor) * factor;
  const merged = new Array<number>((2 * kept) / factor).fill(0);
  for (let i = half - kept; i < half + kept; i++) merged[Math.floor((i - half + kept) / factor)]! += counts[i]!;
  return { counts: merged, range: (range * kept) / half };
}

/** KL(p‖q) of the slice [start, end) with outliers folded into its end bins (onnxruntime's loop body). */
function klDivergence(hist: readonly number[], start: number, end: number, prefix: Float64Array): number {
  const size = end - start;
  const p = new Float64Array(size);
  for (let j = 0; j < size; j++) p[j] = hist[start + j]!;
  p[0]! += prefix[start]!;
  p[size - 1]! += prefix[hist.length]! - prefix[end]!;
  const merged = Math.floor(size / QUANTIZED_BINS);
  const q = new Float64Array(size);
  for (let index = 0; index < QUANTIZED_BINS; index++) {
    const from = index * merged;
    const to = from + merged;
    let sum = prefix[start + to]! - prefix[start + from]!;
    if (index === QUANTIZED_BINS - 1) sum += prefix[end]! - prefix[start + QUANTIZED_BINS * merged]!;
    let nonzeros = 0;
    for (let j = from; j < to; j++) if (p[j] !== 0) nonzeros++;
    // numpy stores quantized_bins[index] / norm into an int64 array: truncated.
    if (nonzeros !== 0) q.fill(Math.trunc(sum / nonzeros), from, to);
  }
  const ps = smooth(p);
  const qs = smooth(q);
  if (ps === undefined || qs === undefined) return Infinity;
  return entropy(ps, qs);
}

/** onnxruntime's smooth_distribution: zeros become ε, taken evenly from the non-zeros. */
function smooth(p: Float64Array): Float64Array | undefined {
  let zeros = 0;
  for (const v of p) if (v === 0) zeros++;
  const nonzeros = p.length - zeros;
  if (nonzeros === 0) return undefined;
  const eps1 = (EPSILON * zeros) / nonzeros;
  return p.map((v) => (v === 0 ? EPSILON : v - eps1));
}

/** scipy.stats.entropy(p, q): Σ p̂·ln(p̂/q̂) with both normalized to sum 1. */
function entropy(p: Float64Array, q: Float64Array): number {
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    if (pi > 0) sum += qi > 0 ? pi * Math.log(pi / qi) : Infinity;
  }
  return sum;
}
