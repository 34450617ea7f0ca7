import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulateKind } from "../../../src/snn/simulate-kind.js";
import { emitKind } from "../../../targets/akida-sim/emit.js";
import { legalizeKind, type LegalizeParams } from "../../../targets/akida-sim/legalize.js";
import { mapKind } from "../../../targets/akida-sim/map.js";
import type { Project } from "../../e2e/rig.js";
import { checkManifest, convertedMlp, stageContext } from "../stage-helpers.js";

const v1: LegalizeParams = { version: 1, weight_bits: 4, activation_bits: 4, input_bits: 8, max_inputs: 57334, host_ops: [] };
const budget = { weight_sram_words: 7168, weight_word_bits: 50, input_sram_words: 10752, input_word_bits: 32, nps_per_chip: 80, chips: 1 };

describe("akida-sim stages on a converted brown-genre-mlp", () => {
  let project: Project;
  let root: string;
  beforeAll(async () => {
    project = await convertedMlp("{timesteps: 8}");
    root = mkdtempSync(join(tmpdir(), "slm-akida-"));
  }, 120_000);
  afterAll(() => {
    project?.remove();
    rmSync(root, { recursive: true, force: true });
  });

  it("quantizes to 4-bit weights and activations, allocates NPs, runs one pass per input and emits a bundle", async () => {
    const legal = stageContext(root, "legalize");
    await legalizeKind.run(legal, { snn: project.path("build/snn") }, v1);
    const snn = join(legal.workDir, "snn");
    const ir = JSON.parse(readFileSync(join(snn, "snn.json"), "utf8"));
    expect(ir.encoding).toEqual({ type: "sigma-delta", timesteps: 1, theta: 0 });
    const fc1 = ir.layers.find((l: { name: string }) => l.name === "fc1");
    expect(fc1.neuron.levels).toBe(15);
    const weights = new Int8Array(readFileSync(join(snn, fc1.weight.file)).buffer.slice(0));
    expect(weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0)).toBe(7);

    const map = stageContext(root, "map");
    await mapKind.run(map, { snn }, { ...v1, ...budget });
    const mapping = JSON.parse(readFileSync(join(map.workDir, "mapping.json"), "utf8"));
    // fc1 1024→256: 4 NPs (np-allocation.test.ts); fc2 256→128: 22 words a neuron, 325 an NP: 1; fc3: 1.
    expect(mapping.layers.map((l: { units: number }) => l.units)).toEqual([4, 1, 1]);
    expect(mapping.used).toBe(6);

    const sim = stageContext(root, "simulate");
    const simulated = await simulateKind.run(
      sim,
      { snn, model: project.path("build/model.onnx"), data: project.path("models/brown-genre-mlp/eval.jsonl") },
      { task: "classifier", samples: 30, batch: 30, threads: 1, optimization: "all", state: "float" },
    );
    const spiking = simulated.metrics!.spiking as { timesteps: number; spikesPerInference: number };
    expect(spiking.timesteps).toBe(1);
    // Events are the nonzero activations: at most one per neuron per input (1024 + 256 + 128).
    expect(spiking.spikesPerInference).toBeGreaterThan(0);
    expect(spiking.spikesPerInference).toBeLessThanOrEqual(1024 + 256 + 128);
    expect(Math.abs((simulated.metrics!.accuracy as number) - ((simulated.metrics!.ann as { accuracy: number }).accuracy))).toBeLessThanOrEqual(0.2);

    const emit = stageContext(root, "emit");
    await emitKind.run(emit, { snn, mapping: join(map.workDir, "mapping.json") }, { version: 1, weight_bits: 4, activation_bits: 4, input_bits: 8 });
    const bundle = join(emit.workDir, "bundle");
    checkManifest(bundle);
    // 1024 × 256 weights of 4 bits.
    expect(readFileSync(join(bundle, "fc1.weights.bin")).length).toBe((1024 * 256) / 2);
  }, 120_000);

  it("refuses a fan-in above the version's limit, naming the layer and the numbers", async () => {
    await expect(legalizeKind.run(stageContext(root, "bad"), { snn: project.path("build/snn") }, { ...v1, version: 2, weight_bits: 8, activation_bits: 8, max_inputs: 512 })).rejects.toThrow(
      /layer fc1 has 1024 inputs; Akida 2\.0's Dense1D layers take at most 512/,
    );
  });
});
