/**
 * The simulator against spike trains worked out by hand on tiny networks. Every value is a
 * dyadic fraction, so float arithmetic is exact and the trains are the only possible answer.
 */
import { describe, expect, it } from "vitest";
import { simulateIsland } from "../../src/snn/kernel.js";
import { island, spikeTrains, tinyIr, type TinySpec } from "./tiny-ir.js";

/**
 * Encoder λ = 1 with inputs [0.5, 0.25]; a spiking layer of 2 neurons, θ = 0.75,
 * w = [[1, −0.5], [1, 1]], bias [0, 0.25]; a readout [[1], [0.5]].
 */
function network(reset: "subtract" | "zero", initialPotential = 0): TinySpec {
  return {
    encoding: { type: "rate", timesteps: 8 },
    rate: { model: "if", reset, initialPotential },
    encoderThreshold: 1,
    inputs: 2,
    layers: [
      { type: "spiking", weight: [[1, -0.5], [1, 1]], bias: [0, 0.25], threshold: 0.75 },
      { type: "readout", weight: [[1], [0.5]] },
    ],
  };
}

describe("rate coding, IF neurons", () => {
  it("reset by subtraction: encoder, hidden and readout follow the hand-computed trains", async () => {
    const compiled = island(await tinyIr(network("subtract")));
    const [encoder, hidden] = spikeTrains(compiled, [0.5, 0.25], 8);
    // Encoder: v += x each step, spike at v ≥ 1, subtract 1.
    expect(encoder).toEqual([[1, 3, 5, 7], [3, 7]]);
    // Neuron 0: v += s0 + s1 → 1 (spike, .25), .25, 2.25 (spike, 1.5), 1.5 (spike, .75), 1.75 (spike, 1), 1 (spike, .25), 2.25 (spike).
    // Neuron 1: v += .25 − .5·s0 + s1 → .25, 0, .25, 1 (spike, .25), .5, .25, .5, 1.25 (spike).
    expect(hidden).toEqual([[1, 3, 4, 5, 6, 7], [3, 7]]);
    // Readout: Σ_t (s_h0 + 0.5·s_h1) × θ_h / T = (6 + 0.5 × 2) × 0.75 / 8.
    const result = simulateIsland(compiled.island, [Float32Array.of(0.5, 0.25)], 1);
    expect(Array.from(result.outputs[2]!)).toEqual([0.65625]);
    expect(Array.from(result.counts.spikes)).toEqual([6, 8, 0]);
    // Synaptic ops: 6 encoder spikes × fan-out 2, 8 hidden spikes × fan-out 1.
    expect(Array.from(result.counts.synapticOps)).toEqual([0, 12, 8]);
    // Neuron updates: the hidden layer receives input in the 5 steps with encoder spikes (t = 1, 3, 5, 7 and none else).
    expect(result.counts.activeUpdates[1]).toBe(4 * 2);
    expect(result.counts.idleUpdates[1]).toBe(4 * 2);
  });

  it("reset to zero drops the residue", async () => {
    const [encoder, hidden] = spikeTrains(island(await tinyIr(network("zero"))), [0.5, 0.25], 8);
    expect(encoder).toEqual([[1, 3, 5, 7], [3, 7]]);
    // Neuron 0: 1 (spike → 0), 0, 2 (spike → 0), 0, 1 (spike → 0), 0, 2 (spike). Neuron 1: as before up to t = 3, then .25, 0, .25, 1 (spike).
    expect(hidden).toEqual([[1, 3, 5, 7], [3, 7]]);
  });

  it("an initial potential of half the threshold rounds the encoder's rate instead of flooring it", async () => {
    const [encoder] = spikeTrains(island(await tinyIr(network("subtract", 0.5))), [0.5, 0.25], 8);
    // x = 0.5 from 0.5: 1 (spike) at t = 0, 2, 4, 6; x = 0.25 from 0.5: .75, 1 (spike) at t = 1, 5.
    expect(encoder).toEqual([[0, 2, 4, 6], [1, 5]]);
  });

  it("a negative input makes a signed encoder spike negatively, starting from −h·θ", async () => {
    const compiled = island(await tinyIr({ ...network("subtract", 0.5), layers: [{ type: "readout", weight: [[1], [1]] }] }));
    const result = simulateIsland(compiled.island, [Float32Array.of(-0.5, 0.25)], 1);
    // −0.5 from −0.5: −1 (spike) at t = 0, 2, 4, 6 → 4 spikes of −1; 0.25: 2 spikes of +1. Readout: (−4 + 2) × 1 / 8.
    expect(result.counts.neuronSpikes[0]).toEqual(Float64Array.of(4, 2));
    expect(Array.from(result.outputs[1]!)).toEqual([-0.25]);
  });
});

