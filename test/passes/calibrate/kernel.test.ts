import { describe, expect, test } from "vitest";
import { TensorAccumulator } from "../../../src/passes/calibrate/accumulator.js";
import { growRange, HISTOGRAM_BINS, observeTensor, powerOfTwoAtLeast } from "../../../src/passes/calibrate/kernel.js";

const BINS = HISTOGRAM_BINS;
const HALF = BINS / 2;

/**
 * The reference: each value's slot computed on its own, slot = floor(v / w) + bins/2 with
 * w = 2·range / bins (exact: w is a power of two), so +range gets slot `bins`, as the kernel's.
 */
function naiveSlots(values: ArrayLike<number>, range: number): number[] {
  const counts = new Array<number>(BINS + 1).fill(0);
  const width = (2 * range) / BINS;
  for (let i = 0; i < values.length; i++) counts[range === 0 ? HALF : Math.floor(values[i]! / width) + HALF]!++;
  return counts;
}

/** A seeded generator: the same values on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** ReLU-like data: mostly exact zeros, the rest spread over ±scale, as float32. */
function activations(count: number, seed: number, scale = 3, zeroShare = 0.6): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length: count }, () => (next() < zeroShare ? 0 : (next() - 0.4) * 2 * scale));
}

describe("powerOfTwoAtLeast", () => {
  test.each([
    [1, 1],
    [1.5, 2],
    [2, 2],
    [2.000001, 4],
    [0.3, 0.5],
    [0.25, 0.25],
    [3.4028234663852886e38, 2 ** 128],
    [1.401298464324817e-45, 2 ** -149],
  ])("%d → %d", (value, expected) => {
    expect(powerOfTwoAtLeast(value)).toBe(expected);
  });
});

describe("observeTensor", () => {
  test("bins, the closed last bin, zeros, min/max and square sums on a small tensor", () => {
    // 2 rows of 3 features: widths that are not a multiple of 4 take the scalar tail path.
    const data = Float32Array.of(0, 1, -2, 0.5, 2, -0);
    const seen = observeTensor(data, 3, true, BINS);
    expect(seen.nonFinite).toBe(-1);
    expect(seen).toMatchObject({ count: 6, zeros: 2, min: -2, max: 2, range: 2 });
    const counts = Array.from(seen.counts);
    expect(counts.length).toBe(BINS + 1);
    expect(counts[0]).toBe(1); // -2 = -range: the first bin
    expect(counts[BINS]).toBe(1); // 2 = +range: its own slot (the closed last bin in stats.json)
    expect(counts[HALF]).toBe(2); // both zeros
    expect(counts[HALF + BINS / 4]).toBe(1); // 1 = range / 2
    expect(counts[HALF + BINS / 8]).toBe(1); // 0.5
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(Array.from(seen.squareSums!)).toEqual([0.25, 5, 4]);
  });

  test("a large tensor (two lanes) with growing magnitudes equals the one-value-at-a-time histogram", () => {
    // Magnitudes grow along the data, so the range grows several times mid-tensor.
    const data = activations(BINS * 8 + 3, 7).map((v, i) => v * 2 ** Math.floor(i / 8000));
    data[9000] = 16; // exactly a power of two: the closed last bin of its lane at that point
    data[9001] = -16;
    const seen = observeTensor(data, data.length, false, BINS);
    let max = 0;
    for (const v of data) max = Math.max(max, Math.abs(v));
    expect(seen.range).toBe(powerOfTwoAtLeast(max));
    expect(Array.from(seen.counts)).toEqual(naiveSlots(data, seen.range));
    expect(seen.zeros).toBe(data.filter((v) => v === 0).length);
    expect(seen.min).toBe(Math.min(...data));
    expect(seen.max).toBe(Math.max(...data));
  });

  test("square sums per feature match a float64 reference", () => {
    const features = 36;
    const data = activations(features * 1000, 11);
    const seen = observeTensor(data, features, true, BINS);
    const expected = new Float64Array(features);
    data.forEach((v, i) => (expected[i % features]! += v * v));
    seen.squareSums!.forEach((sum, j) => expect(sum).toBeCloseTo(expected[j]!, 9));
  });

  test("an all-zero tensor has range 0 and every count in the middle bin", () => {
    const seen = observeTensor(new Float32Array(40000), 40000, false, BINS);
    expect(seen).toMatchObject({ count: 40000, zeros: 40000, min: 0, max: 0, range: 0 });
    expect(seen.counts[HALF]).toBe(40000);
  });

  test.each([NaN, Infinity, -Infinity])("%d is reported with its index", (bad) => {
    const data = activations(50000, 3);
    data[33333] = bad;
    expect(observeTensor(data, 50000, false, BINS).nonFinite).toBe(33333);
    expect(observeTensor(data.subarray(33330, 33340), 10, true, BINS).nonFinite).toBe(3);
  });
});

