import { describe, expect, it } from "vitest";
import { mapLayers, type LayerShape } from "../../../targets/truenorth-sim/core-mapping.js";

const geometry = { axonsPerCore: 256, neuronsPerCore: 256 };
const layer = (name: string, inFeatures: number, outFeatures: number, options: Partial<LayerShape> = {}): LayerShape => ({
  name,
  inFeatures,
  outFeatures,
  signedInput: false,
  signedOutput: false,
  toHost: false,
  consumers: [],
  ...options,
});

describe("TrueNorth core mapping (counts worked out by hand)", () => {
  it("fits a small layer read by the host in one core", () => {
    const [m] = mapLayers([layer("a", 100, 50, { toHost: true })], geometry);
    expect(m).toMatchObject({ partialGroups: 1, axonsPerInput: 2, copies: 1, cores: 1, neurons: 50, axons: 200, extraTicks: 0 });
  });

  it("splits a fan-in of 300 into 3 partial-sum groups and one merge core (signed readout: 2 neurons per output)", () => {
    const [m] = mapLayers([layer("r", 300, 10, { signedOutput: true, toHost: true })], geometry);
    // g = 256/2 = 128 inputs per core, P = ⌈300/128⌉ = 3; partial cores 3 × ⌈10/128⌉; merge: ⌊min(256/6, 256/2)⌋ = 42 outputs per core.
    expect(m).toMatchObject({ inputsPerCore: 128, partialGroups: 3, partialCores: 3, outputsPerCore: 42, neuronCores: 1, cores: 4, extraTicks: 1, readersPerInput: 1 });
    expect(m!.neurons).toBe(2 * 10 * 3 + 10 * 2);
  });

  it("duplicates a producer's neurons once per destination axon", () => {
    const [first, second] = mapLayers(
      [layer("h", 64, 300, { signedInput: true, consumers: ["r"] }), layer("r", 300, 10, { signedOutput: true, toHost: true })],
      geometry,
    );
    // r's one partial core per group reads each input on 2 axons: K = 2, 128 outputs per core.
    expect(first).toMatchObject({ axonsPerInput: 4, inputsPerCore: 64, partialGroups: 1, copies: 2, outputsPerCore: 128, cores: 3, neurons: 600 });
    expect(second!.cores).toBe(4);
  });

  it("maps brown-genre-mlp's 1024-256-128-15 shape onto 69 cores", () => {
    const layers = mapLayers(
      [
        layer("fc1", 1024, 256, { signedInput: true, consumers: ["fc2"] }),
        layer("fc2", 256, 128, { consumers: ["fc3"] }),
        layer("fc3", 128, 15, { signedOutput: true, toHost: true }),
      ],
      geometry,
    );
    // fc3: P = 1, 2 neurons per output, 1 core. fc2: P = 2, K = 2 → 2 partial + ⌈128/64⌉ = 2 merge cores.
    // fc1: 4 axons per input → g = 64, P = 16; K = 2; 16 × 2 partial cores + ⌈256/⌊256/32⌋⌉ = 32 merge cores.
    expect(layers.map((l) => l.cores)).toEqual([64, 4, 1]);
    expect(layers.map((l) => l.partialGroups)).toEqual([16, 2, 1]);
    expect(layers.map((l) => l.extraTicks)).toEqual([1, 1, 0]);
  });

  it("names the layer when one output's copies exceed a core", () => {
    expect(() => mapLayers([layer("a", 10, 10, { consumers: ["b"] }), layer("b", 10, 200 * 256, { toHost: true })], { axonsPerCore: 256, neuronsPerCore: 256 })).toThrow(
      /layer a: each output needs 400 neurons .* but a core holds 256/,
    );
  });

  it("refuses a fan-in that needs a second merge level", () => {
    expect(() => mapLayers([layer("big", 128 * 129, 4, { toHost: true })], geometry)).toThrow(/layer big has fan-in 16512: 129 partial sums per output need 258 merge axons > 256/);
  });
});
