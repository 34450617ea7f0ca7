import { describe, expect, it } from "vitest";
import { countToPrune, kthSmallest, positionDecidedTies, pythonRound, smallestCut, zeroPruned } from "../../../src/passes/prune/select-smallest.js";

/** A deterministic xorshift stream in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Indices pruned by a cut, in order. */
function prunedIndices(scores: Float32Array, count: number): number[] {
  const mask = new Float32Array(scores.length).fill(1);
  zeroPruned(scores, smallestCut(scores, count), mask);
  return [...mask.keys()].filter((i) => mask[i] === 0);
}

describe("counts", () => {
  it("rounds half to even, as Python's round() in torch's _compute_nparams_toprune", () => {
    expect([0.5, 1.5, 2.5, 3.5, 4.5].map(pythonRound)).toEqual([0, 2, 2, 4, 4]);
    expect([2.4999, 2.5001, 7].map(pythonRound)).toEqual([2, 3, 7]);
    expect(countToPrune(0.5, 5)).toBe(2); // round(2.5) = 2
    expect(countToPrune(0.5, 7)).toBe(4); // round(3.5) = 4
    expect(countToPrune(0.3, 49_152)).toBe(14_746); // 14745.6
    expect(countToPrune(0, 10)).toBe(0);
    expect(countToPrune(0.999, 3)).toBe(3);
  });
});

describe("kthSmallest (quickselect)", () => {
  it("agrees with sorting on random, sorted, reversed, few-valued and all-equal arrays", () => {
    const next = random(7);
    const cases: Uint32Array[] = [
      Uint32Array.from({ length: 1001 }, () => Math.floor(next() * 2 ** 31)),
      Uint32Array.from({ length: 500 }, (_, i) => i),
      Uint32Array.from({ length: 500 }, (_, i) => 500 - i),
      Uint32Array.from({ length: 777 }, () => Math.floor(next() * 3)),
      new Uint32Array(300).fill(25),
      Uint32Array.of(42),
    ];
    for (const values of cases) {
      const sorted = Uint32Array.from(values).sort();
      for (const k of [0, 1, values.length >> 1, values.length - 1]) {
        if (k >= values.length) continue;
        expect(kthSmallest(Uint32Array.from(values), k)).toBe(sorted[k]);
      }
    }
  });

  it("rejects k outside the array", () => {
    expect(() => kthSmallest(new Uint32Array(3), 3)).toThrow(RangeError);
    expect(() => kthSmallest(new Uint32Array(0), 0)).toThrow(RangeError);
  });
});

describe("smallestCut", () => {
  it("prunes exactly the count smallest, and leaves the input order intact", () => {
    const scores = Float32Array.of(0.5, 0.1, 0.9, 0.3, 0.7, 0.2);
    expect(prunedIndices(scores, 3)).toEqual([1, 3, 5]);
    expect([...scores]).toEqual([...Float32Array.of(0.5, 0.1, 0.9, 0.3, 0.7, 0.2)]);
    expect(prunedIndices(scores, 0)).toEqual([]);
    expect(prunedIndices(scores, 6)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("breaks ties at the threshold by position, and counts them", () => {
    const scores = Float32Array.of(0.4, 0.2, 0.2, 0.1, 0.2, 0.9);
    const cut = smallestCut(scores, 3);
    // The threshold is |0.2|'s float32 bit pattern.
    expect(cut.threshold).toBe(new Uint32Array(Float32Array.of(0.2).buffer)[0]);
    expect(cut.takeAtThreshold).toBe(2);
    expect(cut.ties).toBe(3);
    expect(positionDecidedTies(cut)).toBe(3);
    expect(prunedIndices(scores, 3)).toEqual([1, 2, 3]);
    // All three equal scores pruned: no choice was made among them.
    expect(positionDecidedTies(smallestCut(scores, 4))).toBe(0);
  });

  it("handles all-equal scores and zeros (already-zero weights go first)", () => {
    expect(prunedIndices(new Float32Array(10).fill(1), 4)).toEqual([0, 1, 2, 3]);
    const withZeros = Float32Array.of(0.3, 0, 0.1, 0, 0.2);
    expect(prunedIndices(withZeros, 2)).toEqual([1, 3]);
    expect(prunedIndices(withZeros, 3)).toEqual([1, 2, 3]);
  });

  it("compares by absolute value: signs do not matter, −0 is 0", () => {
    expect(prunedIndices(Float32Array.of(-0.5, 0.1, -0.05, 0.3, -0, 2), 3)).toEqual([1, 2, 4]);
  });

  it("selects exactly on large arrays (sampled bracket), with and without ties", () => {
    const next = random(11);
    for (const [label, values] of [
      ["distinct", Float32Array.from({ length: 200_000 }, () => next() - 0.5)],
      ["few values", Float32Array.from({ length: 150_000 }, () => Math.floor(next() * 7) - 3)],
      ["all equal", new Float32Array(100_000).fill(-1.5)],
    ] as const) {
      for (const fraction of [0.001, 0.3, 0.5, 0.999]) {
        const count = Math.round(fraction * values.length);
        const order = [...values.keys()].sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
        const expected = order.slice(0, count).sort((a, b) => a - b);
        expect(prunedIndices(values, count), `${label} ${fraction}`).toEqual(expected);
      }
    }
  });

  it("spans several arrays with one cut, taking ties in array order (global scope)", () => {
    const a = Float32Array.of(0.5, 0.2, 0.8);
    const b = Float32Array.of(0.2, 0.1, 0.2);
    const cut = smallestCut([a, b], 3);
    const ta = Float32Array.of(1, 1, 1);
    const tb = Float32Array.of(1, 1, 1);
    const taken = zeroPruned(a, cut, ta, 0, 1, 0);
    zeroPruned(b, cut, tb, 0, 1, taken);
    expect([...ta]).toEqual([1, 0, 1]);
    expect([...tb]).toEqual([0, 0, 1]);
  });

  it("writes through a base and stride (one column of a row-major matrix)", () => {
    const matrix = Float32Array.from({ length: 12 }, (_, i) => i + 1); // [4, 3]
    const column = Float32Array.of(5, 1, 4, 2); // scores of column 1
    zeroPruned(column, smallestCut(column, 2), matrix, 1, 3);
    expect([...matrix]).toEqual([1, 2, 3, 4, 0, 6, 7, 8, 9, 10, 0, 12]);
  });
});
