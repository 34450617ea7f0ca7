/**
 * Activation ranges from synthetic calibration statistics (the calibrate stage's stats.json
 * format): minmax, onnxruntime's symmetric percentile on the folded histogram, and its entropy
 * (KL) search. The entropy expectations come from onnxruntime's get_entropy_threshold
 * (calibrate.py) run on the same histogram with numpy.
 */
import { describe, expect, test } from "vitest";
import type { TensorStats } from "../../../src/passes/calibrate/stats.js";
import { activationRange, entropyHistogram, foldedHistogram } from "../../../src/passes/quantize/ranges.js";

function stats(counts: number[], range: number, min: number, max: number): TensorStats {
  return { count: counts.reduce((a, b) => a + b, 0), min, max, zeroFraction: 0, histogram: { range, counts } };
}

// 8 bins over [-4, 4], width 1: [-4,-3) 1, [-3,-2) 0, [-2,-1) 2, [-1,0) 10, [0,1) 20, [1,2) 5, [2,3) 1, [3,4) 1.
const small = stats([1, 0, 2, 10, 20, 5, 1, 1], 4, -3.5, 3.2);

describe("foldedHistogram", () => {
  test("an even signed histogram folds at 0 into the |x| histogram", () => {
    const { edges, counts } = foldedHistogram(small);
    expect(Array.from(edges)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(counts)).toEqual([30, 7, 1, 2]);
  });

  test("an odd one: the middle bin straddles 0 and becomes [0, w/2)", () => {
    const { edges, counts } = foldedHistogram(stats([1, 2, 10, 4, 3], 2.5, -2, 2));
    expect(Array.from(edges)).toEqual([0, 0.5, 1.5, 2.5]);
    expect(Array.from(counts)).toEqual([10, 6, 4]);
  });
});

describe("activationRange", () => {
  test("minmax is the observed range", () => {
    expect(activationRange(small, { method: "minmax" })).toEqual({ rmin: -3.5, rmax: 3.2 });
  });

  test("percentile: the lower edge of the first |x| bin whose CDF reaches p, as ±t clipped to [min, max]", () => {
    // CDF of |x|: 0.75, 0.925, 0.95, 1.
    expect(activationRange(small, { method: "percentile", percentile: 90 })).toEqual({ rmin: -1, rmax: 1 });
    expect(activationRange(small, { method: "percentile", percentile: 99 })).toEqual({ rmin: -3, rmax: 3 });
    // A ReLU output (min 0): [−t, t] clipped to [0, t].
    const relu = stats([0, 0, 0, 0, 20, 5, 1, 1], 4, 0, 3.5);
    expect(activationRange(relu, { method: "percentile", percentile: 90 })).toEqual({ rmin: 0, rmax: 1 }); // CDF 0.74, 0.93
  });

  test("percentile of an all-zero tensor is [0, 0]", () => {
    expect(activationRange(stats([0, 0, 7, 0], 1, 0, 0), { method: "percentile", percentile: 99.999 })).toEqual({ rmin: 0, rmax: 0 });
  });

  test("entropy on a 2048-bin histogram gives onnxruntime's threshold", () => {
    // Steps halving every 40 bins from the centre, plus outliers in both end bins.
    const counts = Array.from({ length: 2048 }, (_, i) => {
      const distance = Math.abs(i - 1024 + (i < 1024 ? 1 : 0));
      return (1 << 24) >> Math.min(30, Math.floor(distance / 40));
    });
    counts[0]! += 3;
    counts[2047]! += 2;
    // numpy: get_entropy_threshold → (-2.5, 2.5039062), KL 1.5948e-4 at candidate 576 (i = 640).
    expect(activationRange(stats(counts, 4, -3.99, 3.99), { method: "entropy" })).toEqual({ rmin: -2.5, rmax: 2.50390625 });
  });

  test("entropy with fewer than 128 bins has nothing to search: the observed range", () => {
    expect(activationRange(small, { method: "entropy" })).toEqual({ rmin: -3.5, rmax: 3.2 });
  });
});

describe("entropyHistogram", () => {
  test("trims empty outer bins symmetrically and merges down to at most 2048 bins", () => {
    // 8192 bins over [-8, 8]; data only within ±3000 bins of the centre → side 3000, merge by 3.
    const counts = new Array<number>(8192).fill(0);
    counts[4096 - 3000] = 1;
    counts[4096 + 10] = 5;
    const h = entropyHistogram(stats(counts, 8, -5.86, 0.03));
    expect(h.counts.length).toBe(2000);
    expect(h.range).toBeCloseTo((8 * 3000) / 4096, 12);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.counts[0]).toBe(1);
    expect(h.counts[1000 + Math.floor(10 / 3)]).toBe(5);
  });
});