describe("growRange", () => {
  test("joins bins exactly: every value keeps a bin that contains it", () => {
    const data = activations(20000, 5, 0.8); // within ±0.96
    data[0] = 1; // +range: after growing it is the left edge of a bin of its own
    data[1] = -1;
    const counts = Float64Array.from(naiveSlots(data, 1));
    growRange(counts, 1, 8);
    expect(Array.from(counts)).toEqual(naiveSlots(data, 8));
  });
});

describe("TensorAccumulator", () => {
  test("merging batches in any split gives the statistics of the whole", () => {
    const features = 16;
    const data = activations(features * 6000, 21, 2);
    // Later batches reach larger magnitudes, so merging re-bins the running histogram.
    for (let i = features * 5000; i < data.length; i++) data[i]! *= 5;
    const whole = new TensorAccumulator("t");
    whole.merge(observeTensor(data, features, true, BINS));
    const split = new TensorAccumulator("t");
    for (const [from, to] of [[0, 160], [160, features * 5000], [features * 5000, data.length]] as const) {
      split.merge(observeTensor(data.subarray(from, to), features, true, BINS));
    }
    const a = whole.finish();
    const b = split.finish();
    expect(b.histogram).toEqual(a.histogram);
    expect([b.count, b.min, b.max, b.zeroFraction]).toEqual([a.count, a.min, a.max, a.zeroFraction]);
    b.channelSquareSums!.forEach((sum, j) => expect(sum).toBeCloseTo(a.channelSquareSums![j]!, 8));
  });

  test("a value equal to the range of an early batch is re-binned exactly when the range grows", () => {
    const acc = new TensorAccumulator("t");
    acc.merge(observeTensor(Float32Array.of(0.5, 1, -1), 3, false, BINS)); // range 1: 1 is +range
    acc.merge(observeTensor(Float32Array.of(3), 1, false, BINS)); // range 4
    const { histogram } = acc.finish();
    expect(histogram.range).toBe(4);
    const expected = naiveSlots([0.5, 1, -1, 3], 4).slice(0, BINS);
    expect(histogram.counts).toEqual(expected);
    expect(histogram.counts[HALF + BINS / 8]).toBe(1); // 1 = range / 4: the left edge of its bin
  });

  test("the stats file's last bin is closed: +range is counted in it", () => {
    const acc = new TensorAccumulator("t");
    acc.merge(observeTensor(Float32Array.of(2, -2, 1), 3, false, BINS));
    const { histogram } = acc.finish();
    expect(histogram.counts.length).toBe(BINS);
    expect([histogram.counts[0], histogram.counts[BINS - 1], histogram.counts[HALF + BINS / 4]]).toEqual([1, 1, 1]);
  });

  test("a dead tensor and an empty one finish without NaN", () => {
    const dead = new TensorAccumulator("dead");
    dead.merge(observeTensor(new Float32Array(64), 8, true, BINS));
    expect(dead.finish()).toMatchObject({ count: 64, min: 0, max: 0, zeroFraction: 1, histogram: { range: 0 }, channelSquareSums: new Array(8).fill(0) });
    const empty = new TensorAccumulator("empty");
    empty.merge(observeTensor(new Float32Array(0), 0, false, BINS));
    const stats = empty.finish();
    expect(stats).toMatchObject({ count: 0, min: 0, max: 0, zeroFraction: 0, histogram: { range: 0 } });
    expect(stats.histogram.counts.every((c) => c === 0)).toBe(true);
  });

  test("a changing feature axis is an error naming the tensor", () => {
    const acc = new TensorAccumulator("/x");
    acc.merge(observeTensor(new Float32Array(8), 4, true, BINS));
    expect(() => acc.merge(observeTensor(new Float32Array(8), 2, true, BINS))).toThrow(/'\/x' changed its last dimension from 4 to 2/);
  });
});
