import { stat } from "node:fs/promises";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { arrayToTensor, DataType, readModel, tensorToArray, writeModel, type OnnxModel } from "../../../src/onnx/index.js";
import type { StructureRemoval } from "../../../src/passes/prune/structured/remove.js";
import { LM, lmCalibrationStats, lmEvalWindows, MLP, pruneParams, runPrune, tempDir } from "./rig.js";
import { tiedModel, twoLayerModel } from "./tiny-models.js";

async function runModel(path: string, feeds: Record<string, ort.Tensor>): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(path);
  try {
    return (await session.run(feeds))[session.outputNames[0]!]!;
  } finally {
    await session.release();
  }
}

const lmFeeds = () => ({ input_ids: new ort.Tensor("int64", BigInt64Array.from(lmEvalWindows().subarray(0, 2 * 128), BigInt), [2, 128]) });
const mlpFeeds = () => ({ features: new ort.Tensor("float32", Float32Array.from({ length: 4 * 1024 }, (_, i) => ((i * 37) % 101) / 5000), [4, 1024]) });

/**
 * The input model with the removed units' *outgoing* weights zeroed instead of cut: a removed
 * FFN unit or head then contributes nothing, which is exactly what cutting it out computes.
 */
async function maskedEquivalent(source: string, removed: readonly StructureRemoval[], headDim: number): Promise<string> {
  const model = await readModel(source);
  const graph = model.proto.graph!;
  for (const removal of removed) {
    const node = graph.node.find((n) => n.name === removal.nodes[1])!;
    const index = graph.initializer.findIndex((t) => t.name === node.input[1]);
    const tensor = graph.initializer[index]!;
    const values = tensorToArray(tensor, { copy: true }) as Float32Array;
    const [rows, cols] = tensor.dims.map(Number) as [number, number];
    const transB = node.attribute.some((a) => a.name === "transB" && a.i === 1n);
    const width = removal.kind === "attention" ? headDim : 1;
    for (const unit of removal.removed) {
      for (let k = unit * width; k < (unit + 1) * width; k++) {
        if (transB) for (let n = 0; n < rows; n++) values[n * cols + k] = 0;
        else values.fill(0, k * cols, (k + 1) * cols);
      }
    }
    graph.initializer[index] = arrayToTensor(tensor.name, [rows, cols], values, DataType.FLOAT);
  }
  const path = join(tempDir("prune-masked"), "model.onnx");
  await writeModel(model, path);
  return path;
}

function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  return max;
}

describe("structured removal on gpt-relu-brown", () => {
  it("cuts 25% of FFN units and of heads: a smaller model with the same outputs as zeroing them", async () => {
    const run = await runPrune(LM, pruneParams("{method: structured, ffn: 0.25, heads: 0.25}"));
    expect((await stat(run.modelPath)).size).toBeLessThan((await stat(LM)).size);
    expect(run.metrics).toMatchObject({ ffnUnitsRemoved: 4 * 128, headsRemoved: 4, parametersRemoved: 4 * (128 * 128 * 2 + 128) + 4 * (128 * 96 + 96 + 32 * 128) });
    expect(run.report.removed.map((r) => [r.kind, r.before, r.after])).toEqual([
      ...[0, 1, 2, 3].map(() => ["ffn", 512, 384]),
      ...[0, 1, 2, 3].map(() => ["attention", 4, 3]),
    ]);
    const byName = Object.fromEntries(run.report.tensors.map((t) => [t.name, t]));
    expect(byName["blocks.0.fc.weight.T"]).toMatchObject({ shapeBefore: [128, 512], shape: [128, 384] });
    expect(byName["blocks.0.fc.bias"]).toMatchObject({ shapeBefore: [512], shape: [384] });
    expect(byName["blocks.0.fc_out.weight.T"]).toMatchObject({ shapeBefore: [512, 128], shape: [384, 128] });
    expect(byName["blocks.0.attn.qkv.weight.T"]).toMatchObject({ shapeBefore: [128, 384], shape: [128, 288] });
    expect(byName["blocks.0.attn.proj.weight.T"]).toMatchObject({ shapeBefore: [128, 128], shape: [96, 128] });

    const feeds = lmFeeds();
    const pruned = await runModel(run.modelPath, feeds);
    const original = await runModel(LM, feeds);
    expect(pruned.dims).toEqual(original.dims);
    const masked = await runModel(await maskedEquivalent(LM, run.report.removed, 32), feeds);
    expect(maxAbsDiff(pruned, masked)).toBeLessThan(1e-3);
    expect(maxAbsDiff(pruned, original)).toBeGreaterThan(0.1);
  });

  it("leaves the graph tidy: no orphaned shape constants, head count 3 where it was 4", async () => {
    const run = await runPrune(LM, pruneParams("{method: structured, ffn: 0, heads: 0.25}"));
    const graph = run.model.proto.graph!;
    const read = new Set(graph.node.flatMap((n) => n.input));
    const outputs = new Set(graph.output.map((o) => o.name));
    expect(graph.node.filter((n) => n.output.every((o) => !read.has(o) && !outputs.has(o))).map((n) => n.name)).toEqual([]);
    expect(graph.initializer.filter((t) => !read.has(t.name)).map((t) => t.name)).toEqual([]);
    expect(graph.valueInfo).toEqual([]);
    const before = await readModel(LM);
    expect(graph.node.length).toBeLessThan(before.proto.graph!.node.length);
  });

  it("ranks by activation with calibration statistics", async () => {
    const run = await runPrune(LM, pruneParams("{method: structured, ffn: 0.25, heads: 0.25, importance: activation}"), await lmCalibrationStats());
    const magnitude = await runPrune(LM, pruneParams("{method: structured, ffn: 0.25, heads: 0.25}"));
    expect(run.metrics.parameters).toBe(magnitude.metrics.parameters);
    expect(run.report.removed[0]!.removed).not.toEqual(magnitude.report.removed[0]!.removed);
    const feeds = lmFeeds();
    expect((await runModel(run.modelPath, feeds)).dims).toEqual([2, 128, 1024]);
  });
});

