import { describe, expect, it } from "vitest";
import { estimateInput, estimateMetrics, placeOnChips, type FactParam, type SimulationFigures } from "../../../src/neuro/index.js";
import { loihiChipModel, spikeMessages, type LoihiEstimateParams } from "../../../targets/loihi2-sim/chip-model.js";

const fact = (value: number, unit: string, evidence: FactParam["evidence"] = "extrapolated"): FactParam => ({ value, unit, source: "test", evidence });

/** Two samples (units), T = 4: an encoder of 2 neurons feeding a spiking layer of 3, and a host layer. */
const simulation: SimulationFigures = {
  accuracy: 0.5,
  units: 2,
  encoding: { timesteps: 4 },
  spiking: { timesteps: 4 },
  layers: [
    { name: "enc", type: "encoder", where: "chip", neurons: 2, rows: 2, spikes: 8, synapticOps: 0, neuronUpdates: { active: 10, idle: 6 }, macs: 0 },
    { name: "fc", type: "spiking", where: "chip", neurons: 3, rows: 2, spikes: 4, synapticOps: 24, neuronUpdates: { active: 12, idle: 12 }, macs: 48 },
    { name: "head", type: "host", where: "host", macs: 1000 },
  ],
};
const mapping = placeOnChips(
  { target: "loihi2-sim", unit: "cores", perChip: 128, chipsAllowed: 1, origin: "targets[0]" },
  [
    { name: "enc", type: "encoder", neurons: 2, synapses: 0, units: 1, reason: "r", detail: { input: "x", output: "s:x" } },
    { name: "fc", type: "spiking", neurons: 3, synapses: 6, units: 2, reason: "r", detail: { input: "s:x", output: "y" } },
  ],
  [{ name: "head", ops: { MatMul: 1 } }],
  8,
);
const params: LoihiEstimateParams = {
  host_mac_rate: fact(1e9, "MAC/s", "assumed"),
  t_synaptic_op: fact(2, "ns"),
  t_neuron_active: fact(4, "ns"),
  t_neuron_idle: fact(1, "ns"),
  t_barrier: fact(10, "ns"),
  e_synaptic_op: fact(10, "pJ"),
  e_neuron_active: fact(20, "pJ"),
  e_neuron_idle: fact(5, "pJ"),
  e_spike: fact(1, "pJ"),
  static_power: fact(0.5, "W", "measured"),
};

describe("loihi2-sim estimate, computed by hand", () => {
  const input = estimateInput(mapping, simulation);

  it("counts per inference and per timestep", () => {
    // rows 2 × T 4 / 2 units = 4 steps; SynOps 24 / 2; spikes (8 + 4) / 2; encoder adds (10 + 6) / 2; host MACs 1,000 / 2.
    expect(input.perInference).toEqual({ timesteps: 4, synapticOps: 12, spikes: 6, activeUpdates: 11, idleUpdates: 9, encoderUpdates: 8, hostMacs: 500, chipMacs: 24 });
    expect(input.layers[1]).toEqual({ name: "fc", type: "spiking", units: 2, neurons: 3, synapticOpsPerStep: 3, spikesPerStep: 0.5, activeUpdatesPerStep: 1.5, idleUpdatesPerStep: 1.5 });
    // The encoder's 8 spikes / 8 steps × 4 steps reach fc's 2 cores; fc's output leaves the chip.
    expect(spikeMessages(input)).toBe(8);
  });

  it("latency = steps × (slowest core + barrier) + host MACs / rate", () => {
    // enc: (1.25 × 4 + 0.75 × 1) / 1 = 5.75 ns; fc: (3 × 2 + 1.5 × 4 + 1.5 × 1) / 2 = 6.75 ns.
    // 4 × (6.75 + 10) = 67 ns; host 500 / 1e9 s = 500 ns; total 567 ns.
    const metrics = estimateMetrics(input, params, loihiChipModel) as { estimates: Record<string, { value: number; evidence: string; unit: string }> };
    expect(metrics.estimates.latencyPerInference).toMatchObject({ value: 0.000567, unit: "ms", evidence: "assumed" });
  });

  it("energy = per-event costs + static power × latency + host MACs at 45 nm fp32", () => {
    // 12 × 10 + 11 × 20 + 9 × 5 + 8 × 1 = 393 pJ; static 0.5 W × 567 ns = 283,500 pJ; host 500 × 4.6 = 2,300 pJ.
    const metrics = estimateMetrics(input, params, loihiChipModel) as {
      estimates: Record<string, { value: number; evidence: string }>;
      energyBreakdown: Record<string, number | string>;
      hardware: Record<string, unknown>;
      weightBits: number;
      accuracy: number;
    };
    expect(metrics.estimates.energyPerInference!.value).toBeCloseTo((393 + 283500 + 2300) * 1e-6, 9);
    expect(metrics.estimates.energyPerInference!.evidence).toBe("extrapolated");
    expect(metrics.energyBreakdown).toEqual({ unit: "µJ", synaptic: 0.00012, neuronActive: 0.00022, neuronIdle: 0.000045, spikes: 0.000008, static: 0.2835, host: 0.0023 });
    // Generic: 0.03 × 12 + 0.03 × 8 + 4.6 × 500 = 2,300.6 pJ.
    expect(metrics.estimates.energyPerInferenceGeneric).toMatchObject({ value: 0.0023006, evidence: "derived" });
    expect(metrics.hardware).toMatchObject({ unit: "cores", used: 3, available: 128, chips: 1 });
    expect([metrics.weightBits, metrics.accuracy]).toEqual([8, 0.5]);
  });
});