describe("rate coding, LIF neurons", () => {
  it("the potential decays by the leak before each step's input", async () => {
    const spec: TinySpec = {
      encoding: { type: "rate", timesteps: 6 },
      rate: { model: "lif", leak: 0.5, reset: "subtract", initialPotential: 0 },
      encoderThreshold: 1,
      inputs: 1,
      layers: [{ type: "spiking", weight: [[0.75]], threshold: 1 }],
    };
    const [encoder, hidden] = spikeTrains(island(await tinyIr(spec)), [1], 6);
    // The encoder is leaky too, but x = 1 reaches θ every step.
    expect(encoder).toEqual([[0, 1, 2, 3, 4, 5]]);
    // v = v/2 + .75: .75, 1.125 (spike, .125), .8125, 1.15625 (spike, .15625), .828125, 1.1640625 (spike).
    expect(hidden).toEqual([[1, 3, 5]]);
  });
});

describe("sigma-delta", () => {
  const spec = (theta: number): TinySpec => ({
    encoding: { type: "sigma-delta", timesteps: 3, theta },
    encoderThreshold: 1,
    inputs: 2,
    layers: [
      { type: "spiking", weight: [[1], [2]], bias: [-0.25], threshold: 1 },
      { type: "readout", weight: [[2]] },
    ],
  });

  it("sends a change only when it reaches θ × scale, once for a static input", async () => {
    const compiled = island(await tinyIr(spec(0.25)));
    const [encoder, hidden] = spikeTrains(compiled, [0.5, 0.125], 3);
    // 0.5 ≥ 0.25 is sent at t = 0; 0.125 < 0.25 never is. Hidden: relu(0.5 − 0.25) = 0.25 ≥ 0.25, sent at t = 0.
    expect(encoder).toEqual([[0], []]);
    expect(hidden).toEqual([[0]]);
    const result = simulateIsland(compiled.island, [Float32Array.of(0.5, 0.125)], 1);
    expect(Array.from(result.outputs[2]!)).toEqual([0.5]);
    expect(Array.from(result.counts.synapticOps)).toEqual([0, 1, 1]);
  });

  it("with θ = 0 it computes the ANN exactly", async () => {
    const result = simulateIsland(island(await tinyIr(spec(0))).island, [Float32Array.of(0.5, 0.125)], 1);
    // relu(0.5 + 2 × 0.125 − 0.25) = 0.5; readout 2 × 0.5.
    expect(Array.from(result.outputs[2]!)).toEqual([1]);
    expect(Array.from(result.counts.spikes)).toEqual([2, 1, 0]);
  });
});

describe("fixed-point state", () => {
  it("gives the float trains when every value sits on the 2^−F grid", async () => {
    const spec: TinySpec = {
      ...network("subtract"),
      layers: [
        { type: "spiking", weight: [[1, -0.5], [1, 1]], bias: [0, 0.25], threshold: 1 },
        { type: "readout", weight: [[1], [0.5]] },
      ],
    };
    const loaded = await tinyIr(spec);
    const float = spikeTrains(island(loaded), [0.5, 0.25], 8);
    const fixed = island(loaded, { state: "fixed", fractionBits: 4 });
    // A spiking neuron's threshold is 2^F units; weights are integers in those units.
    expect(Array.from(fixed.island.layers[1]!.threshold)).toEqual([16, 16]);
    expect(Array.from(fixed.island.layers[1]!.weights)).toEqual([16, -8, 16, 16]);
    expect(spikeTrains(fixed, [0.5, 0.25], 8)).toEqual(float);
  });

  it("rounds weights to the grid when they are off it", async () => {
    const spec: TinySpec = { ...network("subtract"), layers: [{ type: "spiking", weight: [[0.3, 0.7]], threshold: 1 }], inputs: 1 };
    const fixed = island(await tinyIr(spec), { state: "fixed", fractionBits: 3 });
    // 0.3 × 8 = 2.4 → 2, 0.7 × 8 = 5.6 → 6.
    expect(Array.from(fixed.island.layers[1]!.weights)).toEqual([2, 6]);
  });
});

describe("quantized weights", () => {
  it("int8 weights with a scale simulate as their real values", async () => {
    const int8: TinySpec = { ...network("subtract"), layers: [{ type: "spiking", weight: [[1, -0.5], [1, 1]], bias: [0, 0.25], threshold: 0.75, int8Scale: 0.125 }, { type: "readout", weight: [[1], [0.5]] }] };
    const loaded = await tinyIr(int8);
    expect(loaded.ir.layers[1]).toMatchObject({ weight: { dtype: "int8", scale: 0.125 } });
    expect(spikeTrains(island(loaded), [0.5, 0.25], 8)).toEqual(spikeTrains(island(await tinyIr(network("subtract"))), [0.5, 0.25], 8));
  });
});
