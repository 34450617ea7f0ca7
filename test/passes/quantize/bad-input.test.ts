/**
 * What the quantize stage does with input it cannot (fully) quantize: NaN weights and missing or
 * corrupt statistics are errors naming the culprit; nodes it cannot quantize stay float with a
 * warning naming them; name patterns keep chosen nodes float; shared weights are encoded once.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";
import { InputError } from "../../../src/errors.js";
import { arrayToTensor, DataType, initializers, opTypeCounts, readModel, writeModel } from "../../../src/onnx/index.js";
import { makeNode } from "../../../src/passes/quantize/graph-edit.js";
import { lm, mlp, runQuantizeStage, tempDir } from "./helpers.js";
import { lcg, tinyModelBytes, valueInfo, type TinyModel } from "./tiny-models.js";

const FLOAT = DataType.FLOAT;
const random = lcg(3);
const weight = (name: string, dims: number[]) => arrayToTensor(name, dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => random()), FLOAT);

async function saveTiny(spec: TinyModel): Promise<string> {
  const path = join(await tempDir(), "tiny.onnx");
  await writeFile(path, tinyModelBytes(spec));
  return path;
}

/** X [2, 8] → MatMul(W 8×4) → Y1; X → MatMul(W) → Y2 (shared weight); Z [2, 5, 3] → MatMul(W3 [2, 3, 4]) → Y3. */
const mixed: TinyModel = {
  nodes: [
    makeNode("MatMul", ["X", "W"], ["Y1"], "first"),
    makeNode("MatMul", ["X", "W"], ["Y2"], "second"),
    makeNode("MatMul", ["Z", "W3"], ["Y3"], "batched"),
  ],
  initializers: [weight("W", [8, 4]), weight("W3", [2, 3, 4])],
  inputs: [valueInfo("X", FLOAT, [2, 8]), valueInfo("Z", FLOAT, [2, 5, 3])],
  outputs: [valueInfo("Y1", FLOAT, [2, 4]), valueInfo("Y2", FLOAT, [2, 4]), valueInfo("Y3", FLOAT, [2, 5, 4])],
};

