import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifierConfig, Project, REPO, states } from "../../e2e/rig.js";
import { h5Datasets, h5pyMissing, h5Python } from "./h5py.js";

/**
 * loihi2-sim through the real CLI on brown-genre-mlp: a statically quantized, converted network
 * built for cpu-int8 and loihi2-sim; the project's own copy of the profile is what a user tunes.
 */
describe("loihi2-sim through the CLI", () => {
  const project = new Project("slm-loihi2-");
  const shipped = readFileSync(`${REPO}/targets/loihi2-sim/target.yaml`, "utf8");
  const config = classifierConfig(`recipe:
  - quantize: {mode: static}
  - convert: {timesteps: 8}
targets: [cpu-int8, {name: loihi2-sim, profile: chips/loihi.yaml}]
`,
    { samples: 40, calibration: 100, latencyRuns: 1 },
  );
  const bundle = "build/targets/loihi2-sim";
  type Row = { label: string; target?: string; metrics: Record<string, any> };
  const row = (): Row => (JSON.parse(project.read("build/report.json")).results.models as Row[]).find((r) => r.label === "loihi2-sim")!;
  const manifest = (): { files: Record<string, { sha256: string; bytes: number }> } => JSON.parse(project.read(`${bundle}/manifest.json`));

  beforeAll(() => {
    project.addModel("brown-genre-mlp").write("slm.config.yaml", config).write("chips/loihi.yaml", shipped);
  });
  afterAll(() => project.remove());

  it("builds the five loihi2-sim stages and reports a row with estimates and cores", async () => {
    const { result, json } = await project.buildJson();
    expect(result.code, result.stderr).toBe(0);
    const ran = states(json);
    for (const stage of ["legalize", "map", "simulate", "estimate", "emit"]) expect(ran[`${stage}:loihi2-sim`]).toBe("ran");
    const labels = (JSON.parse(project.read("build/report.json")).results.models as Row[]).map((r) => r.label);
    expect(labels).toEqual(expect.arrayContaining(["cpu-int8", "loihi2-sim"]));
    const loihi = row();
    expect(loihi.target).toBe("loihi2-sim");
    const { estimates, hardware, spiking } = loihi.metrics;
    expect(estimates.energyPerInference).toMatchObject({ unit: "µJ", estimated: true, evidence: "extrapolated" });
    expect(estimates.energyPerInference.model).toContain("Loihi 1 per-event costs (Davies et al. 2018), extrapolated");
    expect(estimates.energyPerInferenceGeneric).toMatchObject({ unit: "µJ", evidence: "derived", model: "45 nm op-count model (Horowitz, ISSCC 2014)" });
    expect(estimates.latencyPerInference).toMatchObject({ unit: "ms", estimated: true });
    expect(estimates.energyPerInference.value).toBeGreaterThan(estimates.energyPerInferenceGeneric.value);
    // 1,024 encoder neurons and fc1/fc2/fc3 (256/128/15 neurons; fc1's int8 synapses need 2 cores of 128 KiB).
    expect(hardware).toMatchObject({ unit: "cores", used: 5, available: 128, chips: 1 });
    expect(hardware.layers.map((l: { name: string; cores: number }) => [l.name, l.cores])).toEqual([["encoder:features", 1], ["fc1", 2], ["fc2", 1], ["fc3", 1]]);
    expect(loihi.metrics.weightBits).toBe(8);
    expect(spiking.timesteps).toBe(8);
    expect(loihi.metrics.accuracy).toBeGreaterThan(0);
    expect(loihi.metrics.state).toBe("fixed");
    for (const [file, { sha256, bytes }] of Object.entries(manifest().files)) {
      const content = project.readBytes(`${bundle}/${file}`);
      expect([content.length, createHash("sha256").update(content).digest("hex")]).toEqual([bytes, sha256]);
    }
    expect(Object.keys(manifest().files).sort()).toEqual(["README.md", "mapping.json", "network.net", "network.nir"]);
  });

  it.skipIf(h5pyMissing() !== undefined)("writes NIR and netx files that h5py reads with the documented layout", () => {
    const nir = h5Datasets(project.path(`${bundle}/network.nir`));
    expect(nir.version!.value).toBe("1.0.0");
    expect(nir["node/type"]!.value).toBe("NIRGraph");
    expect(nir["node/edges"]!.shape).toEqual([8, 2]);
    expect(nir["node/nodes/encoder:features.input/type"]!.value).toBe("Input");
    expect(nir["node/nodes/encoder:features.input/shape"]!.value).toEqual([1024]);
    expect(nir["node/nodes/fc1.affine/type"]!.value).toBe("Affine");
    expect(nir["node/nodes/fc1.affine/weight"]).toMatchObject({ kind: "f", shape: [256, 1024] });
    expect(nir["node/nodes/fc1.affine/bias"]!.shape).toEqual([256]);
    expect(nir["node/nodes/fc1/type"]!.value).toBe("IF");
    for (const field of ["r", "v_threshold", "v_reset"]) expect(nir[`node/nodes/fc1/${field}`]!.shape).toEqual([256]);
    expect(nir["node/nodes/fc3/type"]!.value).toBe("I");
    expect(nir["node/nodes/fc3.output/shape"]!.value).toEqual([15]);

    const net = h5Datasets(project.path(`${bundle}/network.net`));
    expect(net["layer/0/type"]!.value).toBe("input");
    expect(net["layer/0/shape"]!.value).toEqual([1024, 1, 1]);
    expect(net["layer/1/type"]!.value).toBe("dense");
    expect([net["layer/1/inFeatures"]!.value, net["layer/1/outFeatures"]!.value]).toEqual([1024, 256]);
    expect(net["layer/1/weight"]).toMatchObject({ kind: "i", shape: [256, 1024] });
    expect(net["layer/1/neuron/type"]!.value).toBe("CUBA");
    for (const field of ["iDecay", "vDecay", "vThMant", "refDelay", "gradedSpike"]) expect(net[`layer/1/neuron/${field}`]!.kind).toBe("i");
    expect(net["layer/3/outFeatures"]!.value).toBe(15);
    expect(Object.keys(net).filter((k) => k.endsWith("/type") && !k.includes("neuron"))).toEqual(["layer/0/type", "layer/1/type", "layer/2/type", "layer/3/type"]);

    // Both files hold the same legalized weights: NIR's are netx's integers times one factor per layer.
    const ratio = h5Python(
      [project.path(`${bundle}/network.nir`), project.path(`${bundle}/network.net`)],
      `nir = h5py.File(paths[0])["node/nodes/fc2.affine/weight"][()]; net = h5py.File(paths[1])["layer/2/weight"][()]
mask = net != 0
r = nir[mask] / net[mask]
print(bool(np.allclose(r, r[0], rtol=1e-5)) and bool((nir[~mask] == 0).all()))`,
    );
    expect(ratio).toBe("True");
  });

  it("reruns only estimate and emit when an energy constant of the project's profile changes", async () => {
    const before = row().metrics.estimates.energyPerInference.value as number;
    const nirBefore = manifest().files["network.nir"]!.sha256;
    project.write("chips/loihi.yaml", shipped.replace("synaptic_op: {value: 23.6, unit: pJ", "synaptic_op: {value: 30, unit: pJ"));
    const status = await project.run("status");
    expect(status.stdout).toMatch(/run\s+estimate:loihi2-sim\s+\(targets\[1\]\.profile:energy\.synaptic_op\.value: 23\.6 → 30\)/);
    const { result, json } = await project.buildJson();
    expect(result.code, result.stderr).toBe(0);
    const ran = Object.entries(states(json)).filter(([, state]) => state !== "cached").map(([id]) => id).sort();
    expect(ran).toEqual(["estimate:loihi2-sim"]);
    expect(row().metrics.estimates.energyPerInference.value).toBeGreaterThan(before);
    // The HDF5 files do not depend on energy, and are byte-identical when rewritten.
    expect(manifest().files["network.nir"]!.sha256).toBe(nirBefore);
  });

  it("fails in map naming the layer and the numbers when the chip is too small, and maps onto several chips when allowed", async () => {
    project.write("chips/loihi.yaml", shipped.replace("neurons_per_core: {value: 8192", "neurons_per_core: {value: 64").replace("cores_per_chip: {value: 128", "cores_per_chip: {value: 16"));
    const failed = await project.run("build");
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      "stage map:loihi2-sim: layer fc1 does not fit: it needs 4 cores (256 neurons / 64 per core ≥ 4 cores; " +
        "166,654 synapses × 8 bits = 166,654 B / 131,072 B per core ≥ 2 cores), cores 16–19 of the network, but chips: 1 × 16 cores per chip = 16 cores " +
        "(the network needs 23 cores: set chips: 2 on targets[1] to map it onto 2 chips)",
    );
    const { result } = await project.buildJson("--set", "targets[1].chips=2");
    expect(result.code, result.stderr).toBe(0);
    expect(row().metrics.hardware).toMatchObject({ unit: "cores", used: 23, available: 32, chips: 2 });
  });

  it("refuses a profile without a valid evidence tag before running anything (exit 2, file:line:col)", async () => {
    const lock = project.read("slm.lock");
    const report = project.read("build/report.json");
    const text = shipped.replace("static_power: {value: 0.232, unit: W, source:", "static_power: {value: 0.232, unit: W, evidence: guess, source:").replace(", evidence: measured}\n\nhost_ops", "}\n\nhost_ops");
    project.write("chips/loihi.yaml", text);
    const result = await project.run("build");
    expect(result.code).toBe(2);
    const line = text.split("\n").findIndex((l) => l.includes("evidence: guess")) + 1;
    expect(result.stderr).toContain(`chips/loihi.yaml:${line}:`);
    expect(result.stderr).toContain('energy.static_power.evidence must be one of measured, simulated, derived, assumed, extrapolated (got "guess")');
    expect([project.read("slm.lock"), project.read("build/report.json")]).toEqual([lock, report]);
    project.write("chips/loihi.yaml", shipped);
  });

  it.skipIf(h5pyMissing() !== undefined)("accepts graded spikes: sigma-delta layers become netx SDNN neurons (NIR has none)", async () => {
    const other = new Project("slm-loihi2-");
    try {
      const sigma = config.replace("  - quantize: {mode: static}\n  - convert: {timesteps: 8}", "  - quantize: {mode: weight-only}\n  - convert: {encoding: sigma-delta}").replace("targets: [cpu-int8, {name: loihi2-sim, profile: chips/loihi.yaml}]", "targets: [loihi2-sim]");
      other.addModel("brown-genre-mlp").write("slm.config.yaml", sigma);
      const { result } = await other.buildJson();
      expect(result.code, result.stderr).toBe(0);
      const files = JSON.parse(other.read(`${bundle}/manifest.json`));
      expect(files.nir).toBeNull();
      expect(Object.keys(files.files)).not.toContain("network.nir");
      const net = h5Datasets(other.path(`${bundle}/network.net`));
      expect(net["layer/0/neuron/type"]!.value).toBe("SDNN");
      expect(net["layer/1/neuron/type"]!.value).toBe("SDNN");
      expect(net["layer/1/neuron/vThMant"]!.kind).toBe("i");
      const loihi = (JSON.parse(other.read("build/report.json")).results.models as Row[]).find((r) => r.label === "loihi2-sim")!;
      expect(loihi.metrics.encoding.type).toBe("sigma-delta");
      expect(loihi.metrics.estimates.energyPerInference.value).toBeGreaterThan(0);
    } finally {
      other.remove();
    }
  });

  it("needs a recipe that ends with convert", async () => {
    const other = new Project("slm-loihi2-");
    try {
      other.addModel("brown-genre-mlp").write("slm.config.yaml", classifierConfig("recipe:\n  - quantize: {mode: weight-only}\ntargets: [cpu-int8, loihi2-sim]\n"));
      const result = await other.run("status");
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/slm\.config\.yaml:\d+:\d+: targets\[1\]: loihi2-sim runs spiking networks, but the recipe does not end with a convert: step/);
    } finally {
      other.remove();
    }
  });
});
