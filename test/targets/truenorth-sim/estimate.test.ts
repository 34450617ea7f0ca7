import { describe, expect, it } from "vitest";
import { estimateInput, estimateMetrics, type Mapping, type SimulationFigures } from "../../../src/neuro/index.js";
import { layerEvents, trueNorthModel, type TrueNorthEstimateParams } from "../../../targets/truenorth-sim/estimate.js";

const fact = (value: number, unit: string) => ({ value, unit, source: "test", evidence: "measured" as const });
const params: TrueNorthEstimateParams = { synaptic_event: fact(26, "pJ"), tick: fact(1, "ms"), host_mac_rate: { ...fact(1e9, "MAC/s"), evidence: "assumed" } };

/** Two layers: `a` fits one group with 3 copies per output, `b` is a neuron tree (P = 2) with 2 copies. */
const mapping = {
  format: "slm-mapping", version: 1, target: "truenorth-sim", unit: "cores", perChip: 4096, chipsAllowed: 1, chips: 1, used: 5, available: 4096, utilization: 0.00122, weightBits: 2,
  layers: [
    { name: "a", type: "spiking", neurons: 30, synapses: 100, units: 1, reason: "", first: 0, chips: [0], detail: { partialGroups: 1, copies: 3 } },
    { name: "b", type: "readout", neurons: 40, synapses: 200, units: 4, reason: "", first: 1, chips: [0], detail: { partialGroups: 2, copies: 2 } },
  ],
  host: [{ name: "h", ops: { Softmax: 1 } }],
  ticksPerRow: 10, islands: 1, hops: 3, neuronUtilization: 0, axonUtilization: 0,
} as unknown as Mapping;

/** 4 samples of T = 7: layer a 400 synaptic ops and 40 spikes in all, b 200 and 20; the host 4,000 MACs. */
const simulation: SimulationFigures = {
  units: 4,
  encoding: { timesteps: 7 },
  spiking: { timesteps: 7 },
  layers: [
    { name: "a", type: "spiking", where: "chip", neurons: 10, rows: 4, spikes: 40, synapticOps: 400, neuronUpdates: { active: 0, idle: 0 }, macs: 0 },
    { name: "b", type: "readout", where: "chip", neurons: 20, rows: 4, spikes: 20, synapticOps: 200, neuronUpdates: { active: 0, idle: 0 }, macs: 0 },
    { name: "h", type: "host", where: "host", macs: 4000 },
  ],
};

describe("TrueNorth energy and latency (worked by hand)", () => {
  it("counts synaptic events: S × copies for one group, S × 2 + spikes × copies for a neuron tree", () => {
    expect(layerEvents({ partialGroups: 1, copies: 3 }, 100, 10)).toBe(300);
    expect(layerEvents({ partialGroups: 2, copies: 2 }, 50, 5)).toBe(50 * 2 + 5 * 2);
  });

  it("prices every event at 26 pJ and every tick at 1 ms, plus the host's MACs", () => {
    const metrics = estimateMetrics(estimateInput(mapping, simulation), params, trueNorthModel) as { estimates: Record<string, { value: number; evidence: string }>; energyBreakdown: Record<string, number> };
    // Per inference: a 100 ops × 3 = 300 events; b 50 × 2 + 5 spikes × 2 = 110; 410 × 26 pJ = 10,660 pJ.
    // Host: 1,000 MACs × 4.6 pJ = 4,600 pJ. Total 15,260 pJ = 0.01526 µJ.
    expect(metrics.energyBreakdown).toMatchObject({ a: 0.0078, b: 0.00286, host: 0.0046 });
    expect(metrics.estimates.energyPerInference!.value).toBeCloseTo(0.01526, 8);
    // 1 row × 10 ticks × 1 ms = 10 ms; host 1,000 MACs / 1e9 MAC/s = 0.001 ms.
    expect(metrics.estimates.latencyPerInference!.value).toBeCloseTo(10.001, 8);
    expect(metrics.estimates.latencyPerInference!.evidence).toBe("assumed");
  });

  it("refuses an energy fact in another unit than pJ", () => {
    const input = estimateInput(mapping, simulation);
    expect(() => trueNorthModel.chipJoules(input, { ...params, synaptic_event: fact(0.026, "nJ") }, 0)).toThrow(/energy\.synaptic_event must be given in pJ \(got nJ\)/);
  });
});
