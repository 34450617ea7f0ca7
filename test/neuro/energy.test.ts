import { describe, expect, it } from "vitest";
import { annEnergyPj, precisionForBits, snnEnergyPj } from "../../src/neuro/energy.js";

describe("the generic 45 nm energy model (Horowitz 2014)", () => {
  it("chooses the precision from the weights' bits", () => {
    expect([1, 4, 8, 9, 16, 17, 32].map(precisionForBits)).toEqual(["int8", "int8", "int8", "fp16", "fp16", "fp32", "fp32"]);
  });

  it("E_ANN = E_MAC · MACs", () => {
    // 1,000 int8 MACs × 0.23 pJ; 10^6 fp32 MACs × 4.6 pJ; 2,000 fp16 MACs × 1.5 pJ.
    expect(annEnergyPj(1000, "int8")).toBeCloseTo(230, 9);
    expect(annEnergyPj(1e6, "fp32")).toBeCloseTo(4.6e6, 3);
    expect(annEnergyPj(2000, "fp16")).toBeCloseTo(3000, 9);
  });

  it("E_SNN = E_AC · (SynOps + encoder adds) + E_MAC(fp32) · host MACs", () => {
    // 0.03 × 1,000 + 0.03 × 100 + 4.6 × 10 = 30 + 3 + 46 = 79 pJ.
    const int8 = snnEnergyPj({ synapticOps: 1000, encoderUpdates: 100, hostMacs: 10 }, "int8");
    expect(int8.pj).toBeCloseTo(79, 9);
    expect(int8.formula).toBe("E_AC(int8) × SynOps + E_AC(int8) × EncoderAdds + E_MAC(fp32) × HostMACs = 0.03 pJ × 1,000 + 0.03 pJ × 100 + 4.6 pJ × 10");
    // fp32 chip: 0.9 × 500 + 0.9 × 0 + 4.6 × 0 = 450 pJ.
    expect(snnEnergyPj({ synapticOps: 500, encoderUpdates: 0, hostMacs: 0 }, "fp32").pj).toBeCloseTo(450, 9);
  });
});
