/**
 * The simulate stage end to end on the real models: converted with real calibration statistics,
 * simulated event by event, compared with the ANN run by onnxruntime on the same data.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { InputError } from "../../src/errors.js";
import { writeIdsFile } from "../../src/eval/index.js";
import { DataType, readModel, ValueInfoProtoSchema, writeModel } from "../../src/onnx/index.js";
import { makeNode } from "../../src/passes/quantize/graph-edit.js";
import { simulateKind, type SimulateParams } from "../../src/snn/simulate-kind.js";
import { classifierStats, convert, LM, LM_DIR, lmStats, MLP, MLP_DIR, stageContext, tempDir } from "../passes/convert/rig.js";

interface Metrics {
  /** The spiking network's task figures, at the top level. */
  accuracy?: number;
  perplexity?: number;
  ann: Record<string, number>;
  agreement: { top1: number; kl: number; rows: number };
  spiking: {
    synapticOps: number;
    synapticOpsPerInference: number;
    chipMacs: number;
    hostMacs: number;
    chipMacShare: number;
    hostMacShare: number;
    neuronUpdates: { active: number; idle: number };
  };
  layers: ({ name: string; type: string; where: string } & Record<string, number>)[];
  units: number;
  state: string;
  fractionBits?: number;
}

async function simulate(snn: string, model: string, data: Record<string, string>, params: Partial<SimulateParams>): Promise<{ text: string; metrics: Metrics }> {
  const { ctx } = stageContext("simulate");
  const full: SimulateParams = { task: "classifier", batch: 200, threads: 2, optimization: "all", state: "float", ...params };
  const result = await simulateKind.run(ctx, { snn, model, ...data }, full);
  const text = readFileSync(join(ctx.workDir, result.outputs["metrics.json"]!), "utf8");
  return { text, metrics: JSON.parse(text) as Metrics };
}

const EVAL = { data: join(MLP_DIR, "eval.jsonl") };

describe("brown-genre-mlp", () => {
  it("T = 32 with 99.9th-percentile balancing: spiking accuracy within 1 point of the ANN's, on all 600 samples", async () => {
    const { dir } = await convert(MLP, await classifierStats());
    const { metrics } = await simulate(dir, MLP, EVAL, {});
    expect(metrics.ann).toEqual({ accuracy: 0.341667, correct: 205, total: 600 });
    expect(Math.abs(metrics.accuracy! - metrics.ann.accuracy!)).toBeLessThanOrEqual(0.01);
    expect(metrics.agreement.rows).toBe(600);
    expect(metrics.agreement.top1).toBeGreaterThan(0.85);
    expect(metrics.agreement.kl).toBeLessThan(0.05);
    // Counts: one row per sample per layer; synaptic ops add up; the readout reads out, it does not spike.
    expect(metrics.layers.map((l) => [l.name, l.where, l.rows])).toEqual([
      ["encoder:features", "chip", 600],
      ["fc1", "chip", 600],
      ["fc2", "chip", 600],
      ["fc3", "chip", 600],
    ]);
    const [encoder, fc1, fc2, fc3] = metrics.layers;
    expect(metrics.spiking.synapticOps).toBe(fc1!.synapticOps! + fc2!.synapticOps! + fc3!.synapticOps!);
    // Every spike of a layer reaches all of the next layer's neurons (dense weights).
    expect(fc1!.synapticOps).toBe(encoder!.spikes! * 256);
    expect(fc2!.synapticOps).toBe(fc1!.spikes! * 128);
    expect(fc3!.synapticOps).toBe(fc2!.spikes! * 15);
    expect(fc3).not.toHaveProperty("spikes");
    for (const layer of [encoder!, fc1!, fc2!]) {
      expect(layer.firingRate).toBeGreaterThan(0);
      expect(layer.firingRate).toBeLessThan(0.5);
    }
    expect(metrics.spiking.synapticOpsPerInference).toBeCloseTo(metrics.spiking.synapticOps / 600, -1);
    expect(metrics.spiking).toMatchObject({ hostMacs: 0, chipMacShare: 1, bytesToChip: 600 * 1024 * 4, bytesFromChip: 600 * 15 * 4 });
    expect(metrics.spiking.neuronUpdates.active + metrics.spiking.neuronUpdates.idle).toBe(600 * 32 * (1024 + 256 + 128 + 15));
  });

  it("gives the same metrics.json bytes on 1 and on 3 worker threads", async () => {
    const { dir } = await convert(MLP, await classifierStats(), { timesteps: 16 });
    const one = await simulate(dir, MLP, EVAL, { samples: 90, batch: 45, threads: 1 });
    const three = await simulate(dir, MLP, EVAL, { samples: 90, batch: 45, threads: 3 });
    expect(three.text).toBe(one.text);
  });

  it("fixed-point state (12 fraction bits) stays close to float", async () => {
    const { dir } = await convert(MLP, await classifierStats(), { timesteps: 16 });
    const float = await simulate(dir, MLP, EVAL, { samples: 200 });
    const fixed = await simulate(dir, MLP, EVAL, { samples: 200, state: "fixed", fraction_bits: 12 });
    expect(fixed.metrics).toMatchObject({ state: "fixed", fractionBits: 12 });
    expect(Math.abs(fixed.metrics.accuracy! - float.metrics.accuracy!)).toBeLessThanOrEqual(0.02);
    expect(fixed.metrics.agreement.top1).toBeGreaterThan(0.8);
  });

  it("sigma-delta with θ = 0 reproduces the ANN, with fewer synaptic ops than MACs", async () => {
    const { dir } = await convert(MLP, await classifierStats(), { encoding: "sigma-delta", theta: 0 });
    const { metrics } = await simulate(dir, MLP, EVAL, { samples: 200 });
    expect(metrics.accuracy).toBe(metrics.ann.accuracy);
    expect(metrics.agreement.top1).toBe(1);
    expect(metrics.agreement.kl).toBeLessThan(1e-9);
    expect(metrics.spiking.synapticOps).toBeLessThan(metrics.spiking.chipMacs);
  });
});