describe("structured removal on brown-genre-mlp (Gemm, transB, chained FFNs)", () => {
  it("cuts both hidden layers (fc2 loses inputs and outputs) and computes what zeroing computes", async () => {
    const run = await runPrune(MLP, pruneParams("{method: structured, ffn: 0.25}"));
    expect(run.report.removed.map((r) => [r.nodes, r.before, r.after])).toEqual([
      [["/fc1/Gemm", "/fc2/Gemm"], 256, 192],
      [["/fc2/Gemm", "/fc3/Gemm"], 128, 96],
    ]);
    const byName = Object.fromEntries(run.report.tensors.map((t) => [t.name, t.shape]));
    expect(byName).toEqual({ "fc1.bias": [192], "fc1.weight": [192, 1024], "fc2.bias": [96], "fc2.weight": [96, 192], "fc3.weight": [15, 96] });
    expect((await stat(run.modelPath)).size).toBeLessThan((await stat(MLP)).size);
    const feeds = mlpFeeds();
    const pruned = await runModel(run.modelPath, feeds);
    expect(pruned.dims).toEqual([4, 15]);
    // Zeroing fc2's and fc3's rows for the removed units of each block gives the same logits.
    const masked = await runModel(await maskedEquivalent(MLP, run.report.removed, 1), feeds);
    expect(maxAbsDiff(pruned, masked)).toBeLessThan(1e-4);
  });
});

describe("structured removal on a model that declares its weights as inputs (IR < 4 style)", () => {
  it("updates the declared shapes with the tensors", async () => {
    const run = await runPrune(await twoLayerModel(true), pruneParams("{method: structured, ffn: 0.34}"));
    const declared = Object.fromEntries(
      run.model.proto.graph!.input.map((i) => [i.name, i.type?.value.case === "tensorType" ? i.type.value.value.shape?.dim.map((d) => Number(d.value.value)) : []]),
    );
    expect(declared).toEqual({ x: [1, 4], W1: [4, 2], b1: [2], W2: [2, 2] });
    const y = await runModel(run.modelPath, { x: new ort.Tensor("float32", Float32Array.of(1, 2, 3, 4), [1, 4]) });
    expect(y.dims).toEqual([1, 2]);
  });
});

describe("structured removal refuses what it cannot do safely", () => {
  it("heads on a model without attention", async () => {
    await expect(runPrune(MLP, pruneParams("{method: structured, ffn: 0, heads: 0.5}"))).rejects.toThrow("prune: heads is 0.5, but the model has no attention (no Softmax node)");
  });

  it("ffn on a model without an FFN block", async () => {
    await expect(runPrune(await tiedModel(), pruneParams('{method: structured, ffn: 0.25, include: ["*"]}'))).rejects.toThrow(/ffn is 0.25, but the model has no FFN block/);
  });

  it("heads in attention it does not recognize: names the node, writes nothing", async () => {
    const model = await readModel(LM);
    const softmax = model.proto.graph!.node.find((n) => n.name === "/blocks.2/attn/Softmax")!;
    softmax.attribute.find((a) => a.name === "axis")!.i = 1n;
    const path = await writeCopy(model);
    await expect(runPrune(path, pruneParams("{method: structured, heads: 0.25}"))).rejects.toThrow(
      /cannot remove heads safely: Softmax '\/blocks.2\/attn\/Softmax' is not inside an attention pattern .*Softmax '\/blocks.2\/attn\/Softmax' normalizes axis 1, not the last one/,
    );
  });
});

async function writeCopy(model: OnnxModel): Promise<string> {
  const path = join(tempDir("prune-edited"), "model.onnx");
  await writeModel(model, path);
  return path;
}
