import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validatorFor } from "../../../src/config/validate.js";
import { InputError } from "../../../src/errors.js";
import { quantizePass } from "../../../src/passes/quantize/index.js";
import type { StageContext } from "../../../src/plan/stage-kind.js";
import { legalizeKind } from "../../../targets/cpu-int8/legalize.js";

/**
 * cpu-int8's legalize stage reads onnxruntime's optimized graph: a dynamically quantized model
 * runs integer kernels; a weight-only one (MatMulNBits, which dequantizes and multiplies in
 * float) is refused when integer kernels are required, and passes with a warning otherwise.
 */
const MODEL = join(import.meta.dirname, "../../../models/brown-genre-mlp/model.onnx");
const work = mkdtempSync(join(tmpdir(), "slm-cpu-int8-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function context(warnings: string[] = []): StageContext {
  return { projectDir: work, workDir: mkdtempSync(join(work, "run-")), signal: new AbortController().signal, warn: (m) => warnings.push(m) };
}

async function quantized(partial: Record<string, unknown>): Promise<string> {
  const params = structuredClone(partial);
  expect(validatorFor(quantizePass.schema as never)(params)).toBe(true);
  const ctx = context();
  await quantizePass.kind.run(ctx, { model: MODEL }, params as never);
  return join(ctx.workDir, "model.onnx");
}

describe("legalize:cpu-int8", () => {
  it("finds onnxruntime's integer kernels in a dynamically quantized model", async () => {
    const result = await legalizeKind.run(context(), { model: await quantized({ mode: "dynamic" }) }, { optimization: "all", require_integer_kernels: true });
    expect(result.metrics!.integerKernels).toEqual({ "com.microsoft:DynamicQuantizeMatMul": 3 });
    expect(result.metrics!.floatMatrixProducts).toEqual({});
  });

  it("refuses a weight-only model, whose matrix products run in float, unless told otherwise", async () => {
    const model = await quantized({});
    await expect(legalizeKind.run(context(), { model }, { optimization: "all", require_integer_kernels: true })).rejects.toThrow(InputError);
    const warnings: string[] = [];
    const result = await legalizeKind.run(context(warnings), { model }, { optimization: "all", require_integer_kernels: false });
    const float = result.metrics!.floatMatrixProducts as Record<string, number>;
    expect(Object.values(float).reduce((a, b) => a + b, 0)).toBe(3);
    expect(result.metrics!.integerKernels).toEqual({});
    expect(warnings.join("\n")).toMatch(/runs no matrix product of this model in an integer kernel/);
  });

  it("refuses a model that is not quantized, naming its ops", async () => {
    await expect(legalizeKind.run(context(), { model: MODEL }, { optimization: "all", require_integer_kernels: true })).rejects.toThrow(/needs a quantized model.*add a quantize step/);
  });
});