describe("errors", () => {
  test("a NaN weight is an InputError naming the tensor", async () => {
    const model = await readModel(mlp.model);
    const fc2 = initializers(model.proto.graph!).get("fc2.weight")!;
    const values = new Float32Array(fc2.rawData.slice().buffer);
    values[77] = Number.NaN;
    fc2.rawData = new Uint8Array(values.buffer);
    const path = join(await tempDir(), "nan.onnx");
    await writeModel(model, path);
    const error = await runQuantizeStage(path, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe("tensor 'fc2.weight' has NaN at index 77: cannot quantize a weight that is not finite");
  });

  test("static mode without statistics, or with a corrupt file, is an InputError", async () => {
    await expect(runQuantizeStage(mlp.model, { mode: "static" })).rejects.toThrow(/needs calibration statistics: set data.calibration/);
    const corrupt = join(await tempDir(), "stats.json");
    await writeFile(corrupt, "{not json");
    await expect(runQuantizeStage(mlp.model, { mode: "static" }, corrupt)).rejects.toThrow(/calibration statistics cannot be read/);
    await writeFile(corrupt, JSON.stringify({ version: 2, tensors: {} }));
    await expect(runQuantizeStage(mlp.model, { mode: "static" }, corrupt)).rejects.toThrow(/not a version 1 stats.json/);
  });

  test("per-channel DequantizeLinear on an opset-11 model is refused with the fix", async () => {
    const path = await saveTiny({ ...mixed, opset: 11 });
    await expect(runQuantizeStage(path, {})).rejects.toThrow("per-channel DequantizeLinear needs opset ≥ 13, the model imports opset 11 (granularity: per-tensor needs opset 10)");
    const run = await runQuantizeStage(path, { granularity: "per-tensor" });
    expect(run.report.summary.quantizedNodes).toBe(2);
  });

  test("4-bit QDQ refuses to raise an opset when an op would change meaning", async () => {
    const roi: TinyModel = {
      ...mixed,
      nodes: [...mixed.nodes, makeNode("RoiAlign", ["F", "R", "B"], ["P"], "roi")],
      inputs: [...mixed.inputs, valueInfo("F", FLOAT, [1, 1, 4, 4]), valueInfo("R", FLOAT, [1, 4]), valueInfo("B", DataType.INT64, [1])],
      outputs: [...mixed.outputs, valueInfo("P", FLOAT, [1, 1, 1, 1])],
    };
    await expect(runQuantizeStage(await saveTiny(roi), { bits: 4, format: "qdq", block_size: 16 })).rejects.toThrow(
      "raising opset 14 to 21 would change RoiAlign (opset 16 changed its default coordinate_transformation_mode) (use format: matmulnbits)",
    );
  });
});

describe("nodes that stay in float", () => {
  test("a weight that is not a 2-D matrix: warned, reported, and the model still runs", async () => {
    const run = await runQuantizeStage(await saveTiny(mixed), {});
    expect(run.warnings).toEqual(["quantize: node batched stays in float: weight 'W3' has rank 3, not 2"]);
    expect(run.report.floatNodes).toEqual([{ node: "batched", opType: "MatMul", reason: "weight 'W3' has rank 3, not 2" }]);
    const session = await ort.InferenceSession.create(run.model);
    const feeds = { X: new ort.Tensor("float32", new Float32Array(16).fill(1), [2, 8]), Z: new ort.Tensor("float32", new Float32Array(30).fill(1), [2, 5, 3]) };
    const out = await session.run(feeds);
    expect(out.Y3!.dims).toEqual([2, 5, 4]);
    await session.release();
  });

  test("a weight read by two nodes is quantized once and shared", async () => {
    const run = await runQuantizeStage(await saveTiny(mixed), {});
    expect(run.report.tensors).toHaveLength(1);
    expect(run.report.tensors[0]!.nodes).toEqual(["first", "second"]);
    const counts = opTypeCounts((await readModel(run.model)).proto.graph!);
    expect(counts.get("DequantizeLinear")).toBe(1);
  });

  test("a Gemm form dynamic mode cannot express stays float with a warning; weight-only handles it", async () => {
    const gemm: TinyModel = {
      nodes: [makeNode("Gemm", ["X", "W", "C"], ["Y"], "gemm", { transA: { int: 1 } })],
      initializers: [weight("W", [8, 4]), weight("C", [4])],
      inputs: [valueInfo("X", FLOAT, [8, 2])],
      outputs: [valueInfo("Y", FLOAT, [2, 4])],
    };
    const path = await saveTiny(gemm);
    const dynamic = await runQuantizeStage(path, { mode: "dynamic" });
    expect(dynamic.warnings).toEqual([
      "quantize: node gemm stays in float: Gemm with transA=1 cannot become dynamic mode",
      "quantize: no node was quantized (see report.json floatNodes)",
    ]);
    const weightOnly = await runQuantizeStage(path, {});
    expect(weightOnly.report.summary.quantizedNodes).toBe(1);
  });

  test("static mode without statistics for a node's input: that node stays float, with a warning", async () => {
    const stats = join(await tempDir(), "stats.json");
    const entry = { count: 4, min: 0, max: 1, zeroFraction: 0, histogram: { range: 1, counts: [0, 0, 2, 2] } };
    await writeFile(stats, JSON.stringify({ version: 1, samples: 1, tensors: { "/relu1/Relu_output_0": entry } }));
    const run = await runQuantizeStage(mlp.model, { mode: "static" }, stats);
    expect(run.report.summary.quantizedNodes).toBe(1);
    expect(run.warnings).toEqual([
      "quantize: node /fc1/Gemm stays in float: no calibration statistics for 'features'",
      "quantize: node /fc3/Gemm stays in float: no calibration statistics for '/relu2/Relu_output_0'",
    ]);
  });

  test("exclude keeps matching nodes in float (reported, not warned); include selects", async () => {
    const run = await runQuantizeStage(lm.model, { exclude: ["/MatMul"] });
    expect(run.report.summary.quantizedNodes).toBe(16);
    expect(run.report.floatNodes).toContainEqual({ node: "/MatMul", opType: "MatMul", reason: 'matched by exclude "/MatMul"' });
    expect(run.warnings).toEqual([]);
    const ffn = await runQuantizeStage(lm.model, { include: ["*fc_out*"] });
    expect(ffn.report.tensors.map((t) => t.name)).toEqual([0, 1, 2, 3].map((i) => `blocks.${i}.fc_out.weight.T`));
    const mlpOnly = await runQuantizeStage(mlp.model, { op_types: ["MatMul"] });
    expect(mlpOnly.warnings).toEqual(["quantize: no node was quantized (see report.json floatNodes)"]);
    expect(mlpOnly.report.floatNodes.map((n) => n.reason)).toEqual(Array(3).fill("op type Gemm is not in op_types"));
  });
});
