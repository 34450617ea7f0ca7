import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulateKind } from "../../../src/snn/simulate-kind.js";
import { emitKind } from "../../../targets/truenorth-sim/emit.js";
import { legalizeKind } from "../../../targets/truenorth-sim/legalize.js";
import { mapKind } from "../../../targets/truenorth-sim/map.js";
import type { Project } from "../../e2e/rig.js";
import { checkManifest, convertedMlp, stageContext } from "../stage-helpers.js";

const registers = { max_weight: 255, max_leak: 255, max_threshold_shift: 16, host_ops: [] };
const geometry = { axons_per_core: 256, neurons_per_core: 256 };

describe("truenorth-sim stages on a converted brown-genre-mlp", () => {
  let project: Project;
  let root: string;
  beforeAll(async () => {
    project = await convertedMlp("{timesteps: 16, decoding: spikes}");
    root = mkdtempSync(join(tmpdir(), "slm-tn-"));
  }, 120_000);
  afterAll(() => {
    project?.remove();
    rmSync(root, { recursive: true, force: true });
  });

  it("legalizes to ternary weights, maps onto the hand-counted 69 cores, simulates exactly in fixed point and emits a bundle", async () => {
    const legal = stageContext(root, "legalize");
    const legalized = await legalizeKind.run(legal, { snn: project.path("build/snn") }, registers);
    const snn = join(legal.workDir, legalized.outputs.snn!);
    const ir = JSON.parse(readFileSync(join(snn, "snn.json"), "utf8"));
    const fc1 = ir.layers.find((l: { name: string }) => l.name === "fc1");
    const weights = new Int8Array(readFileSync(join(snn, fc1.weight.file)).buffer.slice(0));
    expect(new Set(weights)).toEqual(new Set([-1, 0, 1]));
    expect(legalized.metrics!.weightBits).toBe(2);

    const map = stageContext(root, "map");
    await mapKind.run(map, { snn }, { ...geometry, cores_per_chip: 4096, chips: 1, host_ops: [] });
    const mapping = JSON.parse(readFileSync(join(map.workDir, "mapping.json"), "utf8"));
    expect(mapping.used).toBe(69);
    expect(mapping.layers.map((l: { units: number }) => l.units)).toEqual([64, 4, 1]);
    expect(mapping.ticksPerRow).toBe(16 + 3 + 2);

    const sim = stageContext(root, "simulate");
    const simulated = await simulateKind.run(
      sim,
      { snn, model: project.path("build/model.onnx"), data: project.path("models/brown-genre-mlp/eval.jsonl") },
      { task: "classifier", samples: 30, batch: 30, threads: 1, optimization: "all", state: "fixed", fraction_bits: 16 },
    );
    expect(simulated.metrics!.accuracy).toBeGreaterThanOrEqual(0);
    expect((simulated.metrics!.spiking as { synapticOpsPerInference: number }).synapticOpsPerInference).toBeGreaterThan(0);

    const emit = stageContext(root, "emit");
    await emitKind.run(emit, { snn, mapping: join(map.workDir, "mapping.json") }, { ...geometry, tick_ms: 1 });
    const bundle = join(emit.workDir, "bundle");
    checkManifest(bundle);
    const network = JSON.parse(readFileSync(join(bundle, "network.json"), "utf8"));
    expect(network.cores).toHaveLength(69);
    expect(readFileSync(join(bundle, "crossbar.bin")).length).toBe(69 * 8192);
    // Every neuron has one destination, and the neurons a core holds never exceed 256.
    for (const core of network.cores) {
      expect(core.neurons.length).toBeLessThanOrEqual(256);
      expect(core.axons.length).toBeLessThanOrEqual(256);
    }
  }, 120_000);

  it("refuses per-channel presynaptic thresholds, naming the layer", async () => {
    const other = await convertedMlp("{timesteps: 8, decoding: spikes, granularity: per-channel}");
    try {
      await expect(legalizeKind.run(stageContext(root, "bad"), { snn: other.path("build/snn") }, registers)).rejects.toThrow(
        /layer fc1 reads spikes whose value differs per presynaptic neuron .* convert with granularity: per-layer/,
      );
    } finally {
      other.remove();
    }
  }, 120_000);

  it("lowers membrane decoding to spike decoding: the same network as converting with decoding: spikes", async () => {
    const membrane = await convertedMlp("{timesteps: 16}");
    try {
      const fromSpikes = stageContext(root, "spikes");
      await legalizeKind.run(fromSpikes, { snn: project.path("build/snn") }, registers);
      const fromMembrane = stageContext(root, "membrane");
      await legalizeKind.run(fromMembrane, { snn: membrane.path("build/snn") }, registers);
      const files = (dir: string) => readdirSync(join(dir, "snn")).sort();
      expect(files(fromMembrane.workDir)).toEqual(files(fromSpikes.workDir));
      for (const file of files(fromSpikes.workDir)) {
        expect(readFileSync(join(fromMembrane.workDir, "snn", file)), file).toEqual(readFileSync(join(fromSpikes.workDir, "snn", file)));
      }
    } finally {
      membrane.remove();
    }
  }, 120_000);

  it("refuses a membrane-decoded readout without a spikeNeuron", async () => {
    const other = await convertedMlp("{timesteps: 8}");
    try {
      const irPath = other.path("build/snn/snn.json");
      const ir = JSON.parse(readFileSync(irPath, "utf8"));
      for (const layer of ir.layers) delete layer.spikeNeuron;
      writeFileSync(irPath, JSON.stringify(ir));
      await expect(legalizeKind.run(stageContext(root, "bad"), { snn: other.path("build/snn") }, registers)).rejects.toThrow(
        /readout layer fc3 is decoded from its membrane potential.*no spikeNeuron/,
      );
    } finally {
      other.remove();
    }
  }, 120_000);
});
