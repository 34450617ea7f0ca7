import { describe, expect, it } from "vitest";
import { packLayer } from "../../../targets/loihi2-sim/core-packing.js";

const filled = (n: number, fanIn: number): number[] => new Array<number>(n).fill(fanIn);

describe("Loihi 2 core packing", () => {
  it("starts a new core when the neuron limit is reached", () => {
    // 10 neurons at 4 per core: 4 + 4 + 2 → 3 cores; 100 synapses × 8 bits = 100 B each.
    const packing = packLayer("fc", filled(10, 100), { neuronsPerCore: 4, memoryBytes: 1000, bits: 8 });
    expect(packing).toMatchObject({ cores: 3, synapses: 1000, bytes: 1000, maxFanIn: 100 });
  });

  it("starts a new core when synaptic memory is full, and packs narrower weights denser", () => {
    // 300 B per neuron at 8 bits: 3 neurons (900 B) per 1,000 B core → 5 neurons in 2 cores.
    expect(packLayer("fc", filled(5, 300), { neuronsPerCore: 8192, memoryBytes: 1000, bits: 8 })).toMatchObject({ cores: 2, bytes: 1500 });
    // At 4 bits 150 B per neuron: all 5 (750 B) in one core.
    expect(packLayer("fc", filled(5, 300), { neuronsPerCore: 8192, memoryBytes: 1000, bits: 4 })).toMatchObject({ cores: 1, bytes: 750 });
  });

  it("rounds a core's bytes up, not each neuron's", () => {
    // 3 neurons × 3 synapses × 3 bits = 27 bits → 4 bytes in one core.
    expect(packLayer("fc", filled(3, 3), { neuronsPerCore: 8192, memoryBytes: 1000, bits: 3 })).toMatchObject({ cores: 1, bytes: 4 });
  });

  it("counts only stored synapses and says why in numbers", () => {
    const packing = packLayer("fc", [0, 2, 0, 1], { neuronsPerCore: 2, memoryBytes: 1000, bits: 8 });
    expect(packing).toMatchObject({ cores: 2, synapses: 3, bytes: 3 });
    expect(packing.reason).toBe("4 neurons / 2 per core ≥ 2 cores; 3 synapses × 8 bits = 3 B / 1,000 B per core ≥ 1 cores");
  });

  it("refuses a neuron whose fan-in does not fit in a core", () => {
    expect(() => packLayer("fc2", [10, 2000], { neuronsPerCore: 8192, memoryBytes: 1000, bits: 8 })).toThrow(
      "layer fc2 neuron 1 has 2,000 synapses × 8 bits = 2,000 B, more than a core's 1,000 B of synaptic memory",
    );
  });
});
