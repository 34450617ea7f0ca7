/**
 * The quantize stage on the real models: every mode's output loads in onnxruntime-node with the
 * same inputs, outputs and output shapes, holds the encoding the mode promises, and comes with a
 * report; the same input gives the same bytes; the input file is never modified.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, test } from "vitest";
import { DataType, initializers, opsetVersion, opTypeCounts, readModel } from "../../../src/onnx/index.js";
import { evalIdsFlat } from "../../eval/fixtures.js";
import { calibrationStats, lm, mlp, runQuantizeStage } from "./helpers.js";

interface Run {
  inputs: readonly string[];
  outputs: Record<string, { dims: readonly number[]; data: Float32Array }>;
}

/** Runs a model on the first eval window (LM) or the first eval sample (MLP). */
async function runOnce(path: string): Promise<Run> {
  const session = await ort.InferenceSession.create(path);
  try {
    const feeds: Record<string, ort.Tensor> =
      session.inputNames[0] === "input_ids"
        ? { input_ids: new ort.Tensor("int64", BigInt64Array.from(evalIdsFlat().subarray(0, 128), BigInt), [1, 128]) }
        : { features: new ort.Tensor("float32", Float32Array.from(firstSample()), [1, 1024]) };
    const result = await session.run(feeds);
    const outputs = Object.fromEntries(Object.entries(result).map(([name, t]) => [name, { dims: t.dims, data: t.data as Float32Array }]));
    return { inputs: session.inputNames, outputs };
  } finally {
    await session.release();
  }
}

function firstSample(): number[] {
  const line = readFileSync(mlp.evalJsonl, "utf8").split("\n")[0]!;
  return (JSON.parse(line) as { features: number[] }).features;
}

const sha256 = async (path: string) => createHash("sha256").update(await readFile(path)).digest("hex");

/** Largest |a − b| relative to the largest |a|. */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  a.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - b[i]!));
    scale = Math.max(scale, Math.abs(v));
  });
  return diff / scale;
}

const reference: Record<string, Run> = {};
const stats: Record<string, string> = {};
beforeAll(async () => {
  reference.lm = await runOnce(lm.model);
  reference.mlp = await runOnce(mlp.model);
  stats.lm = await calibrationStats("lm", 8);
  stats.mlp = await calibrationStats("mlp");
});

const MODES = [
  { label: "weight-only int8 per-channel", params: {}, ops: ["DequantizeLinear"], tolerance: 0.03 },
  { label: "weight-only int8 per-tensor, asymmetric", params: { granularity: "per-tensor", symmetric: false }, ops: ["DequantizeLinear"], tolerance: 0.04 },
  { label: "weight-only 4-bit MatMulNBits", params: { bits: 4 }, ops: ["com.microsoft:MatMulNBits"], tolerance: 0.15 },
  { label: "weight-only 4-bit QDQ (opset 21)", params: { bits: 4, format: "qdq", symmetric: false }, ops: ["DequantizeLinear"], tolerance: 0.15 },
  { label: "dynamic", params: { mode: "dynamic" }, ops: ["DynamicQuantizeLinear", "MatMulInteger"], tolerance: 0.05 },
  { label: "static percentile", params: { mode: "static" }, ops: ["QuantizeLinear", "DequantizeLinear"], tolerance: 0.08 },
] as const;

describe.each(["lm", "mlp"] as const)("%s", (which) => {
  const model = which === "lm" ? lm.model : mlp.model;

  test.each(MODES)("$label: runs in onnxruntime with the same interface and output shapes", async ({ params, ops, tolerance }) => {
    const run = await runQuantizeStage(model, params, "mode" in params && params.mode === "static" ? stats[which] : undefined);
    const quantized = await runOnce(run.model);
    const fp32 = reference[which]!;
    expect(quantized.inputs).toEqual(fp32.inputs);
    expect(Object.keys(quantized.outputs)).toEqual(Object.keys(fp32.outputs));
    for (const [name, output] of Object.entries(fp32.outputs)) {
      expect(quantized.outputs[name]!.dims).toEqual(output.dims);
      expect(relativeDifference(output.data, quantized.outputs[name]!.data)).toBeLessThan(tolerance);
    }
    const counts = opTypeCounts((await readModel(run.model)).proto.graph!);
    for (const op of ops) expect(counts.get(op) ?? 0).toBeGreaterThan(0);
    // Every weight MatMul/Gemm is quantized: 17 in the LM (the attention MatMuls have no weight), 3 in the MLP.
    expect(run.report.summary.quantizedNodes).toBe(which === "lm" ? 17 : 3);
    expect(run.result.metrics).toMatchObject({ quantizedNodes: which === "lm" ? 17 : 3, floatNodes: which === "lm" ? 8 : 0 });
    expect(run.warnings).toEqual([]);
  });
});

