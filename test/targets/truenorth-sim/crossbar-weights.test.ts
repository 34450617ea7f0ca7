import { describe, expect, it } from "vitest";
import { neuronRegisters, ternarize } from "../../../targets/truenorth-sim/crossbar-weights.js";

const limits = { maxWeight: 255, maxLeak: 255, maxShift: 16 };

describe("TrueNorth weights", () => {
  it("ternarizes to the least-squares optimum", () => {
    // Gains (Σ top-k |c|)²/k: 0.25, 0.405, 0.301 → keep 2, α = 0.45.
    const t = ternarize([0.5, -0.4, 0.05, 0]);
    expect([...t.signs]).toEqual([1, -1, 0, 0]);
    expect(t.alpha).toBeCloseTo(0.45, 12);
    expect(ternarize([0, 0]).alpha).toBe(0);
  });

  it("picks the finest power-of-two threshold the weight and leak registers allow", () => {
    // 0.3 × 2^9 = 153.6 → 154 ≤ 255; 2^10 would need 307.
    expect(neuronRegisters(0.3, 0, limits)).toMatchObject({ weight: 154, shift: 9, leak: 0, saturated: false });
    // A bias of one threshold needs leak 2^s ≤ 255: s = 7, weight round(38.4) = 38, leak 128.
    expect(neuronRegisters(0.3, 1, limits)).toMatchObject({ weight: 38, shift: 7, leak: 128 });
    expect(neuronRegisters(0.3, -1, limits).leak).toBe(-128);
  });

  it("clips a weight worth more than 255 thresholds and says so", () => {
    expect(neuronRegisters(300, 0, limits)).toMatchObject({ weight: 255, shift: 0, saturated: true });
    expect(neuronRegisters(0.5, -400, limits)).toMatchObject({ shift: 0, weight: 1, leak: -255, leakClipped: true });
  });
});
