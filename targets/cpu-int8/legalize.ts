import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../../src/errors.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { Json } from "../../src/util/canonical-json.js";

export interface LegalizeParams {
  optimization: "basic" | "extended" | "all";
  require_integer_kernels: boolean;
}

/** Ops of a quantized model before onnxruntime optimizes it (QDQ, dynamic, 4-bit). */
const QUANTIZED_OPS = new Set([
  "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger",
  "QLinearMatMul", "QLinearConv", "com.microsoft:MatMulNBits", "com.microsoft:MatMulIntegerToFloat",
  "com.microsoft:DynamicQuantizeMatMul", "com.microsoft:QGemm",
]);

/** Ops of onnxruntime's optimized graph that compute a matrix product in integers. */
const INTEGER_KERNELS = new Set([
  "MatMulInteger", "QLinearMatMul", "ConvInteger", "QLinearConv", "com.microsoft:MatMulIntegerToFloat",
  "com.microsoft:DynamicQuantizeMatMul", "com.microsoft:QGemm", "com.microsoft:QAttention", "com.microsoft:QLinearConv",
]);

/**
 * Matrix products computed in float. MatMulNBits (weight-only int8/int4) is one: without an
 * `accuracy_level` of 4, which slm's quantizer does not set, onnxruntime dequantizes its weights
 * and multiplies in fp32 — smaller, not faster (bench/cpu-int8.js measures it at ×0.65 of fp32).
 */
const FLOAT_PRODUCTS = new Set(["MatMul", "Gemm", "com.microsoft:FusedMatMul", "com.microsoft:FusedGemm", "com.microsoft:MatMulNBits"]);

/**
 * Checks that the model is one onnxruntime's CPU provider runs with integer kernels: it must be
 * quantized, and in the graph onnxruntime writes out after optimizing it, the matrix products
 * must be integer kernels (QLinearMatMul, MatMulIntegerToFloat, DynamicQuantizeMatMul, ...). Activation ×
 * activation products (attention) have no integer weights and stay float; they are counted.
 * The model passes through unchanged: the optimized graph depends on this machine's CPU, so it
 * is evidence (in the metrics), not an artifact.
 */
export const legalizeKind: StageKind<LegalizeParams> = {
  id: "legalize:cpu-int8",
  version: "1",
  description: "check that onnxruntime's CPU provider runs the quantized model with integer kernels",
  engines: ["onnxruntime-node"],
  async run(ctx, inputs, params) {
    const { opTypeCounts, parseModel } = await import("../../src/onnx/index.js");
    const { openSession } = await import("../../src/eval/index.js");
    const source = inputs.model!;
    const before = opTypeCounts(parseModel(await readFile(source), source).proto.graph!);
    const quantized = [...before.keys()].filter((op) => QUANTIZED_OPS.has(op));
    if (quantized.length === 0) {
      throw new InputError(
        `cpu-int8 needs a quantized model, but ${source} has no quantized op (ops: ${[...before.keys()].sort().join(", ")}): ` +
          "add a quantize step to the recipe; if it has one, its warnings say which nodes it left in float and why",
      );
    }
    const optimizedPath = join(ctx.workDir, "optimized.onnx");
    const opened = await openSession(source, { threads: 1, optimization: params.optimization, optimizedModelFilePath: optimizedPath });
    await opened.session.release();
    const after = opTypeCounts(parseModel(await readFile(optimizedPath), optimizedPath).proto.graph!);
    const integer = countOf(after, INTEGER_KERNELS);
    const float = countOf(after, FLOAT_PRODUCTS);
    const integerTotal = Object.values(integer).reduce((a, b) => a + b, 0);
    if (integerTotal === 0) {
      const message =
        `onnxruntime (${params.optimization} optimization) runs no matrix product of this model in an integer kernel ` +
        `(after optimization: ${describe(float)} in float). A weight-only int8 model is smaller but computes in float: ` +
        "quantize with mode dynamic or static for integer kernels; in a dynamic or static model, the quantize stage's warnings name the nodes it left in float and why";
      if (params.require_integer_kernels) throw new InputError(message);
      ctx.warn(message);
    }
    await copyFile(source, join(ctx.workDir, "model.onnx"));
    const metrics: Record<string, Json> = {
      quantizedOps: Object.fromEntries(quantized.sort().map((op) => [op, before.get(op)!])),
      integerKernels: integer,
      floatMatrixProducts: float,
      optimizedOps: Object.fromEntries([...after].sort(([a], [b]) => a.localeCompare(b))),
    };
    return { outputs: { "model.onnx": "model.onnx" }, metrics };
  },
};

function countOf(counts: ReadonlyMap<string, number>, ops: ReadonlySet<string>): Record<string, number> {
  return Object.fromEntries([...counts].filter(([op]) => ops.has(op)).sort(([a], [b]) => a.localeCompare(b)));
}

function describe(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([op, n]) => `${n} ${op}`);
  return parts.length === 0 ? "no matrix product" : parts.join(", ");
}
