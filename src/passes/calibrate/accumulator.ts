/**
 * Running statistics of one tensor over all batches: batch observations (kernel.ts) are merged
 * one by one, in batch order, so the float sums of squares are added in the same order on
 * every run however the batches were scheduled; counts, min, max and the histogram are exact
 * and order-independent anyway.
 */
import { SlmError } from "../../errors.js";
import { growRange, HISTOGRAM_BINS, type TensorObservation } from "./kernel.js";
import type { TensorStats } from "./stats.js";

/** One tensor's statistics so far. */
export class TensorAccumulator {
  private count = 0;
  private zeros = 0;
  private min = Infinity;
  private max = -Infinity;
  private range = 0;
  /** HISTOGRAM_BINS + 1 slots, as TensorObservation.counts. */
  private readonly counts = new Float64Array(HISTOGRAM_BINS + 1);
  private squareSums: Float64Array | undefined;

  constructor(readonly name: string) {}

  /** Adds one batch's observation of this tensor. */
  merge(observation: TensorObservation): void {
    this.count += observation.count;
    this.zeros += observation.zeros;
    if (observation.min < this.min) this.min = observation.min;
    if (observation.max > this.max) this.max = observation.max;
    if (observation.range > this.range) {
      growRange(this.counts, this.range, observation.range);
      this.range = observation.range;
    }
    addRebinned(this.counts, observation.counts, observation.range, this.range);
    if (observation.squareSums) this.addSquares(observation.squareSums);
  }

  private addSquares(sums: Float64Array): void {
    if (!this.squareSums) {
      this.squareSums = Float64Array.from(sums);
      return;
    }
    if (sums.length !== this.squareSums.length) {
      throw new SlmError(
        `calibrate: tensor '${this.name}' changed its last dimension from ${this.squareSums.length} to ${sums.length} between batches; ` +
          "per-feature statistics need a fixed feature axis",
      );
    }
    for (let i = 0; i < sums.length; i++) this.squareSums[i]! += sums[i]!;
  }

  /** The statistics as stats.json records them. A tensor that never held a nonzero value has range 0. */
  finish(): TensorStats {
    const empty = this.count === 0;
    return {
      count: this.count,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      zeroFraction: empty ? 0 : this.zeros / this.count,
      histogram: { range: this.range, counts: closedHistogram(this.counts) },
      ...(this.squareSums ? { channelSquareSums: Array.from(this.squareSums) } : {}),
    };
  }
}

/**
 * Adds `source` (slots over ±`sourceRange`) into `target` (over ±`targetRange`, a power of two
 * at least as large): source slot i lands in half + floor((i − half) / factor).
 */
function addRebinned(target: Float64Array, source: Int32Array, sourceRange: number, targetRange: number): void {
  const half = (target.length - 1) / 2;
  if (sourceRange === targetRange || sourceRange === 0) {
    // Same bins; or a source of zeros only, all in bin `half` at any range.
    for (let i = 0; i < source.length; i++) target[i]! += source[i]!;
    return;
  }
  const factor = targetRange / sourceRange;
  for (let i = 0; i < source.length; i++) {
    const count = source[i]!;
    if (count !== 0) target[half + Math.floor((i - half) / factor)]! += count;
  }
}

/** The stats file's histogram: the values equal to +range join the last bin, which is closed. */
function closedHistogram(slots: Float64Array): number[] {
  const counts = Array.from(slots.subarray(0, slots.length - 1));
  counts[counts.length - 1]! += slots[slots.length - 1]!;
  return counts;
}