describe("bad input", () => {
  it("evaluation data whose width is not the network's input is an input error", async () => {
    const { dir } = await convert(MLP, await classifierStats(), { timesteps: 4 });
    const path = join(tempDir("narrow"), "data.jsonl");
    writeFileSync(path, `${JSON.stringify({ features: [0.1, 0.2, 0.3], label: 1 })}\n`);
    await expect(simulate(dir, MLP, { data: path }, {})).rejects.toThrow(InputError);
    await expect(simulate(dir, MLP, { data: path }, {})).rejects.toThrow("has 3 features per sample but the spiking network's input 'features' takes 1024");
  });

  it("a classifier whose output is not float logits (an ArgMax head) is an input error, not a crash", async () => {
    const model = await readModel(MLP);
    const graph = model.proto.graph!;
    const logits = graph.output[0]!;
    graph.node.push(makeNode("ArgMax", [logits.name], ["label"], "argmax", { axis: { int: 1 }, keepdims: { int: 0 } }));
    graph.output[0] = create(ValueInfoProtoSchema, { name: "label" });
    const path = join(tempDir("argmax"), "model.onnx");
    await writeModel(model, path);
    const { dir } = await convert(path, await classifierStats(), { timesteps: 4 });
    await expect(simulate(dir, path, EVAL, { samples: 20 })).rejects.toThrow(/the model does not look like a classifier: .*outputs label \(int64/);
  });
});

describe("gpt-relu-brown", () => {
  it("simulates the hybrid LM: spiking FFNs, host attention; perplexity near the ANN's, MAC shares reported", async () => {
    const { dir } = await convert(LM, await lmStats(), { timesteps: 16 });
    const windows = JSON.parse(readFileSync(join(LM_DIR, "eval-ids.json"), "utf8")) as number[][];
    const data = tempDir("lm-eval");
    await writeIdsFile(join(data, "ids.bin"), Int32Array.from(windows.slice(0, 2).flat()));
    writeFileSync(join(data, "tokens.json"), JSON.stringify({ tokens: 256, vocabSize: 1024 }));
    const { metrics } = await simulate(dir, LM, { ids: join(data, "ids.bin"), tokens: join(data, "tokens.json") }, { task: "causal-lm", window: 128, batch: 1 });
    expect(metrics.ann).toMatchObject({ predictions: 254, windows: 2 });
    expect(metrics.perplexity).toBeGreaterThan(metrics.ann.perplexity! * 0.9);
    expect(metrics.perplexity).toBeLessThan(metrics.ann.perplexity! * 1.1);
    expect(metrics.agreement).toMatchObject({ rows: 254 });
    expect(metrics.agreement.top1).toBeGreaterThan(0.8);
    // Per window: the FFN MACs (4 × 2 × 128 × 128 × 512) ran as spikes; attention, projections and the head on the host.
    expect(metrics.spiking.chipMacs).toBe(2 * 4 * 2 * 128 * 128 * 512);
    expect(metrics.spiking.hostMacs).toBeGreaterThan(0);
    expect(metrics.spiking.chipMacShare + metrics.spiking.hostMacShare).toBeCloseTo(1, 5);
    const hosts = metrics.layers.filter((layer) => layer.where === "host");
    expect(hosts.map((h) => [h.name, h.runs])).toEqual(["host-0", "host-1", "host-2", "host-3", "host-4"].map((name) => [name, 2]));
    // host-0 reads the token ids (2 windows × 128 int64) and sends two [1, 128, 128] float tensors.
    expect(hosts[0]).toMatchObject({ bytesIn: 2 * 128 * 8, bytesOut: 2 * 2 * 128 * 128 * 4 });
  });
  it("feeds the token ids in the model's own input type (an int32 input, as some exporters write)", async () => {
    // gpt-relu-brown with an int32 input cast to int64 in the graph: the same network otherwise.
    const model = await readModel(LM);
    const graph = model.proto.graph!;
    const original = graph.input[0]!;
    const int32 = create(ValueInfoProtoSchema, { ...original, name: "input_ids_int32" });
    (int32.type!.value.value as { elemType: number }).elemType = DataType.INT32;
    graph.input[0] = int32;
    graph.node.unshift(makeNode("Cast", [int32.name], [original.name], "cast_ids", { to: { int: DataType.INT64 } }));
    const path = join(tempDir("int32"), "model.onnx");
    await writeModel(model, path);
    const { dir } = await convert(path, await lmStats(), { timesteps: 8 });
    const windows = JSON.parse(readFileSync(join(LM_DIR, "eval-ids.json"), "utf8")) as number[][];
    const data = tempDir("lm-eval-int32");
    await writeIdsFile(join(data, "ids.bin"), Int32Array.from(windows[0]!));
    writeFileSync(join(data, "tokens.json"), JSON.stringify({ tokens: 128, vocabSize: 1024 }));
    const { metrics } = await simulate(dir, path, { ids: join(data, "ids.bin"), tokens: join(data, "tokens.json") }, { task: "causal-lm", window: 128, batch: 1 });
    expect(metrics.ann).toMatchObject({ predictions: 127, windows: 1 });
    expect(metrics.agreement.top1).toBeGreaterThan(0.7);
  });
});