describe("encodings", () => {
  test("weight-only int8: int8 weights, per-channel scales on onnxruntime's axis, ~4× fewer weight bytes", async () => {
    const run = await runQuantizeStage(mlp.model, {});
    const graph = (await readModel(run.model)).proto.graph!;
    const inits = initializers(graph);
    const weight = inits.get("fc1.weight_quantized")!;
    expect(weight.dataType).toBe(DataType.INT8);
    expect(weight.dims).toEqual([256n, 1024n]);
    expect(inits.get("fc1.weight_scale")!.dims).toEqual([256n]); // Gemm transB=1: axis 0
    expect(inits.has("fc1.weight")).toBe(false);
    const dq = graph.node.find((n) => n.name === "fc1.weight_DequantizeLinear")!;
    expect(dq.attribute.find((a) => a.name === "axis")!.i).toBe(0n);
    const fc1 = run.report.tensors.find((t) => t.name === "fc1.weight")!;
    expect(fc1).toMatchObject({ bits: 8, type: "int8", granularity: "per-channel (axis 0)", shape: [256, 1024], bytesBefore: 1048576, bytesAfter: 262144 + 256 * 5 });
    expect(run.result.metrics!.modelBytes).toBeLessThan(1_189_664 / 3.5);
  });

  test("MatMul weights are per-column (axis 1); 4-bit adds the com.microsoft opset", async () => {
    const int8 = await runQuantizeStage(lm.model, { include: ["/blocks.0/fc/MatMul"] });
    const graph = (await readModel(int8.model)).proto.graph!;
    expect(initializers(graph).get("blocks.0.fc.weight.T_scale")!.dims).toEqual([512n]);
    expect(int8.report.tensors.map((t) => t.name)).toEqual(["blocks.0.fc.weight.T"]);
    const int4 = await runQuantizeStage(lm.model, { bits: 4, include: ["/blocks.0/fc/MatMul"] });
    const proto = (await readModel(int4.model)).proto;
    expect(opsetVersion(proto, "com.microsoft")).toBe(1);
    const node = proto.graph!.node.find((n) => n.opType === "MatMulNBits")!;
    const attributes = Object.fromEntries(node.attribute.map((a) => [a.name, Number(a.i)]));
    expect(attributes).toEqual({ K: 128, N: 512, bits: 4, block_size: 32 });
    expect(initializers(proto.graph!).get("blocks.0.fc.weight.T_Q4")!.dims).toEqual([512n, 4n, 16n]);
  });

  test("4-bit QDQ raises the model to opset 21 / IR 10 and rewrites ReduceMean's axes", async () => {
    const run = await runQuantizeStage(lm.model, { bits: 4, format: "qdq" });
    const proto = (await readModel(run.model)).proto;
    expect(opsetVersion(proto)).toBe(21);
    expect(proto.irVersion).toBe(10n);
    const reduce = proto.graph!.node.find((n) => n.opType === "ReduceMean")!;
    expect(reduce.attribute.some((a) => a.name === "axes")).toBe(false);
    expect(reduce.input).toHaveLength(2);
    expect(initializers(proto.graph!).get("blocks.0.fc.weight.T_quantized")!.dataType).toBe(DataType.INT4);
  });

  test("raising the opset to 21 alone leaves the model's outputs unchanged", async () => {
    // No node matches, so only the opset upgrade (ReduceMean axes → input) happens.
    const run = await runQuantizeStage(lm.model, { bits: 4, format: "qdq", include: ["no such node"] });
    expect(opsetVersion((await readModel(run.model)).proto)).toBe(21);
    const upgraded = await runOnce(run.model);
    expect(Array.from(upgraded.outputs.logits!.data)).toEqual(Array.from(reference.lm!.outputs.logits!.data));
  });

  test("static: Q/DQ pairs on activations, int32 Gemm biases with scale s_in · s_w", async () => {
    const run = await runQuantizeStage(mlp.model, { mode: "static" }, stats.mlp);
    const graph = (await readModel(run.model)).proto.graph!;
    const inits = initializers(graph);
    expect(inits.get("fc1.bias_quantized")!.dataType).toBe(DataType.INT32);
    const inputScale = run.report.activations.find((a) => a.tensor === "features")!.scale;
    const weightScales = new Float32Array((inits.get("fc1.weight_scale")!.rawData.slice()).buffer);
    const biasScales = new Float32Array((inits.get("fc1.bias_quantized_scale")!.rawData.slice()).buffer);
    expect(biasScales[7]).toBe(Math.fround(inputScale * weightScales[7]!));
    expect(run.report.activations.map((a) => [a.tensor, a.type, a.method])).toEqual([
      ["features", "uint8", "percentile 99.999"],
      ["/relu1/Relu_output_0", "uint8", "percentile 99.999"],
      ["/relu2/Relu_output_0", "uint8", "percentile 99.999"],
    ]);
    expect(run.report.activations.every((a) => a.zeroPoint === 0)).toBe(true); // ReLU outputs and features are ≥ 0
  });

  test("static with activation_matmuls quantizes the attention MatMuls too", async () => {
    const run = await runQuantizeStage(lm.model, { mode: "static", activation_matmuls: true }, stats.lm);
    expect(run.report.summary.quantizedNodes).toBe(25);
    expect(run.report.floatNodes).toEqual([]);
  });
});

describe("determinism and inputs", () => {
  test("the same input and params give the same bytes, and the input file is untouched", async () => {
    const before = await sha256(lm.model);
    const first = await runQuantizeStage(lm.model, { mode: "static" }, stats.lm);
    const second = await runQuantizeStage(lm.model, { mode: "static" }, stats.lm);
    expect(await sha256(first.model)).toBe(await sha256(second.model));
    expect(JSON.stringify(first.report)).toBe(JSON.stringify(second.report));
    expect(await sha256(lm.model)).toBe(before);
  });
});
