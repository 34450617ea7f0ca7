import { describe, expect, it } from "vitest";
import { estimateInput, estimateMetrics, type Mapping, type SimulationFigures } from "../../../src/neuro/index.js";
import { akidaModel, type AkidaEstimateParams } from "../../../targets/akida-sim/estimate.js";

const fact = (value: number, unit: string) => ({ value, unit, source: "test", evidence: "measured" as const });
const params: AkidaEstimateParams = { board_power: fact(0.914, "W"), board_fps: fact(62.5, "fps"), board_nps: fact(65, "NPs"), host_mac_rate: { ...fact(1e10, "MAC/s"), evidence: "assumed" } };

const mapping = {
  format: "slm-mapping", version: 1, target: "akida-sim", unit: "NPs", perChip: 80, chipsAllowed: 1, chips: 1, used: 13, available: 80, utilization: 0.1625, weightBits: 4,
  layers: [{ name: "a", type: "spiking", neurons: 10, synapses: 100, units: 13, reason: "", first: 0, chips: [0], detail: {} }],
  host: [],
} as unknown as Mapping;

/** `rows` passes per inference over 2 units (an LM window runs one pass per token position). */
const simulation = (rowsPerUnit: number): SimulationFigures => ({
  units: 2,
  encoding: { timesteps: 1 },
  spiking: { timesteps: 1 },
  layers: [{ name: "a", type: "spiking", where: "chip", neurons: 10, rows: 2 * rowsPerUnit, spikes: 4, synapticOps: 40, neuronUpdates: { active: 0, idle: 0 }, macs: 0 }],
});

describe("Akida energy and latency from the board measurement (worked by hand)", () => {
  it("scales power ÷ fps and the frame time by NPs used over the reference's NPs", () => {
    const metrics = estimateMetrics(estimateInput(mapping, simulation(1)), params, akidaModel) as { estimates: Record<string, { value: number; evidence: string }> };
    // 0.914 W / 62.5 fps = 14.624 mJ a frame; × 13 / 65 = 2.9248 mJ = 2,924.8 µJ.
    expect(metrics.estimates.energyPerInference!.value).toBeCloseTo(2924.8, 6);
    expect(metrics.estimates.energyPerInference!.evidence).toBe("assumed");
    // 16 ms a frame × 13 / 65 = 3.2 ms.
    expect(metrics.estimates.latencyPerInference!.value).toBeCloseTo(3.2, 9);
  });

  it("runs one pass per row: a 128-position window costs 128 frames", () => {
    const metrics = estimateMetrics(estimateInput(mapping, simulation(128)), params, akidaModel) as { estimates: Record<string, { value: number }> };
    expect(metrics.estimates.latencyPerInference!.value).toBeCloseTo(128 * 3.2, 6);
    expect(metrics.estimates.energyPerInference!.value).toBeCloseTo(128 * 2924.8, -1);
  });
});
