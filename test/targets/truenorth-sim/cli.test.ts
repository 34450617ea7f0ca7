import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Project, states } from "../../e2e/rig.js";
import { checkManifest, checkNothingHalfWritten, mlpConfig, profileCopy } from "../stage-helpers.js";

/**
 * truenorth-sim through the real CLI on brown-genre-mlp: a report row with estimates and a
 * bundle, only estimate (and emit, which reads its metrics) rerunning when an energy constant of
 * the project's profile copy changes, and a network that cannot be legalized failing cleanly.
 */
describe("slm build with targets: [truenorth-sim]", () => {
  const project = new Project();
  beforeAll(() => {
    project.addModel("brown-genre-mlp").write("slm.config.yaml", mlpConfig("{timesteps: 16, decoding: spikes}", "[{name: truenorth-sim, profile: chips/tn.yaml}]"));
    profileCopy(project, "truenorth-sim", "chips/tn.yaml");
  });
  afterAll(() => project.remove());

  it("builds a row with chip and generic estimates, the cores used, and a bundle whose manifest matches its files", async () => {
    const { result, json } = await project.buildJson();
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(states(json)).filter((id) => id.endsWith(":truenorth-sim")).sort()).toEqual(
      ["emit:truenorth-sim", "estimate:truenorth-sim", "legalize:truenorth-sim", "map:truenorth-sim", "simulate:truenorth-sim"],
    );
    const report = JSON.parse(project.read("build/report.json"));
    const row = report.results.models.find((m: { label: string }) => m.label === "truenorth-sim");
    expect(row.metrics.accuracy).toBeGreaterThan(0.2);
    expect(row.metrics.hardware).toMatchObject({ unit: "cores", used: 69, available: 4096, chips: 1 });
    expect(row.metrics.weightBits).toBe(2);
    const { energyPerInference: energy, energyPerInferenceGeneric: generic, latencyPerInference: latency } = row.metrics.estimates;
    expect(energy).toMatchObject({ unit: "µJ", estimated: true, evidence: "measured" });
    expect(energy.model).toMatch(/26 pJ per synaptic event/);
    expect(generic).toMatchObject({ evidence: "derived", model: "45 nm op-count model (Horowitz, ISSCC 2014)" });
    // No host layers: latency is ticks × 1 ms, 16 timesteps + 3 layer hops + 2 neuron-tree merges.
    expect(latency.value).toBe(21);
    // Every synaptic event costs 26 pJ; fan-out copies and tree partials make events ≥ the simulated synaptic ops.
    expect(energy.value).toBeGreaterThanOrEqual((26 * row.metrics.spiking.synapticOpsPerInference) / 1e6);
    checkManifest(project.path("build/targets/truenorth-sim"));
    const network = JSON.parse(project.read("build/targets/truenorth-sim/network.json"));
    expect(network.cores).toHaveLength(69);
  });

  it("reruns only estimate and emit when the profile's energy constant changes", async () => {
    profileCopy(project, "truenorth-sim", "chips/tn.yaml", (text) => text.replace("synaptic_event: {value: 26,", "synaptic_event: {value: 52,"));
    const before = JSON.parse(project.read("build/report.json")).results.models.find((m: { label: string }) => m.label === "truenorth-sim");
    const { result, json } = await project.buildJson();
    expect(result.code, result.stderr).toBe(0);
    const ran = Object.entries(states(json)).filter(([, state]) => state !== "cached").map(([id]) => id).sort();
    expect(ran).toEqual(["estimate:truenorth-sim"]);
    const after = JSON.parse(project.read("build/report.json")).results.models.find((m: { label: string }) => m.label === "truenorth-sim");
    expect(after.metrics.estimates.energyPerInference.value).toBeCloseTo(2 * before.metrics.estimates.energyPerInference.value, 3);
  });

  it("fails in legalize naming the layer when per-channel thresholds feed a layer, writing no bundle", async () => {
    const bad = new Project();
    try {
      bad.addModel("brown-genre-mlp").write("slm.config.yaml", mlpConfig("{timesteps: 16, decoding: spikes, granularity: per-channel}", "[truenorth-sim]"));
      const result = await bad.run("build");
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/legalize:truenorth-sim.*\n?.*layer fc1 reads spikes whose value differs per presynaptic neuron/);
      checkNothingHalfWritten(bad, "truenorth-sim");
    } finally {
      bad.remove();
    }
  });
});
