import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { measureModelLatency } from "../../src/eval/index.js";
import { quantile } from "../../src/eval/quantile.js";
import { evalIdsFlat, lm, mlp } from "./fixtures.js";

describe("measureModelLatency", () => {
  it("returns ordered, positive median/p10/p90 and says what was measured", async () => {
    const window = evalIdsFlat().subarray(0, 128);
    const result = await measureModelLatency({ modelPath: lm.model, input: window, threads: 2, warmup: 2, runs: 15 });
    expect(result.p10Ms).toBeGreaterThan(0);
    expect(result.p10Ms).toBeLessThanOrEqual(result.medianMs);
    expect(result.medianMs).toBeLessThanOrEqual(result.p90Ms);
    // A [1,128] run of a 1M-parameter model takes well under a second on any machine that runs the tests.
    expect(result.p90Ms).toBeLessThan(1000);
    expect(result).toMatchObject({ runs: 15, warmup: 2, threads: 2, onnxruntimeVersion: "1.30.0" });
    expect(result.label).toBe("measured on this machine: median of 15 warm runs (onnxruntime-node 1.30.0, 2 threads)");
  });

  it("feeds float features to a classifier and checks the input kind", async () => {
    const result = await measureModelLatency({ modelPath: mlp.model, input: new Float32Array(1024), warmup: 1, runs: 5 });
    expect(result.medianMs).toBeGreaterThan(0);
    expect(result.label).toMatch(/median of 5 warm runs \(onnxruntime-node 1\.30\.0, 1 thread\)$/);
    await expect(measureModelLatency({ modelPath: mlp.model, input: new Int32Array(1024), runs: 1 })).rejects.toThrow(
      InputError,
    );
    await expect(measureModelLatency({ modelPath: mlp.model, input: new Float32Array(1024), runs: 0 })).rejects.toThrow(
      /runs must be an integer ≥ 1/,
    );
  });
});

describe("quantile", () => {
  it("interpolates between order statistics like numpy's default", () => {
    expect(quantile(Float64Array.from([5, 1, 4, 2, 3]), 0.5)).toBe(3);
    expect(quantile(Float64Array.from([4, 1, 3, 2]), 0.5)).toBe(2.5);
    expect(quantile(Float64Array.from([10, 0]), 0.1)).toBeCloseTo(1, 12);
    expect(quantile(Float64Array.from([7]), 0.9)).toBe(7);
    expect(quantile(Float64Array.from([3, 1, 2]), 0)).toBe(1);
    expect(quantile(Float64Array.from([3, 1, 2]), 1)).toBe(3);
  });

  it("agrees with sorting on random, sorted, reversed and repetitive data", () => {
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const datasets = [
      Float64Array.from({ length: 1001 }, random),
      Float64Array.from({ length: 500 }, (_, i) => i),
      Float64Array.from({ length: 500 }, (_, i) => 500 - i),
      Float64Array.from({ length: 300 }, (_, i) => i % 3),
    ];
    for (const data of datasets) {
      const sorted = Float64Array.from(data).sort();
      for (const q of [0, 0.1, 0.25, 0.5, 0.9, 0.999, 1]) {
        const position = q * (sorted.length - 1);
        const low = sorted[Math.floor(position)]!;
        const high = sorted[Math.ceil(position)]!;
        const expected = low + (high - low) * (position - Math.floor(position));
        expect(quantile(Float64Array.from(data), q)).toBeCloseTo(expected, 12);
      }
    }
  });

  it("rejects empty input and q outside [0, 1]", () => {
    expect(() => quantile(new Float64Array(0), 0.5)).toThrow(/no values/);
    expect(() => quantile(Float64Array.from([1]), 1.5)).toThrow(/\[0, 1\]/);
  });
});
