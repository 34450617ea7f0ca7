import { describe, expect, it } from "vitest";
import { allocateNps } from "../../../targets/akida-sim/np-allocation.js";
import { packSigned, quantizeWeights } from "../../../targets/akida-sim/quantize-weights.js";

const v1 = { weightWords: 7168, weightWordBits: 50, inputWords: 2 * 5376, inputWordBits: 32 };
const v2 = { weightWords: 4096, weightWordBits: 100, inputWords: 2 * 8192, inputWordBits: 32 };

describe("Akida NP allocation (counts worked out by hand)", () => {
  it("v1, 1024 → 256 at 4 bits: 12 weights a 50-bit word, 86 words a neuron, 83 neurons an NP, 4 NPs", () => {
    const a = allocateNps({ name: "fc1", inFeatures: 1024, outFeatures: 256 }, 4, 4, v1);
    expect(a).toMatchObject({ wordsPerNeuron: 86, neuronsPerNp: 83, nps: 4, inputWords: 128 });
    expect(a.weightUtilization).toBeCloseTo((1024 * 256 * 4) / (4 * 7168 * 50), 5);
  });

  it("v2, 1024 → 256 at 8 bits: 12 weights a 100-bit word, 47 neurons an NP, 6 NPs", () => {
    expect(allocateNps({ name: "fc1", inFeatures: 1024, outFeatures: 256 }, 8, 8, v2)).toMatchObject({ wordsPerNeuron: 86, neuronsPerNp: 47, nps: 6, inputWords: 256 });
    expect(allocateNps({ name: "fc3", inFeatures: 128, outFeatures: 15 }, 8, 8, v2)).toMatchObject({ wordsPerNeuron: 11, nps: 1 });
  });

  it("names the layer whose inputs or weights overflow an NP", () => {
    expect(() => allocateNps({ name: "wide", inFeatures: 100_000, outFeatures: 1 }, 4, 4, v1)).toThrow(/layer wide: one neuron's 100000 weights of 4 bits need 8334 words/);
    expect(() => allocateNps({ name: "wide", inFeatures: 100_000, outFeatures: 1 }, 1, 4, v1)).toThrow(
      /layer wide: its 100000 inputs of 4 bits need 12500 words of input SRAM, more than an NP has \(10752 words of 32 bits\)/,
    );
  });
});

describe("Akida weight quantization", () => {
  it("quantizes per output neuron onto a symmetric grid, or binary at 1 bit", () => {
    // Fan-out order: column 0 = [1, 0.25], column 1 = [-0.5, 0.1].
    const q4 = quantizeWeights([1, -0.5, 0.25, 0.1], 2, 2, 4);
    expect([...q4.values]).toEqual([7, -7, 2, 1]);
    expect(q4.scales[0]).toBeCloseTo(1 / 7, 6);
    expect(q4.scales[1]).toBeCloseTo(0.5 / 7, 6);
    const q1 = quantizeWeights([1, -0.5, 0.25, 0.1], 2, 2, 1);
    expect([...q1.values]).toEqual([1, -1, 1, 1]);
    expect([...q1.scales]).toEqual([0.625, Math.fround(0.3)]);
    expect([...quantizeWeights([0, 0], 2, 1, 2).values]).toEqual([0, 0]);
  });

  it("packs two's complement codes low bits first", () => {
    expect([...packSigned([7, -7, 2, 1], 4)]).toEqual([0x97, 0x12]);
    expect([...packSigned([1, -1, -1, 1, 1, 1, 1, 1, -1], 1)]).toEqual([0b11111001, 0]);
    expect([...packSigned([-1, 1, 0, -1], 2)]).toEqual([0b11000111]);
  });
});
