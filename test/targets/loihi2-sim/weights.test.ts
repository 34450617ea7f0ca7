import { describe, expect, it } from "vitest";
import { legalizeWeights } from "../../../targets/loihi2-sim/weights.js";

describe("Loihi 2 weight legalization", () => {
  it("keeps integer weights that fit 8 bits with one scale for the layer", () => {
    const chip = legalizeWeights(new Int8Array([1, -2, 127, -128]), 0.5, 2, 8);
    expect(chip).toMatchObject({ requantized: false, scale: 0.5, maxRelativeError: 0 });
    expect([...chip.mantissa]).toEqual([1, -2, 127, -128]);
  });

  it("requantizes wider integers to an 8-bit mantissa with a power-of-two exponent", () => {
    // Real weights [20, −0.3]: e = ⌈log2(20 / 127)⌉ = −2, step 0.25 → mantissas [80, −1], error 0.05 / 20.
    const chip = legalizeWeights(new Int16Array([200, -3]), 0.1, 1, 8);
    expect(chip).toMatchObject({ requantized: true, exponent: -2, scale: 0.25 });
    expect([...chip.mantissa]).toEqual([80, -1]);
    expect(chip.maxRelativeError).toBeCloseTo(0.0025, 12);
  });

  it("folds per-channel scales of float weights into one exponent for the layer", () => {
    // [in=2, out=2] stored [1, 1, 2, 2] × scales [1, 0.5] = [1, 0.5, 2, 1]; e = ⌈log2(2 / 127)⌉ = −5.
    const chip = legalizeWeights(new Float32Array([1, 1, 2, 2]), [1, 0.5], 2, 8);
    expect(chip).toMatchObject({ requantized: true, exponent: -5, scale: 1 / 32, maxRelativeError: 0 });
    expect([...chip.mantissa]).toEqual([32, 16, 64, 32]);
  });

  it("requantizes integer weights with per-channel scales, and an all-zero layer to zeros", () => {
    expect(legalizeWeights(new Int8Array([10, 10]), [1, 2], 2, 8).requantized).toBe(true);
    expect(legalizeWeights(new Float32Array([0, 0]), 1, 1, 8)).toMatchObject({ requantized: true, scale: 1, maxRelativeError: 0 });
  });
});
