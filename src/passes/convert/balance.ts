/**
 * Threshold balancing from calibration statistics (data-based normalization, Diehl et al. 2015;
 * Rueckauer et al. 2017): each layer's activation scale λ is the largest activation (max) or a
 * percentile of its nonzero magnitudes (percentile; zeros are left out as Rueckauer et al.'s SNN
 * toolbox does, so a ReLU's many zeros do not pull λ down). Per channel, λ_j is estimated from
 * the channel's RMS (the statistics' per-channel sums of squares) scaled by the layer's λ / RMS
 * ratio and capped at the layer's largest magnitude: the calibration artifact keeps full
 * histograms only per tensor.
 */
import type { TensorStats } from "../calibrate/stats.js";
import type { Granularity } from "./params.js";

/** How λ is taken. */
export interface BalanceOptions {
  balancing: "max" | "percentile";
  /** percentile balancing. */
  percentile?: number;
  granularity: Granularity;
}

/** λ for a layer: one value, or one per channel; `dead` when every observed value was 0. */
export interface Scale {
  value: number | Float64Array;
  dead: boolean;
  /** Why per-channel fell back to per-layer, if it did. */
  fallback?: string;
}

/** λ of the tensor with statistics `stats` (last axis = `channels`). Never 0, NaN or Inf. */
export function activationScale(stats: TensorStats, channels: number, options: BalanceOptions): Scale {
  const largest = Math.max(Math.abs(stats.min), Math.abs(stats.max));
  if (!(largest > 0) || stats.count === 0) return { value: 1, dead: true };
  const layer = options.balancing === "max" ? largest : Math.min(largest, nonzeroPercentile(stats, options.percentile ?? 100));
  if (options.granularity === "per-layer") return { value: layer, dead: false };
  const sums = stats.channelSquareSums;
  if (!sums || sums.length !== channels) {
    return { value: layer, dead: false, fallback: "the calibration statistics hold no per-channel sums of squares for it" };
  }
  const rows = stats.count / channels;
  const total = sums.reduce((a, b) => a + b, 0);
  const layerRms = Math.sqrt(total / stats.count);
  const ratio = layer / layerRms;
  const value = Float64Array.from(sums, (sum) => {
    const rms = Math.sqrt(sum / rows);
    return rms > 0 ? Math.min(ratio * rms, largest) : layer;
  });
  return { value, dead: false };
}

/**
 * The p-th percentile of |x| over the nonzero observed values, from the signed histogram folded
 * at 0, interpolated linearly inside the bin where the cumulative count reaches p.
 */
export function nonzeroPercentile(stats: TensorStats, p: number): number {
  const { range, counts } = stats.histogram;
  const half = counts.length / 2;
  const width = range / half;
  const folded = new Float64Array(half);
  for (let k = 0; k < half; k++) folded[k] = (counts[half + k] ?? 0) + (counts[half - 1 - k] ?? 0);
  // Exact zeros sit in bin 0 of the positive side; leave them out.
  const zeros = Math.min(folded[0]!, Math.round(stats.zeroFraction * stats.count));
  folded[0] = folded[0]! - zeros;
  const nonzero = folded.reduce((a, b) => a + b, 0);
  if (nonzero <= 0) return Math.max(Math.abs(stats.min), Math.abs(stats.max));
  const target = (p / 100) * nonzero;
  let cumulative = 0;
  for (let k = 0; k < half; k++) {
    const next = cumulative + folded[k]!;
    if (next >= target && folded[k]! > 0) return (k + (target - cumulative) / folded[k]!) * width;
    cumulative = next;
  }
  return range;
}
