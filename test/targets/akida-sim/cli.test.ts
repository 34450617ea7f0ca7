import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Project, states } from "../../e2e/rig.js";
import { checkManifest, checkNothingHalfWritten, mlpConfig, profileCopy } from "../stage-helpers.js";

/**
 * akida-sim through the real CLI on brown-genre-mlp: a report row with estimates and a bundle,
 * only estimate (and emit) rerunning when the board power of the project's profile copy changes,
 * and bad input (a bit width the version lacks, a fan-in over Akida 2.0's limit) failing cleanly.
 */
describe("slm build with targets: [akida-sim]", () => {
  const project = new Project();
  beforeAll(() => {
    project.addModel("brown-genre-mlp").write("slm.config.yaml", mlpConfig("{timesteps: 16}", "[{name: akida-sim, profile: chips/akida.yaml}]"));
    profileCopy(project, "akida-sim", "chips/akida.yaml");
  });
  afterAll(() => project.remove());

  it("builds a row with the board-derived and generic estimates, the NPs used, and a bundle whose manifest matches its files", async () => {
    const { result } = await project.buildJson();
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(project.read("build/report.json"));
    const row = report.results.models.find((m: { label: string }) => m.label === "akida-sim");
    expect(row.metrics.accuracy).toBeGreaterThan(0.2);
    expect(row.metrics.spiking.timesteps).toBe(1);
    // Version 1 at 4/4 bits: fc1 4 NPs, fc2 1, fc3 1 (np-allocation.test.ts).
    expect(row.metrics.hardware).toMatchObject({ unit: "NPs", used: 6, available: 80, chips: 1 });
    expect(row.metrics.weightBits).toBe(4);
    const { energyPerInference: energy, latencyPerInference: latency, energyPerInferenceGeneric: generic } = row.metrics.estimates;
    // 0.914 W / 62.5 fps × 6 / 65 NPs = 1,349.9 µJ; 1 / 62.5 fps × 6 / 65 = 1.4769 ms (no host layers).
    expect(energy).toMatchObject({ unit: "µJ", evidence: "assumed" });
    expect(energy.value).toBeCloseTo((0.914 / 62.5) * (6 / 65) * 1e6, 1);
    expect(latency.value).toBeCloseTo((1000 / 62.5) * (6 / 65), 4);
    expect(generic.evidence).toBe("derived");
    checkManifest(project.path("build/targets/akida-sim"));
    expect(project.readBytes("build/targets/akida-sim/fc1.weights.bin").length).toBe((1024 * 256) / 2);
  });

  it("reruns only estimate and emit when the profile's board power changes", async () => {
    profileCopy(project, "akida-sim", "chips/akida.yaml", (text) => text.replace("board_power: {value: 0.914,", "board_power: {value: 1.828,"));
    const { result, json } = await project.buildJson();
    expect(result.code, result.stderr).toBe(0);
    const ran = Object.entries(states(json)).filter(([, state]) => state !== "cached").map(([id]) => id).sort();
    expect(ran).toEqual(["estimate:akida-sim"]);
    const row = JSON.parse(project.read("build/report.json")).results.models.find((m: { label: string }) => m.label === "akida-sim");
    expect(row.metrics.estimates.energyPerInference.value).toBeCloseTo((1.828 / 62.5) * (6 / 65) * 1e6, 1);
  });

  it("refuses a bit width the version lacks as a config error (exit 2) at the target's entry", async () => {
    const result = await project.run("build", "--set", "targets[0].weight_bits=8");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/targets\[0\]\.weight_bits: Akida 1\.0 has 1, 2, 4-bit weights and activations, not 8/);
  });

  it("fails in legalize naming the layer and the numbers when a fan-in exceeds Akida 2.0's limit, writing no bundle", async () => {
    const bad = new Project();
    try {
      bad.addModel("brown-genre-mlp").write("slm.config.yaml", mlpConfig("{timesteps: 16}", "[{name: akida-sim, version: 2, profile: chips/akida.yaml}]"));
      profileCopy(bad, "akida-sim", "chips/akida.yaml", (text) => text.replace("v2_dense_max_inputs: {value: 2048,", "v2_dense_max_inputs: {value: 512,"));
      const result = await bad.run("build");
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/layer fc1 has 1024 inputs; Akida 2\.0's Dense1D layers take at most 512/);
      checkNothingHalfWritten(bad, "akida-sim");
    } finally {
      bad.remove();
    }
  });
});
